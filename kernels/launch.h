// Host-side launchers of the CUDA kernels in kernels/*.cu. The backend (src/backend/cuda) checks
// arguments and picks the stream; these only size grids and launch. Pointers are device pointers,
// n counts floats.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/functors.h"

namespace emoaug::kernels {

// Loss reductions run in two passes with a grid that depends on n alone (never on the device),
// so a loss has the same bits on every GPU and every run: no float atomics anywhere.
constexpr int kReduceThreads = 256;
constexpr int kMaxReduceBlocks = 64;
inline int reduce_blocks(int64_t n) {
  const int64_t blocks = (n + kReduceThreads - 1) / kReduceThreads;
  return static_cast<int>(blocks < kMaxReduceBlocks ? (blocks > 0 ? blocks : 1) : kMaxReduceBlocks);
}

// ---- elementwise (elementwise.cu) ----
void add_bias(cudaStream_t s, float* y, const float* bias, int64_t rows, int64_t cols);
void leaky_relu(cudaStream_t s, float* x, int64_t n, float slope);
void leaky_relu_backward(cudaStream_t s, float* dy, const float* y, int64_t n, float slope);
// mask[i] = the draw's dropout scale; x[i] *= mask[i] when x is set.
void dropout(cudaStream_t s, float* x, float* mask, int64_t n, const fn::DropoutDraws& draws);
void multiply(cudaStream_t s, float* dy, const float* mask, int64_t n);
// y = leaky(y + bias) * mask, drawing the mask when mask is set (draws.p > 0).
void bias_leaky_dropout(cudaStream_t s, float* y, const float* bias, int64_t rows, int64_t cols,
                        float slope, float* mask, const fn::DropoutDraws& draws);
// dy *= mask * leaky'(y), or dy *= leaky'(y) when mask is null.
void leaky_dropout_backward(cudaStream_t s, float* dy, const float* y, const float* mask, int64_t n,
                            float slope);
void sigmoid(cudaStream_t s, const float* x, float* y, int64_t n);
void scale(cudaStream_t s, float* x, int64_t n, float alpha);
void axpy(cudaStream_t s, float alpha, const float* x, float* y, int64_t n);
void adam(cudaStream_t s, float* p, const float* g, float* m, float* v, int64_t n,
          const fn::AdamStep& step);

// ---- rows and columns (rows.cu) ----
void gather_rows(cudaStream_t s, const float* src, int64_t src_rows, int64_t cols,
                 const int32_t* rows, float* dst, int64_t dst_rows);
void col_sum(cudaStream_t s, const float* x, int64_t rows, int64_t cols, float* out,
             bool accumulate);
void argmax_rows(cudaStream_t s, const float* x, int64_t rows, int64_t cols, int32_t* out);

// ---- losses (losses.cu) ----
// Each writes its gradient (when d is set) and, when loss is set, the mean loss as one float.
// partials is scratch for kMaxReduceBlocks doubles.
void mse(cudaStream_t s, const float* pred, const float* target, float* d, int64_t n, float g,
         double* partials, float* loss);
void bce_with_logits(cudaStream_t s, const float* logits, float target, float* d, int64_t n,
                     float g, double* partials, float* loss);
void bce_with_logits(cudaStream_t s, const float* logits, const float* targets, float* d, int64_t n,
                     float g, double* partials, float* loss);
// bad_row (optional) receives the smallest row index with a label outside 0..cols-1 (atomicMin
// on an int: order-independent); such rows have NaN loss and gradient.
void softmax_cross_entropy(cudaStream_t s, const float* logits, const int32_t* labels, float* d,
                           int64_t rows, int64_t cols, float scale, double* partials, float* loss,
                           int32_t* bad_row);
// The count of rows whose argmax is their label, as one float in *hits (partials as above).
void argmax_hits(cudaStream_t s, const float* logits, const int32_t* labels, int64_t rows,
                 int64_t cols, double* partials, float* hits);

}  // namespace emoaug::kernels
