// A string written between double quotes with the escapes that TOML's basic strings and JSON share
// (\" \\ \n \r \t, other control characters as \u00XX; UTF-8 passes through), so one writer serves
// config.toml and `emoaug status --json`.
#pragma once

#include <string>

namespace emoaug {

std::string quoted(const std::string& s);

}  // namespace emoaug
