// src/dist without MPI: a world of one, the self communicator, the ordered sum on one rank, the
// task farm alone (the layering rule is checked with the others in test_layering.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "dist/collective_wait.h"
#include "dist/communicator.h"
#include "dist/ordered_sum.h"
#include "dist/task_farm.h"
#include "dist/world.h"
#include "gan/gradient_sum.h"
#include "numeric_helpers.h"

namespace emoaug::dist {
namespace {

using emoaug::testing::random_matrix;

TEST(World, WithoutMpiIsOneRank) {
  World world{World::NoMpi{}};
  EXPECT_FALSE(world.uses_mpi());
  EXPECT_EQ(world.rank(), 0);
  EXPECT_EQ(world.size(), 1);
  EXPECT_EQ(world.local_rank(), 0);
  EXPECT_EQ(world.local_size(), 1);
  EXPECT_FALSE(world.hostname().empty());
#ifndef EMOAUG_HAVE_CUDA
  EXPECT_EQ(world.gpu(), -1);
#endif
  Group group = world.split(3);
  EXPECT_TRUE(group.member());
  EXPECT_EQ(group.id(), 3);
  EXPECT_EQ(group.size(), 1);
  EXPECT_FALSE(group.uses_mpi());
  EXPECT_FALSE(world.split(-1).member());
  auto comm = make_communicator(group, Device::Host);
  EXPECT_EQ(comm->size(), 1);
  world.barrier();
}

TEST(World, GpuIndexWrapsOverDevices) {
  EXPECT_EQ(gpu_for_local_rank(0, 0), -1);
  EXPECT_EQ(gpu_for_local_rank(5, 0), -1);
  EXPECT_EQ(gpu_for_local_rank(5, 4), 1);
  EXPECT_EQ(gpu_for_local_rank(3, 8), 3);
  EXPECT_EQ(hostname_hash("node01"), hostname_hash("node01"));
  EXPECT_NE(hostname_hash("node01"), hostname_hash("node02"));
}

TEST(SelfCommunicator, CollectivesOfOne) {
  SelfCommunicator comm;
  Tensor all = random_matrix(1, 15, 1);
  Tensor before = all.clone();
  comm.allgatherv_inplace(all.view(), {15});
  EXPECT_EQ(std::memcmp(all.data(), before.data(), all.size() * sizeof(float)), 0);
  EXPECT_THROW(comm.allgatherv_inplace(all.view(), {14}), Error);
}

TEST(OrderedSum, OneRankMatchesTheLocalGradientSumBytes) {
  constexpr int kEmotions = 4;
  std::vector<Tensor> parts;
  std::vector<ConstMatView> views;
  for (int e = 0; e < kEmotions; ++e) {
    parts.push_back(random_matrix(7, 9, 100 + e, -1e3f, 1e3f));
    views.push_back(parts.back().view());
  }
  Tensor expected(7, 9), got(7, 9);
  gan::LocalGradientSum local;
  local.sum({0, 1, 2, 3}, views, expected.view());
  SelfCommunicator comm;
  OrderedSum(comm, EmotionBlocks::even(kEmotions, 1)).sum(views, got.view());
  EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0);

  // The output may be one of the inputs, the first or a later one.
  for (int alias : {0, 2}) {
    Tensor in_place = parts[alias].clone();
    std::vector<ConstMatView> aliased = views;
    aliased[alias] = in_place.view();
    OrderedSum(comm, EmotionBlocks::even(kEmotions, 1)).sum(aliased, in_place.view());
    EXPECT_EQ(std::memcmp(in_place.data(), expected.data(), got.size() * sizeof(float)), 0)
        << "output aliasing input " << alias;
  }

