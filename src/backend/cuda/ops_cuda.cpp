// CUDA backend: cuBLAS for gemm, kernels/*.cu for the rest, all on this thread's stream.
#include "backend/cuda/ops_cuda.h"

#include <climits>

#include "backend/cuda/check.h"
#include "backend/cuda/context.h"
#include "kernels/launch.h"

namespace emoaug::ops::cuda {
namespace {

cudaStream_t stream() {
  return Context::get().stream();
}

// Draws for a mask of n elements: reserves whole Philox blocks exactly as the CPU backend does,
// so the stream advances identically on both backends.
fn::DropoutDraws reserve_draws(Rng& rng, int64_t n, float p) {
  const uint64_t blocks = static_cast<uint64_t>((n + 3) / 4);
  return {rng.key0(), rng.key1(), rng.stream(), rng.reserve_blocks(blocks), p};
}

// Runs a loss into the context's scalars and copies them back: one transfer and one wait.
template <class Launch>
float returned_loss(const Launch& launch, bool check_labels, int64_t cols) {
  Context& ctx = Context::get();
  if (check_labels)
    EMOAUG_CUDA_CHECK(cudaMemsetAsync(&ctx.device_scalars()->bad_row, LossScalars::kNoBadRow & 0xff,
                                      sizeof(int32_t), ctx.stream()));
  launch(ctx, &ctx.device_scalars()->loss, check_labels ? &ctx.device_scalars()->bad_row : nullptr);
  EMOAUG_CUDA_CHECK(cudaMemcpyAsync(ctx.host_scalars(), ctx.device_scalars(), sizeof(LossScalars),
                                    cudaMemcpyDeviceToHost, ctx.stream()));
  EMOAUG_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
  const LossScalars got = *ctx.host_scalars();
  if (check_labels)
    EMOAUG_CHECK(got.bad_row == LossScalars::kNoBadRow, "softmax_cross_entropy: the label of row ",
                 got.bad_row, " is outside 0..", cols - 1);
  return got.loss;
}

// A returning loss from its _into form: into(loss) leaves the mean at the device pointer loss.
template <class Into>
float returned_loss(const Into& into) {
  return returned_loss([&](Context&, float* loss, int32_t*) { into(loss); }, false, 0);
}

class CudaBackend final : public Backend {
 public:
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first, and each
  // row-major matrix as its column-major transpose with the row length as leading dimension.
  void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha, float beta,
            const MathMode& math) override {
    const int64_t m = c.rows, n = c.cols;
    const int64_t k = ta == Trans::No ? a.cols : a.rows;
    EMOAUG_CHECK(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX, "gemm dimensions beyond int");
    const cublasOperation_t opb = tb == Trans::No ? CUBLAS_OP_N : CUBLAS_OP_T;
    const cublasOperation_t opa = ta == Trans::No ? CUBLAS_OP_N : CUBLAS_OP_T;
    EMOAUG_CUBLAS_CHECK(cublas_api().sgemm(
        Context::get().cublas(math.tf32), opb, opa, static_cast<int>(n), static_cast<int>(m),
        static_cast<int>(k), &alpha, b.data, static_cast<int>(b.cols), a.data,
        static_cast<int>(a.cols), &beta, c.data, static_cast<int>(c.cols)));
  }

  void add_bias(MatView y, const float* bias) override {
    kernels::add_bias(stream(), y.data, bias, y.rows, y.cols);
  }

  void col_sum(ConstMatView x, float* out, bool accumulate) override {
    kernels::col_sum(stream(), x.data, x.rows, x.cols, out, accumulate);
  }

  void leaky_relu(MatView x, float slope) override {
    kernels::leaky_relu(stream(), x.data, x.size(), slope);
  }

  void leaky_relu_backward(MatView dy, ConstMatView y, float slope) override {
    kernels::leaky_relu_backward(stream(), dy.data, y.data, dy.size(), slope);
  }

