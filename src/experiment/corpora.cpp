#include "experiment/corpora.h"

#include <algorithm>
#include <iterator>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"
#include "data/corpus_io.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {
namespace {

constexpr int kAutomaticStatsFeatures = 12;  // as many as the paper's Fig. 2 list

// Moves the rows labeled -1 out of `c` into *set_aside (when given); returns how many there were.
int64_t set_aside_unlabeled(data::Corpus& c, data::Corpus* set_aside) {
  const std::vector<int64_t> labeled = c.labeled_rows();
  const int64_t unlabeled = c.rows() - static_cast<int64_t>(labeled.size());
  if (unlabeled == 0) return 0;
  if (set_aside) {
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < c.rows(); ++r)
      if (c.labels[r] < 0) rows.push_back(r);
    *set_aside = c.subset(rows);
  }
  c = c.subset(labeled);
  return unlabeled;
}

std::string joined(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : separator) + n;
  return out;
}

// The CycleGANs of every fold a GAN task trains need a batch of source rows.
void check_source_per_fold(const Corpora& c, const config::ExperimentConfig& cfg) {
  const int batch = cfg.gan.options.batch_size;
  const int last = cfg.gan.per_fold ? static_cast<int>(c.folds.size()) : 0;
  for (int k = -1; k < last; ++k) {
    const size_t n = c.gan_source_rows(k).size();
    if (n >= static_cast<size_t>(batch)) continue;
    EMOAUG_FAIL(cfg.data.target, ": data.source = \"", config::kTargetUnlabeled, "\" leaves ", n,
                " unlabeled rows to the CycleGANs ",
                k < 0 ? std::string("trained on every group")
                      : "of fold " + std::to_string(k) + " (held-out group " +
                            std::to_string(c.folds[k].group) + ")",
                ", fewer than one batch (gan.batch_size = ", batch, ")");
  }
}

void note_set_aside(Corpora& c, const config::ExperimentConfig& cfg,
                    const std::vector<int32_t>& unlabeled_only_groups) {
  if (c.unlabeled_target_rows == 0 && c.unlabeled_cross_rows == 0) return;
  std::string line;
  if (c.unlabeled_target_rows > 0) {
    line = cfg.data.target + ": " + std::to_string(c.unlabeled_target_rows) + " of " +
           std::to_string(c.unlabeled_target_rows + c.target.rows()) +
           " rows are in no class (label -1) and set aside; SER and the CycleGANs' targets use " +
           "the " + std::to_string(c.target.rows()) + " labeled rows";
    if (c.source_is_target) line += ", the CycleGANs' source the set-aside ones";
    if (!unlabeled_only_groups.empty()) {
      std::string groups;
      for (int32_t g : unlabeled_only_groups)
        groups += (groups.empty() ? "" : ", ") + std::to_string(g);
      line += "; group(s) " + groups + " have no labeled rows and make no fold";
    }
  }
  if (c.unlabeled_cross_rows > 0)
    line += (line.empty() ? "" : "; ") + cfg.data.cross + ": " +
            std::to_string(c.unlabeled_cross_rows) + " rows in no class set aside";
  c.notes.push_back(line);
}

}  // namespace

std::vector<int64_t> Corpora::gan_training_rows(int fold) const {
  if (fold >= 0) return folds.at(fold).train;
  std::vector<int64_t> all(static_cast<size_t>(target.rows()));
  for (int64_t r = 0; r < target.rows(); ++r) all[static_cast<size_t>(r)] = r;
  return all;
}

std::vector<int> Corpora::gan_source_rows(int fold) const {
  std::vector<int> rows;
  const bool hold_out = source_is_target && fold >= 0;
  for (int64_t r = 0; r < source.rows(); ++r)
    if (!hold_out || source.groups[r] != folds.at(fold).group) rows.push_back(static_cast<int>(r));
  return rows;
}

