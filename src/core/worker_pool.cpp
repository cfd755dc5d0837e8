#include "core/worker_pool.h"

#include "core/error.h"

namespace emoaug {

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
    unfinished_ = count;
    error_ = nullptr;
    ++generation_;
  }
  if (!workers_.empty()) wake_.notify_all();
  work();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return unfinished_ == 0; });
    error = error_;
    error_ = nullptr;
    fn_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

void WorkerPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (next_ < count_) {
    const int i = next_++;
    void* fn = fn_;
    const Call call = call_;
    lock.unlock();
    std::exception_ptr error;
    try {
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
