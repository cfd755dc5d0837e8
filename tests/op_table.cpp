// The op table's rows and the machinery that places a case on a device between guard words. The
// references are written out here in double, from ops.h's definitions, never by calling an op.
#include "op_table.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/philox.h"
#include "core/rng.h"

namespace emoaug::optable {
namespace {

using ops::Op;

// ---- data -------------------------------------------------------------------------------------

Tensor uniform(int64_t rows, int64_t cols, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(rows, cols);
  Rng rng(seed, 0, StreamId::Data);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform(lo, hi);
  return t;
}

// A case of the row's shape whose inputs and outputs are uniform, each from seed + its offset.
Case uniform_case(const Shape& s, uint64_t seed, std::vector<uint64_t> in,
                  std::vector<uint64_t> out) {
  Case c;
  c.shape = s;
  for (uint64_t k : in) c.in.push_back(uniform(s.rows, s.cols, seed + k));
  for (uint64_t k : out) c.out.push_back(uniform(s.rows, s.cols, seed + k));
  return c;
}

std::vector<int32_t> below(int64_t n, int64_t bound, uint64_t seed) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  Rng rng(seed, 1, StreamId::Data);
  for (int32_t& x : v) x = static_cast<int32_t>(rng.below(static_cast<uint32_t>(bound)));
  return v;
}

std::vector<double> doubles(const Tensor& t) {
  return std::vector<double>(t.data(), t.data() + t.size());
}

// The weights of the scalar f = sum w * y that the activations' gradients are checked on.
Tensor weights(int64_t rows, int64_t cols) {
  return uniform(rows, cols, 4242, -1.0f, 1.0f);
}

double weighted_sum(const Tensor& y_host, const Tensor& w) {
  double s = 0.0;
  for (int64_t i = 0; i < y_host.size(); ++i)
    s += static_cast<double>(w.data()[i]) * y_host.data()[i];
  return s;
}

Tensor to_host(const Tensor& t) {
  return t.to(Device::Host);
}

IndexBuffer indices(const std::vector<int32_t>& v, Device d) {
  IndexBuffer b(d);
  b.assign(v);
  return b;
}

std::vector<Shape> tails() {
  return {{0, 7}, {0, 33}, {1, 1}, {3, 7}, {2, 17}, {5, 33}, {7, 1}, {19, 33}};
}
// The tails again, once per variant.
std::vector<Shape> tails(int variants) {
  std::vector<Shape> out;
  for (int v = 0; v < variants; ++v)
    for (Shape s : tails()) {
      s.variant = v;
      out.push_back(s);
    }
  return out;
}

// The paper's widths (bench/paper_cyclegan.h): d = 1582, hidden 1000 and 500, the classifier's 100
// and 4 classes, a discriminator's 1 output; bench_ops runs 256 rows.
constexpr int64_t kRows = 256, kDims = 1582, kHidden = 1000, kClasses = 4;

constexpr float kSlope = 0.2f, kDropP = 0.3f;

Expected outputs(std::vector<std::vector<double>> out, std::vector<double> returned = {}) {
  return {std::move(out), std::move(returned)};
}

// ---- dropout's draws, from ops.h's definition ----------------------------------------------
// Element i keeps with scale 1/(1-p) iff the uniform of word i % 4 of Philox block
// (first + i / 4) of the layer's stream is >= p, `first` being the next block the stream reserves.
std::vector<double> dropout_mask(int64_t n, float p, const Rng& rng_at_call) {
  Rng rng = rng_at_call;
  const uint64_t first = rng.reserve_blocks(static_cast<uint64_t>((n + 3) / 4));
  std::vector<double> mask(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t block = first + static_cast<uint64_t>(i / 4);
    const uint64_t stream = rng.stream();
    Philox4 ctr{{static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                 static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)}};
    const uint32_t word = philox4x32_10(ctr, rng.key0(), rng.key1()).v[i % 4];
    const double u = static_cast<double>(word >> 8) / 16777216.0;
    mask[static_cast<size_t>(i)] = u >= p ? 1.0 / (1.0 - static_cast<double>(p)) : 0.0;
  }
  return mask;
}

Rng dropout_stream() {
  return Rng(5, 6, StreamId::Dropout);
}

double leaky(double x) {
  return x > 0.0 ? x : kSlope * x;
}

// ---- gemm -------------------------------------------------------------------------------------
// variant: bit 0 op(A) = Aᵀ, bit 1 op(B) = Bᵀ, bit 2 alpha 1 and beta 0 (else 0.7 and 0.3).

