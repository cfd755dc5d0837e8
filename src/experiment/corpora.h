// The corpora of one experiment, loaded once and checked against each other: the labeled target
// corpus X, the unlabeled source S, the cross-corpus test set; the leave-one-group-out folds of X
// and the stratified dev/test split of the cross corpus.
#pragma once

#include <vector>

#include "config/config.h"
#include "data/corpus.h"
#include "data/split.h"

namespace emoaug::experiment {

struct Corpora {
  data::Corpus target;
  data::Corpus source;  // empty when no setting needs synthetic data
  data::Corpus cross;   // empty without cross-corpus evaluation
  std::vector<data::Fold> folds;
  data::StratifiedSplit cross_split;  // first = dev, second = test
  std::vector<int> stats_features;    // column indices of gan.stats_features

  bool has_source() const { return source.rows() > 0; }
  bool has_cross() const { return cross.rows() > 0; }
};

// Throws naming the files on: an unlabeled target, feature sets that differ, a cross corpus whose
// classes are not the target's, unknown stats feature names, fewer than two groups.
Corpora load_corpora(const config::ExperimentConfig& cfg);

}  // namespace emoaug::experiment
