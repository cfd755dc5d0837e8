// Elementwise kernels: activations, dropout (the mask is the CPU's bytes: fn::dropout_quad), the
// fused hidden-layer epilogue and its backward, and Adam over a model's flat buffer in one launch.
#include "kernels/for_each.cuh"
#include "kernels/launch.h"

namespace emoaug::kernels {
namespace {

struct AddBias {
  float* y;
  const float* bias;
  int64_t cols;
  __device__ void operator()(int64_t i) const { y[i] += bias[i % cols]; }
};

struct LeakyRelu {
  float* x;
  float slope;
  __device__ void operator()(int64_t i) const { x[i] = fn::leaky_relu(x[i], slope); }
};

struct LeakyReluBackward {
  float* dy;
  const float* y;
  float slope;
  __device__ void operator()(int64_t i) const {
    dy[i] *= fn::leaky_relu_grad_from_output(y[i], slope);
  }
};

// One thread per Philox block: four mask values from one generator call.
struct DropoutQuad {
  float* x;  // may be null: mask only
  float* mask;
  int64_t n;
  fn::DropoutDraws draws;
  __device__ void operator()(int64_t q) const {
    float m[4];
    fn::dropout_quad(draws, static_cast<uint64_t>(q), m);
    for (int w = 0; w < 4; ++w) {
      const int64_t i = 4 * q + w;
      if (i < n) {
        mask[i] = m[w];
        if (x) x[i] *= m[w];
      }
    }
  }
};

struct Multiply {
  float* dy;
  const float* mask;
  __device__ void operator()(int64_t i) const { dy[i] *= mask[i]; }
};

struct BiasLeaky {
  float* y;
  const float* bias;
  int64_t cols;
  float slope;
  __device__ void operator()(int64_t i) const {
    y[i] = fn::leaky_relu(y[i] + bias[i % cols], slope);
  }
};

// The hidden-layer epilogue in one pass over y: bias, leaky ReLU, and the dropout mask drawn in
// registers, written once for backward.
struct BiasLeakyDropoutQuad {
  float* y;
  const float* bias;
  float* mask;
  int64_t n, cols;
  float slope;
  fn::DropoutDraws draws;
  __device__ void operator()(int64_t q) const {
    float m[4];
    fn::dropout_quad(draws, static_cast<uint64_t>(q), m);
    for (int w = 0; w < 4; ++w) {
      const int64_t i = 4 * q + w;
      if (i < n) {
        mask[i] = m[w];
        y[i] = fn::leaky_relu(y[i] + bias[i % cols], slope) * m[w];
      }
    }
  }
};

struct LeakyDropoutBackward {
  float* dy;
  const float* y;
  const float* mask;
  float slope;
  __device__ void operator()(int64_t i) const {
    const float lg = fn::leaky_relu_grad_from_output(y[i], slope);
    if (mask)
      dy[i] *= mask[i] * lg;
    else
      dy[i] *= lg;
  }
};

struct Sigmoid {
  const float* x;
  float* y;
  __device__ void operator()(int64_t i) const { y[i] = fn::sigmoid(x[i]); }
};

struct Scale {
  float* x;
  float alpha;
  __device__ void operator()(int64_t i) const { x[i] *= alpha; }
};

struct Axpy {
  float alpha;
  const float* x;
  float* y;
  __device__ void operator()(int64_t i) const { y[i] += alpha * x[i]; }
};

struct AdamUpdate {
  float* p;
  const float* g;
  float* m;
  float* v;
  fn::AdamStep step;
  __device__ void operator()(int64_t i) const { fn::adam_update(p[i], g[i], m[i], v[i], step); }
};

int64_t quads(int64_t n) {
  return (n + 3) / 4;
}

}  // namespace

void add_bias(cudaStream_t s, float* y, const float* bias, int64_t rows, int64_t cols) {
  for_each(s, rows * cols, AddBias{y, bias, cols}, "add_bias");
}

void leaky_relu(cudaStream_t s, float* x, int64_t n, float slope) {
  for_each(s, n, LeakyRelu{x, slope}, "leaky_relu");
}

void leaky_relu_backward(cudaStream_t s, float* dy, const float* y, int64_t n, float slope) {
  for_each(s, n, LeakyReluBackward{dy, y, slope}, "leaky_relu_backward");
}

void dropout(cudaStream_t s, float* x, float* mask, int64_t n, const fn::DropoutDraws& draws) {
  for_each(s, quads(n), DropoutQuad{x, mask, n, draws}, "dropout");
}

void multiply(cudaStream_t s, float* dy, const float* mask, int64_t n) {
  for_each(s, n, Multiply{dy, mask}, "dropout_backward");
}

void bias_leaky_dropout(cudaStream_t s, float* y, const float* bias, int64_t rows, int64_t cols,
                        float slope, float* mask, const fn::DropoutDraws& draws) {
  const int64_t n = rows * cols;
  if (mask)
    for_each(s, quads(n), BiasLeakyDropoutQuad{y, bias, mask, n, cols, slope, draws},
             "bias_leaky_dropout");
  else
    for_each(s, n, BiasLeaky{y, bias, cols, slope}, "bias_leaky");
}

void leaky_dropout_backward(cudaStream_t s, float* dy, const float* y, const float* mask, int64_t n,
                            float slope) {
  for_each(s, n, LeakyDropoutBackward{dy, y, mask, slope}, "leaky_dropout_backward");
}

void sigmoid(cudaStream_t s, const float* x, float* y, int64_t n) {
  for_each(s, n, Sigmoid{x, y}, "sigmoid");
}

void scale(cudaStream_t s, float* x, int64_t n, float alpha) {
  for_each(s, n, Scale{x, alpha}, "scale");
}

void axpy(cudaStream_t s, float alpha, const float* x, float* y, int64_t n) {
  for_each(s, n, Axpy{alpha, x, y}, "axpy");
}

void adam(cudaStream_t s, float* p, const float* g, float* m, float* v, int64_t n,
          const fn::AdamStep& step) {
  for_each(s, n, AdamUpdate{p, g, m, v, step}, "adam");
}

}  // namespace emoaug::kernels
