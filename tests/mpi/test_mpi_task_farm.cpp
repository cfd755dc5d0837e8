// The task farm under mpirun (1, 2, 4 ranks): every task runs exactly once, with one or several
// threads per rank, each rank takes its tasks in priority order, and the farm can be entered
// again. Failures are tested by check_farm_failure.sh with farm_driver.cpp, since they end the job.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "dist/task_farm.h"
#include "mpi/mpi_test_world.h"

namespace emoaug::dist {
namespace {

using emoaug::testing::mpi_world;

// Every rank's list, concatenated in rank order, on every rank.
std::vector<int> gather_lists(const std::vector<int>& mine) {
  const int p = mpi_world().size();
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(p), displs(p);
  MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (int q = 0; q < p; ++q) {
    displs[q] = total;
    total += counts[q];
  }
  std::vector<int> all(total);
  MPI_Allgatherv(mine.data(), n, MPI_INT, all.data(), counts.data(), displs.data(), MPI_INT,
                 MPI_COMM_WORLD);
  return all;
}

// Costs that differ 50x, like SER tasks: 0.2 ms to 10 ms.
void sleepy(int task) {
  std::this_thread::sleep_for(std::chrono::microseconds(task % 5 == 0 ? 10000 : 200));
}

TEST(MpiTaskFarm, EveryTaskRunsExactlyOnceInPriorityOrderPerRank) {
  World& world = mpi_world();
  constexpr int kTasks = 60;
  std::vector<int> order;  // priorities: the costly multiples of 5 first, then the rest
  for (int t = 0; t < kTasks; t += 5) order.push_back(t);
  for (int t = 0; t < kTasks; ++t)
    if (t % 5) order.push_back(t);

  for (int threads : {1, 3}) {
    FarmOptions options;
    options.threads = threads;
    std::mutex mutex;
    std::vector<int> seen;
    std::vector<int> ran = run_task_farm(
        world, order,
        [&](int task) {
          sleepy(task);
          std::lock_guard<std::mutex> lock(mutex);
          seen.push_back(task);
        },
        options);
    std::vector<int> sorted_ran = ran, sorted_seen = seen;
    std::sort(sorted_ran.begin(), sorted_ran.end());
    std::sort(sorted_seen.begin(), sorted_seen.end());
    EXPECT_EQ(sorted_ran, sorted_seen) << threads << " thread(s)";
    if (threads == 1) {
      EXPECT_EQ(ran, seen);
    }
    // A rank receives tasks in queue order, so its list is a subsequence of the priority order.
    std::vector<size_t> positions;
    for (int t : ran) positions.push_back(std::find(order.begin(), order.end(), t) - order.begin());
    EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end())) << threads << " thread(s)";

    std::vector<int> all = gather_lists(ran);
    std::sort(all.begin(), all.end());
    std::vector<int> expected(kTasks);
    for (int t = 0; t < kTasks; ++t) expected[t] = t;
    EXPECT_EQ(all, expected) << threads << " thread(s)";
  }
}

TEST(MpiTaskFarm, CanRunAgainWithFewerTasksThanRanksOrNone) {
  World& world = mpi_world();
  std::vector<int> one = run_task_farm(world, {3}, [](int) {});
  std::vector<int> all = gather_lists(one);
  EXPECT_EQ(all, (std::vector<int>{3}));

  std::vector<int> none = run_task_farm(world, {}, [](int) {});
  EXPECT_TRUE(none.empty());

  // Only rank 0's order counts: the others may pass anything.
  std::vector<int> order = world.rank() == 0 ? std::vector<int>{9, 8, 7} : std::vector<int>{};
  all = gather_lists(run_task_farm(world, order, [](int) {}));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<int>{7, 8, 9}));
}

TEST(MpiTaskFarm, WorkersAreNotHeldUpByRankZerosLongTask) {
  World& world = mpi_world();
  if (world.size() < 2) GTEST_SKIP() << "needs a worker";
  // Rank 0's first task takes 500 ms, every other task 10 ms. If the coordinator answered only
  // between its own tasks, no worker could start a task while that long one runs; with the
  // coordinator on its own thread they run nearly all of them meanwhile. steady_clock is
  // CLOCK_MONOTONIC, one clock for all ranks on this machine.
  using Clock = std::chrono::steady_clock;
  const auto ns = [](Clock::time_point t) {
    return static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
  };
  constexpr int kTasks = 40;
  std::vector<int> order(kTasks);
  for (int t = 0; t < kTasks; ++t) order[t] = t;
  int64_t long_span[2] = {0, 0};
  std::vector<int64_t> starts;
  run_task_farm(world, order, [&](int) {
    const auto start = Clock::now();
    if (world.rank() == 0 && long_span[0] == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      long_span[0] = ns(start);
      long_span[1] = ns(Clock::now());
    } else {
      starts.push_back(ns(start));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  MPI_Bcast(long_span, 2, MPI_INT64_T, 0, MPI_COMM_WORLD);
  int during = 0;
  if (world.rank() != 0)
    for (int64_t t : starts) during += t > long_span[0] && t < long_span[1];
  int total = 0;
  MPI_Allreduce(&during, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_GE(total, kTasks / 2) << "workers started only " << total
                               << " tasks while rank 0 ran its long one";
}

}  // namespace
}  // namespace emoaug::dist
