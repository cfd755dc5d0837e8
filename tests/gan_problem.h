// Small emotion-transfer problems for the GAN tests (test_gan.cpp on the host, test_cuda_ops.cpp
// on both devices).
#pragma once

#include <algorithm>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "gan/emotion_transfer.h"
#include "gan/options.h"

namespace emoaug::testing {

inline gan::CycleGanOptions small_gan_options() {
  gan::CycleGanOptions o;
  o.generator_hidden = {32, 16, 32};
  o.discriminator_hidden = {32, 32};
  o.classifier_hidden = {16, 16};
  o.batch_size = 32;
  o.lr = 1e-3f;
  o.pretrain_lr = 1e-3f;
  o.lr_decay_every = 50;
  return o;
}

// Source and N targets in [0, 1]^d with clearly different per-feature means, on the host.
struct GanProblem {
  GanProblem(int dims, int emotions, int rows, uint64_t seed) {
    Rng rng(seed, 0, StreamId::Data);
    auto make = [&](float center_lo, float center_hi) {
      Tensor centers(1, dims), t(rows, dims);
      for (int c = 0; c < dims; ++c) centers.data()[c] = rng.uniform(center_lo, center_hi);
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < dims; ++c)
          t(r, c) = std::clamp(centers.data()[c] + 0.08f * rng.normal(), 0.0f, 1.0f);
      return t;
    };
    source = make(0.2f, 0.5f);
    for (int e = 0; e < emotions; ++e) targets.push_back(make(0.3f, 0.8f));
    link();
  }
  // The same data on `device`.
  GanProblem(const GanProblem& other, Device device) : source(other.source.to(device)) {
    for (const Tensor& t : other.targets) targets.push_back(t.to(device));
    link();
  }

  Tensor source;
  std::vector<Tensor> targets;
  gan::TransferData data;

 private:
  void link() {
    data.source = source.view();
    data.targets.clear();
    for (const Tensor& t : targets) data.targets.push_back(t.view());
  }
};

inline std::vector<int> all_emotions(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace emoaug::testing
