// Graceful stop on SIGTERM, SIGINT and SIGUSR2 (what SLURM's --signal sends before a time limit or
// a preemption): the handler only sets a flag; training loops look at it at epoch boundaries, write
// a checkpoint and unwind with emoaug::Preempted, and a rerun of the same command resumes.
#pragma once

namespace emoaug {

void install_stop_handlers();
bool stop_requested();
// The signal that asked for the stop, for messages ("SIGUSR2"); empty when none.
const char* stop_signal_name();

}  // namespace emoaug
