// One emotion's CycleGAN (paper §2.1): generators G: S -> T and F: T -> S, discriminators D_T and
// D_S, each with its own Adam, plus the buffers one training iteration needs (sized once).
//
// The shared classifier C is not part of it: the group owns C and lends it to the generator step,
// which leaves C's gradient contribution for this emotion in `classifier_grad`.
//
// The steps leave their losses on the device, in `losses()`; the caller reads them once per epoch.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/index_buffer.h"
#include "core/rng.h"
#include "core/state_dict.h"
#include "gan/losses.h"
#include "gan/options.h"
#include "nn/adam.h"
#include "nn/mlp.h"

namespace emoaug::gan {

class CycleGan {
 public:
  // Networks are initialised from init_rng (G, F, D_T, D_S in that order).
  CycleGan(int dims, const CycleGanOptions& options, int emotion, Rng& init_rng);

  // Pretraining (§4.1): cycle reconstruction only, MSE(F(G(s)), s) + MSE(G(F(t)), t).
  void pretrain_step(ConstMatView s, ConstMatView t, float lr, Rng& dropout);

  // One discriminator update: real targets real_label, fakes 0, averaged over real and fake.
  void discriminator_step(ConstMatView s, ConstMatView t, float lr, Rng& dropout);

  // One generator update of G and F: adversarial BCE toward real_label in both directions,
  // lambda_cyc x cycle MSE, and, when classifier is given, cls_weight x CE(C(G(s)), emotion).
  // C's gradient for this emotion is left in classifier_grad (C itself is not updated here).
  void generator_step(ConstMatView s, ConstMatView t, float lr, Rng& dropout, nn::Mlp* classifier,
                      float cls_weight);

  // The loss terms of the steps since the last read (StepLossLog::read_into empties it).
  StepLossLog& losses() { return losses_; }

  // G(source) in inference mode (no dropout), written into out.
  void generate(ConstMatView source, MatView out);

  void save(StateDict& state, const std::string& prefix) const;
  void load(const StateDict& state, const std::string& prefix);
  // Fresh optimizers (adversarial training starts anew after pretraining).
  void reset_optimizers();

  // Moves networks, optimizers and step buffers to `device`; the batches given to the steps must
  // then be there too.
  void to(Device device);
  Device device() const { return device_; }

  nn::Mlp& G() { return g_; }
  nn::Mlp& F() { return f_; }
  nn::Mlp& DT() { return dt_; }
  nn::Mlp& DS() { return ds_; }
  const Tensor& classifier_grad() const { return classifier_grad_; }

 private:
  void size_buffers(int64_t batch, const nn::Mlp* classifier);

  CycleGanOptions options_;
  int dims_;
  int emotion_;
  Device device_ = Device::Host;
  nn::Mlp g_, f_, dt_, ds_;
  nn::Adam opt_g_, opt_f_, opt_dt_, opt_ds_;

  // Saved activations: one per use of a network within a step.
  nn::MlpActivations g_s_, f_t_, f_gs_, g_ft_, dt_fake_, ds_fake_, dt_real_, ds_real_, c_fake_;
  Tensor d_logit_a_, d_logit_b_;      // [B, 1]
  Tensor d_fake_t_, d_fake_s_, tmp_;  // [B, d]
  Tensor d_cyc_s_, d_cyc_t_;          // [B, d]
  Tensor d_cls_;                      // [B, N]
  Tensor classifier_grad_;            // [1, |C|]
  IndexBuffer labels_;                // [B], all this emotion, on the device
  StepLossLog losses_;
};

}  // namespace emoaug::gan
