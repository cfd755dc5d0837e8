// Every CPU op against a naive double-precision reference written out in full here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "backend/execution.h"
#include "backend/ops.h"
#include "core/error.h"
#include "core/worker_pool.h"
#include "numeric_helpers.h"
#include "worker_pool_helpers.h"

using namespace emoaug;
using emoaug::testing::max_rel_error;
using emoaug::testing::random_matrix;

namespace {

Tensor naive_gemm(ConstMatView a, bool ta, ConstMatView b, bool tb, ConstMatView c0, float alpha,
                  float beta) {
  const int64_t m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols, n = tb ? b.rows : b.cols;
  Tensor c(m, n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (int64_t p = 0; p < k; ++p) s += (ta ? a(p, i) : a(i, p)) * (tb ? b(j, p) : b(p, j));
      c(i, j) = static_cast<float>(alpha * s + beta * c0(i, j));
    }
  return c;
}

}  // namespace

TEST(Ops, GemmAllTransposesWithAlphaBeta) {
  const int64_t m = 7, k = 13, n = 5;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      Tensor a = ta ? random_matrix(k, m, 1) : random_matrix(m, k, 1);
      Tensor b = tb ? random_matrix(n, k, 2) : random_matrix(k, n, 2);
      Tensor c = random_matrix(m, n, 3);
      Tensor expected = naive_gemm(a.view(), ta, b.view(), tb, c.view(), 0.7f, 0.3f);
      ops::gemm(a.view(), ta ? ops::Trans::Yes : ops::Trans::No, b.view(),
                tb ? ops::Trans::Yes : ops::Trans::No, c.view(), 0.7f, 0.3f);
      EXPECT_LT(max_rel_error(c.view(), expected.view()), 1e-5) << "ta=" << ta << " tb=" << tb;
    }
}

TEST(Ops, GemmRejectsMismatchedShapes) {
  Tensor a(3, 4), b(5, 2), c(3, 2);
  EXPECT_THROW(ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view()), Error);
}

TEST(Ops, BiasAndColumnSums) {
  Tensor y = random_matrix(4, 3, 5);
  Tensor before = y.clone();
  float bias[3] = {1.0f, -2.0f, 0.5f};
  ops::add_bias(y.view(), bias);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(y(r, c), before(r, c) + bias[c]);
  float sums[3] = {10.0f, 10.0f, 10.0f};
  ops::col_sum(y.view(), sums, /*accumulate=*/true);
  for (int c = 0; c < 3; ++c) {
    double s = 10.0;
    for (int r = 0; r < 4; ++r) s += y(r, c);
    EXPECT_NEAR(sums[c], s, 1e-5);
  }
  ops::col_sum(y.view(), sums, false);
  EXPECT_NEAR(sums[0], y(0, 0) + y(1, 0) + y(2, 0) + y(3, 0), 1e-5);
}

TEST(Ops, LeakyReluForwardBackward) {
  Tensor x = random_matrix(6, 5, 6);
  Tensor y = x.clone();
  ops::leaky_relu(y.view(), 0.2f);
  Tensor dy = random_matrix(6, 5, 7);
  Tensor dx = dy.clone();
  ops::leaky_relu_backward(dx.view(), y.view(), 0.2f);
  for (int64_t i = 0; i < x.size(); ++i) {
    float xi = x.data()[i];
    EXPECT_FLOAT_EQ(y.data()[i], xi > 0 ? xi : 0.2f * xi);
    EXPECT_FLOAT_EQ(dx.data()[i], dy.data()[i] * (xi > 0 ? 1.0f : 0.2f));
  }
}

TEST(Ops, DropoutKeepsTheRightFractionScaledAndIsReproducible) {
  const float p = 0.3f;
  Tensor x(200, 100);
  x.fill(1.0f);
  Tensor mask(200, 100);
  Rng rng(11, 12, StreamId::Dropout);
  ops::dropout(x.view(), mask.view(), p, rng);
  int64_t kept = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    const float v = x.data()[i];
    ASSERT_TRUE(v == 0.0f || std::fabs(v - 1.0f / (1.0f - p)) < 1e-6f) << v;
    EXPECT_EQ(v, mask.data()[i]);
    kept += v != 0.0f;
  }
  EXPECT_NEAR(static_cast<double>(kept) / x.size(), 1.0 - p, 0.01);
  // Same stream, same mask; the next call draws a different one.
  Tensor x2(200, 100), mask2(200, 100);
  x2.fill(1.0f);
  Rng again(11, 12, StreamId::Dropout);
  ops::dropout(x2.view(), mask2.view(), p, again);
  EXPECT_EQ(0, std::memcmp(mask.data(), mask2.data(), sizeof(float) * mask.size()));
  ops::dropout(x2.view(), mask2.view(), p, again);
  EXPECT_NE(0, std::memcmp(mask.data(), mask2.data(), sizeof(float) * mask.size()));
  Tensor dy = random_matrix(200, 100, 3);
  Tensor dx = dy.clone();
  ops::dropout_backward(dx.view(), mask.view());
  for (int64_t i = 0; i < dy.size(); ++i) EXPECT_EQ(dx.data()[i], dy.data()[i] * mask.data()[i]);
}

