// Strict loading of job specs. Deliberately a small reader of its own rather than load.cpp's schema
// visitor: a job spec is a dozen flat keys, and its checks (SLURM names and time formats) are not
// the experiment config's. The messages follow load.cpp's form, so both read the same.
#include "config/jobspec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <utility>

#include "config/fields.h"
#include "config/suggest.h"
#include "core/error.h"

namespace emoaug::config {
namespace {

namespace fs = std::filesystem;

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

std::string shown(const toml::node& n) {
  if (auto s = n.as_string()) return '"' + s->get() + '"';
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto f = n.as_floating_point())
    return std::isfinite(f->get()) ? detail::toml_float(f->get()) : std::to_string(f->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  return type_name(n);
}

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

class Reader {
 public:
  Reader(const toml::table& root, std::string origin, fs::path base)
      : root_(root), origin_(std::move(origin)), base_(std::move(base)) {}

  void table(const std::string& name) {
    tables_.insert(name);
    current_ = nullptr;
    prefix_ = name;
    const toml::node* n = root_.get(name);
    if (!n) return;
    if (!n->is_table())
      return add(*n, "'" + name + "' must be a table ([" + name + "]), got " + type_name(*n));
    current_ = n->as_table();
  }

  void field(const char* key, std::string& out, const StringCheck& check = {}, bool path = false) {
    const toml::node* n = get(key);
    if (!n) return;
    if (!n->is_string()) return wrong_type(*n, "a string");
    std::string v = n->as_string()->get();
    if (!check_string(*n, key_path(key), v, check)) return;
    if (path && !v.empty()) v = (base_ / fs::path(v)).lexically_normal().string();
    out = std::move(v);
  }

  void field(const char* key, int& out, int lo) {
    const toml::node* n = get(key);
    if (!n) return;
    if (!n->is_integer()) return wrong_type(*n, "an integer");
    const int64_t v = n->as_integer()->get();
    if (v < lo || v > INT_MAX)
      return add(*n, key_path(key) + " = " + shown(*n) +
                         " is out of range: must be >= " + std::to_string(lo));
    out = static_cast<int>(v);
  }

  void field(const char* key, std::vector<std::string>& out, const StringCheck& check) {
    const toml::array* a = array(key);
    if (!a) return;
    std::vector<std::string> values;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      const std::string where = key_path(key) + "[" + std::to_string(i) + "]";
      if (!e.is_string()) return add(e, where + ": expected a string, got " + type_name(e));
      if (!check_string(e, where, e.as_string()->get(), check)) return;
      values.push_back(e.as_string()->get());
    }
    out = std::move(values);
  }

  // Non-negative, finite and distinct, like gan.lambda_cls.
  void field(const char* key, std::vector<double>& out) {
    const toml::array* a = array(key);
    if (!a) return;
    std::vector<double> values;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      const std::string where = key_path(key) + "[" + std::to_string(i) + "]";
      double v = 0;
      if (e.is_integer())
        v = static_cast<double>(e.as_integer()->get());
      else if (e.is_floating_point())
        v = e.as_floating_point()->get();
      else
        return add(e, where + ": expected a number, got " + type_name(e));
      if (!std::isfinite(v) || v < 0)
        return add(e, where + " = " + shown(e) + " is out of range: must be >= 0");
      if (std::find(values.begin(), values.end(), v) != values.end())
        return add(e, key_path(key) + " lists " + shown(e) + " twice");
      values.push_back(v);
    }
    if (values.empty()) return add(*get(key), key_path(key) + " must not be empty");
    out = std::move(values);
  }

