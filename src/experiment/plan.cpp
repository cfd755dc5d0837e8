#include "experiment/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "backend/ops.h"
#include "core/error.h"
#include "experiment/stage_ser.h"
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
  if (task.fold >= 0)
    for (int64_t r : ctx.corpora.folds.at(task.fold).train) ++sizes[x.labels[r]];
  else
    for (int32_t label : x.labels) ++sizes[label];
  return sizes;
}

// The source rows a GAN task's CycleGANs train on: all of S, or, when S is the target's own
// unlabeled rows, those outside the fold's held-out session (Corpora::gan_source_rows).
double gan_source_rows(const RunContext& ctx, const GanTask& task) {
  return static_cast<double>(ctx.corpora.gan_source_rows(task.fold).size());
}

// The synthetic rows of each emotion a GAN task writes (stage_gan's generation_rows).
double synthetic_rows_per_class(const RunContext& ctx, const GanTask& task) {
  const int per_class = ctx.cfg.gan.generate_per_class;
  return per_class > 0 ? per_class : gan_source_rows(ctx, task);
}

std::string human_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof(buf), "%.1f GB", bytes / 1e9);
  else
    std::snprintf(buf, sizeof(buf), "%.1f MB", bytes / 1e6);
  return buf;
}

// Weights and biases of an MLP.
double mlp_params(int in, const std::vector<int>& hidden, int out) {
  double params = mlp_macs(in, hidden, out);
  for (int h : hidden) params += h;
  return params + out;
}

}  // namespace

Plan make_plan(const config::ExperimentConfig& cfg, int num_folds) {
  Plan plan;
  bool synthetic = false;
  for (Setting s : cfg.ser.settings) synthetic = synthetic || s != Setting::Real;
  std::vector<Protocol> protocols{Protocol::Within};
  if (cfg.ser.cross_corpus) protocols.push_back(Protocol::Cross);
  if (synthetic) {
    for (double lambda : cfg.gan.lambda_cls) {
      if (cfg.gan.per_fold)
        for (int f = 0; f < num_folds; ++f) plan.gan.push_back({lambda, f});
      // One group on all labeled data: the paper's protocol, and what cross-corpus training uses.
      if (!cfg.gan.per_fold || cfg.ser.cross_corpus) plan.gan.push_back({lambda, -1});
    }
  }
  for (Protocol p : protocols)
    for (Setting s : cfg.ser.settings) {
      const std::vector<double> lambdas =
          s == Setting::Real ? std::vector<double>{0.0} : cfg.gan.lambda_cls;
      for (double lambda : lambdas)
        for (int f = p == Protocol::Within ? 0 : -1; f < (p == Protocol::Within ? num_folds : 0);
             ++f)
          for (int rep = 0; rep < cfg.ser.repetitions; ++rep)
            plan.ser.push_back({s, p, s == Setting::Real ? 0.0 : lambda, f, rep});
    }
  return plan;
}

Plan select_lambdas(const Plan& plan, const config::ExperimentConfig& cfg,
                    const std::vector<double>& chosen) {
  const std::vector<double>& grid = cfg.gan.lambda_cls;
  auto chosen_has = [&](double lambda) {
    return std::find(chosen.begin(), chosen.end(), lambda) != chosen.end();
  };
  for (double lambda : chosen)
    if (std::find(grid.begin(), grid.end(), lambda) == grid.end()) {
      std::string values;
      for (double g : grid) values += (values.empty() ? "" : ", ") + lambda_text(g);
      EMOAUG_FAIL("λcls ", lambda_text(lambda), " is not in gan.lambda_cls = [", values, "]");
    }
  // `real` does not depend on λcls; an arbitrary but fixed owner keeps it from running twice.
  const bool real = !grid.empty() && chosen_has(grid.front());
  Plan part;
  for (const GanTask& t : plan.gan)
    if (chosen_has(t.lambda_cls)) part.gan.push_back(t);
  for (const SerTask& t : plan.ser)
    if (t.setting == Setting::Real ? real : chosen_has(t.lambda_cls)) part.ser.push_back(t);
  return part;
}

