// Small text formats that several layers write: quoted strings (config.toml, status's JSON) and
// durations (progress lines, status).
#pragma once

#include <string>

namespace emoaug {

// `s` between double quotes with the escapes that TOML's basic strings and JSON share (\" \\ \n
// \r \t, other control characters as \u00XX; UTF-8 passes through).
std::string quoted(const std::string& s);

// "42s", "3m07s", "2h05m" (rounded to the second); "?" for a negative (unknown) duration.
std::string format_duration(double seconds);

}  // namespace emoaug
