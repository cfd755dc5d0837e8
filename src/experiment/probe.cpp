#include "experiment/probe.h"

#include <chrono>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backend/ops.h"
#include "core/error.h"
#include "core/rng.h"
#include "ser/registry.h"

namespace emoaug::experiment {
namespace {

// The probe's random streams are its own: the group's CycleGANs draw theirs from the group's key.
TaskKey probe_key(const GanTask& task) {
  return {"probe", task.key().path};
}

constexpr int kProbeRows = 512;

}  // namespace

Probe::Probe(const RunContext& ctx, const GanTask& task) {
  const auto started = std::chrono::steady_clock::now();
  const ops::ExecutionScope bound(host_);
  const data::Corpus& x = ctx.corpora.target;
  const std::vector<int64_t> rows = ctx.corpora.gan_training_rows(task.fold);
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
  classifier_ = kind.make(static_cast<int>(x.dims()), classes_, options, task.cfg().experiment.seed,
                          probe_key(task).stream_id());
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

void ProbeHistory::append(int epoch, const ProbeMatrix& m) {
  rows.push_back(static_cast<float>(epoch));
  for (double v : m.shares) rows.push_back(static_cast<float>(v));
}

int ProbeHistory::best_epoch() const {
  const size_t width = 1 + static_cast<size_t>(classes) * classes;
  int best = 0;
  double best_mean = -1;
  for (size_t at = 0; at + width <= rows.size(); at += width) {
    double mean = 0;
    for (int e = 0; e < classes; ++e) mean += rows[at + 1 + static_cast<size_t>(e) * classes + e];
    mean /= classes;
    if (mean >= best_mean) {
      best_mean = mean;
      best = static_cast<int>(rows[at]);
    }
  }
  return best;
}

Tensor ProbeHistory::of_emotion(int e) const {
  const int64_t width = 1 + static_cast<int64_t>(classes) * classes;
  const int64_t looks = static_cast<int64_t>(rows.size()) / width;
  Tensor out(looks, 1 + classes);
  for (int64_t k = 0; k < looks; ++k) {
    out(k, 0) = rows[static_cast<size_t>(k * width)];
    for (int c = 0; c < classes; ++c)
      out(k, 1 + c) = rows[static_cast<size_t>(k * width + 1 + e * classes + c)];
  }
  return out;
}

Tensor probe_subsample(const GanTask& task, const Tensor& source) {
  const int n = static_cast<int>(source.rows());
  Rng rng(task.cfg().experiment.seed, probe_key(task).stream_id(), StreamId::Data);
  std::vector<int> rows = rng.permutation(n);
  rows.resize(static_cast<size_t>(std::min(n, kProbeRows)));
  Tensor out(static_cast<int64_t>(rows.size()), source.cols());
  ops::gather_rows(source.view(), rows.data(), out.view());
  return out;
}

void apply_test_generator(const std::vector<Tensor>& targets, int emotion, MatView rows) {
  const char* hook = std::getenv("EMOAUG_TEST_GENERATOR");
  if (!hook || std::atoi(hook) != emotion || !std::strchr(hook, '=')) return;
  const Tensor& target = targets.at(static_cast<size_t>(std::atoi(std::strchr(hook, '=') + 1)));
  for (int64_t c = 0; c < rows.cols; ++c) {
    double mean = 0;
    for (int64_t r = 0; r < target.rows(); ++r) mean += target(r, c);
    mean /= static_cast<double>(std::max<int64_t>(1, target.rows()));
    for (int64_t r = 0; r < rows.rows; ++r) rows(r, c) = static_cast<float>(mean);
  }
}

}  // namespace emoaug::experiment
