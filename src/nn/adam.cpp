#include "nn/adam.h"

#include "core/error.h"

namespace emoaug::nn {

Adam::Adam(int64_t num_params, ops::AdamHyper hyper, Device device)
    : hyper_(hyper), m_(1, num_params, device), v_(1, num_params, device) {}

void Adam::to(Device device) {
  if (device == this->device()) return;
  m_ = m_.to(device);
  v_ = v_.to(device);
}

void Adam::step(MatView params, ConstMatView grads, float lr) {
  EMOAUG_CHECK(params.size() == m_.size(), "Adam built for ", m_.size(), " parameters, given ",
               params.size());
  ops::AdamHyper h = hyper_;
  h.lr = lr;
  ++steps_;
  ops::adam(params, grads, m_.view(), v_.view(), h, steps_);
}

}  // namespace emoaug::nn
