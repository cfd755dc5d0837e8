// What every mini-batch classifier of the SER stage shares: passes over the training rows, each in
// a fresh order drawn from the task's shuffle stream, uploaded once per pass with the labels in
// that order so that batch k reads both at k * batch, the last partial batch dropped (as the
// authors' loop did); and prediction as the argmax of a model's output, in chunks.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/index_buffer.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "nn/mlp.h"

namespace emoaug::ser {

class ShuffledBatches {
 public:
  ShuffledBatches(int batch_size, int dims);
  // The batch buffers follow the model to its device.
  void to(Device device);

  // Checks the labels (0..num_classes-1, here once: on CUDA the loss kernel cannot report a bad
  // one) and that there is a whole batch, naming `what` ("a classifier"); then `passes` passes,
  // step(batch rows, the batch's labels on the device) per batch and on_pass(pass) after each.
  void run(ConstMatView x, const std::vector<int32_t>& labels, int num_classes, int passes,
           Rng& shuffle, const char* what,
           const std::function<void(ConstMatView, const int32_t*)>& step,
           const std::function<void(int)>& on_pass);

 private:
  int batch_size_;
  Tensor batch_x_;
  IndexBuffer order_, ordered_labels_;
  std::vector<int32_t> ordered_labels_host_;
};

// The class of each row of x, the argmax of `model`'s output without dropout; `scratch` lives on
// the model's device.
std::vector<int32_t> predict_classes(const nn::Mlp& model, ConstMatView x, IndexBuffer& scratch);

}  // namespace emoaug::ser
