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
#include "experiment/stage_ser.h"
#include "experiment/study.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

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
  std::string path;  // the config path its tasks share (TaskConfig::path)
  // Per axis of the study: the value its tasks read, "" where they read none (real rows and gan
  // keys, syn rows and ser.real keys).
  std::vector<std::string> axis_values;
  double lambda_cls = 0.0;  // meaningless for real
  double uar_mean = 0.0;    // percent
  double uar_std = 0.0;     // percent
  int repetitions = 0;
  double uar_dev_mean = -1, uar_dev_std = -1;  // cross-corpus dev-chosen figures, percent
  std::vector<double> fold_means;              // within: per-fold UAR mean over repetitions, %
  std::vector<double> confusion;               // C x C, row-normalised, averaged over all tasks
  std::vector<double> recall;                  // per class, mean over all tasks, %
  // syn and real+syn: this row − the protocol's real row of the first point that has this row
  // (the reference point first).
  Difference vs_real;
};

// The row of each point, protocol and setting: rows[(point * 2 + protocol) * 3 + setting], -1
// where the point has no such row.
struct StudyRows {
  std::vector<int> rows;
  int at(int point, Protocol p, Setting s) const {
    return rows[(point * 2 + static_cast<int>(p)) * 3 + static_cast<int>(s)];
  }
};
StudyRows study_rows(const Study& study, const std::vector<SummaryRow>& rows);

// A comparison of the study: a point's row against the reference point's (same protocol and
// setting) or, within a point, a setting's row against real's.
struct PointDifference {
  int point = 0;
  Protocol protocol = Protocol::Within;
  Setting setting = Setting::Real;
  bool vs_reference = true;  // false: against real within the point
  Difference difference;
};

// Rows ordered by protocol, setting and the axes' values (numbers as numbers).
std::vector<SummaryRow> summarize(const std::vector<SerOutcome>& outcomes, const Study& study,
                                  data::StdKind std_kind, const TestTrainRatios& ratios = {});
// Each point against the reference (where their rows differ), then each point's synthetic
// settings against its real (each pair of rows once).
std::vector<PointDifference> compare_points(const std::vector<SerOutcome>& outcomes,
                                            const Study& study, const std::vector<SummaryRow>& rows,
                                            const TestTrainRatios& ratios = {});

// summary.csv: protocol, setting, lambda_cls, the other axes' keys, uar_mean, uar_std, repetitions,
// then the difference to real (diff_real, diff_ci_low, diff_ci_high, pairs, p_t, p_wilcoxon,
// p_corrected, ci_corrected_low, ci_corrected_high) and the recall of each class (recall_<class>).
// UAR, differences and recalls in percent; lambda and the difference columns empty for real
// (docs/results.md). One column per axis after lambda_cls (named by its key), none when the study
// has λcls alone.
std::string summary_csv(const std::vector<SummaryRow>& rows, const Study& study,
                        const std::vector<std::string>& class_names);

// Provenance recorded with the results.
struct RunInfo {
  int ranks = 1;
  std::vector<std::string> hosts;
  std::string devices = "cpu";
  double seconds = 0;
};

// What the probe (probe.h) found per GAN part of the study (its swept gan values and λcls): the
// agreement matrix and Table 1's distance per emotion, averaged over the part's groups (folds),
// and the epoch whose generators each group used.
struct ProbePart {
  std::string path;                 // "lcls=2", "gan.epochs=20/lcls=2"
  std::vector<double> shares;       // N x N: row = synthetic emotion, column = the probe's label
  std::vector<double> distance;     // per emotion
  std::vector<std::string> groups;  // the part's GAN tasks
  std::vector<int32_t> generator_epochs;  // per group
  int syn_row = -1;  // its within-corpus syn row in the summary (the first point's that has it)
  double agreement(int e, int n) const { return shares[static_cast<size_t>(e) * n + e]; }
};
std::vector<ProbePart> summarize_probe(const RunContext& ctx, const Plan& plan,
                                       const std::vector<SummaryRow>& rows);
// One line per synthetic set whose agreement is below chance (1 / N), naming the part and emotion.
std::vector<std::string> probe_warnings(const std::vector<ProbePart>& parts,
                                        const std::vector<std::string>& class_names);

// Reads every task file of the plan's tasks and writes results.h5, summary.csv and synthetic.h5
// into the run directory; returns probe_warnings, for the caller to log where a reader looks. Fails
// naming the first missing task when the run is incomplete.
std::vector<std::string> aggregate(const RunContext& ctx, const Plan& plan, const RunInfo& info);

}  // namespace emoaug::experiment
