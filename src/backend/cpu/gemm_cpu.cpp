// Two register-tile kernels cover the three forms (gemm_cpu.h says why they exist):
//
//  - broadcast_tile: C[6 x 64] = sum over p of a(p, i) * B[p, 0..64), B's rows loaded as vectors
//    where they lie, A's entries broadcast. A·B (input gradient, B = the weight matrix) reads A
//    from its transpose (pack_transposed, as for A·Bᵀ) and walks column strips of B, each strip
//    staying in L2 while every row block of A passes over it; Aᵀ·B (weight gradient, reduction =
//    the batch) finds A's entries side by side already and walks C's rows left to right.
//  - packed_tile: C[64 x 6] = A·Bᵀ with A transposed into a packed panel (a row of the panel = one
//    reduction index of 64 rows of A) and the weight matrix's rows broadcast a float at a time, so
//    the weight matrix is read once, front to back.
//
// Software prefetch where the hardware prefetcher loses the stream: in A·B the strided rows of B
// a few steps ahead of the tile, and the next strip of B into L2, each row block of A fetching its
// share (without this the first row block over a strip waits on memory: 80-92 GFLOP/s instead of
// 102-110); in Aᵀ·B the next tile of C. Tile sizes, prefetch distances and the shape rules were
// chosen with bench/bench_gemm_shapes.cpp.
#include "backend/cpu/gemm_cpu.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include "backend/cpu/x86_intrinsics.h"
#define EMOAUG_BLOCKED_GEMM 1
#else
#define EMOAUG_BLOCKED_GEMM 0
#endif

namespace emoaug::ops::cpu {
namespace {

// The blocked kernels this build has.
bool built(CpuGemm kernels) {
  return EMOAUG_BLOCKED_GEMM && kernels == CpuGemm::Avx512;
}

}  // namespace

bool blocked_gemm_choice(CpuGemm kernels, Trans ta, Trans tb, int64_t m, int64_t n, int64_t k) {
  if (!built(kernels) || !cpu_runs(kernels) || (ta == Trans::Yes && tb == Trans::Yes)) return false;
  if (ta == Trans::Yes) return k <= kBlockedGemmMaxBatch;  // Aᵀ·B: the batch is the reduction
  if (m > kBlockedGemmMaxBatch) return false;
  // Below these sizes the copy of A costs more than OpenBLAS's packing saves (D's 1-wide and C's
  // 4-wide output layers, C's 100-wide input gradient, D's input gradient through its 1-wide
  // output: bench_gemm_shapes).
  if (tb == Trans::Yes) return n >= kBlockedGemmMinForwardCols;
  return n >= kBlockedGemmMinInputGradCols && k >= kBlockedGemmMinInputGradReduction;
}

#if EMOAUG_BLOCKED_GEMM

namespace {

#define EMOAUG_AVX512 __attribute__((target("avx512f")))
#define EMOAUG_UNROLL _Pragma("GCC unroll 16")

constexpr int kRowTile = 6;     // rows of C in a broadcast tile
constexpr int kColVectors = 4;  // 16-float vectors across a broadcast tile: 6 x 64
constexpr int kTileCols = 16 * kColVectors;
constexpr int kPanelRows = 64;  // rows of A in a packed panel
constexpr int kPanelVectors = kPanelRows / 16;
constexpr int kPanelCols = 6;       // columns of C in a packed tile: 64 x 6
constexpr int kPrefetchAhead = 16;  // rows of B ahead of the A·B tile

enum class Prefetch { RowsOfBAhead, NextTileOfC };

// Rows of B for the next strip, fetched into L2 one row every `every` steps (A·B only).
struct StripAhead {
  const float* rows = nullptr;
  int64_t count = 0, every = 1;
};

using BroadcastTileFn = void (*)(const float* a, int64_t lda, const float* b, int64_t ldb,
                                 int64_t k, float* c, int64_t ldc, float alpha, float beta,
                                 int last_cols, StripAhead ahead);

template <int MR, int NV, Prefetch P>
EMOAUG_AVX512 void broadcast_tile(const float* a, int64_t lda, const float* b, int64_t ldb,
                                  int64_t k, float* c, int64_t ldc, float alpha, float beta,
                                  int last_cols, StripAhead ahead) {
  int64_t countdown = ahead.every;
  const __mmask16 last = static_cast<__mmask16>((1u << last_cols) - 1u);
  __m512 acc[MR][NV];
  EMOAUG_UNROLL for (int i = 0; i < MR; ++i) {
    EMOAUG_UNROLL for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < k; ++p) {
    if (P == Prefetch::RowsOfBAhead) {
      if (ahead.count > 0 && --countdown == 0) {
        countdown = ahead.every;
        --ahead.count;
        EMOAUG_UNROLL for (int v = 0; v <= NV; ++v) {
          _mm_prefetch(reinterpret_cast<const char*>(ahead.rows + std::min(16 * v, 16 * NV - 1)),
                       _MM_HINT_T1);
        }
        ahead.rows += ldb;
      }
      if (p + kPrefetchAhead < k) {
        EMOAUG_UNROLL for (int v = 0; v < NV; ++v) {
          _mm_prefetch(reinterpret_cast<const char*>(b + (p + kPrefetchAhead) * ldb + 16 * v),
                       _MM_HINT_T0);
        }
      }
    } else if (p < MR) {
      // The same rows of the tile to the right; past the end of C this names memory that a
      // prefetch may name (it never faults).
      EMOAUG_UNROLL for (int v = 0; v < NV; ++v) {
        _mm_prefetch(reinterpret_cast<const char*>(c + p * ldc + 16 * (NV + v)), _MM_HINT_T0);
      }
    }
    __m512 bv[NV];
    EMOAUG_UNROLL for (int v = 0; v < NV; ++v) {
      bv[v] = _mm512_maskz_loadu_ps(v == NV - 1 ? last : __mmask16(0xFFFF), b + p * ldb + 16 * v);
    }
    EMOAUG_UNROLL for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[p * lda + i]);
      EMOAUG_UNROLL for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  EMOAUG_UNROLL for (int i = 0; i < MR; ++i) {
    EMOAUG_UNROLL for (int v = 0; v < NV; ++v) {
      const __mmask16 mask = v == NV - 1 ? last : __mmask16(0xFFFF);
      float* out = c + i * ldc + 16 * v;
      __m512 r = _mm512_mul_ps(va, acc[i][v]);
      if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, out), r);
      _mm512_mask_storeu_ps(out, mask, r);
    }
  }
}

