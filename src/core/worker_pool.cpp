#include "core/worker_pool.h"

#include "core/error.h"

namespace emoaug {
namespace {

// The pool whose loop the calling thread is running an iteration of (share_with_idle_thread's
// pool), null outside iterations and while lending.
thread_local WorkerPool* t_iteration_of = nullptr;

class IterationOf {
 public:
  explicit IterationOf(WorkerPool* pool) : saved_(t_iteration_of) { t_iteration_of = pool; }
  ~IterationOf() { t_iteration_of = saved_; }
  IterationOf(const IterationOf&) = delete;
  IterationOf& operator=(const IterationOf&) = delete;

 private:
  WorkerPool* saved_;
};

}  // namespace

WorkerPool::WorkerPool(int threads) {
  EMOAUG_CHECK(threads >= 1, "a worker pool of ", threads, " threads");
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { worker_main(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void WorkerPool::run_erased(int count, void* fn, Call call) {
  if (count <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = fn;
    call_ = call;
    count_ = count;
    next_ = 0;
    unfinished_.store(count);
    error_ = nullptr;
    ++generation_;
  }
  if (!workers_.empty()) wake_.notify_all();
  work();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return unfinished_.load() == 0; });
    error = error_;
    error_ = nullptr;
    fn_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

void WorkerPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  const long generation = generation_;
  while (next_ < count_) {
    const int i = next_++;
    void* fn = fn_;
    const Call call = call_;
    lock.unlock();
    std::exception_ptr error;
    try {
      const IterationOf iteration(this);
      call(fn, i);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error) {
      if (!error_) error_ = error;
      unfinished_ -= count_ - next_;  // the iterations nobody took yet are given up
      next_ = count_;
    }
    if (--unfinished_ == 0) done_.notify_all();
  }
  if (workers_.empty()) return;  // no other thread to lend to
  // The loop may end, and the next one start, as soon as the lock is let go: lend only while
  // this loop runs.
  lending_.fetch_add(1);
  lock.unlock();
  lend_until_loop_done(generation);
  lending_.fetch_sub(1);
}

// Spins (yielding the core to any other runnable thread) rather than sleeps: a half is a few
// milliseconds, and a sleeping thread takes tens of microseconds to wake.
void WorkerPool::lend_until_loop_done(long generation) {
  while (unfinished_.load(std::memory_order_acquire) > 0 &&
         generation_.load(std::memory_order_acquire) == generation) {
    int offered = Offered;
    if (!offer_state_.compare_exchange_strong(offered, Taken, std::memory_order_acq_rel)) {
      std::this_thread::yield();
      continue;
    }
    try {
      offer_call_(offer_fn_, 1);
    } catch (...) {
      offer_error_ = std::current_exception();
    }
    halves_shared_.fetch_add(1, std::memory_order_relaxed);
    offer_state_.store(Done, std::memory_order_release);
  }
}

bool WorkerPool::share_erased(void* fn, Call call) {
  WorkerPool* pool = t_iteration_of;
  if (!pool || pool->lending_.load(std::memory_order_relaxed) == 0) return false;
  int empty = Empty;
  if (!pool->offer_state_.compare_exchange_strong(empty, Posting, std::memory_order_acquire))
    return false;  // another iteration's half is on offer
  pool->offer_fn_ = fn;
  pool->offer_call_ = call;
  pool->offer_error_ = nullptr;
  pool->offer_state_.store(Offered, std::memory_order_release);
  std::exception_ptr error;
  try {
    call(fn, 0);
  } catch (...) {
    error = std::current_exception();
  }
  // Not taken while half(0) ran (the lending thread has just left, or is busy with another
  // half): it runs here.
  int offered = Offered;
  if (pool->offer_state_.compare_exchange_strong(offered, Taken, std::memory_order_acq_rel)) {
    try {
      call(fn, 1);
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  } else {
    while (pool->offer_state_.load(std::memory_order_acquire) != Done) std::this_thread::yield();
    if (!error) error = pool->offer_error_;
  }
  pool->offer_error_ = nullptr;
  pool->offer_state_.store(Empty, std::memory_order_release);
  if (error) std::rethrow_exception(error);
  return true;
}

void WorkerPool::worker_main() {
  long seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    lock.unlock();
    work();
    lock.lock();
  }
}

}  // namespace emoaug
