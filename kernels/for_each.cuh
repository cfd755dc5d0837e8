// The one elementwise kernel shape: a grid-stride loop calling a functor per index. Functors are
// small structs over kernels/functors.h, so the arithmetic is the CPU backend's.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/check.h"

namespace emoaug::kernels {

constexpr int kThreads = 256;
// Enough blocks to fill an H100 several times over; larger n loops inside the kernel.
constexpr int64_t kMaxBlocks = 4096;

template <class F>
__global__ void for_each_kernel(int64_t n, F f) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    f(i);
}

template <class F>
void for_each(cudaStream_t s, int64_t n, const F& f, const char* name) {
  if (n <= 0) return;
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  for_each_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, s>>>(n, f);
  EMOAUG_LAUNCH_CHECK(name);
}

}  // namespace emoaug::kernels
