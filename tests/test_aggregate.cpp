#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

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
  EXPECT_EQ(t.key().name(), "ser/within/real+syn/lcls=2/fold=3/rep=4");
  EXPECT_EQ(t.key().path, "within/real+syn/lcls=2/fold=3/rep=4");
  EXPECT_EQ(t.source_gan(true).key().name(), "gan/lcls=2/fold=3");
  EXPECT_EQ(t.source_gan(false).key().name(), "gan/lcls=2/all");
  SerTask cross{Setting::Syn, Protocol::Cross, 0.5, -1, 0};
  EXPECT_EQ(cross.key().name(), "ser/cross/syn/lcls=0.5/all/rep=0");
  EXPECT_EQ(cross.source_gan(true).key().name(), "gan/lcls=0.5/all");
  EXPECT_NE(t.key().stream_id(), cross.key().stream_id());
}

// Keys name λcls by the float that training uses, exactly: two values that train differently
// never share a folder or a random stream (with %g, 1.0 and 1.0000001 both gave lcls=1).
TEST(Aggregate, LambdaKeysAreExactForTheFloatTrainingUses) {
  const GanTask one{1.0, 0}, close{1.0000001, 0};
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
