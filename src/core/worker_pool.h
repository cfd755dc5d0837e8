// WorkerPool: a few threads for loops whose iterations are independent pieces of work, each of
// which computes the same bytes whichever thread runs it (one emotion's CycleGAN steps). The
// calling thread works too. Between loops the other threads sleep on a condition variable rather
// than spin: the loops are long (tens of milliseconds), and the machine may be shared.
#pragma once

#include <condition_variable>
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

 private:
  using Call = void (*)(void*, int);
  void run_erased(int count, void* fn, Call call);
  void work();  // pulls iterations of the current loop until none is left
  void worker_main();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  // The current loop, guarded by mutex_.
  void* fn_ = nullptr;
  Call call_ = nullptr;
  int count_ = 0;
  int next_ = 0;
  int unfinished_ = 0;  // iterations taken but not yet finished, plus those not yet taken
  long generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace emoaug
