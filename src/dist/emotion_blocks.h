// Which emotions of a GAN group each of its ranks holds: contiguous ascending blocks in rank order
// (rank 0 the lowest emotions). Contiguity is what lets the ordered sum gather every contribution
// with one allgatherv and add them in emotion order.
#pragma once

#include <string>
#include <vector>

namespace emoaug::dist {

class EmotionBlocks {
 public:
  EmotionBlocks() = default;
  // offsets[r] is rank r's first emotion; offsets.back() the number of emotions. Non-decreasing,
  // starting at 0; a rank may hold none.
  explicit EmotionBlocks(std::vector<int> offsets);
  // As even as possible: the first N % ranks ranks hold one emotion more.
  static EmotionBlocks even(int num_emotions, int ranks);

  int num_emotions() const { return offsets_.empty() ? 0 : offsets_.back(); }
  int ranks() const { return offsets_.empty() ? 0 : static_cast<int>(offsets_.size()) - 1; }
  int first(int rank) const { return offsets_.at(rank); }
  int count(int rank) const { return offsets_.at(rank + 1) - offsets_.at(rank); }
  int max_count() const;
  std::vector<int> emotions_of(int rank) const;
  const std::vector<int>& offsets() const { return offsets_; }
  // "0-1" / "2" / "-" for a rank's block.
  std::string describe(int rank) const;

  bool operator==(const EmotionBlocks& o) const { return offsets_ == o.offsets_; }

 private:
  std::vector<int> offsets_;
};

}  // namespace emoaug::dist
