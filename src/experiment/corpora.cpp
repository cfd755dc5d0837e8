#include "experiment/corpora.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"
#include "data/corpus_io.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

Corpora load_corpora(const config::ExperimentConfig& cfg) {
  Corpora c;
  const config::DataSection& d = cfg.data;
  c.target = data::read_corpus(d.target);
  if (!c.target.labeled())
    EMOAUG_FAIL(d.target, ": the target corpus has no labels (data.target must be labeled)");
  bool synthetic = false;
  for (config::SerSetting s : cfg.ser.settings)
    synthetic = synthetic || s != config::SerSetting::Real;
  if (synthetic) {
    c.source = data::read_corpus(d.source);
    data::check_same_features(c.target, d.target, c.source, d.source);
  }
  if (cfg.ser.cross_corpus) {
    c.cross = data::read_corpus(d.cross);
    data::check_same_features(c.target, d.target, c.cross, d.cross);
    if (c.cross.class_names != c.target.class_names) {
      std::string a, b;
      for (const auto& n : c.target.class_names) a += (a.empty() ? "" : ",") + n;
      for (const auto& n : c.cross.class_names) b += (b.empty() ? "" : ",") + n;
      EMOAUG_FAIL(d.cross, ": classes [", b, "] differ from the target's [", a, "] (", d.target,
                  "); import it with --class options in the target's order");
    }
    Rng split_rng(cfg.experiment.seed, TaskKey{"split", "cross"}.stream_id(), StreamId::Split);
    c.cross_split = data::stratified_split(c.cross.labels, d.dev_fraction, split_rng);
  }
  c.folds = data::leave_one_group_out(c.target.groups);
  if (c.folds.size() < 2)
    EMOAUG_FAIL(d.target, ": leave-one-group-out needs at least two groups, found ",
                c.folds.size());
  for (const std::string& name : cfg.gan.stats_features) {
    auto it = std::find(c.target.feature_names.begin(), c.target.feature_names.end(), name);
    if (it == c.target.feature_names.end())
      EMOAUG_FAIL("gan.stats_features: '", name, "' is not a feature of ", d.target);
    c.stats_features.push_back(static_cast<int>(it - c.target.feature_names.begin()));
  }
  return c;
}

}  // namespace emoaug::experiment
