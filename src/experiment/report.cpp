#include "experiment/report.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "data/h5.h"
#include "experiment/aggregate.h"
#include "experiment/results_file.h"
#include "experiment/status.h"

namespace emoaug::experiment {
namespace {

std::string number(double x, const char* format) {
  if (std::isnan(x)) return "–";
  char buf[48];
  std::snprintf(buf, sizeof(buf), format, x);
  return buf;
}

// "| Δ | [lo, hi] | [lo, hi] corrected | pairs | p t | p W | p corrected |" for one difference, Δ
// marked when it holds at 5 %.
std::string difference_cells(const Difference& d) {
  return "| " + number(d.mean, "%+.2f") + (d.holds_at_5_percent() ? " *" : "") + " | [" +
         number(d.ci_low, "%+.2f") + ", " + number(d.ci_high, "%+.2f") + "] | [" +
         number(d.ci_corrected_low, "%+.2f") + ", " + number(d.ci_corrected_high, "%+.2f") +
         "] | " + std::to_string(d.pairs) + " | " + number(d.p_t, "%.3g") + " | " +
         number(d.p_wilcoxon, "%.3g") + " | " + number(d.p_corrected, "%.3g") + " |";
}

std::string cell(double mean, double std) {
  if (mean < 0 || std::isnan(mean)) return "–";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f ± %.2f", mean, std);
  return buf;
}

const char* const kSettings[] = {"real", "syn", "real+syn"};

// Table 2 / 3: rows λcls, columns Real / Syn. / Real + Syn. (Real does not depend on λcls.) The
// rows are the points that differ from the reference in λcls alone.
void uar_table(std::ostringstream& md, const SummaryTable& t, const Study& study,
               const StudyRows& rows, Protocol protocol, bool dev) {
  md << "| λcls | Real | Syn. | Real + Syn. |\n|---|---|---|---|\n";
  // Without synthetic settings λcls plays no part: one row.
  bool synthetic = false;
  for (size_t i = 0; i < t.setting.size(); ++i)
    synthetic = synthetic || (t.protocol[i] == name_of(protocol) && t.setting[i] != "real");
  const std::vector<int>& reference = study.points[study.reference].value;
  for (size_t p = 0; p < study.points.size(); ++p) {
    bool lambda_only = true;
    int lambda_axis = 0;
    for (size_t a = 0; a < study.axes.size(); ++a) {
      if (study.axes[a].key == "gan.lambda_cls")
        lambda_axis = static_cast<int>(a);
      else
        lambda_only = lambda_only && study.points[p].value[a] == reference[a];
    }
    if (!lambda_only || (!synthetic && static_cast<int>(p) != study.reference)) continue;
    md << "| "
       << (synthetic ? study.axes[lambda_axis].labels[study.points[p].value[lambda_axis]] : "–")
       << " |";
    for (Setting s : {Setting::Real, Setting::Syn, Setting::RealSyn}) {
      const int i = rows.at(static_cast<int>(p), protocol, s);
      if (i < 0)
        md << " – |";
      else
        md << " " << (dev ? cell(t.dev_mean[i], t.dev_std[i]) : cell(t.mean[i], t.std[i])) << " |";
    }
    md << "\n";
  }
}

// The values a row reads of the axes besides λcls ("gan.epochs=20, ser.real.epochs=40"), "–"
// when none.
std::string other_values(const SummaryTable& t, const Study& study, size_t row) {
  std::string out;
  for (size_t a = 0; a < study.axes.size(); ++a) {
    const std::string& v = t.axis_values[row * study.axes.size() + a];
    if (study.axes[a].key != "gan.lambda_cls" && !v.empty())
      out += (out.empty() ? "" : ", ") + study.axes[a].key + "=" + v;
  }
  return out.empty() ? "–" : out;
}

bool has_other_axes(const Study& study) {
  return study.axes.size() > 1;
}

// What the report shows besides the summary: the provenance line and Table 1's distances.
struct Results {
  std::string created, git_sha, devices;
  int64_t ranks = 0;
  double seconds = 0;
  SummaryTable summary;
  StudyRows rows;  // each point's rows in the summary
  ComparisonTable comparisons;
  double target_source = 0;                       // mean over groups and emotions
  std::vector<double> target_source_per_emotion;  // mean over groups
  // Per GAN part of the study (its path, "lcls=2"), in the plan's order: the probe's matrices and
  // Table 1's distance to the target per emotion, each a mean over the part's groups.
  std::vector<ProbePart> probe;
};

Results read_results(const RunContext& ctx, const Plan& plan) {
  data::h5::File file = data::h5::File::open(ctx.dir.results());
  data::h5::Group root = file.root();
  Results r;
  r.created = root.read_string_attr("created");
  r.git_sha = root.read_string_attr("git_sha");
  r.devices = root.read_string_attr("devices");
  r.ranks = root.read_int_attr("ranks");
  r.seconds = root.read_double_attr("seconds");
  r.summary = read_summary(root);
  r.rows = read_study_rows(root, ctx.study);
  EMOAUG_CHECK(r.summary.axis_values.size() == r.summary.setting.size() * ctx.study.axes.size(),
               ctx.dir.results(), ": /summary/axis_values does not match the study's axes");
  r.comparisons = read_point_comparisons(root);
  r.probe = read_probe(root, ctx.emotions());
  if (plan.gan.empty()) return r;
  if (r.probe.empty()) EMOAUG_FAIL(ctx.dir.results(), " predates the probe (no /probe)");
  r.target_source_per_emotion.assign(static_cast<size_t>(ctx.emotions()), 0.0);
  data::h5::Group gan = root.open_group("gan");
  int source_n = 0;
  for (const GanTask& g : plan.gan)
    for (const std::string& cls : ctx.corpora.target.class_names) {
      data::h5::Group s = gan.open_group(g.key().path + "/" + cls + "/stats");
      r.target_source += s.read_double_attr("target_source");
      r.target_source_per_emotion[static_cast<size_t>(source_n % ctx.emotions())] +=
          s.read_double_attr("target_source") / static_cast<double>(plan.gan.size());
      ++source_n;
    }
  r.target_source /= source_n;
  file.close();
  return r;
}

void write_header(std::ostringstream& md, const RunContext& ctx, const Plan& plan,
                  const Results& r) {
  const config::ExperimentConfig& cfg = ctx.cfg;
  md << "# " << cfg.experiment.name << ": emoaug report\n\n";
  md << "Run " << r.created << ", emoaug " << EMOAUG_VERSION << " (git " << r.git_sha << "), "
     << r.ranks << " rank(s), " << r.devices << ", " << std::lround(r.seconds) << " s. Target "
     << cfg.data.target << " (" << ctx.corpora.target.rows() << " rows, "
     << ctx.corpora.folds.size() << " groups)";
  if (ctx.corpora.unlabeled_target_rows > 0)
    md << "; " << ctx.corpora.unlabeled_target_rows
       << " rows of it in no class (label -1) were set aside";
  if (ctx.corpora.has_source()) md << ", source " << cfg.data.source;
  if (ctx.corpora.has_cross()) md << ", cross-corpus " << cfg.data.cross;
  md << ".\n\nUAR in %, mean ± " << config::to_string(cfg.ser.std_kind) << " std over "
     << cfg.ser.repetitions
     << " repetitions (a repetition's within-corpus UAR is the mean over its "
     << "leave-one-group-out folds).\n";
  if (!cfg.gan.per_fold && !plan.gan.empty())
    md << "\n**Protocol note:** gan.per_fold = false — the CycleGANs were trained on every "
          "session, so each fold's test session leaked into its synthetic training data (the "
          "paper's protocol).\n";
}

// Table 1: mean over emotions (and over folds) of the per-emotion distances.
void write_table1(std::ostringstream& md, const Results& r,
                  const std::vector<std::string>& fig2_features,
                  const std::vector<std::string>& classes) {
  md << "\n## Table 1: distance to the target distribution\n\nMean over features of |mean "
        "difference| after min-max scaling, averaged over emotions and GAN groups, and per "
        "emotion (averaged over GAN groups).\n\n| | value |";
  for (const std::string& c : classes) md << " " << c << " |";
  md << "\n|---|---|";
  for (size_t c = 0; c < classes.size(); ++c) md << "---|";
  md << "\n";
  std::string features;
  for (const std::string& f : fig2_features) features += (features.empty() ? "" : ", ") + f;
  auto cells = [&](const std::vector<double>& per_emotion) {
    std::string out;
    for (size_t e = 0; e < classes.size(); ++e)
      out += " " + number(e < per_emotion.size() ? per_emotion[e] : std::nan(""), "%.3f") + " |";
    return out;
  };
  md << "| \\|target − source\\| | " << number(r.target_source, "%.3f") << " |"
     << cells(r.target_source_per_emotion) << "\n";
  for (const ProbePart& p : r.probe) {
    double mean = 0;  // over emotions: each group contributes every emotion once
    for (double d : p.distance) mean += d / static_cast<double>(p.distance.size());
    md << "| \\|target − syn(" << readable_path(p.path) << ")\\| | " << number(mean, "%.3f") << " |"
       << cells(p.distance) << "\n";
  }
  if (!features.empty()) md << "\nFig. 2 compares the features " << features << ".\n";
}

// The probe's agreement matrices (probe.h), each part's generator epochs, and its warnings.
void write_probe(std::ostringstream& md, const Results& r, const config::ExperimentConfig& cfg,
                 const std::vector<std::string>& classes) {
  if (r.probe.empty()) return;
  const int n = static_cast<int>(classes.size());
  md << "\n## The synthetic sets as a real-trained probe sees them\n\nA linear classifier "
        "(multinomial logistic regression) trained on each GAN group's own real training rows, "
        "z-normalised, labels every synthetic set (normalised with the real rows' statistics). "
        "Rows: the synthetic set's emotion; columns: the probe's label, in % of the set, averaged "
        "over the part's GAN groups. The diagonal is each set's agreement; chance is "
     << number(100.0 / n, "%.1f")
     << " %. A linear probe sees only what a linear model sees: a set it recognises may still "
        "differ from the target in ways it cannot tell, and one it does not is not the emotion "
        "that real data of it is (docs/results.md, \"The probe\").\n";
  for (const std::string& w : probe_warnings(r.probe, classes))
    md << "\n**Warning:** " << w << ".\n";
  for (const ProbePart& p : r.probe) {
    int first = p.generator_epochs.empty() ? 0 : p.generator_epochs.front();
    bool same = true;
    for (int e : p.generator_epochs) same = same && e == first;
    std::string epochs;
    if (same) {
      epochs = "epoch " + std::to_string(first) + " in every group";
    } else {
      for (size_t k = 0; k < p.groups.size(); ++k)
        epochs += (k ? ", " : "") + p.groups[k] + ": " + std::to_string(p.generator_epochs[k]);
    }
    md << "\n**" << readable_path(p.path)
       << "** (gan.select_epoch = " << config::to_string(cfg.gan.select_epoch)
       << "; the generators of " << epochs << ")\n\n| synthetic \\ probe |";
    for (const std::string& c : classes) md << " " << c << " |";
    md << " agreement | \\|target − syn\\| |\n|---|";
    for (int c = 0; c < n + 2; ++c) md << "---|";
    md << "\n";
    for (int e = 0; e < n; ++e) {
      md << "| " << classes[e] << " |";
      for (int c = 0; c < n; ++c)
        md << " " << number(100 * p.shares[static_cast<size_t>(e) * n + c], "%.1f") << " |";
      md << " " << number(100 * p.agreement(e, n), "%.1f")
         << (p.agreement(e, n) < 1.0 / n ? " (below chance)" : "") << " | "
         << number(p.distance[e], "%.3f") << " |\n";
    }
  }
}

// Tables 2 and 3.
void write_uar_tables(std::ostringstream& md, const config::ExperimentConfig& cfg,
                      const Study& study, const Results& r) {
  const std::string at_reference =
      has_other_axes(study) ? " (the study's other axes at the reference point's values)" : "";
  md << "\n## Table 2: within-corpus (leave-one-group-out)"
     << "\n\n";
  if (!at_reference.empty()) md << "Rows: λcls" << at_reference << ".\n\n";
  uar_table(md, r.summary, study, r.rows, Protocol::Within, false);
  if (!cfg.ser.cross_corpus) return;
  md << "\n## Table 3: cross-corpus\n\nTrained on all of the target corpus, tested on "
     << 100 * (1 - cfg.data.dev_fraction) << " % of " << cfg.data.cross
     << " (stratified), fixed epochs:\n\n";
  uar_table(md, r.summary, study, r.rows, Protocol::Cross, false);
  if (!cfg.ser.dev_epochs.empty()) {
    md << "\nEpoch count chosen on the " << 100 * cfg.data.dev_fraction << " % dev part:\n\n";
    uar_table(md, r.summary, study, r.rows, Protocol::Cross, true);
  }
}

// Every point of a study with axes besides λcls: UAR per protocol and setting.
void write_study_table(std::ostringstream& md, const config::ExperimentConfig& cfg,
                       const Study& study, const Results& r) {
  if (!has_other_axes(study)) return;
  std::vector<Protocol> protocols{Protocol::Within};
  if (cfg.ser.cross_corpus) protocols.push_back(Protocol::Cross);
  md << "\n## The study\n\n" << study.points.size() << " points over ";
  for (size_t a = 0; a < study.axes.size(); ++a)
    md << (a ? ", " : "") << "`" << study.axes[a].key << "`";
  md << "; point " << study.reference << " is the reference. UAR in %, mean ± std over "
     << "repetitions; a cell shared by points is one set of tasks (points that differ only "
     << "where a setting does not read share its classifiers).\n\n| point |";
  for (const StudyAxis& a : study.axes) md << " " << a.key << " |";
  for (Protocol p : protocols)
    for (const char* s : kSettings) md << " " << name_of(p) << " " << s << " |";
  md << "\n|---|";
  for (size_t a = 0; a < study.axes.size() + protocols.size() * 3; ++a) md << "---|";
  md << "\n";
  for (size_t p = 0; p < study.points.size(); ++p) {
    md << "| " << p << (static_cast<int>(p) == study.reference ? " (ref.)" : "") << " |";
    for (size_t a = 0; a < study.axes.size(); ++a)
      md << " " << study.axes[a].labels[study.points[p].value[a]] << " |";
    for (Protocol protocol : protocols)
      for (Setting s : {Setting::Real, Setting::Syn, Setting::RealSyn}) {
        const int i = r.rows.at(static_cast<int>(p), protocol, s);
        md << " " << (i < 0 ? "–" : cell(r.summary.mean[i], r.summary.std[i])) << " |";
      }
    md << "\n";
  }
}

constexpr const char* kDifferencesExplained =
    "UAR percentage points over the same (fold, repetition) pairs (cross-corpus: repetitions): "
    "mean difference, its 95 % t interval, the same interval with Nadeau & Bengio's corrected "
    "variance, the number of pairs, and the two-sided p-values of the paired t-test, of the "
    "Wilcoxon signed-rank test (SciPy's definitions) and of the corrected resampled t-test. * "
    "marks "
    "a difference whose corrected resampled t-test p is below 0.05: the pairs' training sets "
    "overlap (folds share sessions, repetitions share data), so the plain t-test's variance is too "
    "small and it finds differences too often; the corrected test widens the variance from s²/J to "
    "(1/J + n_test/n_train)·s² (docs/results.md).";
constexpr const char* kStudyDifferencesHeader =
    "| protocol | setting | λcls | other axes | Δ UAR | 95 % CI | 95 % CI (corrected) | pairs | p "
    "(paired t) | p (Wilcoxon) | p (corrected t) "
    "|\n|---|---|---|---|---|---|---|---|---|---|---|\n";
constexpr const char* kDifferencesHeader =
    "| protocol | setting | λcls | Δ UAR | 95 % CI | 95 % CI (corrected) | pairs | p (paired t) | "
    "p (Wilcoxon) | p (corrected t) |\n|---|---|---|---|---|---|---|---|---|---|\n";

// The ratio each protocol's corrected test used, as one sentence; a results.h5 older than the
// corrected test has none, and `emoaug aggregate` computes it.
std::string ratios_sentence(const std::vector<std::string>& protocol,
                            const std::vector<Difference>& differences) {
  std::map<std::string, double> ratio;
  bool corrected = false;
  for (size_t i = 0; i < differences.size() && i < protocol.size(); ++i)
    if (!std::isnan(differences[i].test_train_ratio)) {
      ratio.emplace(protocol[i], differences[i].test_train_ratio);
      corrected = true;
    }
  if (!corrected)
    return " This results.h5 predates the corrected test: `emoaug aggregate RUNDIR` adds it.\n\n";
  std::string s = " n_test/n_train:";
  const char* separator = " ";
  for (const auto& [name, r] : ratio) {
    s += separator + name + " " + number(r, "%.4g");
    separator = ", ";
  }
  return s +
         " (within-corpus: the folds' mean test size over their mean training size; "
         "cross-corpus: the cross test part over the whole target).\n\n";
}

void write_differences_to_real(std::ostringstream& md, const SummaryTable& t, const Study& study) {
  if (t.vs_real.empty()) return;
  const bool others = has_other_axes(study);
  md << "\n## Differences to real\n\nEach synthetic setting minus `real` of the same protocol"
     << (others ? " (and of the first point, from the reference on, that has the row)" : "")
     << ", in " << kDifferencesExplained << ratios_sentence(t.protocol, t.vs_real)
     << (others ? kStudyDifferencesHeader : kDifferencesHeader);
  for (size_t i = 0; i < t.setting.size(); ++i)
    if (t.setting[i] != "real")
      md << "| " << t.protocol[i] << " | " << t.setting[i] << " | " << lambda_text(t.lambda[i])
         << (others ? " | " + other_values(t, study, i) : std::string()) << " "
         << difference_cells(t.vs_real[i]) << "\n";
}

// Each point against the reference point and, in a study with axes besides λcls, each point's
// synthetic settings against its real.
void write_point_differences(std::ostringstream& md, const Results& r, const Study& study) {
  const ComparisonTable& t = r.comparisons;
  for (const char* against : {"reference", "real"}) {
    const bool vs_reference = std::string(against) == "reference";
    if (!vs_reference && !has_other_axes(study)) continue;  // the differences to real, above
    std::string rows;
    for (size_t i = 0; i < t.setting.size(); ++i) {
      if (t.against[i] != against) continue;
      rows += "| " + t.protocol[i] + " | " + t.setting[i] + " | " + std::to_string(t.point[i]) +
              ": " + study.describe(t.point[i]) + " " + difference_cells(t.differences[i]) + "\n";
    }
    if (rows.empty()) continue;
    if (vs_reference)
      md << "\n## Points against the reference\n\nEach point's row minus the reference point's ("
         << study.reference << ": " << study.describe(study.reference)
         << ") of the same protocol and setting, where they differ, in ";
    else
      md << "\n## Within each point: against real\n\nEach point's synthetic settings minus its "
            "`real` (each pair of rows once), in ";
    md << kDifferencesExplained << ratios_sentence(t.protocol, t.differences)
       << "| protocol | setting | point | Δ UAR | 95 % CI | 95 % CI (corrected) | pairs | p "
          "(paired t) | p (Wilcoxon) | p (corrected t) "
          "|\n|---|---|---|---|---|---|---|---|---|---|\n"
       << rows;
  }
}

// A row's λcls, and in a study with other axes the values it reads of them.
std::string row_label(const SummaryTable& t, const Study& study, size_t i) {
  std::string label = t.setting[i] == "real" ? "–" : lambda_text(t.lambda[i]);
  if (has_other_axes(study)) label += " (" + other_values(t, study, i) + ")";
  return label;
}

void write_recalls(std::ostringstream& md, const SummaryTable& t, const Study& study,
                   const std::vector<std::string>& classes) {
  if (t.recall.cols() != static_cast<int64_t>(classes.size()) || classes.empty()) return;
  md << "\n## Per-class recall\n\nRecall of each class in %, mean over folds and repetitions "
        "(UAR is their mean).\n\n| protocol | setting | λcls | UAR |";
  for (const std::string& c : classes) md << " " << c << " |";
  md << "\n|---|---|---|---|";
  for (size_t k = 0; k < classes.size(); ++k) md << "---|";
  md << "\n";
  for (size_t i = 0; i < t.setting.size(); ++i) {
    md << "| " << t.protocol[i] << " | " << t.setting[i] << " | " << row_label(t, study, i) << " | "
       << number(t.mean[i], "%.2f") << " |";
    for (size_t k = 0; k < classes.size(); ++k)
      md << " " << number(t.recall(static_cast<int64_t>(i), static_cast<int64_t>(k)), "%.2f")
         << " |";
    md << "\n";
  }
}

void write_confusion_matrices(std::ostringstream& md, const SummaryTable& t, const Study& study,
                              const std::vector<std::string>& classes) {
  const int c = static_cast<int>(classes.size());
  md << "\n## Confusion matrices\n\nRow-normalised (rows: true class, columns: predicted), "
        "averaged over folds and repetitions.\n";
  for (size_t i = 0; i < t.setting.size(); ++i) {
    md << "\n**" << t.protocol[i] << ", " << t.setting[i];
    if (t.setting[i] != "real") md << ", λcls = " << lambda_text(t.lambda[i]);
    if (has_other_axes(study)) md << ", " << other_values(t, study, i);
    md << "**\n\n| |";
    for (const std::string& n : classes) md << " " << n << " |";
    md << "\n|---|";
    for (int b = 0; b < c; ++b) md << "---|";
    md << "\n";
    for (int a = 0; a < c; ++a) {
      md << "| " << classes[a] << " |";
      for (int b = 0; b < c; ++b) {
        char buf[16];
        std::snprintf(buf, sizeof(buf), " %.2f |", t.confusion(static_cast<int64_t>(i), a * c + b));
        md << buf;
      }
      md << "\n";
    }
  }
}

// The GAN groups of the plan whose outputs are all there.
std::vector<const GanTask*> finished_gan_groups(const RunContext& ctx, const Plan& plan) {
  std::vector<const GanTask*> done;
  for (const GanTask& g : plan.gan)
    if (ctx.finished(g)) done.push_back(&g);
  return done;
}

// Figures: a plotting tool does them better than we would by hand; the tables stand without them.
// The script prints the markdown that embeds its figures; its stderr (warnings, or why it failed)
// goes to a side file so that only the reason's last line reaches the report. The training curves
// come from the finished GAN groups' task files; `partial` (a run in progress, no results.h5) asks
// for them alone, marked as such.
std::string figures_section(const RunContext& ctx, const Plan& plan, bool partial) {
  const char* script_env = std::getenv("EMOAUG_PLOT_SCRIPT");
  const std::string script =
      script_env ? script_env : std::string(EMOAUG_SOURCE_ROOT) + "/scripts/plot_report.py";
  // Debian's python3 carries python3-matplotlib; a pyenv or venv python3 first on PATH may not.
  const char* python_env = std::getenv("EMOAUG_PYTHON");
  const std::string python = python_env                        ? python_env
                             : file_exists("/usr/bin/python3") ? "/usr/bin/python3"
                                                               : "python3";
  // Per process, as every other write: two runs finishing together each keep their own messages.
  const std::string errors = ctx.dir.scratch("plot_report." + std::to_string(::getpid()) + ".err");
  const std::vector<const GanTask*> finished = finished_gan_groups(ctx, plan);
  std::string arguments;
  if (partial)
    arguments +=
        " --partial " + std::to_string(finished.size()) + " " + std::to_string(plan.gan.size());
  if (!finished.empty()) {
    arguments += " --curves";
    for (const GanTask* g : finished)
      for (int e = 0; e < ctx.emotions(); ++e)
        arguments += " '" + ctx.dir.gan_output(g->key(), e) + "'";
  }
  const std::string command =
      python + " '" + script + "' '" + ctx.dir.root() + "'" + arguments + " 2>'" + errors + "'";
  std::string figures;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  char line[512];
  while (std::fgets(line, sizeof(line), pipe)) figures += line;
  const int status = pclose(pipe);
  std::string reason = "python3 failed";
  std::istringstream err(file_exists(errors) ? read_text_file(errors) : "");
  for (std::string l; std::getline(err, l);)
    if (!l.empty()) reason = l;
  std::remove(errors.c_str());
  if (status == 0) return "\n## Figures\n\n" + figures;
  log_warn("figures not drawn: %s", reason.c_str());
  return "\n## Figures\n\nNot drawn: " + reason +
         "\n(install python3-matplotlib and python3-h5py, then run `emoaug report " +
         ctx.dir.root() + "`)\n";
}

// A run still in progress has no results.h5: its report says how far it got and shows the
// training curves of the GAN groups that have finished; the tables wait for the last task.
std::string write_partial_report(const RunContext& ctx, const Plan& plan, size_t ser_done) {
  const size_t gan_done = finished_gan_groups(ctx, plan).size();
  std::ostringstream md;
  md << "# " << ctx.cfg.experiment.name << ": emoaug report (partial)\n\n**Run in progress:** "
     << gan_done << " of " << plan.gan.size() << " GAN groups and " << ser_done << " of "
     << plan.ser.size() << " SER tasks have finished. Tables 1–3 and the comparisons come once "
     << "every task has (the run writes them itself at its end); until then this report holds "
     << "the training curves of the finished GAN groups. Target " << ctx.cfg.data.target << " ("
     << ctx.corpora.target.rows() << " rows, " << ctx.corpora.folds.size() << " groups).\n";
  // A run stopped by a failing task is unfinished too: its failures are what a reader needs most.
  md << failures_markdown(ctx.dir, task_keys(plan));
  if (!plan.gan.empty()) md << figures_section(ctx, plan, /*partial=*/true);
  write_text_file(ctx.dir.report(), md.str());
  log_info(
      "%s: the run is in progress (%zu of %zu GAN groups, %zu of %zu SER tasks finished): a "
      "partial report",
      ctx.dir.report().c_str(), gan_done, plan.gan.size(), ser_done, plan.ser.size());
  return ctx.dir.report();
}

}  // namespace

std::string write_report(const RunContext& ctx, const Plan& plan) {
  const size_t ser_done = ctx.count_finished(plan.ser);
  if (finished_gan_groups(ctx, plan).size() < plan.gan.size() || ser_done < plan.ser.size())
    return write_partial_report(ctx, plan, ser_done);
  Results results;
  try {
    results = read_results(ctx, plan);
  } catch (const Error& e) {
    EMOAUG_FAIL(e.what(), "; `emoaug aggregate ", ctx.dir.root(),
                "` rebuilds results.h5 from the task files");
  }
  std::ostringstream md;
  write_header(md, ctx, plan, results);
  if (!plan.gan.empty()) {
    write_table1(md, results, ctx.corpora.stats_feature_names, ctx.corpora.target.class_names);
    write_probe(md, results, ctx.cfg, ctx.corpora.target.class_names);
  }
  write_uar_tables(md, ctx.cfg, ctx.study, results);
  write_study_table(md, ctx.cfg, ctx.study, results);
  write_differences_to_real(md, results.summary, ctx.study);
  write_point_differences(md, results, ctx.study);
  write_recalls(md, results.summary, ctx.study, ctx.corpora.target.class_names);
  write_confusion_matrices(md, results.summary, ctx.study, ctx.corpora.target.class_names);
  md << failures_markdown(ctx.dir, task_keys(plan));
  md << figures_section(ctx, plan, /*partial=*/false);
  write_text_file(ctx.dir.report(), md.str());
  return ctx.dir.report();
}

}  // namespace emoaug::experiment
