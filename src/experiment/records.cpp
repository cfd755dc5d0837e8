#include "experiment/records.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>

#include "core/error.h"
#include "core/process.h"

namespace emoaug::experiment {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The records are "key value" lines; a value runs to the end of its line, so the writer keeps
// every value on one line.
std::string one_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  std::replace(line.begin(), line.end(), '\r', ' ');
  return line;
}

bool split_line(const std::string& line, std::string* key, std::string* value) {
  const size_t space = line.find(' ');
  if (space == std::string::npos || space == 0) return false;
  *key = line.substr(0, space);
  *value = line.substr(space + 1);
  return true;
}

int64_t to_int(const std::string& text) {
  return std::strtoll(text.c_str(), nullptr, 10);
}

// Where this process's messages go, for the failure record: the job's log where `emoaug submit`
// laid the jobs out, else the file stderr is (a plain `emoaug run ... 2> log`), else who to ask.
std::string log_location(const RunDirectory& dir) {
  const std::string name = env("SLURM_JOB_NAME");
  if (!name.empty()) {
    const std::string array = env("SLURM_ARRAY_JOB_ID"), index = env("SLURM_ARRAY_TASK_ID");
    const std::string log = dir.slurm() + "/" + name + "-" +
                            (array.empty() ? env("SLURM_JOB_ID") : array + "_" + index) + ".out";
    if (file_exists(log)) return log;
  }
  char target[4096];
  const ssize_t n = ::readlink("/proc/self/fd/2", target, sizeof(target) - 1);
  struct stat st;
  if (n > 0 && ::fstat(2, &st) == 0 && S_ISREG(st.st_mode)) return std::string(target, n);
  return "the stderr of " + host_name() + ":" + std::to_string(::getpid());
}

void write_entry(std::ostringstream& out, const FailureEntry& e) {
  out << "time " << e.time << "\nrank " << e.rank << "\nhost " << one_line(e.host) << "\npid "
      << e.pid << "\njob " << one_line(e.job) << "\narray_task " << one_line(e.array_task)
      << "\nlog " << one_line(e.log) << "\nerror " << one_line(e.error) << "\n";
}

void append_quietly(const RunDirectory& dir, const TaskKey& task, const FailureEntry& entry) {
  try {
    append_failure(dir.failure(task), entry);
  } catch (...) {
    // The caller reports the failure itself; a record that cannot be written (a full disk, the
    // task's folder unmakeable) must not replace that message with its own.
  }
}

}  // namespace

TaskKey key_from_name(const std::string& name) {
  const size_t slash = name.find('/');
  if (slash == std::string::npos) return {name, ""};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

std::vector<FailureEntry> read_failures(const std::string& path) {
  std::vector<FailureEntry> entries;
  if (!file_exists(path)) return entries;
  std::istringstream in(read_text_file(path));
  std::string line, key, value;
  while (std::getline(in, line)) {
    if (!split_line(line, &key, &value)) continue;
    // Each entry starts with its time.
    if (key == "time") {
      entries.emplace_back();
      entries.back().time = to_int(value);
    }
    if (entries.empty()) continue;
    FailureEntry& e = entries.back();
    if (key == "rank") e.rank = static_cast<int>(to_int(value));
    if (key == "host") e.host = value;
    if (key == "pid") e.pid = to_int(value);
    if (key == "job") e.job = value;
    if (key == "array_task") e.array_task = value;
    if (key == "log") e.log = value;
    if (key == "error") e.error = value;
  }
  return entries;
}

void append_failure(const std::string& path, const FailureEntry& entry) {
  std::vector<FailureEntry> entries = read_failures(path);
  entries.push_back(entry);
  if (entries.size() > kFailureHistory)
    entries.erase(entries.begin(), entries.end() - static_cast<ptrdiff_t>(kFailureHistory));
  std::ostringstream out;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out << "\n";
    write_entry(out, entries[i]);
  }
  write_text_file(path, out.str());
}

void record_task_failure(const RunDirectory& dir, const TaskKey& task, int rank,
                         const std::exception_ptr& error) noexcept {
  FailureEntry e;
  try {
    std::rethrow_exception(error);
  } catch (const Preempted&) {
    return;
  } catch (const std::exception& ex) {
    e.error = one_line(ex.what());
  } catch (...) {
    e.error = "an exception of unknown type";
  }
  try {
    e.time = static_cast<int64_t>(std::time(nullptr));
    e.rank = rank;
    e.host = host_name();
    e.pid = ::getpid();
    e.job = env("SLURM_JOB_ID");
    e.array_task = env("SLURM_ARRAY_TASK_ID");
    e.log = log_location(dir);
  } catch (...) {
  }
  append_quietly(dir, task, e);
}

void record_lost_holder(const RunDirectory& dir, const TaskKey& task,
                        const ClaimHolder& holder) noexcept {
  FailureEntry e;
  try {
    e.time = static_cast<int64_t>(
        std::time(nullptr));  // when found gone; it died since its last renewal
    e.error = "its process " + holder.describe() +
              " ended without finishing it (killed, or its rank or node lost); taken over by " +
              host_name() + ":" + std::to_string(::getpid());
    e.host = holder.host;
    e.pid = holder.pid;
    e.job = holder.job;
    e.array_task = holder.array_task;
    e.log = "unknown (the process ended without a word)";
  } catch (...) {
  }
  append_quietly(dir, task, e);
}

void fail_if_asked(const TaskKey& task) {
  const char* pattern = std::getenv("EMOAUG_FAIL_TASK");
  if (pattern && *pattern && ::fnmatch(pattern, task.name().c_str(), 0) == 0)
    EMOAUG_FAIL(task.name(), ": made to fail by EMOAUG_FAIL_TASK (a test hook)");
}

