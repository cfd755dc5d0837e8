// `emoaug status`: where a run stands, read from its run directory alone (docs/run-directory.md,
// "Status"). Nothing here writes, locks or claims anything, and no HDF5 file is opened: a task is
// done when its outputs exist (a stat), running while a claim names a holder, failed when its
// failure record has an entry and neither of those holds, waiting otherwise. Durations come from
// the finished tasks' timing records, jobs from the job records, claims and failure records.
//
// The status of a run is per point and per stage. A point is one configuration of a sweep; runs
// have one point (named "") until sweeps exist, and the structures already carry the dimension.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "experiment/records.h"
#include "experiment/run_dir.h"

namespace emoaug::experiment {

struct RunningTask {
  std::string task;
  ClaimHolder holder;
  bool stale = false;
  std::string why_stale;  // "no process 123 on this host", "not renewed for 700 s"
};

struct FailedTask {
  std::string task;
  std::vector<FailureEntry> history;  // oldest first; the last one is the latest failure
  bool resolved = false;              // the task finished after its failures
  bool retrying = false;              // a later attempt holds its claim (perhaps a stale one)
};

struct StageStatus {
  std::string stage;  // "gan", "ser"
  int total = 0, done = 0, running = 0, stale = 0, waiting = 0, failed = 0;
  int timed = 0;                  // done tasks with a timing record
  double mean_task_seconds = -1;  // over the timed tasks; -1: none
  double tasks_per_hour = -1;     // timed tasks over the time some of them ran; -1: none
  double eta_seconds = -1;        // left tasks (running included) at that rate; -1: unknown
  std::vector<RunningTask> running_tasks;  // stale ones included
  std::vector<FailedTask> failed_tasks;    // unfinished tasks whose last attempt failed
};

struct PointStatus {
  std::string point;  // "" while runs have a single point
  std::vector<StageStatus> stages;
};

// One SLURM job of the run, with what the queue or the accounting says of it.
struct JobStatus {
  JobRecord record;
  bool recorded = true;  // false: seen only in a claim or a failure record
  // "RUNNING", "PENDING (Resources)", "1234_0 RUNNING, 1234_1 PENDING (Priority)", ... or empty
  // when neither squeue nor sacct knew the job.
  std::string state;
};

struct RunStatus {
  std::string run_dir;
  int64_t now = 0;
  std::string plan_source;  // "plan.txt", or "config.toml and the corpora" for an older run
  std::vector<PointStatus> points;
  std::vector<FailedTask> history;  // every task with a failure record, finished or not
  std::vector<JobStatus> jobs;
  int64_t first_start = 0, last_end = 0;  // Unix seconds; 0: unknown
  double elapsed_seconds = -1, eta_seconds = -1;
  bool results = false;                 // results.h5 exists (the run was aggregated)
  std::string squeue_note, sacct_note;  // why a tool told nothing ("not found", its error)

  int total() const;
  int done() const;
  bool complete() const { return done() == total(); }
  bool unhealthy() const;  // a failed task or a stale claim
};

// The exit code of `emoaug status`: 0 complete, 3 incomplete and healthy, 1 a failed task or a
// stale claim.
constexpr int kStatusIncomplete = 3;
int status_exit_code(const RunStatus& status);

// Reads the run directory. `plan` lists every task; `now` is the current Unix time.
RunStatus collect_status(const RunDirectory& dir, const PlanRecord& plan, int64_t now,
                         const std::string& plan_source = "plan.txt");

// The job ids to ask squeue and sacct about (array elements by their array's id), comma-joined.
std::string job_query_ids(const RunStatus& status);
// Fills each job's state from the output of
//   squeue -h -a -o '%i|%A|%T|%r' -j IDS     (job id as shown, raw id, state, reason)
//   sacct -n -P -X -o JobID,JobIDRaw,State -j IDS
// (sacct only for jobs squeue no longer lists). nullopt for a tool that could not be asked; the
// note says why.
void apply_slurm_states(RunStatus& status, const std::optional<std::string>& squeue,
                        const std::string& squeue_note, const std::optional<std::string>& sacct,
                        const std::string& sacct_note);

std::string format_status(const RunStatus& status);
// report.md's "Failures" section: every entry of the tasks' failure records; empty when none.
std::string failures_markdown(const RunDirectory& dir, const std::vector<TaskKey>& tasks);
// The same as one JSON object on one line (schema "emoaug-status/1", docs/run-directory.md).
std::string format_status_json(const RunStatus& status);

}  // namespace emoaug::experiment
