#include "experiment/driver.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "backend/ops.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "data/h5.h"
#include "dist/communicator.h"
#include "dist/ordered_sum.h"
#include "dist/task_farm.h"
#include "experiment/claim.h"
#include "experiment/progress.h"
#include "experiment/records.h"
#include "experiment/stage_gan.h"
#include "experiment/stage_ser.h"
#include "gan/gradient_sum.h"

namespace emoaug::experiment {
namespace {

// C's gradient sum and the per-epoch statistics over the group's ranks, in emotion order. The
// statistics are host rows and go through `stats` (MPI); C's gradient lives where the group
// computes and goes through `gradients` — NCCL for device buffers, or, where the ranks share a GPU
// (NCCL refuses that) or NCCL is not built, MPI with the buffers staged through the host.
class OrderedGradientSum : public gan::ClassifierGradientSum {
 public:
  OrderedGradientSum(dist::Communicator& gradients, dist::Communicator& stats,
                     const dist::EmotionBlocks& blocks, Device device)
      : gradients_(gradients, blocks),
        stats_(stats, blocks),
        staged_(device == Device::Cuda && gradients.device() == Device::Host) {}
  void sum(const std::vector<int>&, const std::vector<ConstMatView>& local,
           MatView total) override {
    if (!staged_) return gradients_.sum(local, total);
    host_local_.resize(local.size());
    std::vector<ConstMatView> views;
    for (size_t k = 0; k < local.size(); ++k) {
      host_local_[k].reshape(local[k].rows, local[k].cols, Device::Host);
      ops::to_host(local[k], host_local_[k].view());
      views.push_back(host_local_[k].view());
    }
    host_total_.reshape(total.rows, total.cols, Device::Host);
    gradients_.sum(views, host_total_.view());
    ops::to_device(host_total_.view(), total);
  }
  void gather_stats(MatView values) override { stats_.gather_rows(values); }
  std::vector<int> local_emotions() const { return gradients_.local_emotions(); }

 private:
  dist::OrderedSum gradients_, stats_;
  bool staged_;
  std::vector<Tensor> host_local_;
  Tensor host_total_;
};

// The communicators of a GAN group that computes on `device` (see OrderedGradientSum).
struct GroupCommunicators {
  std::unique_ptr<dist::Communicator> gradients, stats;
};

GroupCommunicators group_communicators(const RunContext& ctx, const GanTask& task,
                                       const dist::World& world, const dist::Group& group,
                                       Device device) {
  GroupCommunicators c;
  c.stats = dist::make_communicator(group, Device::Host);
  if (device == Device::Host) {
    c.gradients = dist::make_communicator(group, Device::Host);
    return c;
  }
  if (group.size() == 1 || !group.uses_mpi()) {
    c.gradients = std::make_unique<dist::SelfCommunicator>(Device::Cuda);
    return c;
  }
  const bool distinct = world.distinct_gpus(group);
  // Every member must take the same road, so NCCL is used only where all of them can open it.
  std::string why_not;
  const bool nccl_here = distinct && dist::nccl_usable(&why_not);
  if (group.all(nccl_here)) {
    const dist::CollectiveSettings settings{
        ctx.cfg.experiment.nccl_timeout_s,
        "rank " + std::to_string(world.rank()) + " on " + world.hostname() + ", GPU " +
            std::to_string(world.gpu()) + " (" + world.gpu_uuid() + ")"};
    c.gradients = dist::make_communicator(group, Device::Cuda, settings);
    return c;
  }
  c.gradients = dist::make_communicator(group, Device::Host);
  if (!distinct && group.rank() == 0)
    log_info(
        "%s: ranks of the group share a GPU (NCCL refuses that), so C's gradient is summed "
        "through MPI with host staging",
        task.key().name().c_str());
  else if (distinct && !nccl_here)
    log_warn(
        "%s: NCCL cannot be used on rank %d (%s), so C's gradient is summed through MPI with "
        "host staging",
        task.key().name().c_str(), world.rank(), why_not.c_str());
  return c;
}

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
    if (gone) {
      log_warn("%s: took over the claim of %s, which no longer runs", key.name().c_str(),
               gone->describe().c_str());
      record_lost_holder(ctx.dir, key, *gone);
    }
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

// Where a task computes, for its error messages when that is a GPU ("GPU 0 of node12: "): CUDA's
// errors do not say.
std::string gpu_where(const dist::World& world, const ops::ExecutionContext& exec) {
  return exec.device() == Device::Cuda
             ? "GPU " + std::to_string(exec.gpu()) + " of " + world.hostname() + ": "
             : "";
}

// The exception being handled, again, its message prefixed with `where` (the kind kept).
[[noreturn]] void rethrow_with(const std::string& where) {
  try {
    throw;
  } catch (const Preempted&) {
    throw;
  } catch (const OutOfSpace& e) {
    throw OutOfSpace(where + e.what());
  } catch (const std::exception& e) {
    throw Error(where + e.what());
  }
}

// One SER task with its progress line.
void run_ser_logged(const RunContext& ctx, ops::ExecutionContext& exec, const SerTask& task,
                    size_t index, size_t total, const std::string& where, int rank) {
  if (stop_requested() && !ctx.finished(task)) throw_stopped_before(task.key());
  const std::optional<TaskClaim> claim = claim_task(ctx, task);
  if (!claim) return;
  const TaskTimer timer;
  SerOutcome o;
  try {
    fail_if_asked(task.key());
    o = run_ser_task(ctx, exec, task);
    timer.write(ctx.dir.timing(task.key()));
  } catch (...) {
    record_task_failure(ctx.dir, task.key(), rank, std::current_exception());
    if (where.empty()) throw;
    rethrow_with(task.key().name() + " on " + where);
  }
  if (!ctx.verbose) return;
  std::string dev;
  if (o.uar_dev >= 0) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), ", dev-chosen %d epochs: %.2f%%", o.dev_epochs,
                  100 * o.uar_dev);
    dev = buf;
  }
  log_info("[%zu/%zu] %s: UAR %.2f%%%s (%.1fs)", index + 1, total, task.key().name().c_str(),
           100 * o.uar, dev.c_str(), timer.seconds());
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
                               const std::exception& e, const std::string& where) {
  if (world.size() == 1) {
    if (where.empty()) throw;
    rethrow_with(key.name() + " on " + where);
  }
  world.abort(exit_code_for(e), "emoaug: error on rank " + std::to_string(world.rank()) +
                                    " in task " + key.name() + ": " + where + e.what());
}