  OrderedSum sum(comm, EmotionBlocks::even(kEmotions, 1));
  EXPECT_EQ(sum.local_emotions(), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_THROW(sum.sum({views[0]}, got.view()), Error);
  Tensor wrong(9, 7);
  EXPECT_THROW(sum.sum(views, wrong.view()), Error);
  EXPECT_THROW(OrderedSum(comm, EmotionBlocks::even(kEmotions, 2)), Error);
  Tensor stats(kEmotions, 3);
  sum.gather_rows(stats.view());
}

TEST(World, DefaultCpuThreadsShareTheNodeUnlessTheLauncherBoundTheRank) {
  EXPECT_EQ(default_cpu_threads("6", 2, 16, 4), 6) << "OPENBLAS/OMP_NUM_THREADS win";
  EXPECT_EQ(default_cpu_threads("0", 16, 16, 4), 4) << "a zero or junk value is ignored";
  EXPECT_EQ(default_cpu_threads("x", 16, 16, 4), 4);
  EXPECT_EQ(default_cpu_threads(nullptr, 16, 16, 4), 4) << "unbound: the node's cores / ranks";
  EXPECT_EQ(default_cpu_threads(nullptr, 16, 16, 1), 16);
  EXPECT_EQ(default_cpu_threads(nullptr, 3, 16, 4), 3) << "a CPU mask of 3 cores: all of it";
  EXPECT_EQ(default_cpu_threads(nullptr, 2, 2, 4), 1) << "more ranks than cores: one each";
  EXPECT_EQ(default_cpu_threads(nullptr, 0, 0, 1), 1);
  EXPECT_GE(default_cpu_threads(1), 1);
}

TEST(TaskFarm, AloneRunsEveryTaskInOrder) {
  World world{World::NoMpi{}};
  std::vector<int> seen;
  std::vector<int> ran = run_task_farm(world, {5, 2, 9, 0}, [&](int t) { seen.push_back(t); });
  EXPECT_EQ(seen, (std::vector<int>{5, 2, 9, 0}));
  EXPECT_EQ(ran, seen);
  EXPECT_TRUE(run_task_farm(world, {}, [](int) { FAIL(); }).empty());
}

TEST(TaskFarm, AloneReportsTheFailingTaskAndRank) {
  World world{World::NoMpi{}};
  try {
    run_task_farm(world, {1, 2, 3}, [](int t) {
      if (t == 2) throw Error("disk full");
    });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "error on rank 0 in task 2: disk full");
  }
  EXPECT_THROW(run_task_farm(world, {1}, [](int) { throw Preempted("SIGTERM"); }), Preempted);
  EXPECT_THROW(run_task_farm(world, {1, 1}, [](int) {}), Error);
  EXPECT_EQ(farm_exit_code(std::make_exception_ptr(Preempted("x"))), 75);
  EXPECT_EQ(farm_exit_code(std::make_exception_ptr(Error("x"))), 1);
}

TEST(TaskFarm, AloneWithThreadsRunsTasksAtOnceEachExactlyOnce) {
  World world{World::NoMpi{}};
  FarmOptions options;
  options.threads = 3;
  std::mutex mutex;
  std::vector<int> seen;
  std::atomic<int> running{0}, most{0};
  std::vector<int> order;
  for (int t = 0; t < 30; ++t) order.push_back(29 - t);
  std::vector<int> ran = run_task_farm(
      world, order,
      [&](int t) {
        const int now = ++running;
        for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(t % 3 == 0 ? 20 : 2));
        --running;
        std::lock_guard<std::mutex> lock(mutex);
        seen.push_back(t);
      },
      options);
  EXPECT_EQ(ran, order) << "tasks start in the given order";
  std::sort(seen.begin(), seen.end());
  std::vector<int> all(30);
  for (int t = 0; t < 30; ++t) all[t] = t;
  EXPECT_EQ(seen, all);
  EXPECT_GT(most.load(), 1) << "tasks never overlapped";
  EXPECT_LE(most.load(), 3);
}

TEST(TaskFarm, AloneWithThreadsLetsRunningTasksFinishThenReportsTheFailure) {
  World world{World::NoMpi{}};
  FarmOptions options;
  options.threads = 2;
  std::atomic<int> finished{0}, started{0};
  try {
    run_task_farm(
        world, {1, 2, 3, 4, 5, 6},
        [&](int t) {
          ++started;
          if (t == 2) throw Error("disk full");
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          ++finished;
        },
        options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "error on rank 0 in task 2: disk full");
  }
  EXPECT_EQ(finished.load(), started.load() - 1) << "a running task was cut short";
  EXPECT_LT(started.load(), 6) << "tasks kept starting after the failure";
  options.threads = 0;
  EXPECT_THROW(run_task_farm(
                   world, {1, 2}, [](int) {}, options),
               Error);
}

// ---- waiting for a collective (the NCCL communicator's wait, through its seam) -----------------

// A collective that completes after `done_after` polls (never when negative), or fails at poll
// `fail_at`; it counts polls and aborts.
class ScriptedCollective : public PendingCollective {
 public:
  ScriptedCollective(int done_after, int fail_at = -1)
      : done_after_(done_after), fail_at_(fail_at) {}
  State poll(std::string* error) override {
    ++polls;
    if (fail_at_ >= 0 && polls >= fail_at_) {
      *error = "NCCL: remote process exited or there was a network error";
      return State::Failed;
    }
    return done_after_ >= 0 && polls >= done_after_ ? State::Done : State::Running;
  }
  void abort() override { ++aborts; }
  int polls = 0;
  int aborts = 0;

