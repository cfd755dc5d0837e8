#include "backend/cpu/kernels_cpu.h"

#include "backend/cpu/cpu_features.h"
#include "core/error.h"

// GCC and Clang on x86-64 build each marked function for AVX-512, AVX2 and the baseline and resolve
// the call once at load time (an ifunc); elsewhere the baseline build is all there is. The dropout
// mask has hand-written AVX-512 and AVX2 paths (the compiler does not vectorise Philox's widening
// products).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EMOAUG_X86_SIMD 1
#define EMOAUG_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#include "backend/cpu/x86_intrinsics.h"
#else
#define EMOAUG_X86_SIMD 0
#define EMOAUG_SIMD_CLONES
#endif

namespace emoaug::ops::cpu::kernels {

EMOAUG_SIMD_CLONES void adam(float* __restrict p, const float* __restrict g, float* __restrict m,
                             float* __restrict v, int64_t n, fn::AdamStep s) {
  for (int64_t i = 0; i < n; ++i) fn::adam_update(p[i], g[i], m[i], v[i], s);
}

namespace {

// Blocks q .. end-1 (and a final partial block) one at a time: the portable path, and the tail of
// the vector one.
void dropout_mask_scalar(float* mask, int64_t n, const fn::DropoutDraws& d, int64_t q) {
  for (; q * 4 < n; ++q) {
    float quad[4];
    fn::dropout_quad(d, static_cast<uint64_t>(q), quad);
    for (int w = 0; w < 4 && q * 4 + w < n; ++w) mask[q * 4 + w] = quad[w];
  }
}

#if EMOAUG_X86_SIMD
// Philox4x32-10 on eight counters at once, one per 32-bit lane: the two 32x32 -> 64-bit products
// of a round are vpmuludq on the even lanes and on the odd ones shifted down. The compiler does not
// find this by itself (it will not vectorise the high half of a widening product).
__attribute__((target("avx2"))) inline void mulhilo8(__m256i a, __m256i m, __m256i& hi,
                                                     __m256i& lo) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

// fn::dropout_scale on eight words: (bits >> 8) * 2^-24 >= p ? 1 / (1 - p) : 0, exactly.
__attribute__((target("avx2"))) inline __m256 scale8(__m256i bits, __m256 p, __m256 keep) {
  const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(bits, 8)),
                                 _mm256_set1_ps(1.0f / 16777216.0f));
  return _mm256_and_ps(_mm256_cmp_ps(u, p, _CMP_GE_OQ), keep);
}

__attribute__((target("avx2"))) int64_t dropout_mask_avx2(float* mask, int64_t n,
                                                          const fn::DropoutDraws& d) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m256 p = _mm256_set1_ps(d.p), keep = _mm256_set1_ps(1.0f / (1.0f - d.p));
  const __m256i s0 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(d.stream)));
  const __m256i s1 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(d.stream >> 32)));
  const int64_t full_blocks = n / 4;
  int64_t q = 0;
  for (; q + 8 <= full_blocks; q += 8) {
    int32_t lo32[8], hi32[8];
    for (int j = 0; j < 8; ++j) {
      const uint64_t block = d.first_block + static_cast<uint64_t>(q + j);
      lo32[j] = static_cast<int32_t>(static_cast<uint32_t>(block));
      hi32[j] = static_cast<int32_t>(static_cast<uint32_t>(block >> 32));
    }
    __m256i c0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo32));
    __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hi32));
    __m256i c2 = s0, c3 = s1;
    uint32_t k0 = d.k0, k1 = d.k1;
    for (int round = 0; round < 10; ++round) {
      __m256i hi0, lo0, hi1, lo1;
      mulhilo8(c0, m0, hi0, lo0);
      mulhilo8(c2, m1, hi1, lo1);
      c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
      c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
      c1 = lo1;
      c3 = lo0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    // Lane j holds block q + j's words; the mask wants them block after block: a 4x8 transpose.
    const __m256 f0 = scale8(c0, p, keep), f1 = scale8(c1, p, keep);
    const __m256 f2 = scale8(c2, p, keep), f3 = scale8(c3, p, keep);
    const __m256 t0 = _mm256_unpacklo_ps(f0, f1), t1 = _mm256_unpackhi_ps(f0, f1);
    const __m256 t2 = _mm256_unpacklo_ps(f2, f3), t3 = _mm256_unpackhi_ps(f2, f3);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    float* out = mask + q * 4;
    _mm256_storeu_ps(out, _mm256_permute2f128_ps(u0, u1, 0x20));
    _mm256_storeu_ps(out + 8, _mm256_permute2f128_ps(u2, u3, 0x20));
    _mm256_storeu_ps(out + 16, _mm256_permute2f128_ps(u0, u1, 0x31));
    _mm256_storeu_ps(out + 24, _mm256_permute2f128_ps(u2, u3, 0x31));
  }
  return q;
}

// mulhilo8 and scale8 on sixteen lanes.
__attribute__((target("avx512f"))) inline void mulhilo16(__m512i a, __m512i m, __m512i& hi,
                                                         __m512i& lo) {
  const __m512i even = _mm512_mul_epu32(a, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

__attribute__((target("avx512f"))) inline __m512 scale16(__m512i bits, __m512 p, __m512 keep) {
  const __m512 u = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(bits, 8)),
                                 _mm512_set1_ps(1.0f / 16777216.0f));
  return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(u, p, _CMP_GE_OQ), keep);
}

