// The CUDA backend: cuBLAS for gemm, kernels/*.cu for the rest, on this thread's stream
// (context.h). Plain C++ so the dispatcher can include it; compiled only with EMOAUG_HAVE_CUDA.
#pragma once

#include <string>
#include <vector>

#include "backend/backend.h"

namespace emoaug::ops::cuda {

Backend& backend();

bool available(std::string* why_not);
std::vector<std::string> library_lines();
void synchronize();
// Makes `gpu` this thread's current device (a no-op when it already is).
void use_device(int gpu);
GpuInfo gpu_info();
void to_device(ConstMatView host, MatView dev);
void to_host(ConstMatView dev, MatView host);

}  // namespace emoaug::ops::cuda
