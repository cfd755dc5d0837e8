#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "experiment/aggregate.h"

using namespace emoaug::experiment;

namespace {

// The study of these tests: λcls 2 and 0, in that order (2 is the reference point).
const Study& study() {
  static const Study s = [] {
    emoaug::config::ExperimentConfig cfg;
    cfg.gan.lambda_cls = {2.0, 0.0};
    return make_study(cfg);
  }();
  return s;
}

// The task of (setting, protocol, λcls, fold, repetition) in a study over these λcls values.
SerTask task_of(Setting s, Protocol p, double lambda, int fold, int rep,
                std::vector<double> grid = {2.0, 0.0}) {
  emoaug::config::ExperimentConfig cfg;
  cfg.gan.lambda_cls = grid;
  cfg.ser.cross_corpus = true;
  const Study of = make_study(cfg);
  for (size_t i = 0; i < of.points.size(); ++i) {
    if (of.points[i].cfg->gan.lambda_cls.front() != lambda) continue;
    const int point = static_cast<int>(i);
    SerTask t;
    t.setting = s;
    t.protocol = p;
    t.config = {of.ser_path(point, s, p == Protocol::Cross), of.points[i].cfg};
    t.gan = {of.gan_path(point), of.points[i].cfg};
    t.fold = fold;
    t.repetition = rep;
    return t;
  }
  ADD_FAILURE() << "no point with λcls " << lambda;
  return {};
}

SerOutcome outcome(Setting s, Protocol p, double lambda, int fold, int rep, double uar) {
  SerOutcome o;
  o.task = task_of(s, p, lambda, fold, rep);
  o.uar = uar;
  o.confusion = {3, 1, 0, 4};
  o.recall = {0.75, 1.0};
  return o;
}
}  // namespace

TEST(Aggregate, WithinAveragesFoldsThenTakesMeanAndPopulationStdOverRepetitions) {
  std::vector<SerOutcome> v{
      outcome(Setting::Real, Protocol::Within, 0, 0, 0, 0.50),
      outcome(Setting::Real, Protocol::Within, 0, 1, 0, 0.60),  // rep 0: 55
      outcome(Setting::Real, Protocol::Within, 0, 0, 1, 0.60),
      outcome(Setting::Real, Protocol::Within, 0, 1, 1, 0.70),  // rep 1: 65
      outcome(Setting::Syn, Protocol::Within, 2, 0, 0, 0.40),
      outcome(Setting::Syn, Protocol::Within, 2, 1, 0, 0.40),
  };
  std::vector<SummaryRow> rows = summarize(v, study(), emoaug::data::StdKind::Population);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].setting, Setting::Real);
  EXPECT_NEAR(rows[0].uar_mean, 60.0, 1e-9);
  EXPECT_NEAR(rows[0].uar_std, 5.0, 1e-9);
  EXPECT_EQ(rows[0].repetitions, 2);
  ASSERT_EQ(rows[0].fold_means.size(), 2u);
  EXPECT_NEAR(rows[0].fold_means[0], 55.0, 1e-9);
  EXPECT_NEAR(rows[0].fold_means[1], 65.0, 1e-9);
  EXPECT_NEAR(rows[0].confusion[0], 0.75, 1e-12);  // row-normalised 3/(3+1)
  std::vector<SummaryRow> sample = summarize(v, study(), emoaug::data::StdKind::Sample);
  EXPECT_NEAR(sample[0].uar_std, 5.0 * std::sqrt(2.0), 1e-9);
  // syn has one repetition: its difference to real is over the pairs (fold 0, rep 0), (1, 0):
  // -10 and -20 points.
  EXPECT_EQ(summary_csv(rows, study(), {"a", "b"}),
            "protocol,setting,lambda_cls,uar_mean,uar_std,repetitions,diff_real,diff_ci_low,"
            "diff_ci_high,pairs,p_t,p_wilcoxon,p_corrected,ci_corrected_low,ci_corrected_high,"
            "recall_a,recall_b\n"
            "within,real,,60.00,5.00,2,,,,,,,,,,75.00,100.00\n"
            "within,syn,2,40.00,0.00,1,-15.00,-78.53,48.53,2,0.2048,0.5,,,,75.00,100.00\n");
  // With the folds' n_test / n_train (two folds: 1) the corrected test fills its columns:
  // se = sqrt((1/2 + 1) * 50) = sqrt(75), t = -15 / sqrt(75) = -sqrt(3), df 1, so
  // p = 1 - 2 atan(sqrt(3)) / pi = 1/3 and the interval -15 -/+ 12.706204736 * sqrt(75).
  const std::vector<SummaryRow> corrected =
      summarize(v, study(), emoaug::data::StdKind::Population, TestTrainRatios{1.0, std::nan("")});
  EXPECT_NEAR(corrected[1].vs_real.p_corrected, 1.0 / 3.0, 1e-12);
  EXPECT_EQ(corrected[1].vs_real.p_t, rows[1].vs_real.p_t) << "the plain test stays as it was";
  const std::string csv = summary_csv(corrected, study(), {"a", "b"});
  EXPECT_EQ(csv.substr(csv.find("within,syn")),
            "within,syn,2,40.00,0.00,1,-15.00,-78.53,48.53,2,0.2048,0.5,0.3333,-125.04,95.04,75.00,"
            "100.00\n");
}

