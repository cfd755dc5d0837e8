// The paper's CycleGAN iteration on the CPU: 4 emotions, d = 1582, G and F 1582-1000-500-1000-1582,
// D_T and D_S 1582-1000-1000-1, the shared C 1582-100-100-4, batch 64, dropout 0.2 (C 0.5),
// λcls = 2, two generator steps per discriminator step. It runs EmotionTransferGroup::train_epoch,
// the code the runner trains with, on random data in [0, 1) (the GANs' min-max range).
//
// FLOPs are counted from the shapes of the gemms actually dispatched (the context's gemm_flops,
// 2mnk each); elementwise work is not counted. The roofline is one large square sgemm through the
// same OpenBLAS with the same thread count, and one core's 2048³ sgemm, taken before the first
// timed epoch and after each (its median, lowest and highest printed). Prints `name value` lines;
// bench/pytorch_cyclegan_step.py is the PyTorch peer and scripts/bench.sh runs both side by side.
//
// The split (unless --no-split): the same epochs again with the context's op profile on (the CPU
// backend adds each op's thread CPU time to its part: the gemms by form (forward x·Wᵀ, input
// gradient dy·W, weight gradient dyᵀ·x), elementwise, loss, Adam;
// ExecutionContext::set_op_profile), each part's CPU seconds over the threads as its share of an
// iteration, the rest (the nn/gan code between ops, spinning) what the process's CPU seconds leave.
// CPU time rather than wall time: other work on the machine inflates wall time but barely moves CPU
// time. Against a physical limit: the gemms' flops at the sgemm roofline, the other parts' bytes
// (each operand read once, each result written once) at the stream bandwidth the threads reach
// here, the rest at nothing; the combined limit is the sum. The unprofiled iteration's fraction of
// it is `cyclegan_limit_fraction` by wall time (idle threads count against it) and
// `cyclegan_limit_fraction_cpu` by CPU seconds over the threads (a thread with no emotion left in
// a loop spins, lending itself to the others' gemms and Adam updates, so the two are close);
// `cyclegan_limit_fraction_profiled_cpu` is the profiled epochs' (the parts and the rest).
// `cyclegan_limit_fraction_paired` is the median over the timed epochs of each epoch's fraction by
// wall time, its gemm limit taken at the sgemm rate of the slices on either side of it: on a host
// whose speed changes within seconds it pairs each time with the limit of its own period.
// `cyclegan_limit_strict_*` counts each part at the lower of its limit and its own time (a part
// faster than its limit shows the limit does not bind it: Adam, whose operands are partly still in
// the L3). `cyclegan_limit_all_busy_*` is the same limit with the gemms at the sgemm rate one core
// keeps while every thread runs its own sgemm at once: what the cores lose to sharing the L3, the
// memory and the power, which the kernels cannot win back.
//   bench_cpu_step [--threads N] [--iterations N] [--epochs E] [--lambda-cls L] [--no-roofline]
//                  [--no-split] [--cpu-gemm openblas|avx2|avx512]
#include <cblas.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
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

// GFLOP per CPU-second of one large sgemm on one thread: what one core sustains. With
// `concurrent` > 1 that many threads each run their own at once (as the emotions' threads run
// their gemms), and the figure is their mean: what one core sustains while the others are busy
// too, sharing the L3, the memory and the package's power.
double sgemm_gflops_per_core(int n, int concurrent = 1) {
  std::vector<double> gflops(concurrent, 0.0);
  std::atomic<int> ready{0};
  auto run = [&](int t) {
    ops::MathMode openblas;
    openblas.cpu_gemm = ops::CpuGemm::OpenBlas;
    ops::ExecutionContext exec(Device::Host, 1, openblas);
    const ops::ExecutionScope bound(exec);
    Tensor a(n, n), b(n, n), c(n, n);
    bench::fill_uniform(a, 1 + 2 * t);
    bench::fill_uniform(b, 2 + 2 * t);
    auto thread_seconds = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    };
    ready.fetch_add(1);
    while (ready.load() < concurrent) {
    }
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      const double start = thread_seconds();
      ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view());
      best = std::min(best, thread_seconds() - start);
    }
    gflops[t] = 2.0 * n * n * static_cast<double>(n) / best * 1e-9;
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < concurrent; ++t) threads.emplace_back(run, t);
  run(0);
  for (std::thread& t : threads) t.join();
  double sum = 0.0;
  for (double g : gflops) sum += g;
  return sum / concurrent;
}

