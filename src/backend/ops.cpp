// The dispatcher: checks each op's arguments once for both backends, finds the device the call's
// views live on, and routes to ops::cpu or ops::cuda. The backends only compute.
#include "backend/ops.h"

#include <cmath>
#include <cstdio>
#include <initializer_list>

#include "backend/backend.h"
#include "backend/cpu/ops_cpu.h"
#include "backend/execution.h"
#include "core/error.h"
#ifdef EMOAUG_HAVE_CUDA
#include "backend/cuda/ops_cuda.h"
#endif

namespace emoaug::ops {
namespace {

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

#ifndef EMOAUG_HAVE_CUDA
[[noreturn]] void cuda_not_built(const char* op) {
  EMOAUG_FAIL(op, " on a CUDA tensor, but CUDA is not built (configure with -DEMOAUG_CUDA=ON)");
}
#endif

// The backend that computes a call on `dev`.
Backend& on(Device dev, const char* op) {
  if (dev == Device::Host) return cpu::backend();
#ifdef EMOAUG_HAVE_CUDA
  (void)op;
  return cuda::backend();
#else
  cuda_not_built(op);
#endif
}

Backend& backend_for(const char* op, std::initializer_list<ConstMatView> views) {
  return on(device_of(op, views), op);
}

void check_dropout_p(float p, const char* op) {
  EMOAUG_CHECK(p >= 0.0f && p < 1.0f, op, ": dropout p=", p);
}

}  // namespace

void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha, float beta) {
  Backend& backend = backend_for("gemm", {a, b, c});
  const int64_t m = ta == Trans::No ? a.rows : a.cols;
  const int64_t k = ta == Trans::No ? a.cols : a.rows;
  const int64_t kb = tb == Trans::No ? b.rows : b.cols;
  const int64_t n = tb == Trans::No ? b.cols : b.rows;
  EMOAUG_CHECK(k == kb && c.rows == m && c.cols == n, "gemm shapes: op(A) ", m, "x", k, ", op(B) ",
               kb, "x", n, ", C ", c.rows, "x", c.cols);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    backend.scale(c, beta);
    return;
  }
  ExecutionContext& exec = current_execution();
  exec.count_gemm(static_cast<uint64_t>(2 * m * n * k));
  backend.gemm(a, ta, b, tb, c, alpha, beta, exec.math());
}

void add_bias(MatView y, const float* bias) {
  backend_for("add_bias", {y}).add_bias(y, bias);
}

void col_sum(ConstMatView x, float* out, bool accumulate) {
  backend_for("col_sum", {x}).col_sum(x, out, accumulate);
}

void leaky_relu(MatView x, float slope) {
  backend_for("leaky_relu", {x}).leaky_relu(x, slope);
}

void leaky_relu_backward(MatView dy, ConstMatView y, float slope) {
  check_same_shape(dy, y, "leaky_relu_backward");
  backend_for("leaky_relu_backward", {dy, y}).leaky_relu_backward(dy, y, slope);
}

void dropout(MatView x, MatView mask, float p, Rng& rng) {
  check_same_shape(x, mask, "dropout");
  check_dropout_p(p, "dropout");
  backend_for("dropout", {x, mask}).dropout(x, mask, p, rng);
}

void dropout_backward(MatView dy, ConstMatView mask) {
  check_same_shape(dy, mask, "dropout_backward");
  backend_for("dropout_backward", {dy, mask}).dropout_backward(dy, mask);
}

void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask,
                        Rng* rng) {
  check_dropout_p(p, "bias_leaky_dropout");
  if (p > 0.0f) {
    EMOAUG_CHECK(rng != nullptr, "dropout needs a random stream");
    check_same_shape(y, mask, "bias_leaky_dropout mask");
  }
  backend_for("bias_leaky_dropout", {y, mask}).bias_leaky_dropout(y, bias, slope, p, mask, rng);
}

void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope) {
  check_same_shape(dy, y, "leaky_dropout_backward");
  if (mask.data) check_same_shape(dy, mask, "leaky_dropout_backward mask");
  backend_for("leaky_dropout_backward", {dy, y, mask}).leaky_dropout_backward(dy, y, mask, slope);
}

void sigmoid(ConstMatView x, MatView y) {
  check_same_shape(x, y, "sigmoid");
  backend_for("sigmoid", {x, y}).sigmoid(x, y);
}

namespace {
Backend& check_xent(ConstMatView logits, ConstMatView dlogits) {
  Backend& backend = backend_for("softmax_cross_entropy", {logits, dlogits});
  if (dlogits.data) check_same_shape(logits, dlogits, "softmax_cross_entropy");
  EMOAUG_CHECK(logits.rows > 0 && logits.cols > 0, "softmax_cross_entropy on an empty batch");
  return backend;
}
Backend& check_bce(ConstMatView logits, ConstMatView targets, ConstMatView dlogits) {
  Backend& backend = backend_for("bce_with_logits", {logits, targets, dlogits});
  if (targets.data) check_same_shape(logits, targets, "bce_with_logits targets");
  if (dlogits.data) check_same_shape(logits, dlogits, "bce_with_logits");
  EMOAUG_CHECK(logits.size() > 0, "bce_with_logits on an empty batch");
  return backend;
}
Backend& check_mse(ConstMatView pred, ConstMatView target, ConstMatView dpred) {
  Backend& backend = backend_for("mse", {pred, target, dpred});
  check_same_shape(pred, target, "mse");
  if (dpred.data) check_same_shape(pred, dpred, "mse gradient");
  EMOAUG_CHECK(pred.size() > 0, "mse on an empty batch");
  return backend;
}
}  // namespace

