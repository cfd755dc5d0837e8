// What a configured value must satisfy beyond its type: the range rule every key of the config
// schema carries (config/fields.h), and that a layer's option struct names beside its own keys
// (an SER classifier's, ser/options.h), so its keys are declared where its options are.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace emoaug::value_rule {

// What a value must satisfy beyond its type. Numeric bounds apply to scalars and to each element of
// a list; the list flags to lists.
struct Rule {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  bool nonempty = false;          // strings and lists
  bool distinct = false;          // lists: no value twice
  bool as_float = false;          // numbers the program narrows to float: distinct compares those
  bool ascending = false;         // lists: strictly increasing
  bool path = false;              // strings: a file path, made absolute when loaded
  const char* literal = nullptr;  // path strings: a value kept as written, not a file
  // Strings: the values allowed, asked when read (a registry's names, which config cannot list).
  std::vector<std::string> (*one_of)() = nullptr;
};

inline Rule any() {
  return {};
}
inline Rule at_least(double lo) {
  Rule r;
  r.lo = lo;
  return r;
}
inline Rule positive() {
  Rule r = at_least(0);
  r.lo_open = true;
  return r;
}
inline Rule interval(double lo, bool lo_open, double hi, bool hi_open) {
  Rule r;
  r.lo = lo;
  r.hi = hi;
  r.lo_open = lo_open;
  r.hi_open = hi_open;
  return r;
}
inline Rule dropout() {
  return interval(0, false, 1, true);
}  // [0, 1): 1 would drop everything
inline Rule nonempty(Rule r = {}) {
  r.nonempty = true;
  return r;
}
inline Rule distinct(Rule r) {
  r.distinct = true;
  return r;
}
inline Rule distinct_as_float(Rule r) {
  r.distinct = r.as_float = true;
  return r;
}
inline Rule ascending(Rule r) {
  r.ascending = true;
  return r;
}
inline Rule path() {
  Rule r;
  r.path = true;
  return r;
}
inline Rule path_or(const char* literal) {
  Rule r = path();
  r.literal = literal;
  return r;
}
inline Rule one_of(std::vector<std::string> (*names)()) {
  Rule r;
  r.one_of = names;
  return r;
}
inline Rule layers() {
  return nonempty(at_least(1));
}

}  // namespace emoaug::value_rule
