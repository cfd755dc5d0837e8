// Shared by the numeric tests: random matrices and comparisons with a tolerance (temporary folders,
// files, corpora and the executable: file_helpers.h).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/rng.h"
#include "core/tensor.h"

namespace emoaug::testing {

inline Tensor random_matrix(int64_t rows, int64_t cols, uint64_t seed, float lo = -1.0f,
                            float hi = 1.0f) {
  Tensor t(rows, cols);
  Rng rng(seed, 0, StreamId::Data);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform(lo, hi);
  return t;
}

// max |a - b| / max(1, |b|) over the elements.
inline double max_rel_error(ConstMatView a, ConstMatView b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  double worst = 0.0;
  for (int64_t i = 0; i < a.size() && i < b.size(); ++i) {
    double diff = std::fabs(static_cast<double>(a.data[i]) - b.data[i]);
    worst = std::max(worst, diff / std::max(1.0, std::fabs(static_cast<double>(b.data[i]))));
  }
  return worst;
}

}  // namespace emoaug::testing
