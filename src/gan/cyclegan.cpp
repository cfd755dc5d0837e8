#include "gan/cyclegan.h"

#include "backend/ops.h"
#include "core/error.h"
#include "nn/state.h"

namespace emoaug::gan {
namespace {

std::vector<int> with_ends(int in, const std::vector<int>& hidden, int out) {
  std::vector<int> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(out);
  return sizes;
}

ops::AdamHyper adam_of(const CycleGanOptions& o) {
  return o.adam;
}

}  // namespace

CycleGan::CycleGan(int dims, const CycleGanOptions& options, int emotion, Rng& init_rng)
    : options_(options),
      dims_(dims),
      emotion_(emotion),
      g_({with_ends(dims, options.generator_hidden, dims), options.leaky_slope,
          options.generator_dropout},
         init_rng),
      f_({with_ends(dims, options.generator_hidden, dims), options.leaky_slope,
          options.generator_dropout},
         init_rng),
      dt_({with_ends(dims, options.discriminator_hidden, 1), options.leaky_slope,
           options.discriminator_dropout},
          init_rng),
      ds_({with_ends(dims, options.discriminator_hidden, 1), options.leaky_slope,
           options.discriminator_dropout},
          init_rng) {
  reset_optimizers();
}

void CycleGan::reset_optimizers() {
  opt_g_ = nn::Adam(g_.num_params(), adam_of(options_), device_);
  opt_f_ = nn::Adam(f_.num_params(), adam_of(options_), device_);
  opt_dt_ = nn::Adam(dt_.num_params(), adam_of(options_), device_);
  opt_ds_ = nn::Adam(ds_.num_params(), adam_of(options_), device_);
}

void CycleGan::to(Device device) {
  device_ = device;
  for (nn::Mlp* net : {&g_, &f_, &dt_, &ds_}) net->to(device);
  for (nn::Adam* opt : {&opt_g_, &opt_f_, &opt_dt_, &opt_ds_}) opt->to(device);
  for (Tensor* t : {&d_logit_a_, &d_logit_b_, &d_fake_t_, &d_fake_s_, &tmp_, &d_cyc_s_, &d_cyc_t_,
                    &d_cls_, &classifier_grad_})
    *t = t->to(device);
  labels_.set_device(device);
}

void CycleGan::size_buffers(int64_t batch, const nn::Mlp* classifier) {
  d_logit_a_.reshape(batch, 1, device_);
  d_logit_b_.reshape(batch, 1, device_);
  d_fake_t_.reshape(batch, dims_, device_);
  d_fake_s_.reshape(batch, dims_, device_);
  tmp_.reshape(batch, dims_, device_);
  d_cyc_s_.reshape(batch, dims_, device_);
  d_cyc_t_.reshape(batch, dims_, device_);
  if (classifier) {
    EMOAUG_CHECK(classifier->device() == device_, "the classifier and emotion ", emotion_,
                 "'s CycleGAN are on different devices");
    d_cls_.reshape(batch, classifier->output_size(), device_);
    classifier_grad_.reshape(1, classifier->num_params(), device_);
    // The labels are constant: uploaded when the batch size changes, not every step.
    if (labels_.size() != batch)
      labels_.assign(std::vector<int32_t>(static_cast<size_t>(batch), emotion_));
  }
}

void CycleGan::pretrain_step(ConstMatView s, ConstMatView t, float lr, Rng& dropout) {
  size_buffers(s.rows, nullptr);
  float* loss = losses_.next(StepLossLog::Step::Pretrain, s.rows, device_);
  // Source cycle s -> G -> F and target cycle t -> F -> G.
  ConstMatView fake_t = g_.forward(s, g_s_, true, &dropout);
  ConstMatView cyc_s = f_.forward(fake_t, f_gs_, true, &dropout);
  ConstMatView fake_s = f_.forward(t, f_t_, true, &dropout);
  ConstMatView cyc_t = g_.forward(fake_s, g_ft_, true, &dropout);
  ops::mse_into(cyc_s, s, d_cyc_s_.view(), 1.0f, loss);
  ops::mse_into(cyc_t, t, d_cyc_t_.view(), 1.0f, loss + 1);
  // Each network's first backward writes its gradients, the second adds to them.
  f_.backward(f_gs_, d_cyc_s_.view(), d_fake_t_.view(), nn::ParamGrads::Write);
  g_.backward(g_s_, d_fake_t_.view(), MatView{}, nn::ParamGrads::Write);
  g_.backward(g_ft_, d_cyc_t_.view(), d_fake_s_.view());
  f_.backward(f_t_, d_fake_s_.view(), MatView{});
  opt_g_.step(g_.params(), g_.grads(), lr);
  opt_f_.step(f_.params(), f_.grads(), lr);
}

void CycleGan::discriminator_step(ConstMatView s, ConstMatView t, float lr, Rng& dropout) {
  size_buffers(s.rows, nullptr);
  float* loss = losses_.next(StepLossLog::Step::Discriminator, s.rows, device_);
  ConstMatView fake_t = g_.forward(s, g_s_, true, &dropout);
  ConstMatView fake_s = f_.forward(t, f_t_, true, &dropout);
  const float real = options_.real_label;
  // Each discriminator: 0.5 * (BCE(D(real), real_label) + BCE(D(fake), 0)).
  ops::bce_with_logits_into(dt_.forward(t, dt_real_, true, &dropout), real, d_logit_a_.view(), 0.5f,
                            loss);
  dt_.backward(dt_real_, d_logit_a_.view(), MatView{}, nn::ParamGrads::Write);
  ops::bce_with_logits_into(dt_.forward(fake_t, dt_fake_, true, &dropout), 0.0f, d_logit_b_.view(),
                            0.5f, loss + 1);
  dt_.backward(dt_fake_, d_logit_b_.view(), MatView{});
  ops::bce_with_logits_into(ds_.forward(s, ds_real_, true, &dropout), real, d_logit_a_.view(), 0.5f,
                            loss + 2);
  ds_.backward(ds_real_, d_logit_a_.view(), MatView{}, nn::ParamGrads::Write);
  ops::bce_with_logits_into(ds_.forward(fake_s, ds_fake_, true, &dropout), 0.0f, d_logit_b_.view(),
                            0.5f, loss + 3);
  ds_.backward(ds_fake_, d_logit_b_.view(), MatView{});
  opt_dt_.step(dt_.params(), dt_.grads(), lr);
  opt_ds_.step(ds_.params(), ds_.grads(), lr);
}

void CycleGan::generator_step(ConstMatView s, ConstMatView t, float lr, Rng& dropout,
                              nn::Mlp* classifier, float cls_weight) {
  size_buffers(s.rows, classifier);
  float* loss = losses_.next(
      classifier ? StepLossLog::Step::GeneratorWithClassifier : StepLossLog::Step::Generator,
      s.rows, device_);
  const float real = options_.real_label;
  const float lambda_cyc = options_.lambda_cyc;

  ConstMatView fake_t = g_.forward(s, g_s_, true, &dropout);
  ConstMatView fake_s = f_.forward(t, f_t_, true, &dropout);
  ConstMatView cyc_s = f_.forward(fake_t, f_gs_, true, &dropout);
  ConstMatView cyc_t = g_.forward(fake_s, g_ft_, true, &dropout);

  // Adversarial terms: gradients flow through D into the fakes; D's own gradients are not needed.
  ops::bce_with_logits_into(dt_.forward(fake_t, dt_fake_, true, &dropout), real, d_logit_a_.view(),
                            1.0f, loss);
  ops::bce_with_logits_into(ds_.forward(fake_s, ds_fake_, true, &dropout), real, d_logit_b_.view(),
                            1.0f, loss + 1);
  dt_.backward(dt_fake_, d_logit_a_.view(), d_fake_t_.view(), nn::ParamGrads::Skip);
  ds_.backward(ds_fake_, d_logit_b_.view(), d_fake_s_.view(), nn::ParamGrads::Skip);

  // Cycle terms: F's and G's second uses, whose input gradients join the fakes' gradients.
  ops::mse_into(cyc_s, s, d_cyc_s_.view(), lambda_cyc, loss + 2);
  ops::mse_into(cyc_t, t, d_cyc_t_.view(), lambda_cyc, loss + 3);
  // Each network's first backward writes its gradients, the second adds to them.
  f_.backward(f_gs_, d_cyc_s_.view(), tmp_.view(), nn::ParamGrads::Write);
  ops::axpy(1.0f, tmp_.view(), d_fake_t_.view());
  g_.backward(g_ft_, d_cyc_t_.view(), tmp_.view(), nn::ParamGrads::Write);
  ops::axpy(1.0f, tmp_.view(), d_fake_s_.view());

  if (classifier) {
    ConstMatView logits = classifier->forward(fake_t, c_fake_, true, &dropout);
    ops::softmax_cross_entropy_into(logits, labels_.data(), d_cls_.view(), cls_weight, loss + 4);
    ops::argmax_hits_into(logits, labels_.data(), loss + 5);
    // Into this emotion's own buffer: C is shared, and emotions may run on several threads.
    classifier->backward(c_fake_, d_cls_.view(), tmp_.view(), nn::ParamGrads::Write,
                         classifier_grad_.view());
    ops::axpy(1.0f, tmp_.view(), d_fake_t_.view());
  }

  g_.backward(g_s_, d_fake_t_.view(), MatView{});
  f_.backward(f_t_, d_fake_s_.view(), MatView{});
  opt_g_.step(g_.params(), g_.grads(), lr);
  opt_f_.step(f_.params(), f_.grads(), lr);
}

void CycleGan::generate(ConstMatView source, MatView out) {
  EMOAUG_CHECK(source.rows == out.rows && out.cols == dims_);
  constexpr int64_t kChunk = 256;
  for (int64_t r = 0; r < source.rows; r += kChunk) {
    const int64_t n = std::min(kChunk, source.rows - r);
    ops::copy(g_.forward(source.row_range(r, n), g_s_, false, nullptr), out.row_range(r, n));
  }
}

void CycleGan::save(StateDict& state, const std::string& prefix) const {
  nn::save_state(state, prefix + "/G", g_, opt_g_);
  nn::save_state(state, prefix + "/F", f_, opt_f_);
  nn::save_state(state, prefix + "/DT", dt_, opt_dt_);
  nn::save_state(state, prefix + "/DS", ds_, opt_ds_);
}

void CycleGan::load(const StateDict& state, const std::string& prefix) {
  nn::load_state(state, prefix + "/G", g_, opt_g_);
  nn::load_state(state, prefix + "/F", f_, opt_f_);
  nn::load_state(state, prefix + "/DT", dt_, opt_dt_);
  nn::load_state(state, prefix + "/DS", ds_, opt_ds_);
}

}  // namespace emoaug::gan
