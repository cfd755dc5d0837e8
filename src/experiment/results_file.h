// results.h5's tables, written and read here only (docs/results.md, "results.h5"): the summary
// rows with their difference to real, the study (its axes, points and each point's rows), the
// comparisons between points, and the difference columns they share. `emoaug aggregate` writes
// them from the task files; the report reads them back. A results.h5 older than one of its
// columns reads as documented per reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/h5.h"
#include "experiment/aggregate.h"
#include "experiment/study.h"

namespace emoaug::experiment {

// Differences are kept column by column beside the rows they belong to (diff_mean, diff_ci_low,
// diff_ci_high, diff_pairs, p_t, p_wilcoxon, test_train_ratio, p_corrected,
// diff_ci_corrected_low, diff_ci_corrected_high). Reading a group without them (a results.h5 older
// than paired comparisons) gives none; one older than the corrected test gives its columns NaN.
void write_differences(const data::h5::Group& g, const std::vector<Difference>& differences);
std::vector<Difference> read_differences(const data::h5::Group& g);

// /summary: one entry per row (protocol, setting, lambda_cls, axis_values: rows x the study's
// axes, UAR mean/std, repetitions, dev figures, confusion, fold means, recalls, the difference
// to real).
void write_summary(const data::h5::Group& g, const std::vector<SummaryRow>& rows, int folds);
// /summary as the report reads it back.
struct SummaryTable {
  std::vector<std::string> protocol, setting;
  std::vector<std::string> axis_values;  // rows x the study's axes
  std::vector<double> lambda, mean, std, dev_mean, dev_std;
  std::vector<int64_t> reps;
  Tensor confusion, recall;
  std::vector<Difference> vs_real;  // empty in a results.h5 older than paired comparisons
};

// /point_comparisons as the report reads it back.
struct ComparisonTable {
  std::vector<int32_t> point;
  std::vector<std::string> protocol, setting, against;
  std::vector<Difference> differences;
};

SummaryTable read_summary(const data::h5::Group& root);

// /study: the axes (keys), the points' values (points x axes) and each point's summary rows;
// read_study_rows checks them against the study of the run's config.
void write_study(const data::h5::Group& g, const Study& study, const StudyRows& rows);
StudyRows read_study_rows(const data::h5::Group& root, const Study& study);

// /point_comparisons: point, protocol, setting, against ("reference" or "real") and differences.
void write_point_comparisons(const data::h5::Group& g,
                             const std::vector<PointDifference>& comparisons);
ComparisonTable read_point_comparisons(const data::h5::Group& root);

// /probe: per GAN part, `parts` (paths), `shares` (parts·N x N), `distance` (parts x N), `syn_row`,
// and per GAN group `groups` (task names), `group_part` (its part) and `generator_epoch`.
void write_probe(const data::h5::Group& g, const std::vector<ProbePart>& parts, int classes);
// None when results.h5 has no /probe (no GAN groups, or written before the probe).
std::vector<ProbePart> read_probe(const data::h5::Group& root, int classes);

// The provenance an earlier aggregation recorded in results.h5 (defaults when there is none), so
// that `emoaug aggregate` keeps it.
RunInfo read_run_info(const RunContext& ctx);

}  // namespace emoaug::experiment
