// The gemms of the paper's networks at batch 64 on one thread, OpenBLAS beside each width of
// emoaug's blocked kernels this CPU runs (backend/cpu/gemm_cpu.h), each form a layer's step runs:
// forward x·Wᵀ, input gradient dy·W, weight gradient dW += dyᵀ·x. The weight matrices come from a
// pool larger than the L3 cache, as in a training step of 4 emotions' networks, where no weight
// matrix is in cache when its gemm starts. Prints a `paths` line naming the columns, then
// `gemm_<form>_<in>x<out>` and its GFLOP/s on each path ("-" where blocked_gemm_choice leaves the
// shape to OpenBLAS, whose column that is), and the machine's one-core sgemm.
//   bench_gemm_shapes [BATCH]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backend/cpu/gemm_cpu.h"
#include "backend/ops.h"
#include "bench_common.h"

using namespace emoaug;

namespace {

constexpr int64_t kPoolBytes = int64_t{96} << 20;  // three times this machine's 32 MiB L3

struct Layer {
  int in, out;
};

// GFLOP/s of `form` on the layer, cycling through enough weight matrices to miss the caches.
double measure(const char* form, const Layer& l, int batch, ops::CpuGemm kernels) {
  ops::MathMode math;
  math.cpu_gemm = kernels;
  ops::ExecutionContext exec(Device::Host, 1, math);
  const ops::ExecutionScope bound(exec);
  const int64_t weight_bytes = int64_t{4} * l.in * l.out;
  const int pool = static_cast<int>(std::max<int64_t>(2, kPoolBytes / weight_bytes));
  std::vector<Tensor> weights, grads;
  for (int i = 0; i < pool; ++i) {
    weights.emplace_back(l.out, l.in);
    grads.emplace_back(l.out, l.in);
    bench::fill_uniform(weights.back(), 10 + i);
  }
  Tensor x(batch, l.in), dy(batch, l.out), y(batch, l.out), dx(batch, l.in);
  bench::fill_uniform(x, 1);
  bench::fill_uniform(dy, 2);
  const std::string f = form;
  int next = 0;
  auto call = [&] {
    const int i = next++ % pool;
    if (f == "forward")
      ops::gemm(x.view(), ops::Trans::No, weights[i].view(), ops::Trans::Yes, y.view());
    else if (f == "input_grad")
      ops::gemm(dy.view(), ops::Trans::No, weights[i].view(), ops::Trans::No, dx.view());
    else
      ops::gemm(dy.view(), ops::Trans::Yes, x.view(), ops::Trans::No, grads[i].view(), 1.0f, 1.0f);
  };
  const double s = bench::time_per_call(call, pool, std::max(3 * pool, 30));
  return 2.0 * batch * l.in * static_cast<double>(l.out) / s * 1e-9;
}

// Whether `kernels` take the form's gemm on the layer (else OpenBLAS does).
bool routed(const char* form, const Layer& l, int batch, ops::CpuGemm kernels) {
  const std::string f = form;
  if (f == "forward")
    return ops::cpu::blocked_gemm_choice(kernels, ops::Trans::No, ops::Trans::Yes, batch, l.out,
                                         l.in);
  if (f == "input_grad")
    return ops::cpu::blocked_gemm_choice(kernels, ops::Trans::No, ops::Trans::No, batch, l.in,
                                         l.out);
  return ops::cpu::blocked_gemm_choice(kernels, ops::Trans::Yes, ops::Trans::No, l.out, l.in,
                                       batch);
}

}  // namespace

int main(int argc, char** argv) {
  const int batch = argc > 1 ? std::atoi(argv[1]) : 64;
  if (batch < 1) {
    std::fprintf(stderr, "usage: bench_gemm_shapes [BATCH]\n");
    return 2;
  }
  std::vector<ops::CpuGemm> paths;
  for (const ops::CpuGemm path : {ops::CpuGemm::OpenBlas, ops::CpuGemm::Avx2, ops::CpuGemm::Avx512})
    if (ops::cpu_runs(path)) paths.push_back(path);
  std::printf("cpu_gemm %s\n", ops::name_of(ops::best_cpu_gemm()));
  std::printf("paths");
  for (const ops::CpuGemm path : paths) std::printf(" %s", ops::name_of(path));
  std::printf("\nbatch %d\n", batch);
  // G/F 1582-1000-500-1000-1582, D 1582-1000-1000-1, C 1582-100-100-4.
  const std::vector<Layer> layers{{1582, 1000}, {1000, 500},  {500, 1000},
                                  {1000, 1582}, {1000, 1000}, {1000, 1},
                                  {1582, 100},  {100, 100},   {100, 4}};
  for (const char* form : {"forward", "input_grad", "weight_grad"}) {
    for (const Layer& l : layers) {
      std::printf("gemm_%s_%dx%d", form, l.in, l.out);
      for (const ops::CpuGemm path : paths) {
        if (path == ops::CpuGemm::OpenBlas || routed(form, l, batch, path))
          std::printf(" %.1f", measure(form, l, batch, path));
        else
          std::printf(" -");
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  std::printf("sgemm_2048_gflops_one_core %.1f\n", bench::sgemm_gflops(2048, 1));
  return 0;
}
