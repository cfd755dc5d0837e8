// The elementwise math of every op, written once. The CPU backend (src/backend/cpu) loops over these
// and the CUDA kernels (kernels/*.cu) launch them, so both backends compute the same expressions.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "core/philox.h"

namespace emoaug::fn {

EMOAUG_HD float leaky_relu(float x, float slope) { return x > 0.0f ? x : slope * x; }

// Derivative from the activation's output: for slope > 0 the sign of the output is the sign of the
// input, so backward needs no copy of the pre-activation.
EMOAUG_HD float leaky_relu_grad_from_output(float y, float slope) { return y > 0.0f ? 1.0f : slope; }

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
EMOAUG_HD float bce_with_logits_grad(float x, float t) { return sigmoid(x) - t; }

// Inverted dropout: keep with probability 1 - p and scale by 1 / (1 - p). The uniform draw for
// element i is word i % 4 of Philox block (first_block + i / 4) of the layer's stream.
EMOAUG_HD float dropout_scale(uint32_t bits, float p) {
  return philox_uniform(bits) >= p ? 1.0f / (1.0f - p) : 0.0f;
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
