// The SER classifiers by name. A ser.* config block's `classifier` key names one; the SER stage
// makes it through make(), and the plan asks it for its cost and its GPU memory, so neither knows
// which implementations exist. Adding one is its file (the Classifier, its Options struct with its
// keys, its kind()) and its name in ser/options.h's RegisteredClassifiers; the config's keys, the
// plan's costs and the names below follow from those.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ser/classifier.h"
#include "ser/options.h"

namespace emoaug::ser {

struct ClassifierKind {
  const char* name = "";
  // One for a task: every random stream it draws derives from (seed, task_id).
  std::unique_ptr<Classifier> (*make)(int dims, int num_classes, const ClassifierOptions& options,
                                      uint64_t seed, uint64_t task_id) = nullptr;
  // The epoch count its block configures (what results record), and the passes over the training
  // data that count means; cross-corpus dev_epochs go through passes_for too.
  int (*epochs)(const ClassifierOptions& options) = nullptr;
  int (*passes_for)(int epochs) = nullptr;
  // Multiply-adds of one row's forward pass: the plan's cost estimate counts a training pass as
  // three of them (the backward pass costs about twice the forward).
  double (*forward_macs)(int dims, int num_classes, const ClassifierOptions& options) = nullptr;
  // Floats of trained parameters: the GPU memory estimate holds four copies (weights, gradients,
  // two Adam moments).
  double (*parameters)(int dims, int num_classes, const ClassifierOptions& options) = nullptr;
};

// What a kind's kind() starts from: C's name and factory, and its passes_for; it adds the
// epochs and the costs. C is complete where it is used (C's own file).
template <class C>
ClassifierKind kind_of() {
  ClassifierKind k;
  k.name = C::kName;
  k.make = [](int dims, int num_classes, const ClassifierOptions& options, uint64_t seed,
              uint64_t task_id) -> std::unique_ptr<Classifier> {
    return std::make_unique<C>(dims, num_classes, options, seed, task_id);
  };
  k.passes_for = &C::passes_for;
  return k;
}

// Every registered kind, in documentation order; the first is the default.
const std::vector<ClassifierKind>& classifier_kinds();
// The registered names, in classifier_kinds()'s order (what a config's `classifier` may say).
std::vector<std::string> classifier_names();
// The kind called `name`; an unknown name throws one line naming `key` (the config key it came
// from) and the known names.
const ClassifierKind& classifier_kind(const std::string& name,
                                      const std::string& key = "classifier");
}  // namespace emoaug::ser
