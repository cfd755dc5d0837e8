// Turns CUDA and cuBLAS status codes into emoaug::Error naming file:line, the call as written and
// the library's error (llm.c's cudaCheck); the one family of CUDA checks, dist's included.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "backend/cuda/libraries.h"
#include "core/error.h"

namespace emoaug::ops::cuda {

inline void check_cuda(cudaError_t err, const char* call, const char* file, int line) {
  if (err != cudaSuccess)
    EMOAUG_FAIL(file, ":", line, ": ", call, " failed: ", cudaGetErrorName(err), " (",
                cudaGetErrorString(err), ")");
}

inline void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS)
    EMOAUG_FAIL(file, ":", line, ": ", call, " failed: ", cublas_api().status_name(status), " (",
                cublas_api().status_string(status), ")");
}

}  // namespace emoaug::ops::cuda

#define EMOAUG_CUDA_CHECK(call) ::emoaug::ops::cuda::check_cuda((call), #call, __FILE__, __LINE__)
#define EMOAUG_CUBLAS_CHECK(call) \
  ::emoaug::ops::cuda::check_cublas((call), #call, __FILE__, __LINE__)
// After a kernel launch: configuration errors surface here, faults at the next synchronisation.
#define EMOAUG_LAUNCH_CHECK(name) \
  ::emoaug::ops::cuda::check_cuda(cudaGetLastError(), name, __FILE__, __LINE__)
