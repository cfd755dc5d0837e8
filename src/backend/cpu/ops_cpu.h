// The CPU backend: the blocked kernels of gemm_cpu.h or OpenBLAS for gemm, plain loops over
// kernels/functors.h (vectorised in kernels_cpu.h) for everything else.
#pragma once

#include "backend/backend.h"

namespace emoaug::ops::cpu {

Backend& backend();

}  // namespace emoaug::ops::cpu
