#include "backend/cuda/context.h"

#include <memory>

#include "backend/cuda/check.h"
#include "kernels/launch.h"

namespace emoaug::ops::cuda {
namespace {

thread_local std::unique_ptr<Context> t_context;

// cuBLAS's recommended workspace for Hopper; a per-handle workspace also keeps its results
// reproducible when several streams run gemms (cuBLAS docs, "Results reproducibility").
constexpr size_t kCublasWorkspaceBytes = size_t{32} << 20;

}  // namespace

Context& Context::get() {
  if (!t_context) t_context.reset(new Context());
  return *t_context;
}

bool Context::exists() {
  return t_context != nullptr;
}

Context::Context() {
  try {
    create();
  } catch (...) {
    release();
    throw;
  }
}

void Context::create() {
  EMOAUG_CUDA_CHECK(cudaGetDevice(&device_));
  EMOAUG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamDefault));
  const CublasApi& blas = cublas_api();
  EMOAUG_CUBLAS_CHECK(blas.create(&cublas_));
  EMOAUG_CUBLAS_CHECK(blas.set_stream(cublas_, stream_));
  EMOAUG_CUDA_CHECK(cudaMalloc(&workspace_, kCublasWorkspaceBytes));
  EMOAUG_CUBLAS_CHECK(blas.set_workspace(cublas_, workspace_, kCublasWorkspaceBytes));
  EMOAUG_CUBLAS_CHECK(blas.set_math_mode(cublas_, CUBLAS_DEFAULT_MATH));
  EMOAUG_CUDA_CHECK(cudaMalloc(&partials_, kernels::kMaxReduceBlocks * sizeof(double)));
  EMOAUG_CUDA_CHECK(cudaMalloc(&device_scalars_, sizeof(LossScalars)));
  EMOAUG_CUDA_CHECK(cudaMallocHost(&host_scalars_, sizeof(LossScalars)));
}

Context::~Context() {
  release();
}

// Errors are ignored here: at thread exit the runtime may already be shutting down.
void Context::release() {
  if (stream_) cudaStreamSynchronize(stream_);
  if (cublas_) cublas_api().destroy(cublas_);
  cudaFree(workspace_);
  cudaFree(partials_);
  cudaFree(device_scalars_);
  cudaFreeHost(host_scalars_);
  if (stream_) cudaStreamDestroy(stream_);
}

cublasHandle_t Context::cublas(bool want) {
  if (want != tf32_) {
    // Off is CUBLAS_DEFAULT_MATH: full FP32 (TF32 only if NVIDIA_TF32_OVERRIDE=1 forces it).
    EMOAUG_CUBLAS_CHECK(cublas_api().set_math_mode(
        cublas_, want ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    tf32_ = want;
  }
  return cublas_;
}

}  // namespace emoaug::ops::cuda
