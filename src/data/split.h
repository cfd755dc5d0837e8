// The evaluation protocols' row splits, as pure functions of labels/groups (and a seeded Rng where
// randomness is involved), so every rank computes the same folds without communicating.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace emoaug::data {

struct Fold {
  int32_t group = 0;           // the held-out group (session or speaker)
  std::vector<int64_t> train;  // row indices, ascending
  std::vector<int64_t> test;   // the held-out group's rows, ascending
};

// One fold per distinct group, in ascending group order. Fails with fewer than two groups, since a
// fold would then have nothing to train on.
std::vector<Fold> leave_one_group_out(const std::vector<int32_t>& groups);

struct StratifiedSplit {
  std::vector<int64_t> first;   // e.g. the cross-corpus dev part; ascending
  std::vector<int64_t> second;  // the rest (test); ascending
};

// Per class (ascending label order), a seeded shuffle of the class's rows, then the first
// round(first_fraction * class size) of them go to `first` and the others to `second`, so the class
// proportions of both parts match the whole's up to rounding.
StratifiedSplit stratified_split(const std::vector<int32_t>& labels, double first_fraction,
                                 Rng& rng);

}  // namespace emoaug::data
