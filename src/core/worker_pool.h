// WorkerPool: a few threads for loops whose iterations are independent pieces of work, each of
// which computes the same bytes whichever thread runs it (one emotion's CycleGAN steps). The
// calling thread works too. Between loops the other threads sleep on a condition variable rather
// than spin: the loops are long (tens of milliseconds), and the machine may be shared.
//
// Within a loop, a thread that finds no iteration left to take waits for the others by lending
// itself: a running iteration may hand it half of a piece of its work (share_with_idle_thread;
// the CPU backend's gemm hands over half of C's columns, its Adam update half of the parameters).
// Four emotions on two threads otherwise leave one thread waiting for the other's last piece,
// 3-4 % of the threads' time on a shared 2-core host.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace emoaug {

class WorkerPool {
 public:
  // `threads` counts the caller: a pool of 1 starts no thread and runs loops inline.
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(i) once for every i in [0, count), spread over the threads (each takes the next
  // undone i), and returns when all are done. If some fn throws, the remaining iterations are
  // skipped and the first exception is rethrown here. Not reentrant: fn must not call run.
  template <class F>
  void run(int count, F&& fn) {
    auto call = [](void* f, int i) { (*static_cast<std::remove_reference_t<F>*>(f))(i); };
    run_erased(count, const_cast<void*>(static_cast<const void*>(&fn)), call);
  }

  // From inside an iteration of run(): when another thread of the pool has no iteration left to
  // take, it calls half(1) while the calling thread calls half(0), and this returns true once
  // both have returned (rethrowing the first exception either threw); otherwise it calls nothing
  // and returns false. half(1) runs without the caller's thread-locals (its execution context);
  // it must not share again. Outside a loop, or on a pool of one thread, it returns false.
  template <class F>
  static bool share_with_idle_thread(F&& half) {
    auto call = [](void* f, int i) { (*static_cast<std::remove_reference_t<F>*>(f))(i); };
    return share_erased(const_cast<void*>(static_cast<const void*>(&half)), call);
  }

  // How many halves threads with no iteration left to take have run since the pool started.
  int64_t halves_shared() const { return halves_shared_.load(std::memory_order_relaxed); }

 private:
  using Call = void (*)(void*, int);
  void run_erased(int count, void* fn, Call call);
  static bool share_erased(void* fn, Call call);
  void work();  // pulls iterations of the current loop until none is left, then lends itself
  void lend_until_loop_done(long generation);
  void worker_main();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  // The current loop, guarded by mutex_.
  void* fn_ = nullptr;
  Call call_ = nullptr;
  int count_ = 0;
  int next_ = 0;
  // Iterations taken but not yet finished, plus those not yet taken.
  std::atomic<int> unfinished_{0};
  std::atomic<long> generation_{0};  // loops started (also read without mutex_ by lending threads)
  bool stop_ = false;
  std::exception_ptr error_;

  // The half on offer to lending threads: Empty -> Posting (its poster fills it in) -> Offered ->
  // Taken by a lending thread -> Done -> Empty, or Offered -> Taken back by the poster -> Empty.
  enum OfferState : int { Empty, Posting, Offered, Taken, Done };
  std::atomic<int> offer_state_{Empty};
  std::atomic<int> lending_{0};  // threads of the current loop with no iteration left to take
  void* offer_fn_ = nullptr;
  Call offer_call_ = nullptr;
  std::exception_ptr offer_error_;
  std::atomic<int64_t> halves_shared_{0};
};

}  // namespace emoaug