std::optional<TaskTiming> read_timing(const std::string& path) {
  if (!file_exists(path)) return std::nullopt;
  std::istringstream in(read_text_file(path));
  TaskTiming t;
  std::string line, key, value;
  bool any = false;
  while (std::getline(in, line)) {
    if (!split_line(line, &key, &value)) continue;
    if (key == "start") t.start = std::strtod(value.c_str(), nullptr), any = true;
    if (key == "end") t.end = std::strtod(value.c_str(), nullptr);
    if (key == "seconds") t.seconds = std::strtod(value.c_str(), nullptr);
    if (key == "host") t.host = value;
    if (key == "job") t.job = value;
  }
  if (!any) return std::nullopt;
  return t;
}

void write_timing(const std::string& path, const TaskTiming& t) {
  char times[96];
  std::snprintf(times, sizeof(times), "start %.3f\nend %.3f\nseconds %.3f\n", t.start, t.end,
                t.seconds);
  write_text_file(path, times + ("host " + one_line(t.host) + "\njob " + one_line(t.job) + "\n"));
}

namespace {
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

TaskTimer::TaskTimer() : wall_start_(wall_seconds()), start_(std::chrono::steady_clock::now()) {}

double TaskTimer::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void TaskTimer::write(const std::string& path) const {
  TaskTiming t;
  t.start = wall_start_;
  t.end = wall_seconds();
  t.seconds = seconds();
  t.host = host_name();
  t.job = env("SLURM_JOB_ID");
  write_timing(path, t);
}

PlanRecord plan_record(const std::vector<TaskKey>& tasks, int emotions) {
  PlanRecord p;
  p.emotions = emotions;
  for (const TaskKey& k : tasks) p.tasks.push_back(k.name());
  return p;
}

std::optional<PlanRecord> read_plan_record(const std::string& path) {
  if (!file_exists(path)) return std::nullopt;
  std::istringstream in(read_text_file(path));
  PlanRecord p;
  std::string line, key, value;
  while (std::getline(in, line)) {
    if (!split_line(line, &key, &value)) continue;
    if (key == "emotions") p.emotions = static_cast<int>(to_int(value));
    if (key == "task") p.tasks.push_back(value);
  }
  if (p.emotions <= 0) return std::nullopt;  // not a record this code wrote
  return p;
}

void write_plan_record(const std::string& path, const PlanRecord& plan) {
  std::string text = "emotions " + std::to_string(plan.emotions) + "\n";
  for (const std::string& t : plan.tasks) text += "task " + t + "\n";
  if (file_exists(path) && read_text_file(path) == text) return;
  write_text_file(path, text);
}

std::vector<JobRecord> read_job_records(const std::string& folder) {
  std::vector<JobRecord> jobs;
  DIR* dir = ::opendir(folder.c_str());
  if (!dir) return jobs;
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') names.push_back(entry->d_name);  // no temporaries, no . and ..
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string text;
    try {
      text = read_text_file(folder + "/" + name);
    } catch (const Error&) {
      continue;  // renamed away in between
    }
    std::istringstream in(text);
    JobRecord j;
    j.id = name;
    std::string line, key, value;
    while (std::getline(in, line)) {
      if (!split_line(line, &key, &value)) continue;
      if (key == "jobid") j.jobid = value;
      if (key == "name") j.name = value;
      if (key == "array") j.array = value;
      if (key == "host") j.host = value;
      if (key == "submitted") j.submitted = to_int(value);
      if (key == "started") j.started = to_int(value);
      if (key == "restarts") j.restarts = static_cast<int>(to_int(value));
    }
    jobs.push_back(j);
  }
  return jobs;
}

void write_job_record(const std::string& folder, const JobRecord& j) {
  make_directories(folder);
  const std::string path = folder + "/" + j.id;
  // A submission's record and its job's own share the id of a plain job: keep what each knew.
  JobRecord merged = j;
  for (const JobRecord& old : read_job_records(folder)) {
    if (old.id != j.id) continue;
    if (merged.jobid.empty()) merged.jobid = old.jobid;
    if (merged.name.empty()) merged.name = old.name;
    if (merged.array.empty()) merged.array = old.array;
    if (merged.host.empty()) merged.host = old.host;
    if (!merged.submitted) merged.submitted = old.submitted;
    if (!merged.started) merged.started = old.started;
    merged.restarts = std::max(merged.restarts, old.restarts);
  }
  write_text_file(
      path, "jobid " + one_line(merged.jobid) + "\nname " + one_line(merged.name) + "\narray " +
                one_line(merged.array) + "\nhost " + one_line(merged.host) + "\nsubmitted " +
                std::to_string(merged.submitted) + "\nstarted " + std::to_string(merged.started) +
                "\nrestarts " + std::to_string(merged.restarts) + "\n");
}

std::optional<JobRecord> current_job(int64_t now) {
  const std::string id = env("SLURM_JOB_ID");
  if (id.empty()) return std::nullopt;
  JobRecord j;
  const std::string array = env("SLURM_ARRAY_JOB_ID"), index = env("SLURM_ARRAY_TASK_ID");
  j.id = array.empty() || index.empty() ? id : array + "_" + index;
  j.jobid = id;
  j.name = env("SLURM_JOB_NAME");
  j.host = host_name();
  j.started = now;
  j.restarts = static_cast<int>(to_int(env("SLURM_RESTART_COUNT")));
  return j;
}

}  // namespace emoaug::experiment
