// Single-threaded sgemm for the shapes of a training step: a batch of rows (tens) against a weight
// matrix (hundreds to thousands square). OpenBLAS copies ("packs") both operands into blocks before
// it multiplies; with a batch of 64 every weight element is used only 64 times, so that copy of the
// large operand is a sixth of a step (perf). These kernels read the large operand where it lies,
// copy only the small batch-sized one, and keep a register tile of C over the whole reduction
// (AVX-512: 24 accumulators of 16 floats). Sums run in a fixed order, so a result does not depend
// on anything but the operands; it differs from OpenBLAS's in the last bits.
#pragma once

#include "backend/execution.h"
#include "backend/ops.h"

namespace emoaug::ops::cpu {

// Past this the weight matrix is streamed once per 64 rows and OpenBLAS's packing pays for itself.
constexpr int64_t kBlockedGemmMaxBatch = 512;
constexpr int64_t kBlockedGemmMinForwardCols = 32;
constexpr int64_t kBlockedGemmMinInputGradCols = 256;
constexpr int64_t kBlockedGemmMinInputGradReduction = 16;

// Whether blocked_gemm takes C (m x n) = op(A) op(B) with reduction k: `kernels` are blocked ones
// that this build has and this CPU runs, one of the three forms below (not Aᵀ·Bᵀ), the batch-sized
// dimension (m for A·Bᵀ and A·B, k for Aᵀ·B) at most kBlockedGemmMaxBatch, C wide enough for A·Bᵀ
// and A·B, and A·B's reduction long enough.
bool blocked_gemm_choice(CpuGemm kernels, Trans ta, Trans tb, int64_t m, int64_t n, int64_t k);

// C = alpha * op(A) * op(B) + beta * C, like ops::gemm (beta = 0 never reads C), for the three
// forms a network step uses: A·Bᵀ (forward), A·B (input gradient), Aᵀ·B (weight gradient). Views
// are dense (row stride = cols). Returns false, touching nothing, when !blocked_gemm_choice(); the
// caller then uses OpenBLAS.
bool blocked_gemm(CpuGemm kernels, ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c,
                  float alpha, float beta);

}  // namespace emoaug::ops::cpu