  void dropout(MatView x, MatView mask, float p, Rng& rng) override {
    kernels::dropout(stream(), x.data, mask.data, x.size(), reserve_draws(rng, mask.size(), p));
  }

  void dropout_backward(MatView dy, ConstMatView mask) override {
    kernels::multiply(stream(), dy.data, mask.data, dy.size());
  }

  void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask,
                          Rng* rng) override {
    const bool drop = p > 0.0f;
    const fn::DropoutDraws draws = drop ? reserve_draws(*rng, mask.size(), p) : fn::DropoutDraws{};
    kernels::bias_leaky_dropout(stream(), y.data, bias, y.rows, y.cols, slope,
                                drop ? mask.data : nullptr, draws);
  }

  void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope) override {
    kernels::leaky_dropout_backward(stream(), dy.data, y.data, mask.data, dy.size(), slope);
  }

  void sigmoid(ConstMatView x, MatView y) override {
    kernels::sigmoid(stream(), x.data, y.data, x.size());
  }

  void softmax_cross_entropy_into(ConstMatView logits, const int32_t* labels, MatView dlogits,
                                  float grad_scale, float* loss) override {
    Context& ctx = Context::get();
    kernels::softmax_cross_entropy(ctx.stream(), logits.data, labels, dlogits.data, logits.rows,
                                   logits.cols, grad_scale, ctx.partials(), loss, nullptr);
  }

  float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                              float grad_scale) override {
    return returned_loss(
        [&](Context& ctx, float* loss, int32_t* bad_row) {
          kernels::softmax_cross_entropy(ctx.stream(), logits.data, labels, dlogits.data,
                                         logits.rows, logits.cols, grad_scale, ctx.partials(), loss,
                                         bad_row);
        },
        true, logits.cols);
  }

  void argmax_rows(ConstMatView x, int32_t* out) override {
    kernels::argmax_rows(stream(), x.data, x.rows, x.cols, out);
  }

  void argmax_hits_into(ConstMatView logits, const int32_t* labels, float* hits) override {
    Context& ctx = Context::get();
    kernels::argmax_hits(ctx.stream(), logits.data, labels, logits.rows, logits.cols,
                         ctx.partials(), hits);
  }

  void bce_with_logits_into(ConstMatView logits, float target, MatView dlogits, float grad_scale,
                            float* loss) override {
    Context& ctx = Context::get();
    const float g = grad_scale / static_cast<float>(logits.size());
    kernels::bce_with_logits(ctx.stream(), logits.data, target, dlogits.data, logits.size(), g,
                             ctx.partials(), loss);
  }

  float bce_with_logits(ConstMatView logits, float target, MatView dlogits,
                        float grad_scale) override {
    return returned_loss(
        [&](float* loss) { bce_with_logits_into(logits, target, dlogits, grad_scale, loss); });
  }

  void bce_with_logits_into(ConstMatView logits, ConstMatView targets, MatView dlogits,
                            float grad_scale, float* loss) override {
    Context& ctx = Context::get();
    const float g = grad_scale / static_cast<float>(logits.size());
    kernels::bce_with_logits(ctx.stream(), logits.data, targets.data, dlogits.data, logits.size(),
                             g, ctx.partials(), loss);
  }

  float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                        float grad_scale) override {
    return returned_loss(
        [&](float* loss) { bce_with_logits_into(logits, targets, dlogits, grad_scale, loss); });
  }

  void mse_into(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale,
                float* loss) override {
    Context& ctx = Context::get();
    const float g = 2.0f * grad_scale / static_cast<float>(pred.size());
    kernels::mse(ctx.stream(), pred.data, target.data, dpred.data, pred.size(), g, ctx.partials(),
                 loss);
  }

  float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale) override {
    return returned_loss([&](float* loss) { mse_into(pred, target, dpred, grad_scale, loss); });
  }

  void scale(MatView x, float alpha) override {
    // As on the CPU, alpha = 0 clears (NaN * 0 would not).
    if (alpha == 0.0f) {
      zero(x);
      return;
    }
    kernels::scale(stream(), x.data, x.size(), alpha);
  }

  void axpy(float alpha, ConstMatView x, MatView y) override {
    kernels::axpy(stream(), alpha, x.data, y.data, x.size());
  }

  void copy(ConstMatView src, MatView dst) override {
    if (src.size() == 0) return;
    EMOAUG_CUDA_CHECK(cudaMemcpyAsync(dst.data, src.data, src.size() * sizeof(float),
                                      cudaMemcpyDeviceToDevice, stream()));
  }

  void gather_rows(ConstMatView src, const int* rows, MatView dst) override {
    kernels::gather_rows(stream(), src.data, src.rows, src.cols, rows, dst.data, dst.rows);
  }

  void zero(MatView x) override {
    if (x.size() == 0) return;
    EMOAUG_CUDA_CHECK(cudaMemsetAsync(x.data, 0, x.size() * sizeof(float), stream()));
  }

  void adam(MatView params, ConstMatView grads, MatView m, MatView v,
            const fn::AdamStep& s) override {
    kernels::adam(stream(), params.data, grads.data, m.data, v.data, params.size(), s);
  }
};

}  // namespace

