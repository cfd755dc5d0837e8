// The SER stage: one classifier task (setting, λcls, fold or cross-corpus, repetition) — data
// assembly and z-normalisation as the paper and the authors' code did it, training, evaluation,
// and the task's result file.
#pragma once

#include <string>

#include "backend/execution.h"
#include "data/h5.h"
#include "experiment/aggregate.h"
#include "experiment/context.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

// Runs the task under `exec` and writes its output atomically; returns what it wrote.
SerOutcome run_ser_task(const RunContext& ctx, ops::ExecutionContext& exec, const SerTask& task);

// One outcome as attributes and datasets of an HDF5 group: the task file's root, and the task's
// group in results.h5.
void write_ser_outcome(const data::h5::Group& group, const SerOutcome& outcome);
SerOutcome read_ser_outcome(const data::h5::Group& group);
SerOutcome read_ser_outcome(const std::string& path);

// The classifier options of a setting under a protocol.
const ser::ClassifierOptions& classifier_options(const config::ExperimentConfig& cfg,
                                                 const SerTask& task);

}  // namespace emoaug::experiment
