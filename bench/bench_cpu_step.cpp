// The paper's CycleGAN iteration on the CPU: 4 emotions, d = 1582, G and F 1582-1000-500-1000-1582,
// D_T and D_S 1582-1000-1000-1, the shared C 1582-100-100-4, batch 64, dropout 0.2 (C 0.5),
// λcls = 2, two generator steps per discriminator step. It runs EmotionTransferGroup::train_epoch,
// the code the runner trains with, on random data in [0, 1) (the GANs' min-max range).
//
// FLOPs are counted from the shapes of the gemms actually dispatched (the context's gemm_flops,
// 2mnk each); elementwise work is not counted. The roofline is one large square sgemm through the
// same OpenBLAS with the same thread count. Prints `name value` lines;
// bench/pytorch_cyclegan_step.py is the PyTorch peer and scripts/bench.sh runs both side by side.
//   bench_cpu_step [--threads N] [--iterations N] [--epochs E] [--lambda-cls L] [--no-roofline]
//                  [--cpu-gemm openblas|avx2|avx512]
#include <cblas.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backend/ops.h"
#include "bench_common.h"
#include "dist/world.h"
#include "paper_cyclegan.h"

using namespace emoaug;

namespace {

// CPU seconds of the whole process (all threads, user and system): unlike wall time it barely
// moves when other work shares the machine, so it measures efficiency where wall time cannot.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// GFLOP per CPU-second of one large sgemm on one thread: what one core sustains.
double sgemm_gflops_per_core(int n) {
  ops::MathMode openblas;
  openblas.cpu_gemm = ops::CpuGemm::OpenBlas;
  ops::ExecutionContext exec(Device::Host, 1, openblas);
  const ops::ExecutionScope bound(exec);
  Tensor a(n, n), b(n, n), c(n, n);
  bench::fill_uniform(a, 1);
  bench::fill_uniform(b, 2);
  auto thread_seconds = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
  };
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    const double start = thread_seconds();
    ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view());
    best = std::min(best, thread_seconds() - start);
  }
  return 2.0 * n * n * static_cast<double>(n) / best * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, iterations = 4, epochs = 3;
  float lambda_cls = 2.0f;
  bool roofline = true;
  ops::MathMode math;  // the widest blocked gemm kernels this CPU runs, unless --cpu-gemm says
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] { return bench::option_value(argc, argv, i); };
    if (arg == "--threads") {
      threads = std::atoi(value());
    } else if (arg == "--iterations") {
      iterations = std::atoi(value());
    } else if (arg == "--epochs") {
      epochs = std::atoi(value());
    } else if (arg == "--lambda-cls") {
      lambda_cls = static_cast<float>(std::atof(value()));
    } else if (arg == "--no-roofline") {
      roofline = false;
    } else if (arg == "--cpu-gemm") {
      bench::set_cpu_gemm(value(), math);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--threads N] [--iterations N] [--epochs E] [--lambda-cls L] "
                   "[--no-roofline] [--cpu-gemm openblas|avx2|avx512]\n",
                   argv[0]);
      return 2;
    }
  }
  // The emotions train on `threads` threads (single-threaded BLAS each), by default as many as
  // `emoaug run` would give one rank here; the roofline sgemm runs on as many OpenBLAS threads.
  if (threads <= 0) threads = dist::default_cpu_threads(1);
  ops::ExecutionContext exec(Device::Host, threads, math);

  bench::PaperCycleGan paper(exec, iterations, lambda_cls);
  gan::EmotionTransferGroup& group = paper.group;
  group.train_epoch(0, paper.data);  // warm-up: buffers sized, pages touched

  const uint64_t flops_before = exec.gemm_flops();
  const double cpu_start = process_cpu_seconds();
  const double start = bench::seconds_now();
  for (int e = 1; e <= epochs; ++e) group.train_epoch(e, paper.data);
  const double seconds = bench::seconds_now() - start;
  const double cpu_seconds = process_cpu_seconds() - cpu_start;
  const double flops = static_cast<double>(exec.gemm_flops() - flops_before);
  const double timed = static_cast<double>(epochs) * iterations;
  const double gflops = flops / seconds * 1e-9;

  std::printf("threads %d\n", exec.threads());
  std::printf("cpu_gemm %s\n", ops::name_of(exec.math().cpu_gemm));
  std::printf("lambda_cls %g\n", lambda_cls);
  std::printf("cyclegan_iterations %.0f\n", timed);
  std::printf("cyclegan_it_per_s_emoaug %.3f\n", timed / seconds);
  std::printf("cyclegan_ms_per_it_emoaug %.1f\n", seconds / timed * 1e3);
  std::printf("cyclegan_gflop_per_it %.2f\n", flops / timed * 1e-9);
  std::printf("cyclegan_gflops_emoaug %.1f\n", gflops);
  std::printf("cyclegan_cpu_s_per_it_emoaug %.3f\n", cpu_seconds / timed);
  if (roofline) {
    const double peak = bench::sgemm_gflops(4096, threads);
    const double core = sgemm_gflops_per_core(2048);
    std::printf("sgemm_4096_gflops %.1f\n", peak);
    std::printf("cyclegan_roofline_fraction %.3f\n", gflops / peak);
    // Per CPU-second against one core's sgemm: the efficiency a fully used machine would see.
    std::printf("sgemm_2048_gflops_per_core %.1f\n", core);
    std::printf("cyclegan_core_efficiency_emoaug %.3f\n", flops / cpu_seconds * 1e-9 / core);
  }
  return 0;
}
