// emoaug: CycleGAN-based emotion style transfer as data augmentation for speech emotion
// recognition, as an experiment runner. This file only dispatches to the subcommands and turns
// failures into one clear line and an exit code.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "app/commands.h"
#include "core/error.h"
#include "core/version.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

const Command kCommands[] = {
    {"info", "show the version, the build and the backends available here", emoaug::app::cmd_info},
    {"config", "check an experiment config and print it fully resolved", emoaug::app::cmd_config},
    {"run", "run an experiment (CycleGANs, SER classifiers, results, report); resumable",
     emoaug::app::cmd_run},
    {"plan", "show how a run's tasks would be placed on P ranks, with estimated costs",
     emoaug::app::cmd_plan},
    {"aggregate", "rebuild results.h5, summary.csv, synthetic.h5 of a run from its task files",
     emoaug::app::cmd_aggregate},
    {"report", "write report.md (Tables 1-3, confusion matrices, figures) of a run",
     emoaug::app::cmd_report},
    {"submit", "submit a job spec's sweep to SLURM (array + aggregation, or one MPI job)",
     emoaug::app::cmd_submit},
    {"status", "show where a run stands: tasks done, running, failed; ETA; its SLURM jobs",
     emoaug::app::cmd_status},
    {"import", "import openSMILE ARFF/CSV or the authors' netCDF4 features into a corpus file",
     emoaug::app::cmd_import},
    {"inspect", "check a corpus file and print its rows, classes and groups",
     emoaug::app::cmd_inspect},
    {"synth", "generate a small synthetic target, source and cross-corpus set",
     emoaug::app::cmd_synth},
};

void print_usage() {
  std::printf(
      "usage: emoaug COMMAND [options]\n\n"
      "emoaug reproduces and scales 'CycleGAN-based Emotion Style Transfer as Data Augmentation\n"
      "for Speech Emotion Recognition' (Bao, Neumann, Vu, Interspeech 2019).\n\ncommands:\n");
  for (const Command& c : kCommands) std::printf("  %-12s %s\n", c.name, c.summary);
  std::printf("\n'emoaug COMMAND --help' documents each command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace emoaug::app;
  using emoaug::kExitOk;
  using emoaug::kExitUsage;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    print_usage();
    return argc < 2 ? kExitUsage : kExitOk;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("emoaug %s (%s)\n", EMOAUG_VERSION, emoaug::git_sha());
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const std::exception& e) {
      const int code = emoaug::exit_code_for(e);
      const char* kind = code == emoaug::kExitPreempted    ? "preempted"
                         : code == emoaug::kExitOutOfSpace ? "out of space"
                                                           : "error";
      std::fprintf(stderr, "emoaug %s: %s: %s\n", c.name, kind, e.what());
      return code;
    }
  }
  std::fprintf(stderr, "emoaug: unknown command '%s' (see emoaug --help)\n", argv[1]);
  return kExitUsage;
}
