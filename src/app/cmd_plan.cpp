#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "config/config.h"
#include "core/error.h"
#include "experiment/plan.h"

namespace emoaug::app {

int cmd_plan(int argc, char** argv) {
  char default_gflops[32];
  std::snprintf(default_gflops, sizeof(default_gflops), "%g", experiment::kDefaultGflopsPerRank);
  std::string path, ranks_text = "1", gflops_text = default_gflops;
  std::vector<std::string> sets;
  bool all = false;
  ArgParser args("emoaug plan",
                 "Print how `emoaug run` would place an experiment's unfinished tasks on P ranks: "
                 "the GAN groups in waves (which ranks, which emotions each rank holds), the SER "
                 "tasks in the task farm's order, estimated costs, makespan and efficiency. "
                 "`emoaug run` under mpirun follows the same plan.");
  args.positional("CONFIG", "experiment config (TOML)", &path);
  args.option("ranks", "P", "number of MPI ranks to plan for", &ranks_text, 'n');
  args.option_list("set", "KEY=VALUE", "override one config key (see emoaug config --help)", &sets,
                   's');
  args.option("gflops", "G",
              "sustained GFLOP/s of one rank, to turn the estimated work into seconds "
              "(docs/benchmarks.md)",
              &gflops_text);
  args.flag("all", "plan every task, also those the run directory already holds", &all);
  args.epilog("example:\n  emoaug plan configs/paper.toml --ranks 32");
  if (!args.parse(argc, argv)) return kExitOk;
  const int ranks = parse_int(ranks_text, "--ranks");
  if (ranks < 1) EMOAUG_FAIL("--ranks must be at least 1, got ", ranks);
  const double gflops = parse_double(gflops_text, "--gflops");
  if (!(gflops > 0)) EMOAUG_FAIL("--gflops must be positive, got ", gflops_text);
  const config::ExperimentConfig cfg = config::load_config(path, sets);
  config::check_runnable(cfg, path);
  const experiment::RunContext ctx = experiment::load_run_context(cfg);
  const experiment::Plan plan =
      experiment::make_plan(cfg, static_cast<int>(ctx.corpora.folds.size()));
  const std::string text = experiment::describe_placement(
      ctx, plan, experiment::place(ctx, plan, ranks, all, gflops), gflops);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace emoaug::app
