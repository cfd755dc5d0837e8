#include "backend/cpu/kernels_cpu.h"

// GCC and Clang on x86-64 build each marked function for AVX-512, AVX2 and the baseline and resolve
// the call once at load time (an ifunc); elsewhere the baseline build is all there is. The dropout
// mask has a hand-written AVX2 path (the compiler does not vectorise Philox's widening products).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EMOAUG_X86_SIMD 1
#define EMOAUG_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#include <immintrin.h>
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

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace

void dropout_mask(float* mask, int64_t n, const fn::DropoutDraws& d) {
  int64_t done = 0;
#if EMOAUG_X86_SIMD
  if (has_avx2()) done = dropout_mask_avx2(mask, n, d);
#endif
  dropout_mask_scalar(mask, n, d, done);
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

EMOAUG_SIMD_CLONES void multiply(float* __restrict x, const float* __restrict mask, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= mask[i];
}

}  // namespace emoaug::ops::cpu::kernels
