// A GAN group's streams on one GPU (backend/stream_order.h): C's update runs on the calling
// thread's stream and the emotions on their workers' streams. Slow work queued on the caller's
// stream before each update, and on one emotion's stream after each of its pieces, gives the
// bytes of the run without it only if every hand-off is ordered on the device: a worker that does
// not wait reads C mid-update, or its backward gemm (beta = 0) overwrites its C gradient while the
// sum still reads it; a caller that does not wait sums a gradient not yet written.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "backend/execution.h"
#include "backend/ops.h"
#include "backend/stream_order.h"
#include "core/state_dict.h"
#include "cuda_test_helpers.h"
#include "gan/emotion_transfer.h"
#include "gan_problem.h"

using namespace emoaug;
using Seam = gan::EmotionTransferGroup::Seam;

namespace {

// The paper's group shape in small: 4 emotions, λcls > 0, all on this GPU. Delays in ms.
StateDict train_on_gpu(const emoaug::testing::GanProblem& data, double before_update,
                       double after_emotion_1) {
  const int dims = static_cast<int>(data.source.cols()), emotions = 4;
  ops::ExecutionContext exec(Device::Cuda, 1);
  gan::LocalGradientSum sum;
  gan::EmotionTransferGroup group(exec, emoaug::testing::small_gan_options(), dims, emotions, 2.0f,
                                  13, 6, emoaug::testing::all_emotions(emotions), &sum);
  group.to(Device::Cuda);
  group.set_seam_hook([&](Seam seam, int emotion) {
    if (seam == Seam::BeforeClassifierUpdate)
      ops::delay_stream(Device::Cuda, before_update);
    else if (emotion == 1)
      ops::delay_stream(Device::Cuda, after_emotion_1);
  });
  group.pretrain_epoch(0, data.data);
  group.start_adversarial();
  for (int e = 0; e < 2; ++e) group.train_epoch(e, data.data);
  StateDict state;
  group.save(state);
  return state;
}

}  // namespace

TEST(CudaStreams, SlowCallerStreamChangesNoByteOfCOrTheGenerators) {
  EMOAUG_REQUIRE_CUDA();
  const emoaug::testing::GanProblem host(48, 4, 256, 23);
  const emoaug::testing::GanProblem device(host, Device::Cuda);
  const StateDict plain = train_on_gpu(device, 0.0, 0.0);
  const StateDict slowed = train_on_gpu(device, 50.0, 20.0);
  int classifier = 0, generators = 0;
  ASSERT_EQ(plain.floats.size(), slowed.floats.size());
  for (const auto& [name, values] : plain.floats) {
    const std::vector<float>& other = slowed.floats.at(name);
    ASSERT_EQ(values.size(), other.size()) << name;
    EXPECT_EQ(0, std::memcmp(values.data(), other.data(), values.size() * sizeof(float))) << name;
    classifier += name.rfind("classifier/", 0) == 0;
    generators += name.find("/G/") != std::string::npos;
  }
  EXPECT_GT(classifier, 0) << "C is compared";
  EXPECT_GE(generators, 4) << "every generator is compared";
  EXPECT_EQ(plain.ints, slowed.ints);
}
