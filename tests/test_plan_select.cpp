// Studies and their plans: points over any config key (grid, zip), each task once however many
// points need it, the parts of `emoaug run --part I/N` that together run every task exactly once
// (a SLURM array shares one run directory; docs/slurm.md), and the errors a sweep can give.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

#include "config/config.h"
#include "config_test_util.h"
#include "core/error.h"
#include "experiment/plan.h"
#include "experiment/study.h"

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

// A config text with these sweep arguments, resolved.
config::ExperimentConfig swept(const config::SweepArguments& sweep,
                               const std::string& text = "[ser]\nrepetitions = 2\n") {
  return config::parse_config(text, "x.toml", "/base", {}, sweep);
}

std::map<std::string, int> count_names(const Plan& p, std::map<std::string, int> seen = {}) {
  for (const GanTask& t : p.gan) ++seen[t.key().name()];
  for (const SerTask& t : p.ser) ++seen[t.key().name()];
  return seen;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(PlanParts, PartsCoverThePlanExactlyOnce) {
  for (bool cross : {false, true})
    for (bool per_fold : {false, true}) {
      const Plan full = make_plan(make_study(grid_config({2.0, 0.0, 0.5}, cross, per_fold)), 5);
      ASSERT_EQ(plan_parts(full), static_cast<int>(full.gan.size()));
      for (int parts : {1, 2, plan_parts(full)}) {
        std::map<std::string, int> seen;
        for (int i = 0; i < parts; ++i) seen = count_names(select_part(full, i, parts), seen);
        EXPECT_EQ(seen, count_names(full)) << parts << " parts, cross " << cross;
        for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
      }
      // A part runs the SER tasks of its GAN groups' synthetic data, and no others.
      const Plan part = select_part(full, 0, plan_parts(full));
      ASSERT_EQ(part.gan.size(), 1u);
      for (const SerTask& t : part.ser) {
        if (t.setting != Setting::Real) {
          EXPECT_EQ(t.source_gan().key().name(), part.gan[0].key().name());
        }
      }
    }
}

TEST(PlanParts, APartOutsideThePlanIsAnError) {
  const Plan full = make_plan(make_study(grid_config({0.0, 2.0}, false, true)), 3);
  EXPECT_CONTAINS(error_of([&] { select_part(full, 6, 6); }),
                  "--part 6/6: the plan has 6 part(s) (one per GAN group)");
  EXPECT_THROW(select_part(full, 0, 7), Error);
  EXPECT_THROW(select_part(full, -1, 2), Error);
}

// Points that differ only in a ser key share their GAN groups; points that differ only in a gan
// key share the real classifiers.
TEST(Study, PointsShareEveryTaskTheyReadAlike) {
  const config::ExperimentConfig cfg =
      swept({{"ser.real.epochs=20,40", "gan.lambda_cls=0,2", "gan.epochs=3,4"}, {}, {}});
  const Study study = make_study(cfg);
  ASSERT_EQ(study.points.size(), 8u);
  ASSERT_EQ(study.axes.size(), 3u);
  EXPECT_EQ(study.axes[0].key, "gan.epochs") << "axes sorted by key";
  EXPECT_EQ(study.describe(5), "gan.epochs=4, gan.lambda_cls=0, ser.real.epochs=40");
  EXPECT_EQ(study.points[5].cfg->ser.real.epochs, 40);
  EXPECT_EQ(study.points[5].cfg->gan.options.epochs, 4);
  EXPECT_EQ(study.points[5].cfg->gan.lambda_cls, std::vector<double>{0.0});
  const Plan plan = make_plan(study, 3);
  // GAN groups: 2 epochs x 2 λcls x 3 folds, whatever ser.real.epochs is.
  EXPECT_EQ(plan.gan.size(), 12u);
  size_t real = 0, syn = 0;
  for (const SerTask& t : plan.ser) (t.setting == Setting::Real ? real : syn) += 1;
  EXPECT_EQ(real, 2u * 3 * 2) << "real reads ser.real.epochs only: 2 values x 3 folds x 2 reps";
  EXPECT_EQ(syn, 2u * 4 * 3 * 2) << "syn and real+syn read the gan keys: 4 GAN parts";
  EXPECT_EQ(count_names(plan).size(), plan.gan.size() + plan.ser.size()) << "each task once";
  for (const std::vector<int>& ids : plan.point_gan) EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(plan.gan[0].key().name(), "gan/gan.epochs=3/lcls=0/fold=0");
  for (const SerTask& t : plan.ser) {
    if (t.setting == Setting::Real) {
      EXPECT_EQ(t.key().path.find("gan."), std::string::npos) << t.key().name();
    }
  }
}

// With λcls alone (every config before sweeps), the study's tasks are the ones runs always had.
TEST(Study, LambdaAloneKeepsTheKeysRunsAlwaysHad) {
  const Plan plan = make_plan(make_study(grid_config({0.0, 2.0}, true, true)), 2);
  std::vector<std::string> names;
  for (const GanTask& t : plan.gan) names.push_back(t.key().name());
  EXPECT_EQ(names,
            (std::vector<std::string>{"gan/lcls=0/fold=0", "gan/lcls=0/fold=1", "gan/lcls=0/all",
                                      "gan/lcls=2/fold=0", "gan/lcls=2/fold=1", "gan/lcls=2/all"}));
  EXPECT_EQ(plan.ser.front().key().name(), "ser/within/real/fold=0/rep=0");
  EXPECT_EQ(plan.ser.back().key().name(), "ser/cross/real+syn/lcls=2/all/rep=1");
}

TEST(Study, ZippedAxesMoveTogether) {
  const Study study =
      make_study(swept({{"gan.epochs=3,4,5", "gan.pretrain.epochs=1,2,3", "gan.lambda_cls=0,2"},
                        {"gan.epochs,gan.pretrain.epochs"},
                        {}}));
  ASSERT_EQ(study.points.size(), 6u);
  for (const StudyPoint& p : study.points)
    EXPECT_EQ(p.cfg->gan.options.epochs, p.cfg->gan.options.pretrain_epochs + 2);
  // Values may repeat within a zip; two points that resolve to one config are refused, both named.
  EXPECT_CONTAINS(error_of([&] {
                    make_study(swept({{"gan.epochs=3,3", "gan.pretrain.epochs=1,1"},
                                      {"gan.epochs,gan.pretrain.epochs"},
                                      {}}));
                  }),
                  "sweep points 0 (gan.epochs=3, gan.lambda_cls=0, gan.pretrain.epochs=1) and 2 "
                  "(gan.epochs=3, gan.lambda_cls=0, gan.pretrain.epochs=1) are one config");
  EXPECT_CONTAINS(error_of([&] {
                    swept({{"gan.epochs=3,4", "gan.lr=1e-3,2e-3,3e-3"}, {"gan.epochs,gan.lr"}, {}});
                  }),
                  "move together but have 2 and 3 values");
}

TEST(Study, ABadValueNamesTheKeyTheValueAndThePoint) {
  EXPECT_CONTAINS(error_of([&] {
                    make_study(swept({{"gan.epochs=3,-1"}, {}, {}}));
                  }),
                  "sweep point 2 (gan.epochs=-1, gan.lambda_cls=0)");
  EXPECT_CONTAINS(error_of([&] {
                    make_study(swept({{"gan.epochs=3,-1"}, {}, {}}));
                  }),
                  "-s gan.epochs=-1");
  EXPECT_CONTAINS(error_of([&] {
                    swept({{"gan.epoch=3,4"}, {}, {}});
                  }),
                  "unknown key 'gan.epoch' (did you mean 'gan.epochs'?)");
  EXPECT_CONTAINS(error_of([&] {
                    swept({{"experiment.threads=1,2"}, {}, {}});
                  }),
                  "experiment.threads cannot be swept");
  EXPECT_CONTAINS(error_of([&] {
                    swept({{"data.source=a.h5,b.h5"}, {}, {}});
                  }),
                  "data.source cannot be swept");
  EXPECT_CONTAINS(error_of([&] {
                    swept({{"gan.epochs=3,3"}, {}, {}});
                  }),
                  "gan.epochs lists a value twice");
  // A [sweep] that is not a table, with a zip group from the command line: one error, no crash.
  EXPECT_CONTAINS(
      error_of([&] {
        swept({{"gan.epochs=3,4", "gan.lr=1e-3,2e-3"}, {"gan.epochs,gan.lr"}, {}}, "sweep = 5\n");
      }),
      "'sweep' must be a table ([sweep])");
}

TEST(Study, SweepTableRoundTripsAndTheReferenceIsAPoint) {
  const config::ExperimentConfig cfg =
      swept({{}, {}, {"gan.lambda_cls=2", "ser.std=sample"}},
            "[gan]\nlambda_cls = [0, 2]\n[sweep]\n\"ser.std\" = [\"population\", \"sample\"]\n"
            "ser.real.hidden = [[64], [128, 64]]\n");
  ASSERT_EQ(cfg.sweep.axes.size(), 2u);
  EXPECT_EQ(cfg.sweep.axes[0].key, "ser.real.hidden");
  EXPECT_EQ(cfg.sweep.axes[0].values, (std::vector<std::string>{"[64]", "[128, 64]"}));
  EXPECT_EQ(config::parse_config(config::to_toml(cfg), "y.toml", "/"), cfg);
  const Study study = make_study(cfg);
  ASSERT_EQ(study.points.size(), 8u);
  EXPECT_EQ(study.describe(study.reference),
            "gan.lambda_cls=2, ser.real.hidden=64, ser.std=sample");
  EXPECT_CONTAINS(error_of([&] {
                    make_study(swept({{}, {}, {"gan.lambda_cls=3"}}));
                  }),
                  "gan.lambda_cls takes 0, 2 in this study");
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
