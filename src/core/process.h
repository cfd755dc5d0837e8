// Facts about processes on this host, for telling whether the writer of a file is still at work:
// the temporary files of core/atomic_file.h and the task claims of experiment/claim.h name their
// process by host, pid and start time.
#pragma once

#include <cstdint>
#include <string>

namespace emoaug {

std::string host_name();
// Whether a process with this pid exists on this host (a pid of another user's process counts).
bool process_exists(int64_t pid);
// When the process started, in clock ticks since boot (Linux /proc); with the pid it names one
// process even after the pid is reused. 0 where the system does not say.
int64_t process_start_time(int64_t pid);

}  // namespace emoaug