template <Prefetch P, int MR, int... V>
constexpr std::array<BroadcastTileFn, kColVectors> broadcast_tiles_row(
    std::integer_sequence<int, V...>) {
  return {{broadcast_tile<MR, V + 1, P>...}};
}

template <Prefetch P, int... R>
constexpr std::array<std::array<BroadcastTileFn, kColVectors>, kRowTile> broadcast_tiles(
    std::integer_sequence<int, R...>) {
  return {{broadcast_tiles_row<P, R + 1>(std::make_integer_sequence<int, kColVectors>{})...}};
}

template <Prefetch P>
const auto kBroadcastTiles = broadcast_tiles<P>(std::make_integer_sequence<int, kRowTile>{});

// Columns [col, col + width) of C, width <= kTileCols: the tile for `rows` rows.
template <Prefetch P>
void run_broadcast_tile(int rows, int64_t width, const float* a, int64_t lda, const float* b,
                        int64_t ldb, int64_t k, float* c, int64_t ldc, float alpha, float beta,
                        StripAhead ahead = {}) {
  const int vectors = static_cast<int>((width + 15) / 16);
  const int last_cols = static_cast<int>(width - 16 * (vectors - 1));
  kBroadcastTiles<P>[rows - 1][vectors - 1](a, lda, b, ldb, k, c, ldc, alpha, beta, last_cols,
                                            ahead);
}

// r[q] := column q of the 16 x 16 matrix whose rows are r[0..16).
EMOAUG_AVX512 inline void transpose_16x16(__m512 r[16]) {
  __m512 t[16], u[16];
  EMOAUG_UNROLL for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4 i + j], 128-bit lane l: column 4 l + j of rows 4 i .. 4 i + 3.
  EMOAUG_UNROLL for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  EMOAUG_UNROLL for (int j = 0; j < 4; ++j) {
    const __m512 even_lo = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88);
    const __m512 odd_lo = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
    const __m512 even_hi = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
    const __m512 odd_hi = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
    r[j] = _mm512_shuffle_f32x4(even_lo, even_hi, 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(even_lo, even_hi, 0xDD);
    r[4 + j] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD);
  }
}

