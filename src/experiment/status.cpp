#include "experiment/status.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <sstream>

#include "core/process.h"
#include "core/text.h"

namespace emoaug::experiment {
namespace {

bool task_done(const RunDirectory& dir, const TaskKey& key, int emotions) {
  return key.stage == "gan" ? dir.gan_finished(key, emotions) : dir.ser_finished(key);
}

std::string why_stale(const ClaimHolder& h) {
  if (h.host == host_name()) return "no process " + std::to_string(h.pid) + " on this host";
  return "not renewed for " + std::to_string(h.seconds_since_refresh) + " s";
}

// The length of the union of [start, end] intervals: the time during which some of them ran, so
// that a pause between two runs of the same folder does not count as work.
double covered_seconds(std::vector<std::pair<double, double>> intervals) {
  std::sort(intervals.begin(), intervals.end());
  double covered = 0, from = 0, to = -1;
  for (const auto& [start, end] : intervals) {
    if (start > to) {
      if (to > from) covered += to - from;
      from = start;
      to = end;
    } else {
      to = std::max(to, end);
    }
  }
  if (to > from) covered += to - from;
  return covered;
}

std::string base_id(const std::string& id) {
  return id.substr(0, id.find('_'));
}

struct QueueLine {
  std::string shown, raw, state, reason;
};

std::vector<QueueLine> parse_lines(const std::string& text, bool with_reason) {
  std::vector<QueueLine> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream parts(line);
    std::string part;
    while (std::getline(parts, part, '|')) f.push_back(part);
    if (f.size() < 3) continue;
    QueueLine q{f[0], f[1], f[2], with_reason && f.size() > 3 ? f[3] : ""};
    // sacct's "CANCELLED by 0": the state is the first word.
    q.state = q.state.substr(0, q.state.find(' '));
    lines.push_back(q);
  }
  return lines;
}

// What the lines say of `job`: its own line, or its array's elements.
std::string state_of(const JobRecord& job, const std::vector<QueueLine>& lines) {
  std::vector<const QueueLine*> hits;
  for (const QueueLine& q : lines)
    if (q.shown == job.id || q.raw == job.id || (!job.jobid.empty() && q.raw == job.jobid) ||
        q.shown.rfind(job.id + "_", 0) == 0)
      hits.push_back(&q);
  auto one = [](const QueueLine& q) {
    return q.state + (q.state == "PENDING" && !q.reason.empty() && q.reason != "None"
                          ? " (" + q.reason + ")"
                          : "");
  };
  if (hits.size() == 1 && hits[0]->shown == job.id) return one(*hits[0]);
  std::string out;
  for (const QueueLine* q : hits) out += (out.empty() ? "" : ", ") + q->shown + " " + one(*q);
  return out;
}

std::string clock_time(int64_t t) {
  if (t <= 0) return "?";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string number(double x, const char* format) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), format, x);
  return buf;
}

std::string where_failed(const FailureEntry& e) {
  std::string where = e.rank >= 0 ? "rank " + std::to_string(e.rank) + " on " : "";
  where += e.host.empty() ? "?" : e.host;
  if (e.pid) where += ":" + std::to_string(e.pid);
  if (!e.job.empty())
    where += ", SLURM job " + e.job + (e.array_task.empty() ? "" : " array task " + e.array_task);
  return where;
}

// ---- JSON: written by hand (the project has no JSON library); strings escaped per RFC 8259 ----

// A number, or null for the "unknown" (-1) of the structures.
std::string known(double x) {
  if (x < 0 || !std::isfinite(x)) return "null";
  return number(x, "%.3f");
}

std::string field(const std::string& key, const std::string& json) {
  return quoted(key) + ":" + json;
}

template <class T, class F>
std::string array_of(const std::vector<T>& items, F each) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + each(items[i]);
  return out + "]";
}

std::string holder_json(const ClaimHolder& h) {
  return field("host", quoted(h.host)) + "," + field("pid", std::to_string(h.pid)) + "," +
         field("job", h.job.empty() ? "null" : quoted(h.job)) + "," +
         field("array_task", h.array_task.empty() ? "null" : quoted(h.array_task)) + "," +
         field("claimed", h.claimed > 0 ? std::to_string(h.claimed) : "null") + "," +
         field("renewed_seconds_ago", std::to_string(h.seconds_since_refresh));
}