OpRow gemm_row() {
  OpRow r;
  r.op = Op::gemm;
  for (auto [m, n, k] : std::vector<std::array<int64_t, 3>>{{0, 7, 5},
                                                            {5, 0, 3},
                                                            {3, 7, 0},
                                                            {1, 1, 1},
                                                            {7, 17, 33},
                                                            {33, 7, 17},
                                                            {17, 33, 1},
                                                            {67, 33, 257},
                                                            {64, 129, 300}})
    for (int v = 0; v < 8; ++v) r.shapes.push_back({m, n, k, v});
  r.paper = {kRows, kHidden, kDims, 2 | 4};  // a first layer's forward, x · Wᵀ
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    const bool ta = s.variant & 1, tb = s.variant & 2;
    const int64_t m = s.rows, n = s.cols, k = s.inner;
    c.in.push_back(ta ? uniform(k, m, seed) : uniform(m, k, seed));
    c.in.push_back(tb ? uniform(n, k, seed + 1) : uniform(k, n, seed + 1));
    c.out.push_back(uniform(m, n, seed + 2));
    return c;
  };
  r.call = [](const Bound& b) {
    const bool plain = b.shape.variant & 4;
    ops::gemm(b.in[0], b.shape.variant & 1 ? ops::Trans::Yes : ops::Trans::No, b.in[1],
              b.shape.variant & 2 ? ops::Trans::Yes : ops::Trans::No, b.out[0], plain ? 1.0f : 0.7f,
              plain ? 0.0f : 0.3f);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    const bool ta = c.shape.variant & 1, tb = c.shape.variant & 2, plain = c.shape.variant & 4;
    const double alpha = plain ? 1.0 : 0.7f, beta = plain ? 0.0 : 0.3f;
    const Tensor &a = c.in[0], &b = c.in[1];
    const int64_t m = c.shape.rows, n = c.shape.cols, k = c.shape.inner;
    std::vector<double> out(static_cast<size_t>(m * n));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (int64_t p = 0; p < k; ++p)
          s += static_cast<double>(ta ? a(p, i) : a(i, p)) * (tb ? b(j, p) : b(p, j));
        out[static_cast<size_t>(i * n + j)] = alpha * s + beta * c.out[0](i, j);
      }
    return outputs({out});
  };
  // FP32 sums of up to 1582 products (bench_ops's k) in another order; TF32 rounds the operands to
  // 10 mantissa bits. A wrong element is off by O(1).
  r.tolerance = {1e-4, 1e-4, 1e-2};
  r.reads_outputs = false;
  return r;
}

// ---- rows and columns -------------------------------------------------------------------------

OpRow add_bias_row() {
  OpRow r;
  r.op = Op::add_bias;
  r.shapes = tails();
  r.paper = {kRows, kHidden};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(1, s.cols, seed));
    c.out.push_back(uniform(s.rows, s.cols, seed + 1));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::add_bias(b.out[0], b.in[0].data);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> y = doubles(c.out[0]);
    for (int64_t i = 0; i < c.out[0].size(); ++i)
      y[static_cast<size_t>(i)] += c.in[0].data()[i % c.shape.cols];
    return outputs({y});
  };
  // d(sum w * (y + b)) / db = col_sum(w).
  r.gradient.x = [](Case& c) -> Tensor& { return c.in[0]; };
  r.gradient.f = [](const Case& c, Device d) {
    Tensor y = c.out[0].to(d), bias = c.in[0].to(d);
    ops::add_bias(y.view(), bias.data());
    return weighted_sum(to_host(y), weights(c.shape.rows, c.shape.cols));
  };
  r.gradient.df = [](const Case& c, Device d) {
    Tensor w = weights(c.shape.rows, c.shape.cols).to(d), db(1, c.shape.cols, d);
    ops::col_sum(w.view(), db.data(), false);
    return to_host(db);
  };
  r.reads_outputs = true;
  return r;
}

// variant 1 accumulates into what out holds.
OpRow col_sum_row() {
  OpRow r;
  r.op = Op::col_sum;
  r.shapes = tails(2);
  r.paper = {kRows, kHidden, 0, 1};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(s.rows, s.cols, seed));
    c.out.push_back(uniform(1, s.cols, seed + 1));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::col_sum(b.in[0], b.out[0].data, b.shape.variant == 1);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> out(static_cast<size_t>(c.shape.cols), 0.0);
    if (c.shape.variant == 1) out = doubles(c.out[0]);
    for (int64_t i = 0; i < c.shape.rows; ++i)
      for (int64_t j = 0; j < c.shape.cols; ++j) out[static_cast<size_t>(j)] += c.in[0](i, j);
    return outputs({out});
  };
  // Sums of up to 19 rows in float, in row order.
  r.tolerance = {1e-5, 1e-5, 1e-5};
  return r;
}

OpRow gather_rows_row() {
  OpRow r;
  r.op = Op::gather_rows;
  r.shapes = tails();
  r.paper = {kRows, kDims};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(s.rows + 3, s.cols, seed));
    c.index = below(s.rows, s.rows + 3, seed + 1);
    c.out.push_back(uniform(s.rows, s.cols, seed + 2));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::gather_rows(b.in[0], b.index, b.out[0]);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> out;
    for (int64_t i = 0; i < c.shape.rows; ++i)
      for (int64_t j = 0; j < c.shape.cols; ++j)
        out.push_back(c.in[0](c.index[static_cast<size_t>(i)], j));
    return outputs({out});
  };
  r.tolerance = {0, 0, 0};
  return r;
}

// argmax over rows with ties (values in steps of 0.5), the first maximum winning.
OpRow argmax_rows_row() {
  OpRow r;
  r.op = Op::argmax_rows;
  r.shapes = tails();
  r.paper = {kRows, kClasses};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    Tensor x = uniform(s.rows, s.cols, seed, -2.0f, 2.0f);
    for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = std::round(x.data()[i] * 2.0f) / 2.0f;
    c.in.push_back(std::move(x));
    c.out.push_back(uniform(s.rows, 1, seed + 1));
    c.out_ints = {true};
    return c;
  };
  r.call = [](const Bound& b) {
    ops::argmax_rows(b.in[0], b.ints(0));
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> out;
    for (int64_t i = 0; i < c.shape.rows; ++i) {
      int64_t best = 0;
      for (int64_t j = 1; j < c.shape.cols; ++j)
        if (c.in[0](i, j) > c.in[0](i, best)) best = j;
      out.push_back(static_cast<double>(best));
    }
    return outputs({out});
  };
  r.tolerance = {0, 0, 0};
  return r;
}

