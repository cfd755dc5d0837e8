// Timing helpers for the benchmarks: best-of-N wall time, and the machine's sgemm roofline (a large
// square single-precision GEMM through the same OpenBLAS the backend uses).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend/execution.h"
#include "backend/ops.h"
#include "core/rng.h"
#include "core/tensor.h"

namespace emoaug::bench {

inline double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The median, lowest and highest of a set of figures (not empty).
struct Spread {
  double median, lowest, highest;
};
inline Spread spread_of(std::vector<double> figures) {
  std::sort(figures.begin(), figures.end());
  return {figures[figures.size() / 2], figures.front(), figures.back()};
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
  return spread_of(t).median;
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

// The memory bandwidth `threads` threads stream, GB/s (1e9 bytes), best of `reps`, over arrays
// of `floats` floats each (far larger than the caches), each thread on its own contiguous share
// and touching its share first (pages where that thread runs). Two kernels:
//  - triad a = b + s c, counted as STREAM counts it (3 x 4 bytes an element; the write-allocate
//    read of a that the hardware also does is not counted);
//  - update a = a + s b, 12 bytes an element, all of them moved (a's lines are read before they
//    are written): the pattern of an in-place elementwise op or of Adam.
struct StreamBandwidth {
  double triad_gbs = 0, update_gbs = 0;
  double best() const { return std::max(triad_gbs, update_gbs); }
};

inline StreamBandwidth stream_bandwidth(int threads, int64_t floats = int64_t{1} << 25,
                                        int reps = 5) {
  std::unique_ptr<float[]> a(new float[floats]), b(new float[floats]), c(new float[floats]);
  const float s = 0.5f;
  auto share = [&](int t, auto&& body) {
    const int64_t begin = floats * t / threads, end = floats * (t + 1) / threads;
    body(begin, end);
  };
  auto on_threads = [&](auto&& body) {
    std::vector<std::thread> pool;
    const double start = seconds_now();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { share(t, body); });
    for (std::thread& th : pool) th.join();
    return seconds_now() - start;
  };
  on_threads([&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) a[i] = 1.0f, b[i] = 2.0f, c[i] = 0.5f;
  });
  float* __restrict pa = a.get();
  const float* __restrict pb = b.get();
  const float* __restrict pc = c.get();
  double triad = 1e30, update = 1e30;
  for (int r = 0; r < reps; ++r) {
    triad = std::min(triad, on_threads([&](int64_t begin, int64_t end) {
                       for (int64_t i = begin; i < end; ++i) pa[i] = pb[i] + s * pc[i];
                     }));
    update = std::min(update, on_threads([&](int64_t begin, int64_t end) {
                        for (int64_t i = begin; i < end; ++i) pa[i] = pa[i] + s * pb[i];
                      }));
  }
  if (a[floats / 2] < 0.0f) std::printf("impossible\n");  // the stores are used
  const double bytes = 12.0 * static_cast<double>(floats);
  return {bytes / triad * 1e-9, bytes / update * 1e-9};
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