std::string failure_json(const FailureEntry& e) {
  return "{" + field("time", std::to_string(e.time)) + "," + field("error", quoted(e.error)) + "," +
         field("rank", e.rank >= 0 ? std::to_string(e.rank) : "null") + "," +
         field("host", quoted(e.host)) + "," + field("pid", std::to_string(e.pid)) + "," +
         field("job", e.job.empty() ? "null" : quoted(e.job)) + "," +
         field("array_task", e.array_task.empty() ? "null" : quoted(e.array_task)) + "," +
         field("log", quoted(e.log)) + "}";
}

std::string failed_json(const FailedTask& f) {
  return "{" + field("task", quoted(f.task)) + "," +
         field("state", quoted(f.resolved   ? "done"
                               : f.retrying ? "running"
                                            : "failed")) +
         "," + field("failures", array_of(f.history, failure_json)) + "}";
}

}  // namespace

int RunStatus::total() const {
  int n = 0;
  for (const PointStatus& p : points)
    for (const StageStatus& s : p.stages) n += s.total;
  return n;
}

int RunStatus::done() const {
  int n = 0;
  for (const PointStatus& p : points)
    for (const StageStatus& s : p.stages) n += s.done;
  return n;
}

bool RunStatus::unhealthy() const {
  for (const PointStatus& p : points)
    for (const StageStatus& s : p.stages)
      if (s.failed > 0 || s.stale > 0) return true;
  return false;
}

int status_exit_code(const RunStatus& status) {
  if (status.unhealthy()) return 1;
  return status.complete() ? 0 : kStatusIncomplete;
}

