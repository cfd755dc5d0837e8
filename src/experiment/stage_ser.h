// The SER stage: one classifier task (setting, the part of a study point it reads, fold or
// cross-corpus, repetition) — data assembly and z-normalisation as the paper and the authors'
// code did it, training, evaluation, and the task's result file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend/execution.h"
#include "data/h5.h"
#include "experiment/context.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

// What an SER task found, as its result file keeps it.
struct SerOutcome {
  SerTask task;
  double uar = 0.0;     // in [0, 1]
  double uar_dev = -1;  // cross-corpus: the test UAR at the dev-chosen epoch count (-1 if none)
  int dev_epochs = 0;   // that epoch count
  std::vector<double> recall;
  std::vector<int64_t> confusion;           // C x C
  std::vector<int32_t> truth, predictions;  // test rows, fixed-epoch predictions
  int epochs = 0;
  int64_t train_rows = 0;
  double seconds = 0;
};

// Runs the task under `exec` and writes its output atomically; returns what it wrote.
SerOutcome run_ser_task(const RunContext& ctx, ops::ExecutionContext& exec, const SerTask& task);

// One outcome as attributes and datasets of an HDF5 group: the task file's root, and the task's
// group in results.h5.
void write_ser_outcome(const data::h5::Group& group, const SerOutcome& outcome);
// Reading checks that the file holds `task`'s result (a path under tasks/ names it, but a file
// copied there by hand might not).
SerOutcome read_ser_outcome(const data::h5::Group& group, const SerTask& task);
SerOutcome read_ser_outcome(const std::string& path, const SerTask& task);

}  // namespace emoaug::experiment