std::vector<int> resolve_stats_features(const std::vector<std::string>& given,
                                        const data::Corpus& target, const std::string& origin) {
  const std::vector<std::string>& names = target.feature_names;
  auto column_of = [&](const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
  };
  std::vector<int> columns;
  for (const std::string& name : given) {
    columns.push_back(column_of(name));
    if (columns.back() < 0)
      EMOAUG_FAIL("gan.stats_features: '", name, "' is not a feature of ", origin);
  }
  if (!given.empty()) return columns;
  for (const std::string& name : config::paper::stats_features())
    columns.push_back(column_of(name));
  if (std::find(columns.begin(), columns.end(), -1) == columns.end()) return columns;

  // Not emobase2010: the features that vary most, which Fig. 2 can show apart.
  const int d = static_cast<int>(target.dims());
  const int64_t n = target.rows();
  std::vector<double> variance(d, 0.0);
  for (int c = 0; c < d; ++c) {
    double mean = 0;
    for (int64_t r = 0; r < n; ++r) mean += target.features(r, c);
    mean /= static_cast<double>(n);
    for (int64_t r = 0; r < n; ++r) {
      const double dev = target.features(r, c) - mean;
      variance[c] += dev * dev;
    }
  }
  columns.resize(d);
  std::iota(columns.begin(), columns.end(), 0);
  const int k = std::min(d, kAutomaticStatsFeatures);
  std::stable_sort(columns.begin(), columns.end(),
                   [&](int a, int b) { return variance[a] > variance[b]; });
  columns.resize(k);
  std::sort(columns.begin(), columns.end());
  return columns;
}

Corpora load_corpora(const config::ExperimentConfig& cfg) {
  Corpora c;
  const config::DataSection& d = cfg.data;
  c.target = data::read_corpus(d.target);
  bool synthetic = false;
  for (config::SerSetting s : cfg.ser.settings)
    synthetic = synthetic || s != config::SerSetting::Real;
  c.source_is_target = synthetic && d.source == config::kTargetUnlabeled;
  const std::vector<int32_t> all_groups = c.target.distinct_groups();
  c.unlabeled_target_rows = set_aside_unlabeled(c.target, c.source_is_target ? &c.source : nullptr);
  if (c.target.rows() == 0)
    EMOAUG_FAIL(d.target, ": the target corpus has no labeled rows (data.target must be labeled)");
  if (c.source_is_target && !c.has_source())
    EMOAUG_FAIL(d.target, ": data.source = \"", config::kTargetUnlabeled,
                "\" needs rows labeled -1 (in no class) in the target; it has none");
  if (synthetic && !c.source_is_target) {
    c.source = data::read_corpus(d.source);
    data::check_same_features(c.target, d.target, c.source, d.source);
  }
  if (cfg.ser.cross_corpus) {
    c.cross = data::read_corpus(d.cross);
    data::check_same_features(c.target, d.target, c.cross, d.cross);
    if (c.cross.class_names != c.target.class_names)
      EMOAUG_FAIL(d.cross, ": classes [", joined(c.cross.class_names, ","),
                  "] differ from the target's [", joined(c.target.class_names, ","), "] (",
                  d.target, "); import it with --class options in the target's order");
    c.unlabeled_cross_rows = set_aside_unlabeled(c.cross, nullptr);
    if (c.cross.rows() == 0) EMOAUG_FAIL(d.cross, ": the cross corpus has no labeled rows");
    Rng split_rng(cfg.experiment.seed, TaskKey{"split", "cross"}.stream_id(), StreamId::Split);
    c.cross_split = data::stratified_split(c.cross.labels, d.dev_fraction, split_rng);
  }
  const std::vector<int32_t> groups = c.target.distinct_groups();
  if (groups.size() < 2)
    EMOAUG_FAIL(d.target,
                ": leave-one-group-out needs at least two groups with labeled rows, found ",
                groups.size());
  c.folds = data::leave_one_group_out(c.target.groups);
  if (c.source_is_target) check_source_per_fold(c, cfg);
  std::vector<int32_t> unlabeled_only;
  std::set_difference(all_groups.begin(), all_groups.end(), groups.begin(), groups.end(),
                      std::back_inserter(unlabeled_only));
  note_set_aside(c, cfg, unlabeled_only);

  if (synthetic) {
    c.stats_features = resolve_stats_features(cfg.gan.stats_features, c.target, d.target);
    for (int col : c.stats_features) c.stats_feature_names.push_back(c.target.feature_names[col]);
    if (cfg.gan.stats_features.empty() && c.stats_feature_names != config::paper::stats_features())
      c.notes.push_back(
          "gan.stats_features: " + d.target +
          " lacks emobase2010's default features; Fig. 2 shows the " +
          std::to_string(c.stats_features.size()) +
          " of largest variance over its labeled rows: " + joined(c.stats_feature_names));
  }
  return c;
}

}  // namespace emoaug::experiment
