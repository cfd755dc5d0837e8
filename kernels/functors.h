// The elementwise math of every op, written once. The CPU backend (src/backend/cpu) loops over
// these and the CUDA kernels (kernels/*.cu) launch them, so both backends compute the same
// expressions.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/host_device.h"
#include "core/philox.h"

namespace emoaug::fn {

EMOAUG_HD float leaky_relu(float x, float slope) {
  return x > 0.0f ? x : slope * x;
}

// Derivative from the activation's output: for slope > 0 the sign of the output is the sign of the
// input, so backward needs no copy of the pre-activation.
EMOAUG_HD float leaky_relu_grad_from_output(float y, float slope) {
  return y > 0.0f ? 1.0f : slope;
}

EMOAUG_HD float sigmoid(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

// Binary cross-entropy of sigmoid(x) against target t in [0, 1], in the stable form
// max(x, 0) - x t + log(1 + exp(-|x|)) that TensorFlow and PyTorch use.
EMOAUG_HD float bce_with_logits(float x, float t) {
  return fmaxf(x, 0.0f) - x * t + log1pf(expf(-fabsf(x)));
}
EMOAUG_HD float bce_with_logits_grad(float x, float t) {
  return sigmoid(x) - t;
}

// Inverted dropout: keep with probability 1 - p and scale by 1 / (1 - p). The uniform draw for
// element i is word i % 4 of Philox block (first_block + i / 4) of the layer's stream.
EMOAUG_HD float dropout_scale(uint32_t bits, float p) {
  return philox_uniform(bits) >= p ? 1.0f / (1.0f - p) : 0.0f;
}

// Where one mask's draws come from: the layer's stream (key, stream id) and the first of the
// blocks reserved for the mask (Rng::reserve_blocks), so a kernel needs no Rng object.
struct DropoutDraws {
  uint32_t k0, k1;
  uint64_t stream;
  uint64_t first_block;
  float p;
};

// Mask values of elements 4q .. 4q+3, i.e. one Philox block: a CUDA thread's share of a mask, and
// the CPU loop's step, so both backends produce the same bytes.
EMOAUG_HD void dropout_quad(const DropoutDraws& d, uint64_t q, float out[4]) {
  const uint64_t block = d.first_block + q;
  Philox4 ctr{{static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
               static_cast<uint32_t>(d.stream), static_cast<uint32_t>(d.stream >> 32)}};
  Philox4 words = philox4x32_10(ctr, d.k0, d.k1);
  for (int w = 0; w < 4; ++w) out[w] = dropout_scale(words.v[w], d.p);
}

// One column's sum over rows, in row order from init: the CPU's order (it walks rows outermost
// for contiguity), so a thread-per-column kernel matches it bit for bit without float atomics.
EMOAUG_HD float column_sum(const float* x, int64_t rows, int64_t cols, int64_t c, float init) {
  float acc = init;
  for (int64_t r = 0; r < rows; ++r) acc += x[r * cols + c];
  return acc;
}

// Index of a row's first maximum.
EMOAUG_HD int32_t argmax_row(const float* x, int64_t cols) {
  int32_t best = 0;
  for (int64_t c = 1; c < cols; ++c)
    if (x[c] > x[best]) best = static_cast<int32_t>(c);
  return best;
}

// Softmax cross-entropy of one row against a valid label, in double where it sums: returns the
// row's loss and, when grad is set, writes grad[c] = scale * inv_n * (softmax_c - [c == label]).
EMOAUG_HD double softmax_xent_row(const float* x, int64_t cols, int32_t label, float scale,
                                  float inv_n, float* grad) {
  float mx = x[0];
  for (int64_t c = 1; c < cols; ++c) mx = x[c] > mx ? x[c] : mx;
  double sum = 0.0;
  for (int64_t c = 0; c < cols; ++c) sum += exp(static_cast<double>(x[c] - mx));
  const double log_sum = log(sum);
  if (grad) {
    for (int64_t c = 0; c < cols; ++c) {
      float prob = static_cast<float>(exp(static_cast<double>(x[c] - mx) - log_sum));
      grad[c] = scale * inv_n * (prob - (c == label ? 1.0f : 0.0f));
    }
  }
  return log_sum - static_cast<double>(x[label] - mx);
}

// Adam over one element. PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps); TensorFlow 1.x:
// p -= lr*sqrt(bc2)/bc1 * m / (sqrt(v) + eps). Both are step * m / (sqrt(v) * v_scale + eps) with
// the scalars precomputed per step by the caller (AdamStep).
struct AdamStep {
  float beta1, beta2, eps;
  float step_size;  // the learning rate with bias corrections folded in
  float v_scale;    // 1/sqrt(bc2) for PyTorch, 1 for TensorFlow
};

EMOAUG_HD void adam_update(float& p, float g, float& m, float& v, const AdamStep& s) {
  m = s.beta1 * m + (1.0f - s.beta1) * g;
  v = s.beta2 * v + (1.0f - s.beta2) * g * g;
  p -= s.step_size * m / (sqrtf(v) * s.v_scale + s.eps);
}

}  // namespace emoaug::fn
