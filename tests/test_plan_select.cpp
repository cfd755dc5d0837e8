// emoaug run --lambda-cls: the parts of a plan, one per λcls value, together run every task exactly
// once, so that a SLURM array can share one run directory (docs/slurm.md).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"
#include "config_test_util.h"
#include "core/error.h"
#include "experiment/plan.h"

using namespace emoaug;
using namespace emoaug::experiment;

namespace {

config::ExperimentConfig grid_config(std::vector<double> grid, bool cross, bool per_fold) {
  config::ExperimentConfig cfg;
  cfg.gan.lambda_cls = std::move(grid);
  cfg.ser.cross_corpus = cross;
  cfg.gan.per_fold = per_fold;
  cfg.ser.repetitions = 2;
  return cfg;
}

std::map<std::string, int> count_names(const Plan& p, std::map<std::string, int> seen = {}) {
  for (const GanTask& t : p.gan) ++seen[t.key().name()];
  for (const SerTask& t : p.ser) ++seen[t.key().name()];
  return seen;
}

}  // namespace

TEST(PlanSelect, PartsCoverThePlanExactlyOnce) {
  for (bool cross : {false, true})
    for (bool per_fold : {false, true}) {
      const config::ExperimentConfig cfg = grid_config({2.0, 0.0, 0.5}, cross, per_fold);
      const Plan full = make_plan(cfg, 5);
      std::map<std::string, int> seen;
      for (double lambda : cfg.gan.lambda_cls)
        seen = count_names(select_lambdas(full, cfg, {lambda}), seen);
      EXPECT_EQ(seen, count_names(full)) << "cross " << cross << " per_fold " << per_fold;
      for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
    }
}

TEST(PlanSelect, RealTasksGoWithTheGridsFirstValue) {
  const config::ExperimentConfig cfg = grid_config({2.0, 0.0}, true, true);
  const Plan full = make_plan(cfg, 4);
  const Plan first = select_lambdas(full, cfg, {2.0}), second = select_lambdas(full, cfg, {0.0});
  size_t real_first = 0, real_second = 0;
  for (const SerTask& t : first.ser) real_first += t.setting == Setting::Real;
  for (const SerTask& t : second.ser) real_second += t.setting == Setting::Real;
  EXPECT_EQ(real_first, (4u + 1u) * 2u);  // 4 folds and the cross-corpus test, 2 repetitions
  EXPECT_EQ(real_second, 0u);
  for (const GanTask& t : second.gan) EXPECT_EQ(t.lambda_cls, 0.0);
  for (const SerTask& t : second.ser) EXPECT_EQ(t.lambda_cls, 0.0);
  // Several values at once are one part.
  EXPECT_EQ(count_names(select_lambdas(full, cfg, {0.0, 2.0})), count_names(full));
}

TEST(PlanSelect, ValueOutsideTheGridIsAnError) {
  const config::ExperimentConfig cfg = grid_config({0.0, 2.0}, false, true);
  const Plan full = make_plan(cfg, 3);
  try {
    select_lambdas(full, cfg, {2.5});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "λcls 2.5 is not in gan.lambda_cls = [0, 2]");
  }
  // Exact values only: 2 and 2.0000000001 are different sweeps.
  EXPECT_THROW(select_lambdas(full, cfg, {2.0000000001}), Error);
}

// The memory a GPU task may count on leaves the GPU's other tasks their part, whether or not they
// have allocated yet.
TEST(GpuMemory, ATaskBudgetIsItsShareOfTheGpuAndNeverMoreThanIsFree) {
  ops::GpuInfo gpu;
  gpu.total_bytes = size_t{80} << 30;
  gpu.free_bytes = size_t{79} << 30;
  const double gib = double(size_t{1} << 30);
  // Alone: what is free.
  EXPECT_DOUBLE_EQ(gpu_task_budget(gpu, 1), 79 * gib);
  // Four ranks on one GPU, none has allocated yet: a quarter of 95 % of the GPU each.
  EXPECT_DOUBLE_EQ(gpu_task_budget(gpu, 4), 0.95 * 80 * gib / 4);
  // The others already took most of it: what is left.
  gpu.free_bytes = size_t{10} << 30;
  EXPECT_DOUBLE_EQ(gpu_task_budget(gpu, 4), 10 * gib);
  EXPECT_DOUBLE_EQ(gpu_task_budget(gpu, 0), 10 * gib);
}