double estimate_gan_gflop(const RunContext& ctx, const GanTask& task) {
  const gan::CycleGanOptions& o = ctx.cfg.gan.options;
  const int d = static_cast<int>(ctx.corpora.target.dims());
  const int n = ctx.corpora.target.num_classes();
  const double g = mlp_macs(d, o.generator_hidden, d);
  const double disc = mlp_macs(d, o.discriminator_hidden, 1);
  const double c = task.lambda_cls > 0 ? mlp_macs(d, o.classifier_hidden, n) : 0.0;
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
  const ser::ClassifierOptions& o = classifier_options(ctx.cfg, task);
  const ser::ClassifierKind& kind = ser::classifier_kind(o.classifier);
  const data::Corpus& x = ctx.corpora.target;
  const int n = x.num_classes();
  double rows = 0;
  if (task.setting != Setting::Syn)
    rows += task.protocol == Protocol::Within
                ? static_cast<double>(ctx.corpora.folds.at(task.fold).train.size())
                : static_cast<double>(x.rows());
  if (task.setting != Setting::Real)
    rows += n * synthetic_rows_per_class(ctx, task.source_gan(ctx.cfg.gan.per_fold));
  int epochs = kind.epochs(o);
  if (task.protocol == Protocol::Cross)
    for (int e : ctx.cfg.ser.dev_epochs) epochs = std::max(epochs, e);
  const double macs =
      rows * kind.passes_for(epochs) * kind.forward_macs(static_cast<int>(x.dims()), n, o);
  return 6 * macs * 1e-9;  // forward, and backward at twice the forward
}

