// The blocked gemm kernels (src/backend/cpu/gemm_cpu.cpp), every test on each width this CPU runs
// (BlockedGemm/Kernels.*/avx2 and /avx512; a width the CPU lacks is reported skipped): every form
// against a double-precision product over shapes that end each register tile, packed panel and
// chunk of the reduction in every way on both widths (rows of C around 6, 8, 16 and 64, columns
// around 6, 8, 16 and 64, reductions around 8, 16, 64 and 256), with alpha and beta; the same
// bytes on every call and thread, on both widths, and in any split of C's columns (a gemm shared
// with an idle thread); the rules that route a gemm to them or to OpenBLAS; and ops::gemm under a
// context choosing them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backend/cpu/gemm_cpu.h"
#include "backend/execution.h"
#include "backend/ops.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "core/worker_pool.h"
#include "worker_pool_helpers.h"

namespace emoaug::ops {
// gtest names a failing test's kernels with this.
void PrintTo(CpuGemm kernels, std::ostream* os) {
  *os << name_of(kernels);
}
}  // namespace emoaug::ops

using namespace emoaug;
using ops::CpuGemm;
using ops::Trans;
namespace cpu = emoaug::ops::cpu;

namespace {

void fill(Tensor& t, uint64_t seed) {
  Rng rng(seed, 7, StreamId::Data);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform(-1.0f, 1.0f);
}

float at(const Tensor& t, Trans tr, int64_t r, int64_t c) {
  return tr == Trans::No ? t.data()[r * t.cols() + c] : t.data()[c * t.cols() + r];
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
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

struct Form {
  Trans ta, tb;
};
// Forward x·Wᵀ, input gradient dy·W, weight gradient dyᵀ·x.
constexpr Form kForms[] = {
    {Trans::No, Trans::Yes}, {Trans::No, Trans::No}, {Trans::Yes, Trans::No}};

// A and B of a form, filled, op(A) m x k and op(B) k x n.
struct Operands {
  Operands(Form f, const Shape& s, uint64_t seed)
      : form(f),
        a(f.ta == Trans::No ? Tensor(s.m, s.k) : Tensor(s.k, s.m)),
        b(f.tb == Trans::No ? Tensor(s.k, s.n) : Tensor(s.n, s.k)) {
    fill(a, seed);
    fill(b, seed + 1);
  }
  // c = alpha op(A) op(B) + beta c on `kernels`.
  void multiply(CpuGemm kernels, Tensor& c, float alpha = 1.0f, float beta = 0.0f) const {
    ASSERT_TRUE(
        cpu::blocked_gemm(kernels, a.view(), form.ta, b.view(), form.tb, c.view(), alpha, beta));
  }
  Form form;
  Tensor a, b;
};

void check_form(CpuGemm kernels, Trans ta, Trans tb, const std::vector<Shape>& shapes) {
  for (const Shape& s : shapes) {
    ASSERT_TRUE(cpu::blocked_gemm_choice(kernels, ta, tb, s.m, s.n, s.k))
        << s.m << "x" << s.n << "x" << s.k;
    const Operands in({ta, tb}, s, 1);
    Tensor c(s.m, s.n), c_in(s.m, s.n);
    fill(c_in, 3);
    for (const auto& [alpha, beta] : {std::pair{1.0f, 0.0f}, {1.0f, 1.0f}, {-0.5f, 2.0f}}) {
      std::copy(c_in.data(), c_in.data() + c_in.size(), c.data());
      // beta = 0 must not read C: NaN there would otherwise come through.
      if (beta == 0.0f) std::fill(c.data(), c.data() + c.size(), std::nanf(""));
      in.multiply(kernels, c, alpha, beta);
      expect_product(in.a, ta, in.b, tb, c_in, c, alpha, beta);
    }
  }
}

// One forward gemm of a generator's first layer, on `kernels` (or OpenBLAS), through ops::gemm
// under a context that chooses them, as a training step calls it.
Tensor forward_through_ops(CpuGemm kernels, const Tensor& x, const Tensor& w) {
  ops::MathMode math;
  math.cpu_gemm = kernels;
  ops::ExecutionContext exec(Device::Host, 1, math);
  const ops::ExecutionScope bound(exec);
  Tensor y(x.rows(), w.rows());
  ops::gemm(x.view(), Trans::No, w.view(), Trans::Yes, y.view());
  return y;
}

const char* const kSkipped = "this CPU cannot run these kernels";

class Kernels : public ::testing::TestWithParam<CpuGemm> {
 protected:
  void SetUp() override {
    if (!ops::cpu_runs(GetParam())) GTEST_SKIP() << kSkipped;
  }
};

}  // namespace

TEST_P(Kernels, ForwardFormIsTheProductOverEveryTail) {
  // Rows: panels of 64 in packed tiles of 64 (AVX-512) or 16 (AVX2) rows, each of 16- or 8-row
  // vectors; columns: tiles of 6; reductions: 16- and 8-wide blocks of the transposing pack, and
  // AVX2's 64-step chunks.
  check_form(GetParam(), Trans::No, Trans::Yes,
             {{1, 32, 256},
              {5, 33, 271},
              {8, 34, 263},
              {9, 38, 264},
              {16, 35, 272},
              {17, 37, 257},
              {24, 39, 265},
              {40, 40, 319},
              {47, 32, 320},
              {63, 64, 321},
              {64, 100, 383},
              {65, 41, 300},
              {72, 43, 384},
              {130, 36, 261},
              {200, 32, 256}});
  // Short reductions (the pack's tail alone, one chunk), on the kernels that take them: AVX2
  // leaves them to OpenBLAS.
  if (cpu::blocked_gemm_choice(GetParam(), Trans::No, Trans::Yes, 64, 32, 1)) {
    check_form(GetParam(), Trans::No, Trans::Yes,
               {{1, 32, 1}, {5, 33, 15}, {16, 35, 16}, {17, 37, 17}, {63, 64, 31}, {65, 41, 100}});
  }
}

TEST_P(Kernels, InputGradientFormIsTheProductOverEveryTail) {
  // Rows: blocks of 6; columns: strips of 64 (AVX-512) or 16 (AVX2) ending in a tile of every
  // vector count with a partial or full last vector; reductions around the prefetch distance and
  // the pack's blocks, split unevenly between the row blocks that fetch the next strip, and
  // around AVX2's 256-step chunks. AVX2's groups of 16 strips, copied by the first row block and
  // read from the copy by the others: one row block (the copy unread), several, and more than one
  // group with every tail in the last.
  check_form(GetParam(), Trans::No, Trans::No,
             {{1, 256, 16},
              {2, 264, 20},
              {3, 296, 23},
              {5, 257, 17},
              {6, 272, 16},
              {7, 300, 17},
              {11, 320, 40},
              {64, 330, 100},
              {65, 383, 18},
              {13, 448, 33},
              {4, 1000, 24},
              {7, 259, 257},
              {12, 280, 512},
              {5, 300, 513},
              {64, 400, 300}});
}

TEST_P(Kernels, WeightGradientFormIsTheProductOverEveryTail) {
  // C's rows in blocks of 6, columns in tiles of 64 (AVX-512) or 16 (AVX2) with every tail width;
  // the reduction is the batch.
  check_form(GetParam(), Trans::Yes, Trans::No,
             {{1, 1, 1},
              {2, 8, 3},
              {3, 24, 16},
              {4, 5, 2},
              {5, 31, 33},
              {6, 16, 64},
              {7, 17, 63},
              {11, 9, 64},
              {100, 4, 64},
              {100, 100, 64},
              {13, 129, 65},
              {37, 64, 512}});
}

TEST_P(Kernels, SameBytesEveryCallAndOnEveryThread) {
  for (const Form& f : kForms) {
    const Shape s = f.ta == Trans::No ? Shape{64, 300, 320} : Shape{320, 300, 64};
    const Operands in(f, s, 4);
    Tensor first(s.m, s.n), again(s.m, s.n), elsewhere(s.m, s.n);
    in.multiply(GetParam(), first);
    in.multiply(GetParam(), again);
    EXPECT_TRUE(same_bytes(first, again)) << "again on this thread";
    std::thread other([&] { in.multiply(GetParam(), elsewhere); });
    other.join();
    EXPECT_TRUE(same_bytes(first, elsewhere)) << "on another thread";
  }
}

TEST_P(Kernels, RoutesBatchSizedShapesAndLeavesTheRestToOpenBlas) {
  const CpuGemm kernels = GetParam();
  const cpu::BlockedGemmRules& rules =
      kernels == CpuGemm::Avx512 ? cpu::kAvx512GemmRules : cpu::kAvx2GemmRules;
  const int64_t batch = rules.max_batch;
  EXPECT_TRUE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, 64, 1000, 1582));
  EXPECT_TRUE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::No, 64, 1582, 1000));
  EXPECT_TRUE(cpu::blocked_gemm_choice(kernels, Trans::Yes, Trans::No, 1000, 1582, 64));
  EXPECT_TRUE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, batch, 1000, 1582));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, batch + 1, 1000, 1582));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::No, batch + 1, 1582, 1000));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::Yes, Trans::No, 1000, 1582, batch + 1));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::Yes, Trans::Yes, 64, 64, 64));
  // Narrow outputs: D's last layer (1 wide), C's (4 wide), C's input gradient (100 wide); D's
  // input gradient through its 1-wide output.
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, 64, 1, 1000));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, 64, 4, 100));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::No, 64, 100, 100));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::No, 64, 1000, 1));
  // C's 100 x 100 forward: a short reduction, which only AVX-512 takes.
  EXPECT_EQ(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, 64, 100, 100),
            kernels == CpuGemm::Avx512);
  EXPECT_TRUE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, 64, 100,
                                       rules.min_forward_reduction));
  EXPECT_FALSE(cpu::blocked_gemm_choice(kernels, Trans::No, Trans::Yes, 64, 100,
                                        rules.min_forward_reduction - 1));
  Tensor a(64, 64), b(64, 64), c(64, 64);
  EXPECT_FALSE(
      cpu::blocked_gemm(kernels, a.view(), Trans::Yes, b.view(), Trans::Yes, c.view(), 1, 0));
}