// An iteration's combined limit in ms: its gemms' part (which scales with the sgemm rate) and the
// rest (bytes at the stream bandwidth).
struct IterationLimit {
  double gemm_ms = 0.0, other_ms = 0.0;
};

// The split of an iteration (the header says how) and, given the sgemm roofline `peak` (GFLOP/s;
// 0: no limits), its physical limit, which it returns. `seconds_per_it` is the unprofiled
// iteration's.
IterationLimit print_split(ops::ExecutionContext& exec, gan::EmotionTransferGroup& group,
                           const gan::TransferData& data, int epochs, double timed,
                           double seconds_per_it, double cpu_seconds_per_it, double peak,
                           double all_busy_peak) {
  using ops::OpPart;
  // The threads the emotions train on (one emotion at a time each): the CPU seconds' divisor.
  const int workers = std::min(exec.threads(), bench::PaperCycleGan::kEmotions);
  ops::OpPartTotals before[ops::kOpParts];
  for (int p = 0; p < ops::kOpParts; ++p) before[p] = exec.op_totals(static_cast<OpPart>(p));
  exec.set_op_profile(true);
  const double start = bench::seconds_now(), cpu_start = process_cpu_seconds();
  for (int e = 1; e <= epochs; ++e) group.train_epoch(epochs + e, data);
  const double wall = (bench::seconds_now() - start) / timed;
  const double cpu_ms = (process_cpu_seconds() - cpu_start) / timed / workers * 1e3;
  exec.set_op_profile(false);
  // With the roofline, the stream bandwidth, on as many threads.
  const bench::StreamBandwidth bw =
      peak > 0 ? bench::stream_bandwidth(workers) : bench::StreamBandwidth{};
  if (peak > 0) {
    std::printf("split_sgemm_peak_gflops %.1f\n", peak);
    std::printf("stream_triad_gbs %.1f\n", bw.triad_gbs);
    std::printf("stream_update_gbs %.1f\n", bw.update_gbs);
  }
  std::printf("split_profiled_ms_per_it %.1f\n", wall * 1e3);
  std::printf("split_profiled_cpu_ms_per_it %.1f\n", cpu_ms);
  // Per iteration: each part's ms of CPU over the threads and its limit; the gemm forms also
  // summed, as one part.
  double parts = 0.0, limit = 0.0, gemm_ms = 0.0, gemm_flops = 0.0, gemm_calls = 0.0;
  // The limit with each part at the lower of its limit and its own time: a part that beats its
  // byte limit (Adam, whose operands are partly still in the L3 from the backward pass) shows
  // that the limit does not bind it, and its slack would flatter the whole.
  double strict_limit = 0.0;
  auto print_part = [&](const char* name, double ms, double limit_ms) {
    std::printf("split_%s_limit_ms %.2f\n", name, limit_ms);
    std::printf("split_%s_fraction %.3f\n", name, ms > 0 ? limit_ms / ms : 0.0);
  };
  for (int p = 0; p < ops::kOpParts; ++p) {
    const OpPart part = static_cast<OpPart>(p);
    const ops::OpPartTotals t = exec.op_totals(part);
    const double ms = 1e-6 * static_cast<double>(t.ns - before[p].ns) / workers / timed;
    const double bytes = static_cast<double>(t.bytes - before[p].bytes) / timed;
    const double flops = static_cast<double>(t.flops - before[p].flops) / timed;
    const double calls = static_cast<double>(t.calls - before[p].calls) / timed;
    parts += ms;
    const char* name = ops::name_of(part);
    std::printf("split_%s_ms %.2f\n", name, ms);
    std::printf("split_%s_calls %.0f\n", name, calls);
    if (ops::is_gemm(part)) {
      gemm_ms += ms;
      gemm_flops += flops;
      gemm_calls += calls;
      std::printf("split_%s_gflop %.2f\n", name, flops * 1e-9);
      // GFLOP per CPU-second of one thread: what a core kept up in this form.
      std::printf("split_%s_gflops_per_core %.1f\n", name,
                  ms > 0 ? flops / workers / ms * 1e-6 : 0);
    } else {
      std::printf("split_%s_mb %.1f\n", name, bytes * 1e-6);
    }
    if (peak <= 0) continue;
    const double limit_ms =
        ops::is_gemm(part) ? flops / (peak * 1e9) * 1e3 : bytes / (bw.best() * 1e9) * 1e3;
    limit += limit_ms;
    strict_limit += std::min(limit_ms, ms);
    print_part(name, ms, limit_ms);
  }
  std::printf("split_gemm_ms %.2f\n", gemm_ms);
  std::printf("split_gemm_calls %.0f\n", gemm_calls);
  std::printf("split_gemm_gflop %.2f\n", gemm_flops * 1e-9);
  const double gemm_limit_ms = peak > 0 ? gemm_flops / (peak * 1e9) * 1e3 : 0.0;
  if (peak > 0) print_part("gemm", gemm_ms, gemm_limit_ms);
  std::printf("split_rest_ms %.2f\n", cpu_ms - parts);
  if (peak <= 0) return {};
  std::printf("split_rest_limit_ms 0\n");
  std::printf("cyclegan_limit_ms_per_it %.1f\n", limit);
  std::printf("cyclegan_limit_fraction %.3f\n", limit / (seconds_per_it * 1e3));
  std::printf("cyclegan_limit_fraction_cpu %.3f\n", limit / (cpu_seconds_per_it / workers * 1e3));
  std::printf("cyclegan_limit_fraction_profiled_cpu %.3f\n", limit / cpu_ms);
  std::printf("cyclegan_limit_strict_ms_per_it %.1f\n", strict_limit);
  std::printf("cyclegan_limit_strict_fraction %.3f\n", strict_limit / (seconds_per_it * 1e3));
  std::printf("cyclegan_limit_strict_fraction_cpu %.3f\n",
              strict_limit / (cpu_seconds_per_it / workers * 1e3));
  // The same limit with the gemms at the all-busy sgemm rate: how much of the gap is the cores
  // sharing the machine rather than the kernels.
  const IterationLimit parted{gemm_limit_ms, limit - gemm_limit_ms};
  if (all_busy_peak <= 0) return parted;
  const double all_busy_limit = parted.other_ms + gemm_flops / (all_busy_peak * 1e9) * 1e3;
  std::printf("split_sgemm_all_busy_gflops %.1f\n", all_busy_peak);
  std::printf("cyclegan_limit_all_busy_ms_per_it %.1f\n", all_busy_limit);
  std::printf("cyclegan_limit_all_busy_fraction %.3f\n", all_busy_limit / (seconds_per_it * 1e3));
  std::printf("cyclegan_limit_all_busy_fraction_cpu %.3f\n",
              all_busy_limit / (cpu_seconds_per_it / workers * 1e3));
  return parted;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, iterations = 4, epochs = 3;
  float lambda_cls = 2.0f;
  bool roofline = true, split = true;
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
    } else if (arg == "--no-split") {
      split = false;
    } else if (arg == "--cpu-gemm") {
      bench::set_cpu_gemm(value(), math);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--threads N] [--iterations N] [--epochs E] [--lambda-cls L] "
                   "[--no-roofline] [--no-split] [--cpu-gemm openblas|avx2|avx512]\n",
                   argv[0]);
      return 2;
    }
  }
  if (iterations < 1 || epochs < 1) {
    std::fprintf(stderr, "%s: --iterations and --epochs must be at least 1\n", argv[0]);
    return 2;
  }
  // The emotions train on `threads` threads (single-threaded BLAS each), by default as many as
  // `emoaug run` would give one rank here; the roofline sgemm runs on as many OpenBLAS threads.
  if (threads <= 0) threads = dist::default_cpu_threads(1);
  ops::ExecutionContext exec(Device::Host, threads, math);

  bench::PaperCycleGan paper(exec, iterations, lambda_cls);
  gan::EmotionTransferGroup& group = paper.group;
  group.train_epoch(0, paper.data);  // warm-up: buffers sized, pages touched

  // One core's sgemm before the first epoch and after each (outside their times), its median
  // the roofline's per-core figure: on a host whose speed changes every few seconds, a figure
  // taken once, apart from the epochs, moved the fractions by more than the code did.
  const int workers = std::min(threads, bench::PaperCycleGan::kEmotions);
  std::vector<double> core_slices;
  auto core_slice = [&] {
    if (roofline) core_slices.push_back(sgemm_gflops_per_core(2048));
  };
  core_slice();
  const uint64_t flops_before = exec.gemm_flops();
  double seconds = 0.0, cpu_seconds = 0.0;
  std::vector<double> epoch_seconds;
  for (int e = 1; e <= epochs; ++e) {
    const double cpu_start = process_cpu_seconds(), start = bench::seconds_now();
    group.train_epoch(e, paper.data);
    epoch_seconds.push_back(bench::seconds_now() - start);
    seconds += epoch_seconds.back();
    cpu_seconds += process_cpu_seconds() - cpu_start;
    core_slice();
  }
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
  double peak = 0.0, core = 0.0, busy_core = 0.0;
  if (roofline) {
    peak = bench::sgemm_gflops(4096, threads);
    const bench::Spread slices = bench::spread_of(core_slices);
    core = slices.median;
    busy_core = workers > 1 ? sgemm_gflops_per_core(2048, workers) : core;
    std::printf("sgemm_4096_gflops %.1f\n", peak);
    std::printf("cyclegan_roofline_fraction %.3f\n", gflops / peak);
    // Per CPU-second against one core's sgemm: the efficiency a fully used machine would see.
    std::printf("sgemm_2048_gflops_per_core %.1f\n", core);
    std::printf("sgemm_2048_gflops_per_core_lowest %.1f\n", slices.lowest);
    std::printf("sgemm_2048_gflops_per_core_highest %.1f\n", slices.highest);
    std::printf("cyclegan_core_efficiency_emoaug %.3f\n", flops / cpu_seconds * 1e-9 / core);
    std::printf("sgemm_2048_gflops_per_core_all_busy %.1f\n", busy_core);
  }
  // The split's gemm limit takes the highest sgemm figure: the threads' wall-time one, and one
  // core's CPU-time one times the threads (which other work on the machine lowers less), not the
  // one with every core busy, printed beside it as what sharing the machine costs).
  if (!split) return 0;
  const IterationLimit limit =
      print_split(exec, group, paper.data, epochs, timed, seconds / timed, cpu_seconds / timed,
                  std::max(peak, core * workers), busy_core * workers);
  if (!roofline) return 0;
  // Each epoch against the limit of its own period: the gemms' part scaled by one core's sgemm
  // on either side of that epoch (their mean) over the median above. The run-level fraction sets
  // the whole run's time against the median slice, so a run whose slices fall in a fast period
  // and some of its epochs in a slow one (this host's speed moves by a quarter within seconds)
  // reads low, and the other way round high.
  std::vector<double> paired;
  for (int e = 0; e < epochs; ++e) {
    const double slice = 0.5 * (core_slices[e] + core_slices[e + 1]);
    const double limit_ms = limit.gemm_ms * core / slice + limit.other_ms;
    paired.push_back(limit_ms / (epoch_seconds[e] / iterations * 1e3));
  }
  const bench::Spread spread = bench::spread_of(paired);
  std::printf("cyclegan_limit_fraction_paired %.3f\n", spread.median);
  std::printf("cyclegan_limit_fraction_paired_lowest %.3f\n", spread.lowest);
  std::printf("cyclegan_limit_fraction_paired_highest %.3f\n", spread.highest);
  return 0;
}
