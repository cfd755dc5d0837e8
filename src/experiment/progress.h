// A stage's progress for the log of a long run: one plain line at most every progress interval,
// "progress: GAN groups 3/8 done, 0.21/min, ETA 24 min". Plain lines, no carriage returns, so a
// terminal and a SLURM log read alike. The driver keeps one on rank 0 per stage; the count comes
// from the run directory, so tasks finished by another process on the same folder count too.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "experiment/context.h"

namespace emoaug::experiment {

// Seconds between two progress lines of a stage: 30, or EMOAUG_PROGRESS_INTERVAL_S (> 0; the
// pipeline tests shorten it).
double progress_interval_seconds();

// The line for `done` of `total` tasks after `seconds` of the stage, `done_at_start` of them
// finished before it began (they do not count toward the rate).
std::string progress_line(const std::string& what, size_t done, size_t total, size_t done_at_start,
                          double seconds);

class StageProgress {
 public:
  // Prints the line every `interval_s` from a thread of its own, so that a rank busy in a long
  // task or waiting in a collective still reports; nothing when every task is finished already.
  StageProgress(std::string what, size_t total, std::function<size_t()> count_done,
                double interval_s = progress_interval_seconds());
  ~StageProgress();
  StageProgress(const StageProgress&) = delete;
  StageProgress& operator=(const StageProgress&) = delete;

 private:
  void loop(double interval_s);

  std::string what_;
  size_t total_, done_at_start_;
  std::function<size_t()> count_done_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The finished tasks of `tasks`, counted in the run directory each time it is called.
template <class Task>
std::function<size_t()> finished_counter(const RunContext& ctx, const std::vector<Task>& tasks) {
  return [&ctx, &tasks] { return ctx.count_finished(tasks); };
}

}  // namespace emoaug::experiment
