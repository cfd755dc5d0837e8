// The SER classifier seam: what the SER stage and the plan need of a classifier, whatever it is.
// ser/registry.h names the implementations and makes one from a config block; the stage never
// learns which one it runs. An implementation is one file (ser/mlp_classifier.h, ser/linear.h):
// its class, its Options struct (its keys, their rules and defaults) and its ClassifierKind; its
// one registration is its name in ser/options.h's RegisteredClassifiers.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/state_dict.h"
#include "core/tensor.h"

namespace emoaug::ser {

struct ClassifierOptions;  // ser/options.h: the block of every registered classifier's options
struct ClassifierKind;     // ser/registry.h

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

}  // namespace emoaug::ser
