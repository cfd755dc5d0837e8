// The emotion-transfer group on small synthetic problems: it moves the source toward each target,
// C separates the generated emotions, the full generator loss has the gradient it claims, and a
// resumed run continues bit-identically.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "backend/execution.h"
#include "backend/ops.h"
#include "core/error.h"
#include "gan/emotion_transfer.h"
#include "gan/statistics.h"
#include "gan_problem.h"
#include "numeric_helpers.h"

using namespace emoaug;
using gan::CycleGanOptions;
using gan::EmotionTransferGroup;
using gan::mean_abs_mean_difference;
using gan::TransferData;

namespace {

using emoaug::testing::all_emotions;
using Problem = emoaug::testing::GanProblem;
ops::ExecutionContext one_thread;  // host, one thread, the CPU's best gemm kernels

CycleGanOptions small_options() {
  return emoaug::testing::small_gan_options();
}

}  // namespace

TEST(EmotionTransfer, MovesTheSourceTowardEachTarget) {
  const int dims = 16, emotions = 3;
  Problem p(dims, emotions, 256, 1);
  gan::LocalGradientSum sum;
  EmotionTransferGroup group(one_thread, small_options(), dims, emotions, 0.0f, 7, 1,
                             all_emotions(emotions), &sum);
  for (int epoch = 0; epoch < 30; ++epoch) group.pretrain_epoch(epoch, p.data);
  group.start_adversarial();
  for (int epoch = 0; epoch < 60; ++epoch) group.train_epoch(epoch, p.data);
  Tensor synthetic(256, dims);
  for (int e = 0; e < emotions; ++e) {
    group.generate(e, p.source.view(), synthetic.view());
    const double before = mean_abs_mean_difference(p.targets[e].view(), p.source.view());
    const double after = mean_abs_mean_difference(p.targets[e].view(), synthetic.view());
    EXPECT_LT(after, 0.35 * before)
        << "emotion " << e << ": |T-S| " << before << ", |T-G(S)| " << after;
  }
}

TEST(EmotionTransfer, ClassifierLossSeparatesTheGeneratedEmotions) {
  const int dims = 16, emotions = 3;
  Problem p(dims, emotions, 256, 2);
  gan::LocalGradientSum sum;
  EmotionTransferGroup group(one_thread, small_options(), dims, emotions, 2.0f, 7, 2,
                             all_emotions(emotions), &sum);
  ASSERT_TRUE(group.has_classifier());
  for (int epoch = 0; epoch < 5; ++epoch) group.pretrain_epoch(epoch, p.data);
  group.start_adversarial();
  gan::EpochReport first = group.train_epoch(0, p.data), last;
  for (int epoch = 1; epoch < 40; ++epoch) last = group.train_epoch(epoch, p.data);
  EXPECT_GT(last.mean.accuracy, 0.9) << "C's accuracy on generated data";
  EXPECT_LT(last.mean.classification, first.mean.classification);
  // The generated classes separate: each emotion's synthetic mean is closest to its own target.
  Tensor synthetic(256, dims);
  for (int e = 0; e < emotions; ++e) {
    group.generate(e, p.source.view(), synthetic.view());
    double own = mean_abs_mean_difference(p.targets[e].view(), synthetic.view());
    for (int o = 0; o < emotions; ++o) {
      if (o == e) continue;
      EXPECT_LT(own, mean_abs_mean_difference(p.targets[o].view(), synthetic.view()));
    }
  }
}

TEST(EmotionTransfer, LambdaClsZeroLeavesTheClassifierOut) {
  gan::LocalGradientSum sum;
  EmotionTransferGroup group(one_thread, small_options(), 8, 2, 0.0f, 1, 1, {0, 1}, &sum);
  EXPECT_FALSE(group.has_classifier());
}