// panel[p * stride + i] = a[i * lda + p] for i < rows, p < k, and 0 for rows <= i < stride
// (stride a multiple of 16), 16 x 16 blocks at a time.
EMOAUG_AVX512 void pack_transposed(const float* a, int64_t lda, int64_t rows, int64_t k,
                                   float* panel, int64_t stride) {
  for (int64_t i0 = 0; i0 < stride; i0 += 16) {
    const int64_t valid = std::clamp<int64_t>(rows - i0, 0, 16);
    int64_t p0 = 0;
    for (; p0 + 16 <= k; p0 += 16) {
      __m512 r[16];
      EMOAUG_UNROLL for (int q = 0; q < 16; ++q) {
        r[q] = q < valid ? _mm512_loadu_ps(a + (i0 + q) * lda + p0) : _mm512_setzero_ps();
      }
      transpose_16x16(r);
      EMOAUG_UNROLL for (int q = 0; q < 16; ++q)
          _mm512_storeu_ps(panel + (p0 + q) * stride + i0, r[q]);
    }
    for (int64_t p = p0; p < k; ++p) {
      for (int64_t q = 0; q < 16; ++q)
        panel[p * stride + i0 + q] = q < valid ? a[(i0 + q) * lda + p] : 0.0f;
    }
  }
}

// C (m x n) = alpha * A (m x k) * B (k x n) + beta * C.
void gemm_nn(int64_t m, int64_t n, int64_t k, float alpha, const float* a, const float* b,
             float beta, float* c) {
  // Aᵀ, so that a row block's entries for one reduction index lie side by side, as Aᵀ·B finds them.
  static thread_local std::vector<float> panel;
  const int64_t blocks = (m + kRowTile - 1) / kRowTile;
  const int64_t stride = (m + 15) / 16 * 16;
  panel.resize(static_cast<size_t>(k * stride));
  pack_transposed(a, k, m, k, panel.data(), stride);
  for (int64_t col = 0; col < n; col += kTileCols) {
    const int64_t width = std::min<int64_t>(kTileCols, n - col);
    // The strip's first row block reads it from memory, the others from L2; each block fetches
    // its share of the next strip into L2, so that no block waits on memory.
    const bool next_strip = col + kTileCols < n;
    const int64_t share = (k + blocks - 1) / blocks;
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t r0 = blk * kRowTile;
      const int rows = static_cast<int>(std::min<int64_t>(kRowTile, m - r0));
      StripAhead ahead;
      if (next_strip) {
        const int64_t first = blk * share;
        ahead.count = std::max<int64_t>(0, std::min<int64_t>(share, k - first));
        ahead.rows = b + first * n + col + kTileCols;
        ahead.every = std::max<int64_t>(1, k / std::max<int64_t>(1, ahead.count));
      }
      run_broadcast_tile<Prefetch::RowsOfBAhead>(rows, width, panel.data() + r0, stride, b + col, n,
                                                 k, c + r0 * n + col, n, alpha, beta, ahead);
    }
  }
}

// C (m x n) = alpha * Aᵀ * B + beta * C, A being k x m and B k x n.
void gemm_tn(int64_t m, int64_t n, int64_t k, float alpha, const float* a, const float* b,
             float beta, float* c) {
  for (int64_t r0 = 0; r0 < m; r0 += kRowTile) {
    const int rows = static_cast<int>(std::min<int64_t>(kRowTile, m - r0));
    for (int64_t col = 0; col < n; col += kTileCols) {
      run_broadcast_tile<Prefetch::NextTileOfC>(rows, std::min<int64_t>(kTileCols, n - col), a + r0,
                                                m, b + col, n, k, c + r0 * n + col, n, alpha, beta);
    }
  }
}

using PackedTileFn = void (*)(const float* panel, const float* b, int64_t ldb, int64_t k,
                              float* out);

