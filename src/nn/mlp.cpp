#include "nn/mlp.h"

#include "backend/ops.h"
#include "core/error.h"
#include "nn/init.h"

namespace emoaug::nn {

std::string MlpSpec::describe() const {
  std::string s;
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? "-" : "") + std::to_string(sizes[i]);
  return s;
}

Mlp::Mlp(MlpSpec spec, Rng& init_rng) : spec_(std::move(spec)) {
  EMOAUG_CHECK(spec_.sizes.size() >= 2, "an Mlp needs an input and an output size");
  for (int s : spec_.sizes) EMOAUG_CHECK(s > 0, "layer sizes must be positive: ", spec_.describe());
  EMOAUG_CHECK(spec_.dropout >= 0.0f && spec_.dropout < 1.0f, "dropout ", spec_.dropout);
  int64_t total = 0;
  for (size_t l = 0; l + 1 < spec_.sizes.size(); ++l) {
    Layer layer;
    layer.in = spec_.sizes[l];
    layer.out = spec_.sizes[l + 1];
    layer.weight_offset = total;
    total += layer.in * layer.out;
    layer.bias_offset = total;
    total += layer.out;
    layers_.push_back(layer);
  }
  params_ = Tensor(1, total);
  grads_ = Tensor(1, total);
  for (int l = 0; l < num_layers(); ++l) xavier_uniform(weight(l), init_rng);
}

void Mlp::zero_grad() {
  ops::zero(grads_.view());
}

void Mlp::to(Device device) {
  if (device == this->device()) return;
  params_ = params_.to(device);
  grads_ = grads_.to(device);
}

MatView Mlp::weight(int l) {
  const Layer& L = layers_.at(l);
  return {params_.data() + L.weight_offset, L.out, L.in, params_.device()};
}
ConstMatView Mlp::weight(int l) const {
  const Layer& L = layers_.at(l);
  return {params_.data() + L.weight_offset, L.out, L.in, params_.device()};
}
const float* Mlp::bias(int l) const {
  return params_.data() + layers_.at(l).bias_offset;
}
MatView Mlp::weight_grad(int l) {
  const Layer& L = layers_.at(l);
  return {grads_.data() + L.weight_offset, L.out, L.in, grads_.device()};
}

ConstMatView Mlp::forward(ConstMatView x, MlpActivations& acts, bool training,
                          Rng* dropout_rng) const {
  EMOAUG_CHECK(x.cols == input_size(), "Mlp ", spec_.describe(), " given input of width ", x.cols);
  const Device dev = device();
  EMOAUG_CHECK(x.device == dev || x.data == nullptr, "Mlp ", spec_.describe(), " on ",
               dev == Device::Cuda ? "cuda" : "host", " given input on ",
               x.device == Device::Cuda ? "cuda" : "host");
  const int64_t batch = x.rows;
  const int hidden = num_layers() - 1;
  const bool drop = training && spec_.dropout > 0.0f;
  acts.input_ = x;
  acts.hidden_.resize(hidden);
  acts.masks_.resize(hidden);
  acts.has_masks_ = drop;
  ConstMatView in = x;
  for (int l = 0; l < num_layers(); ++l) {
    const Layer& L = layers_[l];
    const bool last = l == num_layers() - 1;
    Tensor& y = last ? acts.out_ : acts.hidden_[l];
    y.reshape(batch, L.out, dev);
    ops::gemm(in, ops::Trans::No, weight(l), ops::Trans::Yes, y.view());
    if (last) {
      ops::add_bias(y.view(), bias(l));
    } else {
      Tensor& mask = acts.masks_[l];
      if (drop) mask.reshape(batch, L.out, dev);
      ops::bias_leaky_dropout(y.view(), bias(l), spec_.leaky_slope, drop ? spec_.dropout : 0.0f,
                              drop ? mask.view() : MatView{}, dropout_rng);
    }
    in = y.view();
  }
  return acts.out_.view();
}

void Mlp::backward(MlpActivations& acts, ConstMatView dout, MatView dx, ParamGrads mode,
                   MatView grads) {
  const int64_t batch = acts.input_.rows;
  EMOAUG_CHECK(dout.rows == batch && dout.cols == output_size(), "Mlp backward: dout ", dout.rows,
               "x", dout.cols, " for a batch of ", batch, " and output ", output_size());
  if (dx.data) {
    EMOAUG_CHECK(dx.rows == batch && dx.cols == input_size(), "Mlp backward: dx shape");
  }
  if (!grads.data) grads = grads_.view();
  EMOAUG_CHECK(grads.size() == num_params() && grads.device == device(),
               "Mlp backward: a gradient buffer of ", grads.size(), " floats for ", num_params(),
               " parameters");
  const bool param_grads = mode != ParamGrads::Skip;
  const float beta = mode == ParamGrads::Accumulate ? 1.0f : 0.0f;
  ConstMatView dz = dout;  // gradient w.r.t. the current layer's pre-activation
  Tensor* next = &acts.grad_a_;
  for (int l = num_layers() - 1; l >= 0; --l) {
    const Layer& L = layers_[l];
    ConstMatView x = l == 0 ? acts.input_ : acts.hidden_[l - 1].view();
    if (param_grads) {
      MatView dw{grads.data + L.weight_offset, L.out, L.in, grads.device};
      ops::gemm(dz, ops::Trans::Yes, x, ops::Trans::No, dw, 1.0f, beta);
      ops::col_sum(dz, grads.data + L.bias_offset, mode == ParamGrads::Accumulate);
    }
    if (l == 0) {
      if (dx.data) ops::gemm(dz, ops::Trans::No, weight(l), ops::Trans::No, dx);
      break;
    }
    // Gradient w.r.t. the previous hidden layer's output, then through its dropout and activation.
    next->reshape(batch, L.in, device());
    ops::gemm(dz, ops::Trans::No, weight(l), ops::Trans::No, next->view());
    ops::leaky_dropout_backward(next->view(), acts.hidden_[l - 1].view(),
                                acts.has_masks_ ? acts.masks_[l - 1].view() : ConstMatView{},
                                spec_.leaky_slope);
    dz = next->view();
    next = next == &acts.grad_a_ ? &acts.grad_b_ : &acts.grad_a_;
  }
}

}  // namespace emoaug::nn
