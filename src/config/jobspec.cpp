// Strict loading of job specs by the experiment config's reader (strict_toml.h), so both report
// alike. A job spec's own are the SLURM checks on its strings; its schema is the keys it reads (a
// dozen flat keys need no visitor like fields.h's) and [sweep], whose keys are the experiment
// config's (`emoaug submit` checks them against it) and which is read as a whole.
#include "config/jobspec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
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

// A sweep value as TOML value text for `--sweep KEY=V1,V2`: what `-s KEY=V` would take.
std::string sweep_value(const toml::node& n) {
  if (n.is_integer()) return std::to_string(n.as_integer()->get());
  if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
  if (n.is_floating_point()) {
    const double x = n.as_floating_point()->get();
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, x);
      if (std::strtod(buf, nullptr) == x) break;
    }
    std::string text = buf;
    // Still a float to TOML: "2" would read as an integer.
    if (text.find_first_of(".en") == std::string::npos) text += ".0";
    return text;
  }
  std::string text = "\"";
  for (char ch : n.as_string()->get()) {
    if (ch == '"' || ch == '\\') text += '\\';
    text += ch;
  }
  return text + "\"";
}

bool config_key(const std::string& path) {
  std::stringstream in(path);
  std::string part;
  int parts = 0;
  while (std::getline(in, part, '.')) {
    ++parts;
    if (part.empty()) return false;
    for (unsigned char ch : part)
      if (!(std::isalnum(ch) || ch == '_' || ch == '-')) return false;
  }
  return parts > 0 && path.back() != '.';
}

struct SweepAxis {
  std::string key;
  const toml::node* values;
};

// The leaves of [sweep] under `prefix`: quoted ("gan.epochs") and nested (gan.epochs) keys alike.
void sweep_leaves(const toml::table& t, const std::string& prefix, std::vector<SweepAxis>& out) {
  for (const auto& [k, v] : t) {
    if (prefix.empty() && k.str() == "zip") continue;
    const std::string path =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (v.is_table())
      sweep_leaves(*v.as_table(), path, out);
    else
      out.push_back({path, &v});
  }
}

bool before(const toml::source_region& a, const toml::source_region& b) {
  return a.begin.line != b.begin.line ? a.begin.line < b.begin.line
                                      : a.begin.column < b.begin.column;
}