double estimate_gpu_bytes(const RunContext& ctx, const GanTask& task, int local_emotions) {
  const gan::CycleGanOptions& o = ctx.cfg.gan.options;
  const int d = static_cast<int>(ctx.corpora.target.dims()), n = ctx.emotions();
  constexpr double kFloat = 4;
  // Weights, gradients and two Adam moments of G, F, D_T, D_S per emotion, and of C.
  const double per_emotion =
      4 * (2 * mlp_params(d, o.generator_hidden, d) + 2 * mlp_params(d, o.discriminator_hidden, 1));
  const double classifier = task.lambda_cls > 0 ? 4 * mlp_params(d, o.classifier_hidden, n) : 0;
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
  const ser::ClassifierOptions& o = classifier_options(ctx.cfg, task);
  const ser::ClassifierKind& kind = ser::classifier_kind(o.classifier);
  const int d = static_cast<int>(ctx.corpora.target.dims()), n = ctx.emotions();
  const double train =
      task.setting != Setting::Syn ? static_cast<double>(ctx.corpora.target.rows()) : 0.0;
  const double syn = task.setting == Setting::Real
                         ? 0.0
                         : n * synthetic_rows_per_class(ctx, task.source_gan(ctx.cfg.gan.per_fold));
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

std::vector<TaskKey> task_keys(const Plan& plan) {
  std::vector<TaskKey> keys;
  for (const GanTask& t : plan.gan) keys.push_back(t.key());
  for (const SerTask& t : plan.ser) keys.push_back(t.key());
  return keys;
}

ExistingRun open_existing_run(const std::string& run_dir) {
  RunContext ctx = open_run_directory(run_dir);
  Plan plan = make_plan(ctx.cfg, static_cast<int>(ctx.corpora.folds.size()));
  return {std::move(ctx), std::move(plan)};
}

dist::Placement place(const RunContext& ctx, const Plan& plan, int ranks, bool include_finished,
                      double gflops_per_rank) {
  std::vector<dist::GanTaskCost> gan;
  for (size_t i = 0; i < plan.gan.size(); ++i)
    if (include_finished || !ctx.finished(plan.gan[i]))
      gan.push_back({static_cast<int>(i), ctx.corpora.target.num_classes(),
                     estimate_gan_gflop(ctx, plan.gan[i]) / gflops_per_rank});
  std::vector<dist::SerTaskCost> ser;
  for (size_t i = 0; i < plan.ser.size(); ++i)
    if (include_finished || !ctx.finished(plan.ser[i]))
      ser.push_back({static_cast<int>(i), estimate_ser_gflop(ctx, plan.ser[i]) / gflops_per_rank});
  dist::PlacementOptions options;
  options.ranks = ranks;
  options.ranks_per_group = ctx.cfg.dist.ranks_per_group;
  return dist::make_placement(gan, ser, options);
}

DiskEstimate estimate_disk(const RunContext& ctx, const Plan& plan, const dist::Placement& placed) {
  const gan::CycleGanOptions& o = ctx.cfg.gan.options;
  const data::Corpus& x = ctx.corpora.target;
  const int d = static_cast<int>(x.dims()), n = x.num_classes();
  constexpr double kFloat = 4;
  // A checkpoint holds G, F, D_T, D_S and (with λcls > 0) a copy of C, each with two Adam moments,
  // and the loss history; an output the emotion's synthetic rows, its statistics and losses.
  const double networks = 2 * mlp_params(d, o.generator_hidden, d) +
                          2 * mlp_params(d, o.discriminator_hidden, 1) +
                          mlp_params(d, o.classifier_hidden, n);
  const double epochs = o.pretrain_epochs + o.epochs;
  DiskEstimate e;
  e.checkpoint_bytes = kFloat * (3 * networks + epochs * (2 + 6.0 * n));
  // HDF5's own share of a small file or group (headers, attributes, names), measured on the demo.
  constexpr double kOverhead = 16e3;
  const double losses = kFloat * epochs * 8;
  // The output file, and its statistics and losses again in results.h5.
  for (const GanTask& t : plan.gan) {
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

std::string describe_placement(const RunContext& ctx, const Plan& plan,
                               const dist::Placement& placed, double gflops_per_rank) {
  std::string out = dist::describe(placed);
  char line[256];
  if (!placed.waves.empty()) out += "\nGAN groups (task ids above):\n";
  for (const dist::Wave& w : placed.waves)
    for (const dist::GroupPlacement& g : w.groups) {
      std::snprintf(line, sizeof(line), "  %3d  %s\n", g.task_id,
                    plan.gan[g.task_id].key().name().c_str());
      out += line;
    }
  if (!placed.ser_order.empty()) out += "\nSER tasks, in the farm's order (longest first):\n";
  for (const dist::SerSlot& s : placed.ser_schedule) {
    std::snprintf(line, sizeof(line), "  %4d  %-48s rank %d  %8.1f s .. %8.1f s\n", s.task_id,
                  plan.ser[s.task_id].key().name().c_str(), s.rank, s.start, s.end);
    out += line;
  }
  std::snprintf(line, sizeof(line),
                "\nCosts are estimated from layer sizes, epochs and rows at %.0f GFLOP/s per rank "
                "(%s).\n",
                gflops_per_rank, ctx.cfg.experiment.name.c_str());
  out += line;
  const DiskEstimate disk = estimate_disk(ctx, plan, placed);
  std::snprintf(line, sizeof(line),
                "Run directory %s: about %s at its fullest, %s when finished (one emotion's "
                "checkpoint %s; gan.keep_checkpoints = %d%s).\n",
                ctx.dir.root().c_str(), human_bytes(disk.peak_bytes).c_str(),
                human_bytes(disk.final_bytes).c_str(), human_bytes(disk.checkpoint_bytes).c_str(),
                ctx.cfg.gan.keep_checkpoints,
                ctx.cfg.gan.keep_final_checkpoints ? ", final checkpoints kept" : "");
  return out + line;
}

}  // namespace emoaug::experiment