// Labels that are every other row's argmax, so the count is neither 0 nor all.
OpRow argmax_hits_row() {
  OpRow r;
  r.op = Op::argmax_hits_into;
  r.shapes = tails();
  r.paper = {kRows, kClasses};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(s.rows, s.cols, seed));
    c.index = below(s.rows, s.cols, seed + 1);
    for (int64_t i = 0; i < s.rows; i += 2) {
      const float* row = c.in[0].data() + i * s.cols;
      c.index[static_cast<size_t>(i)] =
          static_cast<int32_t>(std::max_element(row, row + s.cols) - row);
    }
    c.out.push_back(uniform(1, 1, seed + 2));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::argmax_hits_into(b.in[0], b.index, b.out[0].data);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    double hits = 0;
    for (int64_t i = 0; i < c.shape.rows; ++i) {
      int64_t best = 0;
      for (int64_t j = 1; j < c.shape.cols; ++j)
        if (c.in[0](i, j) > c.in[0](i, best)) best = j;
      hits += best == c.index[static_cast<size_t>(i)];
    }
    return outputs({{hits}});
  };
  r.tolerance = {0, 0, 0};
  return r;
}

// ---- activations and dropout ------------------------------------------------------------------

bool near_zero(const Case& c, int64_t i, double h) {
  return std::fabs(c.out[0].data()[i]) < 2.0 * h;
}

OpRow leaky_relu_row() {
  OpRow r;
  r.op = Op::leaky_relu;
  r.shapes = tails();
  r.paper = {kRows, kHidden};
  r.make = [](const Shape& s, uint64_t seed) { return uniform_case(s, seed, {}, {0}); };
  r.call = [](const Bound& b) {
    ops::leaky_relu(b.out[0], kSlope);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> y = doubles(c.out[0]);
    for (double& v : y) v = leaky(v);
    return outputs({y});
  };
  r.gradient.x = [](Case& c) -> Tensor& { return c.out[0]; };
  r.gradient.f = [](const Case& c, Device d) {
    Tensor y = c.out[0].to(d);
    ops::leaky_relu(y.view(), kSlope);
    return weighted_sum(to_host(y), weights(c.shape.rows, c.shape.cols));
  };
  r.gradient.df = [](const Case& c, Device d) {
    Tensor y = c.out[0].to(d), dy = weights(c.shape.rows, c.shape.cols).to(d);
    ops::leaky_relu(y.view(), kSlope);
    ops::leaky_relu_backward(dy.view(), y.view(), kSlope);
    return to_host(dy);
  };
  r.gradient.near_kink = near_zero;
  r.reads_outputs = true;
  return r;
}

OpRow leaky_relu_backward_row() {
  OpRow r;
  r.op = Op::leaky_relu_backward;
  r.shapes = tails();
  r.paper = {kRows, kHidden};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    Tensor y = uniform(s.rows, s.cols, seed);
    for (int64_t i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(leaky(y.data()[i]));
    c.in.push_back(std::move(y));
    c.out.push_back(uniform(s.rows, s.cols, seed + 1));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::leaky_relu_backward(b.out[0], b.in[0], kSlope);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> dy = doubles(c.out[0]);
    for (size_t i = 0; i < dy.size(); ++i) dy[i] *= c.in[0].data()[i] > 0.0f ? 1.0 : kSlope;
    return outputs({dy});
  };
  r.reads_outputs = true;
  return r;
}

OpRow dropout_row() {
  OpRow r;
  r.op = Op::dropout;
  r.shapes = tails();
  r.paper = {kRows, kHidden};
  r.make = [](const Shape& s, uint64_t seed) { return uniform_case(s, seed, {}, {0, 1}); };
  r.call = [](const Bound& b) {
    Rng rng = dropout_stream();
    ops::dropout(b.out[0], b.out[1], kDropP, rng);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> mask = dropout_mask(c.out[0].size(), kDropP, dropout_stream());
    std::vector<double> y = doubles(c.out[0]);
    for (size_t i = 0; i < y.size(); ++i) y[i] *= mask[i];
    return outputs({y, mask});
  };
  r.gradient.x = [](Case& c) -> Tensor& { return c.out[0]; };
  r.gradient.f = [](const Case& c, Device d) {
    Tensor y = c.out[0].to(d), mask(c.shape.rows, c.shape.cols, d);
    Rng rng = dropout_stream();
    ops::dropout(y.view(), mask.view(), kDropP, rng);
    return weighted_sum(to_host(y), weights(c.shape.rows, c.shape.cols));
  };
  r.gradient.df = [](const Case& c, Device d) {
    Tensor y = c.out[0].to(d), mask(c.shape.rows, c.shape.cols, d);
    Rng rng = dropout_stream();
    ops::dropout(y.view(), mask.view(), kDropP, rng);
    Tensor dy = weights(c.shape.rows, c.shape.cols).to(d);
    ops::dropout_backward(dy.view(), mask.view());
    return to_host(dy);
  };
  r.reads_outputs = true;
  return r;
}

OpRow dropout_backward_row() {
  OpRow r;
  r.op = Op::dropout_backward;
  r.shapes = tails();
  r.paper = {kRows, kHidden};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    Tensor mask = uniform(s.rows, s.cols, seed, 0.0f, 1.0f);
    for (int64_t i = 0; i < mask.size(); ++i)
      mask.data()[i] = mask.data()[i] >= kDropP ? 1.0f / (1.0f - kDropP) : 0.0f;
    c.in.push_back(std::move(mask));
    c.out.push_back(uniform(s.rows, s.cols, seed + 1));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::dropout_backward(b.out[0], b.in[0]);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> dy = doubles(c.out[0]);
    for (size_t i = 0; i < dy.size(); ++i) dy[i] *= c.in[0].data()[i];
    return outputs({dy});
  };
  r.reads_outputs = true;
  return r;
}