  template <class E>
  void field(const char* key, E& out, const std::vector<std::pair<E, const char*>>& names) {
    std::string allowed;
    for (const auto& [value, name] : names)
      allowed += (allowed.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    const toml::node* n = get(key);
    if (!n) return;
    if (!n->is_string()) return wrong_type(*n, ("one of " + allowed).c_str());
    for (const auto& [value, name] : names)
      if (n->as_string()->get() == name) {
        out = value;
        return;
      }
    add(*n, key_path(key) + ": unknown value " + shown(*n) + "; allowed: " + allowed);
  }

  // For checks across keys: reports at `key`'s place in the file.
  void fail_at(const std::string& table, const char* key, const std::string& text) {
    const toml::node* n = root_.at_path(table + "." + key).node();
    if (n)
      add(*n, text);
    else
      issues_.push_back({0, 0, origin_ + ": " + text});
  }

  void finish(const std::vector<std::string>& keys) {
    std::vector<std::string> known(keys.begin(), keys.end());
    known.insert(known.end(), tables_.begin(), tables_.end());
    for (const auto& [k, v] : root_) {
      const std::string name(k.str());
      if (!tables_.count(name)) {
        unknown(k, name, known);
        continue;
      }
      if (!v.is_table()) continue;  // reported by table()
      for (const auto& [k2, v2] : *v.as_table()) {
        const std::string path = name + "." + std::string(k2.str());
        if (std::find(keys.begin(), keys.end(), path) == keys.end()) unknown(k2, path, known);
      }
    }
    if (issues_.empty()) return;
    std::stable_sort(issues_.begin(), issues_.end(), [](const Issue& a, const Issue& b) {
      return std::make_pair(a.line, a.column) < std::make_pair(b.line, b.column);
    });
    std::string text;
    for (const Issue& i : issues_) text += (text.empty() ? "" : "\n") + i.text;
    throw Error(text);
  }

 private:
  struct Issue {
    uint32_t line, column;
    std::string text;
  };

  std::string key_path(const char* key) const { return prefix_ + "." + key; }
  const toml::node* get(const char* key) const { return current_ ? current_->get(key) : nullptr; }

  void add(const toml::node& n, const std::string& text) { add(n.source(), text); }
  void add(const toml::source_region& where, const std::string& text) {
    issues_.push_back({where.begin.line, where.begin.column,
                       origin_ + ":" + std::to_string(where.begin.line) + ":" +
                           std::to_string(where.begin.column) + ": " + text});
  }
  void wrong_type(const toml::node& n, const char* expected) {
    const bool scalar = !n.is_array() && !n.is_table();
    // The key is the node's own: arrays report their element's path themselves.
    std::string key;
    for (const auto& [k, v] : *current_)
      if (&v == &n) key = prefix_ + "." + std::string(k.str());
    add(n, key + ": expected " + expected + ", got " + type_name(n) +
               (scalar ? " (" + shown(n) + ")" : ""));
  }
  bool check_string(const toml::node& n, const std::string& where, const std::string& v,
                    const StringCheck& check) {
    std::string problem = one_line(v);
    if (problem.empty() && check) problem = check(v);
    if (problem.empty()) return true;
    add(n, where + " = " + shown(n) + " " + problem);
    return false;
  }
  const toml::array* array(const char* key) {
    const toml::node* n = get(key);
    if (!n) return nullptr;
    if (!n->is_array()) {
      wrong_type(*n, "an array");
      return nullptr;
    }
    return n->as_array();
  }
  void unknown(const toml::key& k, const std::string& path, const std::vector<std::string>& known) {
    add(k.source(), "unknown key '" + path + "'" + detail::did_you_mean(path, known));
  }

  const toml::table& root_;
  std::string origin_;
  fs::path base_;
  std::set<std::string> tables_;
  std::string prefix_;
  const toml::table* current_ = nullptr;
  std::vector<Issue> issues_;
};

const std::vector<std::pair<SweepMode, const char*>> kModes{{SweepMode::Array, "array"},
                                                            {SweepMode::Mpi, "mpi"}};
const std::vector<std::pair<Launcher, const char*>> kLaunchers{{Launcher::Srun, "srun"},
                                                               {Launcher::Mpirun, "mpirun"}};

}  // namespace

JobSpec parse_jobspec(const std::string& text, const std::string& origin,
                      const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    EMOAUG_FAIL(origin, ":", at.line, ":", at.column, ": TOML syntax error: ", e.description());
  }
  JobSpec spec;
  Reader r(root, origin, fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir)));
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
  r.field("name", spec.name, nonempty_word);
  r.field(
      "config", spec.config,
      [](const std::string& s) { return s.empty() ? std::string("must not be empty") : ""; }, true);
  r.field("set", spec.set, assignment);
  r.field("lambda_cls", spec.lambda_cls);
  r.field("mode", spec.mode, kModes);
  r.field("launcher", spec.launcher, kLaunchers);

  r.table("slurm");
  r.field("ranks", spec.ranks, 1);
  r.field("nodes", spec.nodes, 0);
  r.field("cpus_per_task", spec.cpus_per_task, 1);
  r.field("gpus_per_task", spec.gpus_per_task, 0);
  r.field("time", spec.time, slurm_time);
  r.field("partition", spec.partition, slurm_word);
  r.field("account", spec.account, slurm_word);
  r.field("signal_seconds", spec.signal_seconds, 0);
  r.field("aggregate_time", spec.aggregate_time, slurm_time);
  r.field("extra", spec.extra, option);

  const toml::node* job = root.get("job");
  if (spec.config.empty() && (!job || (job->is_table() && !job->as_table()->get("config"))))
    r.fail_at("job", "config", "[job] config is required: the experiment config to run");
  if (spec.nodes > spec.ranks)
    r.fail_at("slurm", "nodes",
              "slurm.nodes = " + std::to_string(spec.nodes) + " is more than slurm.ranks = " +
                  std::to_string(spec.ranks) + ": a node without a rank");
  r.finish({"job.name", "job.config", "job.set", "job.lambda_cls", "job.mode", "job.launcher",
            "slurm.ranks", "slurm.nodes", "slurm.cpus_per_task", "slurm.gpus_per_task",
            "slurm.time", "slurm.partition", "slurm.account", "slurm.signal_seconds",
            "slurm.aggregate_time", "slurm.extra"});
  return spec;
}

JobSpec load_jobspec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) EMOAUG_FAIL(path, ": cannot read job spec: ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_jobspec(text.str(), path, fs::absolute(path).parent_path().string());
}

const char* to_string(SweepMode v) {
  return v == SweepMode::Array ? "array" : "mpi";
}
const char* to_string(Launcher v) {
  return v == Launcher::Srun ? "srun" : "mpirun";
}

}  // namespace emoaug::config
