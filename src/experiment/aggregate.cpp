#include "experiment/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/version.h"
#include "data/h5.h"
#include "experiment/results_file.h"
#include "experiment/stage_ser.h"
#include "ser/paired_comparison.h"

namespace emoaug::experiment {
namespace {

struct Stats {
  double mean = 0, std = 0;
};

Stats mean_std(const std::vector<double>& v, data::StdKind kind) {
  Stats s;
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= v.size();
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  const double dof = kind == data::StdKind::Sample ? static_cast<double>(v.size()) - 1 : v.size();
  s.std = dof > 0 ? std::sqrt(ss / dof) : 0.0;
  return s;
}

// Each task's UAR in percent by (fold, repetition) — the pairs two rows are compared over.
using PairedUars = std::map<std::pair<int, int>, double>;

Difference compare(const PairedUars& a, const PairedUars& b, double test_train_ratio) {
  std::vector<double> xa, xb;
  for (const auto& [pair, uar] : a) {
    const auto other = b.find(pair);
    if (other == b.end()) continue;
    xa.push_back(uar);
    xb.push_back(other->second);
  }
  Difference d;
  d.pairs = static_cast<int>(xa.size());
  if (xa.empty()) return d;
  const ser::PairedComparison c = ser::compare_paired(xa, xb);
  d.mean = c.mean_difference;
  d.ci_low = c.ci_low;
  d.ci_high = c.ci_high;
  d.p_t = c.t_p;
  d.p_wilcoxon = c.wilcoxon_p;
  if (std::isnan(test_train_ratio)) return d;
  const ser::CorrectedComparison k = ser::compare_corrected(xa, xb, test_train_ratio);
  d.test_train_ratio = test_train_ratio;
  d.p_corrected = k.t_p;
  d.ci_corrected_low = k.ci_low;
  d.ci_corrected_high = k.ci_high;
  return d;
}

double ratio_for(const TestTrainRatios& ratios, Protocol p) {
  return p == Protocol::Cross ? ratios.cross : ratios.within;
}

// The UARs of every row, by (protocol, setting, config path).
using RowKey = std::tuple<int, int, std::string>;
RowKey row_key(const SerTask& t) {
  return {static_cast<int>(t.protocol), static_cast<int>(t.setting), t.config.path};
}

std::map<RowKey, PairedUars> paired_uars(const std::vector<SerOutcome>& outcomes) {
  std::map<RowKey, PairedUars> rows;
  for (const SerOutcome& o : outcomes)
    rows[row_key(o.task)][{o.task.fold, o.task.repetition}] = 100.0 * o.uar;
  return rows;
}

// The label of each axis in a config path ("lcls=2/ser.real.epochs=20"), "" for those it lacks.
std::vector<std::string> axis_values_of(const Study& study, const std::string& path) {
  std::vector<std::string> values(study.axes.size());
  for (size_t at = 0; !path.empty() && at != std::string::npos;) {
    const size_t slash = path.find('/', at);
    const std::string part = path.substr(at, slash == std::string::npos ? slash : slash - at);
    const size_t eq = part.find('=');
    for (size_t a = 0; a < study.axes.size(); ++a)
      if (study.axes[a].path_name == part.substr(0, eq)) values[a] = part.substr(eq + 1);
    at = slash == std::string::npos ? slash : slash + 1;
  }
  return values;
}

// Orders rows by their axes' values, numbers as numbers (λcls 2 before 10), "" first.
bool values_before(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    char* end_a = nullptr;
    char* end_b = nullptr;
    const double x = std::strtod(a[i].c_str(), &end_a), y = std::strtod(b[i].c_str(), &end_b);
    if (!a[i].empty() && !b[i].empty() && *end_a == 0 && *end_b == 0 && x != y) return x < y;
    return a[i] < b[i];
  }
  return false;
}

std::string number(double x, const char* format) {
  if (std::isnan(x)) return "";
  char buf[32];
  std::snprintf(buf, sizeof(buf), format, x);
  return buf;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

TestTrainRatios test_train_ratios(const Corpora& corpora) {
  TestTrainRatios r;
  if (!corpora.folds.empty()) {
    std::vector<long long> test, train;
    for (const data::Fold& f : corpora.folds) {
      test.push_back(static_cast<long long>(f.test.size()));
      train.push_back(static_cast<long long>(f.train.size()));
    }
    r.within = ser::test_train_ratio(test, train);
  }
  if (corpora.has_cross() && corpora.target.rows() > 0)
    r.cross = ser::test_train_ratio({static_cast<long long>(corpora.cross_split.second.size())},
                                    {static_cast<long long>(corpora.target.rows())});
  return r;
}

StudyRows study_rows(const Study& study, const std::vector<SummaryRow>& rows) {
  StudyRows out;
  out.rows.assign(study.points.size() * 6, -1);
  std::map<RowKey, int> index;
  for (size_t i = 0; i < rows.size(); ++i)
    index[{static_cast<int>(rows[i].protocol), static_cast<int>(rows[i].setting), rows[i].path}] =
        static_cast<int>(i);
  for (size_t p = 0; p < study.points.size(); ++p)
    for (Protocol protocol : {Protocol::Within, Protocol::Cross})
      for (Setting setting : {Setting::Real, Setting::Syn, Setting::RealSyn}) {
        const auto it =
            index.find({static_cast<int>(protocol), static_cast<int>(setting),
                        study.ser_path(static_cast<int>(p), setting, protocol == Protocol::Cross)});
        if (it != index.end())
          out.rows[(p * 2 + static_cast<int>(protocol)) * 3 + static_cast<int>(setting)] =
              it->second;
      }
  return out;
}

std::vector<SummaryRow> summarize(const std::vector<SerOutcome>& outcomes, const Study& study,
                                  data::StdKind std_kind, const TestTrainRatios& ratios) {
  struct Acc {
    std::map<int, std::vector<double>> by_rep, by_rep_dev;  // repetition -> UARs (folds)
    std::map<int, std::vector<double>> by_fold;             // fold -> UARs (repetitions)
    std::vector<double> confusion, recall;
    int tasks = 0;
  };
  std::map<RowKey, Acc> groups;
  std::map<RowKey, double> lambdas;
  for (const SerOutcome& o : outcomes) {
    Acc& a = groups[row_key(o.task)];
    lambdas[row_key(o.task)] =
        o.task.setting == Setting::Real ? 0.0 : o.task.source_gan().lambda_cls();
    a.by_rep[o.task.repetition].push_back(o.uar);
    if (o.uar_dev >= 0) a.by_rep_dev[o.task.repetition].push_back(o.uar_dev);
    a.by_fold[o.task.fold].push_back(o.uar);
    // Row-normalised confusion, so folds of different sizes weigh the same.
    const size_t c2 = o.confusion.size();
    const int c = static_cast<int>(std::lround(std::sqrt(static_cast<double>(c2))));
    if (a.confusion.empty()) a.confusion.assign(c2, 0.0);
    if (a.recall.empty()) a.recall.assign(o.recall.size(), 0.0);
    EMOAUG_CHECK(a.recall.size() == o.recall.size(), "recalls of different sizes in one row");
    for (size_t k = 0; k < o.recall.size(); ++k) a.recall[k] += 100.0 * o.recall[k];
    EMOAUG_CHECK(a.confusion.size() == c2, "confusion matrices of different sizes in one row");
    for (int t = 0; t < c; ++t) {
      double row = 0;
      for (int p = 0; p < c; ++p) row += o.confusion[t * c + p];
      for (int p = 0; p < c; ++p)
        a.confusion[t * c + p] += row > 0 ? o.confusion[t * c + p] / row : 0;
    }
    ++a.tasks;
  }
  std::vector<SummaryRow> rows;
  for (auto& [key, a] : groups) {
    SummaryRow r;
    r.protocol = static_cast<Protocol>(std::get<0>(key));
    r.setting = static_cast<Setting>(std::get<1>(key));
    r.path = std::get<2>(key);
    r.axis_values = axis_values_of(study, r.path);
    r.lambda_cls = lambdas.at(key);
    std::vector<double> per_rep, per_rep_dev;
    for (auto& [rep, uars] : a.by_rep) per_rep.push_back(100.0 * mean_std(uars, std_kind).mean);
    for (auto& [rep, uars] : a.by_rep_dev)
      per_rep_dev.push_back(100.0 * mean_std(uars, std_kind).mean);
    Stats s = mean_std(per_rep, std_kind);
    r.uar_mean = s.mean;
    r.uar_std = s.std;
    r.repetitions = static_cast<int>(per_rep.size());
    if (!per_rep_dev.empty()) {
      Stats d = mean_std(per_rep_dev, std_kind);
      r.uar_dev_mean = d.mean;
      r.uar_dev_std = d.std;
    }
    if (r.protocol == Protocol::Within)
      for (auto& [fold, uars] : a.by_fold)
        r.fold_means.push_back(100.0 * mean_std(uars, std_kind).mean);
    r.confusion = a.confusion;
    for (double& v : r.confusion) v /= a.tasks;
    r.recall = a.recall;
    for (double& v : r.recall) v /= a.tasks;
    rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const SummaryRow& a, const SummaryRow& b) {
    if (a.protocol != b.protocol) return a.protocol < b.protocol;
    if (a.setting != b.setting) return a.setting < b.setting;
    return values_before(a.axis_values, b.axis_values);
  });
  const std::map<RowKey, PairedUars> uars = paired_uars(outcomes);
  const StudyRows of_point = study_rows(study, rows);
  const int points = static_cast<int>(study.points.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SummaryRow& r = rows[i];
    if (r.setting == Setting::Real) continue;
    for (int k = 0; k < points; ++k) {
      const int p = (study.reference + k) % points;
      if (of_point.at(p, r.protocol, r.setting) != static_cast<int>(i)) continue;
      const int real = of_point.at(p, r.protocol, Setting::Real);
      if (real >= 0)
        r.vs_real =
            compare(uars.at({static_cast<int>(r.protocol), static_cast<int>(r.setting), r.path}),
                    uars.at({static_cast<int>(r.protocol), static_cast<int>(Setting::Real),
                             rows[real].path}),
                    ratio_for(ratios, r.protocol));
      break;
    }
  }
  return rows;
}

std::vector<PointDifference> compare_points(const std::vector<SerOutcome>& outcomes,
                                            const Study& study, const std::vector<SummaryRow>& rows,
                                            const TestTrainRatios& ratios) {
  const std::map<RowKey, PairedUars> uars = paired_uars(outcomes);
  const StudyRows of_point = study_rows(study, rows);
  auto uars_of = [&](int row) -> const PairedUars& {
    const SummaryRow& r = rows[row];
    return uars.at({static_cast<int>(r.protocol), static_cast<int>(r.setting), r.path});
  };
  std::vector<PointDifference> out;
  std::set<std::pair<int, int>> done;  // (row, row) pairs compared
  auto add = [&](int point, Protocol p, Setting s, bool vs_reference, int a, int b) {
    if (a < 0 || b < 0 || a == b || !done.insert({a, b}).second) return;
    out.push_back(
        {point, p, s, vs_reference, compare(uars_of(a), uars_of(b), ratio_for(ratios, p))});
  };
  for (int point = 0; point < static_cast<int>(study.points.size()); ++point)
    for (Protocol p : {Protocol::Within, Protocol::Cross})
      for (Setting s : {Setting::Real, Setting::Syn, Setting::RealSyn})
        if (point != study.reference)
          add(point, p, s, true, of_point.at(point, p, s), of_point.at(study.reference, p, s));
  for (int point = 0; point < static_cast<int>(study.points.size()); ++point)
    for (Protocol p : {Protocol::Within, Protocol::Cross})
      for (Setting s : {Setting::Syn, Setting::RealSyn})
        add(point, p, s, false, of_point.at(point, p, s), of_point.at(point, p, Setting::Real));
  return out;
}

std::string summary_csv(const std::vector<SummaryRow>& rows, const Study& study,
                        const std::vector<std::string>& class_names) {
  std::vector<size_t> other_axes;  // the axes besides λcls, which has its column of old
  for (size_t a = 0; a < study.axes.size(); ++a)
    if (study.axes[a].key != "gan.lambda_cls") other_axes.push_back(a);
  std::string out = "protocol,setting,lambda_cls";
  for (size_t a : other_axes) out += "," + study.axes[a].key;
  out +=
      ",uar_mean,uar_std,repetitions,diff_real,diff_ci_low,"
      "diff_ci_high,pairs,p_t,p_wilcoxon,p_corrected,ci_corrected_low,ci_corrected_high";
  for (const std::string& c : class_names) out += ",recall_" + c;
  out += "\n";
  char line[256];
  for (const SummaryRow& r : rows) {
    const bool real = r.setting == Setting::Real;
    out += std::string(name_of(r.protocol)) + "," + name_of(r.setting) + "," +
           (real ? "" : lambda_text(r.lambda_cls));
    for (size_t a : other_axes) out += "," + (a < r.axis_values.size() ? r.axis_values[a] : "");
    std::snprintf(line, sizeof(line), ",%.2f,%.2f,%d", r.uar_mean, r.uar_std, r.repetitions);
    out += line;
    const Difference& d = r.vs_real;
    out += "," + number(d.mean, "%.2f") + "," + number(d.ci_low, "%.2f") + "," +
           number(d.ci_high, "%.2f") + "," + (real ? "" : std::to_string(d.pairs)) + "," +
           number(d.p_t, "%.4g") + "," + number(d.p_wilcoxon, "%.4g") + "," +
           number(d.p_corrected, "%.4g") + "," + number(d.ci_corrected_low, "%.2f") + "," +
           number(d.ci_corrected_high, "%.2f");
    for (size_t k = 0; k < class_names.size(); ++k)
      out += "," + number(k < r.recall.size() ? r.recall[k] : std::nan(""), "%.2f");
    out += "\n";
  }
  return out;
}

std::vector<ProbePart> summarize_probe(const RunContext& ctx, const Plan& plan,
                                       const std::vector<SummaryRow>& rows) {
  const int n = ctx.emotions();
  std::vector<ProbePart> parts;
  for (const GanTask& t : plan.gan) {
    auto part = std::find_if(parts.begin(), parts.end(),
                             [&](const ProbePart& p) { return p.path == t.config.path; });
    if (part == parts.end()) {
      parts.push_back({t.config.path,
                       std::vector<double>(static_cast<size_t>(n) * n, 0.0),
                       std::vector<double>(static_cast<size_t>(n), 0.0),
                       {},
                       {},
                       -1});
      part = parts.end() - 1;
    }
    int epoch = 0;
    for (int e = 0; e < n; ++e) {
      data::h5::File f = data::h5::File::open(ctx.dir.gan_output(t.key(), e));
      const data::h5::Group stats = f.root().open_group("stats");
      if (!stats.has("probe_shares"))
        EMOAUG_FAIL(ctx.dir.gan_output(t.key(), e),
                    ": no probe_shares (written before the probe; rerun its GAN task)");
      const std::vector<double> shares = stats.read_f64_1d("probe_shares");
      EMOAUG_CHECK(shares.size() == static_cast<size_t>(n), "probe_shares of ", n, " classes");
      for (int c = 0; c < n; ++c) part->shares[static_cast<size_t>(e) * n + c] += shares[c];
      part->distance[e] += stats.read_double_attr("target_synthetic");
      epoch = static_cast<int>(stats.read_int_attr("generator_epoch"));
    }
    part->groups.push_back(t.key().name());
    part->generator_epochs.push_back(epoch);
  }
  for (ProbePart& p : parts) {
    for (double& v : p.shares) v /= static_cast<double>(p.groups.size());
    for (double& v : p.distance) v /= static_cast<double>(p.groups.size());
  }
  // The within-corpus syn row of each part: the first point's (from the reference on) that has it.
  const Study& study = ctx.study;
  const StudyRows of_point = study_rows(study, rows);
  const int points = static_cast<int>(study.points.size());
  for (ProbePart& p : parts)
    for (int k = 0; k < points && p.syn_row < 0; ++k) {
      const int point = (study.reference + k) % points;
      if (study.gan_path(point) == p.path)
        p.syn_row = of_point.at(point, Protocol::Within, Setting::Syn);
    }
  return parts;
}

std::vector<std::string> probe_warnings(const std::vector<ProbePart>& parts,
                                        const std::vector<std::string>& class_names) {
  const int n = static_cast<int>(class_names.size());
  std::vector<std::string> lines;
  char buf[512];
  for (const ProbePart& p : parts)
    for (int e = 0; e < n; ++e)
      if (p.agreement(e, n) < 1.0 / n) {
        std::snprintf(buf, sizeof(buf),
                      "probe: a classifier trained on the real rows labels only %.1f %% of the "
                      "synthetic '%s' set of %s as '%s', below chance (%.1f %%): check that set "
                      "before trusting what is trained on it",
                      100 * p.agreement(e, n), class_names[e].c_str(),
                      p.path.empty() ? "the run" : readable_path(p.path).c_str(),
                      class_names[e].c_str(), 100.0 / n);
        lines.push_back(buf);
      }
  return lines;
}

std::vector<std::string> aggregate(const RunContext& ctx, const Plan& plan, const RunInfo& info) {
  const config::ExperimentConfig& cfg = ctx.cfg;
  for (const GanTask& t : plan.gan)
    if (!ctx.finished(t))
      EMOAUG_FAIL("the run is incomplete: GAN task ", t.key().name(), " has not finished (rerun ",
                  "`emoaug run` on the same config to finish it)");
  std::vector<SerOutcome> outcomes;
  for (const SerTask& t : plan.ser) {
    if (!ctx.finished(t))
      EMOAUG_FAIL("the run is incomplete: SER task ", t.key().name(), " has not finished (rerun ",
                  "`emoaug run` on the same config to finish it)");
    outcomes.push_back(read_ser_outcome(ctx.dir.ser_output(t.key()), t));
  }
  const TestTrainRatios ratios = test_train_ratios(ctx.corpora);
  const std::vector<SummaryRow> rows = summarize(outcomes, ctx.study, cfg.ser.std_kind, ratios);
  const int emotions = ctx.emotions();
  const std::vector<ProbePart> probe = summarize_probe(ctx, plan, rows);
  bool leaked = false;
  for (const GanTask& t : plan.gan) leaked = leaked || (t.fold < 0 && !t.cfg().gan.per_fold);

  write_atomically(ctx.dir.results(), [&](const std::string& temp) {
    data::h5::File file = data::h5::File::create(temp);
    data::h5::Group root = file.root();
    root.write_string_attr("format", "emoaug-results");
    root.write_string_attr("version", EMOAUG_VERSION);
    root.write_string_attr("git_sha", git_sha());
    root.write_string_attr("config", config::to_toml(cfg));
    root.write_string_attr("created", now_utc());
    root.write_int_attr("ranks", info.ranks);
    std::string hosts;
    for (const std::string& h : info.hosts) hosts += (hosts.empty() ? "" : ",") + h;
    root.write_string_attr("hosts", hosts);
    root.write_string_attr("devices", info.devices);
    root.write_double_attr("seconds", info.seconds);
    root.write_string_attr("std", config::to_string(cfg.ser.std_kind));
    root.write_int_attr("test_sessions_leaked", leaked ? 1 : 0);
    if (leaked)
      root.write_string_attr("note",
                             "gan.per_fold = false: the CycleGANs saw every session, the test "
                             "session of each fold included (the paper's protocol)");
    root.write_strings("class_names", ctx.corpora.target.class_names);
    write_summary(root.create_group("summary"), rows, static_cast<int>(ctx.corpora.folds.size()));
    write_study(root.create_group("study"), ctx.study, study_rows(ctx.study, rows));
    if (!probe.empty()) write_probe(root.create_group("probe"), probe, emotions);
    write_point_comparisons(root.create_group("point_comparisons"),
                            compare_points(outcomes, ctx.study, rows, ratios));
    data::h5::Group ser = root.create_group("ser");
    for (const SerOutcome& o : outcomes) write_ser_outcome(ser.create_group(o.task.key().path), o);
    data::h5::Group gan = root.create_group("gan");
    for (const GanTask& t : plan.gan)
      for (int e = 0; e < emotions; ++e) {
        data::h5::File f = data::h5::File::open(ctx.dir.gan_output(t.key(), e));
        const std::string where = t.key().path + "/" + ctx.corpora.target.class_names[e];
        data::h5::Group dst = gan.create_group(where);
        f.root().copy_to("stats", dst, "stats");
        f.root().copy_to("losses", dst, "losses");
      }
    file.close();
  });

  write_text_file(ctx.dir.summary_csv(),
                  summary_csv(rows, ctx.study, ctx.corpora.target.class_names));

  if (!plan.gan.empty()) {
    // Links, not copies: the synthetic corpora stay in their task files (they can be large).
    write_atomically(ctx.dir.synthetic(), [&](const std::string& temp) {
      data::h5::File file = data::h5::File::create(temp);
      data::h5::Group root = file.root();
      root.write_string_attr("format", "emoaug-synthetic");
      root.write_string_attr(
          "layout",
          "<swept values, lcls=λ>/<fold=k|all>/<class>: corpus v1 group (external link into "
          "tasks/gan/...; keep the run directory together)");
      for (const GanTask& t : plan.gan) {
        data::h5::Group g = root.create_group(t.key().path);
        g.write_double_attr("lambda_cls", t.lambda_cls());
        g.write_int_attr("fold", t.fold);
        g.write_int_attr("held_out_group", t.fold >= 0 ? ctx.corpora.folds[t.fold].group : -1);
        g.write_int_attr("seed", static_cast<int64_t>(t.cfg().experiment.seed));
        g.write_int_attr("epochs", t.cfg().gan.options.epochs);
        g.write_int_attr("pretrain_epochs", t.cfg().gan.options.pretrain_epochs);
        g.write_int_attr("test_sessions_leaked", t.fold < 0 ? 1 : 0);
        for (int e = 0; e < emotions; ++e)
          g.link_external(ctx.corpora.target.class_names[e], ctx.dir.gan_output_in_run(t.key(), e),
                          "/synthetic");
      }
      file.close();
    });
  }
  return probe_warnings(probe, ctx.corpora.target.class_names);
}

}  // namespace emoaug::experiment
