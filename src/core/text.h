// Small text formats that several layers write or read: quoted strings (config.toml, status's
// JSON), durations (progress lines, status), and trimming and prefixes of keys and values.
#pragma once

#include <string>

namespace emoaug {

// `s` between double quotes with the escapes that TOML's basic strings and JSON share (\" \\ \n
// \r \t, other control characters as \u00XX; UTF-8 passes through).
std::string quoted(const std::string& s);

// `s` without its leading and trailing blanks (spaces and tabs).
std::string trimmed(const std::string& s);
inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// "42s", "3m07s", "2h05m" (rounded to the second); "?" for a negative (unknown) duration.
std::string format_duration(double seconds);

}  // namespace emoaug
