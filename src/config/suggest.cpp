#include "config/suggest.h"

#include <algorithm>
#include <cstdint>

namespace emoaug::config::detail {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(const std::string& key, const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  size_t best_distance = SIZE_MAX;
  for (const std::string& k : known) {
    const size_t d = edit_distance(key, k);
    if (d < best_distance) {
      best_distance = d;
      best = &k;
    }
  }
  // A third of the last part's length, at most 3: 'epoch' -> 'epochs', not 'lr' -> 'std'.
  const size_t last = key.size() - (key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  const size_t budget = std::min<size_t>(3, std::max<size_t>(1, last / 3));
  if (best && best_distance <= budget) return " (did you mean '" + *best + "'?)";
  const std::string tail = key.substr(key.size() - last);
  for (const std::string& k : known)
    if (k.size() > tail.size() && k.compare(k.size() - tail.size(), tail.size(), tail) == 0 &&
        k[k.size() - tail.size() - 1] == '.')
      return " (did you mean '" + k + "'?)";
  return "";
}

}  // namespace emoaug::config::detail
