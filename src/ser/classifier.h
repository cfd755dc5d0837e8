// The SER classifier seam: what the SER stage and the plan need of a classifier, whatever it is.
// ser/registry.h names the implementations and makes one from a config block; the stage never
// learns which one it runs.
//
// MlpClassifier is the classifier as the authors trained it: an Mlp with leaky ReLU and dropout,
// Xavier init, Adam, softmax cross-entropy; each pass over the data is a fresh shuffle with the
// last partial batch dropped. Their loop ran `epochs + 1` passes (range(epochs + 1));
// MlpClassifier::passes_for says so in one place.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/index_buffer.h"
#include "core/rng.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "ser/batches.h"
#include "ser/options.h"

namespace emoaug::ser {

class Classifier {
 public:
  virtual ~Classifier() = default;

  // Moves the model, its optimizer and the batch buffers to `device`; x given to train and
  // predict must then be there too (labels stay a host vector).
  virtual void to(Device device) = 0;
  virtual Device device() const = 0;

  // Trains for `passes` passes over (x, labels); after each pass calls on_pass(pass) (1-based), so
  // a caller can evaluate at several epoch counts in one run.
  virtual void train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
                     const std::function<void(int)>& on_pass = {}) = 0;

  virtual std::vector<int32_t> predict(ConstMatView x) = 0;

  // Every trained parameter as one flat buffer on device(): what a saved model holds, and what the
  // determinism tests compare byte for byte.
  virtual ConstMatView params() const = 0;
};

class MlpClassifier final : public Classifier {
 public:
  MlpClassifier(int dims, int num_classes, const ClassifierOptions& options, uint64_t seed,
                uint64_t task_id);

  // Passes the authors' loop makes for a configured epoch count.
  static int passes_for(int epochs) { return epochs + 1; }

  void to(Device device) override;
  Device device() const override { return mlp_.device(); }
  void train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
             const std::function<void(int)>& on_pass = {}) override;
  std::vector<int32_t> predict(ConstMatView x) override;
  ConstMatView params() const override { return mlp_.params(); }

  const nn::Mlp& model() const { return mlp_; }

 private:
  ClassifierOptions options_;
  int num_classes_;
  Rng init_, dropout_, shuffle_;
  nn::Mlp mlp_;
  nn::Adam adam_;
  nn::MlpActivations acts_;
  ShuffledBatches batches_;
  Tensor dlogits_;
  IndexBuffer predictions_;
};

}  // namespace emoaug::ser
