// Strict TOML loading: toml++ parses, visit_config (fields.h) walks the schema and reads each key
// with its type and range checked, and a walk over the document finds the keys nobody asked for.
// Every problem is collected with its location so one run of `emoaug config` shows them all.
#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

#include "config/config.h"
#include "config/fields.h"
#include "config/suggest.h"
#include "core/error.h"

namespace emoaug::config {
namespace detail {
namespace {

namespace fs = std::filesystem;

struct Issue {
  bool from_override;
  uint32_t line, column;
  std::string text;
};

// Where values came from: the file, or a -s override (which covers its key and everything below
// it).
struct Origins {
  std::string file;
  std::map<std::string, std::string> overrides;  // key path -> "-s key=value"

  const std::string* override_of(const std::string& path) const {
    for (const auto& [key, origin] : overrides)
      if (path == key || (path.size() > key.size() && path.compare(0, key.size(), key) == 0 &&
                          path[key.size()] == '.'))
        return &origin;
    return nullptr;
  }
};

class Issues {
 public:
  explicit Issues(const Origins& origins) : origins_(origins) {}

  void add(const std::string& path, const toml::source_region& where, const std::string& text) {
    if (const std::string* o = origins_.override_of(path)) {
      list_.push_back({true, 0, 0, *o + ": " + text});
    } else if (where.begin.line == 0) {
      list_.push_back({false, 0, 0, origins_.file + ": " + text});
    } else {
      list_.push_back({false, where.begin.line, where.begin.column,
                       origins_.file + ":" + std::to_string(where.begin.line) + ":" +
                           std::to_string(where.begin.column) + ": " + text});
    }
  }
  void add_override(const std::string& origin, const std::string& text) {
    list_.push_back({true, 0, 0, origin + ": " + text});
  }

  // File problems in file order, then the overrides' in command-line order.
  void throw_if_any() {
    if (list_.empty()) return;
    std::stable_sort(list_.begin(), list_.end(), [](const Issue& a, const Issue& b) {
      if (a.from_override != b.from_override) return b.from_override;
      if (a.from_override) return false;
      return std::make_pair(a.line, a.column) < std::make_pair(b.line, b.column);
    });
    constexpr size_t kMaxShown = 20;
    std::string text;
    for (size_t i = 0; i < list_.size() && i < kMaxShown; ++i)
      text += (i ? "\n" : "") + list_[i].text;
    if (list_.size() > kMaxShown)
      text += "\n... and " + std::to_string(list_.size() - kMaxShown) + " more";
    throw Error(text);
  }

 private:
  const Origins& origins_;
  std::vector<Issue> list_;
};

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

// A value as it appears in a message.
std::string shown(const toml::node& n) {
  std::ostringstream os;
  if (auto s = n.as_string()) {
    os << '"' << s->get() << '"';
  } else if (auto i = n.as_integer()) {
    os << i->get();
  } else if (auto f = n.as_floating_point()) {
    os << (std::isfinite(f->get()) ? toml_float(f->get()) : std::to_string(f->get()));
  } else if (auto b = n.as_boolean()) {
    os << (b->get() ? "true" : "false");
  } else {
    return type_name(n);
  }
  return os.str();
}

class Loader {
 public:
  Loader(toml::table& root, const Origins& origins, Issues& issues, fs::path file_dir)
      : root_(root), origins_(origins), issues_(issues), file_dir_(std::move(file_dir)) {}