// The generator step with lr = 0 leaves the parameters unchanged (Adam moves by lr * ...), so its
// gradients can be compared with central differences of the loss it reports.
TEST(EmotionTransfer, FullGeneratorLossGradientThroughClassifier) {
  const int dims = 5, emotions = 2;
  CycleGanOptions o = small_options();
  o.generator_hidden = {7, 6, 7};
  o.discriminator_hidden = {6, 6};
  o.classifier_hidden = {6, 5};
  o.generator_dropout = o.discriminator_dropout = o.classifier_dropout = 0.0f;
  o.batch_size = 4;
  const float lambda_cls = 2.0f, cls_weight = lambda_cls / emotions;
  Problem p(dims, emotions, 4, 3);
  gan::LocalGradientSum sum;
  EmotionTransferGroup group(one_thread, o, dims, emotions, lambda_cls, 5, 5, {0, 1}, &sum);
  gan::CycleGan& cg = group.cyclegan(1);
  nn::Mlp* c = const_cast<nn::Mlp*>(group.classifier());
  Rng dropout(0, 0, StreamId::Dropout);
  auto loss = [&]() {
    cg.generator_step(p.source.view(), p.targets[1].view(), 0.0f, dropout, c, cls_weight);
    gan::EmotionLosses l;
    cg.losses().read_into(l);
    return l.adversarial + o.lambda_cyc * l.cycle + cls_weight * l.classification;
  };
  loss();
  std::vector<float> g_grad(cg.G().grads().data, cg.G().grads().data + cg.G().num_params());
  std::vector<float> f_grad(cg.F().grads().data, cg.F().grads().data + cg.F().num_params());
  std::vector<float> c_grad(cg.classifier_grad().data(),
                            cg.classifier_grad().data() + c->num_params());
  auto check = [&](float* params, const std::vector<float>& grad, const char* what) {
    double worst = 0;
    for (size_t i = 0; i < grad.size(); i += 3) {
      const float saved = params[i];
      const double eps = 1e-3;
      params[i] = saved + static_cast<float>(eps);
      const double up = loss();
      params[i] = saved - static_cast<float>(eps);
      const double down = loss();
      params[i] = saved;
      const double numeric = (up - down) / (2 * eps);
      const double err = std::fabs(numeric - grad[i]) / std::max(1e-2, std::fabs(numeric));
      worst = std::max(worst, err);
      EXPECT_LT(err, 3e-2) << what << "[" << i << "] analytic " << grad[i] << " numeric "
                           << numeric;
    }
  };
  check(cg.G().params().data, g_grad, "G");
  check(cg.F().params().data, f_grad, "F");
  check(c->params().data, c_grad, "C");
}

TEST(EmotionTransfer, ResumeFromStateContinuesBitIdentically) {
  const int dims = 12, emotions = 3;
  Problem p(dims, emotions, 96, 4);
  CycleGanOptions o = small_options();
  o.lr_decay_every = 2;  // the schedule must resume too
  auto make = [&](gan::LocalGradientSum& sum) {
    return std::make_unique<EmotionTransferGroup>(one_thread, o, dims, emotions, 1.5f, 9, 3,
                                                  all_emotions(emotions), &sum);
  };
  gan::LocalGradientSum s1, s2, s3;
  auto straight = make(s1);
  for (int e = 0; e < 2; ++e) straight->pretrain_epoch(e, p.data);
  straight->start_adversarial();
  for (int e = 0; e < 6; ++e) straight->train_epoch(e, p.data);

  auto first_half = make(s2);
  for (int e = 0; e < 2; ++e) first_half->pretrain_epoch(e, p.data);
  first_half->start_adversarial();
  for (int e = 0; e < 3; ++e) first_half->train_epoch(e, p.data);
  StateDict state;
  first_half->save(state);
  first_half.reset();

  auto resumed = make(s3);
  resumed->load(state);
  for (int e = 3; e < 6; ++e) resumed->train_epoch(e, p.data);

  StateDict a, b;
  straight->save(a);
  resumed->save(b);
  ASSERT_EQ(a.floats.size(), b.floats.size());
  for (const auto& [name, values] : a.floats) {
    const std::vector<float>& other = b.floats.at(name);
    ASSERT_EQ(values.size(), other.size()) << name;
    EXPECT_EQ(0, std::memcmp(values.data(), other.data(), values.size() * sizeof(float))) << name;
  }
  EXPECT_EQ(a.ints, b.ints);
}

TEST(TransferStatistics, MeanDifferenceAndColumnMoments) {
  Tensor a(2, 3), b(1, 3);
  // Column means of a: 1, 2, 3; of b: 1.5, 2, 2.
  const float av[] = {0, 1, 2, 2, 3, 4}, bv[] = {1.5f, 2, 2};
  std::copy(av, av + 6, a.data());
  std::copy(bv, bv + 3, b.data());
  EXPECT_DOUBLE_EQ(mean_abs_mean_difference(a.view(), b.view()), (0.5 + 0 + 1) / 3);
  std::vector<double> mean, std;
  gan::column_mean_std(a.view(), {0, 2}, mean, std);
  EXPECT_EQ(mean, (std::vector<double>{1, 3}));
  EXPECT_EQ(std, (std::vector<double>{1, 1}));
}

