// The paper's CycleGAN iteration on one GPU: 4 emotions, d = 1582, G and F 1582-1000-500-1000-1582,
// D_T and D_S 1582-1000-1000-1, the shared C 1582-100-100-4, batch 64, dropout 0.2 (C 0.5). One
// iteration is, for every emotion, one discriminator step, then twice: a generator step per
// emotion followed by C's update. It runs EmotionTransferGroup::train_epoch, the code the runner
// trains with, on random data already on the device.
//
// FLOPs are counted from the shapes of the gemms actually dispatched (the context's gemm_flops,
// 2mnk each); elementwise work is not counted. Prints `name value` lines, and `name value math`
// for every figure, math being the mode its gemms ran in (fp32 or tf32): the roofline runs in the
// step's mode, under a context of its own. Before the figures: the GPU's name and its SM and
// memory clocks (gpu_clocks.h), the current ones read right after the timed epochs.
// bench/pytorch_cyclegan_step.py is the PyTorch peer.
//   bench_cuda_step [--tf32] [--iterations N] [--epochs E] [--lambda-cls L]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "backend/ops.h"
#include "bench_common.h"
#include "gpu_clocks.h"
#include "paper_cyclegan.h"

using namespace emoaug;

namespace {

// TFLOP/s of one large square sgemm on this GPU in `math`: the roofline the training step's small
// (batch 64) gemms are compared with. A context of its own, so that the step's FLOP counter keeps
// the step's gemms alone; unbound, the gemm would run in the thread's default mode (FP32) and a
// TF32 step would be compared with an FP32 roofline.
double cublas_sgemm_tflops(int n, const ops::MathMode& math) {
  ops::ExecutionContext exec(Device::Cuda, 1, math);
  const ops::ExecutionScope bound(exec);
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
  const ops::GpuInfo gpu = [&] {
    const ops::ExecutionScope bound(exec);
    return ops::gpu_info();
  }();
  const char* tf32_override = std::getenv("NVIDIA_TF32_OVERRIDE");
  const char* mode = bench::math_label(tf32, tf32_override);

  bench::PaperCycleGan paper(exec, iterations, lambda_cls);
  gan::EmotionTransferGroup& group = paper.group;
  group.train_epoch(0, paper.data);  // warm-up: buffers, cuBLAS heuristics, first-touch
  ops::synchronize();

  const uint64_t flops_before = exec.gemm_flops();
  const double start = bench::seconds_now();
  for (int e = 1; e <= epochs; ++e) group.train_epoch(e, paper.data);
  ops::synchronize();
  const double seconds = bench::seconds_now() - start;
  const bench::GpuClocks clocks = bench::read_gpu_clocks(gpu.index);
  const double flops = static_cast<double>(exec.gemm_flops() - flops_before);
  const double timed = static_cast<double>(epochs) * iterations;
  const double tflops = flops / seconds * 1e-12;
  const double roofline = cublas_sgemm_tflops(4096, math);

  std::printf("device %s\n", gpu.name.c_str());
  std::printf("gpu_sm_clock_mhz_current %s\n", bench::clock_text(clocks.sm_current).c_str());
  std::printf("gpu_sm_clock_mhz_max %s\n", bench::clock_text(clocks.sm_max).c_str());
  std::printf("gpu_memory_clock_mhz_current %s\n",
              bench::clock_text(clocks.memory_current).c_str());
  std::printf("gpu_memory_clock_mhz_max %s\n", bench::clock_text(clocks.memory_max).c_str());
  if (!clocks.nvml_note.empty()) std::printf("gpu_clocks_nvml %s\n", clocks.nvml_note.c_str());
  std::printf("tf32 %d\n", tf32 ? 1 : 0);
  std::printf("math %s\n", mode);
  if (tf32_override) std::printf("nvidia_tf32_override %s\n", tf32_override);
  std::printf("lambda_cls %g\n", lambda_cls);
  std::printf("cyclegan_iterations %.0f\n", timed);
  std::printf("cyclegan_it_per_s %.2f %s\n", timed / seconds, mode);
  std::printf("cyclegan_ms_per_it %.3f %s\n", seconds / timed * 1e3, mode);
  std::printf("cyclegan_gflop_per_it %.2f %s\n", flops / timed * 1e-9, mode);
  std::printf("cyclegan_tflops %.3f %s\n", tflops, mode);
  std::printf("cublas_sgemm_4096_tflops %.2f %s\n", roofline, mode);
  std::printf("cyclegan_roofline_fraction %.3f %s\n", tflops / roofline, mode);
  return 0;
}
