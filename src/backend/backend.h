// The interface each backend implements: the compute of every op of backend/ops.h, with the
// arguments already checked by the dispatcher (backend/ops.cpp), except what only the data can
// tell (labels, row indices). Internal to src/backend; ops.h documents what each op means.
#pragma once

#include <cstdint>

#include "backend/execution.h"
#include "backend/ops.h"
#include "kernels/functors.h"

namespace emoaug::ops {

class Backend {
 public:
  virtual ~Backend() = default;

  // m, n, k >= 1 (the dispatcher handles empty products).
  virtual void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha,
                    float beta, const MathMode& math) = 0;
  virtual void add_bias(MatView y, const float* bias) = 0;
  virtual void col_sum(ConstMatView x, float* out, bool accumulate) = 0;
  virtual void leaky_relu(MatView x, float slope) = 0;
  virtual void leaky_relu_backward(MatView dy, ConstMatView y, float slope) = 0;
  virtual void dropout(MatView x, MatView mask, float p, Rng& rng) = 0;
  virtual void dropout_backward(MatView dy, ConstMatView mask) = 0;
  virtual void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask,
                                  Rng* rng) = 0;
  virtual void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask,
                                      float slope) = 0;
  virtual void sigmoid(ConstMatView x, MatView y) = 0;
  virtual void argmax_rows(ConstMatView x, int32_t* out) = 0;
  virtual void argmax_hits_into(ConstMatView logits, const int32_t* labels, float* hits) = 0;

  // Losses: the returning forms wait for the result; the _into forms leave it on the device.
  virtual float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                                      float grad_scale) = 0;
  virtual float bce_with_logits(ConstMatView logits, float target, MatView dlogits,
                                float grad_scale) = 0;
  virtual float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                                float grad_scale) = 0;
  virtual float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale) = 0;
  virtual void softmax_cross_entropy_into(ConstMatView logits, const int32_t* labels,
                                          MatView dlogits, float grad_scale, float* loss) = 0;
  virtual void bce_with_logits_into(ConstMatView logits, float target, MatView dlogits,
                                    float grad_scale, float* loss) = 0;
  virtual void bce_with_logits_into(ConstMatView logits, ConstMatView targets, MatView dlogits,
                                    float grad_scale, float* loss) = 0;
  virtual void mse_into(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale,
                        float* loss) = 0;

  virtual void scale(MatView x, float alpha) = 0;
  virtual void axpy(float alpha, ConstMatView x, MatView y) = 0;
  virtual void copy(ConstMatView src, MatView dst) = 0;
  virtual void gather_rows(ConstMatView src, const int* rows, MatView dst) = 0;
  virtual void zero(MatView x) = 0;
  // The step's scalars (bias corrections, flavour) are folded into s by the dispatcher.
  virtual void adam(MatView params, ConstMatView grads, MatView m, MatView v,
                    const fn::AdamStep& s) = 0;
};

// Backend has a member of every name of ops.h's EMOAUG_BACKEND_OPS: a name listed there without
// one is a compile error here (a using-declaration of a missing member), overloads included.
namespace detail {
#define EMOAUG_BACKEND_MEMBER(name) using Backend::name;
struct BackendHasEveryOp : Backend {
  EMOAUG_BACKEND_OPS(EMOAUG_BACKEND_MEMBER)
};
#undef EMOAUG_BACKEND_MEMBER
}  // namespace detail

}  // namespace emoaug::ops
