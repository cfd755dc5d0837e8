// An SER classifier as the authors trained it: an Mlp with leaky ReLU and dropout, Xavier init,
// Adam, softmax cross-entropy; each pass over the data is a fresh shuffle with the last partial
// batch dropped. Their loop ran `epochs + 1` passes (range(epochs + 1)); Trainer::passes_for says so
// in one place.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

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
  std::vector<int32_t> batch_y_;
};

}  // namespace emoaug::ser