// variant 0: p = kDropP with a mask; variant 1: p = 0, no mask, no stream.
OpRow bias_leaky_dropout_row() {
  OpRow r;
  r.op = Op::bias_leaky_dropout;
  r.shapes = tails(2);
  r.paper = {kRows, kHidden};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(1, s.cols, seed, -0.5f, 0.5f));
    c.out.push_back(uniform(s.rows, s.cols, seed + 1));
    if (s.variant == 0) c.out.push_back(uniform(s.rows, s.cols, seed + 2));
    return c;
  };
  r.call = [](const Bound& b) {
    Rng rng = dropout_stream();
    const bool drop = b.out.size() == 2;
    ops::bias_leaky_dropout(b.out[0], b.in[0].data, kSlope, drop ? kDropP : 0.0f,
                            drop ? b.out[1] : MatView{}, drop ? &rng : nullptr);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    const int64_t n = c.out[0].size();
    std::vector<double> mask = c.shape.variant == 0 ? dropout_mask(n, kDropP, dropout_stream())
                                                    : std::vector<double>(size_t(n), 1.0);
    std::vector<double> y = doubles(c.out[0]);
    for (int64_t i = 0; i < n; ++i) {
      const size_t k = static_cast<size_t>(i);
      y[k] = leaky(y[k] + c.in[0].data()[i % c.shape.cols]) * mask[k];
    }
    if (c.shape.variant == 0) return outputs({y, mask});
    return outputs({y});
  };
  // f = sum w * y over the output; df/dy_in by leaky_dropout_backward from the output and mask.
  r.gradient.x = [](Case& c) -> Tensor& { return c.out[0]; };
  r.gradient.f = [](const Case& c, Device d) {
    Tensor y = c.out[0].to(d), bias = c.in[0].to(d), mask(c.shape.rows, c.shape.cols, d);
    Rng rng = dropout_stream();
    const bool drop = c.shape.variant == 0;
    ops::bias_leaky_dropout(y.view(), bias.data(), kSlope, drop ? kDropP : 0.0f,
                            drop ? mask.view() : MatView{}, drop ? &rng : nullptr);
    return weighted_sum(to_host(y), weights(c.shape.rows, c.shape.cols));
  };
  r.gradient.df = [](const Case& c, Device d) {
    Tensor y = c.out[0].to(d), bias = c.in[0].to(d), mask(c.shape.rows, c.shape.cols, d);
    Rng rng = dropout_stream();
    const bool drop = c.shape.variant == 0;
    ops::bias_leaky_dropout(y.view(), bias.data(), kSlope, drop ? kDropP : 0.0f,
                            drop ? mask.view() : MatView{}, drop ? &rng : nullptr);
    Tensor dy = weights(c.shape.rows, c.shape.cols).to(d);
    ops::leaky_dropout_backward(dy.view(), y.view(), drop ? mask.view() : MatView{}, kSlope);
    return to_host(dy);
  };
  r.gradient.near_kink = [](const Case& c, int64_t i, double h) {
    return std::fabs(c.out[0].data()[i] + c.in[0].data()[i % c.shape.cols]) < 2.0 * h;
  };
  r.reads_outputs = true;
  return r;
}

// variant 0 with a mask, variant 1 without.
OpRow leaky_dropout_backward_row() {
  OpRow r;
  r.op = Op::leaky_dropout_backward;
  r.shapes = tails(2);
  r.paper = {kRows, kHidden};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    Tensor y = uniform(s.rows, s.cols, seed);
    for (int64_t i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(leaky(y.data()[i]));
    c.in.push_back(std::move(y));
    if (s.variant == 0) {
      Tensor mask = uniform(s.rows, s.cols, seed + 1, 0.0f, 1.0f);
      for (int64_t i = 0; i < mask.size(); ++i)
        mask.data()[i] = mask.data()[i] >= kDropP ? 1.0f / (1.0f - kDropP) : 0.0f;
      c.in.push_back(std::move(mask));
    }
    c.out.push_back(uniform(s.rows, s.cols, seed + 2));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::leaky_dropout_backward(b.out[0], b.in[0], b.in.size() == 2 ? b.in[1] : ConstMatView{},
                                kSlope);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> dy = doubles(c.out[0]);
    for (size_t i = 0; i < dy.size(); ++i) {
      dy[i] *= c.in[0].data()[i] > 0.0f ? 1.0 : kSlope;
      if (c.in.size() == 2) dy[i] *= c.in[1].data()[i];
    }
    return outputs({dy});
  };
  r.reads_outputs = true;
  return r;
}

OpRow sigmoid_row() {
  OpRow r;
  r.op = Op::sigmoid;
  r.shapes = tails();
  r.paper = {kRows, 1};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(s.rows, s.cols, seed, -30.0f, 30.0f));
    c.out.push_back(uniform(s.rows, s.cols, seed + 1));
    return c;
  };
  r.call = [](const Bound& b) {
    ops::sigmoid(b.in[0], b.out[0]);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> y = doubles(c.in[0]);
    for (double& v : y) v = 1.0 / (1.0 + std::exp(-v));
    return outputs({y});
  };
  return r;
}

// ---- losses -----------------------------------------------------------------------------------
// Out buffers in this order: the gradient (when asked), then the loss (the _into forms, when
// asked). `grad` and `loss` say which a variant asks for.

struct LossForm {
  bool grad, loss;
};

// The returning forms: variant 0 with a gradient, 1 without.
LossForm returning_form(int variant) {
  return {variant == 0, false};
}
// The _into forms: variant 0 both, 1 the loss only, 2 the gradient only.
LossForm into_form(int variant) {
  return {variant != 1, variant != 2};
}