// The GAN stage: waves of groups, each on its own sub-communicator. A finished group's checkpoints
// go once the whole wave is past it (every member has written its outputs).
void run_gan_waves(RunContext& ctx, const Plan& plan, const dist::Placement& placed,
                   dist::World& world, ops::ExecutionContext& exec) {
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
          // NCCL makes its communicator on the thread's current device: the rank's GPU.
          const ops::ExecutionScope bound(exec);
          const TaskTimer timer;
          fail_if_asked(task.key());
          const GroupCommunicators comms =
              group_communicators(ctx, task, world, group, exec.device());
          OrderedGradientSum sum(*comms.gradients, *comms.stats, g.emotions, exec.device());
          run_gan_task(ctx, exec, task, sum.local_emotions(), sum);
          if (group.rank() == 0) timer.write(ctx.dir.timing(task.key()));
        }
      } catch (const Preempted& e) {
        // The group agreed on the epoch (gan::EpochReport::stop), so every member is here.
        if (ctx.verbose) log_info("%s", e.what());
        stopped = true;
      } catch (const std::exception& e) {
        record_task_failure(ctx.dir, task.key(), world.rank(), std::current_exception());
        fail_in_task(world, task.key(), e, gpu_where(world, exec));
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
void run_ser_farm(RunContext& ctx, const Plan& plan, const dist::Placement& placed,
                  dist::World& world, ops::ExecutionContext& exec) {
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
  const std::string where = gpu_where(world, exec);
  std::vector<size_t> position(plan.ser.size(), 0);
  for (size_t k = 0; k < placed.ser_order.size(); ++k) position[placed.ser_order[k]] = k;
  dist::run_task_farm(
      world, placed.ser_order,
      [&](int id) {
        run_ser_logged(ctx, exec, plan.ser[id], position[id], placed.ser_order.size(), where,
                       world.rank());
      },
      farm);
}

// The stage's progress lines, on rank 0 only: one line for the run, not one per rank.
template <class Task>
std::unique_ptr<StageProgress> stage_progress(const dist::World& world, const RunContext& ctx,
                                              const char* what, const std::vector<Task>& tasks) {
  if (world.rank() != 0) return nullptr;
  return std::make_unique<StageProgress>(what, tasks.size(), finished_counter(ctx, tasks));
}

}  // namespace

void run_tasks(RunContext& ctx, const Plan& plan, dist::World& world, ops::ExecutionContext& exec) {
  // Checkpoints of groups that finished in a run killed before it deleted them.
  if (world.rank() == 0 && !ctx.cfg.gan.keep_final_checkpoints)
    for (const GanTask& task : plan.gan)
      if (ctx.finished(task)) ctx.dir.remove_checkpoints(task.key());
  const dist::Placement placed = place(ctx, plan, world.size());
  {
    const std::unique_ptr<StageProgress> progress =
        stage_progress(world, ctx, "GAN groups", plan.gan);
    run_gan_waves(ctx, plan, placed, world, exec);
  }
  {
    const std::unique_ptr<StageProgress> progress =
        stage_progress(world, ctx, "SER tasks", plan.ser);
    run_ser_farm(ctx, plan, placed, world, exec);
  }
  world.barrier();
}

}  // namespace emoaug::experiment
