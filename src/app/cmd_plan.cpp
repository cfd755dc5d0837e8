#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "config/config.h"
#include "core/error.h"
#include "core/log.h"
#include "experiment/plan.h"

namespace emoaug::app {

int cmd_plan(int argc, char** argv) {
  char default_gflops[32];
  std::snprintf(default_gflops, sizeof(default_gflops), "%g", experiment::kDefaultGflopsPerRank);
  std::string path, ranks_text = "1", gflops_text = default_gflops, gpus_text, per_node_text;
  std::vector<std::string> sets;
  config::SweepArguments sweep;
  bool all = false;
  ArgParser args("emoaug plan",
                 "Print how `emoaug run` would place an experiment's unfinished tasks on P ranks: "
                 "the GAN groups in waves (which ranks, which emotions each rank holds), the SER "
                 "tasks in the task farm's order, estimated costs, makespan and efficiency; for a "
                 "study, its points, the tasks they share and each point's estimated cost. "
                 "`emoaug run` under mpirun follows the same plan.");
  args.positional("CONFIG", "experiment config (TOML)", &path);
  args.option("ranks", "P", "number of MPI ranks to plan for", &ranks_text, 'n');
  args.option_list("set", "KEY=VALUE", "override one config key (see emoaug config --help)", &sets,
                   's');
  add_sweep_options(args, sweep);
  args.option("gflops", "G",
              "sustained GFLOP/s of one rank, to turn the estimated work into seconds "
              "(docs/benchmarks.md)",
              &gflops_text);
  args.flag("all", "plan every task, also those the run directory already holds", &all);
  args.option("gpus-per-node", "G",
              "GPUs per node: also print each rank's GPU (local rank % G) and the GAN groups whose "
              "ranks share one (their C gradient then goes through MPI, docs/cuda.md)",
              &gpus_text);
  args.option("ranks-per-node", "R", "ranks per node, with --gpus-per-node [default: all ranks]",
              &per_node_text);
  args.epilog(
      "examples:\n  emoaug plan configs/paper.toml --ranks 32\n"
      "  emoaug plan configs/paper.toml --ranks 16 --ranks-per-node 8 --gpus-per-node 4");
  if (!args.parse(argc, argv)) return kExitOk;
  const int ranks = parse_int(ranks_text, "--ranks");
  if (ranks < 1) EMOAUG_FAIL("--ranks must be at least 1, got ", ranks);
  const double gflops = parse_double(gflops_text, "--gflops");
  if (!(gflops > 0)) EMOAUG_FAIL("--gflops must be positive, got ", gflops_text);
  const config::ExperimentConfig cfg = config::load_config(path, sets, sweep);
  config::check_runnable(cfg, path);
  const experiment::RunContext ctx = experiment::load_run_context(cfg);
  for (const std::string& note : ctx.corpora.notes) log_info("%s", note.c_str());
  const experiment::Plan plan =
      experiment::make_plan(ctx.study, static_cast<int>(ctx.corpora.folds.size()));
  const dist::Placement placed = experiment::place(ctx, plan, ranks, all, gflops);
  std::string text = experiment::describe_study(ctx, plan, gflops) +
                     experiment::describe_placement(ctx, plan, placed, gflops);
  if (!gpus_text.empty()) {
    const int gpus = parse_int(gpus_text, "--gpus-per-node");
    const int per_node =
        per_node_text.empty() ? ranks : parse_int(per_node_text, "--ranks-per-node");
    if (gpus < 1 || per_node < 1)
      EMOAUG_FAIL("--gpus-per-node and --ranks-per-node must be at least 1");
    text += dist::describe_gpus(placed, per_node, gpus);
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace emoaug::app
