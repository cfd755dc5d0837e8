// The paper's CycleGAN iteration on one GPU: 4 emotions, d = 1582, G and F 1582-1000-500-1000-1582,
// D_T and D_S 1582-1000-1000-1, the shared C 1582-100-100-4, batch 64, dropout 0.2 (C 0.5). One
// iteration is, for every emotion, one discriminator step, then twice: a generator step per
// emotion followed by C's update. It runs EmotionTransferGroup::train_epoch, the code the runner
// trains with, on random data already on the device.
//
// FLOPs are counted from the shapes of the gemms actually dispatched (the context's gemm_flops,
// 2mnk each); elementwise work is not counted. Prints `name value` lines;
// bench/pytorch_cyclegan_step.py is the PyTorch peer.
//   bench_cuda_step [--tf32] [--iterations N] [--epochs E] [--lambda-cls L]
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "backend/ops.h"
#include "bench_common.h"
#include "paper_cyclegan.h"

using namespace emoaug;

namespace {

// TFLOP/s of one large square sgemm on this GPU in the current math mode: the roofline the
// training step's small (batch 64) gemms are compared with.
double cublas_sgemm_tflops(int n) {
  Tensor a = bench::PaperCycleGan::uniform01(n, n, 1, Device::Cuda);
  Tensor b = bench::PaperCycleGan::uniform01(n, n, 2, Device::Cuda), c(n, n, Device::Cuda);
  auto run = [&] {
    ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view());
    ops::synchronize();
  };
  const double s = bench::time_per_call(run, 2, 10);
  return 2.0 * n * n * static_cast<double>(n) / s * 1e-12;
}

}  // namespace

int main(int argc, char** argv) {
  bool tf32 = false;
  int iterations = 20, epochs = 5;
  float lambda_cls = 1.0f;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] { return bench::option_value(argc, argv, i); };
    if (arg == "--tf32") {
      tf32 = true;
    } else if (arg == "--iterations") {
      iterations = std::atoi(value());
    } else if (arg == "--epochs") {
      epochs = std::atoi(value());
    } else if (arg == "--lambda-cls") {
      lambda_cls = static_cast<float>(std::atof(value()));
    } else {
      std::fprintf(stderr, "usage: %s [--tf32] [--iterations N] [--epochs E] [--lambda-cls L]\n",
                   argv[0]);
      return 2;
    }
  }
  std::string why_not;
  if (!ops::cuda_available(&why_not)) {
    std::fprintf(stderr, "bench_cuda_step: no usable GPU: %s\n", why_not.c_str());
    return 2;
  }
  ops::MathMode math;
  math.tf32 = tf32;
  ops::ExecutionContext exec(Device::Cuda, 1, math);
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);

  bench::PaperCycleGan paper(exec, iterations, lambda_cls);
  gan::EmotionTransferGroup& group = paper.group;
  group.train_epoch(0, paper.data);  // warm-up: buffers, cuBLAS heuristics, first-touch
  ops::synchronize();

  const uint64_t flops_before = exec.gemm_flops();
  const double start = bench::seconds_now();
  for (int e = 1; e <= epochs; ++e) group.train_epoch(e, paper.data);
  ops::synchronize();
  const double seconds = bench::seconds_now() - start;
  const double flops = static_cast<double>(exec.gemm_flops() - flops_before);
  const double timed = static_cast<double>(epochs) * iterations;
  const double tflops = flops / seconds * 1e-12;
  const double roofline = cublas_sgemm_tflops(4096);

  std::printf("device %s\n", prop.name);
  std::printf("tf32 %d\n", tf32 ? 1 : 0);
  std::printf("lambda_cls %g\n", lambda_cls);
  std::printf("cyclegan_iterations %.0f\n", timed);
  std::printf("cyclegan_it_per_s %.2f\n", timed / seconds);
  std::printf("cyclegan_ms_per_it %.3f\n", seconds / timed * 1e3);
  std::printf("cyclegan_gflop_per_it %.2f\n", flops / timed * 1e-9);
  std::printf("cyclegan_tflops %.3f\n", tflops);
  std::printf("cublas_sgemm_4096_tflops %.2f\n", roofline);
  std::printf("cyclegan_roofline_fraction %.3f\n", tflops / roofline);
  return 0;
}
