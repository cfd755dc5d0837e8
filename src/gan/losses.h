// The losses of a CycleGAN's training: what an epoch reports per emotion (EmotionLosses), and the
// log its steps leave them in (StepLossLog).
//
// A step writes its loss terms with the _into losses into a row of the log, on the step's device,
// and the group reads the log once per epoch: on CUDA no step waits for the GPU to learn a loss.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace emoaug::gan {

// Losses of one emotion summed over the iterations of an epoch (divide by `iterations`).
struct EmotionLosses {
  double discriminator = 0;   // mean of D_T's and D_S's BCE
  double adversarial = 0;     // generator BCE, both directions summed
  double cycle = 0;           // cycle MSE, both directions summed (unweighted)
  double classification = 0;  // C's cross-entropy on G(s)
  double accuracy = 0;        // C's accuracy on G(s)
  double pretrain = 0;        // cycle MSE during pretraining
  int64_t iterations = 0;

  // The values above in one order, with their names: the rows that carry them (the per-epoch
  // statistics of a group, the loss history of a task) are laid out by these alone.
  static constexpr int kValues = 6;
  static constexpr std::array<const char*, kValues> kNames{
      "discriminator", "adversarial", "cycle", "classification", "accuracy", "pretrain_cycle"};
  std::array<double, kValues> values() const {
    return {discriminator, adversarial, cycle, classification, accuracy, pretrain};
  }
  static EmotionLosses from_values(const float* v) {
    return {v[0], v[1], v[2], v[3], v[4], v[5], 1};
  }
};

// The loss terms of the steps since the last read, one row per step, on the steps' device.
class StepLossLog {
 public:
  // What a row holds, term by term:
  //   Pretrain:      source cycle MSE, target cycle MSE
  //   Discriminator: D_T on real, D_T on fake, D_S on real, D_S on fake (each half-weighted BCE)
  //   Generator:     adversarial BCE through D_T and D_S, cycle MSE of s and of t, and with the
  //                  classifier C's cross-entropy and its number of correct predictions
  enum class Step : uint8_t { Pretrain, Discriminator, Generator, GeneratorWithClassifier };
  static constexpr int kTerms = 6;

  // The row for the next step (kTerms floats on `device`); batch_rows turns a count of correct
  // predictions into an accuracy when the log is read. The log grows as needed, keeping its rows.
  float* next(Step step, int64_t batch_rows, Device device);

  // Adds the losses of every step logged since the last read to `sums` (not `iterations`: the
  // caller counts those), in the order the steps ran, and empties the log. One copy from the
  // device. The sums are formed as the steps formed them when each read its own losses back
  // (pretraining adds its two terms in float), so the bytes stayed.
  void read_into(EmotionLosses& sums);

  int64_t size() const { return used_; }

 private:
  Tensor terms_;  // [capacity, kTerms]
  int64_t used_ = 0;
  std::vector<Step> steps_;
  std::vector<int64_t> batch_rows_;
};

}  // namespace emoaug::gan