// The difference to real and its tests against SciPy 1.10's values for the same pairs
// (scipy.stats.ttest_rel(syn, real) and its confidence_interval(0.95), wilcoxon(syn, real); UARs
// in percent; the zero difference at one pair sends Wilcoxon to its normal approximation).
TEST(Aggregate, DifferenceToRealMatchesSciPyOverTheSameFoldRepetitionPairs) {
  const double real[15] = {0.55, 0.61, 0.58, 0.60, 0.57, 0.56, 0.62, 0.59,
                           0.60, 0.58, 0.54, 0.60, 0.57, 0.61, 0.59};
  const double syn[15] = {0.57, 0.62, 0.58, 0.63, 0.58, 0.58, 0.61, 0.62,
                          0.62, 0.59, 0.55, 0.63, 0.60, 0.62, 0.61};
  std::vector<SerOutcome> v;
  for (int i = 0; i < 15; ++i) {
    v.push_back(outcome(Setting::Real, Protocol::Within, 0, i % 5, i / 5, real[i]));
    v.push_back(outcome(Setting::Syn, Protocol::Within, 2, i % 5, i / 5, syn[i]));
    // λcls 0: the same UARs 2 points lower than λcls 2 everywhere.
    v.push_back(outcome(Setting::Syn, Protocol::Within, 0, i % 5, i / 5, syn[i] - 0.02));
  }
  const std::vector<SummaryRow> rows = summarize(v, study(), emoaug::data::StdKind::Population);
  const SummaryRow* syn2 = nullptr;
  for (const SummaryRow& r : rows)
    if (r.setting == Setting::Syn && r.lambda_cls == 2.0) syn2 = &r;
  ASSERT_NE(syn2, nullptr);
  const Difference& d = syn2->vs_real;
  EXPECT_EQ(d.pairs, 15);
  EXPECT_NEAR(d.mean, 1.5999999999999994, 1e-12);
  EXPECT_NEAR(d.ci_low, 0.9447568435391366, 1e-8);
  EXPECT_NEAR(d.ci_high, 2.255243156460862, 1e-8);
  EXPECT_NEAR(d.p_t, 0.000125740156697474, 1e-9 * 0.000125740156697474);
  EXPECT_NEAR(d.p_wilcoxon, 0.0016212845835409725, 1e-9 * 0.0016212845835409725);
  EXPECT_TRUE(std::isnan(d.p_corrected)) << "no ratio, no corrected test";
  EXPECT_FALSE(d.holds_at_5_percent()) << "the mark follows the corrected test only";
  for (const SummaryRow& r : rows)
    if (r.setting == Setting::Real) {
      EXPECT_EQ(r.vs_real.pairs, 0) << "real is the baseline";
    }

  // Point 1 (λcls 0) against the reference (point 0, λcls 2): syn's rows differ, real's do not;
  // then each point's syn against its real.
  const std::vector<PointDifference> points = compare_points(v, study(), rows);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].point, 1);
  EXPECT_TRUE(points[0].vs_reference);
  EXPECT_EQ(points[0].setting, Setting::Syn);
  EXPECT_EQ(points[0].difference.pairs, 15);
  EXPECT_NEAR(points[0].difference.mean, -2.0, 1e-9);
  for (int k : {1, 2}) {
    EXPECT_FALSE(points[k].vs_reference);
    EXPECT_EQ(points[k].point, k - 1);
    EXPECT_EQ(points[k].difference.pairs, 15);
  }
  EXPECT_NEAR(points[1].difference.mean, syn2->vs_real.mean, 1e-12) << "λcls 2's syn − real";
}

