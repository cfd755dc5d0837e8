// The CUDA backend: one function per op of backend/ops.h, same meaning, on this thread's stream
// (context.h). Plain C++ so the dispatcher can include it; compiled only with EMOAUG_HAVE_CUDA.
// Arguments have been checked by the dispatcher (backend/ops.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "backend/ops.h"
#include "kernels/functors.h"

namespace emoaug::ops::cuda {

bool available(std::string* why_not);
void synchronize();

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

// The returning losses wait for the device and copy the mean back; the _into ones do not.
float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                            float grad_scale);
float bce_with_logits(ConstMatView logits, float target, MatView dlogits, float grad_scale);
float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits, float grad_scale);
float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale);
void softmax_cross_entropy_into(ConstMatView logits, const int32_t* labels, MatView dlogits,
                                float grad_scale, float* loss);
void bce_with_logits_into(ConstMatView logits, float target, MatView dlogits, float grad_scale,
                          float* loss);
void bce_with_logits_into(ConstMatView logits, ConstMatView targets, MatView dlogits,
                          float grad_scale, float* loss);
void mse_into(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale, float* loss);
void argmax_rows(ConstMatView x, int32_t* out);

void scale(MatView x, float alpha);
void axpy(float alpha, ConstMatView x, MatView y);
void copy(ConstMatView src, MatView dst);
void gather_rows(ConstMatView src, const int* rows, MatView dst);
void zero(MatView x);
void to_device(ConstMatView host, MatView dev);
void to_host(ConstMatView dev, MatView host);
void adam(MatView params, ConstMatView grads, MatView m, MatView v, const fn::AdamStep& s);

}  // namespace emoaug::ops::cuda
