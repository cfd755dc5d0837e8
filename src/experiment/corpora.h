// The corpora of one experiment, loaded once and checked against each other: the labeled target
// corpus X, the unlabeled source S, the cross-corpus test set; the leave-one-group-out folds of X
// and the stratified dev/test split of the cross corpus. Rows labeled -1 (in no class) of the
// target and the cross corpus are set aside as they are loaded, so every stage sees labeled rows
// only; with data.source = "target:unlabeled" the target's set-aside rows are S.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "data/corpus.h"
#include "data/split.h"

namespace emoaug::experiment {

struct Corpora {
  data::Corpus target;  // data.target's labeled rows
  data::Corpus source;  // empty when no setting needs synthetic data
  data::Corpus cross;   // data.cross's labeled rows; empty without cross-corpus evaluation
  std::vector<data::Fold> folds;      // one per group of `target` (groups without labels: none)
  data::StratifiedSplit cross_split;  // first = dev, second = test
  int64_t unlabeled_target_rows = 0;  // rows of data.target labeled -1, set aside
  int64_t unlabeled_cross_rows = 0;   // rows of data.cross labeled -1, set aside
  bool source_is_target = false;      // data.source = "target:unlabeled"
  // Fig. 2's features, as column indices and names: gan.stats_features resolved by
  // resolve_stats_features; empty when no setting needs synthetic data.
  std::vector<int> stats_features;
  std::vector<std::string> stats_feature_names;
  // What loading decided that a person should read (rows set aside and what becomes of them, Fig.
  // 2's automatic features), for the command to log once: every rank loads the corpora.
  std::vector<std::string> notes;

  bool has_source() const { return source.rows() > 0; }
  bool has_cross() const { return cross.rows() > 0; }
  // The rows of `source` that the CycleGANs of `fold` (-1: trained on every group) transfer: all
  // of them, or, when S is the target's own unlabeled rows, those outside the fold's held-out
  // group, so that no GAN of a fold sees its test session. int: ops::gather_rows's row type.
  std::vector<int> gan_source_rows(int fold) const;
  // The labeled rows of `target` that the CycleGANs of `fold` (and the probe of their synthetic
  // sets) learn from: the fold's training groups, or every labeled row for fold -1. Never a
  // held-out group's.
  std::vector<int64_t> gan_training_rows(int fold) const;
};

// Throws naming the files on: a target without labeled rows, feature sets that differ, a cross
// corpus whose classes are not the target's, unknown stats feature names, fewer than two groups
// with labeled rows, a "target:unlabeled" source with less than a batch of rows for some fold.
Corpora load_corpora(const config::ExperimentConfig& cfg);

// The column indices of gan.stats_features (`given`) in `target` (named `origin` in errors):
// each given name must be a feature; none given means config::paper::stats_features() when the
// target has all of them, else the 12 (or all, if fewer) features of largest variance over the
// target's rows, ties to the lower column, in column order.
std::vector<int> resolve_stats_features(const std::vector<std::string>& given,
                                        const data::Corpus& target, const std::string& origin);

}  // namespace emoaug::experiment
