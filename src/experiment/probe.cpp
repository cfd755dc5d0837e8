#include "experiment/probe.h"

#include <chrono>

#include "backend/ops.h"
#include "core/error.h"
#include "ser/registry.h"

namespace emoaug::experiment {

std::vector<int64_t> probe_rows(const Corpora& corpora, int fold) {
  if (fold >= 0) return corpora.folds.at(fold).train;
  std::vector<int64_t> all(static_cast<size_t>(corpora.target.rows()));
  for (int64_t r = 0; r < corpora.target.rows(); ++r) all[static_cast<size_t>(r)] = r;
  return all;
}

Probe::Probe(const RunContext& ctx, const GanTask& task) {
  const auto started = std::chrono::steady_clock::now();
  const ops::ExecutionScope bound(host_);
  const data::Corpus& x = ctx.corpora.target;
  const std::vector<int64_t> rows = probe_rows(ctx.corpora, task.fold);
  classes_ = x.num_classes();
  Tensor train(static_cast<int64_t>(rows.size()), x.dims());
  std::vector<int> gather(rows.begin(), rows.end());
  ops::gather_rows(x.features.view(), gather.data(), train.view());
  std::vector<int32_t> labels;
  labels.reserve(rows.size());
  for (int64_t r : rows) labels.push_back(x.labels[static_cast<size_t>(r)]);
  scaler_.fit(train.view());
  scaler_.transform(train.view());
  ser::ClassifierOptions options;
  options.classifier = "linear";
  const ser::ClassifierKind& kind = ser::classifier_kind(options.classifier);
  // Streams of its own: the group's CycleGANs draw theirs from the group's key.
  const TaskKey key{"probe", task.key().path};
  classifier_ = kind.make(static_cast<int>(x.dims()), classes_, options, task.cfg().experiment.seed,
                          key.stream_id());
  classifier_->train(train.view(), labels, kind.passes_for(kind.epochs(options)), [](int) {});
  seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

std::vector<double> Probe::label_shares(const Tensor& features) {
  const ops::ExecutionScope bound(host_);
  std::vector<double> shares(static_cast<size_t>(classes_), 0.0);
  if (features.rows() == 0) return shares;
  Tensor x = features.clone();
  scaler_.transform(x.view());
  for (int32_t label : classifier_->predict(x.view())) shares[static_cast<size_t>(label)] += 1;
  for (double& s : shares) s /= static_cast<double>(features.rows());
  return shares;
}

double ProbeMatrix::mean_agreement() const {
  double sum = 0;
  for (int e = 0; e < classes; ++e) sum += agreement(e);
  return classes > 0 ? sum / classes : 0.0;
}

}  // namespace emoaug::experiment