// out[j * kPanelRows + i] = sum_p panel[p * 16 MU + i] * b[j * ldb + p], for j < NR, i < 16 MU.
template <int MU, int NR>
EMOAUG_AVX512 void packed_tile(const float* panel, const float* b, int64_t ldb, int64_t k,
                               float* out) {
  __m512 acc[MU][NR];
  EMOAUG_UNROLL for (int u = 0; u < MU; ++u) {
    EMOAUG_UNROLL for (int j = 0; j < NR; ++j) acc[u][j] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < k; ++p) {
    __m512 av[MU];
    EMOAUG_UNROLL for (int u = 0; u < MU; ++u) av[u] =
        _mm512_loadu_ps(panel + p * 16 * MU + 16 * u);
    EMOAUG_UNROLL for (int j = 0; j < NR; ++j) {
      const __m512 bj = _mm512_set1_ps(b[j * ldb + p]);
      EMOAUG_UNROLL for (int u = 0; u < MU; ++u) acc[u][j] = _mm512_fmadd_ps(av[u], bj, acc[u][j]);
    }
  }
  EMOAUG_UNROLL for (int j = 0; j < NR; ++j) {
    EMOAUG_UNROLL for (int u = 0; u < MU; ++u) {
      _mm512_storeu_ps(out + j * kPanelRows + 16 * u, acc[u][j]);
    }
  }
}

template <int MU, int... J>
constexpr std::array<PackedTileFn, kPanelCols> packed_tiles_row(std::integer_sequence<int, J...>) {
  return {{packed_tile<MU, J + 1>...}};
}

template <int... U>
constexpr std::array<std::array<PackedTileFn, kPanelCols>, kPanelVectors> packed_tiles(
    std::integer_sequence<int, U...>) {
  return {{packed_tiles_row<U + 1>(std::make_integer_sequence<int, kPanelCols>{})...}};
}

const auto kPackedTiles = packed_tiles(std::make_integer_sequence<int, kPanelVectors>{});

// C (m x n) = alpha * A (m x k) * Bᵀ + beta * C, B being n x k.
void gemm_nt(int64_t m, int64_t n, int64_t k, float alpha, const float* a, const float* b,
             float beta, float* c) {
  static thread_local std::vector<float> panel;
  alignas(64) float tile[kPanelCols * kPanelRows];
  panel.resize(static_cast<size_t>(k * kPanelRows));
  for (int64_t r0 = 0; r0 < m; r0 += kPanelRows) {
    const int64_t rows = std::min<int64_t>(kPanelRows, m - r0);
    const int vectors = static_cast<int>((rows + 15) / 16);
    const int64_t stride = 16 * vectors;
    pack_transposed(a + r0 * k, k, rows, k, panel.data(), stride);
    for (int64_t col = 0; col < n; col += kPanelCols) {
      const int cols = static_cast<int>(std::min<int64_t>(kPanelCols, n - col));
      kPackedTiles[vectors - 1][cols - 1](panel.data(), b + col * k, k, k, tile);
      for (int64_t i = 0; i < rows; ++i) {
        float* out = c + (r0 + i) * n + col;
        for (int j = 0; j < cols; ++j) {
          const float v = alpha * tile[j * kPanelRows + i];
          out[j] = beta == 0.0f ? v : v + beta * out[j];
        }
      }
    }
  }
}

}  // namespace

bool blocked_gemm(CpuGemm kernels, ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c,
                  float alpha, float beta) {
  if (!blocked_gemm_choice(kernels, ta, tb, c.rows, c.cols, ta == Trans::No ? a.cols : a.rows))
    return false;
  const int64_t m = c.rows, n = c.cols;
  if (ta == Trans::No && tb == Trans::Yes) {
    gemm_nt(m, n, a.cols, alpha, a.data, b.data, beta, c.data);
  } else if (ta == Trans::No) {
    gemm_nn(m, n, a.cols, alpha, a.data, b.data, beta, c.data);
  } else {
    gemm_tn(m, n, a.rows, alpha, a.data, b.data, beta, c.data);
  }
  return true;
}

#else  // no x86-64 kernels in this build

bool blocked_gemm(CpuGemm, ConstMatView, Trans, ConstMatView, Trans, MatView, float, float) {
  return false;
}

#endif

}  // namespace emoaug::ops::cpu