// The local emotions train side by side on the context's threads with single-threaded BLAS: the
// bytes are those of one thread, for pretraining and adversarial epochs alike, and every worker
// computes under the group's context (its gemms are counted there).
TEST(EmotionTransfer, SameBytesOnAnyNumberOfThreads) {
  const int dims = 40, emotions = 3;
  Problem p(dims, emotions, 96, 5);
  CycleGanOptions o = small_options();
  o.generator_hidden = {96, 48, 96};
  uint64_t flops_one_thread = 0;
  auto run = [&](int threads) {
    ops::ExecutionContext exec(Device::Host, threads);
    gan::LocalGradientSum sum;
    EmotionTransferGroup group(exec, o, dims, emotions, 2.0f, 11, 2, all_emotions(emotions), &sum);
    for (int e = 0; e < 2; ++e) group.pretrain_epoch(e, p.data);
    group.start_adversarial();
    for (int e = 0; e < 3; ++e) group.train_epoch(e, p.data);
    if (threads == 1) flops_one_thread = exec.gemm_flops();
    EXPECT_GT(exec.gemm_flops(), 0u);
    EXPECT_EQ(exec.gemm_flops(), flops_one_thread) << "gemms counted on " << threads << " threads";
    StateDict state;
    group.save(state);
    return state;
  };
  const StateDict one = run(1);
  for (int threads : {2, 3}) {
    const StateDict many = run(threads);
    ASSERT_EQ(one.floats.size(), many.floats.size());
    for (const auto& [name, values] : one.floats) {
      const std::vector<float>& other = many.floats.at(name);
      ASSERT_EQ(values.size(), other.size()) << name;
      EXPECT_EQ(0, std::memcmp(values.data(), other.data(), values.size() * sizeof(float)))
          << name << " on " << threads << " threads";
    }
  }
}

// Emotions side by side on several threads each calling multi-threaded OpenBLAS would change the
// bytes with the thread count: such a context is refused.
TEST(EmotionTransfer, RefusesSideBySideEmotionsOnThreadedBlas) {
  ops::MathMode threaded_blas;
  threaded_blas.blas_threads = 2;
  ops::ExecutionContext exec(Device::Host, 2, threaded_blas);
  gan::LocalGradientSum sum;
  EXPECT_THROW(EmotionTransferGroup(exec, small_options(), 8, 2, 1.0f, 1, 1, {0, 1}, &sum),
               emoaug::Error);
}

// The log keeps its rows as it grows past its first size, folds every kind of step as the steps
// once did on the host, and is empty after a read.
TEST(StepLossLog, GrowsKeepingRowsAndFoldsEachKindOfStep) {
  using Step = gan::StepLossLog::Step;
  gan::StepLossLog log;
  gan::EmotionLosses want;
  const int steps = 150;  // past two doublings
  for (int i = 0; i < steps; ++i) {
    const float a = 0.5f + 0.01f * static_cast<float>(i), b = 0.25f * a, c = 0.125f + a;
    if (i % 3 == 0) {
      float* row = log.next(Step::Pretrain, 8, Device::Host);
      row[0] = a;
      row[1] = b;
      want.pretrain += static_cast<double>(a + b);
    } else if (i % 3 == 1) {
      float* row = log.next(Step::Discriminator, 8, Device::Host);
      row[0] = a, row[1] = b, row[2] = c, row[3] = a;
      want.discriminator += 0.25 * ((double(a) + b) + (double(c) + a));
    } else {
      const bool with_c = i % 2 == 0;
      float* row =
          log.next(with_c ? Step::GeneratorWithClassifier : Step::Generator, 8, Device::Host);
      row[0] = a, row[1] = b, row[2] = c, row[3] = b, row[4] = c, row[5] = 6.0f;
      want.adversarial += double(a) + b;
      want.cycle += double(c) + b;
      if (with_c) {
        want.classification += c;
        want.accuracy += 6.0 / 8.0;
      }
    }
  }
  EXPECT_EQ(log.size(), steps);
  gan::EmotionLosses got;
  log.read_into(got);
  EXPECT_EQ(log.size(), 0);
  EXPECT_EQ(got.values(), want.values());
  EXPECT_EQ(got.iterations, 0) << "the caller counts iterations";
  log.read_into(got);
  EXPECT_EQ(got.values(), want.values()) << "a second read adds nothing";
}
