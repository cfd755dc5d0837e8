#include "experiment/driver.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

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

namespace emoaug::experiment {
namespace {

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

// One SER task with its progress line.
void run_ser_logged(const RunContext& ctx, ops::ExecutionContext& exec, const SerTask& task,
                    size_t index, size_t total) {
  if (ctx.finished(task)) return;
  if (stop_requested())
    throw Preempted(std::string("stopped by ") + stop_signal_name() + " before " +
                    task.key().name() +
                    " (finished tasks are saved; rerun the same command to resume)");
  const auto start = std::chrono::steady_clock::now();
  const SerOutcome o = run_ser_task(ctx, exec, task);
  if (!ctx.verbose) return;
  std::string dev;
  if (o.uar_dev >= 0) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), ", dev-chosen %d epochs: %.2f%%", o.dev_epochs,
                  100 * o.uar_dev);
    dev = buf;
  }
  log_info("[%zu/%zu] %s: UAR %.2f%%%s (%.1fs)", index + 1, total, task.key().name().c_str(),
           100 * o.uar, dev.c_str(),
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// The GAN stage: waves of groups, each on its own sub-communicator.
void run_gan_waves(RunContext& ctx, const Plan& plan, const dist::Plan& placed, dist::World& world,
                   ops::ExecutionContext& exec) {
  for (const dist::Wave& wave : placed.waves) {
    const int index = dist::group_index_of_rank(wave, world.rank());
    dist::Group group = world.split(index);
    bool stopped = false;
    if (index >= 0) {
      const dist::GroupPlacement& g = wave.groups[index];
      const GanTask& task = plan.gan[g.task_id];
      std::unique_ptr<dist::Communicator> comm = dist::make_communicator(group, Device::Host);
      OrderedGradientSum sum(*comm, g.emotions);
      ctx.verbose = group.rank() == 0;
      try {
        run_gan_task(ctx, exec, task, sum.local_emotions(), sum);
      } catch (const Preempted& e) {
        // The group agreed on the epoch (gan::EpochReport::stop), so every member is here.
        if (ctx.verbose) log_info("%s", e.what());
        stopped = true;
      } catch (const std::exception& e) {
        // Other members wait in a collective for this rank: end the job rather than hang.
        world.abort(1, "emoaug: error on rank " + std::to_string(world.rank()) + " in task " +
                           task.key().name() + ": " + e.what());
      }
    }
    // A stop anywhere ends every rank at this wave boundary, checkpoints written.
    if (world.any(stopped))
      throw Preempted(std::string("stopped by ") +
                      (stop_requested() ? stop_signal_name() : "a signal on another rank") +
                      " during the GAN stage; checkpoints written, rerun the same command to "
                      "resume");
  }
  ctx.verbose = true;
}

// The SER stage: a dynamic farm over the ranks, each rank running exec.threads() tasks at once.
void run_ser_farm(RunContext& ctx, const Plan& plan, const dist::Plan& placed, dist::World& world,
                  ops::ExecutionContext& exec) {
  // A rank's CPU threads each run an SER task (single-threaded BLAS keeps the bytes those of any
  // other split); the tasks read and write HDF5 files, which only a thread-safe HDF5 allows.
  dist::FarmOptions farm;
  farm.threads = data::h5::library_is_threadsafe() ? exec.threads() : 1;
  if (world.rank() == 0 && !placed.ser_order.empty())
    log_info("SER: %zu tasks over %d rank(s) x %d thread(s)%s", placed.ser_order.size(),
             world.size(), farm.threads,
             farm.threads == 1 && exec.threads() > 1
                 ? " (this HDF5 is not thread-safe: one task at a time per rank)"
                 : "");
  std::vector<size_t> position(plan.ser.size(), 0);
  for (size_t k = 0; k < placed.ser_order.size(); ++k) position[placed.ser_order[k]] = k;
  dist::run_task_farm(
      world, placed.ser_order,
      [&](int id) {
        run_ser_logged(ctx, exec, plan.ser[id], position[id], placed.ser_order.size());
      },
      farm);
}

}  // namespace

void run_tasks(RunContext& ctx, const Plan& plan, dist::World& world, ops::ExecutionContext& exec) {
  const dist::Plan placed = place(ctx, plan, world.size());
  run_gan_waves(ctx, plan, placed, world, exec);
  run_ser_farm(ctx, plan, placed, world, exec);
  world.barrier();
}

}  // namespace emoaug::experiment