Backend& backend() {
  static CudaBackend instance;
  return instance;
}

bool available(std::string* why_not) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    // Without a driver the runtime says "driver version is insufficient": say what is missing.
    if (err != cudaSuccess && !driver_loadable(why_not)) {
      cudaGetLastError();
      return false;
    }
    if (why_not)
      *why_not = err != cudaSuccess ? std::string("cudaGetDeviceCount: ") + cudaGetErrorString(err)
                                    : std::string("no CUDA device");
    cudaGetLastError();  // clear it, so that it does not surface at an unrelated later check
    return false;
  }
  return cublas_loadable(why_not);
}

std::vector<std::string> library_lines() {
  int runtime = 0;
  cudaRuntimeGetVersion(&runtime);
  std::vector<std::string> lines = {"cuda runtime: " + std::to_string(runtime / 1000) + "." +
                                    std::to_string(runtime % 1000 / 10) + " (linked in)"};
  for (const LibraryInfo& lib : describe_libraries()) lines.push_back(lib.line());
  return lines;
}

void use_device(int gpu) {
  int current = -1;
  EMOAUG_CUDA_CHECK(cudaGetDevice(&current));
  if (current != gpu) EMOAUG_CUDA_CHECK(cudaSetDevice(gpu));
}

GpuInfo gpu_info() {
  GpuInfo info;
  EMOAUG_CUDA_CHECK(cudaGetDevice(&info.index));
  cudaDeviceProp prop{};
  EMOAUG_CUDA_CHECK(cudaGetDeviceProperties(&prop, info.index));
  info.name = prop.name;
  EMOAUG_CUDA_CHECK(cudaMemGetInfo(&info.free_bytes, &info.total_bytes));
  EMOAUG_CUDA_CHECK(cudaDriverGetVersion(&info.driver_version));
  EMOAUG_CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_version));
  return info;
}

void synchronize() {
  if (Context::exists()) EMOAUG_CUDA_CHECK(cudaStreamSynchronize(Context::get().stream()));
}

void to_device(ConstMatView host, MatView dev) {
  if (host.size() == 0) return;
  // From pageable memory this returns once the source has been staged, so `host` is free again.
  EMOAUG_CUDA_CHECK(cudaMemcpyAsync(dev.data, host.data, host.size() * sizeof(float),
                                    cudaMemcpyHostToDevice, stream()));
}

void to_host(ConstMatView dev, MatView host) {
  if (dev.size() == 0) return;
  EMOAUG_CUDA_CHECK(cudaMemcpyAsync(host.data, dev.data, dev.size() * sizeof(float),
                                    cudaMemcpyDeviceToHost, stream()));
  EMOAUG_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

}  // namespace emoaug::ops::cuda
