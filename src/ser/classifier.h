// An SER classifier as the authors trained it: an Mlp with leaky ReLU and dropout, Xavier init,
// Adam, softmax cross-entropy; each pass over the data is a fresh shuffle with the last partial
// batch dropped. Their loop ran `epochs + 1` passes (range(epochs + 1)); Trainer::passes_for says
// so in one place.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/index_buffer.h"
#include "core/rng.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "ser/options.h"

namespace emoaug::ser {

class Classifier {
 public:
  Classifier(int dims, int num_classes, const ClassifierOptions& options, uint64_t seed,
             uint64_t task_id);

  // Passes the authors' loop makes for a configured epoch count.
  static int passes_for(int epochs) { return epochs + 1; }

  // Moves the model, its optimizer and the batch buffers to `device`; x given to train and
  // predict must then be there too (labels stay a host vector: they are uploaded once a pass).
  void to(Device device);
  Device device() const { return mlp_.device(); }

  // Trains for `passes` passes over (x, labels); after each pass calls on_pass(pass) (1-based), so
  // a caller can evaluate at several epoch counts in one run.
  void train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
             const std::function<void(int)>& on_pass = {});

  std::vector<int32_t> predict(ConstMatView x);

  const nn::Mlp& model() const { return mlp_; }

 private:
  ClassifierOptions options_;
  int num_classes_;
  Rng init_, dropout_, shuffle_;
  nn::Mlp mlp_;
  nn::Adam adam_;
  nn::MlpActivations acts_;
  Tensor batch_x_, dlogits_;
  // A pass's shuffled row order and the labels in that order, so batch k reads both at k * batch.
  IndexBuffer order_, ordered_labels_;
  std::vector<int32_t> ordered_labels_host_;
  IndexBuffer predictions_;
};

}  // namespace emoaug::ser
