// What the CPU this process runs on can execute, asked once: the one place that decides which
// hand-written x86-64 paths (gemm_cpu.cpp, kernels_cpu.cpp) may run. False off x86-64.
#pragma once

namespace emoaug::ops::cpu {

bool cpu_has_avx512f();
// AVX2 together with FMA3 (every AVX2 CPU since Haswell and Zen has both; the kernels need both).
bool cpu_has_avx2_fma();

}  // namespace emoaug::ops::cpu
