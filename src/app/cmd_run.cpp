#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "backend/ops.h"
#include "config/config.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "dist/world.h"
#include "experiment/distributed.h"
#include "experiment/pipeline.h"
#include "experiment/report.h"
#include "experiment/run_dir.h"
#include "experiment/stage_gan.h"
#include "experiment/stage_ser.h"

namespace emoaug::app {

namespace {

// Tasks of the full plan that have not finished yet.
size_t unfinished(const experiment::RunContext& ctx, const experiment::Plan& plan) {
  size_t n = 0;
  for (const auto& t : plan.gan) n += !experiment::gan_task_finished(ctx, t);
  for (const auto& t : plan.ser) n += !experiment::ser_task_finished(ctx, t);
  return n;
}

std::string lambda_list(const std::vector<double>& lambdas) {
  std::string out;
  for (double l : lambdas) out += (out.empty() ? "" : ", ") + experiment::format_lambda(l);
  return out;
}

int run_experiment(const std::string& path, const std::vector<std::string>& sets,
                   const std::vector<double>& lambdas, bool no_report, dist::World& world,
                   std::chrono::steady_clock::time_point started) {
  install_stop_handlers();
  config::ExperimentConfig cfg = config::load_config(path, sets);
  config::check_runnable(cfg, path);
  log_set_level(cfg.experiment.log_level);
  if (cfg.experiment.backend == config::Backend::Cuda)
    EMOAUG_FAIL(
        path, ": experiment.backend = \"cuda\": the pipeline runs on the CPU backend in ",
        "this version (the CUDA backend is built and tested op by op, docs/cuda.md); use -s ",
        "experiment.backend=cpu");
  // The threads go to a GAN group's emotions and to SER tasks side by side; every gemm runs on
  // one thread (the blocked kernels or OpenBLAS's single-threaded gemm), whose results, unlike
  // OpenBLAS's threaded gemm's, depend on no thread count.
  const int threads = cfg.experiment.threads > 0 ? cfg.experiment.threads
                                                 : dist::default_cpu_threads(world.local_size());
  ops::set_cpu_threads(threads);
  ops::set_blas_threads(1);
  // A λcls outside the grid fails here, before the run directory is touched.
  if (!lambdas.empty()) experiment::select_lambdas({}, cfg, lambdas);

  // Rank 0 prepares the run directory before anyone reads or writes in it.
  const bool leader = world.rank() == 0;
  experiment::RunContext ctx{cfg, experiment::RunDirectory(cfg.experiment.output),
                             experiment::load_corpora(cfg)};
  if (leader) experiment::prepare_run_directory(ctx.dir, cfg);
  world.barrier();
  const experiment::Plan full =
      experiment::make_plan(cfg, static_cast<int>(ctx.corpora.folds.size()));
  const bool part = !lambdas.empty();
  const experiment::Plan plan = part ? experiment::select_lambdas(full, cfg, lambdas) : full;
  if (leader) {
    size_t gan_done = 0, ser_done = 0;
    for (const auto& t : plan.gan) gan_done += experiment::gan_task_finished(ctx, t);
    for (const auto& t : plan.ser) ser_done += experiment::ser_task_finished(ctx, t);
    log_info(
        "%s%s: %zu GAN groups (%zu finished), %zu SER tasks (%zu finished) on %d rank(s) "
        "of %d thread(s) -> %s",
        cfg.experiment.name.c_str(),
        part ? (" (λcls " + lambda_list(lambdas) + " only)").c_str() : "", plan.gan.size(),
        gan_done, plan.ser.size(), ser_done, world.size(), threads, ctx.dir.root().c_str());
  }
  experiment::run_all_distributed(ctx, plan, world);
  if (part) {
    // The other values' tasks may be running elsewhere right now (array elements): assembling
    // results.h5 is the job of `emoaug aggregate` once all of them are done.
    if (leader) {
      const size_t left = unfinished(ctx, full);
      log_info("λcls %s: %zu tasks done; %zu of the run's %zu tasks still to run%s",
               lambda_list(lambdas).c_str(), plan.gan.size() + plan.ser.size(), left,
               full.gan.size() + full.ser.size(),
               left ? "" : (" (all done: emoaug aggregate " + ctx.dir.root() + ")").c_str());
    }
    return kExitOk;
  }

  experiment::RunInfo info;
  info.ranks = world.size();
  info.hosts = world.hostnames();
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!leader) return kExitOk;
  experiment::aggregate(ctx, plan, info);
  if (!no_report) experiment::write_report(ctx, plan);
  const std::string csv = experiment::read_text_file(ctx.dir.path("summary.csv"));
  std::fwrite(csv.data(), 1, csv.size(), stdout);
  log_info("done in %.1f s: %s/{results.h5,summary.csv%s}", info.seconds, ctx.dir.root().c_str(),
           no_report ? "" : ",report.md");
  return kExitOk;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  std::string path;
  std::vector<std::string> sets;
  std::vector<std::string> lambda_texts;
  bool no_report = false;
  ArgParser args("emoaug run",
                 "Run a whole experiment: emotion-transfer CycleGANs per (λcls, fold), SER "
                 "classifiers per (setting, λcls, fold or cross-corpus, repetition), then "
                 "results.h5, summary.csv, synthetic.h5 and report.md in experiment.output. "
                 "Finished tasks are skipped, so rerunning the same command after a kill or a "
                 "preemption (SIGTERM, SIGUSR2) continues where it stopped.");
  args.positional("CONFIG", "experiment config (TOML; keys in docs/config.md)", &path);
  args.option_list("set", "KEY=VALUE", "override one config key (see emoaug config --help)", &sets,
                   's');
  args.flag("no-report", "skip report.md (results.h5 and summary.csv are still written)",
            &no_report);
  args.option_list("lambda-cls", "X",
                   "run only the tasks of λcls = X, a value of gan.lambda_cls: its "
                   "CycleGANs and SER classifiers, and the real-data classifiers when X is the "
                   "grid's first value. The run directory keeps the whole grid; once every value "
                   "has run, `emoaug aggregate` and `emoaug report` finish it (one SLURM array "
                   "element per value; docs/slurm.md)",
                   &lambda_texts);
  args.epilog(
      "exit codes: 0 done, 1 error, 2 usage, 75 preempted (rerun the same command to resume)\n"
      "\nexamples:\n"
      "  emoaug run configs/demo.toml\n"
      "  emoaug run configs/iemocap.toml -s gan.epochs=50 -s gan.pretrain.epochs=20\n"
      "  emoaug run configs/demo.toml --lambda-cls 2    # one part of the λcls sweep\n"
      "  mpirun -np 4 emoaug run configs/paper.toml");
  if (!args.parse(argc, argv)) return kExitOk;
  std::vector<double> lambdas;
  for (const std::string& t : lambda_texts) lambdas.push_back(parse_double(t, "--lambda-cls"));
  const auto started = std::chrono::steady_clock::now();
  dist::World world(&argc, &argv);
  try {
    return run_experiment(path, sets, lambdas, no_report, world, started);
  } catch (const Preempted&) {
    throw;  // every rank stopped at the same point (see run_all_distributed)
  } catch (const std::exception& e) {
    // A failure on some ranks only would leave the others waiting in a collective.
    if (world.size() > 1)
      world.abort(kExitError,
                  "emoaug run: error on rank " + std::to_string(world.rank()) + ": " + e.what());
    throw;
  }
}

int cmd_aggregate(int argc, char** argv) {
  std::string dir;
  ArgParser args(
      "emoaug aggregate",
      "Rebuild results.h5, summary.csv and synthetic.h5 of a run directory from its task "
      "files (columns of summary.csv: protocol, setting, lambda_cls, uar_mean, uar_std, "
      "repetitions; UAR in percent).");
  args.positional("RUNDIR", "a run directory made by emoaug run", &dir);
  if (!args.parse(argc, argv)) return kExitOk;
  const experiment::ExistingRun run = experiment::open_existing_run(dir);
  experiment::aggregate(run.ctx, run.plan, experiment::read_run_info(run.ctx));
  const std::string csv = experiment::read_text_file(run.ctx.dir.path("summary.csv"));
  std::fwrite(csv.data(), 1, csv.size(), stdout);
  return kExitOk;
}

int cmd_report(int argc, char** argv) {
  std::string dir;
  ArgParser args("emoaug report",
                 "Write RUNDIR/report.md from RUNDIR/results.h5: Tables 1-3 laid out as in the "
                 "paper, averaged confusion matrices, and figures (PNG, drawn with "
                 "python3-matplotlib when available).");
  args.positional("RUNDIR", "a run directory with results.h5", &dir);
  if (!args.parse(argc, argv)) return kExitOk;
  const experiment::ExistingRun run = experiment::open_existing_run(dir);
  std::printf("%s\n", experiment::write_report(run.ctx, run.plan).c_str());
  return kExitOk;
}

}  // namespace emoaug::app
