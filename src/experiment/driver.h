// The driver: every unfinished task of a plan, on the world's ranks. The lifecycle of a run, in
// order:
//   plan (plan.h) -> place on ranks (plan.h: place) ->
//   GAN groups in waves on rank groups, each group's emotions spread over its ranks, C's gradient
//   summed in emotion order (stage_gan.h: scale inputs, resume, train with checkpoints, write
//   outputs) -> SER tasks farmed out dynamically, longest first (stage_ser.h) ->
//   aggregate (aggregate.h) -> report (report.h).
// A task is skipped when its outputs exist (RunDirectory), so a rerun continues a stopped run.
// Results do not depend on the number of ranks: every task's randomness is its own (TaskKey), and
// the ordered sum adds in a fixed order.
#pragma once

#include "backend/execution.h"
#include "dist/world.h"
#include "experiment/context.h"
#include "experiment/plan.h"

namespace emoaug::experiment {

// Runs every unfinished task of `plan` under the rank's `exec` (its threads run a GAN group's
// emotions side by side and several SER tasks at once). Failures end the whole job within seconds
// with the task and rank named (never a hang); a stop request ends it with exit code 75 after
// checkpoints, on every rank.
void run_tasks(RunContext& ctx, const Plan& plan, dist::World& world, ops::ExecutionContext& exec);

}  // namespace emoaug::experiment
