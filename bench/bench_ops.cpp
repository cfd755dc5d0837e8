// Every op of the op table (tests/op_table.h) at the paper's shape (256 rows of d = 1582, the
// hidden 1000, the classifier's 4 classes, a discriminator's 1 output, one generator's parameters
// for Adam), on one backend: each is first checked against the table's naive reference (and its
// guard words), then timed (median over repetitions). One line per op: the time per call, GB/s
// (the bytes the op must move at least) or GFLOP/s for gemm, and the fraction of the machine's
// limit beside it: a stream loop (host, one thread, as the ops run; the faster of a triad and an
// in-place update) or a device-to-device copy (GPU) over as many bytes as the op moves, so a
// working set that fits a cache is held to that cache's rate; for gemm the large sgemm. The CPU
// timings flush denormals to zero: in-place ops applied thousands of times over the same buffer
// (leaky ReLU's 0.2 slope) reach the denormal range that one training step never does.
//   bench_ops [--op NAME] [--backend cpu|cuda] [--tf32]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>
#if defined(__x86_64__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

#include "backend/execution.h"
#include "backend/ops.h"
#include "bench_common.h"
#include "core/error.h"
#include "op_table.h"

using namespace emoaug;
using namespace emoaug::optable;

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown CPU";
}

// Seconds per call of f, the median of 7 batches, each of enough calls to last ~2 ms (the device
// waited for at the end of each batch).
double seconds_per_call(const std::function<void()>& f) {
  f();
  ops::synchronize();
  double start = bench::seconds_now();
  f();
  ops::synchronize();
  const double once = std::max(bench::seconds_now() - start, 1e-7);
  const int calls = static_cast<int>(std::clamp(2e-3 / once, 1.0, 2000.0));
  std::vector<double> t;
  for (int rep = 0; rep < 7; ++rep) {
    start = bench::seconds_now();
    for (int i = 0; i < calls; ++i) f();
    ops::synchronize();
    t.push_back((bench::seconds_now() - start) / calls);
  }
  return bench::spread_of(t).median;
}

// The stream loops, built for the widest vectors this CPU has as the ops' kernels are
// (backend/cpu/kernels_cpu.cpp), so that a working set in cache is not held to SSE's rate.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BENCH_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BENCH_SIMD_CLONES
#endif
BENCH_SIMD_CLONES void triad(float* __restrict a, const float* __restrict b,
                             const float* __restrict c, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}
BENCH_SIMD_CLONES void update(float* __restrict a, const float* __restrict b, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] += s * b[i];
}

// GB/s of a stream over `bytes` on `device`. On the host, one thread, the faster of two loops of
// 12 bytes an element: the triad a[i] = b[i] + s c[i] (its stores allocate lines they do not read)
// and the update a[i] += s b[i] (read, modify, write, as the in-place ops and Adam do). On a GPU, a
// device-to-device copy (8 bytes an element).
double stream_gbs(Device device, double bytes) {
  static std::map<std::pair<int, int64_t>, double> measured;
  if (device == Device::Host) {
    const int64_t n = std::max<int64_t>(256, static_cast<int64_t>(bytes / 12));
    auto key = std::make_pair(0, n);
    if (measured.count(key)) return measured[key];
    std::vector<float> a(static_cast<size_t>(n)), b(a.size(), 1.0f), c(a.size(), 2.0f);
    float s = 0.5f;
    const double t_triad = seconds_per_call([&] {
      triad(a.data(), b.data(), c.data(), s, n);
      s = -s;  // the loop cannot be dropped as redundant
    });
    const double t_update = seconds_per_call([&] {
      update(a.data(), b.data(), s, n);
      s = -s;
    });
    // A value of the result leaves the function, so the stores stay.
    if (!std::isfinite(a[static_cast<size_t>(n / 2)])) std::fprintf(stderr, "stream: not finite\n");
    return measured[key] = 12.0 * static_cast<double>(n) / std::min(t_triad, t_update) * 1e-9;
  }
  const int64_t n = std::max<int64_t>(256, static_cast<int64_t>(bytes / 8));
  auto key = std::make_pair(1, n);
  if (measured.count(key)) return measured[key];
  Tensor src(1, n, Device::Cuda), dst(1, n, Device::Cuda);
  const double t = seconds_per_call([&] { ops::copy(src.view(), dst.view()); });
  return measured[key] = 8.0 * static_cast<double>(n) / t * 1e-9;
}

// GFLOP/s of a square sgemm on `device` under the bound context (OpenBLAS on one host thread, or
// cuBLAS with the context's math mode).
double sgemm_gflops(Device device, int n) {
  if (device == Device::Host) return bench::sgemm_gflops(n, 1);
  Tensor a(n, n, Device::Cuda), b(n, n, Device::Cuda), c(n, n, Device::Cuda);
  const double t = seconds_per_call(
      [&] { ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view()); });
  return 2.0 * n * n * static_cast<double>(n) / t * 1e-9;
}

void flush_denormals() {
#if defined(__x86_64__)
  _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
  _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
}

