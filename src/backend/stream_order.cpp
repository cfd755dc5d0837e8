#include "backend/stream_order.h"

#include <utility>

#include "core/error.h"
#ifdef EMOAUG_HAVE_CUDA
#include "backend/cuda/stream_order_cuda.h"
#endif

namespace emoaug::ops {
namespace {

#ifndef EMOAUG_HAVE_CUDA
[[noreturn]] void cuda_not_built(const char* what) {
  EMOAUG_FAIL(what, " for CUDA, but CUDA is not built (configure with -DEMOAUG_CUDA=ON)");
}
#endif

}  // namespace

StreamMark::~StreamMark() {
#ifdef EMOAUG_HAVE_CUDA
  if (event_) cuda::destroy_event(event_);
#endif
}

StreamMark::StreamMark(StreamMark&& other) noexcept
    : device_(other.device_), event_(std::exchange(other.event_, nullptr)) {}

StreamMark& StreamMark::operator=(StreamMark&& other) noexcept {
  if (this != &other) {
    StreamMark gone(std::move(*this));
    device_ = other.device_;
    event_ = std::exchange(other.event_, nullptr);
  }
  return *this;
}

void StreamMark::record() {
  if (device_ == Device::Host) return;
#ifdef EMOAUG_HAVE_CUDA
  if (!event_) event_ = cuda::create_event();
  cuda::record_event(event_);
#else
  cuda_not_built("StreamMark::record");
#endif
}

void wait_for(const StreamMark& mark) {
  if (mark.device() == Device::Host || !mark.native()) return;
#ifdef EMOAUG_HAVE_CUDA
  cuda::wait_event(mark.native());
#endif
}

void delay_stream(Device device, double milliseconds) {
  if (device == Device::Host || milliseconds <= 0.0) return;
#ifdef EMOAUG_HAVE_CUDA
  cuda::spin(milliseconds);
#else
  cuda_not_built("delay_stream");
#endif
}

}  // namespace emoaug::ops
