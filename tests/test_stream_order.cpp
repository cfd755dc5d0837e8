// The host side of the streams' ordering (backend/stream_order.h): marks do nothing on the host.
#include <gtest/gtest.h>

#include <chrono>
#include <utility>

#include "backend/ops.h"
#include "backend/stream_order.h"
#include "core/error.h"

using namespace emoaug;

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
