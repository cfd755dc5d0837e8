// The dispatcher: checks each op's arguments once for both backends, finds the device the call's
// views live on, and routes to ops::cpu or ops::cuda. The backends only compute.
#include "backend/ops.h"

#include <atomic>
#include <cmath>
#include <initializer_list>

#include "backend/cpu/gemm_cpu.h"
#include "backend/cpu/ops_cpu.h"
#include "core/error.h"
#ifdef EMOAUG_HAVE_CUDA
#include "backend/cuda/ops_cuda.h"
#endif

namespace emoaug::ops {
namespace {

std::atomic<bool> g_tf32{false};
std::atomic<uint64_t> g_gemm_flops{0};
std::atomic<int> g_cpu_threads{0};  // 0: not set

const char* name_of(Device d) {
  return d == Device::Cuda ? "cuda" : "host";
}

// The device of one call: that of its non-null views, which must agree. Null views are absent
// optional arguments (MatView{} says Host but means nothing); with none present, the first view's
// device field decides (an empty tensor still knows where it lives).
Device device_of(const char* op, std::initializer_list<ConstMatView> views) {
  const ConstMatView* first = nullptr;
  for (const ConstMatView& v : views) {
    if (!v.data) continue;
    if (!first) {
      first = &v;
      continue;
    }
    EMOAUG_CHECK(v.device == first->device, op, ": arguments on different devices (",
                 name_of(first->device), " and ", name_of(v.device), ")");
  }
  return first ? first->device : views.begin()->device;
}

#ifdef EMOAUG_HAVE_CUDA
#define EMOAUG_ROUTE(op, dev, ...) \
  ((dev) == Device::Cuda ? cuda::op(__VA_ARGS__) : cpu::op(__VA_ARGS__))
#else
void require_host(Device dev, const char* op) {
  EMOAUG_CHECK(dev == Device::Host, op,
               " on a CUDA tensor, but CUDA is not built (configure with -DEMOAUG_CUDA=ON)");
}
#define EMOAUG_ROUTE(op, dev, ...) (require_host(dev, #op), cpu::op(__VA_ARGS__))
#endif

void check_dropout_p(float p, const char* op) {
  EMOAUG_CHECK(p >= 0.0f && p < 1.0f, op, ": dropout p=", p);
}

}  // namespace

void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha, float beta) {
  const Device dev = device_of("gemm", {a, b, c});
  const int64_t m = ta == Trans::No ? a.rows : a.cols;
  const int64_t k = ta == Trans::No ? a.cols : a.rows;
  const int64_t kb = tb == Trans::No ? b.rows : b.cols;
  const int64_t n = tb == Trans::No ? b.cols : b.rows;
  EMOAUG_CHECK(k == kb && c.rows == m && c.cols == n, "gemm shapes: op(A) ", m, "x", k, ", op(B) ",
               kb, "x", n, ", C ", c.rows, "x", c.cols);
  g_gemm_flops.fetch_add(static_cast<uint64_t>(2 * m * n * k), std::memory_order_relaxed);
  EMOAUG_ROUTE(gemm, dev, a, ta, b, tb, c, alpha, beta);
}

void add_bias(MatView y, const float* bias) {
  EMOAUG_ROUTE(add_bias, device_of("add_bias", {y}), y, bias);
}

void col_sum(ConstMatView x, float* out, bool accumulate) {
  EMOAUG_ROUTE(col_sum, device_of("col_sum", {x}), x, out, accumulate);
}

void leaky_relu(MatView x, float slope) {
  EMOAUG_ROUTE(leaky_relu, device_of("leaky_relu", {x}), x, slope);
}

void leaky_relu_backward(MatView dy, ConstMatView y, float slope) {
  check_same_shape(dy, y, "leaky_relu_backward");
  EMOAUG_ROUTE(leaky_relu_backward, device_of("leaky_relu_backward", {dy, y}), dy, y, slope);
}

void dropout(MatView x, MatView mask, float p, Rng& rng) {
  check_same_shape(x, mask, "dropout");
  check_dropout_p(p, "dropout");
  EMOAUG_ROUTE(dropout, device_of("dropout", {x, mask}), x, mask, p, rng);
}

void dropout_backward(MatView dy, ConstMatView mask) {
  check_same_shape(dy, mask, "dropout_backward");
  EMOAUG_ROUTE(dropout_backward, device_of("dropout_backward", {dy, mask}), dy, mask);
}

void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask,
                        Rng* rng) {
  check_dropout_p(p, "bias_leaky_dropout");
  if (p > 0.0f) {
    EMOAUG_CHECK(rng != nullptr, "dropout needs a random stream");
    check_same_shape(y, mask, "bias_leaky_dropout mask");
  }
  const Device dev = device_of("bias_leaky_dropout", {y, mask});
  EMOAUG_ROUTE(bias_leaky_dropout, dev, y, bias, slope, p, mask, rng);
}

