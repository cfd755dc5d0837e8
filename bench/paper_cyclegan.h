// The paper's CycleGAN iteration as the benchmarks run it (bench_cpu_step, bench_cuda_step): 4
// emotions, d = 1582, G and F 1582-1000-500-1000-1582, D_T and D_S 1582-1000-1000-1, the shared C
// 1582-100-100-4, batch 64, dropout 0.2 (C 0.5), two generator steps per discriminator step, on
// random data in [0, 1) (the GANs' min-max range). The group is the runner's own
// EmotionTransferGroup, ready for adversarial epochs of `iterations` iterations.
#pragma once

#include <vector>

#include "backend/execution.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "gan/emotion_transfer.h"

namespace emoaug::bench {

struct PaperCycleGan {
  static constexpr int kDims = 1582, kEmotions = 4, kBatch = 64;

  // The group computes under `exec`, on its device.
  PaperCycleGan(ops::ExecutionContext& exec, int iterations, float lambda_cls)
      : group(exec, options(), kDims, kEmotions, lambda_cls, 1, 1, {0, 1, 2, 3}, &sum) {
    const Device device = exec.device();
    const int64_t rows = static_cast<int64_t>(kBatch) * iterations;
    source = uniform01(rows, kDims, 10, device);
    for (int e = 0; e < kEmotions; ++e) targets.push_back(uniform01(rows, kDims, 11 + e, device));
    data.source = source.view();
    for (const Tensor& t : targets) data.targets.push_back(t.view());
    group.to(device);
    group.start_adversarial();
  }

  static gan::CycleGanOptions options() {
    gan::CycleGanOptions o;  // the paper's architecture and dropout
    o.batch_size = kBatch;
    return o;
  }

  static Tensor uniform01(int64_t rows, int64_t cols, uint64_t seed, Device device) {
    Tensor t(rows, cols);
    Rng rng(seed, 0, StreamId::Data);
    for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform();
    return t.to(device);
  }

  Tensor source;
  std::vector<Tensor> targets;
  gan::TransferData data;
  gan::LocalGradientSum sum;
  gan::EmotionTransferGroup group;
};

}  // namespace emoaug::bench
