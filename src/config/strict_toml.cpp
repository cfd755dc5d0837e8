#include "config/strict_toml.h"

#include <algorithm>
#include <cerrno>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/suggest.h"
#include "core/error.h"
#include "core/text.h"

namespace emoaug::config::detail {

namespace fs = std::filesystem;

const std::string* Origins::override_of(const std::string& path) const {
  for (const auto& [key, origin] : overrides)
    if (path == key || (path.size() > key.size() && path.compare(0, key.size(), key) == 0 &&
                        (path[key.size()] == '.' || path[key.size()] == '[')))
      return &origin;
  return nullptr;
}

void Issues::add(const std::string& path, const toml::source_region& where,
                 const std::string& text) {
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

void Issues::add_override(const std::string& origin, const std::string& text) {
  list_.push_back({true, 0, 0, origin + ": " + text});
}

void Issues::throw_if_any() {
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

toml::table parse_toml(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    EMOAUG_FAIL(origin, ":", at.line, ":", at.column, ": TOML syntax error: ", e.description());
  }
}

std::string read_text(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) EMOAUG_FAIL(path, ": cannot read ", what, ": ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

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
    return std::isfinite(f->get()) ? toml_float(f->get()) : std::to_string(f->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  return type_name(n);
}

// A value as TOML text that reads back as the same value (floats in their shortest exact form).
std::string node_text(const toml::node& n) {
  if (const auto* f = n.as_floating_point()) return toml_float(f->get());
  if (const auto* s = n.as_string()) return quoted(s->get());
  if (const auto* a = n.as_array()) {
    std::string out = "[";
    for (size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + node_text((*a)[i]);
    return out + "]";
  }
  std::ostringstream out;
  n.visit([&](const auto& v) { out << v; });
  return out.str();
}

Schema::Schema(const std::vector<std::string>& key_list, const std::vector<std::string>& table_list)
    : keys(key_list.begin(), key_list.end()), tables(table_list.begin(), table_list.end()) {
  names = key_list;
  names.insert(names.end(), table_list.begin(), table_list.end());
}

namespace {

void find_unknown(const toml::table& t, const std::string& prefix, const Schema& schema,
                  Issues& issues) {
  for (const auto& [k, v] : t) {
    const std::string name(k.str());
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (schema.tables.count(path)) {
      // A table that is not one was reported when its table was read.
      if (v.is_table()) find_unknown(*v.as_table(), path, schema, issues);
    } else if (!schema.keys.count(path)) {
      issues.add(path, k.source(), "unknown key '" + path + "'" + did_you_mean(path, schema.names));
    }
  }
}

}  // namespace

void find_unknown(const toml::table& root, const Schema& schema, Issues& issues) {
  find_unknown(root, "", schema, issues);
}

Reader::Reader(toml::table& root, const Origins& origins, Issues& issues,
               const std::string& base_dir)
    : root_(root),
      origins_(origins),
      issues_(issues),
      file_dir_(fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir))) {}

void Reader::table(const std::string& path) {
  tables_.push_back(path);
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

const toml::node* Reader::get(const char* name) {
  keys_.push_back(key(name));
  return current_ ? current_->get(name) : nullptr;
}

bool Reader::fail(const std::string& key, const toml::node& n, const std::string& text) {
  issues_.add(key, n.source(), text);
  return false;
}

bool Reader::wrong_type(const std::string& key, const toml::node& n, const char* expected) {
  const bool scalar = !n.is_array() && !n.is_table();
  return fail(key, n,
              key + ": expected " + expected + ", got " + type_name(n) +
                  (scalar ? " (" + shown(n) + ")" : ""));
}

void Reader::fail_at(const std::string& path, const std::string& text) {
  const toml::node* n = root_.at_path(path).node();
  issues_.add(path, n ? n->source() : toml::source_region{}, text);
}

bool Reader::check_range(const std::string& key, const toml::node& n, const Rule& rule, double x) {
  if (in_range(rule, x)) return true;
  return fail(key, n, key + " = " + shown(n) + " is out of range: " + describe(rule));
}

bool Reader::read(const toml::node& n, const std::string& key, const Rule&, bool& out) {
  if (!n.is_boolean()) return wrong_type(key, n, "a boolean (true or false)");
  out = n.as_boolean()->get();
  return true;
}

bool Reader::read(const toml::node& n, const std::string& key, const Rule& rule, int& out) {
  if (!n.is_integer()) return wrong_type(key, n, "an integer");
  const int64_t v = n.as_integer()->get();
  if (v < INT_MIN || v > INT_MAX)
    return fail(key, n, key + " = " + shown(n) + " does not fit in a 32-bit integer");
  if (!check_range(key, n, rule, static_cast<double>(v))) return false;
  out = static_cast<int>(v);
  return true;
}

bool Reader::read(const toml::node& n, const std::string& key, const Rule& rule, uint64_t& out) {
  if (!n.is_integer()) return wrong_type(key, n, "an integer");
  const int64_t v = n.as_integer()->get();
  if (!check_range(key, n, rule, static_cast<double>(v))) return false;
  out = static_cast<uint64_t>(v);
  return true;
}

// An integer literal is a fine float ("lr_decay = 1"); the reverse would lose digits silently.
bool Reader::read_number(const toml::node& n, const std::string& key, double& out) {
  if (n.is_integer())
    out = static_cast<double>(n.as_integer()->get());
  else if (n.is_floating_point())
    out = n.as_floating_point()->get();
  else
    return wrong_type(key, n, "a number");
  if (!std::isfinite(out)) return fail(key, n, key + " = " + shown(n) + " is not finite");
  return true;
}

bool Reader::read(const toml::node& n, const std::string& key, const Rule& rule, double& out) {
  double v = 0;
  if (!read_number(n, key, v) || !check_range(key, n, rule, v)) return false;
  out = v;
  return true;
}

bool Reader::read(const toml::node& n, const std::string& key, const Rule& rule, float& out) {
  double v = 0;
  if (!read_number(n, key, v)) return false;
  if (std::abs(v) > FLT_MAX)
    return fail(key, n, key + " = " + shown(n) + " does not fit in a float");
  // The range applies to what the program will use: 1e-50 becomes 0 and fails "> 0".
  if (!check_range(key, n, rule, static_cast<float>(v))) return false;
  out = static_cast<float>(v);
  return true;
}

bool Reader::read(const toml::node& n, const std::string& key, const Rule& rule, std::string& out) {
  if (!n.is_string()) return wrong_type(key, n, "a string");
  std::string v = n.as_string()->get();
  if (rule.nonempty && v.empty()) return fail(key, n, key + " must not be empty");
  if (rule.one_of) {
    const std::vector<std::string> names = rule.one_of();
    if (std::find(names.begin(), names.end(), v) == names.end()) {
      std::string allowed;
      for (const std::string& name : names)
        allowed += (allowed.empty() ? "\"" : ", \"") + name + "\"";
      return fail(key, n, key + ": unknown value \"" + v + "\"; allowed: " + allowed);
    }
  }
  if (rule.path && !v.empty() && !(rule.literal && v == rule.literal)) {
    // A path on the command line means what the shell means; one in the file, what its author
    // saw next to the file.
    const fs::path base = origins_.override_of(key) ? fs::current_path() : file_dir_;
    v = (base / fs::path(v)).lexically_normal().string();
  }
  out = std::move(v);
  return true;
}

}  // namespace emoaug::config::detail