MatView grad_view(const Bound& b, LossForm f) {
  return f.grad ? b.out[0] : MatView{};
}
float* loss_ptr(const Bound& b, LossForm f) {
  return f.loss ? b.out[f.grad ? 1 : 0].data : nullptr;
}

void add_loss_buffers(Case& c, LossForm f, uint64_t seed) {
  if (f.grad) c.out.push_back(uniform(c.shape.rows, c.shape.cols, seed + 7));
  if (f.loss) c.out.push_back(uniform(1, 1, seed + 8));
}

Expected loss_outputs(LossForm f, std::vector<double> grad, double loss, bool returned) {
  Expected e;
  if (f.grad) e.out.push_back(std::move(grad));
  if (f.loss) e.out.push_back({loss});
  if (returned) e.returned.push_back(loss);
  return e;
}

// The loss shapes: the tails (an empty batch is an error) and the classifier's 4 classes.
std::vector<Shape> loss_shapes(int variants) {
  std::vector<Shape> out = tails(variants);
  for (int v = 0; v < variants; ++v) out.push_back({33, 4, 0, v});
  return out;
}

constexpr float kXentScale = 2.0f, kBceScale = 0.5f, kMseScale = 5.0f;

Case xent_case(const Shape& s, uint64_t seed, LossForm f) {
  Case c;
  c.shape = s;
  c.in.push_back(uniform(s.rows, s.cols, seed, -3.0f, 3.0f));
  c.index = below(s.rows, std::max<int64_t>(s.cols, 1), seed + 1);
  add_loss_buffers(c, f, seed);
  return c;
}

Expected xent_reference(const Case& c, LossForm f, bool returned) {
  const int64_t n = c.shape.rows, k = c.shape.cols;
  std::vector<double> grad(static_cast<size_t>(n * k));
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double mx = c.in[0](i, 0), z = 0.0;
    for (int64_t j = 1; j < k; ++j) mx = std::max(mx, static_cast<double>(c.in[0](i, j)));
    for (int64_t j = 0; j < k; ++j) z += std::exp(c.in[0](i, j) - mx);
    const int32_t label = c.index[static_cast<size_t>(i)];
    total += -(c.in[0](i, label) - mx - std::log(z));
    for (int64_t j = 0; j < k; ++j) {
      const double p = std::exp(c.in[0](i, j) - mx) / z;
      grad[static_cast<size_t>(i * k + j)] = kXentScale * (p - (j == label)) / n;
    }
  }
  return loss_outputs(f, grad, total / n, returned);
}

// The finite-difference gradient of a loss: f is the op's mean loss with grad_scale 1, df the
// gradient it writes with grad_scale 1. `loss_and_grad` calls the op on device views.
using LossCall = std::function<float(const Case&, ConstMatView x, MatView grad, Device d)>;
void loss_gradient(OpRow& r, LossCall call) {
  r.gradient.x = [](Case& c) -> Tensor& { return c.in[0]; };
  r.gradient.f = [call](const Case& c, Device d) {
    Tensor x = c.in[0].to(d);
    return static_cast<double>(call(c, x.view(), MatView{}, d));
  };
  r.gradient.df = [call](const Case& c, Device d) {
    Tensor x = c.in[0].to(d), g(c.shape.rows, c.shape.cols, d);
    call(c, x.view(), g.view(), d);
    return to_host(g);
  };
}

// A loss read back from one float on the device.
float read_loss(const Tensor& loss) {
  return to_host(loss).data()[0];
}

float xent_into(const Case& c, ConstMatView x, MatView g, Device d) {
  IndexBuffer labels = indices(c.index, d);
  Tensor loss(1, 1, d);
  ops::softmax_cross_entropy_into(x, labels.data(), g, 1.0f, loss.data());
  return read_loss(loss);
}

OpRow softmax_cross_entropy_row(bool into) {
  OpRow r;
  r.op = into ? Op::softmax_cross_entropy_into : Op::softmax_cross_entropy;
  r.shapes = loss_shapes(into ? 3 : 2);
  r.paper = {kRows, kClasses};
  r.make = [into](const Shape& s, uint64_t seed) {
    return xent_case(s, seed, into ? into_form(s.variant) : returning_form(s.variant));
  };
  if (into) {
    r.call = [](const Bound& b) {
      const LossForm f = into_form(b.shape.variant);
      ops::softmax_cross_entropy_into(b.in[0], b.index, grad_view(b, f), kXentScale,
                                      loss_ptr(b, f));
      return std::vector<float>{};
    };
    r.reference = [](const Case& c) {
      return xent_reference(c, into_form(c.shape.variant), false);
    };
    loss_gradient(r, xent_into);
  } else {
    r.call = [](const Bound& b) {
      return std::vector<float>{ops::softmax_cross_entropy(
          b.in[0], b.index, grad_view(b, returning_form(b.shape.variant)), kXentScale)};
    };
    r.reference = [](const Case& c) {
      return xent_reference(c, returning_form(c.shape.variant), true);
    };
    loss_gradient(r, [](const Case& c, ConstMatView x, MatView g, Device d) {
      IndexBuffer labels = indices(c.index, d);
      return ops::softmax_cross_entropy(x, labels.data(), g, 1.0f);
    });
  }
  r.tolerance = {1e-6, 1e-6, 1e-6};
  r.empty_throws = true;
  return r;
}