// Checks the row's op at its paper shape; returns "ok (max error E)" or what went wrong.
std::string check(const OpRow& row, const Case& c, Device device, Mode mode, bool& failed) {
  Placed placed(row, c, device);
  const std::vector<float> returned = row.call(placed.bound());
  ops::synchronize();
  const Expected want = row.reference(c);
  const std::vector<Tensor> got = placed.outputs();
  double worst = 0.0;
  for (size_t b = 0; b < got.size() && b < want.out.size(); ++b)
    worst =
        std::max(worst, compare(got[b], b < c.out_ints.size() && c.out_ints[b], want.out[b]).error);
  for (size_t k = 0; k < returned.size() && k < want.returned.size(); ++k)
    worst = std::max(worst, std::fabs(returned[k] - want.returned[k]) /
                                std::max(1.0, std::fabs(want.returned[k])));
  char buf[96];
  const bool guards = placed.damaged_guards().empty();
  failed = !guards || !(worst <= row.tolerance.of(mode)) || got.size() != want.out.size();
  std::snprintf(buf, sizeof(buf), "%s (max error %.1e, tolerance %.0e)",
                failed ? (guards ? "MISMATCH" : "GUARD WORDS OVERWRITTEN") : "ok", worst,
                row.tolerance.of(mode));
  return buf;
}

int usage() {
  std::fprintf(stderr, "usage: bench_ops [--op NAME] [--backend cpu|cuda] [--tf32]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string only, backend = "cpu";
  bool tf32 = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--op")
      only = bench::option_value(argc, argv, i);
    else if (arg == "--backend")
      backend = bench::option_value(argc, argv, i);
    else if (arg == "--tf32")
      tf32 = true;
    else
      return usage();
  }
  if (backend != "cpu" && backend != "cuda") return usage();
  if (!only.empty() &&
      std::find_if(std::begin(ops::kOpNames), std::end(ops::kOpNames),
                   [&](const char* n) { return only == n; }) == std::end(ops::kOpNames)) {
    std::fprintf(stderr, "--op %s: no such op; the ops are:", only.c_str());
    for (const char* n : ops::kOpNames) std::fprintf(stderr, " %s", n);
    std::fprintf(stderr, "\n");
    return 2;
  }
  const Device device = backend == "cuda" ? Device::Cuda : Device::Host;
  std::string why_not;
  if (device == Device::Cuda && !ops::cuda_available(&why_not)) {
    std::fprintf(stderr, "bench_ops --backend cuda: %s\n", why_not.c_str());
    return 2;
  }
  const Mode mode = device == Device::Host ? Mode::Cpu : tf32 ? Mode::CudaTf32 : Mode::CudaFp32;
  ops::MathMode math;
  math.tf32 = tf32;
  ops::ExecutionContext exec(device, 1, math);
  const ops::ExecutionScope bound(exec);

  const std::string machine =
      device == Device::Host ? cpu_model() + ", one thread" : ops::gpu_info().describe();
  const int sgemm_n = device == Device::Host ? 2048 : 8192;
  const double roofline = sgemm_gflops(device, sgemm_n);
  const double dram = stream_gbs(device, 3.0 * 64 * 1024 * 1024);
  std::printf("# bench_ops on %s (%s)\n", machine.c_str(), name_of(mode));
  std::printf("# limits: sgemm %d^3 %.1f GFLOP/s; %s over 192 MiB %.1f GB/s\n", sgemm_n, roofline,
              device == Device::Host ? "stream (triad / update)" : "device copy", dram);
  std::printf("%-27s %-24s %11s %16s %-34s %s\n", "op", "shape", "us/call", "rate", "of the limit",
              "check");
  if (device == Device::Host) flush_denormals();

  int failures = 0;
  for (const OpRow& row : op_table()) {
    const char* name = ops::name_of(row.op);
    if (!only.empty() && only != name) continue;
    const Case c = row.make(row.paper, 1);
    if (row.placement != Placement::Same && device == Device::Host) {
      std::printf("%-27s %-24s %11s %16s %-34s %s\n", name, describe(row.paper).c_str(), "-", "-",
                  "-", "CUDA only (host <-> device copies)");
      continue;
    }
    bool failed = false;
    const std::string verdict = check(row, c, device, mode, failed);
    failures += failed;
    Placed placed(row, c, device);
    const double t = seconds_per_call([&] { row.call(placed.bound()); });
    char rate[32], limit[48];
    if (row.op == ops::Op::gemm) {
      const double flops = 2.0 * row.paper.rows * row.paper.cols * row.paper.inner;
      const double gflops = flops / t * 1e-9;
      std::snprintf(rate, sizeof(rate), "%.1f GFLOP/s", gflops);
      std::snprintf(limit, sizeof(limit), "%.1f %% of %.1f (sgemm)", 100.0 * gflops / roofline,
                    roofline);
    } else {
      const double bytes = bytes_moved(row, c);
      const double gbs = bytes / t * 1e-9, peak = stream_gbs(device, bytes);
      std::snprintf(rate, sizeof(rate), "%.1f GB/s", gbs);
      std::snprintf(limit, sizeof(limit), "%.1f %% of %.1f (stream, %.2g MB)", 100.0 * gbs / peak,
                    peak, bytes * 1e-6);
    }
    std::printf("%-27s %-24s %11.2f %16s %-34s %s\n", name, describe(row.paper).c_str(), t * 1e6,
                rate, limit, verdict.c_str());
    std::fflush(stdout);
  }
  return failures ? 1 : 0;
}
