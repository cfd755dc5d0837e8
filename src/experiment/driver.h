// The distributed run: the same tasks as run_all_local, spread over MPI ranks. GAN groups run in
// waves on rank groups (MPI_Comm_split), each group's emotions spread over its ranks with C's
// gradient summed in emotion order; then SER tasks are farmed out dynamically, longest first.
// Results do not depend on the number of ranks (every task's randomness is its own, and the
// ordered sum adds in a fixed order).
#pragma once

#include <string>

#include "dist/placement.h"
#include "dist/world.h"
#include "experiment/context.h"
#include "experiment/pipeline.h"

namespace emoaug::experiment {

// Estimated work of a task in GFLOP, from the layer sizes, epochs and data sizes; their ratios
// drive the placement and the farm's order.
double estimate_gan_gflop(const RunContext& ctx, const GanTask& task);
double estimate_ser_gflop(const RunContext& ctx, const SerTask& task);

// Sustained GFLOP/s of one rank that turns the estimates into seconds: the training step of
// bench/bench_mlp_step on this project's 2-core machine (docs/benchmarks.md). Only ratios matter
// for the placement; `emoaug plan --gflops` calibrates the seconds for another machine.
constexpr double kDefaultGflopsPerRank = 30.0;

// The placement of `plan`'s unfinished tasks (all of them with include_finished) on `ranks` ranks;
// task ids index plan.gan / plan.ser; costs in seconds at gflops_per_rank.
dist::Plan place(const RunContext& ctx, const Plan& plan, int ranks, bool include_finished = false,
                 double gflops_per_rank = kDefaultGflopsPerRank);

// `emoaug plan`: which rank runs what, in which wave, with estimated costs.
std::string describe_placement(const RunContext& ctx, const Plan& plan, const dist::Plan& placed,
                               double gflops_per_rank = kDefaultGflopsPerRank);

// Runs every unfinished task on the world's ranks. Failures end the whole job within seconds with
// the task and rank named (never a hang); a stop request ends it with exit code 75 after
// checkpoints, on every rank.
void run_all_distributed(RunContext& ctx, const Plan& plan, dist::World& world);

}  // namespace emoaug::experiment
