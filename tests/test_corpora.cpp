// load_corpora on partly labeled corpora: the rows labeled -1 are set aside (folds, the cross
// split and the GANs' targets see labeled rows only), "target:unlabeled" makes them the source
// with each fold's held-out session left out, and gan.stats_features resolves only when a GAN runs.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "data/corpus_io.h"
#include "experiment/context.h"
#include "experiment/corpora.h"
#include "experiment/plan.h"
#include "experiment/probe.h"
#include "file_helpers.h"

using namespace emoaug;
using emoaug::experiment::Corpora;
using emoaug::experiment::load_corpora;
using emoaug::experiment::resolve_stats_features;
using emoaug::testing::TempDir;

namespace {

constexpr int kDims = 47;
constexpr int kSessions = 5;
constexpr int kRowsPerSession = 40;
constexpr int kOrphanGroup = 9;  // a group whose rows are all outside the classes
constexpr int kOrphanRows = 6;
constexpr int kNoisyColumn = 20;  // varies only over the rows outside the classes

// Whether labeled row r of a session (0-based within it) is outside the classes: every fifth.
bool outside(int r) {
  return r % 5 == 4;
}

// Column c's amplitude: each column alternates ±amplitude over the rows, so its variance is
// amplitude² whatever the labels; columns of one amplitude tie exactly.
float amplitude(int c) {
  static const std::set<int> three{2, 5, 17, 33, 40}, two{1, 9, 10, 11, 12, 13, 30, 46};
  return three.count(c) ? 3.0f : two.count(c) ? 2.0f : 1.0f;
}

// An IEMOCAP-like corpus kept whole: 47 features f0000..f0046, 4 classes, sessions 1..5 with a
// fifth of their rows in no class (-1), and group 9 with no labeled rows at all.
data::Corpus partly_labeled() {
  data::Corpus c;
  const int rows = kSessions * kRowsPerSession + kOrphanRows;
  c.features = Tensor(rows, kDims);
  for (int r = 0; r < rows; ++r) {
    const bool orphan = r >= kSessions * kRowsPerSession;
    const int in_session = r % kRowsPerSession;
    const bool unlabeled = orphan || outside(in_session);
    for (int col = 0; col < kDims; ++col)
      c.features(r, col) = (r % 2 ? 1.0f : -1.0f) * amplitude(col);
    // Only the set-aside rows move this column: it wins the variance choice if they count.
    c.features(r, kNoisyColumn) = unlabeled ? 1000.0f * static_cast<float>(r) : 0.0f;
    c.labels.push_back(unlabeled ? -1 : in_session % 4);
    c.groups.push_back(orphan ? kOrphanGroup : 1 + r / kRowsPerSession);
    c.names.push_back((unlabeled ? "u" : "l") + std::to_string(r));
  }
  c.class_names = {"angry", "happy", "neutral", "sad"};
  for (int col = 0; col < kDims; ++col) {
    char name[8];
    std::snprintf(name, sizeof(name), "f%04d", col);
    c.feature_names.push_back(name);
  }
  c.corpus = "PARTLY";
  c.group_kind = "session";
  return c;
}

int64_t unlabeled_in(const data::Corpus& c, int exclude_group) {
  int64_t n = 0;
  for (int64_t r = 0; r < c.rows(); ++r) n += c.labels[r] < 0 && c.groups[r] != exclude_group;
  return n;
}

struct Files {
  TempDir dir;
  data::Corpus whole = partly_labeled();
  std::string target = dir / "target.h5";
  Files() { data::write_corpus(target, whole); }

  config::ExperimentConfig config(std::vector<config::SerSetting> settings,
                                  const std::string& source = config::kTargetUnlabeled) const {
    config::ExperimentConfig cfg;
    cfg.data.target = target;
    cfg.data.source = source;
    cfg.ser.settings = std::move(settings);
    cfg.gan.options.batch_size = 16;
    return cfg;
  }
};

using emoaug::testing::error_of;

const std::vector<config::SerSetting> kRealOnly{config::SerSetting::Real};
const std::vector<config::SerSetting> kWithSyn{config::SerSetting::Real,
                                               config::SerSetting::RealSyn};

}  // namespace

