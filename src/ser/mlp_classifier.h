// The classifier as the authors trained it (the default of every ser.* block): an Mlp with leaky
// ReLU and dropout, Xavier init, Adam, softmax cross-entropy; each pass over the data is a fresh
// shuffle with the last partial batch dropped. Their loop ran `epochs + 1` passes
// (range(epochs + 1)); MlpClassifier::passes_for says so in one place.
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

// The MLP's hyper-parameters. Defaults: the paper's `real` setting (§4.3). As the default
// classifier its keys sit at the top of a ser.* block, where they were before there was a choice,
// so every existing config reads as it did.
struct MlpOptions {
  std::vector<int> hidden{100, 100};
  int batch_size = 64;
  float dropout = 0.2f;
  float lr = 1e-5f;
  int epochs = 70;  // the authors' loop runs epochs + 1 passes
  float leaky_slope = 0.2f;

  // Every key in file order, for the config's visitors (config/fields.h): v.field(name, rule,
  // the member of each options struct given).
  template <class V, class... O>
  static void visit(V& v, O&... o) {
    namespace rule = value_rule;  // qualified: `dropout` here is also the member
    v.field("hidden", rule::layers(), o.hidden...);
    v.field("batch_size", rule::at_least(1), o.batch_size...);
    v.field("dropout", rule::dropout(), o.dropout...);
    v.field("lr", rule::positive(), o.lr...);
    v.field("epochs", rule::at_least(0), o.epochs...);
    v.field("leaky_slope", rule::interval(0, false, 1, true), o.leaky_slope...);
  }
};

class MlpClassifier final : public Classifier {
 public:
  MlpClassifier(int dims, int num_classes, const ClassifierOptions& options, uint64_t seed,
                uint64_t task_id);

  // Passes the authors' loop makes for a configured epoch count.
  static int passes_for(int epochs) { return epochs + 1; }
  using Options = MlpOptions;
  static constexpr const char* kName = "mlp";
  static ClassifierKind kind();

  void to(Device device) override;
  Device device() const override { return mlp_.device(); }
  void train(ConstMatView x, const std::vector<int32_t>& labels, int passes,
             const std::function<void(int)>& on_pass = {}) override;
  std::vector<int32_t> predict(ConstMatView x) override;
  ConstMatView params() const override { return mlp_.params(); }
  MatView params() override { return mlp_.params(); }

  const nn::Mlp& model() const { return mlp_; }

 private:
  float lr_;
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
