#include "dist/emotion_blocks.h"

#include <algorithm>

#include "core/error.h"

namespace emoaug::dist {

EmotionBlocks::EmotionBlocks(std::vector<int> offsets) : offsets_(std::move(offsets)) {
  EMOAUG_CHECK(offsets_.size() >= 2 && offsets_.front() == 0,
               "emotion block offsets must start at 0", " and name at least one rank");
  for (size_t r = 1; r < offsets_.size(); ++r)
    EMOAUG_CHECK(offsets_[r] >= offsets_[r - 1], "emotion block offsets must not decrease");
}

EmotionBlocks EmotionBlocks::even(int num_emotions, int ranks) {
  EMOAUG_CHECK(num_emotions >= 0 && ranks >= 1, num_emotions, " emotions over ", ranks, " ranks");
  std::vector<int> offsets(ranks + 1, 0);
  const int base = num_emotions / ranks, extra = num_emotions % ranks;
  for (int r = 0; r < ranks; ++r) offsets[r + 1] = offsets[r] + base + (r < extra ? 1 : 0);
  return EmotionBlocks(std::move(offsets));
}

int EmotionBlocks::max_count() const {
  int m = 0;
  for (int r = 0; r < ranks(); ++r) m = std::max(m, count(r));
  return m;
}

std::vector<int> EmotionBlocks::emotions_of(int rank) const {
  std::vector<int> out;
  for (int e = first(rank); e < first(rank) + count(rank); ++e) out.push_back(e);
  return out;
}

std::string EmotionBlocks::describe(int rank) const {
  const int n = count(rank), f = first(rank);
  if (n == 0) return "-";
  if (n == 1) return std::to_string(f);
  return std::to_string(f) + "-" + std::to_string(f + n - 1);
}

}  // namespace emoaug::dist