// BCE targets: variant bit 0 picks a target matrix (in[1]) over the scalar 0.9; the rest of the
// variant is the loss form (variant >> 1).
float bce_call(ConstMatView x, ConstMatView targets, MatView g, float scale, float* loss) {
  if (loss) {
    if (targets.data)
      ops::bce_with_logits_into(x, targets, g, scale, loss);
    else
      ops::bce_with_logits_into(x, 0.9f, g, scale, loss);
    return 0.0f;
  }
  return targets.data ? ops::bce_with_logits(x, targets, g, scale)
                      : ops::bce_with_logits(x, 0.9f, g, scale);
}

double log_sigmoid(double x) {
  return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

OpRow bce_row(bool into) {
  OpRow r;
  r.op = into ? Op::bce_with_logits_into : Op::bce_with_logits;
  r.shapes = loss_shapes(into ? 6 : 4);
  r.paper = {kRows, 1};  // a discriminator's logits against a smoothed 0.9
  auto form = [into](int variant) {
    return into ? into_form(variant >> 1) : returning_form(variant >> 1);
  };
  r.make = [form](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(s.rows, s.cols, seed, -8.0f, 8.0f));
    // A few logits far out, where the stable form matters.
    if (c.in[0].size() > 2) c.in[0].data()[1] = 40.0f, c.in[0].data()[2] = -40.0f;
    if (s.variant & 1) c.in.push_back(uniform(s.rows, s.cols, seed + 1, 0.0f, 1.0f));
    add_loss_buffers(c, form(s.variant), seed);
    return c;
  };
  r.call = [form, into](const Bound& b) {
    const LossForm f = form(b.shape.variant);
    const ConstMatView targets = b.shape.variant & 1 ? b.in[1] : ConstMatView{};
    const float loss = bce_call(b.in[0], targets, grad_view(b, f), kBceScale, loss_ptr(b, f));
    return into ? std::vector<float>{} : std::vector<float>{loss};
  };
  r.reference = [form, into](const Case& c) {
    const int64_t n = c.in[0].size();
    std::vector<double> grad(static_cast<size_t>(n));
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double x = c.in[0].data()[i], t = c.shape.variant & 1 ? c.in[1].data()[i] : 0.9f;
      total += -(t * log_sigmoid(x) + (1.0 - t) * log_sigmoid(-x));
      grad[static_cast<size_t>(i)] = kBceScale * (1.0 / (1.0 + std::exp(-x)) - t) / n;
    }
    return loss_outputs(form(c.shape.variant), grad, total / n, !into);
  };
  loss_gradient(r, [into](const Case& c, ConstMatView x, MatView g, Device d) {
    Tensor targets = c.shape.variant & 1 ? c.in[1].to(d) : Tensor{};
    if (!into) return bce_call(x, targets.view(), g, 1.0f, nullptr);
    Tensor loss(1, 1, d);
    bce_call(x, targets.view(), g, 1.0f, loss.data());
    return read_loss(loss);
  });
  // log1p(exp(-|x|)) in float against the reference's double: a few ulp of the mean.
  r.tolerance = {2e-6, 2e-6, 2e-6};
  r.empty_throws = true;
  return r;
}

OpRow mse_row(bool into) {
  OpRow r;
  r.op = into ? Op::mse_into : Op::mse;
  r.shapes = loss_shapes(into ? 3 : 2);
  r.paper = {kRows, kDims};  // the cycle loss
  auto form = [into](int variant) { return into ? into_form(variant) : returning_form(variant); };
  r.make = [form](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(s.rows, s.cols, seed));
    c.in.push_back(uniform(s.rows, s.cols, seed + 1));
    add_loss_buffers(c, form(s.variant), seed);
    return c;
  };
  r.call = [form, into](const Bound& b) {
    const LossForm f = form(b.shape.variant);
    if (into) {
      ops::mse_into(b.in[0], b.in[1], grad_view(b, f), kMseScale, loss_ptr(b, f));
      return std::vector<float>{};
    }
    return std::vector<float>{ops::mse(b.in[0], b.in[1], grad_view(b, f), kMseScale)};
  };
  r.reference = [form, into](const Case& c) {
    const int64_t n = c.in[0].size();
    std::vector<double> grad(static_cast<size_t>(n));
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double diff = static_cast<double>(c.in[0].data()[i]) - c.in[1].data()[i];
      total += diff * diff;
      grad[static_cast<size_t>(i)] = kMseScale * 2.0 * diff / n;
    }
    return loss_outputs(form(c.shape.variant), grad, total / n, !into);
  };
  loss_gradient(r, [into](const Case& c, ConstMatView x, MatView g, Device d) {
    Tensor target = c.in[1].to(d);
    if (!into) return ops::mse(x, target.view(), g, 1.0f);
    Tensor loss(1, 1, d);
    ops::mse_into(x, target.view(), g, 1.0f, loss.data());
    return read_loss(loss);
  });
  r.empty_throws = true;
  return r;
}

// ---- BLAS-1 and buffers -----------------------------------------------------------------------

// variant 0: alpha -1.25; variant 1: alpha 0 (which zeroes).
OpRow scale_row() {
  OpRow r;
  r.op = Op::scale;
  r.shapes = tails(2);
  r.paper = {kRows, kDims};
  r.make = [](const Shape& s, uint64_t seed) { return uniform_case(s, seed, {}, {0}); };
  r.call = [](const Bound& b) {
    ops::scale(b.out[0], b.shape.variant == 0 ? -1.25f : 0.0f);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> y = doubles(c.out[0]);
    for (double& v : y) v *= c.shape.variant == 0 ? -1.25 : 0.0;
    return outputs({y});
  };
  r.tolerance = {1e-7, 1e-7, 1e-7};  // one rounding of the product
  r.reads_outputs = true;
  return r;
}

