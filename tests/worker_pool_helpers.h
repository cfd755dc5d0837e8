// Sharing with an idle thread, as the last emotions' steps of a loop meet it
// (WorkerPool::share_with_idle_thread): a loop in which one thread has nothing left.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/worker_pool.h"

namespace emoaug::testing {

// Runs a loop of two iterations on `pool` (two threads): iteration 0 returns at once, so the
// thread that ran it has nothing left and lends itself; iteration 1 calls attempt() until a
// lending thread has run a half (pool.halves_shared() grows) or 10 s have passed.
template <class Attempt>
void attempt_until_shared(WorkerPool& pool, Attempt&& attempt) {
  const int64_t before = pool.halves_shared();
  pool.run(2, [&](int i) {
    if (i == 0) return;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pool.halves_shared() == before && std::chrono::steady_clock::now() < give_up) {
      attempt();
    }
  });
}

}  // namespace emoaug::testing
