// Strict loading of job specs by the experiment config's reader (strict_toml.h), so both report
// alike. A job spec's own are the SLURM checks on its strings; its schema is the keys it reads (a
// dozen flat keys need no visitor like fields.h's).
#include "config/jobspec.h"

#include <toml++/toml.h>

#include <cctype>
#include <filesystem>
#include <functional>
#include <sstream>
#include <utility>

#include "config/fields.h"
#include "config/strict_toml.h"

namespace emoaug::config {
namespace detail {

template <>
const std::vector<std::pair<SweepMode, const char*>>& enum_names<SweepMode>() {
  static const std::vector<std::pair<SweepMode, const char*>> names{{SweepMode::Array, "array"},
                                                                    {SweepMode::Mpi, "mpi"}};
  return names;
}
template <>
const std::vector<std::pair<Launcher, const char*>>& enum_names<Launcher>() {
  static const std::vector<std::pair<Launcher, const char*>> names{{Launcher::Srun, "srun"},
                                                                   {Launcher::Mpirun, "mpirun"}};
  return names;
}

namespace {

// "" when `s` is fine, else what is wrong with it.
using StringCheck = std::function<std::string(const std::string&)>;

std::string slurm_word(const std::string& s) {
  for (unsigned char ch : s)
    if (!(std::isalnum(ch) || ch == '.' || ch == '_' || ch == '-'))
      return "may hold letters, digits, '.', '_' and '-' only";
  return "";
}

// SLURM's --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
std::string slurm_time(const std::string& s) {
  const std::string bad = "is not a SLURM time (MM, HH:MM:SS or D-HH:MM:SS)";
  const size_t dash = s.find('-');
  const std::string days = dash == std::string::npos ? "" : s.substr(0, dash);
  const std::string rest = dash == std::string::npos ? s : s.substr(dash + 1);
  if (dash != std::string::npos && days.empty()) return bad;
  for (char ch : days)
    if (!std::isdigit(static_cast<unsigned char>(ch))) return bad;
  int parts = 0;
  std::stringstream in(rest);
  std::string part;
  while (std::getline(in, part, ':')) {
    ++parts;
    if (part.empty()) return bad;
    for (char ch : part)
      if (!std::isdigit(static_cast<unsigned char>(ch))) return bad;
  }
  if (parts < 1 || parts > 3 || rest.empty() || rest.back() == ':') return bad;
  return "";
}

std::string one_line(const std::string& s) {
  return s.find_first_of(std::string("\r\n\0", 3)) == std::string::npos ? "" : "must be one line";
}

// A string that passes the shared read must pass these too, reported as `key = "value" problem`.
bool passes(Reader& r, const toml::node& n, const std::string& key, const StringCheck& check) {
  const std::string& v = n.as_string()->get();
  std::string problem = one_line(v);
  if (problem.empty() && check) problem = check(v);
  return problem.empty() || r.fail(key, n, key + " = " + shown(n) + " " + problem);
}

// Whether `n` is an array of elements `is` accepts. Job specs have always named an element of
// another type by its type alone (tests/test_jobspec.cpp holds them to it), where the shared read
// would add its value as the config's messages do.
bool elements_are(Reader& r, const toml::node& n, const std::string& key,
                  bool (toml::node::*is)() const noexcept, const char* expected) {
  if (!n.is_array()) return r.wrong_type(key, n, "an array");
  const toml::array& a = *n.as_array();
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i].*is)())
      return r.fail(
          key, a[i],
          key + "[" + std::to_string(i) + "]: expected " + expected + ", got " + type_name(a[i]));
  return true;
}

void checked_field(Reader& r, const char* name, std::string& out, const StringCheck& check,
                   const Rule& rule = any()) {
  const toml::node* n = r.get(name);
  std::string v;
  if (n && r.read(*n, r.key(name), rule, v) && passes(r, *n, r.key(name), check))
    out = std::move(v);
}

