// Adam over one flat parameter buffer: one call updates a whole model.
#pragma once

#include <cstdint>

#include "backend/ops.h"
#include "core/tensor.h"

namespace emoaug::nn {

class Adam {
 public:
  Adam() = default;
  Adam(int64_t num_params, ops::AdamHyper hyper, Device device = Device::Host);

  // Moves the moments to `device` (where the model's parameters are).
  void to(Device device);
  Device device() const { return m_.device(); }

  // One update with learning rate lr (the schedule lives with the caller).
  void step(MatView params, ConstMatView grads, float lr);

  int64_t steps() const { return steps_; }
  // Optimizer state, for checkpoints.
  Tensor& first_moment() { return m_; }
  Tensor& second_moment() { return v_; }
  const Tensor& first_moment() const { return m_; }
  const Tensor& second_moment() const { return v_; }
  void set_steps(int64_t steps) { steps_ = steps; }

 private:
  ops::AdamHyper hyper_;
  Tensor m_, v_;
  int64_t steps_ = 0;
};

}  // namespace emoaug::nn
