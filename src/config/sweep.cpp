#include "config/sweep.h"

#include <toml++/toml.h>

#include "config/strict_toml.h"
#include "core/error.h"
#include "core/text.h"

namespace emoaug::config {

const SweepAxis* Sweep::find(const std::string& key) const {
  for (const SweepAxis& a : axes)
    if (a.key == key) return &a;
  return nullptr;
}

bool operator==(const SweepAxis& a, const SweepAxis& b) {
  return a.key == b.key && a.values == b.values;
}

bool operator==(const Sweep& a, const Sweep& b) {
  return a.axes == b.axes && a.zip == b.zip && a.reference == b.reference;
}

std::string why_not_sweepable(const std::string& key) {
  if (key == "experiment.seed") return "";
  if (starts_with(key, "experiment.") || starts_with(key, "dist.") ||
      key == "gan.keep_checkpoints" || key == "gan.keep_final_checkpoints" ||
      key == "ser.save_classifiers")
    return "it changes how the run goes, not what it computes";
  if (starts_with(key, "data.") || key == "ser.settings" || key == "ser.cross_corpus" ||
      key == "gan.stats_features")
    return "it decides which corpora and features a run loads, and one run directory holds one "
           "set (run one study per corpus)";
  return "";
}

SweepAxis parse_sweep_argument(const std::string& text) {
  const std::string origin = "--sweep " + text;
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    EMOAUG_FAIL(origin, ": expected KEY=V1,V2,...");
  SweepAxis axis;
  axis.key = trimmed(text.substr(0, eq));
  const std::string values = trimmed(text.substr(eq + 1));
  try {
    const toml::table doc = toml::parse("v = [" + values + "]", origin);
    for (const toml::node& n : *doc.get("v")->as_array())
      axis.values.push_back(detail::node_text(n));
  } catch (const toml::parse_error&) {
    // Bare words are strings, as in -s: --sweep ser.std=sample,population; each word that is a
    // TOML value stays one (gan.epochs=5,x: 5 and "x").
    axis.values.clear();
    for (size_t at = 0;;) {
      const size_t comma = values.find(',', at);
      const std::string word =
          trimmed(values.substr(at, comma == std::string::npos ? comma : comma - at));
      if (word.empty() || word.find_first_of("\"'[]{}=") != std::string::npos)
        EMOAUG_FAIL(origin, ": '", values, "' is neither a list of TOML values nor of bare words");
      try {
        const toml::table one = toml::parse("v = " + word, origin);
        axis.values.push_back(detail::node_text(*one.get("v")));
      } catch (const toml::parse_error&) {
        axis.values.push_back(quoted(word));
      }
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  if (axis.values.empty()) EMOAUG_FAIL(origin, ": no values");
  return axis;
}

std::string sweep_toml(const Sweep& sweep) {
  if (sweep.empty() && sweep.reference.empty()) return "";
  std::string out =
      "\n# The study's axes besides gan.lambda_cls: one run of the method per "
      "combination\n[sweep]\n";
  for (const SweepAxis& a : sweep.axes) {
    out += quoted(a.key) + " = [";
    for (size_t i = 0; i < a.values.size(); ++i) out += (i ? ", " : "") + a.values[i];
    out += "]\n";
  }
  if (!sweep.zip.empty()) {
    out += "zip = [";
    for (size_t g = 0; g < sweep.zip.size(); ++g) {
      out += g ? ", [" : "[";
      for (size_t i = 0; i < sweep.zip[g].size(); ++i)
        out += (i ? ", " : "") + quoted(sweep.zip[g][i]);
      out += "]";
    }
    out += "]\n";
  }
  if (!sweep.reference.empty()) {
    out += "reference = [";
    for (size_t i = 0; i < sweep.reference.size(); ++i)
      out += (i ? ", " : "") + quoted(sweep.reference[i]);
    out += "]\n";
  }
  return out;
}

}  // namespace emoaug::config
