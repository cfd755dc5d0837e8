// Finite-difference checks: every layer's and every loss's analytic gradient against central
// differences of the forward pass (ggml test-backend-ops style).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "backend/ops.h"
#include "core/error.h"
#include "nn/mlp.h"
#include "numeric_helpers.h"

using namespace emoaug;
using emoaug::testing::random_matrix;

namespace {

// Compares grad against d loss / d x[i] for every element of x (or a strided sample of it).
void expect_gradient(const std::function<double()>& loss, float* x, const float* grad, int64_t n,
                     const char* what, int64_t stride = 1, double eps = 1e-3) {
  double worst = 0.0;
  for (int64_t i = 0; i < n; i += stride) {
    const float saved = x[i];
    x[i] = saved + static_cast<float>(eps);
    const double up = loss();
    x[i] = saved - static_cast<float>(eps);
    const double down = loss();
    x[i] = saved;
    const double numeric = (up - down) / (2 * eps);
    const double err = std::fabs(numeric - grad[i]) / std::max(1e-2, std::fabs(numeric));
    worst = std::max(worst, err);
    EXPECT_LT(err, 2e-2) << what << "[" << i << "]: analytic " << grad[i] << " numeric " << numeric;
  }
  ::testing::Test::RecordProperty(what, std::to_string(worst));
}

double dot(ConstMatView a, ConstMatView b) {
  double s = 0.0;
  for (int64_t i = 0; i < a.size(); ++i) s += static_cast<double>(a.data[i]) * b.data[i];
  return s;
}

}  // namespace

class MlpGradient : public ::testing::TestWithParam<float> {};

// Loss = <R, mlp(x)>, so dout = R; dropout uses the same stream state for every evaluation, which
// fixes the mask.
TEST_P(MlpGradient, ParametersAndInputMatchFiniteDifferences) {
  const float dropout = GetParam();
  Rng init(3, 1, StreamId::Init);
  nn::Mlp mlp({{6, 9, 7, 4}, 0.2f, dropout}, init);
  Tensor x = random_matrix(5, 6, 31);
  Tensor r = random_matrix(5, 4, 32);
  nn::MlpActivations acts;
  auto loss = [&]() {
    Rng drop(3, 1, StreamId::Dropout);
    return dot(mlp.forward(x.view(), acts, /*training=*/true, &drop), r.view());
  };
  loss();
  mlp.zero_grad();
  Tensor dx(5, 6);
  mlp.backward(acts, r.view(), dx.view());
  Tensor grads = Tensor(1, mlp.num_params());
  ops::copy(mlp.grads(), grads.view());
  expect_gradient(loss, mlp.params().data, grads.data(), mlp.num_params(), "params");
  Tensor dx_copy = dx.clone();
  expect_gradient(loss, x.data(), dx_copy.data(), x.size(), "input");
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutDropout, MlpGradient, ::testing::Values(0.0f, 0.3f));

TEST(MlpGradientAccumulation, TwoBackwardsSumAndParamGradsCanBeSkipped) {
  Rng init(4, 1, StreamId::Init);
  nn::Mlp mlp({{3, 5, 2}, 0.2f, 0.0f}, init);
  Tensor x = random_matrix(4, 3, 41), r = random_matrix(4, 2, 42);
  nn::MlpActivations acts;
  mlp.forward(x.view(), acts, false, nullptr);
  mlp.zero_grad();
  mlp.backward(acts, r.view(), MatView{});
  Tensor once = Tensor(1, mlp.num_params());
  ops::copy(mlp.grads(), once.view());
  mlp.backward(acts, r.view(), MatView{});
  for (int64_t i = 0; i < once.size(); ++i)
    EXPECT_FLOAT_EQ(mlp.grads().data[i], 2.0f * once.data()[i]);
  Tensor dx(4, 3);
  mlp.backward(acts, r.view(), dx.view(), nn::ParamGrads::Skip);
  for (int64_t i = 0; i < once.size(); ++i)
    EXPECT_FLOAT_EQ(mlp.grads().data[i], 2.0f * once.data()[i]);
  // Write overwrites whatever was there, in grads() or in a buffer of the caller's.
  mlp.backward(acts, r.view(), MatView{}, nn::ParamGrads::Write);
  EXPECT_EQ(0, std::memcmp(mlp.grads().data, once.data(), sizeof(float) * once.size()));
  Tensor own(1, mlp.num_params());
  own.fill(7.0f);
  mlp.backward(acts, r.view(), MatView{}, nn::ParamGrads::Write, own.view());
  EXPECT_EQ(0, std::memcmp(own.data(), once.data(), sizeof(float) * once.size()));
  EXPECT_THROW(mlp.backward(acts, r.view(), MatView{}, nn::ParamGrads::Write, dx.view()), Error);
}

TEST(LossGradient, SoftmaxCrossEntropy) {
  Tensor logits = random_matrix(6, 5, 51, -2.0f, 2.0f);
  std::vector<int32_t> labels{0, 1, 4, 2, 3, 1};
  Tensor grad(6, 5);
  ops::softmax_cross_entropy(logits.view(), labels.data(), grad.view(), 1.5f);
  auto loss = [&]() {
    return 1.5 * ops::softmax_cross_entropy(logits.view(), labels.data(), MatView{});
  };
  expect_gradient(loss, logits.data(), grad.data(), logits.size(), "logits");
}

TEST(LossGradient, BceWithLogitsSmoothedAndZeroTargets) {
  for (float target : {0.9f, 0.0f}) {
    Tensor logits = random_matrix(8, 1, 52, -4.0f, 4.0f);
    Tensor grad(8, 1);
    ops::bce_with_logits(logits.view(), target, grad.view(), 0.7f);
    auto loss = [&]() { return 0.7 * ops::bce_with_logits(logits.view(), target, MatView{}); };
    expect_gradient(loss, logits.data(), grad.data(), logits.size(), "logits");
  }
}

TEST(LossGradient, Mse) {
  Tensor pred = random_matrix(4, 6, 53), target = random_matrix(4, 6, 54);
  Tensor grad(4, 6);
  ops::mse(pred.view(), target.view(), grad.view(), 5.0f);
  auto loss = [&]() { return 5.0 * ops::mse(pred.view(), target.view(), MatView{}); };
  expect_gradient(loss, pred.data(), grad.data(), pred.size(), "pred");
}
