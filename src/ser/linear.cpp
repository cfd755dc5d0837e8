#include "ser/linear.h"

#include <algorithm>

#include "backend/ops.h"
#include "core/error.h"
#include "ser/options.h"
#include "ser/registry.h"

namespace emoaug::ser {

ClassifierKind LinearClassifier::kind() {
  ClassifierKind k = kind_of<LinearClassifier>();
  k.epochs = [](const ClassifierOptions& o) { return o.of<LinearClassifier>().epochs; };
  k.forward_macs = [](int dims, int num_classes, const ClassifierOptions&) {
    return static_cast<double>(dims) * num_classes;
  };
  k.parameters = [](int dims, int num_classes, const ClassifierOptions&) {
    return (static_cast<double>(dims) + 1) * num_classes;
  };
  return k;
}

LinearClassifier::LinearClassifier(int dims, int num_classes, const ClassifierOptions& options,
                                   uint64_t seed, uint64_t task_id)
    : options_(options.of<LinearClassifier>()),
      num_classes_(num_classes),
      init_(seed, task_id, StreamId::Init),
      shuffle_(seed, task_id, StreamId::Shuffle),
      model_(nn::MlpSpec{{dims, num_classes}, 0.0f, 0.0f}, init_),
      adam_(model_.num_params(), options.adam),
      batches_(options.of<LinearClassifier>().batch_size, dims),
      dlogits_(options.of<LinearClassifier>().batch_size, num_classes) {}

void LinearClassifier::to(Device device) {
  model_.to(device);
  adam_.to(device);
  batches_.to(device);
  dlogits_ = dlogits_.to(device);
  predictions_.set_device(device);
}

void LinearClassifier::gradient(ConstMatView x, const int32_t* labels, MatView dlogits,
                                float* loss) {
  ConstMatView logits = model_.forward(x, acts_, false, nullptr);
  ops::softmax_cross_entropy_into(logits, labels, dlogits, 1.0f, loss);
  model_.backward(acts_, dlogits, MatView{}, nn::ParamGrads::Write);
  // The penalty's gradient, l2 * W; the bias stays free so the class priors are not shrunk.
  ops::axpy(options_.l2, model_.weight(0), model_.weight_grad(0));
}

double LinearClassifier::objective(ConstMatView x, const std::vector<int32_t>& labels) {
  EMOAUG_CHECK(device() == Device::Host, "LinearClassifier::objective runs on the host");
  EMOAUG_CHECK(static_cast<int64_t>(labels.size()) == x.rows, labels.size(), " labels for ", x.rows,
               " rows");
  Tensor dlogits(x.rows, num_classes_);
  float loss = 0;
  gradient(x, labels.data(), dlogits.view(), &loss);
  double squares = 0;
  ConstMatView w = model_.weight(0);
  for (int64_t r = 0; r < w.rows; ++r)
    for (int64_t c = 0; c < w.cols; ++c) squares += static_cast<double>(w(r, c)) * w(r, c);
  return loss + 0.5 * options_.l2 * squares;
}

void LinearClassifier::train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
                             const std::function<void(int)>& on_pass) {
  batches_.run(
      x, labels, num_classes_, passes, shuffle_, "a linear classifier",
      [&](ConstMatView batch, const int32_t* batch_labels) {
        gradient(batch, batch_labels, dlogits_.view(), nullptr);
        adam_.step(model_.params(), model_.grads(), options_.lr);
      },
      on_pass);
}

std::vector<int32_t> LinearClassifier::predict(ConstMatView x) {
  return predict_classes(model_, x, predictions_);
}

}  // namespace emoaug::ser