TEST(Ops, FusedBiasLeakyDropoutEqualsTheUnfusedOps) {
  Tensor z = random_matrix(9, 17, 21);
  Tensor bias_t = random_matrix(1, 17, 22);
  Tensor fused = z.clone(), mask_fused(9, 17);
  Rng r1(5, 6, StreamId::Dropout);
  ops::bias_leaky_dropout(fused.view(), bias_t.data(), 0.2f, 0.4f, mask_fused.view(), &r1);
  Tensor unfused = z.clone(), mask(9, 17);
  Rng r2(5, 6, StreamId::Dropout);
  ops::add_bias(unfused.view(), bias_t.data());
  ops::leaky_relu(unfused.view(), 0.2f);
  ops::dropout(unfused.view(), mask.view(), 0.4f, r2);
  EXPECT_EQ(0, std::memcmp(fused.data(), unfused.data(), sizeof(float) * fused.size()));
  Tensor dy = random_matrix(9, 17, 23);
  Tensor d_fused = dy.clone(), d_unfused = dy.clone();
  ops::leaky_dropout_backward(d_fused.view(), fused.view(), mask_fused.view(), 0.2f);
  ops::dropout_backward(d_unfused.view(), mask.view());
  // leaky' from the output is only defined where the unit was kept; dropped units have zero grad.
  for (int64_t i = 0; i < dy.size(); ++i) {
    float pre = z.data()[i] + bias_t.data()[i % 17];
    float expected = d_unfused.data()[i] * (pre > 0 ? 1.0f : 0.2f);
    EXPECT_FLOAT_EQ(d_fused.data()[i], expected);
  }
}

