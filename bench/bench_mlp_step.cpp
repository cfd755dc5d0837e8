// One Mlp training step at the paper's generator size (1582-1000-500-1000-1582, batch 64: forward,
// MSE, backward, Adam) against the machine's sgemm roofline. Prints `name value` lines.
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_common.h"
#include "nn/adam.h"
#include "nn/mlp.h"

using namespace emoaug;

int main(int argc, char** argv) {
  const int batch = argc > 1 ? std::atoi(argv[1]) : 64;
  // OpenBLAS on the threads it starts with (OPENBLAS_NUM_THREADS, else the cores), for the step
  // and the roofline alike.
  ops::MathMode math;
  math.blas_threads = openblas_get_num_threads();
  ops::ExecutionContext exec(Device::Host, 1, math);
  const ops::ExecutionScope bound(exec);
  const float dropout = 0.2f;
  const std::vector<int> sizes{1582, 1000, 500, 1000, 1582};
  Rng init(1, 1, StreamId::Init), drop(1, 1, StreamId::Dropout);
  nn::Mlp mlp({sizes, 0.2f, dropout}, init);
  nn::Adam adam(mlp.num_params(), ops::AdamHyper{});
  Tensor x(batch, sizes.front()), target(batch, sizes.back()), dout(batch, sizes.back());
  bench::fill_uniform(x, 3);
  bench::fill_uniform(target, 4);
  nn::MlpActivations acts;
  auto step = [&] {
    ConstMatView y = mlp.forward(x.view(), acts, true, &drop);
    ops::mse(y, target.view(), dout.view());
    mlp.backward(acts, dout.view(), MatView{}, nn::ParamGrads::Write);
    adam.step(mlp.params(), mlp.grads(), 2e-4f);
  };
  // Forward 2*B*in*out per layer; backward the weight gradient for every layer and the input
  // gradient for all but the first: 3x forward minus the first layer's input gradient.
  double fwd = 0.0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) fwd += 2.0 * batch * sizes[l] * sizes[l + 1];
  const double flops = 3.0 * fwd - 2.0 * batch * sizes[0] * sizes[1];
  const double seconds = bench::time_per_call(step, 3, 30);
  const double step_gflops = flops / seconds * 1e-9;
  const double roofline = bench::sgemm_gflops(2048, math.blas_threads);
  std::printf("threads %d\n", math.blas_threads);
  std::printf("mlp_step_batch %d\n", batch);
  std::printf("mlp_step_ms %.3f\n", seconds * 1e3);
  std::printf("mlp_step_gflops %.1f\n", step_gflops);
  std::printf("sgemm_2048_gflops %.1f\n", roofline);
  std::printf("mlp_step_roofline_fraction %.3f\n", step_gflops / roofline);
  return 0;
}
