#include "dist/collective_wait.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/error.h"

namespace emoaug::dist {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void wait_for_collective(PendingCollective& pending, double timeout_s, const std::string& what,
                         const Clock& clock) {
  const double start = clock();
  for (long polls = 0;; ++polls) {
    std::string error;
    switch (pending.poll(&error)) {
      case PendingCollective::State::Done:
        return;
      case PendingCollective::State::Failed:
        pending.abort();
        EMOAUG_FAIL(what, " failed: ", error, " (the communicator was aborted)");
      case PendingCollective::State::Running:
        break;
    }
    const double waited = clock() - start;
    if (timeout_s > 0 && waited > timeout_s) {
      pending.abort();
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%g", timeout_s);
      EMOAUG_FAIL(what, " did not complete within ", seconds,
                  " s: a peer rank stalled or died (the communicator was aborted; "
                  "experiment.nccl_timeout_s sets the limit)");
    }
    // A collective of C's gradient takes tens of microseconds: spin at first, then stop burning a
    // core that the rank's other threads may want.
    if (polls < 1000)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

}  // namespace emoaug::dist