// [sweep]: each key a config key path, each value an array of values; `zip` lists groups of keys
// that advance together.
void read_sweep(Reader& r, const toml::table& table, JobSpec& spec) {
  std::vector<SweepAxis> axes;
  sweep_leaves(table, "", axes);
  // In the file's order (a TOML table keeps its keys sorted): the order of --sweep on every run.
  std::stable_sort(axes.begin(), axes.end(), [](const SweepAxis& a, const SweepAxis& b) {
    return before(a.values->source(), b.values->source());
  });
  std::map<std::string, size_t> counts;  // key -> number of values, of the axes that read well
  for (const SweepAxis& axis : axes) {
    const std::string key = "sweep." + axis.key;
    const toml::node& n = *axis.values;
    if (!config_key(axis.key)) {
      r.fail(key, n, "sweep: '" + axis.key + "' is not a config key like gan.epochs");
      continue;
    }
    if (std::any_of(axes.begin(), axes.end(), [&](const SweepAxis& a) {
          return a.key == axis.key && before(a.values->source(), n.source());
        })) {
      r.fail(key, n, "sweep lists " + axis.key + " twice");
      continue;
    }
    if (!n.is_array()) {
      r.wrong_type(key, n, "an array of values");
      continue;
    }
    const toml::array& a = *n.as_array();
    if (a.empty()) {
      r.fail(key, n, key + " must not be empty");
      continue;
    }
    std::vector<std::string> values;
    bool ok = true;
    for (size_t i = 0; i < a.size() && ok; ++i) {
      const std::string element = key + "[" + std::to_string(i) + "]";
      if (!(a[i].is_number() || a[i].is_boolean() || a[i].is_string())) {
        ok = r.fail(key, a[i],
                    element + ": expected a number, boolean or string, got " + type_name(a[i]));
      } else if (a[i].is_string() && a[i].as_string()->get().find(',') != std::string::npos) {
        ok = r.fail(key, a[i],
                    element + " = " + shown(a[i]) +
                        " holds a ',', which separates the values of --sweep KEY=V1,V2");
      } else if (a[i].is_string() && !one_line(a[i].as_string()->get()).empty()) {
        ok = r.fail(key, a[i], element + " = " + shown(a[i]) + " must be one line");
      } else {
        values.push_back(sweep_value(a[i]));
        for (size_t j = 0; j + 1 < values.size() && ok; ++j)
          if (values[j] == values.back())
            ok = r.fail(key, a[i], key + " lists " + shown(a[i]) + " twice");
      }
    }
    if (!ok) continue;
    std::string text = axis.key + "=";
    for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + values[i];
    spec.sweep.push_back(text);
    counts[axis.key] = values.size();
  }

  const toml::node* zip = table.get("zip");
  if (!zip) return;
  if (!zip->is_array()) {
    r.wrong_type("sweep.zip", *zip, "an array of arrays of keys");
    return;
  }
  std::map<std::string, std::string> zipped;  // key -> its group's name, sweep.zip[i]
  const toml::array& groups = *zip->as_array();
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string name = "sweep.zip[" + std::to_string(g) + "]";
    const toml::node& group = groups[g];
    if (!elements_are(r, group, name, &toml::node::is_string, "a string")) continue;
    const toml::array& keys = *group.as_array();
    if (keys.size() < 2) {
      r.fail("sweep.zip", group, name + " must name at least two keys of [sweep]");
      continue;
    }
    std::string text;
    bool ok = true;
    for (size_t i = 0; i < keys.size() && ok; ++i) {
      const std::string& k = keys[i].as_string()->get();
      const std::string element = name + "[" + std::to_string(i) + "]";
      const std::string& first = keys[0].as_string()->get();
      if (std::none_of(axes.begin(), axes.end(), [&](const SweepAxis& a) { return a.key == k; }))
        ok = r.fail("sweep.zip", keys[i],
                    element + " = " + shown(keys[i]) + " is not a key of [sweep]");
      else if (zipped.count(k))
        ok = r.fail("sweep.zip", keys[i],
                    element + ": " + k + " is zipped already, in " + zipped[k]);
      else if (counts.count(k) && counts.count(first) && counts[k] != counts[first])
        ok = r.fail("sweep.zip", keys[i],
                    name + ": " + first + " has " + std::to_string(counts[first]) + " values and " +
                        k + " " + std::to_string(counts[k]) + "; zipped keys need as many each");
      else
        zipped[k] = name;
      text += (i ? "," : "") + k;
    }
    if (ok) spec.sweep_zip.push_back(text);
  }
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
  r.field("max_parallel", at_least(0), spec.max_parallel);

  // [sweep] holds config keys, not the spec's own: read here, and known as a whole to find_unknown.
  if (const toml::node* n = root.get("sweep")) {
    if (n->is_table())
      read_sweep(r, *n->as_table(), spec);
    else
      r.fail("sweep", *n, "'sweep' must be a table ([sweep]), got " + std::string(type_name(*n)));
  }

  const toml::node* job = root.get("job");
  if (spec.config.empty() && (!job || (job->is_table() && !job->as_table()->get("config"))))
    r.fail_at("job.config", "[job] config is required: the experiment config to run");
  if (spec.nodes > spec.ranks)
    r.fail_at("slurm.nodes", "slurm.nodes = " + std::to_string(spec.nodes) +
                                 " is more than slurm.ranks = " + std::to_string(spec.ranks) +
                                 ": a node without a rank");
  std::vector<std::string> keys = r.keys();
  keys.push_back("sweep");
  find_unknown(root, Schema(keys, r.tables()), issues);
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
