// Strict TOML reading, shared by the experiment config (load.cpp) and job specs (jobspec.cpp), so
// both report alike: every problem collected with file:line:column (or the -s override it came
// from), misspelt keys with the closest known one, all of them in one error. Internal to
// src/config.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "config/fields.h"

namespace emoaug::config::detail {

// Where values came from: the file, or a -s override (which covers its key and everything below
// it: keys of an inline table, elements of an array).
struct Origins {
  std::string file;
  std::map<std::string, std::string> overrides;  // key path -> "-s key=value"

  const std::string* override_of(const std::string& path) const;
};

class Issues {
 public:
  explicit Issues(const Origins& origins) : origins_(origins) {}

  // `where` without a line (a check across keys, one of them missing) gives the file alone.
  void add(const std::string& path, const toml::source_region& where, const std::string& text);
  void add_override(const std::string& origin, const std::string& text);
  // File problems in file order, then the overrides' in command-line order.
  void throw_if_any();

 private:
  struct Issue {
    bool from_override;
    uint32_t line, column;
    std::string text;
  };
  const Origins& origins_;
  std::vector<Issue> list_;
};

// Throws "origin:line:column: TOML syntax error: ..." for text that is not TOML.
toml::table parse_toml(const std::string& text, const std::string& origin);
// The file's bytes; throws "path: cannot read <what>: <reason>".
std::string read_text(const std::string& path, const char* what);

// "an integer", "a table", ...
const char* type_name(const toml::node& n);
// A value as it appears in a message.
std::string shown(const toml::node& n);
// A value as TOML text that reads back as the same value (floats in their shortest exact form):
// a [sweep] value, as `-s key=value` takes it.
std::string node_text(const toml::node& n);

// The keys and tables a schema has. `names` (keys, then tables, in schema order) is what "did you
// mean" picks from; a tie goes to the first.
struct Schema {
  Schema(const std::vector<std::string>& keys, const std::vector<std::string>& tables);
  std::set<std::string> keys, tables;
  std::vector<std::string> names;
};

// Every key of `root` that `schema` lacks, with the closest known one suggested.
void find_unknown(const toml::table& root, const Schema& schema, Issues& issues);

// Reads fields table by table with their types and Rules checked: table() selects a table, field()
// reads one key of it, and a problem goes to the issues while the default stands. Records the
// tables and keys asked for, which is the schema of a reader without a visitor of its own.
class Reader {
 public:
  // Relative paths in the file resolve against `base_dir` ("" for the working directory).
  Reader(toml::table& root, const Origins& origins, Issues& issues, const std::string& base_dir);

  void table(const std::string& path);
  // The current table's `name`, or null when either is missing; `name` is a known key from now on.
  const toml::node* get(const char* name);
  std::string key(const char* name) const { return prefix_ + "." + name; }

  template <class T>
  void field(const char* name, const Rule& rule, T& out) {
    const toml::node* n = get(name);
    T value{};
    if (n && read(*n, key(name), rule, value)) out = std::move(value);
  }

  // Each read either sets `out` or records why not and returns false.
  bool read(const toml::node& n, const std::string& key, const Rule& rule, bool& out);
  bool read(const toml::node& n, const std::string& key, const Rule& rule, int& out);
  bool read(const toml::node& n, const std::string& key, const Rule& rule, uint64_t& out);
  bool read(const toml::node& n, const std::string& key, const Rule& rule, double& out);
  bool read(const toml::node& n, const std::string& key, const Rule& rule, float& out);
  bool read(const toml::node& n, const std::string& key, const Rule& rule, std::string& out);

  // Spelt as enum_names<E>() says.
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
        for (size_t j = 0; j < i; ++j) {
          if (values[j] == values[i])
            return fail(key, a[i], key + " lists " + shown(a[i]) + " twice");
          if constexpr (std::is_arithmetic_v<T>)
            if (rule.as_float && static_cast<float>(values[j]) == static_cast<float>(values[i]))
              return fail(key, a[i],
                          key + " lists " + shown(a[j]) + " and " + shown(a[i]) +
                              ", which are one value in single precision, as the program uses "
                              "them");
        }
    }
    out = std::move(values);
    return true;
  }

  // Record a problem at n's place (or key's override); false, for `return fail(...)`.
  bool fail(const std::string& key, const toml::node& n, const std::string& text);
  bool wrong_type(const std::string& key, const toml::node& n, const char* expected);
  // For checks across keys: at the dotted `path`'s place, or the file's when it is absent.
  void fail_at(const std::string& path, const std::string& text);

  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<std::string>& tables() const { return tables_; }

 private:
  bool check_range(const std::string& key, const toml::node& n, const Rule& rule, double x);
  bool read_number(const toml::node& n, const std::string& key, double& out);

  toml::table& root_;
  const Origins& origins_;
  Issues& issues_;
  std::filesystem::path file_dir_;
  std::string prefix_;
  toml::table* current_ = nullptr;
  std::vector<std::string> keys_, tables_;
};

}  // namespace emoaug::config::detail
