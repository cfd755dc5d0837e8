// Models on the GPU against the same models on the CPU: an Mlp training step, a short
// emotion-transfer run and an SER classifier (the PyTorch fixture on the device is
// test_reference.cpp's cuda instance). Without CUDA or a GPU every test reports itself skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/execution.h"
#include "backend/ops.h"
#include "core/error.h"
#include "core/state_dict.h"
#include "cuda_test_helpers.h"
#include "gan/emotion_transfer.h"
#include "gan_problem.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "numeric_helpers.h"
#include "ser/mlp_classifier.h"
#include "ser/registry.h"

using namespace emoaug;
using emoaug::testing::host_copy;
using emoaug::testing::nmse;
using emoaug::testing::on_cuda;
using emoaug::testing::random_matrix;

namespace {

// One training step of an Mlp with dropout (forward, MSE, backward with input gradient, Adam).
struct MlpStep {
  MlpStep(Device device, uint64_t seed)
      : init(seed, 1, StreamId::Init),
        dropout(seed, 1, StreamId::Dropout),
        mlp({{40, 64, 32, 64, 40}, 0.2f, 0.2f}, init),
        adam(mlp.num_params(), ops::AdamHyper{}),
        x(random_matrix(32, 40, seed + 1).to(device)),
        target(random_matrix(32, 40, seed + 2).to(device)),
        dout(32, 40, device),
        dx(32, 40, device) {
    mlp.to(device);
    adam.to(device);
  }
  float step() {
    mlp.zero_grad();
    ConstMatView y = mlp.forward(x.view(), acts, true, &dropout);
    const float loss = ops::mse(y, target.view(), dout.view());
    mlp.backward(acts, dout.view(), dx.view());
    adam.step(mlp.params(), mlp.grads(), 1e-3f);
    return loss;
  }
  Rng init, dropout;
  nn::Mlp mlp;
  nn::Adam adam;
  Tensor x, target, dout, dx;
  nn::MlpActivations acts;
};

}  // namespace

TEST(CudaMlp, TrainingStepsMatchTheCpuAndAllocateNothingAfterTheFirst) {
  EMOAUG_REQUIRE_CUDA();
  MlpStep cpu(Device::Host, 3), gpu(Device::Cuda, 3);
  EXPECT_EQ(gpu.mlp.device(), Device::Cuda);
  const float l0 = cpu.step(), g0 = gpu.step();
  EXPECT_NEAR(g0, l0, 1e-6 * std::max(1.0f, std::fabs(l0)));
  EXPECT_EQ(gpu.acts.output().device, Device::Cuda) << "activations follow the model";
  EXPECT_LE(nmse(host_copy(gpu.dx.view()).view(), cpu.dx.view()), 1e-6) << "input gradient";
  EXPECT_LE(nmse(host_copy(gpu.mlp.grads()).view(), cpu.mlp.grads()), 1e-6) << "gradients";
  const int64_t allocations = Tensor::allocation_count();
  for (int s = 1; s < 10; ++s) {
    const float lc = cpu.step(), lg = gpu.step();
    EXPECT_NEAR(lg, lc, 1e-5 * std::max(1.0f, std::fabs(lc))) << "step " << s;
  }
  EXPECT_EQ(Tensor::allocation_count(), allocations);
  // Looser after ten Adam steps: Adam normalises each gradient, so a near-zero one whose sign
  // rounding decides moves its parameter by a full lr either way.
  EXPECT_LE(nmse(host_copy(gpu.mlp.params()).view(), cpu.mlp.params()), 1e-5) << "parameters";
  EXPECT_EQ(gpu.dropout.state().block, cpu.dropout.state().block);
}

// Run to run on one GPU the bytes repeat: no float atomics, grids fixed by the problem size, and
// cuBLAS is reproducible on one architecture with a workspace of its own per handle.
TEST(CudaMlp, SameSeedSameBytesOnTheDevice) {
  EMOAUG_REQUIRE_CUDA();
  MlpStep a(Device::Cuda, 8), b(Device::Cuda, 8);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(a.step(), b.step()) << "loss of step " << s;
  Tensor pa = host_copy(a.mlp.params()), pb = host_copy(b.mlp.params());
  EXPECT_EQ(0, std::memcmp(pa.data(), pb.data(), sizeof(float) * pa.size()));
}