RunStatus collect_status(const RunDirectory& dir, const PlanRecord& plan, int64_t now,
                         const std::string& plan_source) {
  RunStatus st;
  st.run_dir = dir.root();
  st.now = now;
  st.plan_source = plan_source;
  st.results = file_exists(dir.results());
  st.points.push_back({"", {}});
  PointStatus& point = st.points.back();
  std::map<std::string, std::vector<std::pair<double, double>>> intervals;
  std::map<std::string, double> busy_seconds;
  std::set<std::string> job_ids;  // seen in claims and failure records
  double first = 0, last = 0;
  auto saw_start = [&](double t) {
    if (t > 0 && (first == 0 || t < first)) first = t;
  };

  for (const std::string& name : plan.tasks) {
    const TaskKey key = key_from_name(name);
    auto stage = std::find_if(point.stages.begin(), point.stages.end(),
                              [&](const StageStatus& s) { return s.stage == key.stage; });
    if (stage == point.stages.end()) {
      point.stages.push_back({});
      point.stages.back().stage = key.stage;
      stage = point.stages.end() - 1;
    }
    StageStatus& s = *stage;
    ++s.total;
    FailedTask failed{name, read_failures(dir.failure(key))};
    for (const FailureEntry& e : failed.history) {
      saw_start(static_cast<double>(e.time));
      if (!e.job.empty()) job_ids.insert(e.job);
    }
    if (task_done(dir, key, plan.emotions)) {
      ++s.done;
      if (const std::optional<TaskTiming> t = read_timing(dir.timing(key))) {
        ++s.timed;
        busy_seconds[key.stage] += t->seconds;
        intervals[key.stage].push_back({t->start, std::max(t->end, t->start)});
        saw_start(t->start);
        last = std::max(last, t->end);
      }
      if (!failed.history.empty()) {
        failed.resolved = true;
        st.history.push_back(failed);
      }
      continue;
    }
    const std::optional<ClaimHolder> holder = read_claim(dir.claim(key));
    if (holder) {
      if (!holder->job.empty()) job_ids.insert(holder->job);
      saw_start(static_cast<double>(holder->claimed));
      const bool stale = claim_is_stale(*holder);
      // A rank that failed and ended the job with MPI_Abort leaves its claim behind: the task is
      // failed, and its claim merely what the abort left.
      const bool left_by_failure = stale && !failed.history.empty() &&
                                   failed.history.back().host == holder->host &&
                                   failed.history.back().pid == holder->pid;
      if (!left_by_failure) {
        RunningTask r{name, *holder, stale, stale ? why_stale(*holder) : ""};
        s.running_tasks.push_back(r);
        if (stale)
          ++s.stale;
        else
          ++s.running;
        if (!failed.history.empty()) {
          failed.retrying = true;
          st.history.push_back(failed);
        }
        continue;
      }
    }
    if (!failed.history.empty()) {
      ++s.failed;
      s.failed_tasks.push_back(failed);
      st.history.push_back(failed);
      continue;
    }
    ++s.waiting;
  }

  st.first_start = static_cast<int64_t>(first);
  st.last_end = static_cast<int64_t>(std::ceil(last));
  if (first > 0)
    st.elapsed_seconds =
        st.complete() && last > 0 ? last - first : static_cast<double>(now) - first;
  bool eta_known = true;
  double eta = 0;
  for (StageStatus& s : point.stages) {
    if (s.timed > 0) {
      s.mean_task_seconds = busy_seconds[s.stage] / s.timed;
      const double covered = covered_seconds(intervals[s.stage]);
      // Sub-second tasks can fit in a zero-length interval of the records' millisecond clock.
      const double span = covered > 0 ? covered : busy_seconds[s.stage];
      if (span > 0) s.tasks_per_hour = 3600.0 * s.timed / span;
    }
    const int left = s.total - s.done;
    if (left == 0) {
      s.eta_seconds = 0;
    } else if (s.tasks_per_hour > 0) {
      s.eta_seconds = 3600.0 * left / s.tasks_per_hour;
    }
    if (s.eta_seconds < 0)
      eta_known = false;
    else
      eta += s.eta_seconds;
  }
  st.eta_seconds = eta_known ? eta : -1;

  for (const JobRecord& r : read_job_records(dir.jobs())) st.jobs.push_back({r, true, ""});
  for (const std::string& id : job_ids) {
    const bool known_job = std::any_of(st.jobs.begin(), st.jobs.end(), [&](const JobStatus& j) {
      return j.record.id == id || j.record.jobid == id;
    });
    if (known_job) continue;
    JobStatus j;
    j.record.id = j.record.jobid = id;
    j.recorded = false;
    st.jobs.push_back(j);
  }
  return st;
}

