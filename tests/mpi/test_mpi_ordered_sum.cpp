// The ordered sum under mpirun (1, 2, 4 ranks): for N = 4 emotions and every way of spreading them
// over the group, every rank gets the same bytes as the single-process gan::LocalGradientSum.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "dist/communicator.h"
#include "dist/ordered_sum.h"
#include "gan/gradient_sum.h"
#include "mpi/mpi_test_world.h"

namespace emoaug::dist {
namespace {

using emoaug::testing::mpi_world;

constexpr int kEmotions = 4;
constexpr int kRows = 37, kCols = 53;

// Contribution of emotion e, the same on every rank: a wide range of magnitudes, so that adding in
// another order really does change the bytes (checked below, or the test would prove nothing).
std::vector<Tensor> contributions() {
  std::vector<Tensor> parts;
  for (int e = 0; e < kEmotions; ++e) {
    Tensor t(kRows, kCols);
    Rng rng(42, 7, 100 + e);
    for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = rng.normal() * (e % 2 ? 1e4f : 1e-3f);
    parts.push_back(std::move(t));
  }
  return parts;
}

Tensor local_sum(const std::vector<Tensor>& parts) {
  std::vector<ConstMatView> views;
  for (const Tensor& t : parts) views.push_back(t.view());
  Tensor total(kRows, kCols);
  gan::LocalGradientSum().sum({0, 1, 2, 3}, views, total.view());
  return total;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Every non-decreasing offsets vector 0 = o0 <= o1 <= ... <= oP = N: all placements, including
// ranks with no emotion.
void for_each_placement(int ranks, const std::function<void(const EmotionBlocks&)>& f) {
  std::vector<int> offsets(ranks + 1, 0);
  offsets[ranks] = kEmotions;
  std::function<void(int)> fill = [&](int r) {
    if (r == ranks) return f(EmotionBlocks(offsets));
    for (int o = offsets[r - 1]; o <= kEmotions; ++o) {
      offsets[r] = o;
      fill(r + 1);
    }
  };
  if (ranks == 1) return f(EmotionBlocks(offsets));
  fill(1);
}

TEST(MpiOrderedSum, TheDataIsOrderSensitive) {
  const std::vector<Tensor> parts = contributions();
  Tensor forward = local_sum(parts);
  Tensor backward = parts[3].clone();
  for (int e = 2; e >= 0; --e)
    for (int64_t i = 0; i < backward.size(); ++i) backward.data()[i] += parts[e].data()[i];
  EXPECT_FALSE(same_bytes(forward, backward));
}

TEST(MpiOrderedSum, EveryPlacementGivesTheSingleProcessBytes) {
  World& world = mpi_world();
  Group group = world.split(0);
  MpiCommunicator mpi(group);
  auto chosen = make_communicator(group, Device::Host);
  const std::vector<Tensor> parts = contributions();
  const Tensor expected = local_sum(parts);
  int placements = 0;
  for (Communicator* comm : {static_cast<Communicator*>(&mpi), chosen.get()}) {
    for_each_placement(comm->size(), [&](const EmotionBlocks& blocks) {
      std::vector<ConstMatView> mine;
      for (int e : blocks.emotions_of(comm->rank())) mine.push_back(parts[e].view());
      Tensor total(kRows, kCols);
      OrderedSum(*comm, blocks).sum(mine, total.view());
      std::string offsets;
      for (int o : blocks.offsets()) offsets += std::to_string(o) + " ";
      EXPECT_TRUE(same_bytes(total, expected)) << "block offsets " << offsets;
      ++placements;
    });
  }
  EXPECT_GT(placements, 0);
}

TEST(MpiOrderedSum, GroupsOfTwoSumIndependentlyAndMayAliasTheOutput) {
  World& world = mpi_world();
  // Groups {0,1}, {2,3}: each with the even 2 | 2 split; a lone rank (np 1) holds all four.
  Group group = world.split(world.rank() / 2);
  auto comm = make_communicator(group, Device::Host);
  const std::vector<Tensor> parts = contributions();
  OrderedSum sum(*comm, EmotionBlocks::even(kEmotions, comm->size()));
  // The first contribution is the output buffer itself, as a caller might pass it.
  std::vector<Tensor> mine_owned;
  for (int e : sum.local_emotions()) mine_owned.push_back(parts[e].clone());
  std::vector<ConstMatView> mine;
  for (const Tensor& t : mine_owned) mine.push_back(t.view());
  sum.sum(mine, mine_owned[0].view());
  EXPECT_TRUE(same_bytes(mine_owned[0], local_sum(parts)));

  // No allocation after the first call (the training step's rule).
  std::vector<Tensor> fresh;
  for (int e : sum.local_emotions()) fresh.push_back(parts[e].clone());
  mine.clear();
  for (const Tensor& t : fresh) mine.push_back(t.view());
  Tensor total(kRows, kCols);
  const int64_t before = Tensor::allocation_count();
  sum.sum(mine, total.view());
  EXPECT_EQ(Tensor::allocation_count(), before);
  EXPECT_TRUE(same_bytes(total, local_sum(parts)));
}

TEST(MpiOrderedSum, StatsRowsComeFromTheirOwners) {
  World& world = mpi_world();
  Group group = world.split(0);
  auto comm = make_communicator(group, Device::Host);
  const EmotionBlocks blocks = EmotionBlocks::even(kEmotions, comm->size());
  constexpr int kStats = 6;
  Tensor stats(kEmotions, kStats);  // zero: the seam's contract for rows of other ranks
  for (int e : blocks.emotions_of(comm->rank()))
    for (int j = 0; j < kStats; ++j) stats(e, j) = 10.0f * e + j + 0.5f;
  OrderedSum(*comm, blocks).gather_rows(stats.view());
  for (int e = 0; e < kEmotions; ++e)
    for (int j = 0; j < kStats; ++j) EXPECT_EQ(stats(e, j), 10.0f * e + j + 0.5f);
}

}  // namespace
}  // namespace emoaug::dist
