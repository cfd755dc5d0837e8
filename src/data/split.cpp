#include "data/split.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "core/error.h"

namespace emoaug::data {

std::vector<Fold> leave_one_group_out(const std::vector<int32_t>& groups) {
  std::map<int32_t, std::vector<int64_t>> rows_of;  // ordered: folds come in ascending group order
  for (size_t r = 0; r < groups.size(); ++r) rows_of[groups[r]].push_back(static_cast<int64_t>(r));
  if (rows_of.size() < 2)
    EMOAUG_FAIL("leave-one-group-out needs at least 2 groups, the data has ", rows_of.size());
  std::vector<Fold> folds;
  folds.reserve(rows_of.size());
  for (auto& [group, test] : rows_of) {
    Fold f;
    f.group = group;
    f.test = test;
    f.train.reserve(groups.size() - test.size());
    for (size_t r = 0; r < groups.size(); ++r)
      if (groups[r] != group) f.train.push_back(static_cast<int64_t>(r));
    folds.push_back(std::move(f));
  }
  return folds;
}

StratifiedSplit stratified_split(const std::vector<int32_t>& labels, double first_fraction,
                                 Rng& rng) {
  if (!(first_fraction >= 0.0 && first_fraction <= 1.0))
    EMOAUG_FAIL("stratified split: fraction ", first_fraction, " outside [0, 1]");
  EMOAUG_CHECK(labels.size() <= UINT32_MAX, "Rng::below draws 32-bit indices");
  std::map<int32_t, std::vector<int64_t>> rows_of;
  for (size_t r = 0; r < labels.size(); ++r) rows_of[labels[r]].push_back(static_cast<int64_t>(r));
  StratifiedSplit out;
  for (auto& [label, rows] : rows_of) {
    // Fisher–Yates as Rng::shuffle does it, over 64-bit row indices.
    for (size_t i = rows.size(); i > 1; --i) {
      const size_t j = rng.below(static_cast<uint32_t>(i));
      std::swap(rows[i - 1], rows[j]);
    }
    const size_t take = static_cast<size_t>(std::llround(first_fraction * rows.size()));
    out.first.insert(out.first.end(), rows.begin(), rows.begin() + take);
    out.second.insert(out.second.end(), rows.begin() + take, rows.end());
  }
  std::sort(out.first.begin(), out.first.end());
  std::sort(out.second.begin(), out.second.end());
  return out;
}

}  // namespace emoaug::data