// Through ops::gemm on one BLAS thread, as a training step calls it: the blocked result and
// OpenBLAS's agree to float rounding, and differ in the last bits (they sum in other orders), so
// the context's choice really changes which code ran.
TEST_P(Kernels, OpsGemmUnderAContextRunsThemBesideOpenBlas) {
  Tensor x(64, 1582), w(1000, 1582);
  fill(x, 6);
  fill(w, 7);
  const Tensor ours = forward_through_ops(GetParam(), x, w);
  const Tensor openblas = forward_through_ops(CpuGemm::OpenBlas, x, w);
  int64_t differing = 0;
  for (int64_t i = 0; i < ours.size(); ++i) {
    ASSERT_NEAR(ours.data()[i], openblas.data()[i], 2e-4f) << i;
    differing += ours.data()[i] != openblas.data()[i];
  }
  EXPECT_GT(differing, 0);
}

// C computed in two parts of its columns, as a gemm shared with an idle thread is, holds the bytes
// of one call, wherever it splits (tails of tiles, groups and strips on either side), and a part
// leaves the columns outside it untouched: with beta = 0 too, where the forward's epilogue may
// store past a group's columns (Isa::kEpilogueSpills) but never past the part's.
TEST_P(Kernels, AnySplitOfTheColumnsGivesTheBytesOfOneCall) {
  const CpuGemm kernels = GetParam();
  for (const Form& f : kForms) {
    // The input gradient's over more than one AVX2 group of 256 columns and chunk of 256 steps.
    const Shape s = f.ta == Trans::Yes   ? Shape{301, 333, 65}
                    : f.tb == Trans::Yes ? Shape{65, 333, 301}
                                         : Shape{13, 600, 300};
    const Operands in(f, s, 12);
    Tensor c_in(s.m, s.n), whole(s.m, s.n), parts(s.m, s.n);
    fill(c_in, 13);
    const int64_t middle = cpu::blocked_gemm_middle_column(kernels, s.n);
    for (const float beta : {1.5f, 0.0f}) {
      std::copy(c_in.data(), c_in.data() + c_in.size(), whole.data());
      in.multiply(kernels, whole, 0.5f, beta);
      for (const int64_t split :
           {int64_t{1}, int64_t{2}, int64_t{17}, int64_t{100}, middle, s.n - 2, s.n - 1}) {
        std::copy(c_in.data(), c_in.data() + c_in.size(), parts.data());
        cpu::blocked_gemm_columns(kernels, in.a.view(), f.ta, in.b.view(), f.tb, parts.view(), 0.5f,
                                  beta, split, s.n);
        for (int64_t i = 0; i < s.m; ++i) {
          ASSERT_EQ(
              std::memcmp(parts.data() + i * s.n, c_in.data() + i * s.n, sizeof(float) * split), 0)
              << "row " << i << " left of column " << split << " changed, beta " << beta;
        }
        cpu::blocked_gemm_columns(kernels, in.a.view(), f.ta, in.b.view(), f.tb, parts.view(), 0.5f,
                                  beta, 0, split);
        EXPECT_TRUE(same_bytes(whole, parts)) << "split at column " << split << ", beta " << beta;
      }
    }
  }
}

