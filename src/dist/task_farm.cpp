#include "dist/task_farm.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "dist/check.h"

#ifdef EMOAUG_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace emoaug::dist {
namespace {

constexpr int kTagRequest = 1;
constexpr int kTagReply = 2;
constexpr int kNoMoreTasks = -1;
constexpr int kExitPreempted = 75;  // the app's exit code for a preempted run (app/commands.h)

std::string what_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

bool is_preempted(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const Preempted&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string failure_line(int rank, int task, const std::exception_ptr& error) {
  return std::string("emoaug: ") + (is_preempted(error) ? "preempted" : "error") + " on rank " +
         std::to_string(rank) + " in task " + std::to_string(task) + ": " + what_of(error);
}

[[noreturn]] void fail(const World& world, int task, const std::exception_ptr& error) {
  world.abort(farm_exit_code(error), failure_line(world.rank(), task, error));
}

// An MPI failure inside the farm's own protocol: the other ranks could wait forever, so end the
// job.
[[noreturn]] void protocol_failure(const World& world, const std::exception_ptr& error) {
  world.abort(1, "emoaug: error on rank " + std::to_string(world.rank()) +
                     " in the task farm: " + what_of(error));
}

// Rank 0's own tasks, one at a time on a second thread, so that the main thread stays free for MPI.
class OwnTaskThread {
 public:
  OwnTaskThread(const std::function<void(int)>& run, int gpu) : run_(run), gpu_(gpu) {
    thread_ = std::thread([this] { loop(); });
  }
  ~OwnTaskThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  bool busy() const { return busy_; }  // main thread only
  void start(int task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = task;
      has_task_ = true;
      done_ = false;
    }
    busy_ = true;
    cv_.notify_all();
  }
  // Waits up to `timeout` for the running task; true (and its error, if any) once it has ended.
  bool wait_done(std::chrono::microseconds timeout, int* task, std::exception_ptr* error) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [this] { return done_; })) return false;
    done_ = false;
    busy_ = false;
    *task = task_;
    *error = error_;
    error_ = nullptr;
    return true;
  }

 private:
  void loop() {
#ifdef EMOAUG_HAVE_CUDA
    // The current device is per thread: this one must use the rank's GPU too.
    if (gpu_ >= 0) cudaSetDevice(gpu_);
#endif
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || has_task_; });
      if (stop_) return;
      has_task_ = false;
      const int task = task_;
      lock.unlock();
      std::exception_ptr error;
      try {
        run_(task);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      error_ = error;
      done_ = true;
      cv_.notify_all();
    }
  }

  const std::function<void(int)>& run_;
  int gpu_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int task_ = -1;
  bool has_task_ = false;
  bool done_ = false;
  bool stop_ = false;
  bool busy_ = false;
  std::exception_ptr error_;
};

std::vector<int> run_alone(const World& world, const std::vector<int>& order,
                           const std::function<void(int)>& run) {
  std::vector<int> ran;
  for (int task : order) {
    try {
      run(task);
    } catch (const Preempted& e) {
      throw Preempted("rank " + std::to_string(world.rank()) + " in task " + std::to_string(task) +
                      ": " + e.what());
    } catch (const std::exception& e) {
      throw Error("error on rank " + std::to_string(world.rank()) + " in task " +
                  std::to_string(task) + ": " + e.what());
    }
    ran.push_back(task);
  }
  return ran;
}

std::vector<int> run_worker(const World& world, MPI_Comm comm,
                            const std::function<void(int)>& run) {
  std::vector<int> ran;
  for (;;) {
    int request = world.rank(), task = kNoMoreTasks;
    EMOAUG_MPI_CHECK(MPI_Send(&request, 1, MPI_INT, 0, kTagRequest, comm));
    EMOAUG_MPI_CHECK(MPI_Recv(&task, 1, MPI_INT, 0, kTagReply, comm, MPI_STATUS_IGNORE));
    if (task == kNoMoreTasks) return ran;
    try {
      run(task);
    } catch (...) {
      fail(world, task, std::current_exception());
    }
    ran.push_back(task);
  }
}

