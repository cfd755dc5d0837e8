// The CPU backend: one function per op of backend/ops.h, same meaning. Arguments have been checked
// by the dispatcher (backend/ops.cpp), except what only the data can tell (labels, row indices).
#pragma once

#include <cstdint>

#include "backend/ops.h"
#include "kernels/functors.h"

namespace emoaug::ops::cpu {

void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha, float beta);
void add_bias(MatView y, const float* bias);
void col_sum(ConstMatView x, float* out, bool accumulate);
void leaky_relu(MatView x, float slope);
void leaky_relu_backward(MatView dy, ConstMatView y, float slope);
void dropout(MatView x, MatView mask, float p, Rng& rng);
void dropout_backward(MatView dy, ConstMatView mask);
void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask, Rng* rng);
void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope);
void sigmoid(ConstMatView x, MatView y);
float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                            float grad_scale);
void argmax_rows(ConstMatView x, int32_t* out);
float bce_with_logits(ConstMatView logits, float target, MatView dlogits, float grad_scale);
float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits, float grad_scale);
float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale);
void scale(MatView x, float alpha);
void axpy(float alpha, ConstMatView x, MatView y);
void copy(ConstMatView src, MatView dst);
void gather_rows(ConstMatView src, const int* rows, MatView dst);
void zero(MatView x);
int blas_threads();
void set_blas_threads(int threads);
// The step's scalars (bias corrections, flavour) are folded into s by the dispatcher.
void adam(MatView params, ConstMatView grads, MatView m, MatView v, const fn::AdamStep& s);

}  // namespace emoaug::ops::cpu