TEST(Corpora, RowsInNoClassAreSetAsideAndFoldsHoldLabeledRowsOnly) {
  Files f;
  const Corpora c = load_corpora(f.config(kRealOnly));
  const int64_t unlabeled = unlabeled_in(f.whole, -1);
  EXPECT_EQ(c.unlabeled_target_rows, unlabeled);
  EXPECT_EQ(c.target.rows(), f.whole.rows() - unlabeled);
  for (int64_t r = 0; r < c.target.rows(); ++r) {
    EXPECT_GE(c.target.labels[r], 0);
    EXPECT_EQ(c.target.names[r][0], 'l');
  }
  // One fold per session with labeled rows: group 9 makes none.
  ASSERT_EQ(c.folds.size(), static_cast<size_t>(kSessions));
  for (size_t k = 0; k < c.folds.size(); ++k) {
    const data::Fold& fold = c.folds[k];
    EXPECT_EQ(fold.group, static_cast<int32_t>(k + 1));
    EXPECT_EQ(static_cast<int64_t>(fold.train.size() + fold.test.size()), c.target.rows());
    for (int64_t r : fold.test) EXPECT_EQ(c.target.groups[r], fold.group);
  }
  EXPECT_FALSE(c.has_source());  // `real` needs no source, not even the target's own rows
  // Said once, by the command: loading only keeps the line.
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find(std::to_string(unlabeled) + " of " + std::to_string(f.whole.rows()) +
                            " rows are in no class (label -1) and set aside"),
            std::string::npos)
      << c.notes[0];
}

TEST(Corpora, TargetUnlabeledSourceLeavesOutEachFoldsHeldOutSession) {
  Files f;
  const Corpora c = load_corpora(f.config(kWithSyn));
  EXPECT_TRUE(c.source_is_target);
  EXPECT_EQ(c.source.rows(), c.unlabeled_target_rows);
  for (int64_t r = 0; r < c.source.rows(); ++r) EXPECT_EQ(c.source.names[r][0], 'u');
  EXPECT_EQ(c.gan_source_rows(-1).size(), static_cast<size_t>(c.source.rows()));
  for (size_t k = 0; k < c.folds.size(); ++k) {
    const std::vector<int> rows = c.gan_source_rows(static_cast<int>(k));
    EXPECT_EQ(static_cast<int64_t>(rows.size()), unlabeled_in(f.whole, c.folds[k].group));
    bool orphans = false;
    for (int r : rows) {
      EXPECT_NE(c.source.groups[r], c.folds[k].group) << "fold " << k;
      orphans = orphans || c.source.groups[r] == kOrphanGroup;
    }
    EXPECT_TRUE(orphans) << "group 9 is held out by no fold";
  }
}

