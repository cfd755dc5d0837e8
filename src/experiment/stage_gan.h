// The GAN stage: one emotion-transfer group task (λcls, fold) — scaling, pretraining, adversarial
// training with checkpoints, generation of the synthetic corpus and its distribution statistics
// (paper Table 1, Fig. 2). Outputs are per emotion (tasks/<task>/emotion<e>.h5), so the emotions of
// one group may run on different ranks, and a rerun with another rank layout still resumes.
#pragma once

#include <vector>

#include "backend/execution.h"
#include "data/corpus.h"
#include "experiment/context.h"
#include "experiment/tasks.h"
#include "gan/gradient_sum.h"

namespace emoaug::experiment {

// Runs the task for the emotions in `local_emotions` under `exec`: its training data scaled, the
// group trained (resuming from the newest complete checkpoint set, checkpointing as it goes), and
// each emotion's output written. Every rank of a group calls it with its own emotions and a
// gradient sum over the group. Throws emoaug::Preempted after checkpointing when a stop was
// requested.
void run_gan_task(const RunContext& ctx, ops::ExecutionContext& exec, const GanTask& task,
                  const std::vector<int>& local_emotions, gan::ClassifierGradientSum& gradient_sum);

// The synthetic corpus of a finished task: all emotions, in emotion order, in feature units.
data::Corpus read_synthetic(const RunContext& ctx, const GanTask& task);

}  // namespace emoaug::experiment