// ---- training runs, CPU vs CUDA --------------------------------------------------------------

namespace {

void expect_rel(double got, double want, double tol, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), tol * std::max(1.0, std::fabs(want)))
      << what << ": cuda " << got << ", cpu " << want;
}

}  // namespace

// Losses left on the device by the _into forms, logged past the log's first size, read as the
// host's log reads the same losses computed on the CPU.
TEST(CudaGan, StepLossLogOnTheDeviceReadsAsOnTheHost) {
  EMOAUG_REQUIRE_CUDA();
  using Step = gan::StepLossLog::Step;
  Tensor pred = random_matrix(16, 5, 3), target = random_matrix(16, 5, 4);
  Tensor dpred = on_cuda(pred), dtarget = on_cuda(target);
  gan::StepLossLog host, device;
  for (int i = 0; i < 100; ++i) {
    const float scale = 1.0f + 0.1f * static_cast<float>(i);
    float* h = host.next(Step::Pretrain, 16, Device::Host);
    float* d = device.next(Step::Pretrain, 16, Device::Cuda);
    for (int term = 0; term < 2; ++term) {
      ops::mse_into(pred.view(), target.view(), MatView{}, scale, h + term);
      ops::mse_into(dpred.view(), dtarget.view(), MatView{}, scale, d + term);
    }
  }
  gan::EmotionLosses want, got;
  host.read_into(want);
  device.read_into(got);
  expect_rel(got.pretrain, want.pretrain, 1e-6, "pretraining sum from the device");
  EXPECT_EQ(device.size(), 0);
}

// A few epochs of the whole method (pretraining, then discriminator and generator steps with the
// shared classifier, dropout everywhere) on both backends from the same seeds. Masks and shuffles
// are the same bytes, so the runs differ only by float rounding (gemm order, transcendentals).
TEST(CudaGan, EmotionTransferGroupMatchesTheCpu) {
  EMOAUG_REQUIRE_CUDA();
  const int dims = 16, emotions = 3;
  const gan::CycleGanOptions o = emoaug::testing::small_gan_options();
  emoaug::testing::GanProblem p(dims, emotions, 128, 11);
  emoaug::testing::GanProblem pd(p, Device::Cuda);
  gan::LocalGradientSum s1, s2;
  const std::vector<int> all = emoaug::testing::all_emotions(emotions);
  ops::ExecutionContext on_host(Device::Host, 1), on_gpu(Device::Cuda, 1);
  gan::EmotionTransferGroup cpu(on_host, o, dims, emotions, 1.5f, 9, 3, all, &s1);
  gan::EmotionTransferGroup gpu(on_gpu, o, dims, emotions, 1.5f, 9, 3, all, &s2);
  gpu.to(Device::Cuda);
  EXPECT_THROW(gpu.train_epoch(0, p.data), Error) << "host data for a device group";
  for (int epoch = 0; epoch < 2; ++epoch) {
    gan::EpochReport a = cpu.pretrain_epoch(epoch, p.data), b = gpu.pretrain_epoch(epoch, pd.data);
    expect_rel(b.mean.pretrain, a.mean.pretrain, 1e-4, "pretraining loss");
  }
  cpu.start_adversarial();
  gpu.start_adversarial();
  for (int epoch = 0; epoch < 3; ++epoch) {
    gan::EpochReport a = cpu.train_epoch(epoch, p.data), b = gpu.train_epoch(epoch, pd.data);
    const std::string at = " at epoch " + std::to_string(epoch);
    expect_rel(b.mean.discriminator, a.mean.discriminator, 1e-3, "discriminator loss" + at);
    expect_rel(b.mean.adversarial, a.mean.adversarial, 1e-3, "adversarial loss" + at);
    expect_rel(b.mean.cycle, a.mean.cycle, 1e-3, "cycle loss" + at);
    expect_rel(b.mean.classification, a.mean.classification, 1e-3, "classification loss" + at);
    EXPECT_NEAR(b.mean.accuracy, a.mean.accuracy, 0.05) << "accuracy" << at;
  }
  StateDict sa, sb;
  cpu.save(sa);
  gpu.save(sb);
  EXPECT_EQ(sa.ints, sb.ints) << "random-stream positions and Adam step counts";
  ASSERT_EQ(sa.floats.size(), sb.floats.size());
  for (const auto& [name, values] : sa.floats) {
    const std::vector<float>& other = sb.floats.at(name);
    ASSERT_EQ(values.size(), other.size()) << name;
    ConstMatView want{values.data(), 1, static_cast<int64_t>(values.size()), Device::Host};
    ConstMatView got{other.data(), 1, static_cast<int64_t>(other.size()), Device::Host};
    EXPECT_LE(nmse(got, want), 1e-4) << name;
  }
  Tensor out(128, dims), dout(128, dims, Device::Cuda);
  cpu.generate(1, p.source.view(), out.view());
  gpu.generate(1, pd.source.view(), dout.view());
  EXPECT_LE(nmse(host_copy(dout.view()).view(), out.view()), 1e-4) << "G_1(S)";
}