void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope) {
  check_same_shape(dy, y, "leaky_dropout_backward");
  if (mask.data) check_same_shape(dy, mask, "leaky_dropout_backward mask");
  const Device dev = device_of("leaky_dropout_backward", {dy, y, mask});
  EMOAUG_ROUTE(leaky_dropout_backward, dev, dy, y, mask, slope);
}

void sigmoid(ConstMatView x, MatView y) {
  check_same_shape(x, y, "sigmoid");
  EMOAUG_ROUTE(sigmoid, device_of("sigmoid", {x, y}), x, y);
}

namespace {
Device check_xent(ConstMatView logits, ConstMatView dlogits) {
  const Device dev = device_of("softmax_cross_entropy", {logits, dlogits});
  if (dlogits.data) check_same_shape(logits, dlogits, "softmax_cross_entropy");
  EMOAUG_CHECK(logits.rows > 0 && logits.cols > 0, "softmax_cross_entropy on an empty batch");
  return dev;
}
Device check_bce(ConstMatView logits, ConstMatView targets, ConstMatView dlogits) {
  const Device dev = device_of("bce_with_logits", {logits, targets, dlogits});
  if (targets.data) check_same_shape(logits, targets, "bce_with_logits targets");
  if (dlogits.data) check_same_shape(logits, dlogits, "bce_with_logits");
  EMOAUG_CHECK(logits.size() > 0, "bce_with_logits on an empty batch");
  return dev;
}
Device check_mse(ConstMatView pred, ConstMatView target, ConstMatView dpred) {
  const Device dev = device_of("mse", {pred, target, dpred});
  check_same_shape(pred, target, "mse");
  if (dpred.data) check_same_shape(pred, dpred, "mse gradient");
  EMOAUG_CHECK(pred.size() > 0, "mse on an empty batch");
  return dev;
}
}  // namespace

float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                            float grad_scale) {
  const Device dev = check_xent(logits, dlogits);
  return EMOAUG_ROUTE(softmax_cross_entropy, dev, logits, labels, dlogits, grad_scale);
}

void argmax_rows(ConstMatView x, int32_t* out) {
  EMOAUG_ROUTE(argmax_rows, device_of("argmax_rows", {x}), x, out);
}

float bce_with_logits(ConstMatView logits, float target, MatView dlogits, float grad_scale) {
  const Device dev = check_bce(logits, ConstMatView{}, dlogits);
  return EMOAUG_ROUTE(bce_with_logits, dev, logits, target, dlogits, grad_scale);
}

float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                      float grad_scale) {
  EMOAUG_CHECK(targets.data != nullptr || logits.size() == 0, "bce_with_logits: no targets");
  const Device dev = check_bce(logits, targets, dlogits);
  return EMOAUG_ROUTE(bce_with_logits, dev, logits, targets, dlogits, grad_scale);
}

float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale) {
  const Device dev = check_mse(pred, target, dpred);
  return EMOAUG_ROUTE(mse, dev, pred, target, dpred, grad_scale);
}

// On the CPU the _into forms are the returning ones plus a store.
#ifdef EMOAUG_HAVE_CUDA
#define EMOAUG_ROUTE_INTO(op, dev, loss, ...)   \
  do {                                          \
    if ((dev) == Device::Cuda) {                \
      cuda::op##_into(__VA_ARGS__, loss);       \
    } else {                                    \
      const float value = cpu::op(__VA_ARGS__); \
      if (loss) *(loss) = value;                \
    }                                           \
  } while (0)
