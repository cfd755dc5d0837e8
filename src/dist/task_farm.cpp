#include "dist/task_farm.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "dist/check.h"

namespace emoaug::dist {
namespace {

constexpr int kTagRequest = 1;
constexpr int kTagReply = 2;
constexpr int kNoMoreTasks = -1;

std::string what_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

std::string failure_line(int rank, int task, const std::exception_ptr& error) {
  const int code = farm_exit_code(error);
  const char* kind = code == kExitPreempted    ? "preempted"
                     : code == kExitOutOfSpace ? "out of space"
                                               : "error";
  return std::string("emoaug: ") + kind + " on rank " + std::to_string(rank) + " in task " +
         std::to_string(task) + ": " + what_of(error);
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

// Up to `threads` tasks at once, each on a thread of its own, started and collected by the one
// thread that owns the slots (the main thread, the only one that calls MPI). Rank 0's coordinator
// uses them so that its main thread stays free to answer requests; the other ranks so that a rank
// of several cores runs several tasks.
class TaskSlots {
 public:
  TaskSlots(const std::function<void(int)>& run, int threads)
      : run_(run), slots_(static_cast<size_t>(threads)) {
    for (size_t i = 0; i < slots_.size(); ++i)
      slots_[i].thread = std::thread([this, i] { loop(slots_[i]); });
  }
  // Waits for the running tasks to end.
  ~TaskSlots() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (Slot& s : slots_) s.thread.join();
  }
  TaskSlots(const TaskSlots&) = delete;
  TaskSlots& operator=(const TaskSlots&) = delete;

  // Owner thread only.
  bool idle() const { return running_ < static_cast<int>(slots_.size()); }
  bool busy() const { return running_ > 0; }
  void start(int task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (Slot& s : slots_)
        if (!s.has_task && !s.running) {
          s.task = task;
          s.has_task = true;
          break;
        }
    }
    ++running_;
    wake_.notify_all();
  }
  // Waits up to `timeout` for a running task to end; true (with its id and error, if any) once
  // one has.
  bool wait_done(std::chrono::microseconds timeout, int* task, std::exception_ptr* error) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!done_cv_.wait_for(lock, timeout, [this] { return !finished_.empty(); })) return false;
    *task = finished_.front().first;
    *error = finished_.front().second;
    finished_.erase(finished_.begin());
    --running_;
    return true;
  }

 private:
  struct Slot {
    std::thread thread;
    int task = -1;
    bool has_task = false;  // given a task it has not taken yet
    bool running = false;
  };

  void loop(Slot& slot) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || slot.has_task; });
      if (stop_ && !slot.has_task) return;
      slot.has_task = false;
      slot.running = true;
      const int task = slot.task;
      lock.unlock();
      std::exception_ptr error;
      try {
        run_(task);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      slot.running = false;
      finished_.emplace_back(task, error);
      done_cv_.notify_all();
    }
  }

  const std::function<void(int)>& run_;
  std::vector<Slot> slots_;
  std::mutex mutex_;
  std::condition_variable wake_, done_cv_;
  std::vector<std::pair<int, std::exception_ptr>> finished_;  // in the order they ended
  bool stop_ = false;
  int running_ = 0;  // started and not yet collected; owner thread only
};

constexpr std::chrono::hours kForever{24 * 365};

// The error of a task in a world without MPI: the caller's own error path reports it.
[[noreturn]] void rethrow_with_context(const World& world, int task,
                                       const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const Preempted& e) {
    throw Preempted("rank " + std::to_string(world.rank()) + " in task " + std::to_string(task) +
                    ": " + e.what());
  } catch (const OutOfSpace& e) {
    throw OutOfSpace("rank " + std::to_string(world.rank()) + " in task " + std::to_string(task) +
                     ": " + e.what());
  } catch (const std::exception& e) {
    throw Error("error on rank " + std::to_string(world.rank()) + " in task " +
                std::to_string(task) + ": " + e.what());
  }
}

