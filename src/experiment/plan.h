// What an experiment runs and where: the plan of tasks made from a config (docs/architecture.md,
// "Work as tasks"), the part of it that belongs to some λcls values, the estimated cost of each
// task, and their placement on ranks.
#pragma once

#include <string>
#include <vector>

#include "backend/ops.h"
#include "dist/placement.h"
#include "experiment/context.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

struct Plan {
  std::vector<GanTask> gan;
  std::vector<SerTask> ser;
};

Plan make_plan(const config::ExperimentConfig& cfg, int num_folds);

// The keys of the plan's tasks, GAN tasks first (the plan record, experiment/records.h).
std::vector<TaskKey> task_keys(const Plan& plan);

// The part of `plan` that belongs to the λcls values `chosen`: their GAN groups and λ-dependent SER
// tasks, plus the `real` SER tasks when `chosen` holds the grid's first value. Running each grid
// value once (a SLURM array, one element per value) thus runs every task exactly once, all in one
// run directory. Throws naming a value that is not in cfg.gan.lambda_cls.
Plan select_lambdas(const Plan& plan, const config::ExperimentConfig& cfg,
                    const std::vector<double>& chosen);

// Estimated work of a task in GFLOP, from the layer sizes, epochs and data sizes; their ratios
// drive the placement and the farm's order.
double estimate_gan_gflop(const RunContext& ctx, const GanTask& task);
double estimate_ser_gflop(const RunContext& ctx, const SerTask& task);

// GPU memory a task takes, about, when it runs on a GPU: its networks with gradients and Adam
// moments, its data (uploaded once) and the largest activations; a GAN task's for the given
// number of local emotions.
double estimate_gpu_bytes(const RunContext& ctx, const GanTask& task, int local_emotions);
double estimate_gpu_bytes(const RunContext& ctx, const SerTask& task);
// The GPU memory one task may count on when `tasks_at_once` tasks (over all ranks on the GPU) run
// there together: its even share of the whole GPU, and never more than is free now (the others
// may not have allocated yet, or already have).
double gpu_task_budget(const ops::GpuInfo& gpu, int tasks_at_once);
// Fails naming the task, what it needs and what the calling thread's GPU has, when it cannot fit
// in its budget.
void check_gpu_memory(const TaskKey& task, double bytes, int tasks_at_once);

// Sustained GFLOP/s of one rank that turns the estimates into seconds: the training step of
// bench/bench_mlp_step on this project's 2-core machine (docs/benchmarks.md). Only ratios matter
// for the placement; `emoaug plan --gflops` calibrates the seconds for another machine.
constexpr double kDefaultGflopsPerRank = 30.0;

// The placement of `plan`'s unfinished tasks (all of them with include_finished) on `ranks` ranks;
// task ids index plan.gan / plan.ser; costs in seconds at gflops_per_rank.
dist::Placement place(const RunContext& ctx, const Plan& plan, int ranks,
                      bool include_finished = false,
                      double gflops_per_rank = kDefaultGflopsPerRank);

// An existing run directory (open_run_directory) and the plan of its config.
struct ExistingRun {
  RunContext ctx;
  Plan plan;
};
ExistingRun open_existing_run(const std::string& run_dir);

// What the run directory holds, estimated from the model and data sizes (docs/run-directory.md):
// at its fullest (the outputs of all tasks plus the checkpoints of the widest wave of GAN groups)
// and once the run is finished; and one emotion's checkpoint.
struct DiskEstimate {
  double checkpoint_bytes = 0;  // one emotion's networks, Adam moments, C and the loss history
  double peak_bytes = 0;
  double final_bytes = 0;
};
DiskEstimate estimate_disk(const RunContext& ctx, const Plan& plan, const dist::Placement& placed);

// `emoaug plan`: which rank runs what, in which wave, with estimated costs.
std::string describe_placement(const RunContext& ctx, const Plan& plan,
                               const dist::Placement& placed,
                               double gflops_per_rank = kDefaultGflopsPerRank);

}  // namespace emoaug::experiment
