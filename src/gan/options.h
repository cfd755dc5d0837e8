// What an emotion-transfer group is trained with. Defaults are the paper's (§4.1–4.2) with the
// numbers the paper leaves open taken from the authors' TensorFlow code (docs/architecture.md, "The
// method").
#pragma once

#include <vector>

#include "backend/ops.h"

namespace emoaug::gan {

struct CycleGanOptions {
  // Architectures (hidden sizes; input and output are the feature dimension d).
  std::vector<int> generator_hidden{1000, 500, 1000};  // G_i and F_i
  std::vector<int> discriminator_hidden{1000, 1000};   // D_i^T and D_i^S, one logit out
  std::vector<int> classifier_hidden{100, 100};        // the shared C, N logits out
  float leaky_slope = 0.2f;
  float generator_dropout = 0.2f;
  float discriminator_dropout = 0.2f;
  float classifier_dropout = 0.5f;

  // Losses.
  float lambda_cyc = 5.0f;
  float real_label = 0.9f;  // one-sided label smoothing: real targets 0.9, fakes 0

  // Adversarial training.
  int epochs = 2000;
  int batch_size = 64;
  int generator_steps = 2;  // generator updates per iteration, after one discriminator update
  float lr = 2e-4f;
  float lr_decay = 0.8f;  // lr * lr_decay^floor(epoch / lr_decay_every)
  int lr_decay_every = 50;
  ops::AdamHyper adam{};  // lr above overrides adam.lr

  // Pretraining of G_i and F_i on cycle reconstruction only.
  int pretrain_epochs = 10000;
  float pretrain_lr = 2e-4f;
  float pretrain_dropout = 0.2f;

  int checkpoint_every = 50;  // epochs between checkpoints (0: only at the end)
};

}  // namespace emoaug::gan