OpRow axpy_row() {
  OpRow r;
  r.op = Op::axpy;
  r.shapes = tails();
  r.paper = {kRows, kDims};
  r.make = [](const Shape& s, uint64_t seed) { return uniform_case(s, seed, {0}, {1}); };
  r.call = [](const Bound& b) {
    ops::axpy(-0.5f, b.in[0], b.out[0]);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    std::vector<double> y = doubles(c.out[0]);
    for (size_t i = 0; i < y.size(); ++i) y[i] += -0.5 * c.in[0].data()[i];
    return outputs({y});
  };
  r.reads_outputs = true;
  return r;
}

OpRow copy_row() {
  OpRow r;
  r.op = Op::copy;
  r.shapes = tails();
  r.paper = {kRows, kDims};
  r.make = [](const Shape& s, uint64_t seed) { return uniform_case(s, seed, {0}, {1}); };
  r.call = [](const Bound& b) {
    ops::copy(b.in[0], b.out[0]);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) { return outputs({doubles(c.in[0])}); };
  r.tolerance = {0, 0, 0};
  return r;
}

OpRow zero_row() {
  OpRow r;
  r.op = Op::zero;
  r.shapes = tails();
  r.paper = {kRows, kDims};
  r.make = [](const Shape& s, uint64_t seed) { return uniform_case(s, seed, {}, {0}); };
  r.call = [](const Bound& b) {
    ops::zero(b.out[0]);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    return outputs({std::vector<double>(static_cast<size_t>(c.out[0].size()), 0.0)});
  };
  r.tolerance = {0, 0, 0};
  return r;
}

// variant 0: PyTorch's Adam, 1: TensorFlow 1.x's; the third step from random moments.
constexpr int64_t kAdamStep = 3;
ops::AdamHyper adam_hyper(int variant) {
  ops::AdamHyper h;
  h.lr = 1e-2f;
  h.eps = 1e-3f;
  h.flavor = variant == 0 ? ops::AdamFlavor::PyTorch : ops::AdamFlavor::TensorFlow;
  return h;
}

OpRow adam_row() {
  OpRow r;
  r.op = Op::adam;
  r.shapes = tails(2);
  // One generator's parameters, 1582-1000-500-1000-1582 with biases, as one flat buffer.
  r.paper = {1, 1582 * 1000 + 1000 + 1000 * 500 + 500 + 500 * 1000 + 1000 + 1000 * 1582 + 1582};
  r.make = [](const Shape& s, uint64_t seed) {
    Case c;
    c.shape = s;
    c.in.push_back(uniform(s.rows, s.cols, seed));                    // grads
    c.out.push_back(uniform(s.rows, s.cols, seed + 1));               // params
    c.out.push_back(uniform(s.rows, s.cols, seed + 2, -0.1f, 0.1f));  // m
    c.out.push_back(uniform(s.rows, s.cols, seed + 3, 0.0f, 0.01f));  // v
    return c;
  };
  r.call = [](const Bound& b) {
    ops::adam(b.out[0], b.in[0], b.out[1], b.out[2], adam_hyper(b.shape.variant), kAdamStep);
    return std::vector<float>{};
  };
  r.reference = [](const Case& c) {
    const ops::AdamHyper h = adam_hyper(c.shape.variant);
    const double b1 = h.beta1, b2 = h.beta2, lr = h.lr, eps = h.eps;
    const double bc1 = 1 - std::pow(b1, kAdamStep), bc2 = 1 - std::pow(b2, kAdamStep);
    std::vector<double> p = doubles(c.out[0]), m = doubles(c.out[1]), v = doubles(c.out[2]);
    for (size_t i = 0; i < p.size(); ++i) {
      const double g = c.in[0].data()[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      if (h.flavor == ops::AdamFlavor::PyTorch)
        p[i] -= lr / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + eps);
      else
        p[i] -= lr * std::sqrt(bc2) / bc1 * m[i] / (std::sqrt(v[i]) + eps);
    }
    return outputs({p, m, v});
  };
  r.reads_outputs = true;
  return r;
}

// ---- transfers (CUDA only: on the host they are an error) ---------------------------------------

OpRow transfer_row(bool to_device) {
  OpRow r;
  r.op = to_device ? Op::to_device : Op::to_host;
  r.shapes = tails();
  r.paper = {kRows, kDims};
  r.placement = to_device ? Placement::InputsOnHost : Placement::OutputsOnHost;
  r.make = [](const Shape& s, uint64_t seed) { return uniform_case(s, seed, {0}, {1}); };
  if (to_device)
    r.call = [](const Bound& b) {
      ops::to_device(b.in[0], b.out[0]);
      return std::vector<float>{};
    };
  else
    r.call = [](const Bound& b) {
      ops::to_host(b.in[0], b.out[0]);
      return std::vector<float>{};
    };
  r.reference = [](const Case& c) { return outputs({doubles(c.in[0])}); };
  r.tolerance = {0, 0, 0};
  return r;
}

std::vector<OpRow> make_table() {
  return {gemm_row(),
          add_bias_row(),
          col_sum_row(),
          leaky_relu_row(),
          leaky_relu_backward_row(),
          dropout_row(),
          dropout_backward_row(),
          bias_leaky_dropout_row(),
          leaky_dropout_backward_row(),
          sigmoid_row(),
          softmax_cross_entropy_row(false),
          argmax_rows_row(),
          argmax_hits_row(),
          bce_row(false),
          mse_row(false),
          softmax_cross_entropy_row(true),
          bce_row(true),
          mse_row(true),
          scale_row(),
          axpy_row(),
          copy_row(),
          gather_rows_row(),
          zero_row(),
          adam_row(),
          transfer_row(true),
          transfer_row(false)};
}

