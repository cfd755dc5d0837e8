// CPU backend: OpenBLAS for gemm, plain loops over kernels/functors.h for everything else. Sums are
// accumulated in double and in a fixed order, so results do not depend on the thread count.
#include <cblas.h>

#include <cmath>
#include <vector>

#include "backend/ops.h"
#include "core/error.h"
#include "kernels/functors.h"

namespace emoaug::ops {
namespace {

void require_host(ConstMatView x, const char* op) {
  EMOAUG_CHECK(x.device == Device::Host, op, " on a device tensor: the CUDA backend is not built");
}

bool has(ConstMatView x) { return x.data != nullptr; }

}  // namespace

void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha, float beta) {
  require_host(a, "gemm");
  const int64_t m = ta == Trans::No ? a.rows : a.cols;
  const int64_t k = ta == Trans::No ? a.cols : a.rows;
  const int64_t kb = tb == Trans::No ? b.rows : b.cols;
  const int64_t n = tb == Trans::No ? b.cols : b.rows;
  EMOAUG_CHECK(k == kb && c.rows == m && c.cols == n, "gemm shapes: op(A) ", m, "x", k, ", op(B) ",
               kb, "x", n, ", C ", c.rows, "x", c.cols);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scale(c, beta);
    return;
  }
  cblas_sgemm(CblasRowMajor, ta == Trans::No ? CblasNoTrans : CblasTrans,
              tb == Trans::No ? CblasNoTrans : CblasTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), alpha, a.data, static_cast<int>(a.cols),
              b.data, static_cast<int>(b.cols), beta, c.data, static_cast<int>(c.cols));
}

void add_bias(MatView y, const float* bias) {
  require_host(y, "add_bias");
  for (int64_t r = 0; r < y.rows; ++r) {
    float* row = y.row(r);
    for (int64_t c = 0; c < y.cols; ++c) row[c] += bias[c];
  }
}

void col_sum(ConstMatView x, float* out, bool accumulate) {
  require_host(x, "col_sum");
  // Row by row keeps the access contiguous; float accumulation in a fixed order is deterministic
  // and matches what a BLAS-free reference computes for these short (batch-sized) sums.
  if (!accumulate)
    for (int64_t c = 0; c < x.cols; ++c) out[c] = 0.0f;
  for (int64_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    for (int64_t c = 0; c < x.cols; ++c) out[c] += row[c];
  }
}

void leaky_relu(MatView x, float slope) {
  require_host(x, "leaky_relu");
  for (int64_t i = 0; i < x.size(); ++i) x.data[i] = fn::leaky_relu(x.data[i], slope);
}

void leaky_relu_backward(MatView dy, ConstMatView y, float slope) {
  check_same_shape(dy, y, "leaky_relu_backward");
  for (int64_t i = 0; i < dy.size(); ++i)
    dy.data[i] *= fn::leaky_relu_grad_from_output(y.data[i], slope);
}

namespace {
// Fills mask[i] = dropout scale of draw i, drawing whole Philox blocks.
void fill_dropout_mask(float* mask, int64_t n, float p, Rng& rng) {
  const uint64_t blocks = static_cast<uint64_t>((n + 3) / 4);
  const uint64_t first = rng.reserve_blocks(blocks);
  for (uint64_t b = 0; b < blocks; ++b) {
    Philox4 ctr{{static_cast<uint32_t>(first + b), static_cast<uint32_t>((first + b) >> 32),
                 static_cast<uint32_t>(rng.stream()), static_cast<uint32_t>(rng.stream() >> 32)}};
    Philox4 words = philox4x32_10(ctr, rng.key0(), rng.key1());
    for (int w = 0; w < 4; ++w) {
      int64_t i = static_cast<int64_t>(b) * 4 + w;
      if (i < n) mask[i] = fn::dropout_scale(words.v[w], p);
    }
  }
}
}  // namespace

