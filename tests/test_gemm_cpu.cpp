// The blocked AVX-512 gemm kernels (src/backend/cpu/gemm_cpu.cpp) against a double-precision
// product, for every form they take, over shapes that end each register tile and packed panel in
// every way (rows of C around 6 and 64, columns around 6, 16 and 64, reductions around 16), with
// alpha and beta; and the rules that route a gemm to them or to OpenBLAS. Skipped on a CPU without
// AVX-512 (there every gemm is OpenBLAS's).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "backend/cpu/gemm_cpu.h"
#include "backend/execution.h"
#include "backend/ops.h"
#include "core/rng.h"
#include "core/tensor.h"

using namespace emoaug;
using ops::Trans;
namespace cpu = emoaug::ops::cpu;

namespace {

constexpr ops::CpuGemm kKernels = ops::CpuGemm::Avx512;

void fill(Tensor& t, uint64_t seed) {
  Rng rng(seed, 7, StreamId::Data);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform(-1.0f, 1.0f);
}

float at(const Tensor& t, Trans tr, int64_t r, int64_t c) {
  return tr == Trans::No ? t.data()[r * t.cols() + c] : t.data()[c * t.cols() + r];
}

// Expects c_out = alpha * op(A) op(B) + beta * c_in within float rounding of the sum of |terms|.
void expect_product(const Tensor& a, Trans ta, const Tensor& b, Trans tb, const Tensor& c_in,
                    const Tensor& c_out, float alpha, float beta) {
  const int64_t m = c_out.rows(), n = c_out.cols();
  const int64_t k = ta == Trans::No ? a.cols() : a.rows();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0, magnitude = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        const double term = static_cast<double>(at(a, ta, i, p)) * at(b, tb, p, j);
        sum += term;
        magnitude += std::fabs(term);
      }
      const double c0 = c_in.data()[i * n + j];
      const double expected = alpha * sum + (beta == 0.0f ? 0.0 : beta * c0);
      const double tolerance = 4e-7 * (static_cast<double>(k) + 4) *
                               (std::fabs(alpha) * magnitude + std::fabs(beta * c0) + 1e-30);
      ASSERT_NEAR(c_out.data()[i * n + j], expected, tolerance)
          << "C(" << i << ", " << j << ") of " << m << "x" << n << " with k = " << k;
    }
  }
}

struct Shape {
  int64_t m, n, k;
};

void check_form(Trans ta, Trans tb, const std::vector<Shape>& shapes) {
  for (const Shape& s : shapes) {
    ASSERT_TRUE(cpu::blocked_gemm_choice(kKernels, ta, tb, s.m, s.n, s.k))
        << s.m << "x" << s.n << "x" << s.k;
    Tensor a = ta == Trans::No ? Tensor(s.m, s.k) : Tensor(s.k, s.m);
    Tensor b = tb == Trans::No ? Tensor(s.k, s.n) : Tensor(s.n, s.k);
    Tensor c(s.m, s.n), c_in(s.m, s.n);
    fill(a, 1);
    fill(b, 2);
    fill(c_in, 3);
    for (const auto& [alpha, beta] : {std::pair{1.0f, 0.0f}, {1.0f, 1.0f}, {-0.5f, 2.0f}}) {
      std::copy(c_in.data(), c_in.data() + c_in.size(), c.data());
      // beta = 0 must not read C: NaN there would otherwise come through.
      if (beta == 0.0f) c.data()[0] = std::numeric_limits<float>::quiet_NaN();
      ASSERT_TRUE(cpu::blocked_gemm(kKernels, a.view(), ta, b.view(), tb, c.view(), alpha, beta));
      expect_product(a, ta, b, tb, c_in, c, alpha, beta);
    }
  }
}

}  // namespace

TEST(BlockedGemm, ForwardFormIsTheProductOverEveryTail) {
  if (!ops::cpu_runs(kKernels)) GTEST_SKIP() << "no AVX-512 on this CPU";
  // Rows: panels of 64 (and their 16-row vectors); columns: tiles of 6; reductions: 16-wide
  // blocks of the transposing pack.
  check_form(Trans::No, Trans::Yes,
             {{1, 32, 1},
              {5, 33, 15},
              {16, 35, 16},
              {17, 37, 17},
              {63, 64, 31},
              {64, 100, 33},
              {65, 41, 100},
              {130, 36, 7},
              {200, 32, 64}});
}

TEST(BlockedGemm, InputGradientFormIsTheProductOverEveryTail) {
  if (!ops::cpu_runs(kKernels)) GTEST_SKIP() << "no AVX-512 on this CPU";
  // Rows: blocks of 6; columns: strips of 64 ending in a 1-, 2-, 3- or 4-vector tile with a
  // partial last vector; reductions around the prefetch distance and split unevenly between the
  // row blocks that fetch the next strip.
  check_form(Trans::No, Trans::No,
             {{1, 256, 16},
              {5, 257, 17},
              {6, 272, 16},
              {7, 300, 17},
              {11, 320, 40},
              {64, 330, 100},
              {65, 383, 18},
              {13, 448, 33},
              {64, 400, 300}});
}

