// Two register-tile kernels cover the three forms (gemm_cpu.h says why they exist):
//
//  - broadcast_tile: C[6 x NV vectors] = sum over p of a(p, i) * B[p, ...], B's rows loaded as
//    vectors, A's entries broadcast, each row block's entries of A read from a copy as one
//    contiguous stream. A·B (input gradient, B = the weight matrix) copies A transposed into row
//    blocks (pack_row_blocks) and walks column strips of B, each strip read where B lies and
//    staying in L2 while every row block passes over it (AVX-512), or (AVX2) read there by the
//    first row block, which copies a group of strips as it goes, every other row block passing
//    over the copy; Aᵀ·B (weight gradient, reduction = the batch) copies A's row blocks and B's
//    column strips (pack_column_strips; both operands are batch-sized) and walks C in groups of
//    strips (AVX2) or row block by row block (AVX-512).
//  - packed_tile: C[MU vectors x 6] = A·Bᵀ with A transposed into a packed panel (a row of the
//    panel = one reduction index of the panel's rows of A) and the weight matrix's rows broadcast a
//    float at a time, so that the weight matrix is read once per 64 rows of A, front to back (an
//    AVX2 tile holds 16 of the 64: four tiles take each stretch of those rows in turn).
//
// Software prefetch where the hardware prefetcher loses the stream: in A·B the strided rows of B
// a few steps ahead of the tile, and the next strip of B into L2 while the tiles over this one run
// (AVX-512: each row block fetching its share; without this the first row block over a strip waits
// on memory, 80-92 GFLOP/s instead of 102-110 on Zen 4; AVX2: the first row block, which alone
// reads B where it lies); in Aᵀ·B the rows of C 64 columns ahead. The scratch copy of A
// starts on a cache line. Tile sizes, prefetch distances and the shape rules were chosen with
// bench/bench_gemm_shapes.cpp.
//
// Two widths, AVX-512 and AVX2 + FMA, run the same code (gemm_cpu_kernels.inc, included once per
// width; it says why it cannot be one template). What differs is in each width's Isa below: the
// tile sizes its 32 or 16 vector registers hold, the masked loads and stores of a tile's last
// columns, and the register transpose of the packing. Every entry of C is one accumulator summed
// over the reduction in order from zero, then scaled by alpha and added to beta C, on either
// width: both give the same bytes.
#include "backend/cpu/gemm_cpu.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"

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
  return EMOAUG_BLOCKED_GEMM && (kernels == CpuGemm::Avx512 || kernels == CpuGemm::Avx2);
}

}  // namespace

bool blocked_gemm_choice(CpuGemm kernels, Trans ta, Trans tb, int64_t m, int64_t n, int64_t k) {
  if (!built(kernels) || !cpu_runs(kernels) || (ta == Trans::Yes && tb == Trans::Yes)) return false;
  const BlockedGemmRules& rules = kernels == CpuGemm::Avx512 ? kAvx512GemmRules : kAvx2GemmRules;
  if (ta == Trans::Yes) return k <= rules.max_batch;  // Aᵀ·B: the batch is the reduction
  if (m > rules.max_batch) return false;
  if (tb == Trans::Yes) return n >= rules.min_forward_cols && k >= rules.min_forward_reduction;
  return n >= rules.min_input_grad_cols && k >= rules.min_input_grad_reduction;
}

#if EMOAUG_BLOCKED_GEMM

