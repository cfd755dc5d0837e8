// Small text records a run keeps beside its task files, so that `emoaug status` can tell what
// happened from a login node without opening any HDF5 file or loading a corpus
// (docs/run-directory.md):
//   - a task's failure record: one entry per failed attempt (error line, rank, host, SLURM job,
//     time, where the log is), kept after a later attempt finishes the task, as its history;
//   - a finished task's timing record: when the attempt that finished it started and ended;
//   - the plan record: every task of the run and the number of emotions, written when a run
//     starts, so that status knows the tasks still to come;
//   - one record per SLURM job that was submitted for, or ran in, the run.
// Every file goes through write_atomically; readers accept a missing or partial record (an older
// run has none) and never write.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "experiment/claim.h"
#include "experiment/run_dir.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {

struct FailureEntry {
  int64_t time = 0;   // Unix seconds
  std::string error;  // the first line of the message
  int rank = -1;      // MPI rank of the world; -1 where unknown (a holder lost)
  std::string host;
  int64_t pid = 0;
  std::string job;         // SLURM_JOB_ID, or empty
  std::string array_task;  // SLURM_ARRAY_TASK_ID, or empty
  std::string log;         // the file the failing process's messages went to, or a description
};

// At most this many entries are kept (the oldest go): a task that fails on every one of many
// requeues must not grow its record without bound.
constexpr size_t kFailureHistory = 20;

std::vector<FailureEntry> read_failures(const std::string& path);
// Appends `entry` to the record at `path` (read, append, write atomically). Two ranks of one GAN
// group failing in the same instant may each keep only their own entry: the history is a trace,
// not a ledger.
void append_failure(const std::string& path, const FailureEntry& entry);

// Records the exception being handled (`error`) as a failure of `task` on `rank`, unless it is a
// preemption (a stop is not a failure). Never throws: the failure itself is what the caller must
// report, also when the record cannot be written (a full disk).
void record_task_failure(const RunDirectory& dir, const TaskKey& task, int rank,
                         const std::exception_ptr& error) noexcept;
// Records that `holder`, which held the task's claim, is gone without finishing it (a process
// killed, a node or rank lost); called by whoever takes the claim over. Never throws.
void record_lost_holder(const RunDirectory& dir, const TaskKey& task,
                        const ClaimHolder& holder) noexcept;

// Test hook: when the environment variable EMOAUG_FAIL_TASK is a pattern (fnmatch) matching the
// task's name, throws an emoaug::Error saying so, as a task that failed would.
void fail_if_asked(const TaskKey& task);

struct TaskTiming {
  double start = 0, end = 0;  // Unix seconds
  double seconds = 0;         // the attempt's duration, measured on a steady clock
  std::string host, job;
};
std::optional<TaskTiming> read_timing(const std::string& path);
void write_timing(const std::string& path, const TaskTiming& timing);

// Started when a task's attempt starts; write() records the attempt once the task is finished.
class TaskTimer {
 public:
  TaskTimer();
  // Seconds since the start, on the steady clock.
  double seconds() const;
  void write(const std::string& path) const;

 private:
  double wall_start_;
  std::chrono::steady_clock::time_point start_;
};

// Every task of the run's plan (all λcls, whichever part this process runs) and the emotions a
// GAN task writes an output for.
struct PlanRecord {
  int emotions = 0;
  std::vector<std::string> tasks;  // TaskKey names, GAN tasks first
};
PlanRecord plan_record(const std::vector<TaskKey>& tasks, int emotions);
std::optional<PlanRecord> read_plan_record(const std::string& path);
// Writes the record unless the file already says the same (reruns add no write).
void write_plan_record(const std::string& path, const PlanRecord& plan);

// A SLURM job of the run: written by `emoaug submit` for each job it submitted and by the first
// rank of `emoaug run` in a job (the element's own record for an array element).
struct JobRecord {
  std::string id;     // "1234", or "1234_0" for an array element
  std::string jobid;  // SLURM_JOB_ID: the element's own id for an array element
  std::string name;
  std::string array;  // the submitted array's range ("0-1"), or empty
  std::string host;   // where the run's first rank ran; empty for a submission only
  int64_t submitted = 0, started = 0;  // Unix seconds; 0 where not known
  int restarts = 0;                    // SLURM_RESTART_COUNT at the start
};
std::vector<JobRecord> read_job_records(const std::string& folder);
void write_job_record(const std::string& folder, const JobRecord& job);
// This process's job under SLURM, from its environment; nothing outside a job.
std::optional<JobRecord> current_job(int64_t now);

// A TaskKey from its name ("gan/lcls=2/fold=0").
TaskKey key_from_name(const std::string& name);

}  // namespace emoaug::experiment
