// Strict TOML loading: toml++ parses, visit_config (fields.h) walks the schema and reads each key
// with its type and range checked (strict_toml.h), and a walk over the document finds the keys
// nobody asked for. -s overrides go into the document first, so they are checked the same way.
#include <toml++/toml.h>
#include <cctype>
#include <filesystem>

#include "config/config.h"
#include "config/fields.h"
#include "config/strict_toml.h"
#include "config/suggest.h"

namespace emoaug::config {
namespace detail {
namespace {

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
void apply_override(toml::table& root, const std::string& text, const Schema& schema,
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
  if (!schema.keys.count(key) && !schema.tables.count(key))
    return issues.add_override(origin,
                               "unknown key '" + key + "'" + did_you_mean(key, schema.names));
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
  if (schema.tables.count(key) && !v->is_table())
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
  detail::Origins origins{origin, {}};
  detail::Issues issues(origins);
  toml::table root = detail::parse_toml(text, origin);
  const detail::Schema schema(config_keys(), config_tables());
  for (const std::string& o : overrides) detail::apply_override(root, o, schema, origins, issues);
  detail::find_unknown(root, schema, issues);

  ExperimentConfig cfg;
  detail::Reader reader(root, origins, issues, base_dir);
  detail::visit_config(reader, cfg);
  issues.throw_if_any();

  if (cfg.experiment.output.empty())
    cfg.experiment.output = (std::filesystem::current_path() / "runs" / cfg.experiment.name)
                                .lexically_normal()
                                .string();
  return cfg;
}

ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  const auto dir = std::filesystem::absolute(path).parent_path();
  return parse_config(detail::read_text(path, "config file"), path, dir.string(), overrides);
}

}  // namespace emoaug::config
