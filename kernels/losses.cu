// Loss kernels: each element's (or row's) term writes its gradient and returns its loss
// contribution; the mean is reduced in double in a fixed order (reduce_terms, finish_mean), so a
// loss is deterministic without float atomics and agrees with the CPU's double sum to rounding.
#include <climits>
#include <cmath>

#include "backend/cuda/check.h"
#include "kernels/launch.h"

namespace emoaug::kernels {
namespace {

// Block-wide sum of one double per thread in shared memory, as a fixed tree.
__device__ double block_sum(double value) {
  __shared__ double s[kReduceThreads];
  s[threadIdx.x] = value;
  __syncthreads();
  for (int stride = kReduceThreads / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) s[threadIdx.x] += s[threadIdx.x + stride];
    __syncthreads();
  }
  return s[0];
}

// Pass 1: block b sums the terms i = b*T + t, b*T + t + G*T, ... thread by thread, then as a tree.
template <class Term>
__global__ void __launch_bounds__(kReduceThreads)
    reduce_terms(int64_t n, Term term, double* partials) {
  double acc = 0.0;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * kReduceThreads;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * kReduceThreads + threadIdx.x; i < n;
       i += stride)
    acc += term(i);
  const double total = block_sum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// Pass 2, one block: the partials in a fixed tree, divided by the count as the CPU does (a count
// of 1 leaves the sum itself).
__global__ void __launch_bounds__(kReduceThreads)
    finish_mean(const double* partials, int blocks, double count, float* loss) {
  double acc = 0.0;
  for (int i = threadIdx.x; i < blocks; i += kReduceThreads) acc += partials[i];
  const double total = block_sum(acc);
  if (threadIdx.x == 0) *loss = static_cast<float>(total / count);
}

template <class Term>
void reduce_mean(cudaStream_t s, int64_t n, const Term& term, double* partials, float* loss,
                 const char* name) {
  const int blocks = reduce_blocks(n);
  reduce_terms<<<blocks, kReduceThreads, 0, s>>>(n, term, partials);
  EMOAUG_LAUNCH_CHECK(name);
  if (!loss) return;
  finish_mean<<<1, kReduceThreads, 0, s>>>(partials, blocks, static_cast<double>(n), loss);
  EMOAUG_LAUNCH_CHECK(name);
}

struct MseTerm {
  const float* pred;
  const float* target;
  float* d;
  float g;
  __device__ double operator()(int64_t i) const {
    const float diff = pred[i] - target[i];
    if (d) d[i] = g * diff;
    return static_cast<double>(diff) * diff;
  }
};

struct BceScalarTerm {
  const float* x;
  float t;
  float* d;
  float g;
  __device__ double operator()(int64_t i) const {
    if (d) d[i] = g * fn::bce_with_logits_grad(x[i], t);
    return fn::bce_with_logits(x[i], t);
  }
};

struct BceMatrixTerm {
  const float* x;
  const float* t;
  float* d;
  float g;
  __device__ double operator()(int64_t i) const {
    if (d) d[i] = g * fn::bce_with_logits_grad(x[i], t[i]);
    return fn::bce_with_logits(x[i], t[i]);
  }
};

// A whole row per term: the batch has few classes (4 emotions), so a row is a short loop.
struct SoftmaxXentRow {
  const float* x;
  const int32_t* labels;
  float* d;
  int64_t cols;
  float scale, inv_n;
  int32_t* bad_row;
  __device__ double operator()(int64_t r) const {
    const int32_t label = labels[r];
    float* grad = d ? d + r * cols : nullptr;
    if (label < 0 || label >= cols) {
      if (bad_row) atomicMin(bad_row, static_cast<int32_t>(r < INT_MAX ? r : INT_MAX));
      if (grad)
        for (int64_t c = 0; c < cols; ++c) grad[c] = NAN;
      return NAN;
    }
    return fn::softmax_xent_row(x + r * cols, cols, label, scale, inv_n, grad);
  }
};

// 1 where the row's first maximum is at its label: summed, the number of correct predictions.
struct ArgmaxHitRow {
  const float* x;
  const int32_t* labels;
  int64_t cols;
  __device__ double operator()(int64_t r) const {
    return fn::argmax_row(x + r * cols, cols) == labels[r] ? 1.0 : 0.0;
  }
};

}  // namespace

void mse(cudaStream_t s, const float* pred, const float* target, float* d, int64_t n, float g,
         double* partials, float* loss) {
  reduce_mean(s, n, MseTerm{pred, target, d, g}, partials, loss, "mse");
}

void bce_with_logits(cudaStream_t s, const float* logits, float target, float* d, int64_t n,
                     float g, double* partials, float* loss) {
  reduce_mean(s, n, BceScalarTerm{logits, target, d, g}, partials, loss, "bce_with_logits");
}

void bce_with_logits(cudaStream_t s, const float* logits, const float* targets, float* d, int64_t n,
                     float g, double* partials, float* loss) {
  reduce_mean(s, n, BceMatrixTerm{logits, targets, d, g}, partials, loss, "bce_with_logits");
}

void softmax_cross_entropy(cudaStream_t s, const float* logits, const int32_t* labels, float* d,
                           int64_t rows, int64_t cols, float scale, double* partials, float* loss,
                           int32_t* bad_row) {
  const float inv_n = 1.0f / static_cast<float>(rows);
  reduce_mean(s, rows, SoftmaxXentRow{logits, labels, d, cols, scale, inv_n, bad_row}, partials,
              loss, "softmax_cross_entropy");
}

void argmax_hits(cudaStream_t s, const float* logits, const int32_t* labels, int64_t rows,
                 int64_t cols, double* partials, float* hits) {
  const int blocks = reduce_blocks(rows);
  reduce_terms<<<blocks, kReduceThreads, 0, s>>>(rows, ArgmaxHitRow{logits, labels, cols},
                                                 partials);
  EMOAUG_LAUNCH_CHECK("argmax_hits");
  finish_mean<<<1, kReduceThreads, 0, s>>>(partials, blocks, 1.0, hits);
  EMOAUG_LAUNCH_CHECK("argmax_hits");
}

}  // namespace emoaug::kernels