namespace {

#define EMOAUG_AVX512 __attribute__((target("avx512f")))
#define EMOAUG_AVX2 __attribute__((target("avx2,fma")))
#define EMOAUG_UNROLL _Pragma("GCC unroll 16")

constexpr int kPanelRows = 64;      // rows of A packed at a time for A·Bᵀ
constexpr int kPrefetchAhead = 16;  // rows of B ahead of the A·B tile
// Columns of C ahead of the Aᵀ·B tile: the next AVX-512 tile, the fourth AVX2 one (its tile takes
// a quarter of the time, and the line must still arrive before the tile that needs it).
constexpr int kAheadOfC = 64;

// What a broadcast tile fetches ahead of itself. RowsOfBAheadCopying is RowsOfBAhead that also
// stores every row of B it loads into a copy (StripAhead::copy_to): A·B's grouped order copies a
// group of strips as its first row block multiplies them.
enum class Prefetch { RowsOfBAhead, RowsOfBAheadCopying, NextTileOfC, RowsOfCBelow };
template <Prefetch P>
using PrefetchTag = std::integral_constant<Prefetch, P>;  // a schedule as an argument

// Where a broadcast tile's sums start (none: from zero) and where they go (none: into C, scaled),
// when A·B takes its reduction in chunks. Stored and reloaded as they are, they add up in the
// same order as in one pass.
struct Sums {
  const float* from = nullptr;
  float* to = nullptr;
  int64_t ld = 0;
};

// Rows of B for the next strip, fetched into L2 one row every `every` steps, and where the tile's
// own rows of B are copied, kTileCols floats a row (A·B only).
struct StripAhead {
  const float* rows = nullptr;
  int64_t count = 0, every = 1;
  float* copy_to = nullptr;
};

// The thread's copy of the batch-sized operand, starting on a cache line (a vector load that
// straddles two lines costs two): calls do not nest, so one serves both widths and every form.
float* scratch(int64_t floats) {
  constexpr size_t kLineFloats = 64 / sizeof(float);
  static thread_local std::vector<float> buffer;
  if (buffer.size() < static_cast<size_t>(floats) + kLineFloats)
    buffer.resize(static_cast<size_t>(floats) + kLineFloats);
  const size_t misaligned = reinterpret_cast<uintptr_t>(buffer.data()) % 64 / sizeof(float);
  return buffer.data() + (kLineFloats - misaligned) % kLineFloats;
}

namespace avx512 {

struct Isa {
  using Vec = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  // 32 registers: 24 accumulators, a row of B (4 vectors) or of the panel, and a broadcast.
  static constexpr int kRowTile = 6;  // broadcast tile 6 x 64
  static constexpr int kColVectors = 4;
  static constexpr int kPanelVectors = 4;  // packed tile 64 x 6
  static constexpr int kPanelCols = 6;
  // The tile covers the whole panel: no other part shares its rows of B, so no chunks.
  static constexpr int64_t kPanelChunk = INT64_MAX;
  // A·B in one pass: the chunks were tuned for AVX2; the AVX-512 figures (Zen 4) were measured
  // without them.
  static constexpr int64_t kStripChunk = INT64_MAX;
  // A·B's strips read where they lie, always (the AVX-512 figures were measured so).
  static constexpr int kInputGradGroup = 0;
  // Aᵀ·B row block by row block, each over every strip of C (0: no groups of strips).
  static constexpr int kWeightGradStrips = 0;
  // A·Bᵀ's epilogue stores each row's 6 floats masked (the AVX-512 figures were measured so).
  static constexpr bool kEpilogueSpills = false;

  EMOAUG_AVX512 static Vec zero() { return _mm512_setzero_ps(); }
  EMOAUG_AVX512 static Vec set1(float x) { return _mm512_set1_ps(x); }
  EMOAUG_AVX512 static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  EMOAUG_AVX512 static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
  EMOAUG_AVX512 static Vec mul(Vec a, Vec b) { return _mm512_mul_ps(a, b); }
  EMOAUG_AVX512 static Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  // Lanes [0, n), 1 <= n <= 16, in a mask register; masked-off lanes neither fault nor change.
  EMOAUG_AVX512 static Mask first(int n) { return static_cast<Mask>((1u << n) - 1u); }
  EMOAUG_AVX512 static Vec load_first(Mask m, const float* p) {
    return _mm512_maskz_loadu_ps(m, p);
  }
  EMOAUG_AVX512 static void store_first(Mask m, float* p, Vec v) { _mm512_mask_storeu_ps(p, m, v); }

  // r[q] := column q of the 16 x 16 matrix whose rows are r[0..16).
  EMOAUG_AVX512 static void transpose(Vec r[16]) {
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
};

#define EMOAUG_GEMM_TARGET EMOAUG_AVX512
#include "backend/cpu/gemm_cpu_kernels.inc"
#undef EMOAUG_GEMM_TARGET

}  // namespace avx512

namespace avx2 {

struct Isa {
  using Vec = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  // 16 registers: 12 accumulators, a row of B (2 vectors) or of the panel, and a broadcast.
  static constexpr int kRowTile = 6;  // broadcast tile 6 x 16
  static constexpr int kColVectors = 2;
  static constexpr int kPanelVectors = 2;  // packed tile 16 x 6
  static constexpr int kPanelCols = 6;
  // Reduction steps the panel's 4 parts take in turn: 6 rows of B x 64 floats stay in L1.
  static constexpr int64_t kPanelChunk = 64;
  // A·B's reduction steps per pass of the row blocks over a group of strips: the group's copy
  // (256 x 256 floats) stays in L2 and a row block's rows of A (6 x 256) in L1, and memory sees B
  // a band of rows at a time.
  static constexpr int64_t kStripChunk = 256;
  // A·B grouped: the first row block copies each chunk of a group of 16 strips of B (256 x 256
  // floats, 256 KiB, held in L2) as it multiplies them; every other row block passes over the copy
  // with its 6 rows of A in L1 (gemm_nn).
  static constexpr int kInputGradGroup = 16;
  // Aᵀ·B a group of this many strips at a time down all row blocks: the group of B (64 x 256
  // floats at batch 64, 64 KiB) stays in L2, A's 6 columns a block stream through L1, each row
  // block's next tile of C is fetched ahead (on one Zen 3 core, CPU time, the paper's layers: 78
  // GFLOP/s against 74-76 for row blocks over every strip and 74 for groups of 4).
  static constexpr int kWeightGradStrips = 16;
  // A·Bᵀ's epilogue stores each row's 6 floats as a whole vector where the next group of columns
  // overwrites the 2 past them: a masked store costs 4 times as much on Zen 3 (the forward on one
  // Zen 3 core about 2 % faster; in the CycleGAN iteration 81 GFLOP/s a core against 77).
  static constexpr bool kEpilogueSpills = true;