TEST(CudaSer, ClassifierTrainsAndPredictsLikeTheCpu) {
  EMOAUG_REQUIRE_CUDA();
  const int dims = 20, classes = 3, rows = 192;
  Tensor x = random_matrix(rows, dims, 31);
  std::vector<int32_t> labels(rows);
  for (int r = 0; r < rows; ++r) {
    labels[r] = r % classes;
    for (int c = 0; c < dims; ++c) x(r, c) += c % classes == labels[r] ? 1.0f : 0.0f;
  }
  ser::ClassifierOptions o;
  o.hidden = {16, 16};
  o.batch_size = 32;
  o.lr = 1e-3f;
  ser::MlpClassifier cpu(dims, classes, o, 5, 6), gpu(dims, classes, o, 5, 6);
  gpu.to(Device::Cuda);
  Tensor dx = on_cuda(x);
  cpu.train(x.view(), labels, 5);
  gpu.train(dx.view(), labels, 5);
  EXPECT_LE(nmse(host_copy(gpu.model().params()).view(), cpu.model().params()), 1e-4);
  std::vector<int32_t> a = cpu.predict(x.view()), b = gpu.predict(dx.view());
  int same = 0;
  for (int r = 0; r < rows; ++r) same += a[r] == b[r];
  EXPECT_GE(same, rows - 3) << "predictions that agree";
}

// The linear classifier through the registry, as the SER stage makes it: the same ops on the GPU
// give the CPU's parameters up to float rounding.
TEST(CudaSer, LinearClassifierTrainsAndPredictsLikeTheCpu) {
  EMOAUG_REQUIRE_CUDA();
  const int dims = 20, classes = 3, rows = 192;
  Tensor x = random_matrix(rows, dims, 32);
  std::vector<int32_t> labels(rows);
  for (int r = 0; r < rows; ++r) {
    labels[r] = r % classes;
    for (int c = 0; c < dims; ++c) x(r, c) += c % classes == labels[r] ? 1.0f : 0.0f;
  }
  ser::ClassifierOptions o;
  o.classifier = "linear";
  o.of<ser::LinearClassifier>().batch_size = 32;
  o.of<ser::LinearClassifier>().epochs = 5;
  std::unique_ptr<ser::Classifier>
      cpu = ser::classifier_kind(o.classifier).make(dims, classes, o, 5, 6),
      gpu = ser::classifier_kind(o.classifier).make(dims, classes, o, 5, 6);
  gpu->to(Device::Cuda);
  Tensor dx = on_cuda(x);
  cpu->train(x.view(), labels, 5);
  gpu->train(dx.view(), labels, 5);
  EXPECT_LE(nmse(host_copy(gpu->params()).view(), cpu->params()), 1e-4);
  std::vector<int32_t> a = cpu->predict(x.view()), b = gpu->predict(dx.view());
  int same = 0;
  for (int r = 0; r < rows; ++r) same += a[r] == b[r];
  EXPECT_GE(same, rows - 3) << "predictions that agree";
}