uint32_t word_of(const float* p, int64_t i) {
  uint32_t w;
  std::memcpy(&w, p + i, sizeof(w));
  return w;
}

}  // namespace

std::string describe(const Shape& s) {
  std::ostringstream out;
  out << s.rows << "x" << s.cols;
  if (s.inner) out << "x" << s.inner;
  if (s.variant) out << " variant " << s.variant;
  return out.str();
}

const char* name_of(Mode m) {
  switch (m) {
    case Mode::Cpu:
      return "cpu";
    case Mode::CudaFp32:
      return "cuda_fp32";
    case Mode::CudaTf32:
      return "cuda_tf32";
  }
  return "?";
}

Device device_of(Mode m) {
  return m == Mode::Cpu ? Device::Host : Device::Cuda;
}

double Tolerance::of(Mode m) const {
  return m == Mode::Cpu ? cpu : m == Mode::CudaFp32 ? cuda_fp32 : cuda_tf32;
}

const std::vector<OpRow>& op_table() {
  static const std::vector<OpRow> table = make_table();
  return table;
}

const OpRow* find_row(ops::Op op) {
  for (const OpRow& r : op_table())
    if (r.op == op) return &r;
  return nullptr;
}

Placed::Placed(const OpRow& row, const Case& c, Device device) : index_(device) {
  const Device in_device = row.placement == Placement::InputsOnHost ? Device::Host : device;
  const Device out_device = row.placement == Placement::OutputsOnHost ? Device::Host : device;
  for (const Tensor& t : c.in) in_.push_back(t.to(in_device));
  for (const Tensor& t : c.out) {
    Tensor guarded(1, t.size() + 2 * kGuardWords);
    for (int64_t i = 0; i < guarded.size(); ++i)
      std::memcpy(guarded.data() + i, &kSentinel, sizeof(kSentinel));
    std::copy(t.data(), t.data() + t.size(), guarded.data() + kGuardWords);
    out_.push_back(guarded.to(out_device));
    out_rows_.push_back(t.rows());
    out_cols_.push_back(t.cols());
  }
  index_.assign(c.index);
  bound_.shape = c.shape;
  for (const Tensor& t : in_) bound_.in.push_back(t.view());
  for (size_t i = 0; i < out_.size(); ++i)
    bound_.out.push_back(
        {out_[i].data() + kGuardWords, out_rows_[i], out_cols_[i], out_[i].device()});
  bound_.index = index_.data();
}

std::vector<Tensor> Placed::outputs() const {
  std::vector<Tensor> out;
  for (size_t i = 0; i < out_.size(); ++i) {
    Tensor all = out_[i].to(Device::Host);
    Tensor t(out_rows_[i], out_cols_[i]);
    std::copy(all.data() + kGuardWords, all.data() + kGuardWords + t.size(), t.data());
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> Placed::damaged_guards() const {
  std::vector<std::string> damage;
  for (size_t b = 0; b < out_.size(); ++b) {
    Tensor all = out_[b].to(Device::Host);
    const int64_t n = out_rows_[b] * out_cols_[b];
    for (int64_t g = 0; g < kGuardWords; ++g) {
      const int64_t before = kGuardWords - 1 - g, after = kGuardWords + n + g;
      const std::array<std::pair<int64_t, const char*>, 2> sides{
          {{before, "before the start"}, {after, "after the end"}}};
      for (const auto& [at, side] : sides) {
        const uint32_t w = word_of(all.data(), at);
        if (w == kSentinel) continue;
        std::ostringstream line;
        line << "out[" << b << "]: word " << g << " " << side << " is 0x" << std::hex << w;
        damage.push_back(line.str());
      }
    }
  }
  return damage;
}

std::vector<std::string> Placed::changed_inputs(const Case& c) const {
  std::vector<std::string> changed;
  for (size_t i = 0; i < in_.size(); ++i) {
    Tensor now = in_[i].to(Device::Host);
    if (now.size() != c.in[i].size() ||
        std::memcmp(now.data(), c.in[i].data(), sizeof(float) * static_cast<size_t>(now.size())))
      changed.push_back("in[" + std::to_string(i) + "]");
  }
  return changed;
}

double bytes_moved(const OpRow& row, const Case& c) {
  double words = static_cast<double>(c.index.size());
  for (const Tensor& t : c.in) words += static_cast<double>(t.size());
  for (const Tensor& t : c.out) words += (row.reads_outputs ? 2.0 : 1.0) * t.size();
  // A gather reads only the rows it copies.
  if (row.op == Op::gather_rows) words -= static_cast<double>(c.in[0].size() - c.out[0].size());
  return 4.0 * words;
}

Mismatch compare(const Tensor& got, bool ints, const std::vector<double>& want) {
  Mismatch worst;
  if (static_cast<size_t>(got.size()) != want.size()) {
    worst.error = std::numeric_limits<double>::infinity();
    return worst;
  }
  for (int64_t i = 0; i < got.size(); ++i) {
    const double w = want[static_cast<size_t>(i)];
    double g = got.data()[i];
    if (ints) {
      int32_t v;
      std::memcpy(&v, got.data() + i, sizeof(v));
      g = v;
    }
    double err = std::fabs(g - w) / std::max(1.0, std::fabs(w));
    if (!(err <= std::numeric_limits<double>::max())) err = std::numeric_limits<double>::infinity();
    if (err > worst.error || worst.at < 0) worst = {err, i, g, w};
  }
  return worst;
}

}  // namespace emoaug::optable