float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                            float grad_scale) {
  return check_xent(logits, dlogits).softmax_cross_entropy(logits, labels, dlogits, grad_scale);
}

void argmax_rows(ConstMatView x, int32_t* out) {
  backend_for("argmax_rows", {x}).argmax_rows(x, out);
}

void argmax_hits_into(ConstMatView logits, const int32_t* labels, float* hits) {
  EMOAUG_CHECK(hits, "argmax_hits_into without a destination");
  backend_for("argmax_hits_into", {logits}).argmax_hits_into(logits, labels, hits);
}

float bce_with_logits(ConstMatView logits, float target, MatView dlogits, float grad_scale) {
  return check_bce(logits, ConstMatView{}, dlogits)
      .bce_with_logits(logits, target, dlogits, grad_scale);
}

float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                      float grad_scale) {
  EMOAUG_CHECK(targets.data != nullptr || logits.size() == 0, "bce_with_logits: no targets");
  return check_bce(logits, targets, dlogits).bce_with_logits(logits, targets, dlogits, grad_scale);
}

float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale) {
  return check_mse(pred, target, dpred).mse(pred, target, dpred, grad_scale);
}

void softmax_cross_entropy_into(ConstMatView logits, const int32_t* labels, MatView dlogits,
                                float grad_scale, float* loss) {
  check_xent(logits, dlogits).softmax_cross_entropy_into(logits, labels, dlogits, grad_scale, loss);
}

void bce_with_logits_into(ConstMatView logits, float target, MatView dlogits, float grad_scale,
                          float* loss) {
  check_bce(logits, ConstMatView{}, dlogits)
      .bce_with_logits_into(logits, target, dlogits, grad_scale, loss);
}

void bce_with_logits_into(ConstMatView logits, ConstMatView targets, MatView dlogits,
                          float grad_scale, float* loss) {
  EMOAUG_CHECK(targets.data != nullptr || logits.size() == 0, "bce_with_logits: no targets");
  check_bce(logits, targets, dlogits)
      .bce_with_logits_into(logits, targets, dlogits, grad_scale, loss);
}

void mse_into(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale,
              float* loss) {
  check_mse(pred, target, dpred).mse_into(pred, target, dpred, grad_scale, loss);
}

void scale(MatView x, float alpha) {
  backend_for("scale", {x}).scale(x, alpha);
}

void axpy(float alpha, ConstMatView x, MatView y) {
  check_same_shape(x, y, "axpy");
  backend_for("axpy", {x, y}).axpy(alpha, x, y);
}

void copy(ConstMatView src, MatView dst) {
  check_same_shape(src, dst, "copy");
  backend_for("copy", {src, dst}).copy(src, dst);
}

void gather_rows(ConstMatView src, const int* rows, MatView dst) {
  EMOAUG_CHECK(src.cols == dst.cols, "gather_rows: widths ", src.cols, " and ", dst.cols);
  backend_for("gather_rows", {src, dst}).gather_rows(src, rows, dst);
}

void zero(MatView x) {
  backend_for("zero", {x}).zero(x);
}

namespace {
void check_transfer(const char* op, ConstMatView from, ConstMatView to, Device from_device) {
  check_same_shape(from, to, op);
  const Device to_device = from_device == Device::Host ? Device::Cuda : Device::Host;
  EMOAUG_CHECK(from.device == from_device && to.device == to_device, op, ": copies ",
               name_of(from_device), " to ", name_of(to_device), ", given ", name_of(from.device),
               " to ", name_of(to.device));
}
}  // namespace

void to_device(ConstMatView host, MatView dev) {
  check_transfer("to_device", host, dev, Device::Host);
#ifdef EMOAUG_HAVE_CUDA
  cuda::to_device(host, dev);
#else
  cuda_not_built("to_device");
#endif
}

void to_host(ConstMatView dev, MatView host) {
  check_transfer("to_host", dev, host, Device::Cuda);
#ifdef EMOAUG_HAVE_CUDA
  cuda::to_host(dev, host);
#else
  cuda_not_built("to_host");
#endif
}

void adam(MatView params, ConstMatView grads, MatView m, MatView v, const AdamHyper& h,
          int64_t step) {
  check_same_shape(params, grads, "adam grads");
  check_same_shape(params, m, "adam m");
  check_same_shape(params, v, "adam v");
  EMOAUG_CHECK(step >= 1, "Adam steps count from 1");
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
  backend_for("adam", {params, grads, m, v}).adam(params, grads, m, v, s);
}

bool cuda_available(std::string* why_not) {
#ifdef EMOAUG_HAVE_CUDA
  return cuda::available(why_not);
#else
  if (why_not) *why_not = "emoaug was built without CUDA (EMOAUG_CUDA=OFF or no nvcc found)";
  return false;
#endif
}

std::vector<std::string> cuda_library_lines() {
#ifdef EMOAUG_HAVE_CUDA
  return cuda::library_lines();
#else
  return {};
#endif
}

void synchronize() {
#ifdef EMOAUG_HAVE_CUDA
  cuda::synchronize();
#endif
}

GpuInfo gpu_info(int gpu) {
#ifdef EMOAUG_HAVE_CUDA
  if (gpu >= 0) cuda::use_device(gpu);
  return cuda::gpu_info();
#else
  (void)gpu;
  EMOAUG_FAIL("emoaug was built without CUDA: no GPU to describe");
#endif
}

std::string GpuInfo::describe() const {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s, driver %d.%d, CUDA %d.%d", name.c_str(),
                driver_version / 1000, driver_version % 1000 / 10, runtime_version / 1000,
                runtime_version % 1000 / 10);
  return buf;
}

}  // namespace emoaug::ops
