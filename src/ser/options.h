// How one SER classifier is trained. Defaults: the paper's `real` setting (§4.3).
#pragma once

#include <string>
#include <vector>

#include "backend/ops.h"

namespace emoaug::ser {

// The linear classifier's (ser/linear.h): multinomial logistic regression, mini-batch Adam with an
// L2 penalty on the weights. Defaults: docs/benchmarks.md says how they were chosen.
struct LinearOptions {
  int epochs = 30;  // passes over the training data (no extra pass, unlike the MLP)
  int batch_size = 64;
  float lr = 1e-3f;
  float l2 = 0.1f;  // objective: mean cross-entropy + l2 / 2 * |W|^2 (biases not penalised)
};

struct ClassifierOptions {
  std::string classifier = "mlp";  // which implementation: a name in ser/registry.h
  // The MLP's (ser/classifier.h). Its keys sit at the top of a ser.* block, where they were before
  // there was a choice, so every existing config reads as it did.
  std::vector<int> hidden{100, 100};
  int batch_size = 64;
  float dropout = 0.2f;
  float lr = 1e-5f;
  int epochs = 70;  // the authors' loop runs epochs + 1 passes
  float leaky_slope = 0.2f;
  ops::AdamHyper adam{};  // lr above overrides adam.lr; the linear model uses these with its lr
  LinearOptions linear;
};

}  // namespace emoaug::ser
