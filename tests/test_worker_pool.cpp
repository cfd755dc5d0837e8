// WorkerPool: every iteration runs once, on whichever thread, and a thrown exception reaches the
// caller after the loop has stopped; a thread with no iteration left runs halves the last ones
// share with it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/worker_pool.h"
#include "worker_pool_helpers.h"

using emoaug::WorkerPool;

TEST(WorkerPool, RunsEveryIterationOnceOverManyLoops) {
  for (int threads : {1, 2, 4}) {
    WorkerPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (int loop = 0; loop < 50; ++loop) {
      const int count = loop % 7;
      std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
      pool.run(count, [&](int i) { hits[i].fetch_add(1); });
      for (int i = 0; i < count; ++i) EXPECT_EQ(hits[i].load(), 1) << "iteration " << i;
    }
  }
}

TEST(WorkerPool, AnExceptionReachesTheCallerAndThePoolGoesOn) {
  WorkerPool pool(2);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.run(16,
                        [&](int i) {
                          ran.fetch_add(1);
                          if (i == 3) throw std::runtime_error("iteration 3");
                        }),
               std::runtime_error);
  EXPECT_LE(ran.load(), 16);
  std::atomic<int> after{0};
  pool.run(5, [&](int) { after.fetch_add(1); });
  EXPECT_EQ(after.load(), 5);
}

namespace {

// Waits for `flag` (at most 10 s: a test that fails should not hang).
void wait_until_true(const std::atomic<bool>& flag) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!flag.load() && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
}

// share_with_idle_thread(half) in the last iteration of a loop until an idle thread took a half
// (attempt_until_shared). Returns whether one did.
template <class Half>
bool share_in_the_last_iteration(WorkerPool& pool, Half&& half) {
  bool shared = false;
  emoaug::testing::attempt_until_shared(
      pool, [&] { shared = WorkerPool::share_with_idle_thread(half) || shared; });
  return shared && pool.halves_shared() > 0;
}

}  // namespace

TEST(WorkerPool, TheLastIterationSharesHalvesWithTheIdleThread) {
  WorkerPool pool(2);
  std::atomic<int> calls[2] = {{0}, {0}};
  std::atomic<bool> started{false};
  std::thread::id threads[2];
  const bool shared = share_in_the_last_iteration(pool, [&](int half) {
    ASSERT_TRUE(half == 0 || half == 1);
    calls[half].fetch_add(1);
    threads[half] = std::this_thread::get_id();
    if (half == 1) started = true;
    if (half == 0)
      wait_until_true(started);  // so that the idle thread, not the caller, runs half(1)
    // Sharing does not nest: the half on offer is this one.
    EXPECT_FALSE(WorkerPool::share_with_idle_thread([](int) { FAIL() << "nested half"; }));
  });
  ASSERT_TRUE(shared);
  EXPECT_EQ(pool.halves_shared(), 1);
  EXPECT_EQ(calls[0].load(), calls[1].load());
  EXPECT_NE(threads[0], threads[1]);
}

TEST(WorkerPool, NothingIsSharedOutsideALoopOrOnOneThread) {
  int calls = 0;
  auto half = [&](int) { ++calls; };
  EXPECT_FALSE(WorkerPool::share_with_idle_thread(half));
  WorkerPool alone(1);
  alone.run(3, [&](int) { EXPECT_FALSE(WorkerPool::share_with_idle_thread(half)); });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(alone.halves_shared(), 0);
}

TEST(WorkerPool, AnExceptionInTheIdleThreadsHalfReachesTheCaller) {
  WorkerPool pool(2);
  std::atomic<bool> started{false};
  auto half = [&](int h) {
    if (h == 1) {
      started = true;
      throw std::runtime_error("half 1");
    }
    wait_until_true(started);  // so that the idle thread, not the caller, runs half(1)
  };
  EXPECT_THROW(share_in_the_last_iteration(pool, half), std::runtime_error);
  EXPECT_EQ(pool.halves_shared(), 1);
  std::atomic<int> after{0};
  pool.run(5, [&](int) { after.fetch_add(1); });
  EXPECT_EQ(after.load(), 5);
}
