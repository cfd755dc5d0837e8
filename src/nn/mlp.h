// Mlp: a stack of dense layers, leaky ReLU and dropout on the hidden layers, a linear output — the
// building block of every network in the paper (G, F, D, C and the SER classifiers).
//
// All parameters live in one flat buffer and all gradients in another (the optimizer and the
// gradient allreduce each act on a model in one call). Layer l's weight is a [out, in] window of
// it, the PyTorch layout, so y = x W^T + b.
//
// A forward pass saves what backward needs in an MlpActivations the caller owns: a network used
// twice in one step (G on the source batch, and G on F's output in the cycle) keeps two of them.
// Buffers are sized on first use and reused, so a training step allocates nothing after the first.
// They live where the model does: a model moved with to(Device) fills them on that device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"

namespace emoaug::nn {

// What a backward pass does with the parameter gradients: nothing (a discriminator that only passes
// gradient on to a generator), overwrite them (the first backward of a step), or add to them.
enum class ParamGrads { Skip, Write, Accumulate };

struct MlpSpec {
  std::vector<int> sizes;  // input, hidden..., output
  float leaky_slope = 0.2f;
  float dropout = 0.0f;  // drop probability on each hidden layer's output

  std::string describe() const;  // "1582-1000-500-1000-1582"
};

class MlpActivations {
 public:
  ConstMatView output() const { return out_.view(); }
  MatView output() { return out_.view(); }

 private:
  friend class Mlp;
  ConstMatView input_;
  std::vector<Tensor> hidden_;  // each hidden layer's output after activation and dropout
  std::vector<Tensor> masks_;   // dropout scales; empty when dropout is off for the pass
  Tensor out_;
  Tensor grad_a_, grad_b_;  // backward ping-pong buffers
  bool has_masks_ = false;
};

class Mlp {
 public:
  Mlp() = default;
  // Xavier-uniform weights drawn from init_rng layer by layer, zero biases.
  Mlp(MlpSpec spec, Rng& init_rng);

  const MlpSpec& spec() const { return spec_; }
  int num_layers() const { return static_cast<int>(spec_.sizes.size()) - 1; }
  int64_t num_params() const { return params_.size(); }
  int input_size() const { return spec_.sizes.front(); }
  int output_size() const { return spec_.sizes.back(); }

  // Where parameters, gradients and the activations of later passes live. Models are initialised
  // on the host (the init stream is drawn there) and then moved.
  Device device() const { return params_.device(); }
  void to(Device device);

  MatView params() { return params_.view(); }
  ConstMatView params() const { return params_.view(); }
  MatView grads() { return grads_.view(); }
  ConstMatView grads() const { return grads_.view(); }
  void zero_grad();

  MatView weight(int layer);  // [out, in]
  ConstMatView weight(int layer) const;
  const float* bias(int layer) const;
  MatView weight_grad(int layer);

  // Forward; the returned view is acts.output(). x must stay alive until the matching backward and
  // be on the model's device.
  // Dropout is applied when training and spec().dropout > 0, with draws from dropout_rng.
  ConstMatView forward(ConstMatView x, MlpActivations& acts, bool training, Rng* dropout_rng) const;

  // Backward of the forward pass saved in acts. Parameter gradients go into `grads` as `mode` says:
  // a flat [1, num_params()] buffer in the layout of grads(), which it is when left empty. With a
  // buffer of its own a caller may run backward passes of one model on several threads at once
  // (backward reads the parameters and writes only acts, dx and that buffer). The input gradient
  // is written into dx when dx is non-empty.
  void backward(MlpActivations& acts, ConstMatView dout, MatView dx,
                ParamGrads mode = ParamGrads::Accumulate, MatView grads = {});

 private:
  struct Layer {
    int64_t in = 0, out = 0;
    int64_t weight_offset = 0, bias_offset = 0;
  };
  MlpSpec spec_;
  std::vector<Layer> layers_;
  Tensor params_, grads_;
};

}  // namespace emoaug::nn
