#include <cstdio>
#include <string>

#include "app/args.h"
#include "app/commands.h"
#include "experiment/plan.h"
#include "experiment/report.h"

namespace emoaug::app {

int cmd_report(int argc, char** argv) {
  std::string dir;
  ArgParser args("emoaug report",
                 "Write RUNDIR/report.md from RUNDIR/results.h5: Tables 1-3 laid out as in the "
                 "paper, averaged confusion matrices, and figures (PNG, drawn with "
                 "python3-matplotlib when available), the CycleGANs' training curves among "
                 "them. On a run still in progress, a partial report: how far it got and the "
                 "training curves of the GAN groups that have finished.");
  args.positional("RUNDIR", "a run directory (finished, or still running)", &dir);
  if (!args.parse(argc, argv)) return kExitOk;
  const experiment::ExistingRun run = experiment::open_existing_run(dir);
  std::printf("%s\n", experiment::write_report(run.ctx, run.plan).c_str());
  return kExitOk;
}

}  // namespace emoaug::app