// `emoaug plan` counts, for each fold, the source rows that fold's CycleGANs see: with the
// target's own unlabeled rows, not the held-out session's. Asking for exactly that many rows per
// class (generate_per_class) must cost the same.
TEST(Corpora, PlanEstimatesCountEachFoldsOwnSourceRows) {
  Files f;
  config::ExperimentConfig cfg = f.config(kWithSyn);
  cfg.gan.lambda_cls = {1.0};
  cfg.experiment.output = f.dir / "run";
  const experiment::RunContext ctx = experiment::load_run_context(cfg);
  ASSERT_TRUE(ctx.corpora.source_is_target);
  for (size_t k = 0; k < ctx.corpora.folds.size(); ++k) {
    const int64_t rows = unlabeled_in(f.whole, ctx.corpora.folds[k].group);
    ASSERT_LT(rows, ctx.corpora.source.rows());
    config::ExperimentConfig same_rows = cfg;
    same_rows.gan.generate_per_class = static_cast<int>(rows);
    const experiment::RunContext sized = experiment::load_run_context(same_rows);
    // The fold's real+syn task, as each run's plan has it (with that run's config).
    auto task_in = [&](const experiment::RunContext& c) {
      const experiment::Plan plan =
          experiment::make_plan(c.study, static_cast<int>(c.corpora.folds.size()));
      for (const experiment::SerTask& t : plan.ser)
        if (t.setting == experiment::Setting::RealSyn && t.fold == static_cast<int>(k)) return t;
      ADD_FAILURE() << "no real+syn task of fold " << k;
      return experiment::SerTask{};
    };
    const experiment::SerTask task = task_in(ctx), same = task_in(sized);
    EXPECT_EQ(task.key().name(), same.key().name());
    EXPECT_EQ(experiment::estimate_ser_gflop(ctx, task),
              experiment::estimate_ser_gflop(sized, same))
        << "fold " << k;
    EXPECT_EQ(experiment::estimate_gpu_bytes(ctx, task),
              experiment::estimate_gpu_bytes(sized, same))
        << "fold " << k;
  }
}

TEST(Corpora, SeparateSourceFileIsUsedWholeByEveryFold) {
  Files f;
  data::Corpus source = partly_labeled();
  source.labels.assign(source.labels.size(), -1);
  source.class_names.clear();
  data::write_corpus(f.dir / "source.h5", source);
  const Corpora c = load_corpora(f.config(kWithSyn, f.dir / "source.h5"));
  EXPECT_FALSE(c.source_is_target);
  EXPECT_EQ(c.source.rows(), f.whole.rows());
  std::vector<int> all(static_cast<size_t>(source.rows()));
  for (size_t r = 0; r < all.size(); ++r) all[r] = static_cast<int>(r);
  for (int k = -1; k < static_cast<int>(c.folds.size()); ++k) EXPECT_EQ(c.gan_source_rows(k), all);
}

TEST(Corpora, TargetUnlabeledNeedsRowsInNoClassAndABatchPerFold) {
  Files f;
  config::ExperimentConfig cfg = f.config(kWithSyn);
  cfg.gan.options.batch_size = 40;  // fold 0 keeps 32 + 6 of the 46 set-aside rows
  EXPECT_EQ(error_of([&] { load_corpora(cfg); }),
            f.target + ": data.source = \"target:unlabeled\" leaves 38 unlabeled rows to the " +
                "CycleGANs of fold 0 (held-out group 1), fewer than one batch (gan.batch_size = " +
                "40)");
  cfg.gan.per_fold = false;  // one set of CycleGANs on every group: all 46 rows
  EXPECT_NO_THROW(load_corpora(cfg));

  data::Corpus labeled = f.whole.subset(f.whole.labeled_rows());
  data::write_corpus(f.target, labeled);
  EXPECT_EQ(error_of([&] { load_corpora(f.config(kWithSyn)); }),
            f.target + ": data.source = \"target:unlabeled\" needs rows labeled -1 (in no class) " +
                "in the target; it has none");
}

TEST(Corpora, CrossSplitUsesLabeledRowsOnly) {
  Files f;
  data::write_corpus(f.dir / "cross.h5", f.whole);
  config::ExperimentConfig cfg = f.config(kRealOnly);
  cfg.ser.cross_corpus = true;
  cfg.data.cross = f.dir / "cross.h5";
  const Corpora c = load_corpora(cfg);
  EXPECT_EQ(c.unlabeled_cross_rows, unlabeled_in(f.whole, -1));
  EXPECT_EQ(static_cast<int64_t>(c.cross_split.first.size() + c.cross_split.second.size()),
            c.cross.rows());
  for (int32_t label : c.cross.labels) EXPECT_GE(label, 0);
}

