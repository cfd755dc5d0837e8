// Matches emoaug's forward, losses, every gradient and 10 Adam steps against the PyTorch run stored
// in tests/reference/reference.h5 (made by tests/reference/make_reference.py; CI never needs
// torch), once per device: on the CPU always, on CUDA with every network moved to the GPU (skipped
// without one).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend/ops.h"
#include "core/index_buffer.h"
#include "cuda_test_helpers.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "numeric_helpers.h"
#include "reference_fixture.h"

using namespace emoaug;

namespace {

using emoaug::testing::expect_close_to_reference;
using emoaug::testing::host_copy;
using emoaug::testing::kReferenceFixture;

// A view on either device against the fixture's values.
void expect_close(ConstMatView got, const std::vector<float>& want, const char* what) {
  expect_close_to_reference(host_copy(got).view(), want, what);
}
void expect_close(float got, float want, const char* what) {
  expect_close_to_reference(got, want, what);
}

class Reference : public ::testing::TestWithParam<Device> {
 protected:
  void SetUp() override {
    if (device() == Device::Cuda) EMOAUG_REQUIRE_CUDA();
    ASSERT_TRUE(f.ok()) << "cannot open " << kReferenceFixture;
  }
  Device device() const { return GetParam(); }
  // The fixture's network of the given sizes, on the test's device.
  nn::Mlp mlp(const std::string& name, std::vector<int> sizes) {
    nn::Mlp m = emoaug::testing::load_reference_mlp(f, name, std::move(sizes));
    m.to(device());
    return m;
  }
  Tensor matrix(const std::string& name, int64_t rows, int64_t cols) {
    return f.matrix(name, rows, cols).to(device());
  }
  Tensor zeros(int64_t rows, int64_t cols) { return Tensor(rows, cols, device()); }
  IndexBuffer labels() {
    IndexBuffer l(device());
    l.assign(f.ints("labels"));
    return l;
  }
  emoaug::testing::ReferenceFile f;
};

}  // namespace

TEST_P(Reference, ClassifierForwardCrossEntropyAndGradients) {
  nn::Mlp c = mlp("C", {12, 16, 10, 4});
  Tensor x = matrix("x", 8, 12);
  IndexBuffer y = labels();
  nn::MlpActivations acts;
  ConstMatView logits = c.forward(x.view(), acts, false, nullptr);
  expect_close(logits, f.floats("C/logits"), "logits");
  Tensor dlogits = zeros(8, 4), dx = zeros(8, 12);
  float loss = ops::softmax_cross_entropy(logits, y.data(), dlogits.view());
  expect_close(loss, f.scalar("C/loss"), "cross-entropy");
  c.zero_grad();
  c.backward(acts, dlogits.view(), dx.view());
  expect_close(c.grads(), f.floats("C/grads"), "classifier gradients");
  expect_close(dx.view(), f.floats("C/dx"), "input gradient");
}

TEST_P(Reference, GeneratorLossThroughDiscriminator) {
  nn::Mlp g = mlp("G", {12, 16, 8, 16, 12});
  nn::Mlp d = mlp("D", {12, 16, 16, 1});
  Tensor s = matrix("s", 8, 12), t = matrix("t", 8, 12);
  nn::MlpActivations g_acts, d_acts;
  ConstMatView fake = g.forward(s.view(), g_acts, false, nullptr);
  expect_close(fake, f.floats("G/fake"), "G(s)");
  ConstMatView d_fake = d.forward(fake, d_acts, false, nullptr);
  expect_close(d_fake, f.floats("D/logits_fake"), "D(G(s))");
  Tensor d_dlogits = zeros(8, 1), dfake = zeros(8, 12), dfake_mse = zeros(8, 12);
  float bce = ops::bce_with_logits(d_fake, 0.9f, d_dlogits.view());
  float mse = ops::mse(fake, t.view(), dfake_mse.view(), 5.0f);
  expect_close(bce, f.scalar("G/bce"), "BCE(D(G(s)), 0.9)");
  expect_close(mse, f.scalar("G/mse"), "MSE(G(s), t)");
  d.zero_grad();
  g.zero_grad();
  d.backward(d_acts, d_dlogits.view(), dfake.view());
  ops::axpy(1.0f, dfake_mse.view(), dfake.view());
  g.backward(g_acts, dfake.view(), MatView{});
  expect_close(g.grads(), f.floats("G/grads"), "generator gradients");
  expect_close(d.grads(), f.floats("D/grads_through_G"), "discriminator gradients (G step)");
}

TEST_P(Reference, DiscriminatorLossRealSmoothedFakeZero) {
  nn::Mlp d = mlp("D", {12, 16, 16, 1});
  Tensor t = matrix("t", 8, 12), fake = matrix("G/fake", 8, 12);
  nn::MlpActivations real_acts, fake_acts;
  Tensor d_real = zeros(8, 1), d_fake = zeros(8, 1);
  d.zero_grad();
  float l_real = ops::bce_with_logits(d.forward(t.view(), real_acts, false, nullptr), 0.9f,
                                      d_real.view(), 0.5f);
  float l_fake = ops::bce_with_logits(d.forward(fake.view(), fake_acts, false, nullptr), 0.0f,
                                      d_fake.view(), 0.5f);
  d.backward(real_acts, d_real.view(), MatView{});
  d.backward(fake_acts, d_fake.view(), MatView{});
  expect_close(0.5f * (l_real + l_fake), f.scalar("D/loss"), "discriminator loss");
  expect_close(d.grads(), f.floats("D/grads"), "discriminator gradients");
}

TEST_P(Reference, TenAdamStepsMatchLossByLoss) {
  nn::Mlp c = mlp("C", {12, 16, 10, 4});
  Tensor x = matrix("x", 8, 12);
  IndexBuffer y = labels();
  std::vector<float> want = f.floats("adam/losses");
  ASSERT_EQ(want.size(), 10u);
  nn::Adam adam(c.num_params(), ops::AdamHyper{}, device());
  nn::MlpActivations acts;
  Tensor dlogits = zeros(8, 4);
  for (int step = 0; step < 10; ++step) {
    c.zero_grad();
    float loss = ops::softmax_cross_entropy(c.forward(x.view(), acts, false, nullptr), y.data(),
                                            dlogits.view());
    c.backward(acts, dlogits.view(), MatView{});
    adam.step(c.params(), c.grads(), 1e-2f);
    expect_close(loss, want[step], ("loss of step " + std::to_string(step + 1)).c_str());
  }
  expect_close(c.params(), f.floats("adam/params"), "parameters after 10 Adam steps");
}

INSTANTIATE_TEST_SUITE_P(OnEveryDevice, Reference, ::testing::Values(Device::Host, Device::Cuda),
                         [](const ::testing::TestParamInfo<Device>& info) {
                           return std::string(info.param == Device::Cuda ? "cuda" : "cpu");
                         });