TEST_P(Kernels, TheMiddleColumnSplitsOnWholeTiles) {
  const CpuGemm kernels = GetParam();
  for (const int64_t n : {1582, 1000, 500, 333}) {
    const int64_t middle = cpu::blocked_gemm_middle_column(kernels, n);
    EXPECT_EQ(middle % 16, 0) << n;  // a whole AVX-512 vector, two AVX2 ones
    EXPECT_EQ(middle % 6, 0) << n;   // the forward's groups of 6 rows of W
    EXPECT_GT(middle, 0) << n;
    EXPECT_LE(std::abs(2 * middle - n), kernels == CpuGemm::Avx512 ? 192 : 48) << n;
  }
  EXPECT_EQ(cpu::blocked_gemm_middle_column(kernels, 20), 0);
  EXPECT_EQ(cpu::blocked_gemm_middle_column(CpuGemm::OpenBlas, 1582), 0);
}

// ops::gemm in the last iteration of a worker pool's loop, as the last emotions' steps run, hands
// half of C to the thread with nothing left to do: the bytes are those of one thread, every form.
TEST_P(Kernels, OpsGemmSharedWithAnIdleThreadGivesTheBytesOfOne) {
  ops::MathMode math;
  math.cpu_gemm = GetParam();
  for (const Form& f : kForms) {
    const Shape s = f.ta == Trans::Yes   ? Shape{1000, 1582, 64}
                    : f.tb == Trans::Yes ? Shape{64, 1000, 1582}
                                         : Shape{64, 1582, 1000};
    const Operands in(f, s, 14);
    Tensor alone(s.m, s.n), shared(s.m, s.n);
    {
      ops::ExecutionContext exec(Device::Host, 1, math);
      const ops::ExecutionScope bound(exec);
      ops::gemm(in.a.view(), f.ta, in.b.view(), f.tb, alone.view());
    }
    WorkerPool pool(2);
    emoaug::testing::attempt_until_shared(pool, [&] {
      ops::ExecutionContext exec(Device::Host, 1, math);
      const ops::ExecutionScope bound(exec);
      ops::gemm(in.a.view(), f.ta, in.b.view(), f.tb, shared.view());
      ASSERT_TRUE(same_bytes(alone, shared)) << "halves_shared " << pool.halves_shared();
    });
    EXPECT_EQ(pool.halves_shared(), 1) << "no gemm was shared";
    EXPECT_TRUE(same_bytes(alone, shared));
  }
}

