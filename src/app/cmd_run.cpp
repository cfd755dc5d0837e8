#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
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

int run_experiment(const std::string& path, const std::vector<std::string>& sets, bool no_report,
                   dist::World& world, std::chrono::steady_clock::time_point started) {
  install_stop_handlers();
  config::ExperimentConfig cfg = config::load_config(path, sets);
  config::check_runnable(cfg, path);
  log_set_level(cfg.experiment.log_level);
  if (cfg.experiment.backend == config::Backend::Cuda)
    EMOAUG_FAIL(path, ": experiment.backend = \"cuda\": the pipeline runs on the CPU backend in ",
                "this version (the CUDA backend is built and tested op by op, docs/cuda.md); use -s ",
                "experiment.backend=cpu");
  if (cfg.experiment.threads > 0) openblas_set_num_threads(cfg.experiment.threads);

  // Rank 0 prepares the run directory before anyone reads or writes in it.
  const bool leader = world.rank() == 0;
  experiment::RunContext ctx{cfg, experiment::RunDirectory(cfg.experiment.output),
                             experiment::load_corpora(cfg)};
  if (leader) experiment::prepare_run_directory(ctx.dir, cfg);
  world.barrier();
  const experiment::Plan plan =
      experiment::make_plan(cfg, static_cast<int>(ctx.corpora.folds.size()));
  if (leader) {
    size_t gan_done = 0, ser_done = 0;
    for (const auto& t : plan.gan) gan_done += experiment::gan_task_finished(ctx, t);
    for (const auto& t : plan.ser) ser_done += experiment::ser_task_finished(ctx, t);
    log_info("%s: %zu GAN groups (%zu finished), %zu SER tasks (%zu finished) on %d rank(s) -> %s",
             cfg.experiment.name.c_str(), plan.gan.size(), gan_done, plan.ser.size(), ser_done,
             world.size(), ctx.dir.root().c_str());
  }
  experiment::run_all_distributed(ctx, plan, world);

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
  args.epilog(
      "exit codes: 0 done, 1 error, 2 usage, 75 preempted (rerun the same command to resume)\n"
      "\nexamples:\n"
      "  emoaug run configs/demo.toml\n"
      "  emoaug run configs/iemocap.toml -s gan.epochs=50 -s gan.pretrain.epochs=20\n"
      "  mpirun -np 4 emoaug run configs/paper.toml");
  if (!args.parse(argc, argv)) return kExitOk;
  const auto started = std::chrono::steady_clock::now();
  dist::World world(&argc, &argv);
  try {
    return run_experiment(path, sets, no_report, world, started);
  } catch (const Preempted&) {
    throw;  // every rank stopped at the same point (see run_all_distributed)
  } catch (const std::exception& e) {
    // A failure on some ranks only would leave the others waiting in a collective.
    if (world.size() > 1)
      world.abort(kExitError, "emoaug run: error on rank " + std::to_string(world.rank()) + ": " +
                                  e.what());
    throw;
  }
}

int cmd_aggregate(int argc, char** argv) {
  std::string dir;
  ArgParser args("emoaug aggregate",
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
