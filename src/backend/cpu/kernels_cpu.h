// The CPU backend's elementwise loops over flat arrays, written so that the compiler vectorises
// them (restrict pointers, scalars by value, no calls) and built three times, for AVX-512, AVX2 and
// baseline x86-64, with the best one the CPU runs picked when the program loads. They compute fn::
// (kernels/functors.h) element by element with the same float operations in the same order, so
// the bytes are those of the scalar code and of the CUDA kernels: vector sqrt, division and
// products are exactly rounded as the scalar ones are, and no multiply-add is fused
// (-ffp-contract=off).
#pragma once

#include <cstdint>

#include "kernels/functors.h"

namespace emoaug::ops::cpu::kernels {

// Adam over n elements.
void adam(float* p, const float* g, float* m, float* v, int64_t n, fn::AdamStep s);

// mask[i] = fn::dropout_scale of draw i for i < n, draw i being word i % 4 of block
// d.first_block + i / 4 (fn::dropout_quad's numbering), several Philox blocks at a time.
void dropout_mask(float* mask, int64_t n, const fn::DropoutDraws& d);

// dropout_mask's paths, so that a test runs each one this CPU can: the hand-written vector path
// of an instruction set (its blocks; the rest by the scalar path), or the scalar path alone.
enum class MaskPath { Scalar, Avx2, Avx512 };
bool cpu_runs(MaskPath path);
void dropout_mask(float* mask, int64_t n, const fn::DropoutDraws& d, MaskPath path);

// One row of a hidden layer's epilogue: y = leaky(y + bias) * mask (mask null: no dropout).
void bias_leaky_mask_row(float* y, const float* bias, const float* mask, int64_t n, float slope);

// dy *= mask * leaky'(y) over n elements (mask null: dy *= leaky'(y)).
void leaky_mask_backward(float* dy, const float* y, const float* mask, int64_t n, float slope);

// x = leaky(x) over n elements (branch-free: the compiler's if-conversion needs
// -fno-trapping-math, which this file's build has and ops_cpu.cpp's has not).
void leaky_relu(float* x, int64_t n, float slope);

// x *= mask, over n elements.
void multiply(float* x, const float* mask, int64_t n);

}  // namespace emoaug::ops::cpu::kernels