std::vector<int> run_alone(const World& world, const std::vector<int>& order,
                           const std::function<void(int)>& run, int threads) {
  std::vector<int> ran;
  if (threads == 1) {
    for (int task : order) {
      try {
        run(task);
      } catch (...) {
        rethrow_with_context(world, task, std::current_exception());
      }
      ran.push_back(task);
    }
    return ran;
  }
  // On a failure no new task starts; the running ones end (their outputs are whole), then the
  // first error is rethrown.
  TaskSlots slots(run, threads);
  size_t next = 0;
  int failed_task = -1;
  std::exception_ptr failure;
  while (slots.busy() || (!failure && next < order.size())) {
    while (!failure && next < order.size() && slots.idle()) {
      ran.push_back(order[next]);
      slots.start(order[next++]);
    }
    int task = -1;
    std::exception_ptr error;
    if (slots.wait_done(kForever, &task, &error) && error && !failure) {
      failure = error;
      failed_task = task;
    }
  }
  if (failure) rethrow_with_context(world, failed_task, failure);
  return ran;
}

std::vector<int> run_worker(const World& world, MPI_Comm comm, const std::function<void(int)>& run,
                            const FarmOptions& options) {
  std::vector<int> ran;
  TaskSlots slots(run, options.threads);
  bool more = true;
  while (more || slots.busy()) {
    // One request per free slot, each answered before the next is sent, so the coordinator tells
    // this rank "no more" exactly once.
    while (more && slots.idle()) {
      int request = world.rank(), task = kNoMoreTasks;
      EMOAUG_MPI_CHECK(MPI_Send(&request, 1, MPI_INT, 0, kTagRequest, comm));
      EMOAUG_MPI_CHECK(MPI_Recv(&task, 1, MPI_INT, 0, kTagReply, comm, MPI_STATUS_IGNORE));
      if (task == kNoMoreTasks) {
        more = false;
      } else {
        ran.push_back(task);
        slots.start(task);
      }
    }
    if (!slots.busy()) continue;
    int task = -1;
    std::exception_ptr error;
    if (slots.wait_done(kForever, &task, &error) && error) fail(world, task, error);
  }
  return ran;
}

// The coordinator's loop: answer requests, keep rank 0's own slots busy, until every task has
// run and every worker has been told that there is no more.
void serve(const World& world, MPI_Comm comm, const std::vector<int>& order,
           const FarmOptions& options, TaskSlots& own, std::vector<int>& ran) {
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
    while (own.idle() && next < order.size()) {
      ran.push_back(order[next]);
      own.start(order[next++]);
    }
    if (own.busy()) {
      int task = -1;
      std::exception_ptr error;
      if (own.wait_done(options.poll_interval, &task, &error) && error) fail(world, task, error);
    } else if (workers_done < workers) {
      std::this_thread::sleep_for(options.poll_interval);
    }
  }
}

std::vector<int> run_coordinator(const World& world, MPI_Comm comm, const std::vector<int>& order,
                                 const std::function<void(int)>& run, const FarmOptions& options) {
  std::vector<int> ran;
  TaskSlots own(run, options.threads);
  try {
    serve(world, comm, order, options, own, ran);
  } catch (...) {
    // Abort from here, while `own` lives: unwinding would join its threads, that is, wait for
    // rank 0's current tasks to end before the job could.
    protocol_failure(world, std::current_exception());
  }
  return ran;
}

}  // namespace

int farm_exit_code(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return exit_code_for(e);
  } catch (...) {
    return kExitError;
  }
}

std::vector<int> run_task_farm(World& world, const std::vector<int>& order,
                               const std::function<void(int task)>& run,
                               const FarmOptions& options) {
  EMOAUG_CHECK(options.threads >= 1, "the task farm needs at least one thread per rank, not ",
               options.threads);
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
  if (alone) return run_alone(world, order, run, options.threads);

  // A private communicator: the farm's messages cannot meet anybody else's.
  MPI_Comm comm = MPI_COMM_NULL;
  EMOAUG_MPI_CHECK(MPI_Comm_dup(world.comm(), &comm));
  std::vector<int> ran;
  try {
    ran = world.rank() == 0 ? run_coordinator(world, comm, order, run, options)
                            : run_worker(world, comm, run, options);
  } catch (...) {
    protocol_failure(world, std::current_exception());
  }
  EMOAUG_MPI_CHECK(MPI_Comm_free(&comm));
  log_debug("task farm: this rank ran %zu tasks", ran.size());
  return ran;
}

}  // namespace emoaug::dist
