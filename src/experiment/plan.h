// What an experiment runs and where: the plan of tasks made from a study (docs/architecture.md,
// "Work as tasks"), its parts for the elements of a SLURM array, and the placement of its tasks on
// ranks (at the costs of experiment/estimates.h).
#pragma once

#include <string>
#include <vector>

#include "dist/placement.h"
#include "experiment/context.h"
#include "experiment/estimates.h"
#include "experiment/study.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

struct Plan {
  std::vector<GanTask> gan;  // each task once, however many points need it
  std::vector<SerTask> ser;
  // The tasks each point of the study needs (indices into gan / ser), in the plan's order.
  std::vector<std::vector<int>> point_gan, point_ser;
};

// Every point's tasks, each task once: points that read a task alike share it (study.h).
Plan make_plan(const Study& study, int num_folds);

// The keys of the plan's tasks, GAN tasks first (the plan record, experiment/records.h).
std::vector<TaskKey> task_keys(const Plan& plan);

// How many parts `emoaug run --part I/N` may cut the plan into: one per GAN group (at least one).
int plan_parts(const Plan& plan);
// Part `part` of `parts` (parts <= plan_parts): every parts-th GAN group from the part-th, the SER
// tasks that read their synthetic data, and every parts-th of the SER tasks on real data alone.
// Running each part once (a SLURM array, one element per part) runs every task exactly once, all
// in one run directory. Throws for a part outside [0, parts).
Plan select_part(const Plan& plan, int part, int parts);

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

// `emoaug plan` of a study with several points: each point's values, its GAN groups and SER tasks
// (how many of them it shares with other points) and its estimated cost at gflops_per_rank ("" for
// one point).
std::string describe_study(const RunContext& ctx, const Plan& plan,
                           double gflops_per_rank = kDefaultGflopsPerRank);

// `emoaug plan`: which rank runs what, in which wave, with estimated costs.
std::string describe_placement(const RunContext& ctx, const Plan& plan,
                               const dist::Placement& placed,
                               double gflops_per_rank = kDefaultGflopsPerRank);

}  // namespace emoaug::experiment
