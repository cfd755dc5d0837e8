// The host side of the streams' ordering (backend/stream_order.h) and of bench_cuda_step's labels:
// marks do nothing on the host, a GAN group with its seam hook keeps the bytes of one without, and
// the bench says what it does not know. test_cuda_streams.cpp checks the orderings on a GPU.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backend/execution.h"
#include "backend/ops.h"
#include "backend/stream_order.h"
#include "bench/gpu_clocks.h"
#include "core/error.h"
#include "core/state_dict.h"
#include "gan/emotion_transfer.h"
#include "gan_problem.h"

using namespace emoaug;
using Seam = gan::EmotionTransferGroup::Seam;

TEST(StreamMark, DoesNothingOnTheHost) {
  ops::StreamMark mark;
  EXPECT_EQ(mark.device(), Device::Host);
  mark.record();
  ops::wait_for(mark);
  EXPECT_EQ(mark.native(), nullptr) << "no event behind a host mark";
  ops::StreamMark moved(std::move(mark));
  moved.record();
  ops::wait_for(moved);
  const auto start = std::chrono::steady_clock::now();
  ops::delay_stream(Device::Host, 200.0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100))
      << "a host delay returns at once";
}

// A CUDA mark that was never recorded has nothing to wait for; recording one where no GPU can run
// it is an error, never a silent no-op that would leave the streams unordered.
TEST(StreamMark, ACudaMarkWithoutAGpuFailsToRecord) {
  ops::StreamMark mark(Device::Cuda);
  ops::wait_for(mark);
  EXPECT_EQ(mark.native(), nullptr);
  if (ops::cuda_available()) GTEST_SKIP() << "a GPU is here: test_cuda_streams.cpp covers it";
  EXPECT_THROW(mark.record(), Error);
  EXPECT_THROW(ops::delay_stream(Device::Cuda, 1.0), Error);
}

namespace {

// Pretraining and adversarial epochs of a 4-emotion group with C, its state afterwards. `hook`,
// when set, goes in as the seam hook.
StateDict train_group(int threads, std::function<void(Seam, int)> hook) {
  const int dims = 24, emotions = 4;
  emoaug::testing::GanProblem p(dims, emotions, 96, 17);
  ops::ExecutionContext exec(Device::Host, threads);
  gan::LocalGradientSum sum;
  gan::EmotionTransferGroup group(exec, emoaug::testing::small_gan_options(), dims, emotions, 2.0f,
                                  5, 3, emoaug::testing::all_emotions(emotions), &sum);
  if (hook) group.set_seam_hook(std::move(hook));
  group.pretrain_epoch(0, p.data);
  group.start_adversarial();
  for (int e = 0; e < 2; ++e) group.train_epoch(e, p.data);
  StateDict state;
  group.save(state);
  return state;
}

void expect_same_bytes(const StateDict& want, const StateDict& got, const std::string& what) {
  ASSERT_EQ(want.floats.size(), got.floats.size()) << what;
  for (const auto& [name, values] : want.floats) {
    const std::vector<float>& other = got.floats.at(name);
    ASSERT_EQ(values.size(), other.size()) << name;
    EXPECT_EQ(0, std::memcmp(values.data(), other.data(), values.size() * sizeof(float)))
        << name << " " << what;
  }
  EXPECT_EQ(want.ints, got.ints) << what;
}

}  // namespace

// The hook runs where the docs say, as often as they say, and a hook that makes one emotion's
// worker late (and queues host "delays", which do nothing) changes no byte on any thread count.
TEST(EmotionTransferSeams, HookedGroupKeepsTheBytesOnTheHost) {
  const StateDict plain = train_group(1, nullptr);
  for (int threads : {1, 3}) {
    std::mutex mutex;
    std::map<std::pair<Seam, int>, int> calls;
    std::atomic<bool> update_on_caller{true};
    const std::thread::id caller = std::this_thread::get_id();
    const StateDict hooked = train_group(threads, [&](Seam seam, int emotion) {
      if (seam == Seam::BeforeClassifierUpdate) {
        update_on_caller = update_on_caller && std::this_thread::get_id() == caller;
        ops::delay_stream(Device::Host, 50.0);
      } else if (emotion == 1) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      const std::lock_guard<std::mutex> lock(mutex);
      ++calls[{seam, emotion}];
    });
    const std::string at = "on " + std::to_string(threads) + " thread(s)";
    expect_same_bytes(plain, hooked, at);
    // 96 rows in batches of 32: 3 iterations per epoch, 2 generator steps each, 2 epochs.
    EXPECT_EQ((calls[{Seam::BeforeClassifierUpdate, -1}]), 3 * 2 * 2) << at;
    // One pretraining piece, then per iteration a discriminator-and-generator piece and a second
    // generator piece.
    for (int e = 0; e < 4; ++e) EXPECT_EQ((calls[{Seam::EmotionWorkDone, e}]), 1 + 3 * 2 * 2) << at;
    EXPECT_TRUE(update_on_caller) << "C's update runs on the calling thread " << at;
  }
}

TEST(BenchLabels, MathModeAndUnknownClocks) {
  EXPECT_STREQ(bench::math_label(false, nullptr), "fp32");
  EXPECT_STREQ(bench::math_label(true, nullptr), "tf32");
  EXPECT_STREQ(bench::math_label(true, "1"), "tf32");
  EXPECT_STREQ(bench::math_label(true, "0"), "fp32") << "NVIDIA_TF32_OVERRIDE=0 disables TF32";
  EXPECT_EQ(bench::clock_text({}), "unknown");
  EXPECT_EQ(bench::clock_text({1980, "nvml"}), "1980 nvml");
  // No GPU answers at this bus id, whether or not NVML is installed: the clocks stay unknown and
  // the note says why.
  bench::GpuClocks clocks;
  const std::string note = bench::nvml::read("0000:FF:1F.7", clocks);
  EXPECT_FALSE(note.empty());
  EXPECT_EQ(clocks.sm_current.mhz, -1);
  EXPECT_EQ(clocks.memory_max.mhz, -1);
}
