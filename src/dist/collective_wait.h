// Waiting for a collective that another process may never join. NCCL's calls return once queued;
// what they do afterwards shows only in the stream (done or not) and in the communicator's
// asynchronous error. A dead or stalled peer leaves the stream busy forever, so a plain stream
// synchronize would hang the rank, and with it the job, until SLURM's time limit. The wait polls
// both instead, and after its timeout aborts the communicator and ends the task with one line.
//
// The waiting logic sits behind PendingCollective so that it is tested without a GPU
// (tests/test_dist.cpp drives it with a collective that never completes).
#pragma once

#include <functional>
#include <string>

namespace emoaug::dist {

class PendingCollective {
 public:
  enum class State { Done, Running, Failed };
  virtual ~PendingCollective() = default;
  // Done once the collective's stream has finished; Failed, with `error` set, when the stream or
  // the communicator reports an error; Running otherwise.
  virtual State poll(std::string* error) = 0;
  // Ends the collective for good (ncclCommAbort); the communicator is unusable afterwards.
  virtual void abort() = 0;
};

// Seconds on a monotonic clock (tests pass their own).
using Clock = std::function<double()>;
double steady_seconds();

// Polls `pending` until it is done. On a failure, or when `timeout_s` seconds have passed, aborts
// it and throws emoaug::Error naming `what` (the collective, the rank, host and GPU) and the cause.
// timeout_s <= 0 waits without a limit (asynchronous errors still end the wait).
void wait_for_collective(PendingCollective& pending, double timeout_s, const std::string& what,
                         const Clock& clock = steady_seconds);

}  // namespace emoaug::dist