void checked_field(Reader& r, const char* name, std::vector<std::string>& out,
                   const StringCheck& check) {
  const toml::node* n = r.get(name);
  if (!n || !elements_are(r, *n, r.key(name), &toml::node::is_string, "a string")) return;
  const toml::array& a = *n->as_array();
  for (size_t i = 0; i < a.size(); ++i)
    if (!passes(r, a[i], r.key(name) + "[" + std::to_string(i) + "]", check)) return;
  std::vector<std::string> values;
  for (const toml::node& e : a) values.push_back(e.as_string()->get());
  out = std::move(values);
}

}  // namespace
}  // namespace detail

JobSpec parse_jobspec(const std::string& text, const std::string& origin,
                      const std::string& base_dir) {
  using namespace detail;
  toml::table root = parse_toml(text, origin);
  const Origins origins{origin, {}};
  Issues issues(origins);
  Reader r(root, origins, issues, base_dir);
  JobSpec spec;
  auto nonempty_word = [](const std::string& s) {
    return s.empty() ? std::string("must not be empty") : slurm_word(s);
  };
  auto option = [](const std::string& s) {
    if (s.rfind("#SBATCH", 0) == 0) return std::string("must be the option alone (no #SBATCH)");
    return s.empty() || s[0] != '-' ? std::string("is not an sbatch option (--name=value)")
                                    : std::string();
  };
  auto assignment = [](const std::string& s) {
    return s.find('=') == std::string::npos ? std::string("is not KEY=VALUE") : std::string();
  };

  r.table("job");
  checked_field(r, "name", spec.name, nonempty_word);
  checked_field(
      r, "config", spec.config,
      [](const std::string& s) { return s.empty() ? std::string("must not be empty") : ""; },
      path());
  checked_field(r, "set", spec.set, assignment);
  // The grid as gan.lambda_cls has it.
  if (const toml::node* n = r.get("lambda_cls"))
    if (elements_are(r, *n, r.key("lambda_cls"), &toml::node::is_number, "a number"))
      r.read(*n, r.key("lambda_cls"), nonempty(distinct_as_float(at_least(0))), spec.lambda_cls);
  r.field("mode", any(), spec.mode);
  r.field("launcher", any(), spec.launcher);

  r.table("slurm");
  r.field("ranks", at_least(1), spec.ranks);
  r.field("nodes", at_least(0), spec.nodes);
  r.field("cpus_per_task", at_least(1), spec.cpus_per_task);
  r.field("gpus_per_task", at_least(0), spec.gpus_per_task);
  checked_field(r, "time", spec.time, slurm_time);
  checked_field(r, "partition", spec.partition, slurm_word);
  checked_field(r, "account", spec.account, slurm_word);
  r.field("signal_seconds", at_least(0), spec.signal_seconds);
  checked_field(r, "aggregate_time", spec.aggregate_time, slurm_time);
  checked_field(r, "extra", spec.extra, option);

  const toml::node* job = root.get("job");
  if (spec.config.empty() && (!job || (job->is_table() && !job->as_table()->get("config"))))
    r.fail_at("job.config", "[job] config is required: the experiment config to run");
  if (spec.nodes > spec.ranks)
    r.fail_at("slurm.nodes", "slurm.nodes = " + std::to_string(spec.nodes) +
                                 " is more than slurm.ranks = " + std::to_string(spec.ranks) +
                                 ": a node without a rank");
  find_unknown(root, Schema(r.keys(), r.tables()), issues);
  issues.throw_if_any();
  return spec;
}

JobSpec load_jobspec(const std::string& path) {
  return parse_jobspec(detail::read_text(path, "job spec"), path,
                       std::filesystem::absolute(path).parent_path().string());
}

const char* to_string(SweepMode v) {
  return v == SweepMode::Array ? "array" : "mpi";
}
const char* to_string(Launcher v) {
  return v == Launcher::Srun ? "srun" : "mpirun";
}

}  // namespace emoaug::config