INSTANTIATE_TEST_SUITE_P(BlockedGemm, Kernels, ::testing::Values(CpuGemm::Avx2, CpuGemm::Avx512),
                         [](const ::testing::TestParamInfo<CpuGemm>& info) {
                           return std::string(ops::name_of(info.param));
                         });

TEST(BlockedGemm, OpenBlasIsNeverBlocked) {
  EXPECT_FALSE(cpu::blocked_gemm_choice(CpuGemm::OpenBlas, Trans::No, Trans::Yes, 64, 1000, 1582));
  EXPECT_FALSE(cpu::blocked_gemm_choice(CpuGemm::OpenBlas, Trans::No, Trans::No, 64, 1582, 1000));
  EXPECT_FALSE(cpu::blocked_gemm_choice(CpuGemm::OpenBlas, Trans::Yes, Trans::No, 1000, 1582, 64));
  Tensor a(64, 64), b(64, 64), c(64, 64);
  EXPECT_FALSE(cpu::blocked_gemm(CpuGemm::OpenBlas, a.view(), Trans::No, b.view(), Trans::Yes,
                                 c.view(), 1, 0));
}

TEST(BlockedGemm, TheDefaultIsTheWidestThisCpuRuns) {
  const CpuGemm widest = ops::cpu_runs(CpuGemm::Avx512) ? CpuGemm::Avx512
                         : ops::cpu_runs(CpuGemm::Avx2) ? CpuGemm::Avx2
                                                        : CpuGemm::OpenBlas;
  EXPECT_EQ(ops::best_cpu_gemm(), widest);
  EXPECT_EQ(ops::MathMode{}.cpu_gemm, widest);
}

