// The aggregation of a finished run's task files into results.h5, summary.csv and synthetic.h5,
// and the mean ± std over repetitions it computes (the paper's Tables 2 and 3). Within-corpus: a
// repetition's UAR is the mean over its leave-one-group-out folds; cross-corpus: the UAR on the
// test part. The std is the population std by default, as the authors' numpy code computed it.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "data/h5.h"
#include "data/scaler.h"
#include "experiment/context.h"
#include "experiment/plan.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

struct SerOutcome {
  SerTask task;
  double uar = 0.0;     // in [0, 1]
  double uar_dev = -1;  // cross-corpus: the test UAR at the dev-chosen epoch count (-1 if none)
  int dev_epochs = 0;   // that epoch count
  std::vector<double> recall;
  std::vector<int64_t> confusion;           // C x C
  std::vector<int32_t> truth, predictions;  // test rows, fixed-epoch predictions
  int epochs = 0;
  int64_t train_rows = 0;
  double seconds = 0;
};

// Two rows' UARs compared pair by pair over the (fold, repetition) pairs both have — within-corpus
// a task's UAR per fold and repetition, cross-corpus per repetition — in percentage points, a − b
// (ser/paired_comparison.h: the 95 % t interval of the mean difference, the paired t-test and the
// Wilcoxon signed-rank test, both two-sided, as SciPy computes them; and Nadeau & Bengio's
// corrected resampled t-test with its 95 % interval). NaN where there is no test (fewer than two
// pairs, or no test/train ratio for the corrected test).
struct Difference {
  int pairs = 0;
  double mean = std::nan("");
  double ci_low = std::nan(""), ci_high = std::nan("");
  double p_t = std::nan(""), p_wilcoxon = std::nan("");
  double test_train_ratio = std::nan("");  // n_test / n_train the correction used
  double p_corrected = std::nan("");
  double ci_corrected_low = std::nan(""), ci_corrected_high = std::nan("");
  // The mark the report puts on a difference: the corrected resampled t-test's p below 5 %. The
  // pairs' training sets overlap (every two folds share all sessions but two; repetitions share
  // all), which makes the plain t-test's variance too small and its p too often below 5 %.
  bool holds_at_5_percent() const { return p_corrected < 0.05; }
};

// results.h5 keeps differences column by column beside the rows they belong to (diff_mean,
// diff_ci_low, diff_ci_high, diff_pairs, p_t, p_wilcoxon, test_train_ratio, p_corrected,
// diff_ci_corrected_low, diff_ci_corrected_high): written and read here only. Reading a group
// without them (a results.h5 older than paired comparisons) gives none; one older than the
// corrected test gives its columns NaN.
void write_differences(const data::h5::Group& g, const std::vector<Difference>& differences);
std::vector<Difference> read_differences(const data::h5::Group& g);

// n_test / n_train for the corrected resampled t-test, per protocol (NaN: no such protocol).
// Within-corpus: the leave-one-group-out folds' mean test size over their mean training size (the
// folds' sizes differ with the sessions'; for K groups covering every row this is 1 / (K − 1)).
// Cross-corpus: the one split every repetition shares, the cross corpus's test part over the whole
// target the classifiers train on.
struct TestTrainRatios {
  double within = std::nan(""), cross = std::nan("");
};
TestTrainRatios test_train_ratios(const Corpora& corpora);

struct SummaryRow {
  Protocol protocol;
  Setting setting;
  double lambda_cls = 0.0;  // meaningless for real
  double uar_mean = 0.0;    // percent
  double uar_std = 0.0;     // percent
  int repetitions = 0;
  double uar_dev_mean = -1, uar_dev_std = -1;  // cross-corpus dev-chosen figures, percent
  std::vector<double> fold_means;              // within: per-fold UAR mean over repetitions, %
  std::vector<double> confusion;               // C x C, row-normalised, averaged over all tasks
  std::vector<double> recall;                  // per class, mean over all tasks, %
  Difference vs_real;                          // syn and real+syn: this row − the protocol's real
};

// The rows of a protocol and setting at two λcls values, compared: a − b.
struct LambdaDifference {
  Protocol protocol;
  Setting setting;
  double lambda_a = 0, lambda_b = 0;
  Difference difference;
};

// Without ratios (the default) the corrected test's fields stay NaN.
std::vector<SummaryRow> summarize(const std::vector<SerOutcome>& outcomes, data::StdKind std_kind,
                                  const TestTrainRatios& ratios = {});
// Every pair of λcls values of each synthetic setting, in grid order (a before b).
std::vector<LambdaDifference> compare_lambdas(const std::vector<SerOutcome>& outcomes,
                                              const TestTrainRatios& ratios = {});

// summary.csv: protocol, setting, lambda_cls, uar_mean, uar_std, repetitions, then the difference
// to real (diff_real, diff_ci_low, diff_ci_high, pairs, p_t, p_wilcoxon, p_corrected,
// ci_corrected_low, ci_corrected_high) and the recall of each
// class (recall_<class>). UAR, differences and recalls in percent; lambda and the difference
// columns empty for real (docs/results.md).
std::string summary_csv(const std::vector<SummaryRow>& rows,
                        const std::vector<std::string>& class_names);

// Provenance recorded with the results.
struct RunInfo {
  int ranks = 1;
  std::vector<std::string> hosts;
  std::string devices = "cpu";
  double seconds = 0;
};

// The provenance an earlier aggregation recorded in results.h5 (defaults when there is none), so
// that `emoaug aggregate` keeps it.
RunInfo read_run_info(const RunContext& ctx);

// Reads every task file of the plan's tasks and writes results.h5, summary.csv and synthetic.h5
// into the run directory. Fails naming the first missing task when the run is incomplete.
void aggregate(const RunContext& ctx, const Plan& plan, const RunInfo& info);

}  // namespace emoaug::experiment
