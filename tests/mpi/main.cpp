// main of emoaug_mpi_tests, launched by mpirun with 1, 2 or 4 ranks (and once without mpirun, as
// Open MPI's singleton). Only rank 0 prints gtest's usual output; the other ranks print just their
// failures, tagged with the rank, so a failure on rank 3 is not lost and a pass is not printed 4x.
// The exit code is the worst over all ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

#include "mpi/mpi_test_world.h"

namespace emoaug::testing {
namespace {

dist::World* g_world = nullptr;

class FailuresOnly : public ::testing::EmptyTestEventListener {
 public:
  explicit FailuresOnly(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.summary());
  }

 private:
  int rank_;
};

}  // namespace

dist::World& mpi_world() {
  return *g_world;
}

}  // namespace emoaug::testing

int main(int argc, char** argv) {
  emoaug::dist::World world(&argc, &argv);
  emoaug::testing::g_world = &world;
  ::testing::InitGoogleTest(&argc, argv);
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new emoaug::testing::FailuresOnly(world.rank()));
  }
  int failed = RUN_ALL_TESTS();
  int any_failed = failed;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed;
}
