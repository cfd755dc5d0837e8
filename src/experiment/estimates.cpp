#include "experiment/estimates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "experiment/plan.h"
#include "ser/registry.h"

namespace emoaug::experiment {
namespace {

double mlp_macs(int in, const std::vector<int>& hidden, int out) {
  double macs = 0;
  int prev = in;
  for (int h : hidden) {
    macs += static_cast<double>(prev) * h;
    prev = h;
  }
  return macs + static_cast<double>(prev) * out;
}

std::vector<int64_t> class_sizes_in(const RunContext& ctx, const GanTask& task) {
  const data::Corpus& x = ctx.corpora.target;
  std::vector<int64_t> sizes(x.num_classes(), 0);
  for (int64_t r : ctx.corpora.gan_training_rows(task.fold)) ++sizes[x.labels[r]];
  return sizes;
}

// The source rows a GAN task's CycleGANs train on: all of S, or, when S is the target's own
// unlabeled rows, those outside the fold's held-out session (Corpora::gan_source_rows).
double gan_source_rows(const RunContext& ctx, const GanTask& task) {
  return static_cast<double>(ctx.corpora.gan_source_rows(task.fold).size());
}

// The synthetic rows of each emotion a GAN task writes (stage_gan's generation_rows).
double synthetic_rows_per_class(const RunContext& ctx, const GanTask& task) {
  const int per_class = task.cfg().gan.generate_per_class;
  return per_class > 0 ? per_class : gan_source_rows(ctx, task);
}

}  // namespace

std::string human_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof(buf), "%.1f GB", bytes / 1e9);
  else
    std::snprintf(buf, sizeof(buf), "%.1f MB", bytes / 1e6);
  return buf;
}

namespace {

// Weights and biases of an MLP.
double mlp_params(int in, const std::vector<int>& hidden, int out) {
  double params = mlp_macs(in, hidden, out);
  for (int h : hidden) params += h;
  return params + out;
}

}  // namespace

double estimate_gan_gflop(const RunContext& ctx, const GanTask& task) {
  const gan::CycleGanOptions& o = task.cfg().gan.options;
  const int d = static_cast<int>(ctx.corpora.target.dims());
  const int n = ctx.corpora.target.num_classes();
  const double g = mlp_macs(d, o.generator_hidden, d);
  const double disc = mlp_macs(d, o.discriminator_hidden, 1);
  const double c = task.lambda_cls() > 0 ? mlp_macs(d, o.classifier_hidden, n) : 0.0;
  const std::vector<int64_t> sizes = class_sizes_in(ctx, task);
  const int64_t smallest = *std::min_element(sizes.begin(), sizes.end());
  const double iterations = std::floor(
      std::min(gan_source_rows(ctx, task), static_cast<double>(smallest)) / o.batch_size);
  // Multiply-adds per row of a batch, per emotion: pretraining runs G and F twice each, forward
  // and backward (x3); the discriminator step runs G, F forward and each D on real and fake; a
  // generator step runs G and F twice, each D once, C once, all backward too.
  const double pretrain = 12 * g;
  const double adversarial = 2 * g + 12 * disc + o.generator_steps * (12 * g + 4 * disc + 3 * c);
  const double macs =
      o.batch_size * iterations * n * (o.pretrain_epochs * pretrain + o.epochs * adversarial);
  return 2 * macs * 1e-9;
}

double estimate_ser_gflop(const RunContext& ctx, const SerTask& task) {
  const ser::ClassifierOptions& o = task.classifier();
  const ser::ClassifierKind& kind = ser::classifier_kind(o.classifier);
  const data::Corpus& x = ctx.corpora.target;
  const int n = x.num_classes();
  double rows = 0;
  if (task.setting != Setting::Syn)
    rows += task.protocol == Protocol::Within
                ? static_cast<double>(ctx.corpora.folds.at(task.fold).train.size())
                : static_cast<double>(x.rows());
  if (task.setting != Setting::Real) rows += n * synthetic_rows_per_class(ctx, task.source_gan());
  int epochs = kind.epochs(o);
  if (task.protocol == Protocol::Cross)
    for (int e : task.cfg().ser.dev_epochs) epochs = std::max(epochs, e);
  const double macs =
      rows * kind.passes_for(epochs) * kind.forward_macs(static_cast<int>(x.dims()), n, o);
  return 6 * macs * 1e-9;  // forward, and backward at twice the forward
}

double estimate_gpu_bytes(const RunContext& ctx, const GanTask& task, int local_emotions) {
  const gan::CycleGanOptions& o = task.cfg().gan.options;
  const int d = static_cast<int>(ctx.corpora.target.dims()), n = ctx.emotions();
  constexpr double kFloat = 4;
  // Weights, gradients and two Adam moments of G, F, D_T, D_S per emotion, and of C.
  const double per_emotion =
      4 * (2 * mlp_params(d, o.generator_hidden, d) + 2 * mlp_params(d, o.discriminator_hidden, 1));
  const double classifier = task.lambda_cls() > 0 ? 4 * mlp_params(d, o.classifier_hidden, n) : 0;
  // Activations, dropout masks and their gradients of a batch through the widest networks.
  int widest = d;
  for (int h : o.generator_hidden) widest = std::max(widest, h);
  const double activations = 3.0 * o.batch_size * widest * 16;
  // The source (and the rows generated from it), all emotions' training rows.
  const double rows =
      2.0 * gan_source_rows(ctx, task) + static_cast<double>(ctx.corpora.target.rows());
  return kFloat * (local_emotions * (per_emotion + activations) + classifier + rows * d);
}

