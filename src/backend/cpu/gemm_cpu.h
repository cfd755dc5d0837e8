// Single-threaded sgemm for the shapes of a training step: a batch of rows (tens) against a weight
// matrix (hundreds to thousands square). OpenBLAS copies ("packs") both operands into blocks before
// it multiplies; with a batch of 64 every weight element is used only 64 times, so that copy of the
// large operand is a sixth of a step (perf). These kernels read the large operand where it lies,
// copy only the small batch-sized one, and keep a register tile of C over the whole reduction
// (AVX-512: 24 accumulators of 16 floats; AVX2 + FMA: 12 of 8). Sums run in a fixed order, the
// same on both widths, so a result does not depend on anything but the operands; it differs from
// OpenBLAS's in the last bits.
#pragma once

#include "backend/execution.h"
#include "backend/ops.h"

namespace emoaug::ops::cpu {

// The shapes the blocked kernels of one width take (bench_gemm_shapes chose them: below them the
// copy of A costs more than OpenBLAS's packing saves, past them OpenBLAS's packing pays).
struct BlockedGemmRules {
  // The batch-sized dimension (m for A·Bᵀ and A·B, k for Aᵀ·B): past it the weight matrix is
  // streamed once per 64 rows anyway.
  int64_t max_batch;
  // A·Bᵀ: C's columns (not D's 1-wide or C's 4-wide output layer) and the reduction.
  int64_t min_forward_cols, min_forward_reduction;
  // A·B: C's columns (not C's 100-wide input gradient) and the reduction (not D's through its
  // 1-wide output).
  int64_t min_input_grad_cols, min_input_grad_reduction;
};

// AVX2 leaves A·Bᵀ with a reduction under 256 (C's 100-wide layer) to OpenBLAS: its packed tile
// holds 16 rows of A instead of 64, so each panel takes four tile calls and four epilogues per
// group of 6 columns, which a short reduction does not pay for (0.81-0.96 of OpenBLAS's speed at
// k = 64-192; AVX-512 1.5-1.8x faster there).
constexpr BlockedGemmRules kAvx512GemmRules{512, 32, 1, 256, 16};
constexpr BlockedGemmRules kAvx2GemmRules{512, 32, 256, 256, 16};

// Whether blocked_gemm takes C (m x n) = op(A) op(B) with reduction k: `kernels` are blocked ones
// that this build has and this CPU runs, the shape one of the three forms below (not Aᵀ·Bᵀ) within
// their rules.
bool blocked_gemm_choice(CpuGemm kernels, Trans ta, Trans tb, int64_t m, int64_t n, int64_t k);

// C = alpha * op(A) * op(B) + beta * C, like ops::gemm (beta = 0 never reads C), for the three
// forms a network step uses: A·Bᵀ (forward), A·B (input gradient), Aᵀ·B (weight gradient). Views
// are dense (row stride = cols). Returns false, touching nothing, when !blocked_gemm_choice(); the
// caller then uses OpenBLAS.
bool blocked_gemm(CpuGemm kernels, ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c,
                  float alpha, float beta);

// Columns [begin, end) of blocked_gemm's C, the rest of C untouched: the same bytes there as
// blocked_gemm gives, since every entry of C is summed on its own. Two threads can compute one C
// this way. The shape must be one blocked_gemm_choice() takes (throws otherwise).
void blocked_gemm_columns(CpuGemm kernels, ConstMatView a, Trans ta, ConstMatView b, Trans tb,
                          MatView c, float alpha, float beta, int64_t begin, int64_t end);

// Where n columns of C split in two for blocked_gemm_columns: near the middle, on a multiple of
// the width's tiles; 0 when n is too narrow to split or `kernels` are not built.
int64_t blocked_gemm_middle_column(CpuGemm kernels, int64_t n);

}  // namespace emoaug::ops::cpu
