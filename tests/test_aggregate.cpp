#include <gtest/gtest.h>

#include <cmath>

#include "experiment/aggregate.h"

using namespace emoaug::experiment;

namespace {
SerOutcome outcome(Setting s, Protocol p, double lambda, int fold, int rep, double uar) {
  SerOutcome o;
  o.task = {s, p, lambda, fold, rep};
  o.uar = uar;
  o.confusion = {3, 1, 0, 4};
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
  std::vector<SummaryRow> rows = summarize(v, emoaug::data::StdKind::Population);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].setting, Setting::Real);
  EXPECT_NEAR(rows[0].uar_mean, 60.0, 1e-9);
  EXPECT_NEAR(rows[0].uar_std, 5.0, 1e-9);
  EXPECT_EQ(rows[0].repetitions, 2);
  ASSERT_EQ(rows[0].fold_means.size(), 2u);
  EXPECT_NEAR(rows[0].fold_means[0], 55.0, 1e-9);
  EXPECT_NEAR(rows[0].fold_means[1], 65.0, 1e-9);
  EXPECT_NEAR(rows[0].confusion[0], 0.75, 1e-12);  // row-normalised 3/(3+1)
  std::vector<SummaryRow> sample = summarize(v, emoaug::data::StdKind::Sample);
  EXPECT_NEAR(sample[0].uar_std, 5.0 * std::sqrt(2.0), 1e-9);
  EXPECT_EQ(summary_csv(rows),
            "protocol,setting,lambda_cls,uar_mean,uar_std,repetitions\n"
            "within,real,,60.00,5.00,2\n"
            "within,syn,2,40.00,0.00,1\n");
}

TEST(Aggregate, TaskNamesAreStableAndDistinct) {
  SerTask t{Setting::RealSyn, Protocol::Within, 2.0, 3, 4};
  EXPECT_EQ(t.name(), "ser/within/real+syn/lcls=2/fold=3/rep=4");
  EXPECT_EQ(t.source_gan(true).name(), "gan/lcls=2/fold=3");
  EXPECT_EQ(t.source_gan(false).name(), "gan/lcls=2/all");
  SerTask cross{Setting::Syn, Protocol::Cross, 0.5, -1, 0};
  EXPECT_EQ(cross.name(), "ser/cross/syn/lcls=0.5/all/rep=0");
  EXPECT_EQ(cross.source_gan(true).name(), "gan/lcls=0.5/all");
  EXPECT_NE(task_id(t.name()), task_id(cross.name()));
}
