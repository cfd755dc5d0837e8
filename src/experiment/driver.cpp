#include "experiment/distributed.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "backend/ops.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "data/h5.h"
#include "dist/communicator.h"
#include "dist/ordered_sum.h"
#include "dist/task_farm.h"
#include "experiment/stage_gan.h"
#include "experiment/stage_ser.h"
#include "gan/gradient_sum.h"
#include "ser/classifier.h"

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

// C's gradient sum and the per-epoch statistics over the group's ranks, in emotion order.
class OrderedGradientSum : public gan::ClassifierGradientSum {
 public:
  OrderedGradientSum(dist::Communicator& comm, const dist::EmotionBlocks& blocks)
      : gradients_(comm, blocks), stats_(comm, blocks) {}
  void sum(const std::vector<int>&, const std::vector<ConstMatView>& local,
           MatView total) override {
    gradients_.sum(local, total);
  }
  void gather_stats(MatView values) override { stats_.gather_rows(values); }
  std::vector<int> local_emotions() const { return gradients_.local_emotions(); }

 private:
  dist::OrderedSum gradients_, stats_;
};

std::vector<int64_t> class_sizes_in(const RunContext& ctx, const GanTask& task) {
  const data::Corpus& x = ctx.corpora.target;
  std::vector<int64_t> sizes(x.num_classes(), 0);
  if (task.fold >= 0)
    for (int64_t r : ctx.corpora.folds.at(task.fold).train) ++sizes[x.labels[r]];
  else
    for (int32_t label : x.labels) ++sizes[label];
  return sizes;
}

}  // namespace

double estimate_gan_gflop(const RunContext& ctx, const GanTask& task) {
  const gan::CycleGanOptions& o = ctx.cfg.gan.options;
  const int d = static_cast<int>(ctx.corpora.target.dims());
  const int n = ctx.corpora.target.num_classes();
  const double g = mlp_macs(d, o.generator_hidden, d);
  const double disc = mlp_macs(d, o.discriminator_hidden, 1);
  const double c = task.lambda_cls > 0 ? mlp_macs(d, o.classifier_hidden, n) : 0.0;
  const std::vector<int64_t> sizes = class_sizes_in(ctx, task);
  const int64_t smallest = *std::min_element(sizes.begin(), sizes.end());
  const double iterations =
      static_cast<double>(std::min<int64_t>(ctx.corpora.source.rows(), smallest) / o.batch_size);
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
  const data::Corpus& x = ctx.corpora.target;
  const int n = x.num_classes();
  double rows = 0;
  if (task.setting != Setting::Syn)
    rows += task.protocol == Protocol::Within
                ? static_cast<double>(ctx.corpora.folds.at(task.fold).train.size())
                : static_cast<double>(x.rows());
  if (task.setting != Setting::Real) {
    const int per_class = ctx.cfg.gan.generate_per_class;
    rows += static_cast<double>(n) *
            (per_class > 0 ? per_class : static_cast<double>(ctx.corpora.source.rows()));
  }
  int epochs = o.epochs;
  if (task.protocol == Protocol::Cross)
    for (int e : ctx.cfg.ser.dev_epochs) epochs = std::max(epochs, e);
  const double macs = rows * ser::Classifier::passes_for(epochs) *
                      mlp_macs(static_cast<int>(x.dims()), o.hidden, n);
  return 6 * macs * 1e-9;  // forward, and backward at twice the forward
}

dist::Plan place(const RunContext& ctx, const Plan& plan, int ranks, bool include_finished,
                 double gflops_per_rank) {
  std::vector<dist::GanTaskCost> gan;
  for (size_t i = 0; i < plan.gan.size(); ++i)
    if (include_finished || !gan_task_finished(ctx, plan.gan[i]))
      gan.push_back({static_cast<int>(i), ctx.corpora.target.num_classes(),
                     estimate_gan_gflop(ctx, plan.gan[i]) / gflops_per_rank});
  std::vector<dist::SerTaskCost> ser;
  for (size_t i = 0; i < plan.ser.size(); ++i)
    if (include_finished || !ser_task_finished(ctx, plan.ser[i]))
      ser.push_back({static_cast<int>(i), estimate_ser_gflop(ctx, plan.ser[i]) / gflops_per_rank});
  dist::PlacementOptions options;
  options.ranks = ranks;
  options.ranks_per_group = ctx.cfg.dist.ranks_per_group;
  return dist::make_plan(gan, ser, options);
}

