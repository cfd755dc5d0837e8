// The CUDA backend's per-thread state. A task runs on one thread, so a thread-local context gives
// each task its own stream and cuBLAS handle (cuBLAS handles must not be shared by concurrent host
// threads) without any locking in the ops.
//
// The stream is a *blocking* stream: it synchronises with the legacy default stream, which is
// where core's synchronous copies (Tensor::to, IndexBuffer::assign, StateDict) and cudaMemset of
// new tensors run. That keeps those copies ordered with the ops without core knowing about
// streams; the training step itself allocates and copies nothing after its first iteration.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace emoaug::ops::cuda {

// What a returning loss copies back in one transfer.
struct LossScalars {
  // Set by a byte-wise memset before a label check; stays when every label was valid.
  static constexpr int32_t kNoBadRow = 0x7f7f7f7f;
  float loss;
  int32_t bad_row;
};

class Context {
 public:
  // This thread's context, created on first use on the thread's current device (cudaSetDevice
  // before the first op to pick another GPU).
  static Context& get();
  // Whether this thread has made one (so that synchronize() need not create it).
  static bool exists();

  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  cudaStream_t stream() const { return stream_; }
  // The handle, switched to TF32 tensor-core math or full FP32 as the caller's math mode says.
  cublasHandle_t cublas(bool tf32);
  // Scratch of kernels::kMaxReduceBlocks doubles for the first pass of a loss reduction.
  double* partials() const { return partials_; }
  LossScalars* device_scalars() const { return device_scalars_; }
  LossScalars* host_scalars() const { return host_scalars_; }  // pinned

 private:
  Context();
  void create();
  void release();

  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  bool tf32_ = false;
  void* workspace_ = nullptr;
  double* partials_ = nullptr;
  LossScalars* device_scalars_ = nullptr;
  LossScalars* host_scalars_ = nullptr;
};

}  // namespace emoaug::ops::cuda
