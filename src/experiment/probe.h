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

// The real rows a GAN task's probe trains on: the task's own training rows — the fold's training
// groups, or every labeled row for a group trained on all of them — never a held-out group's.
std::vector<int64_t> probe_rows(const Corpora& corpora, int fold);

class Probe {
 public:
  // Trains on probe_rows(task), z-normalised with their own (population) statistics, on the host
  // whatever the task's device.
  Probe(const RunContext& ctx, const GanTask& task);

  // The share of `features` (host rows in feature units, normalised here with the training rows'
  // statistics) that the probe labels as each class; sums to 1 (all 0 for no rows).
  std::vector<double> label_shares(const Tensor& features);

  int classes() const { return classes_; }
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

}  // namespace emoaug::experiment
