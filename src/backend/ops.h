// The ops every layer needs. Each takes views and dispatches on their device: the CPU backend
// (OpenBLAS + loops over kernels/functors.h) always, the CUDA backend when built. Losses return the
// mean loss and write its gradient scaled by grad_scale (so a weighted loss term costs nothing
// extra); a null gradient view skips the gradient.
#pragma once

#include <cstdint>

#include "core/rng.h"
#include "core/tensor.h"

namespace emoaug::ops {

enum class Trans { No, Yes };

// C = alpha * op(A) * op(B) + beta * C.
void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha = 1.0f,
          float beta = 0.0f);

void add_bias(MatView y, const float* bias);
// out[c] = sum_r x(r, c), or += with accumulate.
void col_sum(ConstMatView x, float* out, bool accumulate);

void leaky_relu(MatView x, float slope);
// dy := dy * leaky'(y), from the activation's output y.
void leaky_relu_backward(MatView dy, ConstMatView y, float slope);

// Inverted dropout in place; fills mask with 0 or 1/(1-p) for backward. The draws come from `rng`
// by Philox block index, so CPU and CUDA give the same mask.
void dropout(MatView x, MatView mask, float p, Rng& rng);
void dropout_backward(MatView dy, ConstMatView mask);

// A hidden layer's epilogue in one pass: y = dropout(leaky(y + bias)). mask may be empty when p = 0.
void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask, Rng* rng);
// Its backward in one pass: dy := dy * mask * leaky'(y). mask may be empty.
void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope);

void sigmoid(ConstMatView x, MatView y);

// Softmax cross-entropy, mean over rows; dlogits = grad_scale * (softmax - onehot) / rows.
float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                            float grad_scale = 1.0f);
// Row-wise argmax (predicted class).
void argmax_rows(ConstMatView x, int32_t* out);

// Binary cross-entropy with logits, mean over all elements, against one target value for all
// (0.9 for smoothed real, 0 for fake) or a target matrix.
float bce_with_logits(ConstMatView logits, float target, MatView dlogits, float grad_scale = 1.0f);
float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                      float grad_scale = 1.0f);

// Mean squared error over all elements; dpred = grad_scale * 2 (pred - target) / size.
float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale = 1.0f);

void scale(MatView x, float alpha);
// y += alpha * x
void axpy(float alpha, ConstMatView x, MatView y);
void copy(ConstMatView src, MatView dst);
// dst row r = src row rows[r], for r < dst.rows (mini-batch assembly from a shuffled order).
void gather_rows(ConstMatView src, const int* rows, MatView dst);
void zero(MatView x);

enum class AdamFlavor { PyTorch, TensorFlow };
struct AdamHyper {
  float lr = 2e-4f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  AdamFlavor flavor = AdamFlavor::PyTorch;
};
// One Adam step (step counts from 1) over flat buffers of n floats.
void adam(MatView params, ConstMatView grads, MatView m, MatView v, const AdamHyper& h,
          int64_t step);

}  // namespace emoaug::ops