std::string job_query_ids(const RunStatus& status) {
  std::set<std::string> ids;
  for (const JobStatus& j : status.jobs) {
    ids.insert(base_id(j.record.id));
    if (!j.record.jobid.empty()) ids.insert(j.record.jobid);
  }
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

void apply_slurm_states(RunStatus& status, const std::optional<std::string>& squeue,
                        const std::string& squeue_note, const std::optional<std::string>& sacct,
                        const std::string& sacct_note) {
  status.squeue_note = squeue ? "" : squeue_note;
  status.sacct_note = sacct ? "" : sacct_note;
  const std::vector<QueueLine> queued =
      squeue ? parse_lines(*squeue, true) : std::vector<QueueLine>{};
  const std::vector<QueueLine> accounted =
      sacct ? parse_lines(*sacct, false) : std::vector<QueueLine>{};
  for (JobStatus& j : status.jobs) {
    j.state = state_of(j.record, queued);
    if (j.state.empty()) j.state = state_of(j.record, accounted);
  }
}

std::string format_status(const RunStatus& st) {
  std::ostringstream out;
  const int total = st.total(), done = st.done();
  out << "run " << st.run_dir << ": "
      << (st.unhealthy()  ? "needs attention"
          : st.complete() ? "complete"
                          : "incomplete")
      << ", " << done << " of " << total << " tasks done";
  if (st.elapsed_seconds >= 0) out << ", elapsed " << format_duration(st.elapsed_seconds);
  if (!st.complete()) out << ", ETA " << format_duration(st.eta_seconds);
  out << "\n";
  if (st.complete())
    out << (st.results ? "results.h5 written\n"
                       : "every task done; results.h5 not yet written (emoaug aggregate)\n");
  if (st.plan_source != "plan.txt") out << "tasks planned from " << st.plan_source << "\n";
  for (const PointStatus& p : st.points) {
    if (!p.point.empty()) out << "\npoint " << p.point << "\n";
    out << "\nstage  total   done running  stale waiting failed  mean task   tasks/h      ETA\n";
    for (const StageStatus& s : p.stages) {
      char line[160];
      std::snprintf(line, sizeof(line), "%-5s %6d %6d %7d %6d %7d %6d %10s %8s %8s\n",
                    s.stage.c_str(), s.total, s.done, s.running, s.stale, s.waiting, s.failed,
                    s.mean_task_seconds < 0    ? "-"
                    : s.mean_task_seconds < 10 ? number(s.mean_task_seconds, "%.2f s").c_str()
                                               : number(s.mean_task_seconds, "%.1f s").c_str(),
                    s.tasks_per_hour >= 0 ? number(s.tasks_per_hour, "%.1f").c_str() : "-",
                    format_duration(s.eta_seconds).c_str());
      out << line;
    }
    for (const StageStatus& s : p.stages)
      for (const RunningTask& r : s.running_tasks) {
        out << (r.stale ? "stale   " : "running ") << r.task << ": " << r.holder.describe();
        if (r.holder.claimed > 0)
          out << ", for " << format_duration(static_cast<double>(st.now - r.holder.claimed));
        out << ", renewed " << r.holder.seconds_since_refresh << " s ago";
        if (r.stale) out << " (STALE: " << r.why_stale << "; a rerun takes it over)";
        out << "\n";
      }
    for (const StageStatus& s : p.stages)
      for (const FailedTask& f : s.failed_tasks) {
        const FailureEntry& e = f.history.back();
        out << "failed  " << f.task << ": " << e.error << "\n        " << clock_time(e.time) << ", "
            << where_failed(e) << "; log: " << e.log;
        if (f.history.size() > 1) out << "; " << f.history.size() << " failures so far";
        out << "\n";
      }
  }
  std::vector<const FailedTask*> past;
  for (const FailedTask& f : st.history)
    if (f.resolved || f.retrying) past.push_back(&f);
  if (!past.empty()) {
    out << "\nearlier failures:\n";
    for (const FailedTask* f : past)
      out << "  " << f->task << " (" << (f->resolved ? "done since" : "running again")
          << "): " << f->history.size() << " failure(s), the last "
          << clock_time(f->history.back().time) << ": " << f->history.back().error << "\n";
  }
  if (!st.jobs.empty()) {
    out << "\nSLURM jobs:\n";
    for (const JobStatus& j : st.jobs) {
      out << "  " << j.record.id;
      if (!j.record.name.empty()) out << " " << j.record.name;
      if (!j.record.array.empty()) out << " (array " << j.record.array << ")";
      if (j.record.restarts > 0) out << " (restart " << j.record.restarts << ")";
      if (j.record.started > 0)
        out << ", started " << clock_time(j.record.started) << " on " << j.record.host;
      else if (j.record.submitted > 0)
        out << ", submitted " << clock_time(j.record.submitted);
      out << ": " << (j.state.empty() ? "not in the queue" : j.state) << "\n";
    }
    if (!st.squeue_note.empty()) out << "  (squeue: " << st.squeue_note << ")\n";
    if (!st.sacct_note.empty()) out << "  (sacct: " << st.sacct_note << ")\n";
  }
  return out.str();
}

std::string failures_markdown(const RunDirectory& dir, const std::vector<TaskKey>& tasks) {
  std::ostringstream md;
  for (const TaskKey& key : tasks) {
    const std::vector<FailureEntry> history = read_failures(dir.failure(key));
    for (const FailureEntry& e : history) {
      // A table cell ends at a '|'.
      std::string error = e.error;
      for (size_t at = 0; (at = error.find('|', at)) != std::string::npos; at += 2)
        error.replace(at, 1, "\\|");
      md << "| " << key.name() << " | " << clock_time(e.time) << " | " << where_failed(e) << " | "
         << error << " | " << e.log << " |\n";
    }
  }
  if (md.str().empty()) return "";
  return "\n## Failures\n\nEvery failed attempt of a task, from the tasks' failure records "
         "(docs/run-directory.md); a task listed here finished in a later attempt, since the "
         "results hold every task.\n\n| task | time | where | error | log "
         "|\n|---|---|---|---|---|\n" +
         md.str();
}

std::string format_status_json(const RunStatus& st) {
  auto running = [](const RunningTask& r) {
    return "{" + field("task", quoted(r.task)) + "," + holder_json(r.holder) + "," +
           field("stale", r.stale ? "true" : "false") + "," +
           field("why_stale", r.stale ? quoted(r.why_stale) : "null") + "}";
  };
  auto stage = [&](const StageStatus& s) {
    return "{" + field("stage", quoted(s.stage)) + "," + field("total", std::to_string(s.total)) +
           "," + field("done", std::to_string(s.done)) + "," +
           field("running", std::to_string(s.running)) + "," +
           field("stale", std::to_string(s.stale)) + "," +
           field("waiting", std::to_string(s.waiting)) + "," +
           field("failed", std::to_string(s.failed)) + "," +
           field("timed", std::to_string(s.timed)) + "," +
           field("mean_task_seconds", known(s.mean_task_seconds)) + "," +
           field("tasks_per_hour", known(s.tasks_per_hour)) + "," +
           field("eta_seconds", known(s.eta_seconds)) + "," +
           field("running_tasks", array_of(s.running_tasks, running)) + "," +
           field("failed_tasks", array_of(s.failed_tasks, failed_json)) + "}";
  };
  auto point = [&](const PointStatus& p) {
    return "{" + field("point", quoted(p.point)) + "," +
           field("stages", array_of(p.stages, stage)) + "}";
  };
  auto job = [](const JobStatus& j) {
    const JobRecord& r = j.record;
    return "{" + field("id", quoted(r.id)) + "," +
           field("jobid", r.jobid.empty() ? "null" : quoted(r.jobid)) + "," +
           field("name", r.name.empty() ? "null" : quoted(r.name)) + "," +
           field("array", r.array.empty() ? "null" : quoted(r.array)) + "," +
           field("host", r.host.empty() ? "null" : quoted(r.host)) + "," +
           field("submitted", r.submitted > 0 ? std::to_string(r.submitted) : "null") + "," +
           field("started", r.started > 0 ? std::to_string(r.started) : "null") + "," +
           field("restarts", std::to_string(r.restarts)) + "," +
           field("recorded", j.recorded ? "true" : "false") + "," +
           field("state", j.state.empty() ? "null" : quoted(j.state)) + "}";
  };
  const int code = status_exit_code(st);
  return "{" + field("schema", quoted("emoaug-status/1")) + "," +
         field("run_dir", quoted(st.run_dir)) + "," + field("now", std::to_string(st.now)) + "," +
         field("state", quoted(code == 1   ? "unhealthy"
                               : code == 0 ? "complete"
                                           : "incomplete")) +
         "," + field("exit_code", std::to_string(code)) + "," +
         field("plan_source", quoted(st.plan_source)) + "," +
         field("total", std::to_string(st.total())) + "," +
         field("done", std::to_string(st.done())) + "," +
         field("results", st.results ? "true" : "false") + "," +
         field("first_start", st.first_start > 0 ? std::to_string(st.first_start) : "null") + "," +
         field("elapsed_seconds", known(st.elapsed_seconds)) + "," +
         field("eta_seconds", known(st.eta_seconds)) + "," +
         field("points", array_of(st.points, point)) + "," +
         field("failure_history", array_of(st.history, failed_json)) + "," +
         field("jobs", array_of(st.jobs, job)) + "," +
         field("squeue", st.squeue_note.empty() ? "null" : quoted(st.squeue_note)) + "," +
         field("sacct", st.sacct_note.empty() ? "null" : quoted(st.sacct_note)) + "}\n";
}

}  // namespace emoaug::experiment