  EMOAUG_AVX2 static Vec zero() { return _mm256_setzero_ps(); }
  EMOAUG_AVX2 static Vec set1(float x) { return _mm256_set1_ps(x); }
  EMOAUG_AVX2 static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  EMOAUG_AVX2 static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  EMOAUG_AVX2 static Vec mul(Vec a, Vec b) { return _mm256_mul_ps(a, b); }
  EMOAUG_AVX2 static Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  // Lanes [0, n), 1 <= n <= 8, as all-ones lanes of a vector: no mask registers before AVX-512,
  // vmaskmovps takes the sign bits; masked-off lanes neither fault nor change.
  EMOAUG_AVX2 static Mask first(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  EMOAUG_AVX2 static Vec load_first(Mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  EMOAUG_AVX2 static void store_first(Mask m, float* p, Vec v) { _mm256_maskstore_ps(p, m, v); }

  // r[q] := column q of the 8 x 8 matrix whose rows are r[0..8).
  EMOAUG_AVX2 static void transpose(Vec r[8]) {
    __m256 t[8], u[8];
    EMOAUG_UNROLL for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4 i + j], 128-bit lane l: column 4 l + j of rows 4 i .. 4 i + 3.
    EMOAUG_UNROLL for (int i = 0; i < 2; ++i) {
      u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
      u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
      u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
      u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    EMOAUG_UNROLL for (int j = 0; j < 4; ++j) {
      r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
      r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
    }
  }
};

#define EMOAUG_GEMM_TARGET EMOAUG_AVX2
#include "backend/cpu/gemm_cpu_kernels.inc"
#undef EMOAUG_GEMM_TARGET

}  // namespace avx2

}  // namespace

namespace {

// The kernels of one width (both widths' multiply_columns have the same signature).
auto multiply_columns(CpuGemm kernels) {
  return kernels == CpuGemm::Avx512 ? avx512::multiply_columns : avx2::multiply_columns;
}

}  // namespace

bool blocked_gemm(CpuGemm kernels, ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c,
                  float alpha, float beta) {
  const int64_t k = ta == Trans::No ? a.cols : a.rows;
  if (!blocked_gemm_choice(kernels, ta, tb, c.rows, c.cols, k)) return false;
  multiply_columns(kernels)(ta, tb, c.rows, c.cols, k, alpha, a.data, b.data, beta, c.data, 0,
                            c.cols);
  return true;
}

void blocked_gemm_columns(CpuGemm kernels, ConstMatView a, Trans ta, ConstMatView b, Trans tb,
                          MatView c, float alpha, float beta, int64_t begin, int64_t end) {
  const int64_t k = ta == Trans::No ? a.cols : a.rows;
  EMOAUG_CHECK(blocked_gemm_choice(kernels, ta, tb, c.rows, c.cols, k) && 0 <= begin &&
                   begin < end && end <= c.cols,
               "blocked gemm of columns [", begin, ", ", end, ") of ", c.rows, " x ", c.cols);
  multiply_columns(kernels)(ta, tb, c.rows, c.cols, k, alpha, a.data, b.data, beta, c.data, begin,
                            end);
}

int64_t blocked_gemm_middle_column(CpuGemm kernels, int64_t n) {
  if (!built(kernels)) return 0;
  const int64_t middle =
      kernels == CpuGemm::Avx512 ? avx512::middle_column(n) : avx2::middle_column(n);
  return middle > 0 && middle < n ? middle : 0;
}

#else  // no x86-64 kernels in this build

bool blocked_gemm(CpuGemm, ConstMatView, Trans, ConstMatView, Trans, MatView, float, float) {
  return false;
}

void blocked_gemm_columns(CpuGemm, ConstMatView, Trans, ConstMatView, Trans, MatView, float, float,
                          int64_t, int64_t) {
  EMOAUG_FAIL("this build has no blocked gemm kernels");
}

int64_t blocked_gemm_middle_column(CpuGemm, int64_t) {
  return 0;
}

#endif

}  // namespace emoaug::ops::cpu