void dropout(MatView x, MatView mask, float p, Rng& rng) {
  check_same_shape(x, mask, "dropout");
  require_host(x, "dropout");
  EMOAUG_CHECK(p >= 0.0f && p < 1.0f, "dropout p=", p);
  fill_dropout_mask(mask.data, mask.size(), p, rng);
  for (int64_t i = 0; i < x.size(); ++i) x.data[i] *= mask.data[i];
}

void dropout_backward(MatView dy, ConstMatView mask) {
  check_same_shape(dy, mask, "dropout_backward");
  for (int64_t i = 0; i < dy.size(); ++i) dy.data[i] *= mask.data[i];
}

void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask,
                        Rng* rng) {
  require_host(y, "bias_leaky_dropout");
  const bool drop = p > 0.0f;
  if (drop) {
    EMOAUG_CHECK(rng != nullptr, "dropout needs a random stream");
    check_same_shape(y, mask, "bias_leaky_dropout mask");
    fill_dropout_mask(mask.data, mask.size(), p, *rng);
  }
  for (int64_t r = 0; r < y.rows; ++r) {
    float* row = y.row(r);
    const float* mrow = drop ? mask.row(r) : nullptr;
    for (int64_t c = 0; c < y.cols; ++c) {
      float v = fn::leaky_relu(row[c] + bias[c], slope);
      row[c] = drop ? v * mrow[c] : v;
    }
  }
}

void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope) {
  check_same_shape(dy, y, "leaky_dropout_backward");
  if (has(mask)) {
    check_same_shape(dy, mask, "leaky_dropout_backward mask");
    // Where the mask dropped a unit y is 0 and the gradient is 0 whatever leaky' says.
    for (int64_t i = 0; i < dy.size(); ++i)
      dy.data[i] *= mask.data[i] * fn::leaky_relu_grad_from_output(y.data[i], slope);
  } else {
    for (int64_t i = 0; i < dy.size(); ++i)
      dy.data[i] *= fn::leaky_relu_grad_from_output(y.data[i], slope);
  }
}

void sigmoid(ConstMatView x, MatView y) {
  check_same_shape(x, y, "sigmoid");
  for (int64_t i = 0; i < x.size(); ++i) y.data[i] = fn::sigmoid(x.data[i]);
}

float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                            float grad_scale) {
  require_host(logits, "softmax_cross_entropy");
  const bool grad = has(dlogits);
  if (grad) check_same_shape(logits, dlogits, "softmax_cross_entropy");
  const int64_t n = logits.rows, k = logits.cols;
  EMOAUG_CHECK(n > 0 && k > 0, "softmax_cross_entropy on an empty batch");
  double total = 0.0;
  const float inv_n = 1.0f / static_cast<float>(n);
  for (int64_t r = 0; r < n; ++r) {
    const float* x = logits.row(r);
    const int32_t label = labels[r];
    EMOAUG_CHECK(label >= 0 && label < k, "label ", label, " outside 0..", k - 1);
    float mx = x[0];
    for (int64_t c = 1; c < k; ++c) mx = std::max(mx, x[c]);
    double sum = 0.0;
    for (int64_t c = 0; c < k; ++c) sum += std::exp(static_cast<double>(x[c] - mx));
    const double log_sum = std::log(sum);
    total += log_sum - static_cast<double>(x[label] - mx);
    if (grad) {
      float* d = dlogits.row(r);
      for (int64_t c = 0; c < k; ++c) {
        float prob = static_cast<float>(std::exp(static_cast<double>(x[c] - mx) - log_sum));
        d[c] = grad_scale * inv_n * (prob - (c == label ? 1.0f : 0.0f));
      }
    }
  }
  return static_cast<float>(total / n);
}

void argmax_rows(ConstMatView x, int32_t* out) {
  require_host(x, "argmax_rows");
  for (int64_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    int32_t best = 0;
    for (int64_t c = 1; c < x.cols; ++c)
      if (row[c] > row[best]) best = static_cast<int32_t>(c);
    out[r] = best;
  }
}

