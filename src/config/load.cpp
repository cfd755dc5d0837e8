// Strict TOML loading: toml++ parses, visit_config (fields.h) walks the schema and reads each key
// with its type and range checked (strict_toml.h), and a walk over the document finds the keys
// nobody asked for. -s overrides go into the document first, so they are checked the same way.
#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>

#include "config/config.h"
#include "config/fields.h"
#include "config/strict_toml.h"
#include "config/suggest.h"
#include "config/sweep.h"
#include "core/error.h"
#include "core/text.h"

namespace emoaug::config {
namespace detail {
namespace {

bool bare_key_part(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-')) return false;
  return true;
}

// Puts one `-s key=value` into the document; problems go to `issues` under the override's name.
void apply_override(toml::table& root, const std::string& text, const Schema& schema,
                    Origins& origins, Issues& issues) {
  const std::string origin = "-s " + text;
  const size_t eq = text.find('=');
  if (eq == std::string::npos) return issues.add_override(origin, "expected key=value");
  const std::string key = trimmed(text.substr(0, eq)), value = trimmed(text.substr(eq + 1));
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

// The leaf arrays of the [sweep] table, whose keys are config key paths (quoted, "gan.epochs" =,
// or dotted, gan.epochs =), and its zip list.
void read_sweep_table(const toml::table& t, const std::string& prefix, Sweep& sweep,
                      std::vector<const toml::node*>& where, Issues& issues) {
  for (const auto& [k, v] : t) {
    const std::string path =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (prefix.empty() && k.str() == "reference") {
      const toml::array* values = v.as_array();
      bool ok = values != nullptr;
      for (size_t i = 0; ok && i < values->size(); ++i) {
        ok = (*values)[i].is_string();
        if (ok) sweep.reference.push_back((*values)[i].as_string()->get());
      }
      if (!ok)
        issues.add("sweep.reference", v.source(),
                   "sweep.reference must be a list of KEY=VALUE strings, [\"gan.lambda_cls=0\"]");
    } else if (prefix.empty() && k.str() == "zip") {
      const toml::array* groups = v.as_array();
      bool ok = groups != nullptr;
      for (size_t g = 0; ok && g < groups->size(); ++g) {
        const toml::array* group = (*groups)[g].as_array();
        ok = group != nullptr;
        std::vector<std::string> keys;
        for (size_t i = 0; ok && i < group->size(); ++i) {
          ok = (*group)[i].is_string();
          if (ok) keys.push_back((*group)[i].as_string()->get());
        }
        if (ok) sweep.zip.push_back(keys);
      }
      if (!ok)
        issues.add("sweep.zip", v.source(),
                   "sweep.zip must be a list of lists of keys, [[\"gan.epochs\", "
                   "\"gan.pretrain.epochs\"]]");
    } else if (const toml::table* sub = v.as_table()) {
      read_sweep_table(*sub, path, sweep, where, issues);
    } else if (const toml::array* values = v.as_array()) {
      SweepAxis axis{path, {}};
      for (const toml::node& n : *values) axis.values.push_back(node_text(n));
      if (axis.values.empty())
        issues.add("sweep." + path, v.source(), "sweep." + path + " lists no values");
      sweep.axes.push_back(axis);
      where.push_back(&v);
    } else {
      issues.add("sweep." + path, v.source(),
                 "sweep." + path + ": expected an array of the values to sweep, got " +
                     std::string(type_name(v)));
    }
  }
}

// The sweep of the file's [sweep] table and the --sweep arguments (which replace a file axis of
// the same key), checked against the schema; an axis over gan.lambda_cls becomes that key's list.
Sweep read_sweep(toml::table& root, const SweepArguments& given, const Schema& schema,
                 std::vector<std::string>& overrides, Issues& issues) {
  const std::vector<std::string>& arguments = given.axes;
  Sweep sweep;
  std::vector<const toml::node*> where;  // the file's node of each axis; null for arguments
  std::vector<std::string> origin;
  if (toml::node* n = root.get("sweep")) {
    if (const toml::table* t = n->as_table())
      read_sweep_table(*t, "", sweep, where, issues);
    else
      issues.add("sweep", n->source(), "'sweep' must be a table ([sweep])");
    origin.assign(sweep.axes.size(), "");
  }
  for (const std::string& text : arguments) {
    SweepAxis axis;
    try {
      axis = parse_sweep_argument(text);
    } catch (const Error& e) {
      issues.add_override("--sweep " + text, e.what());
      continue;
    }
    size_t i = 0;
    while (i < sweep.axes.size() && sweep.axes[i].key != axis.key) ++i;
    if (i < sweep.axes.size() && where[i] == nullptr) {
      issues.add_override("--sweep " + text, axis.key + " is swept twice on the command line");
      continue;
    }
    if (i == sweep.axes.size()) {
      sweep.axes.emplace_back();
      where.push_back(nullptr);
      origin.emplace_back();
    }
    sweep.axes[i] = axis;
    where[i] = nullptr;
    origin[i] = "--sweep " + text;
  }
  for (const std::string& text : given.zip) {
    std::vector<std::string> keys;
    for (size_t at = 0;;) {
      const size_t comma = text.find(',', at);
      keys.push_back(text.substr(at, comma == std::string::npos ? comma : comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    sweep.zip.push_back(keys);
  }
  if (!given.reference.empty()) sweep.reference = given.reference;
  Sweep checked;
  checked.zip = sweep.zip;
  checked.reference = sweep.reference;
  for (size_t i = 0; i < sweep.axes.size(); ++i) {
    const SweepAxis& a = sweep.axes[i];
    auto fail = [&](const std::string& text) {
      if (where[i])
        issues.add("sweep." + a.key, where[i]->source(), "sweep: " + text);
      else
        issues.add_override(origin[i], text);
    };
    if (!schema.keys.count(a.key)) {
      fail("unknown key '" + a.key + "'" + did_you_mean(a.key, schema.names));
      continue;
    }
    if (const std::string why = why_not_sweepable(a.key); !why.empty()) {
      fail(a.key + " cannot be swept: " + why);
      continue;
    }
    // Within a zip group a value may come back (the group's other keys tell the points apart).
    bool zipped = false;
    for (const std::vector<std::string>& group : sweep.zip)
      zipped = zipped || std::find(group.begin(), group.end(), a.key) != group.end();
    bool twice = false;
    for (size_t j = 0; j < a.values.size() && !zipped; ++j)
      for (size_t k = 0; k < j; ++k) twice = twice || a.values[j] == a.values[k];
    if (twice) {
      fail(a.key + " lists a value twice");
      continue;
    }
    if (a.key == "gan.lambda_cls") {
      std::string list;
      for (const std::string& v : a.values) list += (list.empty() ? "" : ", ") + v;
      overrides.push_back("gan.lambda_cls=[" + list + "]");
      continue;
    }
    checked.axes.push_back(a);
  }
  std::sort(checked.axes.begin(), checked.axes.end(),
            [](const SweepAxis& a, const SweepAxis& b) { return a.key < b.key; });
  std::set<std::string> zipped;
  for (const std::vector<std::string>& group : checked.zip) {
    const toml::table* table = root.get("sweep") ? root.get("sweep")->as_table() : nullptr;
    const toml::node* n = table ? table->get("zip") : nullptr;
    const toml::source_region region = n ? n->source() : toml::source_region{};
    size_t values = 0;
    if (group.size() < 2)
      issues.add("sweep.zip", region, "sweep.zip: a group needs two keys or more");
    for (const std::string& key : group) {
      const SweepAxis* a = checked.find(key);
      if (!a) {
        issues.add(
            "sweep.zip", region,
            "sweep.zip names " + key + ", which is not swept (lambda_cls is zipped by no group)");
        continue;
      }
      if (!zipped.insert(key).second)
        issues.add("sweep.zip", region, "sweep.zip names " + key + " twice");
      if (values == 0) values = a->values.size();
      if (a->values.size() != values)
        issues.add("sweep.zip", region,
                   "sweep.zip: " + group.front() + " and " + key + " move together but have " +
                       std::to_string(values) + " and " + std::to_string(a->values.size()) +
                       " values");
    }
  }
  root.erase("sweep");
  return checked;
}

}  // namespace
}  // namespace detail

ExperimentConfig parse_config(const std::string& text, const std::string& origin,
                              const std::string& base_dir,
                              const std::vector<std::string>& overrides_given,
                              const SweepArguments& sweeps) {
  detail::Origins origins{origin, {}};
  detail::Issues issues(origins);
  toml::table root = detail::parse_toml(text, origin);
  const detail::Schema schema(config_keys(), config_tables());
  std::vector<std::string> overrides = overrides_given;
  Sweep sweep = detail::read_sweep(root, sweeps, schema, overrides, issues);
  for (const std::string& o : overrides) detail::apply_override(root, o, schema, origins, issues);
  detail::find_unknown(root, schema, issues);

  ExperimentConfig cfg;
  detail::Reader reader(root, origins, issues, base_dir);
  detail::visit_config(reader, cfg);
  issues.throw_if_any();
  cfg.sweep = std::move(sweep);
  // The generators "probe" keeps come from a checkpoint, so the probes must fall on checkpoints.
  const gan::CycleGanOptions& o = cfg.gan.options;
  if (cfg.gan.select_epoch == SelectEpoch::Probe &&
      (o.checkpoint_every == 0 ||
       (cfg.gan.probe_every > 0 && cfg.gan.probe_every % o.checkpoint_every != 0)))
    EMOAUG_FAIL(origin,
                ": gan.select_epoch = \"probe\" keeps the generators of a checkpoint, so "
                "it needs gan.checkpoint_every > 0 and gan.probe_every a multiple of it (0: at "
                "each checkpoint); got checkpoint_every = ",
                o.checkpoint_every, ", probe_every = ", cfg.gan.probe_every);

  if (cfg.experiment.output.empty())
    cfg.experiment.output = (std::filesystem::current_path() / "runs" / cfg.experiment.name)
                                .lexically_normal()
                                .string();
  return cfg;
}

ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides,
                             const SweepArguments& sweeps) {
  const auto dir = std::filesystem::absolute(path).parent_path();
  return parse_config(detail::read_text(path, "config file"), path, dir.string(), overrides,
                      sweeps);
}

}  // namespace emoaug::config
