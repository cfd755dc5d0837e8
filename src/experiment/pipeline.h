// The whole experiment as tasks (DESIGN.md): the plan made from a config, the single-process run
// (GAN group tasks, then SER tasks, skipping finished ones), and the aggregation of task files into
// results.h5, summary.csv and synthetic.h5. src/app/cmd_run.cpp spreads the same tasks over MPI
// ranks.
#pragma once

#include <string>
#include <vector>

#include "experiment/context.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

struct Plan {
  std::vector<GanTask> gan;
  std::vector<SerTask> ser;
};

Plan make_plan(const config::ExperimentConfig& cfg, int num_folds);

// The part of a resolved config that defines the experiment's results: the config text with the
// settings that only change how it runs (BLAS threads, log level) set to their defaults. A run
// directory continues under a config with the same identity.
std::string experiment_identity(const std::string& config_toml);
// Prepares the run directory for cfg (config.toml written, or checked by experiment_identity).
void prepare_run_directory(const RunDirectory& dir, const config::ExperimentConfig& cfg);

// The part of `plan` that belongs to the λcls values `chosen`: their GAN groups and λ-dependent SER
// tasks, plus the `real` SER tasks when `chosen` holds the grid's first value. Running each grid
// value once (a SLURM array, one element per value) thus runs every task exactly once, all in one
// run directory. Throws naming a value that is not in cfg.gan.lambda_cls.
Plan select_lambdas(const Plan& plan, const config::ExperimentConfig& cfg,
                    const std::vector<double>& chosen);

// Loads the corpora and prepares the run directory (config.toml written or checked).
RunContext open_run(const config::ExperimentConfig& cfg);

// Runs every unfinished task in this process.
void run_all_local(const RunContext& ctx, const Plan& plan);
// One SER task with its progress line; skips it when finished.
void run_ser_logged(const RunContext& ctx, const SerTask& task, size_t index, size_t total);

// Provenance recorded with the results.
struct RunInfo {
  int ranks = 1;
  std::vector<std::string> hosts;
  std::string devices = "cpu";
  double seconds = 0;
};

// The provenance an earlier aggregation recorded in results.h5 (defaults when there is none), so
// that `emoaug aggregate` keeps it.
RunInfo read_run_info(const RunContext& ctx);

// Reads every task file of the plan and writes results.h5, summary.csv and synthetic.h5 into the
// run directory. Fails naming the first missing task when the run is incomplete.
void aggregate(const RunContext& ctx, const Plan& plan, const RunInfo& info);

// The run directory's own config, for `emoaug aggregate RUNDIR` and `emoaug report RUNDIR`.
config::ExperimentConfig load_run_config(const std::string& run_dir);

// An existing run: its config, corpora and plan.
struct ExistingRun {
  RunContext ctx;
  Plan plan;
};
ExistingRun open_existing_run(const std::string& run_dir);

}  // namespace emoaug::experiment
