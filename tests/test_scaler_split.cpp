#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "data/scaler.h"
#include "data/split.h"

using namespace emoaug;
using namespace emoaug::data;

namespace {

Tensor matrix(int64_t rows, int64_t cols, const std::vector<float>& values) {
  Tensor t(rows, cols);
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.size());
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

// Rows 0..3 of a 4x3 matrix: a ramp, a constant, a column with a large offset.
Tensor sample() {
  return matrix(4, 3, {1, 7, 10000.0f, 2, 7, 10000.5f, 3, 7, 10001.0f, 4, 7, 10001.5f});
}

}  // namespace

TEST(MinMaxScaler, MapsFittedRangeToUnitIntervalAndBack) {
  Tensor x = sample();
  MinMaxScaler s;
  s.fit(x.cview());
  Tensor y = x.clone();
  s.transform(y.view());
  EXPECT_FLOAT_EQ(y(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(y(1, 0), 1.0f / 3.0f);
  EXPECT_FLOAT_EQ(y(3, 0), 1.0f);
  EXPECT_FLOAT_EQ(y(2, 2), 2.0f / 3.0f);
  for (int64_t r = 0; r < 4; ++r) EXPECT_EQ(y(r, 1), 0.0f) << "constant column maps to 0";
  s.inverse_transform(y.view());
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(y(r, c), x(r, c), 1e-6 * std::abs(x(r, c)));
  EXPECT_EQ(y(2, 1), 7.0f) << "inverse of a constant column is the constant";
}

TEST(MinMaxScaler, FitOnRowListEqualsFitOnThoseRowsAndDoesNotClip) {
  Tensor x = sample();
  MinMaxScaler by_rows, by_view;
  by_rows.fit(x.cview(), {1, 2});
  by_view.fit(x.row_range(1, 2));
  EXPECT_EQ(by_rows.state().min, by_view.state().min);
  EXPECT_EQ(by_rows.state().max, by_view.state().max);
  Tensor y = x.clone();
  by_rows.transform(y.view());
  // Rows outside the fitted ones land outside [0, 1], as sklearn's MinMaxScaler does.
  EXPECT_FLOAT_EQ(y(0, 0), -1.0f);
  EXPECT_FLOAT_EQ(y(3, 0), 2.0f);
}

TEST(MinMaxScaler, Errors) {
  Tensor x = sample();
  MinMaxScaler s;
  EXPECT_FALSE(s.fitted());
  s.fit(x.cview());
  EXPECT_TRUE(s.fitted());
  Tensor wrong(2, 4);
  EXPECT_THROW(s.transform(wrong.view()), Error);
  MinMaxScaler empty;
  EXPECT_THROW(empty.fit(x.cview(), {}), Error);
  EXPECT_THROW(empty.fit(x.cview(), {4}), Error);
}

TEST(ZScoreScaler, PopulationStdByDefaultAndSampleOnRequest) {
  Tensor x = sample();
  ZScoreScaler pop, smp;
  pop.fit(x.cview());
  smp.fit(x.cview(), StdKind::Sample);
  EXPECT_DOUBLE_EQ(pop.state().mean[0], 2.5);
  EXPECT_DOUBLE_EQ(pop.state().std[0], std::sqrt(1.25));  // numpy.std([1, 2, 3, 4])
  EXPECT_DOUBLE_EQ(smp.state().std[0], std::sqrt(5.0 / 3.0));
  // The large offset costs no accuracy: the same spread as column 0, halved.
  EXPECT_NEAR(pop.state().std[2], 0.5 * std::sqrt(1.25), 1e-12);
  EXPECT_EQ(pop.state().std[1], 0.0);
  Tensor y = x.clone();
  pop.transform(y.view());
  for (int64_t c : {0, 2}) {
    double mean = 0, sq = 0;
    for (int64_t r = 0; r < 4; ++r) mean += y(r, c) / 4.0;
    for (int64_t r = 0; r < 4; ++r) sq += (y(r, c) - mean) * (y(r, c) - mean) / 4.0;
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(sq, 1.0, 1e-5);
  }
  for (int64_t r = 0; r < 4; ++r) EXPECT_EQ(y(r, 1), 0.0f) << "constant column maps to 0";
}

TEST(ZScoreScaler, Errors) {
  Tensor one_row = matrix(1, 3, {1, 7, 10000.0f});
  ZScoreScaler s;
  EXPECT_THROW(s.fit(one_row.cview(), StdKind::Sample), Error);  // n - 1 = 0
  EXPECT_NO_THROW(s.fit(one_row.cview()));
  Tensor wrong(1, 2);
  EXPECT_THROW(s.transform(wrong.view()), Error);
}

TEST(LeaveOneGroupOut, OneFoldPerGroupAscendingWithComplementaryRows) {
  std::vector<int32_t> groups{3, 1, 3, 2, 1, 5};
  std::vector<Fold> folds = leave_one_group_out(groups);
  ASSERT_EQ(folds.size(), 4u);
  EXPECT_EQ(folds[0].group, 1);
  EXPECT_EQ(folds[0].test, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(folds[0].train, (std::vector<int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(folds[1].group, 2);
  EXPECT_EQ(folds[1].test, (std::vector<int64_t>{3}));
  EXPECT_EQ(folds[2].group, 3);
  EXPECT_EQ(folds[2].train, (std::vector<int64_t>{1, 3, 4, 5}));
  EXPECT_EQ(folds[3].group, 5);
  for (const Fold& f : folds) {
    EXPECT_TRUE(std::is_sorted(f.train.begin(), f.train.end()));
    EXPECT_EQ(f.train.size() + f.test.size(), groups.size());
    for (int64_t r : f.test) EXPECT_EQ(groups[r], f.group);
    for (int64_t r : f.train) EXPECT_NE(groups[r], f.group);
  }
  EXPECT_THROW(leave_one_group_out({4, 4, 4}), Error);
  EXPECT_THROW(leave_one_group_out({}), Error);
}

namespace {

std::vector<int32_t> labels_with_counts(const std::vector<int>& counts) {
  // Interleaved, so that a class's rows are not one contiguous block.
  std::vector<int32_t> labels;
  std::vector<int> left(counts);
  for (bool any = true; any;) {
    any = false;
    for (size_t c = 0; c < left.size(); ++c)
      if (left[c] > 0) {
        labels.push_back(static_cast<int32_t>(c));
        --left[c];
        any = true;
      }
  }
  return labels;
}

}  // namespace

TEST(StratifiedSplit, KeepsClassProportionsAndPartitionsRows) {
  std::vector<int32_t> labels = labels_with_counts({10, 20, 33, 7});
  Rng rng(1, 2, StreamId::Split);
  StratifiedSplit s = stratified_split(labels, 0.3, rng);
  std::map<int32_t, int> first_count, second_count;
  for (int64_t r : s.first) ++first_count[labels[r]];
  for (int64_t r : s.second) ++second_count[labels[r]];
  EXPECT_EQ(first_count[0], 3);
  EXPECT_EQ(first_count[1], 6);
  EXPECT_EQ(first_count[2], 10);  // round(9.9)
  EXPECT_EQ(first_count[3], 2);   // round(2.1)
  EXPECT_EQ(second_count[2], 23);
  EXPECT_TRUE(std::is_sorted(s.first.begin(), s.first.end()));
  EXPECT_TRUE(std::is_sorted(s.second.begin(), s.second.end()));
  std::vector<int64_t> all(s.first);
  all.insert(all.end(), s.second.begin(), s.second.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected(labels.size());
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected) << "disjoint and covering";
}

TEST(StratifiedSplit, DeterministicPerSeedAndDifferentAcrossSeeds) {
  std::vector<int32_t> labels = labels_with_counts({40, 50, 60, 70});
  Rng a(7, 1, StreamId::Split), b(7, 1, StreamId::Split), c(8, 1, StreamId::Split);
  StratifiedSplit sa = stratified_split(labels, 0.3, a);
  StratifiedSplit sb = stratified_split(labels, 0.3, b);
  StratifiedSplit sc = stratified_split(labels, 0.3, c);
  EXPECT_EQ(sa.first, sb.first);
  EXPECT_EQ(sa.second, sb.second);
  EXPECT_NE(sa.first, sc.first);
  EXPECT_EQ(sa.first.size(), sc.first.size());
}

TEST(StratifiedSplit, EdgeFractions) {
  std::vector<int32_t> labels = labels_with_counts({3, 4});
  Rng rng(1, 1, StreamId::Split);
  EXPECT_TRUE(stratified_split(labels, 0.0, rng).first.empty());
  EXPECT_TRUE(stratified_split(labels, 1.0, rng).second.empty());
  EXPECT_TRUE(stratified_split({}, 0.3, rng).first.empty());
  EXPECT_THROW(stratified_split(labels, 1.5, rng), Error);
  EXPECT_THROW(stratified_split(labels, -0.1, rng), Error);
}
