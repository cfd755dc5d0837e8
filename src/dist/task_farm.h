// A dynamic work queue over MPI for independent tasks of very different lengths (SER tasks: ~50x
// between the shortest and the longest).
//
// Rank 0 coordinates and also works: its main thread answers requests while rank 0's own tasks run
// on other threads (MPI is initialised FUNNELED: only the main thread ever calls MPI), so an idle
// worker waits about a millisecond for its next task, not for rank 0's current one. A rank with
// FarmOptions::threads > 1 keeps that many tasks running, asking for one whenever a thread is free.
// Tasks are handed out in the given priority order (longest first, from the plan), each to
// whichever rank asks first. Which rank runs a task changes no result: a task's randomness comes
// from (seed, task id).
//
// Failure: if run() throws on any rank, that rank prints one line
//   emoaug: error on rank R in task T: <message>
// and calls MPI_Abort, which ends every rank of the job (exit code 1; 75 for emoaug::Preempted, so
// a requeue resumes). The failing rank asks nobody, and nobody waits for it, so there is no state
// in which the job can hang; other ranks' running tasks are killed mid-way, which the run directory
// tolerates (outputs are written to a temporary name and renamed when complete). In a world of one
// rank the error is rethrown instead (with the same rank and task in the message), so the caller's
// normal error path and destructors run; with several threads no new task starts after a failure
// and the running ones finish first.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <vector>

#include "dist/world.h"

namespace emoaug::dist {

struct FarmOptions {
  // How long rank 0's coordinator sleeps between looks for requests while its own tasks run.
  std::chrono::microseconds poll_interval{500};
  // Tasks a rank runs at once, each on a thread of its own (run must then be safe to call from
  // several threads). In a world without MPI and with 1 thread the tasks run on the caller's.
  int threads = 1;
};

// Collective over the world. `order` (task ids, highest priority first, no repeats) is read on
// rank 0 only. Runs every task exactly once on some rank; returns the tasks this rank ran, in the
// order it started them.
std::vector<int> run_task_farm(World& world, const std::vector<int>& order,
                               const std::function<void(int task)>& run,
                               const FarmOptions& options = {});

// The exit code a failed farm aborts with: 75 (EX_TEMPFAIL) for emoaug::Preempted, else 1.
int farm_exit_code(const std::exception_ptr& error);

}  // namespace emoaug::dist