// The corrected resampled t-test of the same pairs, written out with scipy.stats.t (five folds of
// one repetition each: n_test / n_train = 1/4): se = sqrt((1/15 + 1/4) * var(d, ddof=1)),
// p = 2 * t.sf(|mean / se|, 14), interval mean -/+ t.ppf(0.975, 14) * se. The plain p (1.3e-4)
// is 240 times smaller.
TEST(Aggregate, CorrectedTestOfTheDifferenceToRealUsesTheProtocolsRatio) {
  const double real[15] = {0.55, 0.61, 0.58, 0.60, 0.57, 0.56, 0.62, 0.59,
                           0.60, 0.58, 0.54, 0.60, 0.57, 0.61, 0.59};
  const double syn[15] = {0.57, 0.62, 0.58, 0.63, 0.58, 0.58, 0.61, 0.62,
                          0.62, 0.59, 0.55, 0.63, 0.60, 0.62, 0.61};
  std::vector<SerOutcome> v;
  for (int i = 0; i < 15; ++i)
    for (Protocol p : {Protocol::Within, Protocol::Cross}) {
      v.push_back(outcome(Setting::Real, p, 0, p == Protocol::Within ? i % 5 : -1,
                          p == Protocol::Within ? i / 5 : i, real[i]));
      v.push_back(outcome(Setting::Syn, p, 2, p == Protocol::Within ? i % 5 : -1,
                          p == Protocol::Within ? i / 5 : i, syn[i]));
    }
  const std::vector<SummaryRow> rows =
      summarize(v, study(), emoaug::data::StdKind::Population, TestTrainRatios{0.25, 0.0});
  int checked = 0;
  for (const SummaryRow& r : rows) {
    if (r.setting == Setting::Real) {
      EXPECT_TRUE(std::isnan(r.vs_real.p_corrected));
      continue;
    }
    const Difference& d = r.vs_real;
    if (r.protocol == Protocol::Within) {
      EXPECT_EQ(d.test_train_ratio, 0.25);
      EXPECT_NEAR(d.p_corrected, 0.030691715049590486, 1e-9 * 0.030691715049590486);
      EXPECT_NEAR(d.ci_corrected_low, 0.1719306487702439, 1e-8);
      EXPECT_NEAR(d.ci_corrected_high, 3.028069351229755, 1e-8);
      EXPECT_TRUE(d.holds_at_5_percent());
    } else {
      // A ratio of 0 is the plain t-test.
      EXPECT_EQ(d.test_train_ratio, 0.0);
      EXPECT_NEAR(d.p_corrected, d.p_t, 1e-12 * d.p_t);
      EXPECT_NEAR(d.ci_corrected_low, d.ci_low, 1e-12);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(Aggregate, TaskNamesAreStableAndDistinct) {
  SerTask t = task_of(Setting::RealSyn, Protocol::Within, 2.0, 3, 4);
  EXPECT_EQ(t.key().name(), "ser/within/real+syn/lcls=2/fold=3/rep=4");
  EXPECT_EQ(t.key().path, "within/real+syn/lcls=2/fold=3/rep=4");
  EXPECT_EQ(t.source_gan().key().name(), "gan/lcls=2/fold=3");
  emoaug::config::ExperimentConfig leaky = *t.gan.cfg;
  leaky.gan.per_fold = false;
  t.gan.cfg = std::make_shared<const emoaug::config::ExperimentConfig>(leaky);
  EXPECT_EQ(t.source_gan().key().name(), "gan/lcls=2/all");
  SerTask cross = task_of(Setting::Syn, Protocol::Cross, 0.5, -1, 0, {0.5});
  EXPECT_EQ(cross.key().name(), "ser/cross/syn/lcls=0.5/all/rep=0");
  EXPECT_EQ(cross.source_gan().key().name(), "gan/lcls=0.5/all");
  EXPECT_EQ(task_of(Setting::Real, Protocol::Within, 2.0, 1, 0).key().name(),
            "ser/within/real/fold=1/rep=0")
      << "real reads no gan key";
  EXPECT_NE(t.key().stream_id(), cross.key().stream_id());
}

// Keys name λcls by the float that training uses, exactly: two values that train differently
// never share a folder or a random stream (with %g, 1.0 and 1.0000001 both gave lcls=1).
TEST(Aggregate, LambdaKeysAreExactForTheFloatTrainingUses) {
  const SerTask one_ser = task_of(Setting::Syn, Protocol::Within, 1.0, 0, 0, {1.0, 1.0000001});
  const SerTask close_ser =
      task_of(Setting::Syn, Protocol::Within, 1.0000001, 0, 0, {1.0, 1.0000001});
  const GanTask one = one_ser.source_gan(), close = close_ser.source_gan();
  ASSERT_NE(static_cast<float>(1.0), static_cast<float>(1.0000001));
  EXPECT_EQ(one.key().name(), "gan/lcls=1/fold=0");
  EXPECT_EQ(close.key().name(), "gan/lcls=1.0000001/fold=0");
  EXPECT_NE(one.key().stream_id(), close.key().stream_id());
  // The short forms of the old keys stay as they were (a run directory keeps its names).
  for (double lambda : {0.0, 0.5, 2.0, 0.1, 1e-5, 10.0, 0.25})
    EXPECT_EQ(lambda_text(lambda), [&] {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%g", lambda);
      return std::string(buf);
    }()) << lambda;
  // Every float reads back from its text.
  for (float v : {0.3f, 1.0f / 3, 123456.79f, 7e-8f, 1.0000001f})
    EXPECT_EQ(std::strtof(lambda_text(v).c_str(), nullptr), v) << lambda_text(v);
}
