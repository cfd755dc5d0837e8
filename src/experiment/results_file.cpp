#include "experiment/results_file.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/log.h"

namespace emoaug::experiment {

void write_differences(const data::h5::Group& g, const std::vector<Difference>& differences) {
  std::vector<double> mean, ci_low, ci_high, p_t, p_wilcoxon, ratio, p_corrected, low_corrected,
      high_corrected;
  std::vector<int64_t> pairs;
  for (const Difference& d : differences) {
    ratio.push_back(d.test_train_ratio);
    p_corrected.push_back(d.p_corrected);
    low_corrected.push_back(d.ci_corrected_low);
    high_corrected.push_back(d.ci_corrected_high);
    mean.push_back(d.mean);
    ci_low.push_back(d.ci_low);
    ci_high.push_back(d.ci_high);
    p_t.push_back(d.p_t);
    p_wilcoxon.push_back(d.p_wilcoxon);
    pairs.push_back(d.pairs);
  }
  g.write_f64_1d("diff_mean", mean);
  g.write_f64_1d("diff_ci_low", ci_low);
  g.write_f64_1d("diff_ci_high", ci_high);
  g.write_i64_1d("diff_pairs", pairs);
  g.write_f64_1d("p_t", p_t);
  g.write_f64_1d("p_wilcoxon", p_wilcoxon);
  g.write_f64_1d("test_train_ratio", ratio);
  g.write_f64_1d("p_corrected", p_corrected);
  g.write_f64_1d("diff_ci_corrected_low", low_corrected);
  g.write_f64_1d("diff_ci_corrected_high", high_corrected);
}

std::vector<Difference> read_differences(const data::h5::Group& g) {
  if (!g.has("diff_mean")) return {};
  const std::vector<double> mean = g.read_f64_1d("diff_mean");
  const std::vector<double> ci_low = g.read_f64_1d("diff_ci_low");
  const std::vector<double> ci_high = g.read_f64_1d("diff_ci_high");
  const std::vector<int64_t> pairs = g.read_i64_1d("diff_pairs");
  const std::vector<double> p_t = g.read_f64_1d("p_t");
  const std::vector<double> p_wilcoxon = g.read_f64_1d("p_wilcoxon");
  for (size_t size : {ci_low.size(), ci_high.size(), pairs.size(), p_t.size(), p_wilcoxon.size()})
    EMOAUG_CHECK(size == mean.size(), g.path(), ": the difference columns differ in length");
  std::vector<Difference> differences(mean.size());
  for (size_t i = 0; i < mean.size(); ++i)
    differences[i] = {
        static_cast<int>(pairs[i]), mean[i], ci_low[i], ci_high[i], p_t[i], p_wilcoxon[i]};
  if (!g.has("p_corrected")) return differences;
  const std::vector<double> ratio = g.read_f64_1d("test_train_ratio");
  const std::vector<double> p_corrected = g.read_f64_1d("p_corrected");
  const std::vector<double> low_corrected = g.read_f64_1d("diff_ci_corrected_low");
  const std::vector<double> high_corrected = g.read_f64_1d("diff_ci_corrected_high");
  for (size_t size :
       {ratio.size(), p_corrected.size(), low_corrected.size(), high_corrected.size()})
    EMOAUG_CHECK(size == mean.size(), g.path(), ": the difference columns differ in length");
  for (size_t i = 0; i < mean.size(); ++i) {
    differences[i].test_train_ratio = ratio[i];
    differences[i].p_corrected = p_corrected[i];
    differences[i].ci_corrected_low = low_corrected[i];
    differences[i].ci_corrected_high = high_corrected[i];
  }
  return differences;
}

void write_summary(const data::h5::Group& g, const std::vector<SummaryRow>& rows, int folds) {
  std::vector<std::string> protocol, setting, axis_values;
  std::vector<double> lambda, mean, std, dev_mean, dev_std;
  std::vector<int64_t> reps;
  const size_t c2 = rows.empty() ? 0 : rows[0].confusion.size();
  Tensor confusion(static_cast<int64_t>(rows.size()), static_cast<int64_t>(c2));
  Tensor fold_means(static_cast<int64_t>(rows.size()), folds);
  const size_t classes = rows.empty() ? 0 : rows[0].recall.size();
  Tensor recall(static_cast<int64_t>(rows.size()), static_cast<int64_t>(classes));
  std::vector<Difference> vs_real;
  for (size_t i = 0; i < rows.size(); ++i) {
    const SummaryRow& r = rows[i];
    vs_real.push_back(r.vs_real);
    for (size_t k = 0; k < classes && k < r.recall.size(); ++k)
      recall(static_cast<int64_t>(i), static_cast<int64_t>(k)) = static_cast<float>(r.recall[k]);
    protocol.push_back(name_of(r.protocol));
    setting.push_back(name_of(r.setting));
    lambda.push_back(r.setting == Setting::Real ? std::nan("") : r.lambda_cls);
    axis_values.insert(axis_values.end(), r.axis_values.begin(), r.axis_values.end());
    mean.push_back(r.uar_mean);
    std.push_back(r.uar_std);
    dev_mean.push_back(r.uar_dev_mean);
    dev_std.push_back(r.uar_dev_std);
    reps.push_back(r.repetitions);
    for (size_t k = 0; k < c2 && k < r.confusion.size(); ++k)
      confusion(static_cast<int64_t>(i), static_cast<int64_t>(k)) =
          static_cast<float>(r.confusion[k]);
    for (int f = 0; f < folds; ++f)
      fold_means(static_cast<int64_t>(i), f) = f < static_cast<int>(r.fold_means.size())
                                                   ? static_cast<float>(r.fold_means[f])
                                                   : std::numeric_limits<float>::quiet_NaN();
  }
  g.write_strings("protocol", protocol);
  g.write_strings("setting", setting);
  g.write_f64_1d("lambda_cls", lambda);
  g.write_strings("axis_values", axis_values);  // rows x the study's axes, row-major
  g.write_f64_1d("uar_mean", mean);
  g.write_f64_1d("uar_std", std);
  g.write_i64_1d("repetitions", reps);
  g.write_f64_1d("uar_dev_mean", dev_mean);
  g.write_f64_1d("uar_dev_std", dev_std);
  g.write_f32_2d("confusion", confusion.view(), false);
  g.write_f32_2d("fold_means", fold_means.view(), false);
  g.write_f32_2d("recall", recall.view(), false);
  write_differences(g, vs_real);
}

SummaryTable read_summary(const data::h5::Group& root) {
  data::h5::Group g = root.open_group("summary");
  SummaryTable t;
  t.protocol = g.read_strings("protocol");
  t.setting = g.read_strings("setting");
  t.lambda = g.read_f64_1d("lambda_cls");
  t.axis_values = g.read_strings("axis_values");
  t.mean = g.read_f64_1d("uar_mean");
  t.std = g.read_f64_1d("uar_std");
  t.dev_mean = g.read_f64_1d("uar_dev_mean");
  t.dev_std = g.read_f64_1d("uar_dev_std");
  t.reps = g.read_i64_1d("repetitions");
  t.confusion = g.read_f32_2d("confusion");
  if (g.has("recall")) t.recall = g.read_f32_2d("recall");
  t.vs_real = read_differences(g);
  EMOAUG_CHECK(t.vs_real.empty() || t.vs_real.size() == t.setting.size(), g.path(), ": ",
               t.vs_real.size(), " differences for ", t.setting.size(), " rows");
  return t;
}

ComparisonTable read_point_comparisons(const data::h5::Group& root) {
  ComparisonTable t;
  data::h5::Group g = root.open_group("point_comparisons");
  t.point = g.read_i32_1d("point");
  t.protocol = g.read_strings("protocol");
  t.setting = g.read_strings("setting");
  t.against = g.read_strings("against");
  t.differences = read_differences(g);
  EMOAUG_CHECK(t.differences.size() == t.setting.size() && t.point.size() == t.setting.size(),
               g.path(), ": ", t.differences.size(), " differences for ", t.setting.size(),
               " comparisons");
  return t;
}

void write_study(const data::h5::Group& g, const Study& study, const StudyRows& rows) {
  std::vector<std::string> keys, values;
  for (const StudyAxis& a : study.axes) keys.push_back(a.key);
  for (size_t p = 0; p < study.points.size(); ++p)
    for (size_t a = 0; a < study.axes.size(); ++a)
      values.push_back(study.axes[a].labels[study.points[p].value[a]]);
  g.write_int_attr("reference", study.reference);
  g.write_strings("axes", keys);
  g.write_strings("point_values", values);  // points x axes, row-major
  g.write_i32_1d("rows", rows.rows);        // (point, protocol, setting) -> summary row, or -1
}

StudyRows read_study_rows(const data::h5::Group& root, const Study& study) {
  if (!root.has("study")) EMOAUG_FAIL(root.where(""), ": no /study (results.h5 predates studies)");
  data::h5::Group g = root.open_group("study");
  StudyRows rows;
  rows.rows = g.read_i32_1d("rows");
  EMOAUG_CHECK(g.read_strings("axes").size() == study.axes.size() &&
                   rows.rows.size() == study.points.size() * 6,
               g.path(), ": the study differs from the one of config.toml");
  return rows;
}

void write_point_comparisons(const data::h5::Group& g,
                             const std::vector<PointDifference>& comparisons) {
  std::vector<std::string> protocol, setting, against;
  std::vector<int32_t> point;
  std::vector<Difference> differences;
  for (const PointDifference& c : comparisons) {
    point.push_back(c.point);
    protocol.push_back(name_of(c.protocol));
    setting.push_back(name_of(c.setting));
    against.push_back(c.vs_reference ? "reference" : "real");
    differences.push_back(c.difference);
  }
  g.write_i32_1d("point", point);
  g.write_strings("protocol", protocol);
  g.write_strings("setting", setting);
  g.write_strings("against", against);
  write_differences(g, differences);
}

void write_probe(const data::h5::Group& g, const std::vector<ProbePart>& parts, int classes) {
  std::vector<std::string> paths, groups;
  std::vector<int32_t> syn_row, group_part, epochs;
  Tensor shares(static_cast<int64_t>(parts.size()) * classes, classes);
  Tensor distance(static_cast<int64_t>(parts.size()), classes);
  for (size_t p = 0; p < parts.size(); ++p) {
    paths.push_back(parts[p].path);
    syn_row.push_back(parts[p].syn_row);
    for (int e = 0; e < classes; ++e) {
      distance(static_cast<int64_t>(p), e) = static_cast<float>(parts[p].distance[e]);
      for (int c = 0; c < classes; ++c)
        shares(static_cast<int64_t>(p) * classes + e, c) =
            static_cast<float>(parts[p].shares[static_cast<size_t>(e) * classes + c]);
    }
    for (size_t k = 0; k < parts[p].groups.size(); ++k) {
      groups.push_back(parts[p].groups[k]);
      group_part.push_back(static_cast<int32_t>(p));
      epochs.push_back(parts[p].generator_epochs[k]);
    }
  }
  g.write_strings("parts", paths);
  g.write_f32_2d("shares", shares.view(), false);
  g.write_f32_2d("distance", distance.view(), false);
  g.write_i32_1d("syn_row", syn_row);
  g.write_strings("groups", groups);
  g.write_i32_1d("group_part", group_part);
  g.write_i32_1d("generator_epoch", epochs);
}

std::vector<ProbePart> read_probe(const data::h5::Group& root, int classes) {
  std::vector<ProbePart> parts;
  if (!root.has("probe")) return parts;
  const data::h5::Group g = root.open_group("probe");
  const std::vector<std::string> paths = g.read_strings("parts");
  const Tensor shares = g.read_f32_2d("shares"), distance = g.read_f32_2d("distance");
  const std::vector<int32_t> syn_row = g.read_i32_1d("syn_row");
  const std::vector<std::string> groups = g.read_strings("groups");
  const std::vector<int32_t> group_part = g.read_i32_1d("group_part");
  const std::vector<int32_t> epochs = g.read_i32_1d("generator_epoch");
  EMOAUG_CHECK(shares.rows() == static_cast<int64_t>(paths.size()) * classes &&
                   shares.cols() == classes &&
                   distance.rows() == static_cast<int64_t>(paths.size()),
               g.path(), ": the probe's tables do not match ", paths.size(), " parts of ", classes,
               " classes");
  for (size_t p = 0; p < paths.size(); ++p) {
    ProbePart part{paths[p], {}, {}, {}, {}, syn_row[p]};
    for (int e = 0; e < classes; ++e) {
      part.distance.push_back(distance(static_cast<int64_t>(p), e));
      for (int c = 0; c < classes; ++c)
        part.shares.push_back(shares(static_cast<int64_t>(p) * classes + e, c));
    }
    for (size_t k = 0; k < groups.size(); ++k)
      if (group_part[k] == static_cast<int32_t>(p)) {
        part.groups.push_back(groups[k]);
        part.generator_epochs.push_back(epochs[k]);
      }
    parts.push_back(part);
  }
  return parts;
}

RunInfo read_run_info(const RunContext& ctx) {
  RunInfo info;
  const std::string path = ctx.dir.results();
  if (!file_exists(path)) return info;
  try {
    data::h5::File file = data::h5::File::open(path);
    data::h5::Group root = file.root();
    info.ranks = static_cast<int>(root.read_int_attr("ranks"));
    const std::string hosts = root.read_string_attr("hosts");
    for (size_t at = 0; !hosts.empty() && at != std::string::npos;) {
      const size_t comma = hosts.find(',', at);
      info.hosts.push_back(hosts.substr(at, comma == std::string::npos ? comma : comma - at));
      at = comma == std::string::npos ? comma : comma + 1;
    }
    info.devices = root.read_string_attr("devices");
    info.seconds = root.read_double_attr("seconds");
  } catch (const Error& e) {
    // A damaged results.h5 is what `emoaug aggregate` is there to rebuild.
    log_warn("%s; its record of ranks, hosts and time is lost", e.what());
    return RunInfo{};
  }
  return info;
}

}  // namespace emoaug::experiment
