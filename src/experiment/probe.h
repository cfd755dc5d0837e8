// The probe of a GAN group's synthetic sets (docs/results.md, "The probe"): a classifier trained on
// the group's real training rows labels every synthetic set, so that a set the real data would not
// recognise as its emotion shows before any SER classifier trains on it. The linear classifier
// (ser/linear.h, its default options): cheap, deterministic, seeded by the task. It sees only what
// a linear model sees: a set it recognises may still be unlike the target in ways it cannot tell.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "backend/execution.h"
#include "core/tensor.h"
#include "data/scaler.h"
#include "experiment/context.h"
#include "experiment/tasks.h"
#include "ser/classifier.h"

namespace emoaug::experiment {

class Probe {
 public:
  // Trains on the group's own training rows (Corpora::gan_training_rows), z-normalised with their
  // own (population) statistics, on the host whatever the task's device.
  Probe(const RunContext& ctx, const GanTask& task);

  // The share of `features` (host rows in feature units, normalised here with the training rows'
  // statistics) that the probe labels as each class; sums to 1 (all 0 for no rows).
  std::vector<double> label_shares(const Tensor& features);

  double seconds() const { return seconds_; }  // its training

 private:
  ops::ExecutionContext host_{Device::Host, 1};
  data::ZScoreScaler scaler_;
  std::unique_ptr<ser::Classifier> classifier_;
  int classes_ = 0;
  double seconds_ = 0;
};

// The probe's label shares of each emotion's set in a group: matrix[e * N + c] is the share of
// emotion e's synthetic rows that the probe labels as class c; agreement(e) its diagonal.
struct ProbeMatrix {
  int classes = 0;
  std::vector<double> shares;  // N x N, row-major
  double agreement(int e) const { return shares[static_cast<size_t>(e) * classes + e]; }
  double mean_agreement() const;
};

// What the probe found at each look while a group trained: rows of [epoch, N x N shares], every
// emotion's (gathered over the group's ranks); checkpoints keep `rows` as they are.
struct ProbeHistory {
  int classes = 0;
  std::vector<float> rows;

  void append(int epoch, const ProbeMatrix& m);
  // The epoch of the look with the best mean agreement (the later on a tie); 0 without looks.
  int best_epoch() const;
  // [looks x (1 + N)]: each look's epoch, then the shares of emotion e's set.
  Tensor of_emotion(int e) const;
};

// The source rows the probe scores a group's generators on while they train: at most 512 of the
// task's (scaled) source, a seeded choice that every rank of the group makes alike.
Tensor probe_subsample(const GanTask& task, const Tensor& source);

// EMOAUG_TEST_GENERATOR=E=C (a test hook): emotion E's generated `rows` become class C's mean
// target row (`targets`: each class's rows in the GANs' scaled units), a set no probe recognises.
void apply_test_generator(const std::vector<Tensor>& targets, int emotion, MatView rows);

}  // namespace emoaug::experiment