// Both widths sum each entry of C in the same order, so a run gives the same bytes on an AVX2 node
// and an AVX-512 one.
TEST(BlockedGemm, BothWidthsGiveTheSameBytes) {
  if (!ops::cpu_runs(CpuGemm::Avx2) || !ops::cpu_runs(CpuGemm::Avx512))
    GTEST_SKIP() << "this CPU does not run both widths";
  for (const Form& f : kForms) {
    const Shape s = f.ta == Trans::No ? Shape{65, 333, 301} : Shape{301, 333, 65};
    const Operands in(f, s, 8);
    Tensor c_in(s.m, s.n), wide(s.m, s.n), narrow(s.m, s.n);
    fill(c_in, 10);
    for (Tensor* c : {&wide, &narrow}) std::copy(c_in.data(), c_in.data() + c_in.size(), c->data());
    in.multiply(CpuGemm::Avx512, wide, 0.5f, 1.5f);
    in.multiply(CpuGemm::Avx2, narrow, 0.5f, 1.5f);
    EXPECT_TRUE(same_bytes(wide, narrow))
        << "form " << (f.ta == Trans::Yes ? "At" : "A") << (f.tb == Trans::Yes ? "Bt" : "B");
  }
}

// The op profile (bench_cpu_step's split) counts each gemm in its form's part, with its flops and
// bytes, whichever code ran it, and an elementwise op in its own part; off, it counts nothing.
TEST(OpProfile, EachGemmFormCountsInItsOwnPart) {
  for (const CpuGemm kernels : {CpuGemm::OpenBlas, ops::best_cpu_gemm()}) {
    ops::MathMode math;
    math.cpu_gemm = kernels;
    ops::ExecutionContext exec(Device::Host, 1, math);
    const ops::ExecutionScope bound(exec);
    Tensor x(64, 300), w(200, 300), y(64, 200), dx(64, 300), dw(200, 300);
    fill(x, 1);
    fill(w, 2);
    ops::gemm(x.view(), Trans::No, w.view(), Trans::Yes, y.view());  // unprofiled
    exec.set_op_profile(true);
    ops::gemm(x.view(), Trans::No, w.view(), Trans::Yes, y.view());
    ops::gemm(y.view(), Trans::No, w.view(), Trans::No, dx.view(), 1.0f, 1.0f);
    ops::gemm(y.view(), Trans::Yes, x.view(), Trans::No, dw.view());
    ops::gemm(y.view(), Trans::Yes, x.view(), Trans::No, dw.view());
    ops::add_bias(y.view(), w.data());
    exec.set_op_profile(false);
    const uint64_t flops = 2 * 64 * 200 * 300;
    const ops::OpPartTotals forward = exec.op_totals(ops::OpPart::GemmForward);
    const ops::OpPartTotals input = exec.op_totals(ops::OpPart::GemmInputGrad);
    const ops::OpPartTotals weight = exec.op_totals(ops::OpPart::GemmWeightGrad);
    EXPECT_EQ(forward.calls, 1u) << ops::name_of(kernels);
    EXPECT_EQ(input.calls, 1u);
    EXPECT_EQ(weight.calls, 2u);
    EXPECT_EQ(forward.flops, flops);
    EXPECT_EQ(input.flops, flops);
    EXPECT_EQ(weight.flops, 2 * flops);
    // Operands read once and the result written once; a beta != 0 result is read too.
    EXPECT_EQ(forward.bytes, 4u * (64 * 300 + 200 * 300 + 64 * 200));
    EXPECT_EQ(input.bytes, 4u * (64 * 200 + 200 * 300 + 2 * 64 * 300));
    EXPECT_GT(forward.ns + input.ns + weight.ns, 0u);
    const ops::OpPartTotals bias = exec.op_totals(ops::OpPart::Elementwise);
    EXPECT_EQ(bias.calls, 1u);
    EXPECT_EQ(bias.flops, 0u);
    EXPECT_EQ(exec.op_totals(ops::OpPart::Adam).calls, 0u);
    for (int p = 0; p < ops::kOpParts; ++p) {
      const auto part = static_cast<ops::OpPart>(p);
      EXPECT_EQ(ops::is_gemm(part), std::string(ops::name_of(part)).rfind("gemm_", 0) == 0);
    }
  }
}
