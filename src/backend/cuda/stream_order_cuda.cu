#include "backend/cuda/check.h"
#include "backend/cuda/context.h"
#include "backend/cuda/stream_order_cuda.h"

namespace emoaug::ops::cuda {
namespace {

__device__ unsigned long long global_ns() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// The global timer rather than clock64(): it counts nanoseconds whatever the SM clock does, and
// CUDA 13 no longer states the SM clock in cudaDeviceProp.
__global__ void spin_kernel(unsigned long long ns) {
  const unsigned long long start = global_ns();
  while (global_ns() - start < ns) __nanosleep(1000);
}

}  // namespace

void* create_event() {
  cudaEvent_t event = nullptr;
  EMOAUG_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return event;
}

void destroy_event(void* event) noexcept {
  // Pending records finish first: the runtime releases the event once they complete.
  cudaEventDestroy(static_cast<cudaEvent_t>(event));
}

void record_event(void* event) {
  EMOAUG_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(event), Context::get().stream()));
}

void wait_event(void* event) {
  EMOAUG_CUDA_CHECK(
      cudaStreamWaitEvent(Context::get().stream(), static_cast<cudaEvent_t>(event), 0));
}

void spin(double milliseconds) {
  spin_kernel<<<1, 1, 0, Context::get().stream()>>>(
      static_cast<unsigned long long>(milliseconds * 1e6));
  EMOAUG_LAUNCH_CHECK("spin_kernel");
}

}  // namespace emoaug::ops::cuda
