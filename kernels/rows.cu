// Row and column kernels: mini-batch gather, bias gradients (column sums) and argmax.
#include <cmath>

#include "kernels/for_each.cuh"
#include "kernels/launch.h"

namespace emoaug::kernels {
namespace {

struct GatherRows {
  const float* src;
  int64_t src_rows, cols;
  const int32_t* rows;
  float* dst;
  __device__ void operator()(int64_t i) const {
    const int64_t r = i / cols, c = i - r * cols;
    const int64_t from = rows[r];
    // A kernel cannot throw: an index outside src shows up as a NaN row.
    dst[i] = from >= 0 && from < src_rows ? src[from * cols + c] : NAN;
  }
};

// A thread per column, summing down the rows in the CPU's order: coalesced across the warp and
// deterministic without atomics. The training step's sums are batch-long (64 rows).
struct ColumnSum {
  const float* x;
  int64_t rows, cols;
  float* out;
  bool accumulate;
  __device__ void operator()(int64_t c) const {
    out[c] = fn::column_sum(x, rows, cols, c, accumulate ? out[c] : 0.0f);
  }
};

struct ArgmaxRow {
  const float* x;
  int64_t cols;
  int32_t* out;
  __device__ void operator()(int64_t r) const { out[r] = fn::argmax_row(x + r * cols, cols); }
};

}  // namespace

void gather_rows(cudaStream_t s, const float* src, int64_t src_rows, int64_t cols,
                 const int32_t* rows, float* dst, int64_t dst_rows) {
  for_each(s, dst_rows * cols, GatherRows{src, src_rows, cols, rows, dst}, "gather_rows");
}

void col_sum(cudaStream_t s, const float* x, int64_t rows, int64_t cols, float* out,
             bool accumulate) {
  for_each(s, cols, ColumnSum{x, rows, cols, out, accumulate}, "col_sum");
}

void argmax_rows(cudaStream_t s, const float* x, int64_t rows, int64_t cols, int32_t* out) {
  for_each(s, rows, ArgmaxRow{x, cols, out}, "argmax_rows");
}

}  // namespace emoaug::kernels
