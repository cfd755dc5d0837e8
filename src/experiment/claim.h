// One process runs a task at a time: before a task starts, its claim file (RunDirectory names it)
// is created atomically (link(2), which NFS does atomically too) holding the claimant's host, pid,
// process start time, SLURM job id and array index, and when it was taken. A second `emoaug run`
// on the same run directory finds the claim and waits for the task (or skips it once its outputs
// exist); a claim whose process is gone — on this host: no such process; on another host: not
// refreshed for kStaleAfterSeconds — is taken over, which the caller logs. `emoaug status` reads
// claims too, and only reads them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace emoaug::experiment {

// Who holds a claim, as its file says.
struct ClaimHolder {
  std::string host;
  int64_t pid = 0;
  int64_t start_time = 0;  // the process's start time in clock ticks since boot (/proc)
  std::string job;         // SLURM_JOB_ID, or empty
  std::string array_task;  // SLURM_ARRAY_TASK_ID, or empty
  int64_t claimed = 0;     // Unix seconds when the claim was taken; 0 in an older claim
  int64_t seconds_since_refresh = 0;

  std::string describe() const;  // "host:pid (SLURM job 123, array task 0)"
};

// Another host's claim counts as abandoned after this long without a refresh (a thread of the
// holding process renews every claim it holds each minute).
constexpr int64_t kStaleAfterSeconds = 600;

// Whether the holder is gone: on this host, no process with its pid and start time; elsewhere, no
// refresh for kStaleAfterSeconds.
bool claim_is_stale(const ClaimHolder& holder);

// The holder of the claim at `path`, if there is one.
std::optional<ClaimHolder> read_claim(const std::string& path);

// A held claim, renewed every minute while held and released (its file removed) when destroyed.
class TaskClaim {
 public:
  // Takes the claim at `path` if nobody holds it, or if its holder is gone (then `*taken_over`
  // tells whom it was taken from). Otherwise returns nothing and fills `*holder`.
  static std::optional<TaskClaim> take(const std::string& path, ClaimHolder* holder,
                                       std::optional<ClaimHolder>* taken_over);

  TaskClaim(TaskClaim&& other) noexcept;
  TaskClaim& operator=(TaskClaim&& other) noexcept;
  TaskClaim(const TaskClaim&) = delete;
  TaskClaim& operator=(const TaskClaim&) = delete;
  ~TaskClaim();

 private:
  explicit TaskClaim(std::string path);
  void release();
  std::string path_;
};

}  // namespace emoaug::experiment
