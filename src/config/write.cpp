// to_toml: the resolved config as TOML, written by hand rather than through toml++'s formatter so
// that the layout (key order, one table per block, comments) is stable across library versions and
// floats come out in their shortest exact form (0.2, not 0.20000000298023224).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <type_traits>

#include "config/config.h"
#include "config/fields.h"
#include "core/error.h"
#include "core/text.h"

namespace emoaug::config {
namespace detail {

std::string toml_float(double x, bool as_float) {
  EMOAUG_CHECK(std::isfinite(x), "non-finite config value ", x);
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    // Narrowed the way the loader narrows: parse as double, then cast.
    const double back = std::strtod(buf, nullptr);
    if (as_float ? static_cast<float>(back) == static_cast<float>(x) : back == x) break;
  }
  std::string s = buf;
  // "1e-05" -> "1e-5": TOML allows the zeros, people do not write them.
  if (auto e = s.find('e'); e != std::string::npos) {
    size_t digits = e + 1;
    if (digits < s.size() && (s[digits] == '-' || s[digits] == '+')) ++digits;
    size_t first = digits;
    while (first + 1 < s.size() && s[first] == '0') ++first;
    s.erase(digits, first - digits);
    if (s[e + 1] == '+') s.erase(e + 1, 1);
  } else if (s.find('.') == std::string::npos) {
    s += ".0";  // "2" would read back as an integer
  }
  return s;
}

namespace {

std::string value(bool v) {
  return v ? "true" : "false";
}
std::string value(int v) {
  return std::to_string(v);
}
std::string value(uint64_t v) {
  return std::to_string(v);
}
std::string value(float v) {
  return toml_float(v, true);
}
std::string value(double v) {
  return toml_float(v);
}
std::string value(const std::string& v) {
  return quoted(v);
}
template <class E, class = std::enable_if_t<std::is_enum_v<E>>>
std::string value(E v) {
  for (const auto& [e, name] : enum_names<E>())
    if (e == v) return quoted(name);
  EMOAUG_CHECK(false, "enum value without a name");
  return "";
}
template <class T>
std::string value(const std::vector<T>& v) {
  std::string one_line = "[";
  for (size_t i = 0; i < v.size(); ++i) one_line += (i ? ", " : "") + value(v[i]);
  one_line += "]";
  if (one_line.size() <= 72) return one_line;
  std::string lines = "[\n";
  for (const T& x : v) lines += "  " + value(x) + ",\n";
  return lines + "]";
}

// Why each block has the values it has, for a reader of a run's config.toml.
const char* table_comment(const std::string& table) {
  if (table == "gan") return "CycleGANs and the shared classifier C (paper §2, §4.1-4.2)";
  if (table == "ser.real")
    return "SER classifier blocks: §4.3 (real, syn, real_syn), §4.4 (cross_*)";
  return nullptr;
}

struct Writer {
  std::ostringstream out;
  void table(const std::string& name) {
    out << "\n";
    if (const char* c = table_comment(name)) out << "# " << c << "\n";
    out << "[" << name << "]\n";
  }
  template <class T>
  void field(const char* name, const Rule&, const T& v) {
    out << name << " = " << value(v) << "\n";
  }
};

}  // namespace
}  // namespace detail

std::string to_toml(const ExperimentConfig& cfg) {
  detail::Writer w;
  w.out << "# emoaug experiment config, fully resolved: every key, defaults included.\n"
           "# Keys, types and ranges: docs/config.md.\n";
  detail::visit_config(w, cfg);
  return w.out.str() + sweep_toml(cfg.sweep);
}

}  // namespace emoaug::config