double estimate_gpu_bytes(const RunContext& ctx, const SerTask& task) {
  const ser::ClassifierOptions& o = task.classifier();
  const ser::ClassifierKind& kind = ser::classifier_kind(o.classifier);
  const int d = static_cast<int>(ctx.corpora.target.dims()), n = ctx.emotions();
  const double train =
      task.setting != Setting::Syn ? static_cast<double>(ctx.corpora.target.rows()) : 0.0;
  const double syn =
      task.setting == Setting::Real ? 0.0 : n * synthetic_rows_per_class(ctx, task.source_gan());
  const double test =
      static_cast<double>(std::max<int64_t>(ctx.corpora.target.rows(), ctx.corpora.cross.rows()));
  return 4.0 *
         (4 * kind.parameters(d, n, o) + (train + syn + test) * d + 3.0 * 512 * std::max(d, 1000));
}

double gpu_task_budget(const ops::GpuInfo& gpu, int tasks_at_once) {
  const double free = static_cast<double>(gpu.free_bytes);
  if (tasks_at_once <= 1) return free;
  // 5 % of the GPU stays for the others' contexts, cuBLAS workspaces and allocator rounding.
  return std::min(free, 0.95 * static_cast<double>(gpu.total_bytes) / tasks_at_once);
}

void check_gpu_memory(const TaskKey& task, double bytes, int tasks_at_once) {
  const ops::GpuInfo gpu = ops::gpu_info();
  if (bytes <= gpu_task_budget(gpu, tasks_at_once)) return;
  EMOAUG_FAIL(task.name(), " needs about ", human_bytes(bytes), " of GPU memory; GPU ", gpu.index,
              " (", gpu.name, ") has ", human_bytes(static_cast<double>(gpu.free_bytes)),
              " free of ", human_bytes(static_cast<double>(gpu.total_bytes)),
              tasks_at_once > 1
                  ? (", shared by " + std::to_string(tasks_at_once) + " tasks at once").c_str()
                  : "",
              " (lower experiment.tasks_per_gpu, or run fewer ranks per GPU)");
}

DiskEstimate estimate_disk(const RunContext& ctx, const Plan& plan, const dist::Placement& placed) {
  const data::Corpus& x = ctx.corpora.target;
  const int d = static_cast<int>(x.dims()), n = x.num_classes();
  constexpr double kFloat = 4;
  // A checkpoint holds G, F, D_T, D_S and (with λcls > 0) a copy of C, each with two Adam moments,
  // and the loss history; an output the emotion's synthetic rows, its statistics and losses.
  auto epochs_of = [](const gan::CycleGanOptions& o) { return 1.0 * o.pretrain_epochs + o.epochs; };
  auto checkpoint_bytes = [&](const gan::CycleGanOptions& o) {
    const double networks = 2 * mlp_params(d, o.generator_hidden, d) +
                            2 * mlp_params(d, o.discriminator_hidden, 1) +
                            mlp_params(d, o.classifier_hidden, n);
    return kFloat * (3 * networks + epochs_of(o) * (2 + 6.0 * n));
  };
  DiskEstimate e;
  // The largest of the study's GAN groups (they differ when a sweep changes their sizes).
  e.checkpoint_bytes = checkpoint_bytes(ctx.cfg.gan.options);
  if (!plan.gan.empty()) e.checkpoint_bytes = 0;
  for (const GanTask& t : plan.gan)
    e.checkpoint_bytes = std::max(e.checkpoint_bytes, checkpoint_bytes(t.cfg().gan.options));
  // HDF5's own share of a small file or group (headers, attributes, names), measured on the demo.
  constexpr double kOverhead = 16e3;
  // The output file, and its statistics and losses again in results.h5.
  for (const GanTask& t : plan.gan) {
    const double losses = kFloat * epochs_of(t.cfg().gan.options) * 8;
    const double output =
        kFloat * synthetic_rows_per_class(ctx, t) * d + 32.0 * d + losses + kOverhead;
    e.final_bytes += n * (output + losses + kOverhead);
  }
  // An SER task keeps its test rows' truth and predictions, in its file and in results.h5.
  for (const SerTask& t : plan.ser) {
    const double rows = t.protocol == Protocol::Within
                            ? static_cast<double>(ctx.corpora.folds.at(t.fold).test.size())
                            : static_cast<double>(ctx.corpora.cross_split.second.size());
    e.final_bytes += 2 * (8 * rows + 4.0 * n * n + kOverhead);
    if (ctx.cfg.ser.save_classifiers) {
      const ser::ClassifierOptions& o = t.classifier();
      e.final_bytes += kFloat * ser::classifier_kind(o.classifier).parameters(d, n, o) + kOverhead;
    }
  }
  // While a group trains, up to keep_checkpoints + 1 sets of its emotions are on disk (an older one
  // goes an epoch after a newer one is written).
  const double sets = ctx.cfg.gan.keep_checkpoints + 1;
  double widest = 0;
  for (const dist::Wave& w : placed.waves) widest = std::max(widest, w.groups.size() * 1.0);
  e.peak_bytes = e.final_bytes + widest * n * sets * e.checkpoint_bytes;
  if (ctx.cfg.gan.keep_final_checkpoints)
    e.final_bytes += plan.gan.size() * n * sets * e.checkpoint_bytes;
  e.peak_bytes = std::max(e.peak_bytes, e.final_bytes);
  return e;
}

}  // namespace emoaug::experiment