// The coordinator's loop: answer requests, keep rank 0's own thread busy, until every task has
// run and every worker has been told that there is no more.
void serve(const World& world, MPI_Comm comm, const std::vector<int>& order,
           const FarmOptions& options, OwnTaskThread& own, std::vector<int>& ran) {
  size_t next = 0;
  int workers_done = 0;
  const int workers = world.size() - 1;
  // Requests first, then rank 0's own next task: a waiting worker is never kept waiting for it.
  while (workers_done < workers || next < order.size() || own.busy()) {
    for (;;) {
      int pending = 0;
      MPI_Status status;
      EMOAUG_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, comm, &pending, &status));
      if (!pending) break;
      int request = 0;
      EMOAUG_MPI_CHECK(
          MPI_Recv(&request, 1, MPI_INT, status.MPI_SOURCE, kTagRequest, comm, MPI_STATUS_IGNORE));
      const int reply = next < order.size() ? order[next++] : kNoMoreTasks;
      if (reply == kNoMoreTasks) ++workers_done;
      EMOAUG_MPI_CHECK(MPI_Send(&reply, 1, MPI_INT, status.MPI_SOURCE, kTagReply, comm));
    }
    if (!own.busy() && next < order.size()) own.start(order[next++]);
    if (own.busy()) {
      int task = -1;
      std::exception_ptr error;
      if (own.wait_done(options.poll_interval, &task, &error)) {
        if (error) fail(world, task, error);
        ran.push_back(task);
      }
    } else if (workers_done < workers) {
      std::this_thread::sleep_for(options.poll_interval);
    }
  }
}

std::vector<int> run_coordinator(const World& world, MPI_Comm comm, const std::vector<int>& order,
                                 const std::function<void(int)>& run, const FarmOptions& options) {
  std::vector<int> ran;
  OwnTaskThread own(run, world.gpu());
  try {
    serve(world, comm, order, options, own, ran);
  } catch (...) {
    // Abort from here, while `own` lives: unwinding would join its thread, that is, wait for rank
    // 0's current task to end before the job could.
    protocol_failure(world, std::current_exception());
  }
  return ran;
}

}  // namespace

int farm_exit_code(const std::exception_ptr& error) {
  return is_preempted(error) ? kExitPreempted : 1;
}

std::vector<int> run_task_farm(World& world, const std::vector<int>& order,
                               const std::function<void(int task)>& run,
                               const FarmOptions& options) {
  const bool alone = !world.uses_mpi() || world.size() == 1;
  if (world.rank() == 0) {
    // Only rank 0 reads the order, so only it can find it wrong; the workers are already on their
    // way into the farm and would wait for it forever if it merely threw.
    std::string problem;
    std::set<int> seen;
    for (int task : order) {
      if (task < 0) problem = "task ids must be >= 0, not " + std::to_string(task);
      if (!seen.insert(task).second)
        problem = "task " + std::to_string(task) + " appears twice in the farm's order";
    }
    if (!problem.empty()) {
      if (alone) EMOAUG_FAIL(problem);
      world.abort(1, "emoaug: error on rank 0 in the task farm: " + problem);
    }
  }
  if (alone) return run_alone(world, order, run);

  // A private communicator: the farm's messages cannot meet anybody else's.
  MPI_Comm comm = MPI_COMM_NULL;
  EMOAUG_MPI_CHECK(MPI_Comm_dup(world.comm(), &comm));
  std::vector<int> ran;
  try {
    ran = world.rank() == 0 ? run_coordinator(world, comm, order, run, options)
                            : run_worker(world, comm, run);
  } catch (...) {
    protocol_failure(world, std::current_exception());
  }
  EMOAUG_MPI_CHECK(MPI_Comm_free(&comm));
  log_debug("task farm: this rank ran %zu tasks", ran.size());
  return ran;
}

}  // namespace emoaug::dist