 private:
  int done_after_, fail_at_;
};

TEST(CollectiveWait, ReturnsOnceTheCollectiveIsDoneWithoutAborting) {
  ScriptedCollective c(5);
  wait_for_collective(c, 10, "allgather");
  EXPECT_EQ(c.polls, 5);
  EXPECT_EQ(c.aborts, 0);
}

TEST(CollectiveWait, APeerThatNeverJoinsIsAbortedAfterTheTimeoutWithOneLine) {
  ScriptedCollective never(-1);
  const auto start = std::chrono::steady_clock::now();
  try {
    wait_for_collective(never, 0.3,
                        "NCCL allgather of 40000 floats over 2 ranks on rank 1 on n7, GPU 0");
    FAIL() << "a collective that never completes was waited for without end";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("NCCL allgather of 40000 floats over 2 ranks on rank 1 on n7, GPU 0"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("did not complete within 0.3 s"), std::string::npos) << what;
    EXPECT_NE(what.find("experiment.nccl_timeout_s"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(waited, 0.3);
  EXPECT_LT(waited, 5.0);
  EXPECT_EQ(never.aborts, 1);
}

TEST(CollectiveWait, TheTimeoutComesFromTheClockNotFromThePollCount) {
  ScriptedCollective never(-1);
  double now = 100;
  // Every look at the clock moves it 1 s on: the 10 s limit is passed at the 11th look.
  const Clock clock = [&] { return now += 1; };
  EXPECT_THROW(wait_for_collective(never, 10, "allreduce", clock), Error);
  EXPECT_EQ(never.polls, 11);
  EXPECT_EQ(never.aborts, 1);
}

TEST(CollectiveWait, AnAsynchronousErrorEndsTheWaitAtOnceAndAborts) {
  ScriptedCollective broken(-1, 3);
  try {
    wait_for_collective(broken, 0, "allreduce");  // 0: no limit, the error alone ends the wait
    FAIL() << "an asynchronous error was not reported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("remote process exited"), std::string::npos) << e.what();
  }
  EXPECT_EQ(broken.polls, 3);
  EXPECT_EQ(broken.aborts, 1);
}

// ---- ranks on one GPU ---------------------------------------------------------------------------

TEST(World, RanksOnAGpuAreCountedByUuidAcrossTheNode) {
  // Under srun --gpus-per-task every rank calls its GPU device 0: only the UUID tells them apart.
  const uint64_t n1 = hostname_hash("n1"), n2 = hostname_hash("n2");
  const uint64_t a = hostname_hash("GPU-a"), b = hostname_hash("GPU-b");
  const std::vector<GpuSeat> own_gpus = {{n1, a}, {n1, b}, {n2, a}, {n2, b}};
  for (int r = 0; r < 4; ++r) EXPECT_EQ(ranks_sharing_gpu(own_gpus, r), 1) << r;
  const std::vector<GpuSeat> shared = {{n1, a}, {n1, a}, {n1, a}, {n1, b}, {n2, a}, {n2, 0}};
  EXPECT_EQ(ranks_sharing_gpu(shared, 0), 3);
  EXPECT_EQ(ranks_sharing_gpu(shared, 3), 1);
  EXPECT_EQ(ranks_sharing_gpu(shared, 4), 1);  // the same UUID on another node: another GPU
  EXPECT_EQ(ranks_sharing_gpu(shared, 5), 0);  // no GPU
}

TEST(World, SharingAnExclusiveProcessGpuIsRefusedSayingToRunOneRankPerGpu) {
  EXPECT_EQ(gpu_sharing_error(1, true, "GPU 0"), "");
  EXPECT_EQ(gpu_sharing_error(4, false, "GPU 0"), "");
  const std::string refused = gpu_sharing_error(2, true, "GPU 0 (GPU-a) of rank 1 on n1");
  EXPECT_NE(refused.find("GPU 0 (GPU-a) of rank 1 on n1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("EXCLUSIVE_PROCESS"), std::string::npos) << refused;
  EXPECT_NE(refused.find("2 ranks"), std::string::npos) << refused;
  EXPECT_NE(refused.find("one rank per GPU"), std::string::npos) << refused;
}

}  // namespace
}  // namespace emoaug::dist
