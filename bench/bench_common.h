// Timing helpers for the benchmarks: best-of-N wall time, and the machine's sgemm roofline (a large
// square single-precision GEMM through the same OpenBLAS the backend uses).
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "backend/execution.h"
#include "backend/ops.h"
#include "core/rng.h"
#include "core/tensor.h"

namespace emoaug::bench {

inline double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median seconds per call over `reps` calls, after `warmup` calls.
inline double time_per_call(const std::function<void()>& f, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    double start = seconds_now();
    f();
    t.push_back(seconds_now() - start);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

inline void fill_uniform(Tensor& t, uint64_t seed) {
  Rng rng(seed, 0, StreamId::Data);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform(-1.0f, 1.0f);
}

// GFLOP/s of C = A B for n x n matrices, on OpenBLAS with `blas_threads` threads.
inline double sgemm_gflops(int n, int blas_threads) {
  ops::MathMode openblas;
  openblas.cpu_gemm = ops::CpuGemm::OpenBlas;
  openblas.blas_threads = blas_threads;
  ops::ExecutionContext exec(Device::Host, 1, openblas);
  const ops::ExecutionScope bound(exec);
  Tensor a(n, n), b(n, n), c(n, n);
  fill_uniform(a, 1);
  fill_uniform(b, 2);
  double s = time_per_call(
      [&] { ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view()); }, 1, 5);
  return 2.0 * n * n * static_cast<double>(n) / s * 1e-9;
}

// --cpu-gemm NAME (openblas, avx2, avx512) into `math`, or exit 2 when this CPU cannot run it.
inline void set_cpu_gemm(const char* name, ops::MathMode& math) {
  for (ops::CpuGemm k : {ops::CpuGemm::OpenBlas, ops::CpuGemm::Avx2, ops::CpuGemm::Avx512})
    if (std::string(name) == ops::name_of(k) && ops::cpu_runs(k)) {
      math.cpu_gemm = k;
      return;
    }
  std::fprintf(stderr, "--cpu-gemm %s: not a gemm path this CPU runs (openblas, avx2, avx512)\n",
               name);
  std::exit(2);
}

// The value after argv[i] (advancing i), or exit 2 naming the option that lacks it.
inline const char* option_value(int argc, char** argv, int& i) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "%s needs a value\n", argv[i]);
    std::exit(2);
  }
  return argv[++i];
}

}  // namespace emoaug::bench