// dropout_mask_avx2 on sixteen blocks at a time.
__attribute__((target("avx512f"))) int64_t dropout_mask_avx512(float* mask, int64_t n,
                                                               const fn::DropoutDraws& d) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m512 p = _mm512_set1_ps(d.p), keep = _mm512_set1_ps(1.0f / (1.0f - d.p));
  const __m512i s0 = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(d.stream)));
  const __m512i s1 = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(d.stream >> 32)));
  const int64_t full_blocks = n / 4;
  int64_t q = 0;
  for (; q + 16 <= full_blocks; q += 16) {
    alignas(64) int32_t lo32[16], hi32[16];
    for (int j = 0; j < 16; ++j) {
      const uint64_t block = d.first_block + static_cast<uint64_t>(q + j);
      lo32[j] = static_cast<int32_t>(static_cast<uint32_t>(block));
      hi32[j] = static_cast<int32_t>(static_cast<uint32_t>(block >> 32));
    }
    __m512i c0 = _mm512_load_si512(lo32), c1 = _mm512_load_si512(hi32);
    __m512i c2 = s0, c3 = s1;
    uint32_t k0 = d.k0, k1 = d.k1;
    for (int round = 0; round < 10; ++round) {
      __m512i hi0, lo0, hi1, lo1;
      mulhilo16(c0, m0, hi0, lo0);
      mulhilo16(c2, m1, hi1, lo1);
      c0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), _mm512_set1_epi32(static_cast<int>(k0)));
      c2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), _mm512_set1_epi32(static_cast<int>(k1)));
      c1 = lo1;
      c3 = lo0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    // Lane j holds block q + j's words; the mask wants them block after block: within each
    // 128-bit lane a 4x4 transpose gives the quads of blocks l, 4 + l, 8 + l, 12 + l, then the
    // lanes are transposed.
    const __m512 f0 = scale16(c0, p, keep), f1 = scale16(c1, p, keep);
    const __m512 f2 = scale16(c2, p, keep), f3 = scale16(c3, p, keep);
    const __m512d t0 = _mm512_castps_pd(_mm512_unpacklo_ps(f0, f1));
    const __m512d t1 = _mm512_castps_pd(_mm512_unpackhi_ps(f0, f1));
    const __m512d t2 = _mm512_castps_pd(_mm512_unpacklo_ps(f2, f3));
    const __m512d t3 = _mm512_castps_pd(_mm512_unpackhi_ps(f2, f3));
    const __m512 r0 = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));  // blocks 0, 4, 8, 12
    const __m512 r1 = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));  // blocks 1, 5, 9, 13
    const __m512 r2 = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    const __m512 r3 = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    const __m512 a = _mm512_shuffle_f32x4(r0, r1, 0x44), b = _mm512_shuffle_f32x4(r2, r3, 0x44);
    const __m512 c = _mm512_shuffle_f32x4(r0, r1, 0xEE), e = _mm512_shuffle_f32x4(r2, r3, 0xEE);
    float* out = mask + q * 4;
    _mm512_storeu_ps(out, _mm512_shuffle_f32x4(a, b, 0x88));
    _mm512_storeu_ps(out + 16, _mm512_shuffle_f32x4(a, b, 0xDD));
    _mm512_storeu_ps(out + 32, _mm512_shuffle_f32x4(c, e, 0x88));
    _mm512_storeu_ps(out + 48, _mm512_shuffle_f32x4(c, e, 0xDD));
  }
  return q;
}

#endif

}  // namespace

bool cpu_runs(MaskPath path) {
#if EMOAUG_X86_SIMD
  if (path == MaskPath::Avx512) return cpu_has_avx512f();
  if (path == MaskPath::Avx2) return cpu_has_avx2_fma();
#endif
  return path == MaskPath::Scalar;
}

void dropout_mask(float* mask, int64_t n, const fn::DropoutDraws& d, MaskPath path) {
  EMOAUG_CHECK(cpu_runs(path), "dropout_mask: this CPU cannot run the requested path");
  int64_t done = 0;
#if EMOAUG_X86_SIMD
  if (path == MaskPath::Avx512)
    done = dropout_mask_avx512(mask, n, d);
  else if (path == MaskPath::Avx2)
    done = dropout_mask_avx2(mask, n, d);
#endif
  dropout_mask_scalar(mask, n, d, done);
}

void dropout_mask(float* mask, int64_t n, const fn::DropoutDraws& d) {
  static const MaskPath best = cpu_runs(MaskPath::Avx512) ? MaskPath::Avx512
                               : cpu_runs(MaskPath::Avx2) ? MaskPath::Avx2
                                                          : MaskPath::Scalar;
  dropout_mask(mask, n, d, best);
}

EMOAUG_SIMD_CLONES void bias_leaky_mask_row(float* __restrict y, const float* __restrict bias,
                                            const float* __restrict mask, int64_t n, float slope) {
  if (mask) {
    for (int64_t c = 0; c < n; ++c) y[c] = fn::leaky_relu(y[c] + bias[c], slope) * mask[c];
  } else {
    for (int64_t c = 0; c < n; ++c) y[c] = fn::leaky_relu(y[c] + bias[c], slope);
  }
}

EMOAUG_SIMD_CLONES void leaky_mask_backward(float* __restrict dy, const float* __restrict y,
                                            const float* __restrict mask, int64_t n, float slope) {
  if (mask) {
    for (int64_t i = 0; i < n; ++i) dy[i] *= mask[i] * fn::leaky_relu_grad_from_output(y[i], slope);
  } else {
    for (int64_t i = 0; i < n; ++i) dy[i] *= fn::leaky_relu_grad_from_output(y[i], slope);
  }
}

EMOAUG_SIMD_CLONES void leaky_relu(float* __restrict x, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) x[i] = fn::leaky_relu(x[i], slope);
}

EMOAUG_SIMD_CLONES void multiply(float* __restrict x, const float* __restrict mask, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= mask[i];
}

}  // namespace emoaug::ops::cpu::kernels