TEST(Ops, Sigmoid) {
  Tensor x = random_matrix(3, 4, 8, -30.0f, 30.0f);
  Tensor y(3, 4);
  ops::sigmoid(x.view(), y.view());
  for (int64_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(y.data()[i], 1.0 / (1.0 + std::exp(-static_cast<double>(x.data()[i]))), 1e-7);
}

TEST(Ops, SoftmaxCrossEntropyAndGradient) {
  Tensor logits = random_matrix(5, 4, 9, -3.0f, 3.0f);
  std::vector<int32_t> labels{0, 3, 1, 2, 3};
  Tensor grad(5, 4);
  float loss = ops::softmax_cross_entropy(logits.view(), labels.data(), grad.view(), 2.0f);
  double expected = 0.0;
  for (int r = 0; r < 5; ++r) {
    double z = 0.0;
    for (int c = 0; c < 4; ++c) z += std::exp(static_cast<double>(logits(r, c)));
    expected += -std::log(std::exp(static_cast<double>(logits(r, labels[r]))) / z);
    for (int c = 0; c < 4; ++c) {
      double p = std::exp(static_cast<double>(logits(r, c))) / z;
      EXPECT_NEAR(grad(r, c), 2.0 * (p - (c == labels[r])) / 5.0, 1e-6);
    }
  }
  EXPECT_NEAR(loss, expected / 5.0, 1e-6);
  std::vector<int32_t> pred(5);
  ops::argmax_rows(logits.view(), pred.data());
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_LE(logits(r, c), logits(r, pred[r]));
  // The hits count the rows whose argmax is their label; here two of five are made so.
  std::vector<int32_t> truth(5);
  for (int r = 0; r < 5; ++r) truth[r] = r < 2 ? pred[r] : (pred[r] + 1) % 4;
  float hits = -1.0f;
  ops::argmax_hits_into(logits.view(), truth.data(), &hits);
  EXPECT_EQ(hits, 2.0f);
  std::vector<int32_t> bad{0, 4, 1, 2, 3};
  EXPECT_THROW(ops::softmax_cross_entropy(logits.view(), bad.data(), MatView{}), Error);
}

TEST(Ops, BceWithLogitsScalarAndMatrixTargets) {
  Tensor logits = random_matrix(6, 1, 10, -40.0f, 40.0f);
  Tensor grad(6, 1);
  float loss = ops::bce_with_logits(logits.view(), 0.9f, grad.view(), 0.5f);
  double expected = 0.0;
  for (int i = 0; i < 6; ++i) {
    double x = logits.data()[i], s = 1.0 / (1.0 + std::exp(-x));
    // log-sigmoid written stably for |x| up to 40.
    double log_s = x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
    double log_1ms = x >= 0 ? -x - std::log1p(std::exp(-x)) : -std::log1p(std::exp(x));
    expected += -(0.9 * log_s + 0.1 * log_1ms);
    EXPECT_NEAR(grad.data()[i], 0.5 * (s - 0.9) / 6.0, 1e-7);
  }
  EXPECT_NEAR(loss, expected / 6.0, 1e-5);
  Tensor targets(6, 1);
  targets.fill(0.9f);
  Tensor grad2(6, 1);
  EXPECT_FLOAT_EQ(ops::bce_with_logits(logits.view(), targets.view(), grad2.view(), 0.5f), loss);
  EXPECT_EQ(0, std::memcmp(grad.data(), grad2.data(), sizeof(float) * 6));
}

TEST(Ops, MseAndGradient) {
  Tensor a = random_matrix(4, 3, 12), b = random_matrix(4, 3, 13);
  Tensor grad(4, 3);
  float loss = ops::mse(a.view(), b.view(), grad.view(), 5.0f);
  double s = 0.0;
  for (int64_t i = 0; i < a.size(); ++i) {
    double d = a.data()[i] - b.data()[i];
    s += d * d;
    EXPECT_NEAR(grad.data()[i], 5.0 * 2.0 * d / 12.0, 1e-6);
  }
  EXPECT_NEAR(loss, s / 12.0, 1e-6);
}

TEST(Ops, ScaleAxpyCopyZero) {
  Tensor x = random_matrix(3, 3, 14), y = random_matrix(3, 3, 15);
  Tensor y0 = y.clone();
  ops::axpy(-0.5f, x.view(), y.view());
  for (int64_t i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(y.data()[i], y0.data()[i] - 0.5f * x.data()[i]);
  ops::scale(y.view(), 3.0f);
  EXPECT_FLOAT_EQ(y.data()[4], 3.0f * (y0.data()[4] - 0.5f * x.data()[4]));
  ops::copy(x.view(), y.view());
  EXPECT_EQ(0, std::memcmp(x.data(), y.data(), sizeof(float) * 9));
  ops::zero(y.view());
  for (int64_t i = 0; i < 9; ++i) EXPECT_EQ(y.data()[i], 0.0f);
}

// Adam in the last iteration of a worker pool's loop hands half of the parameters to the thread
// with nothing left to do (as a generator step's updates end the last emotions' steps): the same
// bytes as on one thread.
TEST(Ops, AdamSharedWithAnIdleThreadGivesTheBytesOfOne) {
  ops::AdamHyper h;
  Tensor p = random_matrix(1000, 500, 17), g = random_matrix(1000, 500, 18);
  Tensor alone_m(1000, 500), alone_v(1000, 500), alone_p(1000, 500);
  Tensor shared_m(1000, 500), shared_v(1000, 500), shared_p(1000, 500);
  ops::copy(p.view(), alone_p.view());
  ops::adam(alone_p.view(), g.view(), alone_m.view(), alone_v.view(), h, 1);
  WorkerPool pool(2);
  emoaug::testing::attempt_until_shared(pool, [&] {
    ops::ExecutionContext exec(Device::Host, 1, ops::MathMode{});
    const ops::ExecutionScope bound(exec);
    ops::copy(p.view(), shared_p.view());
    ops::zero(shared_m.view());
    ops::zero(shared_v.view());
    ops::adam(shared_p.view(), g.view(), shared_m.view(), shared_v.view(), h, 1);
  });
  EXPECT_EQ(pool.halves_shared(), 1) << "no update was shared";
  for (const auto& [alone, shared] :
       {std::pair{&alone_p, &shared_p}, {&alone_m, &shared_m}, {&alone_v, &shared_v}}) {
    EXPECT_EQ(0, std::memcmp(alone->data(), shared->data(), sizeof(float) * alone->size()));
  }
}

// Adam written out from the two papers' pseudo-code: PyTorch divides by sqrt(v_hat) + eps,
// TensorFlow 1.x folds the bias corrections into the step size and adds eps to sqrt(v).
TEST(Ops, AdamMatchesPyTorchAndTensorFlowFormulas) {
  for (auto flavor : {ops::AdamFlavor::PyTorch, ops::AdamFlavor::TensorFlow}) {
    ops::AdamHyper h;
    h.lr = 1e-2f;
    h.eps = 1e-3f;  // large enough that the two flavours differ visibly
    h.flavor = flavor;
    Tensor p = random_matrix(1, 8, 16), m(1, 8), v(1, 8);
    std::vector<double> rp(p.data(), p.data() + 8), rm(8, 0.0), rv(8, 0.0);
    for (int step = 1; step <= 5; ++step) {
      Tensor g = random_matrix(1, 8, 100 + step);
      ops::adam(p.view(), g.view(), m.view(), v.view(), h, step);
      const double bc1 = 1 - std::pow(0.9, step), bc2 = 1 - std::pow(0.999, step);
      for (int i = 0; i < 8; ++i) {
        rm[i] = 0.9 * rm[i] + 0.1 * g.data()[i];
        rv[i] = 0.999 * rv[i] + 0.001 * g.data()[i] * g.data()[i];
        if (flavor == ops::AdamFlavor::PyTorch)
          rp[i] -= h.lr / bc1 * rm[i] / (std::sqrt(rv[i]) / std::sqrt(bc2) + h.eps);
        else
          rp[i] -= h.lr * std::sqrt(bc2) / bc1 * rm[i] / (std::sqrt(rv[i]) + h.eps);
      }
    }
    for (int i = 0; i < 8; ++i) EXPECT_NEAR(p.data()[i], rp[i], 1e-6);
  }
}
