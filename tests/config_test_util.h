// Helpers shared by the config tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"

namespace emoaug::test {

// The error message parse_config throws for `text` (origin "x.toml"), or "" if it loads.
inline std::string config_error(const std::string& text,
                                const std::vector<std::string>& sets = {}) {
  try {
    config::parse_config(text, "x.toml", "/base", sets);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// EXPECT_CONTAINS(text, part), with both shown on failure (the suite links gtest without gmock).
inline ::testing::AssertionResult text_contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected to find\n  " << part << "\nin\n  " << text;
}

}  // namespace emoaug::test

#define EXPECT_CONTAINS(text, part) EXPECT_TRUE(::emoaug::test::text_contains((text), (part)))
