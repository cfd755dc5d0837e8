// What a task costs, estimated from the layer sizes, epochs and data sizes before anything runs:
// its work in GFLOP (the placement's and the plan's costs), the GPU memory it takes, and what the
// run directory will hold. Only the estimates' ratios matter to the placement.
#pragma once

#include "backend/ops.h"
#include "dist/placement.h"
#include "experiment/context.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

struct Plan;

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

// What the run directory holds, estimated from the model and data sizes (docs/run-directory.md):
// at its fullest (the outputs of all tasks plus the checkpoints of the widest wave of GAN groups)
// and once the run is finished; and one emotion's checkpoint.
struct DiskEstimate {
  double checkpoint_bytes = 0;  // one emotion's networks, Adam moments, C and the loss history
  double peak_bytes = 0;
  double final_bytes = 0;
};
DiskEstimate estimate_disk(const RunContext& ctx, const Plan& plan, const dist::Placement& placed);

// "1.2 GB", "340.5 MB"
std::string human_bytes(double bytes);

}  // namespace emoaug::experiment
