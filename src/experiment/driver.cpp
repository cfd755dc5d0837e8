#include "experiment/driver.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "data/h5.h"
#include "dist/communicator.h"
#include "dist/ordered_sum.h"
#include "dist/task_farm.h"
#include "experiment/claim.h"
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

[[noreturn]] void throw_stopped_before(const TaskKey& key) {
  throw Preempted(std::string("stopped by ") + stop_signal_name() + " before " + key.name() +
                  " (finished tasks are saved; rerun the same command to resume)");
}

// The task's claim (claim.h), waiting while another live process holds it; nothing when the task
// is finished (perhaps by that process meanwhile).
template <class Task>
std::optional<TaskClaim> claim_task(const RunContext& ctx, const Task& task) {
  const TaskKey key = task.key();
  ctx.dir.make_task_folders(key);
  bool said = false;
  while (!ctx.finished(task)) {
    ClaimHolder holder;
    std::optional<ClaimHolder> gone;
    std::optional<TaskClaim> claim = TaskClaim::take(ctx.dir.claim(key), &holder, &gone);
    if (gone)
      log_warn("%s: took over the claim of %s, which no longer runs", key.name().c_str(),
               gone->describe().c_str());
    if (claim) {
      if (ctx.finished(task)) return std::nullopt;  // its outputs came just before the claim
      return claim;
    }
    if (!said) log_info("%s: waiting, %s runs it", key.name().c_str(), holder.describe().c_str());
    said = true;
    if (stop_requested()) throw_stopped_before(key);
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return std::nullopt;
}

// One SER task with its progress line.
void run_ser_logged(const RunContext& ctx, ops::ExecutionContext& exec, const SerTask& task,
                    size_t index, size_t total) {
  if (stop_requested() && !ctx.finished(task)) throw_stopped_before(task.key());
  const std::optional<TaskClaim> claim = claim_task(ctx, task);
  if (!claim) return;
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

// What the group's first rank found when claiming a GAN task, for the whole group.
enum class GroupClaim { Run = 0, Finished = 1, Stopped = 2 };

// The group's first rank claims the task for the group (waiting while another process runs it)
// and tells the others.
GroupClaim claim_for_group(const RunContext& ctx, const GanTask& task, const dist::Group& group,
                           std::optional<TaskClaim>& claim) {
  int decision = static_cast<int>(GroupClaim::Run);
  if (group.rank() == 0) {
    try {
      claim = claim_task(ctx, task);
      if (!claim) decision = static_cast<int>(GroupClaim::Finished);
    } catch (const Preempted& e) {
      log_info("%s", e.what());
      decision = static_cast<int>(GroupClaim::Stopped);
    }
  }
  return static_cast<GroupClaim>(group.broadcast(decision));
}

// Errors end the job with the rank and task named: other members wait in a collective for this
// rank, so the job ends rather than hangs. Alone, the rank just throws (one line, its exit code).
[[noreturn]] void fail_in_task(const dist::World& world, const TaskKey& key,
                               const std::exception& e) {
  if (world.size() == 1) throw;
  world.abort(exit_code_for(e), "emoaug: error on rank " + std::to_string(world.rank()) +
                                    " in task " + key.name() + ": " + e.what());
}

// The GAN stage: waves of groups, each on its own sub-communicator. A finished group's checkpoints
// go once the whole wave is past it (every member has written its outputs).
void run_gan_waves(RunContext& ctx, const Plan& plan, const dist::Plan& placed, dist::World& world,
                   ops::ExecutionContext& exec) {
  for (const dist::Wave& wave : placed.waves) {
    const int index = dist::group_index_of_rank(wave, world.rank());
    dist::Group group = world.split(index);
    bool stopped = false;
    if (index >= 0) {
      const dist::GroupPlacement& g = wave.groups[index];
      const GanTask& task = plan.gan[g.task_id];
      ctx.verbose = group.rank() == 0;
      std::optional<TaskClaim> claim;
      try {
        const GroupClaim got = claim_for_group(ctx, task, group, claim);
        stopped = got == GroupClaim::Stopped;
        if (got == GroupClaim::Run) {
          std::unique_ptr<dist::Communicator> comm = dist::make_communicator(group, Device::Host);
          OrderedGradientSum sum(*comm, g.emotions);
          run_gan_task(ctx, exec, task, sum.local_emotions(), sum);
        }
      } catch (const Preempted& e) {
        // The group agreed on the epoch (gan::EpochReport::stop), so every member is here.
        if (ctx.verbose) log_info("%s", e.what());
        stopped = true;
      } catch (const std::exception& e) {
        fail_in_task(world, task.key(), e);
      }
    }
    // A stop anywhere ends every rank at this wave boundary, checkpoints written.
    const bool any_stopped = world.any(stopped);
    if (index >= 0 && group.rank() == 0) {
      const GanTask& task = plan.gan[wave.groups[index].task_id];
      if (ctx.finished(task) && !ctx.cfg.gan.keep_final_checkpoints)
        ctx.dir.remove_checkpoints(task.key());
    }
    if (any_stopped)
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
  // Checkpoints of groups that finished in a run killed before it deleted them.
  if (world.rank() == 0 && !ctx.cfg.gan.keep_final_checkpoints)
    for (const GanTask& task : plan.gan)
      if (ctx.finished(task)) ctx.dir.remove_checkpoints(task.key());
  const dist::Plan placed = place(ctx, plan, world.size());
  run_gan_waves(ctx, plan, placed, world, exec);
  run_ser_farm(ctx, plan, placed, world, exec);
  world.barrier();
}

}  // namespace emoaug::experiment
