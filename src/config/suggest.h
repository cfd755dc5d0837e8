// "Did you mean" for misspelt keys. Internal to src/config.
#pragma once

#include <string>
#include <vector>

namespace emoaug::config::detail {

// Levenshtein distance (insertions, deletions, substitutions).
size_t edit_distance(const std::string& a, const std::string& b);

// " (did you mean 'gan.lambda_cls'?)" when a known key is a few edits away, or when exactly the
// last part matches a key elsewhere (lambda_cls at the top level); "" otherwise.
std::string did_you_mean(const std::string& key, const std::vector<std::string>& known);

}  // namespace emoaug::config::detail
