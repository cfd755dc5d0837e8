#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "backend/execution.h"
#include "backend/ops.h"
#include "config/config.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "dist/world.h"
#include "experiment/aggregate.h"
#include "experiment/driver.h"
#include "experiment/records.h"
#include "experiment/report.h"

namespace emoaug::app {

namespace {

// --part I/N as (I, N); (-1, 0) without it.
std::pair<int, int> parse_part(const std::string& text) {
  if (text.empty()) return {-1, 0};
  const size_t slash = text.find('/');
  if (slash == std::string::npos) EMOAUG_FAIL("--part: expected I/N, got '", text, "'");
  return {parse_int(text.substr(0, slash), "--part"), parse_int(text.substr(slash + 1), "--part")};
}

// The backend of the run: the one asked for, or (auto) the GPUs when every rank has a usable one.
// The run's first log line says which and why; "cuda" without a GPU on some rank fails here,
// before anything is written.
config::Backend choose_backend(config::Backend asked, const dist::World& world,
                               const std::string& origin) {
  std::string why_not;
  const bool usable = ops::cuda_available(&why_not) && world.gpu() >= 0;
  if (!usable && why_not.empty()) why_not = "no CUDA device";
  const bool everywhere = !world.any(!usable);
  const std::string whose = "rank " + std::to_string(world.rank()) + " on " + world.hostname();
  if (asked == config::Backend::Cuda && !everywhere)
    EMOAUG_FAIL(origin, ": experiment.backend = \"cuda\", but ",
                usable ? std::string("another rank") : whose + " (" + why_not + ")",
                " has no usable GPU; set experiment.backend = \"cpu\" or \"auto\"");
  const config::Backend chosen = asked == config::Backend::Cpu ? config::Backend::Cpu
                                 : everywhere                  ? config::Backend::Cuda
                                                               : config::Backend::Cpu;
  std::string reason = "experiment.backend = " + std::string(config::to_string(asked));
  if (asked == config::Backend::Auto)
    reason = everywhere ? "auto: every rank has a GPU"
             : usable   ? "auto: a rank has no usable GPU"
                        : "auto: " + whose + " has no usable GPU: " + why_not;
  if (chosen == config::Backend::Cuda) {
    // Checked before any task: on an EXCLUSIVE_PROCESS GPU the second rank's first CUDA call fails.
    const std::string refused = dist::gpu_sharing_error(
        world.ranks_on_gpu(), world.gpu_exclusive_process(),
        "GPU " + std::to_string(world.gpu()) + " (" + world.gpu_uuid() + ") of " + whose);
    if (world.any(!refused.empty()))
      EMOAUG_FAIL(
          origin, ": ",
          refused.empty() ? "another rank's GPU is shared in EXCLUSIVE_PROCESS mode" : refused);
  }
  if (world.rank() == 0) log_info("backend: %s (%s)", config::to_string(chosen), reason.c_str());
  return chosen;
}

// SER tasks at once on a rank's GPU: as asked, or as many as its free memory holds (at most 4),
// each on its own stream and cuBLAS handle.
int tasks_per_gpu(const experiment::RunContext& ctx, const experiment::Plan& plan,
                  const dist::World& world) {
  if (ctx.cfg.experiment.tasks_per_gpu > 0) return ctx.cfg.experiment.tasks_per_gpu;
  double largest = 1;
  for (const experiment::SerTask& t : plan.ser)
    largest = std::max(largest, experiment::estimate_gpu_bytes(ctx, t));
  // The GPU's other ranks take their share of it too.
  const double room = 0.8 * static_cast<double>(ops::gpu_info(world.gpu()).free_bytes) /
                      std::max(1, world.ranks_on_gpu());
  return std::clamp(static_cast<int>(room / largest), 1, 4);
}

int run_experiment(const std::string& path, const std::vector<std::string>& sets,
                   const config::SweepArguments& sweep, const std::string& part_text,
                   bool no_report, dist::World& world,
                   std::chrono::steady_clock::time_point started) {
  install_stop_handlers();
  config::ExperimentConfig cfg = config::load_config(path, sets, sweep);
  config::check_runnable(cfg, path);
  log_set_level(cfg.experiment.log_level);
  // config.toml records the backend the run took: a rerun that would take the other one (auto on
  // another kind of node) is refused rather than mixing CPU and GPU results.
  cfg.experiment.backend = choose_backend(cfg.experiment.backend, world, path);
  const bool on_gpu = cfg.experiment.backend == config::Backend::Cuda;
  const auto [part_index, parts] = parse_part(part_text);

  // Rank 0 prepares the run directory before anyone reads or writes in it.
  const bool leader = world.rank() == 0;
  experiment::RunContext ctx = experiment::load_run_context(cfg);
  if (leader) {
    for (const std::string& note : ctx.corpora.notes) log_info("%s", note.c_str());
    experiment::prepare_run_directory(ctx.dir, cfg);
  }
  world.barrier();
  const experiment::Plan full =
      experiment::make_plan(ctx.study, static_cast<int>(ctx.corpora.folds.size()));
  if (leader) {
    // For `emoaug status`: every task of the run (all points, also in one part of it), and the
    // SLURM job that wrote to it.
    experiment::write_plan_record(
        ctx.dir.plan_record(),
        experiment::plan_record(experiment::task_keys(full), ctx.emotions()));
    if (const auto job = experiment::current_job(static_cast<int64_t>(std::time(nullptr))))
      experiment::write_job_record(ctx.dir.jobs(), *job);
  }
  const bool part = parts > 0;
  const experiment::Plan plan = part ? experiment::select_part(full, part_index, parts) : full;
  // The rank's context. On the CPU its threads go to a GAN group's emotions and to SER tasks side
  // by side; every gemm runs on one thread (the blocked kernels or OpenBLAS's single-threaded
  // gemm), whose results, unlike OpenBLAS's threaded gemm's, depend on no thread count. On a GPU
  // its threads are the SER tasks that share the GPU.
  const int threads = on_gpu                       ? tasks_per_gpu(ctx, plan, world)
                      : cfg.experiment.threads > 0 ? cfg.experiment.threads
                                                   : dist::default_cpu_threads(world.local_size());
  ops::ExecutionContext exec(on_gpu ? Device::Cuda : Device::Host, threads, ops::MathMode{},
                             std::max(world.gpu(), 0));
  exec.set_gpu_ranks(world.ranks_on_gpu());
  std::string devices = "cpu";
  if (on_gpu) {
    const ops::GpuInfo gpu = ops::gpu_info(world.gpu());
    log_info("GPU %d of %s: %s, %s%s", world.gpu(), world.hostname().c_str(),
             gpu.describe().c_str(), world.gpu_uuid().c_str(),
             world.ranks_on_gpu() > 1
                 ? (", shared by " + std::to_string(world.ranks_on_gpu()) + " ranks of this node")
                       .c_str()
                 : "");
    devices = "cuda: " + gpu.describe();
  }
  if (leader) {
    const size_t gan_done = ctx.count_finished(plan.gan), ser_done = ctx.count_finished(plan.ser);
    if (!cfg.sweep.empty())
      log_info(
          "study: %zu points, %zu GAN groups and %zu SER tasks in all (each task once, "
          "however many points need it; points.tsv)",
          ctx.study.points.size(), full.gan.size(), full.ser.size());
    log_info(
        "%s%s: %zu GAN groups (%zu finished), %zu SER tasks (%zu finished) on %d rank(s) "
        "of %d %s -> %s",
        cfg.experiment.name.c_str(), part ? (" (part " + part_text + ")").c_str() : "",
        plan.gan.size(), gan_done, plan.ser.size(), ser_done, world.size(), threads,
        on_gpu ? "SER task(s) per GPU" : "thread(s)", ctx.dir.root().c_str());
  }
  experiment::run_tasks(ctx, plan, world, exec);
  if (part) {
    // The other values' tasks may be running elsewhere right now (array elements): assembling
    // results.h5 is the job of `emoaug aggregate` once all of them are done.
    if (leader) {
      const size_t left = full.gan.size() - ctx.count_finished(full.gan) + full.ser.size() -
                          ctx.count_finished(full.ser);
      log_info("part %s: %zu tasks done; %zu of the run's %zu tasks still to run%s",
               part_text.c_str(), plan.gan.size() + plan.ser.size(), left,
               full.gan.size() + full.ser.size(),
               left ? "" : (" (all done: emoaug aggregate " + ctx.dir.root() + ")").c_str());
    }
    return kExitOk;
  }

  experiment::RunInfo info;
  info.ranks = world.size();
  info.hosts = world.hostnames();
  info.devices = devices;
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!leader) return kExitOk;
  const std::vector<std::string> warnings = experiment::aggregate(ctx, plan, info);
  if (!no_report) experiment::write_report(ctx, plan);
  const std::string csv = experiment::read_text_file(ctx.dir.summary_csv());
  std::fwrite(csv.data(), 1, csv.size(), stdout);
  std::fflush(stdout);
  // Said again last, where a reader of the log looks: sets the probe did not recognise.
  for (const std::string& w : warnings) log_warn("%s", w.c_str());
  log_info("done in %.1f s: %s/{results.h5,summary.csv%s}", info.seconds, ctx.dir.root().c_str(),
           no_report ? "" : ",report.md");
  return kExitOk;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  std::string path;
  std::vector<std::string> sets;
  config::SweepArguments sweep;
  std::string part_text;
  bool no_report = false;
  ArgParser args("emoaug run",
                 "Run a whole experiment: emotion-transfer CycleGANs per (study point, fold), SER "
                 "classifiers per (setting, point, fold or cross-corpus, repetition) — each task "
                 "once, however many points of the sweep need it — then "
                 "results.h5, summary.csv, synthetic.h5 and report.md in experiment.output. "
                 "Finished tasks are skipped, so rerunning the same command after a kill or a "
                 "preemption (SIGTERM, SIGUSR2) continues where it stopped.");
  args.positional("CONFIG", "experiment config (TOML; keys in docs/config.md)", &path);
  args.option_list("set", "KEY=VALUE", "override one config key (see emoaug config --help)", &sets,
                   's');
  args.flag("no-report", "skip report.md (results.h5 and summary.csv are still written)",
            &no_report);
  add_sweep_options(args, sweep);
  args.option("part", "I/N",
              "run only part I of N (0 <= I < N, N at most the number of GAN groups): every N-th "
              "GAN group from the I-th, the SER tasks on its synthetic data, and every N-th SER "
              "task on real data. The run directory keeps the whole study; once every part has "
              "run, `emoaug aggregate` and `emoaug report` finish it (one SLURM array element "
              "per part; docs/slurm.md)",
              &part_text);
  args.epilog(
      "exit codes: 0 done, 1 error, 2 usage, 74 out of space (free space, then rerun the same\n"
      "command), 75 preempted (rerun the same command to resume)\n"
      "\nexamples:\n"
      "  emoaug run configs/demo.toml\n"
      "  emoaug run configs/iemocap.toml -s gan.epochs=50 -s gan.pretrain.epochs=20\n"
      "  emoaug run configs/demo.toml --sweep ser.real.epochs=20,40 --sweep gan.lambda_cls=0,2\n"
      "  emoaug run configs/demo.toml --part 0/2    # half of the study's tasks\n"
      "  mpirun -np 4 emoaug run configs/paper.toml");
  if (!args.parse(argc, argv)) return kExitOk;
  const auto started = std::chrono::steady_clock::now();
  dist::World world(&argc, &argv);
  try {
    return run_experiment(path, sets, sweep, part_text, no_report, world, started);
  } catch (const Preempted&) {
    throw;  // every rank stopped at the same point (see experiment::run_tasks)
  } catch (const std::exception& e) {
    // A failure on some ranks only would leave the others waiting in a collective.
    if (world.size() > 1)
      world.abort(kExitError,
                  "emoaug run: error on rank " + std::to_string(world.rank()) + ": " + e.what());
    throw;
  }
}

}  // namespace emoaug::app
