// The emoaug subcommands. Each returns the process exit code and throws emoaug::Error for a failure
// the user must see; main() turns that into one line on stderr and a non-zero exit.
#pragma once

#include "core/error.h"  // the exit codes (kExitOk, ...)

namespace emoaug::app {

int cmd_info(int argc, char** argv);
int cmd_config(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_plan(int argc, char** argv);
int cmd_aggregate(int argc, char** argv);
int cmd_report(int argc, char** argv);
int cmd_import(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_synth(int argc, char** argv);
int cmd_submit(int argc, char** argv);
int cmd_status(int argc, char** argv);

}  // namespace emoaug::app