TEST(BlockedGemm, WeightGradientFormIsTheProductOverEveryTail) {
  if (!ops::cpu_runs(kKernels)) GTEST_SKIP() << "no AVX-512 on this CPU";
  // C's rows in blocks of 6, columns in tiles of 64 with every tail width; the reduction is the
  // batch.
  check_form(Trans::Yes, Trans::No,
             {{1, 1, 1},
              {4, 5, 2},
              {6, 16, 64},
              {7, 17, 63},
              {100, 4, 64},
              {100, 100, 64},
              {13, 129, 65},
              {37, 64, 512}});
}

TEST(BlockedGemm, SameBytesEveryCall) {
  if (!ops::cpu_runs(kKernels)) GTEST_SKIP() << "no AVX-512 on this CPU";
  Tensor a(64, 300), b(200, 300), c1(64, 200), c2(64, 200);
  fill(a, 4);
  fill(b, 5);
  ASSERT_TRUE(cpu::blocked_gemm(kKernels, a.view(), Trans::No, b.view(), Trans::Yes, c1.view(),
                                1.0f, 0.0f));
  ASSERT_TRUE(cpu::blocked_gemm(kKernels, a.view(), Trans::No, b.view(), Trans::Yes, c2.view(),
                                1.0f, 0.0f));
  EXPECT_EQ(0, std::memcmp(c1.data(), c2.data(), sizeof(float) * c1.size()));
}

TEST(BlockedGemm, RoutesBatchSizedShapesAndLeavesTheRestToOpenBlas) {
  if (!ops::cpu_runs(kKernels)) GTEST_SKIP() << "no AVX-512 on this CPU";
  const int64_t batch = cpu::kBlockedGemmMaxBatch;
  EXPECT_TRUE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::Yes, 64, 1000, 1582));
  EXPECT_TRUE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::No, 64, 1582, 1000));
  EXPECT_TRUE(cpu::blocked_gemm_choice(kKernels, Trans::Yes, Trans::No, 1000, 1582, 64));
  EXPECT_TRUE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::Yes, batch, 1000, 1582));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::Yes, batch + 1, 1000, 1582));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::No, batch + 1, 1582, 1000));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::Yes, Trans::No, 1000, 1582, batch + 1));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::Yes, Trans::Yes, 64, 64, 64));
  // Narrow outputs: D's last layer (1 wide), C's (4 wide), C's input gradient (100 wide).
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::Yes, 64, 1, 1000));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::Yes, 64, 4, 100));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::No, 64, 100, 100));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kKernels, Trans::No, Trans::No, 64, 1000, 1));
  Tensor a(64, 64), b(64, 64), c(64, 64);
  EXPECT_FALSE(
      cpu::blocked_gemm(kKernels, a.view(), Trans::Yes, b.view(), Trans::Yes, c.view(), 1, 0));

  EXPECT_FALSE(
      cpu::blocked_gemm_choice(ops::CpuGemm::OpenBlas, Trans::No, Trans::Yes, 64, 1000, 1582));
}

// Through ops::gemm on one BLAS thread, as a training step calls it: the blocked result and
// OpenBLAS's agree to float rounding, and differ in the last bits (they sum in other orders), so
// the switch really changes which code ran.
TEST(BlockedGemm, OpsGemmOnOneBlasThreadRunsItBesideOpenBlas) {
  if (!ops::cpu_runs(kKernels)) GTEST_SKIP() << "no AVX-512 on this CPU";
  Tensor x(64, 1582), w(1000, 1582), ours(64, 1000), openblas(64, 1000);
  fill(x, 6);
  fill(w, 7);
  ops::MathMode blocked, reference;
  blocked.cpu_gemm = kKernels;
  reference.cpu_gemm = ops::CpuGemm::OpenBlas;
  ops::ExecutionContext with_blocked(Device::Host, 1, blocked);
  ops::ExecutionContext with_openblas(Device::Host, 1, reference);
  {
    const ops::ExecutionScope bound(with_blocked);
    ops::gemm(x.view(), Trans::No, w.view(), Trans::Yes, ours.view());
  }
  {
    const ops::ExecutionScope bound(with_openblas);
    ops::gemm(x.view(), Trans::No, w.view(), Trans::Yes, openblas.view());
  }
  int64_t differing = 0;
  for (int64_t i = 0; i < ours.size(); ++i) {
    ASSERT_NEAR(ours.data()[i], openblas.data()[i], 2e-4f) << i;
    differing += ours.data()[i] != openblas.data()[i];
  }
  EXPECT_GT(differing, 0);
}