std::string describe_placement(const RunContext& ctx, const Plan& plan, const dist::Plan& placed,
                               double gflops_per_rank) {
  std::string out = dist::describe_plan(placed);
  char line[256];
  if (!placed.waves.empty()) out += "\nGAN groups (task ids above):\n";
  for (const dist::Wave& w : placed.waves)
    for (const dist::GroupPlacement& g : w.groups) {
      std::snprintf(line, sizeof(line), "  %3d  %s\n", g.task_id,
                    plan.gan[g.task_id].name().c_str());
      out += line;
    }
  if (!placed.ser_order.empty()) out += "\nSER tasks, in the farm's order (longest first):\n";
  for (const dist::SerSlot& s : placed.ser_schedule) {
    std::snprintf(line, sizeof(line), "  %4d  %-48s rank %d  %8.1f s .. %8.1f s\n", s.task_id,
                  plan.ser[s.task_id].name().c_str(), s.rank, s.start, s.end);
    out += line;
  }
  std::snprintf(line, sizeof(line),
                "\nCosts are estimated from layer sizes, epochs and rows at %.0f GFLOP/s per rank "
                "(%s).\n",
                gflops_per_rank, ctx.cfg.experiment.name.c_str());
  return out + line;
}

void run_all_distributed(RunContext& ctx, const Plan& plan, dist::World& world) {
  const dist::Plan placed = place(ctx, plan, world.size());
  const bool leader = world.rank() == 0;
  int stop = 0;
  for (const dist::Wave& wave : placed.waves) {
    const int index = dist::group_index_of_rank(wave, world.rank());
    dist::Group group = world.split(index);
    if (index >= 0) {
      const dist::GroupPlacement& g = wave.groups[index];
      const GanTask& task = plan.gan[g.task_id];
      std::unique_ptr<dist::Communicator> comm = dist::make_communicator(group, Device::Host);
      OrderedGradientSum sum(*comm, g.emotions);
      ctx.verbose = group.rank() == 0;
      try {
        run_gan_task(ctx, task, sum.local_emotions(), sum);
      } catch (const Preempted& e) {
        // The group agreed on the epoch (gan::EpochReport::stop), so every member is here.
        if (ctx.verbose) log_info("%s", e.what());
        stop = 1;
      } catch (const std::exception& e) {
        // Other members wait in a collective for this rank: end the job rather than hang.
        world.abort(1, "emoaug: error on rank " + std::to_string(world.rank()) + " in task " +
                           task.name() + ": " + e.what());
      }
    }
    // A stop anywhere ends every rank at this wave boundary, checkpoints written.
    if (world.uses_mpi()) MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, world.comm());
    if (stop)
      throw Preempted(std::string("stopped by ") +
                      (stop_requested() ? stop_signal_name() : "a signal on another rank") +
                      " during the GAN stage; checkpoints written, rerun the same command to "
                      "resume");
  }
  ctx.verbose = true;
  // A rank's CPU threads each run an SER task (single-threaded BLAS keeps the bytes those of any
  // other split); the tasks read and write HDF5 files, which only a thread-safe HDF5 allows.
  dist::FarmOptions farm;
  farm.threads = data::h5::library_is_threadsafe() ? ops::cpu_threads() : 1;
  if (leader && !placed.ser_order.empty())
    log_info("SER: %zu tasks over %d rank(s) x %d thread(s)%s", placed.ser_order.size(),
             world.size(), farm.threads,
             farm.threads == 1 && ops::cpu_threads() > 1
                 ? " (this HDF5 is not thread-safe: one task at a time per rank)"
                 : "");
  std::vector<size_t> position(plan.ser.size(), 0);
  for (size_t k = 0; k < placed.ser_order.size(); ++k) position[placed.ser_order[k]] = k;
  dist::run_task_farm(
      world, placed.ser_order,
      [&](int id) { run_ser_logged(ctx, plan.ser[id], position[id], placed.ser_order.size()); },
      farm);
  world.barrier();
}

}  // namespace emoaug::experiment
