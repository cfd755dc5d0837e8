#include "ser/classifier.h"

#include "backend/ops.h"
#include "core/error.h"
#include "ser/registry.h"

namespace emoaug::ser {
namespace {
nn::MlpSpec spec_of(int dims, int num_classes, const ClassifierOptions& o) {
  std::vector<int> sizes{dims};
  sizes.insert(sizes.end(), o.hidden.begin(), o.hidden.end());
  sizes.push_back(num_classes);
  return {sizes, o.leaky_slope, o.dropout};
}

double mlp_forward_macs(int dims, int num_classes, const ClassifierOptions& o) {
  double macs = 0;
  int prev = dims;
  for (int h : o.hidden) {
    macs += static_cast<double>(prev) * h;
    prev = h;
  }
  return macs + static_cast<double>(prev) * num_classes;
}

double mlp_parameters(int dims, int num_classes, const ClassifierOptions& o) {
  double params = mlp_forward_macs(dims, num_classes, o);
  for (int h : o.hidden) params += h;
  return params + num_classes;
}
}  // namespace

ClassifierKind mlp_classifier_kind() {
  ClassifierKind k;
  k.name = "mlp";
  k.make = [](int dims, int num_classes, const ClassifierOptions& o, uint64_t seed,
              uint64_t task_id) -> std::unique_ptr<Classifier> {
    return std::make_unique<MlpClassifier>(dims, num_classes, o, seed, task_id);
  };
  k.epochs = [](const ClassifierOptions& o) { return o.epochs; };
  k.passes_for = &MlpClassifier::passes_for;
  k.forward_macs = &mlp_forward_macs;
  k.parameters = &mlp_parameters;
  return k;
}

MlpClassifier::MlpClassifier(int dims, int num_classes, const ClassifierOptions& options,
                             uint64_t seed, uint64_t task_id)
    : options_(options),
      num_classes_(num_classes),
      init_(seed, task_id, StreamId::Init),
      dropout_(seed, task_id, StreamId::Dropout),
      shuffle_(seed, task_id, StreamId::Shuffle),
      mlp_(spec_of(dims, num_classes, options), init_),
      adam_(mlp_.num_params(), options.adam),
      batch_x_(options.batch_size, dims),
      dlogits_(options.batch_size, num_classes) {}

void MlpClassifier::to(Device device) {
  mlp_.to(device);
  adam_.to(device);
  batch_x_ = batch_x_.to(device);
  dlogits_ = dlogits_.to(device);
  order_.set_device(device);
  ordered_labels_.set_device(device);
  predictions_.set_device(device);
}

void MlpClassifier::train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
                          const std::function<void(int)>& on_pass) {
  EMOAUG_CHECK(static_cast<int64_t>(labels.size()) == x.rows, labels.size(), " labels for ", x.rows,
               " rows");
  const int b = options_.batch_size;
  const int64_t batches = x.rows / b;
  if (batches == 0)
    EMOAUG_FAIL("a classifier with batch size ", b, " was given only ", x.rows, " training rows");
  // Checked here once: on CUDA the loss kernel cannot report a bad label.
  for (int32_t y : labels)
    if (y < 0 || y >= num_classes_)
      EMOAUG_FAIL("classifier training: label ", y, " outside 0..", num_classes_ - 1);
  ordered_labels_host_.resize(labels.size());
  for (int pass = 1; pass <= passes; ++pass) {
    std::vector<int> order = shuffle_.permutation(static_cast<int>(x.rows));
    for (size_t i = 0; i < order.size(); ++i) ordered_labels_host_[i] = labels[order[i]];
    order_.assign(order.data(), x.rows);
    ordered_labels_.assign(ordered_labels_host_);
    for (int64_t k = 0; k < batches; ++k) {
      ops::gather_rows(x, order_.data() + k * b, batch_x_.view());
      ConstMatView logits = mlp_.forward(batch_x_.view(), acts_, true, &dropout_);
      // The loss value is not used: the _into form with no destination spares CUDA a wait.
      ops::softmax_cross_entropy_into(logits, ordered_labels_.data() + k * b, dlogits_.view(), 1.0f,
                                      nullptr);
      mlp_.backward(acts_, dlogits_.view(), MatView{}, nn::ParamGrads::Write);
      adam_.step(mlp_.params(), mlp_.grads(), options_.lr);
    }
    if (on_pass) on_pass(pass);
  }
}

std::vector<int32_t> MlpClassifier::predict(ConstMatView x) {
  std::vector<int32_t> out(x.rows);
  constexpr int64_t kChunk = 512;
  nn::MlpActivations acts;
  for (int64_t r = 0; r < x.rows; r += kChunk) {
    const int64_t n = std::min(kChunk, x.rows - r);
    predictions_.resize(n);
    ops::argmax_rows(mlp_.forward(x.row_range(r, n), acts, false, nullptr), predictions_.data());
    predictions_.copy_to_host(out.data() + r, n);
  }
  return out;
}

}  // namespace emoaug::ser
