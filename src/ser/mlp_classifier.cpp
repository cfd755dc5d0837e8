#include "ser/mlp_classifier.h"

#include "backend/ops.h"
#include "core/error.h"
#include "ser/options.h"
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

ClassifierKind MlpClassifier::kind() {
  ClassifierKind k = kind_of<MlpClassifier>();
  k.epochs = [](const ClassifierOptions& o) { return o.epochs; };
  k.forward_macs = &mlp_forward_macs;
  k.parameters = &mlp_parameters;
  return k;
}

MlpClassifier::MlpClassifier(int dims, int num_classes, const ClassifierOptions& options,
                             uint64_t seed, uint64_t task_id)
    : lr_(options.lr),
      num_classes_(num_classes),
      init_(seed, task_id, StreamId::Init),
      dropout_(seed, task_id, StreamId::Dropout),
      shuffle_(seed, task_id, StreamId::Shuffle),
      mlp_(spec_of(dims, num_classes, options), init_),
      adam_(mlp_.num_params(), options.adam),
      batches_(options.batch_size, dims),
      dlogits_(options.batch_size, num_classes) {}

void MlpClassifier::to(Device device) {
  mlp_.to(device);
  adam_.to(device);
  batches_.to(device);
  dlogits_ = dlogits_.to(device);
  predictions_.set_device(device);
}

void MlpClassifier::train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
                          const std::function<void(int)>& on_pass) {
  batches_.run(
      x, labels, num_classes_, passes, shuffle_, "a classifier",
      [&](ConstMatView batch, const int32_t* batch_labels) {
        ConstMatView logits = mlp_.forward(batch, acts_, true, &dropout_);
        // The loss value is not used: the _into form with no destination spares CUDA a wait.
        ops::softmax_cross_entropy_into(logits, batch_labels, dlogits_.view(), 1.0f, nullptr);
        mlp_.backward(acts_, dlogits_.view(), MatView{}, nn::ParamGrads::Write);
        adam_.step(mlp_.params(), mlp_.grads(), lr_);
      },
      on_pass);
}

std::vector<int32_t> MlpClassifier::predict(ConstMatView x) {
  return predict_classes(mlp_, x, predictions_);
}

}  // namespace emoaug::ser
