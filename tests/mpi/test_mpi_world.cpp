// World, groups and the MPI communicator under mpirun (1, 2, 4 ranks).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "dist/communicator.h"
#include "dist/world.h"
#include "mpi/mpi_test_world.h"

namespace emoaug::dist {
namespace {

using emoaug::testing::mpi_world;

TEST(MpiWorld, RankSizeAndNodeLocalRanks) {
  World& world = mpi_world();
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_TRUE(world.uses_mpi());
  EXPECT_EQ(world.rank(), rank);
  EXPECT_EQ(world.size(), size);
  // Every test rank runs on this one machine.
  EXPECT_EQ(world.local_rank(), rank);
  EXPECT_EQ(world.local_size(), size);
#ifndef EMOAUG_HAVE_CUDA
  EXPECT_EQ(world.gpu(), -1);
#endif
  world.barrier();
}

TEST(MpiWorld, ASecondWorldAttachesAndLeavesMpiRunning) {
  int argc = 0;
  char** argv = nullptr;
  {
    World again(&argc, &argv);
    EXPECT_EQ(again.rank(), mpi_world().rank());
  }
  int finalized = 1;
  MPI_Finalized(&finalized);
  EXPECT_FALSE(finalized);
}

TEST(MpiWorld, SplitKeepsWorldOrderAndLeavesIdleRanksOut) {
  World& world = mpi_world();
  const int r = world.rank(), p = world.size();
  Group parity = world.split(r % 2);
  ASSERT_TRUE(parity.member());
  EXPECT_EQ(parity.id(), r % 2);
  EXPECT_EQ(parity.size(), (p + 1 - r % 2) / 2);
  EXPECT_EQ(parity.rank(), r / 2);

  // Rank 0 idles; the others form group 7.
  Group rest = world.split(r == 0 ? -1 : 7);
  EXPECT_EQ(rest.member(), r != 0);
  if (r != 0) {
    EXPECT_EQ(rest.size(), p - 1);
    EXPECT_EQ(rest.rank(), r - 1);
    EXPECT_TRUE(rest.uses_mpi());
  }
  Group moved = std::move(rest);  // the communicator is freed once, by its last owner
  EXPECT_FALSE(rest.member());
}

TEST(MpiCommunicator, Allgatherv) {
  World& world = mpi_world();
  Group group = world.split(0);
  EXPECT_EQ(make_communicator(group, Device::Host)->size(), world.size());
  // MPI itself even for one rank (the factory would pick the self communicator there).
  auto comm = std::make_unique<MpiCommunicator>(group);
  const int r = comm->rank(), p = comm->size();
  EXPECT_EQ(r, world.rank());
  EXPECT_EQ(p, world.size());

  // Rank q holds q + 1 floats, all equal to q.
  std::vector<int64_t> counts(p);
  int64_t total = 0, mine_at = 0;
  for (int q = 0; q < p; ++q) {
    counts[q] = q + 1;
    if (q == r) mine_at = total;
    total += counts[q];
  }
  Tensor v(1, total);
  v.fill(-1.0f);
  for (int i = 0; i < r + 1; ++i) v.data()[mine_at + i] = static_cast<float>(r);
  comm->allgatherv_inplace(v.view(), counts);
  int64_t at = 0;
  for (int q = 0; q < p; ++q)
    for (int i = 0; i < q + 1; ++i) EXPECT_EQ(v.data()[at++], static_cast<float>(q));
  comm->barrier();
}

}  // namespace
}  // namespace emoaug::dist