TEST(Corpora, StatsFeaturesAreResolvedOnlyWhenAGanRuns) {
  Files f;
  config::ExperimentConfig cfg = f.config(kRealOnly);
  cfg.gan.stats_features = {"pcm_loudness_sma_amean"};
  Corpora c = load_corpora(cfg);
  EXPECT_TRUE(c.stats_features.empty());
  EXPECT_TRUE(c.stats_feature_names.empty());

  cfg.ser.settings = kWithSyn;
  EXPECT_EQ(error_of([&] { load_corpora(cfg); }),
            "gan.stats_features: 'pcm_loudness_sma_amean' is not a feature of " + f.target);
  cfg.gan.stats_features = {"f0003", "f0001"};
  c = load_corpora(cfg);
  EXPECT_EQ(c.stats_features, (std::vector<int>{3, 1}));
  EXPECT_EQ(c.stats_feature_names, (std::vector<std::string>{"f0003", "f0001"}));
}

TEST(Corpora, DefaultStatsFeaturesAreTheLargestVarianceOnesOfLabeledRows) {
  Files f;
  const Corpora c = load_corpora(f.config(kWithSyn));
  // Amplitude 3: 2, 5, 17, 33, 40; then seven of the eight of amplitude 2, the lower columns; the
  // column that moves only over the set-aside rows is not among them.
  const std::vector<int> expected{1, 2, 5, 9, 10, 11, 12, 13, 17, 30, 33, 40};
  EXPECT_EQ(c.stats_features, expected);
  ASSERT_EQ(c.stats_feature_names.size(), expected.size());
  EXPECT_EQ(c.stats_feature_names.front(), "f0001");
  EXPECT_EQ(c.stats_feature_names.back(), "f0040");
  // The same whatever the row order.
  std::vector<int64_t> rows(static_cast<size_t>(c.target.rows()));
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = c.target.rows() - 1 - static_cast<int64_t>(i);
  EXPECT_EQ(resolve_stats_features({}, c.target.subset(rows), "r.h5"), expected);
}

TEST(Corpora, DefaultStatsFeaturesAreThePapersWhenTheTargetHasThem) {
  data::Corpus c = partly_labeled();
  const std::vector<std::string> paper = config::paper::stats_features();
  for (size_t i = 0; i < paper.size(); ++i) c.feature_names[40 - 3 * i] = paper[i];
  std::vector<int> expected;
  for (size_t i = 0; i < paper.size(); ++i) expected.push_back(static_cast<int>(40 - 3 * i));
  EXPECT_EQ(resolve_stats_features({}, c, "p.h5"), expected);
  // Fewer features than the automatic choice takes: all of them.
  data::Corpus narrow = emoaug::testing::small_corpus(12, 5);
  EXPECT_EQ(resolve_stats_features({}, narrow, "n.h5"), (std::vector<int>{0, 1, 2, 3, 4}));
}

// The probe of a GAN group (experiment/probe.h) learns from the group's own training rows: in
// per-fold mode never from the held-out group's, which the fold's SER classifiers are tested on.
TEST(Corpora, TheProbeNeverSeesAFoldsHeldOutGroup) {
  Files f;
  const Corpora c = load_corpora(f.config(kWithSyn));
  ASSERT_GE(c.folds.size(), 2u);
  for (size_t k = 0; k < c.folds.size(); ++k) {
    const std::vector<int64_t> rows = c.gan_training_rows(static_cast<int>(k));
    EXPECT_EQ(rows, c.folds[k].train) << "fold " << k;
    const std::set<int64_t> test(c.folds[k].test.begin(), c.folds[k].test.end());
    for (int64_t r : rows) {
      ASSERT_EQ(test.count(r), 0u) << "fold " << k << " row " << r;
      ASSERT_NE(c.target.groups[static_cast<size_t>(r)], c.folds[k].group) << "fold " << k;
    }
  }
  EXPECT_EQ(c.gan_training_rows(-1).size(), static_cast<size_t>(c.target.rows()))
      << "a group trained on every labeled row probes with every labeled row";
}
