// What every pipeline stage reads: the resolved config, the run directory and the loaded corpora.
// What a task computes on (device, threads, math) is its ops::ExecutionContext, handed down beside.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "config/config.h"
#include "experiment/corpora.h"
#include "experiment/run_dir.h"
#include "experiment/study.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

struct RunContext {
  config::ExperimentConfig cfg;  // as loaded, [sweep] included; a task reads its own (tasks.h)
  RunDirectory dir;
  Corpora corpora;
  Study study;
  bool verbose = true;  // progress lines (the driver keeps one reporter per GAN group)

  int emotions() const { return corpora.target.num_classes(); }
  bool finished(const GanTask& task) const { return dir.gan_finished(task.key(), emotions()); }
  bool finished(const SerTask& task) const { return dir.ser_finished(task.key()); }
  // How many of `tasks` are finished, counted in the run directory.
  template <class Task>
  size_t count_finished(const std::vector<Task>& tasks) const {
    size_t n = 0;
    for (const Task& t : tasks) n += finished(t) ? 1 : 0;
    return n;
  }
};

// cfg's run directory and corpora (loaded and checked; nothing is written).
RunContext load_run_context(const config::ExperimentConfig& cfg);

// The part of a resolved config that defines the experiment's results: the config text with the
// settings that only change how it runs (CPU threads, log level, checkpoints kept) set to their
// defaults. A run
// directory continues under a config with the same identity.
std::string experiment_identity(const std::string& config_toml);

// Prepares the run directory for cfg (config.toml written, or checked by experiment_identity), and,
// for a config with a [sweep], writes its study's point table: points.tsv (index, one column per
// axis) and points/<index>.toml, each point's resolved config.
void prepare_run_directory(const RunDirectory& dir, const config::ExperimentConfig& cfg);

// An existing run directory's context, for `emoaug aggregate RUNDIR` and `emoaug report RUNDIR`:
// its own config.toml (the folder may have moved since the run) and its corpora.
RunContext open_run_directory(const std::string& run_dir);

}  // namespace emoaug::experiment
