// The usual baseline on these features: multinomial logistic regression (softmax regression) on
// the z-normalised inputs the SER stage hands every classifier. One dense layer (an nn::Mlp with
// no hidden layer, so the same ops run it on the CPU and on CUDA), trained by mini-batch Adam on
// mean softmax cross-entropy plus an L2 penalty on the weights, for a fixed number of passes, each
// a fresh shuffle from the task's stream with the last partial batch dropped.
//
// Why not full-batch L-BFGS, the textbook solver: its line search needs the loss on the host at
// every trial step (a device wait per step on CUDA), and the mini-batch loop is the MLP's, so both
// classifiers share every op and the determinism that comes with them. The pass count is part of
// the model, as the MLP's epochs are: at a constant learning rate 30 passes do not reach the L2
// optimum, and on IEMOCAP more passes score lower, so stopping early regularises too
// (docs/benchmarks.md: the UAR at several penalties and pass counts).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/index_buffer.h"
#include "core/rng.h"
#include "core/value_rule.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "ser/batches.h"
#include "ser/classifier.h"

namespace emoaug::ser {

// Its hyper-parameters, the keys of a ser.* block's [.linear] table (LinearClassifier::kName).
// Defaults: docs/benchmarks.md says how they were chosen. Adam's betas and eps are the block's own
// ([.adam]), with this lr.
struct LinearOptions {
  int epochs = 30;  // passes over the training data (no extra pass, unlike the MLP)
  int batch_size = 64;
  float lr = 1e-3f;
  float l2 = 0.1f;  // objective: mean cross-entropy + l2 / 2 * |W|^2 (biases not penalised)

  template <class V, class... O>
  static void visit(V& v, O&... o) {
    namespace rule = value_rule;
    v.field("epochs", rule::at_least(0), o.epochs...);
    v.field("batch_size", rule::at_least(1), o.batch_size...);
    v.field("lr", rule::positive(), o.lr...);
    v.field("l2", rule::at_least(0), o.l2...);
  }
};

class LinearClassifier final : public Classifier {
 public:
  LinearClassifier(int dims, int num_classes, const ClassifierOptions& options, uint64_t seed,
                   uint64_t task_id);

  static int passes_for(int epochs) { return epochs; }
  using Options = LinearOptions;
  static constexpr const char* kName = "linear";
  static ClassifierKind kind();

  void to(Device device) override;
  Device device() const override { return model_.device(); }
  void train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
             const std::function<void(int)>& on_pass = {}) override;
  std::vector<int32_t> predict(ConstMatView x) override;
  ConstMatView params() const override { return model_.params(); }

  // The training objective on (x, labels) on the host, with its gradient left in grads(): the
  // same code each training step descends, so a finite-difference test checks what trains.
  double objective(ConstMatView x, const std::vector<int32_t>& labels);
  ConstMatView grads() const { return model_.grads(); }
  MatView params() override { return model_.params(); }

 private:
  // Gradient of the objective on one batch into model_.grads(); the mean cross-entropy into *loss
  // (on the model's device) when loss is not null.
  void gradient(ConstMatView x, const int32_t* labels, MatView dlogits, float* loss);

  LinearOptions options_;
  int num_classes_;
  Rng init_, shuffle_;
  nn::Mlp model_;
  nn::Adam adam_;
  nn::MlpActivations acts_;
  ShuffledBatches batches_;
  Tensor dlogits_;
  IndexBuffer predictions_;
};

}  // namespace emoaug::ser