  void table(const std::string& path) {
    prefix_ = path;
    current_ = &root_;
    size_t start = 0;
    while (current_) {
      const size_t dot = path.find('.', start);
      const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
      toml::node* n = current_->get(part);
      if (!n) {
        current_ = nullptr;
      } else if (!n->is_table()) {
        // A non-table parent was reported when its own table was visited.
        if (dot == std::string::npos)
          issues_.add(path, n->source(),
                      "'" + path + "' must be a table ([" + path + "]), got " + type_name(*n));
        current_ = nullptr;
      } else {
        current_ = n->as_table();
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }

  template <class T>
  void field(const char* name, const Rule& rule, T& out) {
    if (!current_) return;
    const toml::node* n = current_->get(name);
    if (!n) return;  // the default stands
    const std::string key = prefix_ + "." + name;
    T value{};
    if (read(*n, key, rule, value)) out = std::move(value);
  }

 private:
  bool fail(const std::string& key, const toml::node& n, const std::string& text) {
    issues_.add(key, n.source(), text);
    return false;
  }
  bool wrong_type(const std::string& key, const toml::node& n, const char* expected) {
    const bool scalar = !n.is_array() && !n.is_table();
    return fail(key, n,
                key + ": expected " + expected + ", got " + type_name(n) +
                    (scalar ? " (" + shown(n) + ")" : ""));
  }
  bool check_range(const std::string& key, const toml::node& n, const Rule& rule, double x) {
    if (in_range(rule, x)) return true;
    return fail(key, n, key + " = " + shown(n) + " is out of range: " + describe(rule));
  }

  bool read(const toml::node& n, const std::string& key, const Rule&, bool& out) {
    if (!n.is_boolean()) return wrong_type(key, n, "a boolean (true or false)");
    out = n.as_boolean()->get();
    return true;
  }

  bool read(const toml::node& n, const std::string& key, const Rule& rule, int& out) {
    if (!n.is_integer()) return wrong_type(key, n, "an integer");
    const int64_t v = n.as_integer()->get();
    if (v < INT_MIN || v > INT_MAX)
      return fail(key, n, key + " = " + shown(n) + " does not fit in a 32-bit integer");
    if (!check_range(key, n, rule, static_cast<double>(v))) return false;
    out = static_cast<int>(v);
    return true;
  }

  bool read(const toml::node& n, const std::string& key, const Rule& rule, uint64_t& out) {
    if (!n.is_integer()) return wrong_type(key, n, "an integer");
    const int64_t v = n.as_integer()->get();
    if (!check_range(key, n, rule, static_cast<double>(v))) return false;
    out = static_cast<uint64_t>(v);
    return true;
  }

  // An integer literal is a fine float ("lr_decay = 1"); the reverse would lose digits silently.
  bool read_number(const toml::node& n, const std::string& key, double& out) {
    if (n.is_integer())
      out = static_cast<double>(n.as_integer()->get());
    else if (n.is_floating_point())
      out = n.as_floating_point()->get();
    else
      return wrong_type(key, n, "a number");
    if (!std::isfinite(out)) return fail(key, n, key + " = " + shown(n) + " is not finite");
    return true;
  }

  bool read(const toml::node& n, const std::string& key, const Rule& rule, double& out) {
    double v = 0;
    if (!read_number(n, key, v) || !check_range(key, n, rule, v)) return false;
    out = v;
    return true;
  }

  bool read(const toml::node& n, const std::string& key, const Rule& rule, float& out) {
    double v = 0;
    if (!read_number(n, key, v)) return false;
    if (std::abs(v) > FLT_MAX)
      return fail(key, n, key + " = " + shown(n) + " does not fit in a float");
    // The range applies to what the program will use: 1e-50 becomes 0 and fails "> 0".
    if (!check_range(key, n, rule, static_cast<float>(v))) return false;
    out = static_cast<float>(v);
    return true;
  }

  bool read(const toml::node& n, const std::string& key, const Rule& rule, std::string& out) {
    if (!n.is_string()) return wrong_type(key, n, "a string");
    std::string v = n.as_string()->get();
    if (rule.nonempty && v.empty()) return fail(key, n, key + " must not be empty");
    if (rule.path && !v.empty()) {
      // A path on the command line means what the shell means; one in the file, what its author
      // saw next to the file.
      const fs::path base = origins_.override_of(key) ? fs::current_path() : file_dir_;
      v = (base / fs::path(v)).lexically_normal().string();
    }
    out = std::move(v);
    return true;
  }

  template <class E, class = std::enable_if_t<std::is_enum_v<E>>>
  bool read(const toml::node& n, const std::string& key, const Rule&, E& out) {
    if (!n.is_string()) return wrong_type(key, n, ("one of " + allowed_names<E>()).c_str());
    const std::string& v = n.as_string()->get();
    for (const auto& [value, name] : enum_names<E>())
      if (v == name) {
        out = value;
        return true;
      }
    return fail(key, n, key + ": unknown value \"" + v + "\"; allowed: " + allowed_names<E>());
  }

  template <class T>
  bool read(const toml::node& n, const std::string& key, const Rule& rule, std::vector<T>& out) {
    if (!n.is_array()) return wrong_type(key, n, "an array");
    const toml::array& a = *n.as_array();
    if (rule.nonempty && a.empty()) return fail(key, n, key + " must not be empty");
    Rule element = rule;
    element.nonempty = std::is_same_v<T, std::string>;  // no "" in a list of names
    element.distinct = element.ascending = false;
    std::vector<T> values(a.size());
    bool ok = true;
    for (size_t i = 0; i < a.size(); ++i)
      ok = read(a[i], key + "[" + std::to_string(i) + "]", element, values[i]) && ok;
    if (!ok) return false;
    for (size_t i = 1; i < values.size(); ++i) {
      if (rule.ascending && !(values[i - 1] < values[i]))
        return fail(key, a[i],
                    key + " must be strictly increasing, but [" + std::to_string(i) +
                        "] = " + shown(a[i]) + " follows " + shown(a[i - 1]));
      if (rule.distinct)
        for (size_t j = 0; j < i; ++j)
          if (values[j] == values[i])
            return fail(key, a[i], key + " lists " + shown(a[i]) + " twice");
    }
    out = std::move(values);
    return true;
  }

  toml::table& root_;
  const Origins& origins_;
  Issues& issues_;
  fs::path file_dir_;
  std::string prefix_;
  toml::table* current_ = nullptr;
};

// Every key the document has that the schema did not ask for.
void find_unknown(const toml::table& t, const std::string& prefix,
                  const std::set<std::string>& keys, const std::set<std::string>& tables,
                  const std::vector<std::string>& known, Issues& issues) {
  for (const auto& [k, v] : t) {
    const std::string name(k.str());
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (tables.count(path)) {
      if (v.is_table()) find_unknown(*v.as_table(), path, keys, tables, known, issues);
    } else if (!keys.count(path)) {
      issues.add(path, k.source(), "unknown key '" + path + "'" + did_you_mean(path, known));
    }
  }
}

bool bare_key_part(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-')) return false;
  return true;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Puts one `-s key=value` into the document; problems go to `issues` under the override's name.
void apply_override(toml::table& root, const std::string& text, const std::set<std::string>& keys,
                    const std::set<std::string>& tables, const std::vector<std::string>& known,
                    Origins& origins, Issues& issues) {
  const std::string origin = "-s " + text;
  const size_t eq = text.find('=');
  if (eq == std::string::npos) return issues.add_override(origin, "expected key=value");
  const std::string key = trim(text.substr(0, eq)), value = trim(text.substr(eq + 1));
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const std::string& p : parts)
    if (!bare_key_part(p))
      return issues.add_override(origin, "'" + key + "' is not a dotted key like gan.epochs");
  if (!keys.count(key) && !tables.count(key))
    return issues.add_override(origin, "unknown key '" + key + "'" + did_you_mean(key, known));
  if (value.empty()) return issues.add_override(origin, "no value after '='");
  if (value.find_first_of("\r\n") != std::string::npos)
    return issues.add_override(origin, "the value must be one line");

  toml::table doc;
  try {
    doc = toml::parse("v = " + value, origin);
  } catch (const toml::parse_error& e) {
    // A bare word is a string, so `-s ser.std=sample` needs no shell-quoted TOML quotes.
    if (std::string("\"'[{").find(value[0]) != std::string::npos)
      return issues.add_override(origin, "not a TOML value: " + std::string(e.description()));
    doc.insert_or_assign("v", value);
  }
  toml::node* v = doc.get("v");
  if (!v || doc.size() != 1) return issues.add_override(origin, "not a single TOML value");
  if (tables.count(key) && !v->is_table())
    return issues.add_override(origin, "'" + key + "' is a table; give an inline table {...}");

  toml::table* t = &root;
  std::string path;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    path += (i ? "." : "") + parts[i];
    toml::node* n = t->get(parts[i]);
    if (!n) n = &t->insert_or_assign(parts[i], toml::table{}).first->second;
    if (!n->is_table())
      return issues.add_override(origin, "'" + path + "' in the file is not a table");
    t = n->as_table();
  }
  t->insert_or_assign(parts.back(), std::move(*v));
  origins.overrides[key] = origin;
}

}  // namespace
}  // namespace detail

ExperimentConfig parse_config(const std::string& text, const std::string& origin,
                              const std::string& base_dir,
                              const std::vector<std::string>& overrides) {
  namespace fs = std::filesystem;
  detail::Origins origins{origin, {}};
  detail::Issues issues(origins);
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    EMOAUG_FAIL(origin, ":", at.line, ":", at.column, ": TOML syntax error: ", e.description());
  }

  const std::vector<std::string> key_list = config_keys(), table_list = config_tables();
  const std::set<std::string> keys(key_list.begin(), key_list.end());
  const std::set<std::string> tables(table_list.begin(), table_list.end());
  std::vector<std::string> known(key_list);
  known.insert(known.end(), table_list.begin(), table_list.end());

  for (const std::string& o : overrides)
    detail::apply_override(root, o, keys, tables, known, origins, issues);
  detail::find_unknown(root, "", keys, tables, known, issues);

  ExperimentConfig cfg;
  detail::Loader loader(root, origins, issues,
                        fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir)));
  detail::visit_config(loader, cfg);
  issues.throw_if_any();

  if (cfg.experiment.output.empty())
    cfg.experiment.output =
        (fs::current_path() / "runs" / cfg.experiment.name).lexically_normal().string();
  return cfg;
}

ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) EMOAUG_FAIL(path, ": cannot read config file: ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  const auto dir = std::filesystem::absolute(path).parent_path();
  return parse_config(text.str(), path, dir.string(), overrides);
}

}  // namespace emoaug::config