#else
#define EMOAUG_ROUTE_INTO(op, dev, loss, ...) \
  do {                                        \
    require_host(dev, #op "_into");           \
    const float value = cpu::op(__VA_ARGS__); \
    if (loss) *(loss) = value;                \
  } while (0)
#endif

void softmax_cross_entropy_into(ConstMatView logits, const int32_t* labels, MatView dlogits,
                                float grad_scale, float* loss) {
  const Device dev = check_xent(logits, dlogits);
  EMOAUG_ROUTE_INTO(softmax_cross_entropy, dev, loss, logits, labels, dlogits, grad_scale);
}

void bce_with_logits_into(ConstMatView logits, float target, MatView dlogits, float grad_scale,
                          float* loss) {
  const Device dev = check_bce(logits, ConstMatView{}, dlogits);
  EMOAUG_ROUTE_INTO(bce_with_logits, dev, loss, logits, target, dlogits, grad_scale);
}

void bce_with_logits_into(ConstMatView logits, ConstMatView targets, MatView dlogits,
                          float grad_scale, float* loss) {
  EMOAUG_CHECK(targets.data != nullptr || logits.size() == 0, "bce_with_logits: no targets");
  const Device dev = check_bce(logits, targets, dlogits);
  EMOAUG_ROUTE_INTO(bce_with_logits, dev, loss, logits, targets, dlogits, grad_scale);
}

void mse_into(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale,
              float* loss) {
  const Device dev = check_mse(pred, target, dpred);
  EMOAUG_ROUTE_INTO(mse, dev, loss, pred, target, dpred, grad_scale);
}

void scale(MatView x, float alpha) {
  EMOAUG_ROUTE(scale, device_of("scale", {x}), x, alpha);
}

void axpy(float alpha, ConstMatView x, MatView y) {
  check_same_shape(x, y, "axpy");
  EMOAUG_ROUTE(axpy, device_of("axpy", {x, y}), alpha, x, y);
}

void copy(ConstMatView src, MatView dst) {
  check_same_shape(src, dst, "copy");
  EMOAUG_ROUTE(copy, device_of("copy", {src, dst}), src, dst);
}

void gather_rows(ConstMatView src, const int* rows, MatView dst) {
  EMOAUG_CHECK(src.cols == dst.cols, "gather_rows: widths ", src.cols, " and ", dst.cols);
  EMOAUG_ROUTE(gather_rows, device_of("gather_rows", {src, dst}), src, rows, dst);
}

void zero(MatView x) {
  EMOAUG_ROUTE(zero, device_of("zero", {x}), x);
}

void to_device(ConstMatView host, MatView dev) {
  check_same_shape(host, dev, "to_device");
  EMOAUG_CHECK(host.device == Device::Host && dev.device == Device::Cuda,
               "to_device: copies host to cuda, given ", name_of(host.device), " to ",
               name_of(dev.device));
#ifdef EMOAUG_HAVE_CUDA
  cuda::to_device(host, dev);
#else
  require_host(dev.device, "to_device");
#endif
}

void to_host(ConstMatView dev, MatView host) {
  check_same_shape(dev, host, "to_host");
  EMOAUG_CHECK(dev.device == Device::Cuda && host.device == Device::Host,
               "to_host: copies cuda to host, given ", name_of(dev.device), " to ",
               name_of(host.device));
#ifdef EMOAUG_HAVE_CUDA
  cuda::to_host(dev, host);
#else
  require_host(dev.device, "to_host");
#endif
}

void adam(MatView params, ConstMatView grads, MatView m, MatView v, const AdamHyper& h,
          int64_t step) {
  check_same_shape(params, grads, "adam grads");
  check_same_shape(params, m, "adam m");
  check_same_shape(params, v, "adam v");
  EMOAUG_CHECK(step >= 1, "Adam steps count from 1");
  const Device dev = device_of("adam", {params, grads, m, v});
  // The bias corrections in double, once per step, for both backends.
  const double bc1 = 1.0 - std::pow(static_cast<double>(h.beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(h.beta2), static_cast<double>(step));
  fn::AdamStep s{h.beta1, h.beta2, h.eps, 0.0f, 1.0f};
  if (h.flavor == AdamFlavor::PyTorch) {
    s.step_size = static_cast<float>(h.lr / bc1);
    s.v_scale = static_cast<float>(1.0 / std::sqrt(bc2));
  } else {
    s.step_size = static_cast<float>(h.lr * std::sqrt(bc2) / bc1);
    s.v_scale = 1.0f;
  }
  EMOAUG_ROUTE(adam, dev, params, grads, m, v, s);
}

bool cuda_available(std::string* why_not) {
#ifdef EMOAUG_HAVE_CUDA
  return cuda::available(why_not);
#else
  if (why_not) *why_not = "emoaug was built without CUDA (EMOAUG_CUDA=OFF or no nvcc found)";
  return false;
#endif
}

void set_tf32(bool enabled) {
  g_tf32.store(enabled, std::memory_order_relaxed);
}
bool tf32() {
  return g_tf32.load(std::memory_order_relaxed);
}

void synchronize() {
#ifdef EMOAUG_HAVE_CUDA
  cuda::synchronize();
#endif
}

uint64_t gemm_flops() {
  return g_gemm_flops.load(std::memory_order_relaxed);
}

int cpu_threads() {
  const int set = g_cpu_threads.load(std::memory_order_relaxed);
  return set > 0 ? set : 1;
}

void set_cpu_threads(int threads) {
  EMOAUG_CHECK(threads >= 1, "CPU threads: ", threads);
  g_cpu_threads.store(threads, std::memory_order_relaxed);
}

int blas_threads() {
  return cpu::blas_threads();
}

void set_blas_threads(int threads) {
  EMOAUG_CHECK(threads >= 1, "BLAS threads: ", threads);
  cpu::set_blas_threads(threads);
}

void set_blocked_cpu_gemm(bool enabled) {
  cpu::set_blocked_gemm_enabled(enabled);
}

bool blocked_cpu_gemm() {
  return cpu::blocked_gemm_available();
}

}  // namespace emoaug::ops
