#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "core/log.h"
#include "experiment/aggregate.h"
#include "experiment/plan.h"
#include "experiment/results_file.h"

namespace emoaug::app {

int cmd_aggregate(int argc, char** argv) {
  std::string dir;
  ArgParser args(
      "emoaug aggregate",
      "Rebuild results.h5, summary.csv and synthetic.h5 of a run directory from its task "
      "files. summary.csv: protocol, setting, lambda_cls, one column per other swept key, "
      "uar_mean, uar_std, repetitions, "
      "the paired difference to real (diff_real, diff_ci_low, diff_ci_high, pairs, p_t, "
      "p_wilcoxon, p_corrected, ci_corrected_low, ci_corrected_high) and recall_<class> per "
      "class; UAR, differences and recalls in percent "
      "(docs/results.md).");
  args.positional("RUNDIR", "a run directory made by emoaug run", &dir);
  if (!args.parse(argc, argv)) return kExitOk;
  const experiment::ExistingRun run = experiment::open_existing_run(dir);
  const std::vector<std::string> warnings =
      experiment::aggregate(run.ctx, run.plan, experiment::read_run_info(run.ctx));
  const std::string csv = experiment::read_text_file(run.ctx.dir.summary_csv());
  std::fwrite(csv.data(), 1, csv.size(), stdout);
  std::fflush(stdout);
  for (const std::string& w : warnings) log_warn("%s", w.c_str());
  return kExitOk;
}

}  // namespace emoaug::app
