// The CPU backend's vectorised loops (src/backend/cpu/kernels_cpu.cpp, built for AVX-512, AVX2 and
// baseline x86-64 and picked at load time) against the per-element functors of kernels/functors.h,
// bit for bit: the CUDA kernels run those functors, so equal bytes here keep both backends equal.
// Lengths cover the vector bodies and every tail.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "backend/cpu/kernels_cpu.h"
#include "core/rng.h"

using namespace emoaug;
namespace kernels = emoaug::ops::cpu::kernels;

namespace {

const int64_t kLengths[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 1000, 4099};

std::vector<float> uniform(int64_t n, uint64_t seed, float lo, float hi) {
  Rng rng(seed, 1, StreamId::Data);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = lo + (hi - lo) * rng.uniform();
  return v;
}

// A dropout mask: 0 or 1 / (1 - p), as fn::dropout_scale makes them.
std::vector<float> mask_of(int64_t n, uint64_t seed, float p) {
  std::vector<float> m = uniform(n, seed, 0.0f, 1.0f);
  for (float& x : m) x = x >= p ? 1.0f / (1.0f - p) : 0.0f;
  return m;
}

void expect_same_bytes(const std::vector<float>& a, const std::vector<float>& b, const char* what,
                       int64_t n) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), sizeof(float) * a.size())) << what << ", n = " << n;
}

}  // namespace

TEST(CpuKernels, AdamIsTheFunctorElementByElement) {
  for (int64_t n : kLengths) {
    for (const fn::AdamStep s : {fn::AdamStep{0.9f, 0.999f, 1e-8f, 2e-4f, 1.0f},
                                 fn::AdamStep{0.5f, 0.99f, 1e-7f, 3e-3f, 1.2f}}) {
      std::vector<float> p = uniform(n, 1, -1, 1), m = uniform(n, 2, -0.1f, 0.1f);
      std::vector<float> v = uniform(n, 3, 0, 0.01f);
      const std::vector<float> g = uniform(n, 4, -2, 2);
      std::vector<float> p2 = p, m2 = m, v2 = v;
      for (int step = 0; step < 3; ++step) {
        kernels::adam(p.data(), g.data(), m.data(), v.data(), n, s);
        for (int64_t i = 0; i < n; ++i) fn::adam_update(p2[i], g[i], m2[i], v2[i], s);
      }
      expect_same_bytes(p, p2, "parameters", n);
      expect_same_bytes(m, m2, "first moments", n);
      expect_same_bytes(v, v2, "second moments", n);
    }
  }
}

TEST(CpuKernels, DropoutMaskIsFnDropoutQuadBlockByBlockOnEveryPath) {
  using kernels::MaskPath;
  for (const MaskPath path : {MaskPath::Scalar, MaskPath::Avx2, MaskPath::Avx512}) {
    if (!kernels::cpu_runs(path)) continue;
    SCOPED_TRACE(path == MaskPath::Scalar ? "scalar" : path == MaskPath::Avx2 ? "AVX2" : "AVX-512");
    for (int64_t n : kLengths) {
      for (float p : {0.2f, 0.5f, 0.8f}) {
        // Blocks counted from just below 2^32, so that the block number's high word changes.
        const fn::DropoutDraws d{0x12345678u, 0x9abcdef0u, 7, (uint64_t{1} << 32) - 3, p};
        std::vector<float> mask(static_cast<size_t>(n)), expected(static_cast<size_t>(n));
        kernels::dropout_mask(mask.data(), n, d, path);
        for (int64_t q = 0; q * 4 < n; ++q) {
          float quad[4];
          fn::dropout_quad(d, static_cast<uint64_t>(q), quad);
          for (int w = 0; w < 4 && q * 4 + w < n; ++w) expected[q * 4 + w] = quad[w];
        }
        expect_same_bytes(mask, expected, "dropout mask", n);
      }
    }
  }
  // The default path is one of them: the best this CPU runs.
  const fn::DropoutDraws d{1u, 2u, 3, 0, 0.3f};
  std::vector<float> mask(1000), expected(1000);
  kernels::dropout_mask(mask.data(), 1000, d);
  kernels::dropout_mask(expected.data(), 1000, d, MaskPath::Scalar);
  expect_same_bytes(mask, expected, "default dropout mask", 1000);
}

TEST(CpuKernels, BiasLeakyMaskRowWithAndWithoutMask) {
  for (int64_t n : kLengths) {
    const std::vector<float> z = uniform(n, 5, -3, 3), bias = uniform(n, 6, -1, 1);
    const std::vector<float> mask = mask_of(n, 7, 0.3f);
    for (const float* m : {mask.data(), static_cast<const float*>(nullptr)}) {
      std::vector<float> y = z, expected = z;
      kernels::bias_leaky_mask_row(y.data(), bias.data(), m, n, 0.2f);
      for (int64_t c = 0; c < n; ++c) {
        expected[c] = fn::leaky_relu(z[c] + bias[c], 0.2f);
        if (m) expected[c] = expected[c] * m[c];
      }
      expect_same_bytes(y, expected, m ? "with mask" : "without mask", n);
    }
  }
}

TEST(CpuKernels, LeakyMaskBackwardAndMultiply) {
  for (int64_t n : kLengths) {
    const std::vector<float> dy0 = uniform(n, 8, -1, 1), y = uniform(n, 9, -2, 2);
    const std::vector<float> mask = mask_of(n, 10, 0.5f);
    for (const float* m : {mask.data(), static_cast<const float*>(nullptr)}) {
      std::vector<float> dy = dy0, expected = dy0;
      kernels::leaky_mask_backward(dy.data(), y.data(), m, n, 0.2f);
      for (int64_t i = 0; i < n; ++i)
        expected[i] *= (m ? m[i] : 1.0f) * fn::leaky_relu_grad_from_output(y[i], 0.2f);
      expect_same_bytes(dy, expected, m ? "leaky' with mask" : "leaky' without mask", n);
    }
    std::vector<float> x = dy0, expected = dy0;
    kernels::multiply(x.data(), mask.data(), n);
    for (int64_t i = 0; i < n; ++i) expected[i] *= mask[i];
    expect_same_bytes(x, expected, "multiply", n);
  }
}
