// WorkerPool: every iteration runs once, on whichever thread, and a thrown exception reaches the
// caller after the loop has stopped.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/worker_pool.h"

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
