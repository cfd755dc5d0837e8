// The SER classifier seam: what the SER stage and the plan need of a classifier, whatever it is.
// ser/registry.h names the implementations and makes one from a config block; the stage never
// learns which one it runs. An implementation is one file: its class, its options struct (its
// keys, their rules and defaults, ser/options.h says how) and its ClassifierKind; its one
// registration is its name in ser/options.h's list.
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
#include "core/state_dict.h"
#include "core/value_rule.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "ser/batches.h"

namespace emoaug::ser {

struct ClassifierOptions;  // ser/options.h: the block of every registered classifier's options
struct ClassifierKind;     // ser/registry.h

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
  virtual MatView params() = 0;

  // The trained model: its parameters as the entry "params" (what a task's saved classifier file
  // holds, experiment/state_io.h). load() takes what save() wrote for a classifier of the same
  // kind and shape, and throws naming the entry when its size differs.
  void save(StateDict& state) const { state.put("params", params()); }
  void load(const StateDict& state) { state.get("params", params()); }
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