float bce_with_logits(ConstMatView logits, float target, MatView dlogits, float grad_scale) {
  require_host(logits, "bce_with_logits");
  const bool grad = has(dlogits);
  if (grad) check_same_shape(logits, dlogits, "bce_with_logits");
  EMOAUG_CHECK(logits.size() > 0, "bce_with_logits on an empty batch");
  const float g = grad_scale / static_cast<float>(logits.size());
  double total = 0.0;
  for (int64_t i = 0; i < logits.size(); ++i) {
    total += fn::bce_with_logits(logits.data[i], target);
    if (grad) dlogits.data[i] = g * fn::bce_with_logits_grad(logits.data[i], target);
  }
  return static_cast<float>(total / logits.size());
}

float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                      float grad_scale) {
  check_same_shape(logits, targets, "bce_with_logits targets");
  const bool grad = has(dlogits);
  if (grad) check_same_shape(logits, dlogits, "bce_with_logits");
  EMOAUG_CHECK(logits.size() > 0, "bce_with_logits on an empty batch");
  const float g = grad_scale / static_cast<float>(logits.size());
  double total = 0.0;
  for (int64_t i = 0; i < logits.size(); ++i) {
    total += fn::bce_with_logits(logits.data[i], targets.data[i]);
    if (grad) dlogits.data[i] = g * fn::bce_with_logits_grad(logits.data[i], targets.data[i]);
  }
  return static_cast<float>(total / logits.size());
}

float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale) {
  check_same_shape(pred, target, "mse");
  require_host(pred, "mse");
  const bool grad = has(dpred);
  if (grad) check_same_shape(pred, dpred, "mse gradient");
  EMOAUG_CHECK(pred.size() > 0, "mse on an empty batch");
  const float g = 2.0f * grad_scale / static_cast<float>(pred.size());
  double total = 0.0;
  for (int64_t i = 0; i < pred.size(); ++i) {
    float diff = pred.data[i] - target.data[i];
    total += static_cast<double>(diff) * diff;
    if (grad) dpred.data[i] = g * diff;
  }
  return static_cast<float>(total / pred.size());
}

void scale(MatView x, float alpha) {
  require_host(x, "scale");
  if (alpha == 0.0f) {
    zero(x);
    return;
  }
  for (int64_t i = 0; i < x.size(); ++i) x.data[i] *= alpha;
}

void axpy(float alpha, ConstMatView x, MatView y) {
  check_same_shape(x, y, "axpy");
  require_host(x, "axpy");
  for (int64_t i = 0; i < x.size(); ++i) y.data[i] += alpha * x.data[i];
}

void copy(ConstMatView src, MatView dst) {
  check_same_shape(src, dst, "copy");
  require_host(src, "copy");
  std::copy(src.data, src.data + src.size(), dst.data);
}

void gather_rows(ConstMatView src, const int* rows, MatView dst) {
  EMOAUG_CHECK(src.cols == dst.cols, "gather_rows: widths ", src.cols, " and ", dst.cols);
  require_host(src, "gather_rows");
  for (int64_t r = 0; r < dst.rows; ++r) {
    EMOAUG_CHECK(rows[r] >= 0 && rows[r] < src.rows, "gather_rows: row ", rows[r], " of ", src.rows);
    std::copy(src.row(rows[r]), src.row(rows[r]) + src.cols, dst.row(r));
  }
}

void zero(MatView x) {
  require_host(x, "zero");
  std::fill(x.data, x.data + x.size(), 0.0f);
}

void adam(MatView params, ConstMatView grads, MatView m, MatView v, const AdamHyper& h,
          int64_t step) {
  check_same_shape(params, grads, "adam grads");
  check_same_shape(params, m, "adam m");
  check_same_shape(params, v, "adam v");
  require_host(params, "adam");
  EMOAUG_CHECK(step >= 1, "Adam steps count from 1");
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
  for (int64_t i = 0; i < params.size(); ++i)
    fn::adam_update(params.data[i], grads.data[i], m.data[i], v.data[i], s);
}

}  // namespace emoaug::ops
