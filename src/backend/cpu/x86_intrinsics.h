// <immintrin.h> for the CPU backend's hand-written x86-64 kernels (gemm_cpu.cpp, kernels_cpu.cpp).
// GCC 12 reports -Wmaybe-uninitialized inside its own unpack, shuffle, blend and integer
// intrinsics, whose unmasked forms pass an intentionally undefined vector as the unused merge
// source; the warning is off from here to the end of the including file.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
