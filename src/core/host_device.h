// Marks functions that both the CPU backend and the CUDA kernels run: the elementwise math is
// written once (kernels/functors.h, core/philox.h) and compiled by g++ and nvcc alike.
#pragma once

#if defined(__CUDACC__)
#define EMOAUG_HD __host__ __device__ __forceinline__
#else
#define EMOAUG_HD inline
#endif
