#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "data/corpus_io.h"
#include "data/synth.h"
#include "file_helpers.h"

using namespace emoaug;
using namespace emoaug::data;

namespace {

// Mean of each feature over the rows.
std::vector<double> column_means(const Corpus& c) {
  std::vector<double> m(c.dims(), 0.0);
  for (int64_t r = 0; r < c.rows(); ++r)
    for (int64_t j = 0; j < c.dims(); ++j) m[j] += c.features(r, j) / c.rows();
  return m;
}

bool same(const Corpus& a, const Corpus& b) {
  if (a.rows() != b.rows() || a.dims() != b.dims()) return false;
  for (int64_t i = 0; i < a.features.size(); ++i)
    if (a.features.data()[i] != b.features.data()[i]) return false;
  return a.labels == b.labels && a.groups == b.groups;
}

}  // namespace

TEST(Synth, ClassSizesSumAndFollowTheImbalance) {
  EXPECT_EQ(class_sizes(600, 4, 1.0), (std::vector<int64_t>{150, 150, 150, 150}));
  std::vector<int64_t> s = class_sizes(600, 4, 1.5);
  EXPECT_EQ(s[0] + s[1] + s[2] + s[3], 600);
  EXPECT_NEAR(static_cast<double>(s[0]) / s[3], 1.5, 0.02);
  for (int c = 1; c < 4; ++c) EXPECT_LT(s[c], s[c - 1]);
  s = class_sizes(1001, 3, 3.0);
  EXPECT_EQ(s[0] + s[1] + s[2], 1001);
  EXPECT_NEAR(static_cast<double>(s[0]) / s[2], 3.0, 0.02);
  EXPECT_THROW(class_sizes(3, 4, 1.0), Error);    // a class would be empty
  EXPECT_THROW(class_sizes(100, 4, 0.5), Error);  // imbalance < 1
}

TEST(Synth, CorporaHaveTheRequestedShape) {
  SynthOptions o;
  SynthCorpora c = synthesize(o);
  EXPECT_EQ(c.target.rows(), 600);
  EXPECT_EQ(c.target.dims(), 64);
  EXPECT_EQ(c.target.class_names, (std::vector<std::string>{"angry", "happy", "neutral", "sad"}));
  EXPECT_EQ(c.target.class_counts(), class_sizes(600, 4, 1.5));
  EXPECT_EQ(c.target.distinct_groups(), (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(c.target.feature_names[0], "f0000");
  EXPECT_EQ(c.target.feature_names[63], "f0063");
  EXPECT_EQ(c.source.rows(), 800);
  EXPECT_FALSE(c.source.labeled());
  EXPECT_EQ(c.cross.rows(), 400);
  EXPECT_EQ(c.cross.class_names, c.target.class_names);
  EXPECT_EQ(c.cross.class_counts(), class_sizes(400, 4, 1.5));
  for (const Corpus* k : {&c.target, &c.source, &c.cross}) EXPECT_NO_THROW(k->validate("synth"));
  EXPECT_NO_THROW(check_same_features(c.target, "target", c.source, "source"));
  // Every session holds every class, in proportion.
  std::vector<int> per_session_class(5 * 4, 0);
  for (int64_t r = 0; r < 600; ++r)
    ++per_session_class[(c.target.groups[r] - 1) * 4 + c.target.labels[r]];
  for (int n : per_session_class) EXPECT_GE(n, 20);

  o.classes = 6;
  o.dims = 10;
  o.sessions = 3;
  o.imbalance = 2.0;
  c = synthesize(o);
  EXPECT_EQ(c.target.num_classes(), 6);
  EXPECT_EQ(c.target.class_names[5], "disgust");
  EXPECT_NEAR(static_cast<double>(c.target.class_counts()[0]) / c.target.class_counts()[5], 2.0,
              0.05);
}

TEST(Synth, DeterministicPerSeedAndPartsIndependent) {
  SynthOptions o;
  SynthCorpora a = synthesize(o), b = synthesize(o);
  EXPECT_TRUE(same(a.target, b.target));
  EXPECT_TRUE(same(a.source, b.source));
  EXPECT_TRUE(same(a.cross, b.cross));
  o.seed = 2;
  SynthCorpora other = synthesize(o);
  EXPECT_FALSE(same(a.target, other.target));
  // More source rows leave the target as it was: each corpus draws from its own stream.
  o.seed = 1;
  o.source_rows = 900;
  EXPECT_TRUE(same(a.target, synthesize(o).target));
}

TEST(Synth, SourceIsShiftedAndSeparationSeparates) {
  SynthCorpora c = synthesize(SynthOptions{});
  const std::vector<double> t = column_means(c.target), s = column_means(c.source);
  int shifted = 0;
  for (size_t j = 0; j < t.size(); ++j) shifted += std::fabs(t[j] - s[j]) > 0.1;
  EXPECT_GT(shifted, 32);
  // Class centroids in latent units: far apart with a large separation, close with none.
  auto centroid_gap = [](double separation) {
    SynthOptions o;
    o.separation = separation;
    o.rows = 2000;
    Corpus t = synthesize(o).target;
    Corpus a = t.subset([&] {
      std::vector<int64_t> rows;
      for (int64_t r = 0; r < t.rows(); ++r)
        if (t.labels[r] == 0) rows.push_back(r);
      return rows;
    }());
    Corpus b = t.subset([&] {
      std::vector<int64_t> rows;
      for (int64_t r = 0; r < t.rows(); ++r)
        if (t.labels[r] == 1) rows.push_back(r);
      return rows;
    }());
    // z-normalize per feature with the pooled standard deviation, then the centroid distance.
    std::vector<double> ma = column_means(a), mb = column_means(b), mt = column_means(t);
    double gap = 0;
    for (int64_t j = 0; j < t.dims(); ++j) {
      double var = 0;
      for (int64_t r = 0; r < t.rows(); ++r) var += std::pow(t.features(r, j) - mt[j], 2);
      gap += std::pow(ma[j] - mb[j], 2) / (var / t.rows());
    }
    return std::sqrt(gap);
  };
  EXPECT_LT(centroid_gap(0.0), 0.8);
  EXPECT_GT(centroid_gap(4.0), 2.0);
}

TEST(Synth, WritesThreeFilesFast) {
  emoaug::testing::TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  write_synthetic(dir / "out", SynthOptions{});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.0);
  for (const char* f : {"target.h5", "source.h5", "cross.h5"})
    EXPECT_NO_THROW(read_corpus(dir / "out/" + f));
  EXPECT_EQ(read_corpus(dir / "out/target.h5").class_counts(), class_sizes(600, 4, 1.5));
}

TEST(Synth, RefusesImpossibleOptions) {
  SynthOptions o;
  o.classes = 5;
  o.dims = 4;
  EXPECT_THROW(synthesize(o), Error);
  o = SynthOptions{};
  o.sessions = 0;
  EXPECT_THROW(synthesize(o), Error);
  o = SynthOptions{};
  o.separation = -1;
  EXPECT_THROW(synthesize(o), Error);
  o = SynthOptions{};
  o.cross_rows = 2;
  EXPECT_THROW(synthesize(o), Error);
}
