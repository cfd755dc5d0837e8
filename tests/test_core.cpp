#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "core/version.h"

using namespace emoaug;

TEST(Tensor, ZeroFilledRowMajorAndRowRangeViews) {
  Tensor t(3, 4);
  for (int64_t i = 0; i < t.size(); ++i) EXPECT_EQ(t.data()[i], 0.0f);
  t(1, 2) = 5.0f;
  EXPECT_EQ(t.data()[1 * 4 + 2], 5.0f);
  MatView rows = t.row_range(1, 2);
  EXPECT_EQ(rows.rows, 2);
  EXPECT_EQ(rows(0, 2), 5.0f);
  EXPECT_THROW(t.row_range(2, 2), Error);
}

TEST(Tensor, ReshapeKeepsCapacityAndMoveEmptiesSource) {
  Tensor t(4, 4);
  const float* p = t.data();
  t.reshape(2, 8);
  EXPECT_EQ(t.data(), p);
  t.reshape(1, 3);
  EXPECT_EQ(t.data(), p);
  t.reshape(5, 5);
  EXPECT_EQ(t.rows(), 5);
  Tensor u = std::move(t);
  EXPECT_EQ(u.rows(), 5);
  EXPECT_EQ(t.data(), nullptr);
  EXPECT_EQ(t.size(), 0);
}

TEST(Philox, KnownAnswerFromRandom123) {
  // Random123's kat_vectors for philox4x32_10: counter and key all 0xffffffff... and the zero case.
  Philox4 zero = philox4x32_10(Philox4{{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(zero.v[0], 0x6627e8d5u);
  EXPECT_EQ(zero.v[1], 0xe169c58du);
  EXPECT_EQ(zero.v[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.v[3], 0x9b00dbd8u);
  Philox4 ones = philox4x32_10(Philox4{{~0u, ~0u, ~0u, ~0u}}, ~0u, ~0u);
  EXPECT_EQ(ones.v[0], 0x408f276du);
  EXPECT_EQ(ones.v[1], 0x41c83b0eu);
  EXPECT_EQ(ones.v[2], 0xa20bc7c6u);
  EXPECT_EQ(ones.v[3], 0x6d5451fdu);
}

TEST(Rng, StreamIsAPureFunctionOfSeedTaskAndStream) {
  Rng a(42, 7, StreamId::Init), b(42, 7, StreamId::Init);
  Rng other_task(42, 8, StreamId::Init), other_stream(42, 7, StreamId::Dropout);
  int differ_task = 0, differ_stream = 0;
  for (int i = 0; i < 100; ++i) {
    uint32_t x = a.next_u32();
    EXPECT_EQ(x, b.next_u32());
    differ_task += x != other_task.next_u32();
    differ_stream += x != other_stream.next_u32();
  }
  EXPECT_GT(differ_task, 95);
  EXPECT_GT(differ_stream, 95);
}

TEST(Rng, StateRoundTripResumesTheSameDraws) {
  Rng a(1, 2, 3);
  for (int i = 0; i < 7; ++i) a.next_u32();  // stop in the middle of a block
  RngState saved = a.state();
  std::vector<uint32_t> expected;
  for (int i = 0; i < 10; ++i) expected.push_back(a.next_u32());
  Rng b(1, 2, 3);
  b.set_state(saved);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(b.next_u32(), expected[i]);
}

TEST(Rng, UniformMomentsAndBelowIsUnbiased) {
  Rng r(9, 9, 9);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    float u = r.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    sum2 += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) counts[r.below(6)]++;
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
  double nsum = 0, nsum2 = 0;
  for (int i = 0; i < n; ++i) {
    float z = r.normal();
    nsum += z;
    nsum2 += z * z;
  }
  EXPECT_NEAR(nsum / n, 0.0, 0.01);
  EXPECT_NEAR(nsum2 / n, 1.0, 0.02);
}

TEST(Rng, PermutationIsAPermutation) {
  Rng r(3, 4, StreamId::Shuffle);
  std::vector<int> p = r.permutation(1000);
  std::set<int> seen(p.begin(), p.end());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 999);
  int fixed = 0;
  for (int i = 0; i < 1000; ++i) fixed += p[i] == i;
  EXPECT_LT(fixed, 10);
}

TEST(Error, CheckNamesFileAndLine) {
  try {
    EMOAUG_CHECK(1 == 2, "context ", 42);
    FAIL();
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("test_core.cpp:"), std::string::npos) << what;
    EXPECT_NE(what.find("context 42"), std::string::npos) << what;
  }
}

TEST(Version, GitShaIsACommitOrUnknown) {
  const std::string sha = emoaug::git_sha();
  if (sha == "unknown") return;
  const std::string commit = sha.substr(0, 12);
  EXPECT_EQ(commit.find_first_not_of("0123456789abcdef"), std::string::npos) << sha;
  EXPECT_TRUE(sha.size() == 12 || sha.substr(12) == "-dirty") << sha;
}
