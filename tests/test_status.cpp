// `emoaug status`'s reading of a run directory (experiment/status.h) and the records it reads
// (experiment/records.h), on fake run directories made in a temporary folder.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/process.h"
#include "experiment/records.h"
#include "experiment/status.h"
#include "file_helpers.h"

namespace emoaug::experiment {
namespace {

using emoaug::testing::TempDir;
using emoaug::testing::write_text;

TaskKey ser(int fold) {
  return {"ser", "within/real/fold=" + std::to_string(fold) + "/rep=0"};
}
const TaskKey kGan{"gan", "lcls=2/fold=0"};

// A pid that no process has: a child that has exited and been reaped.
int64_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

void write_claim(const std::string& path, const std::string& host, int64_t pid,
                 const std::string& job = "", const std::string& array_task = "") {
  write_text(path, "host " + host + "\npid " + std::to_string(pid) + "\nstart " +
                       std::to_string(process_start_time(pid)) + "\njob " + job + "\narray_task " +
                       array_task + "\nclaimed 1000\n");
}

// A run of one GAN task (2 emotions) and five SER tasks; `done` SER tasks have outputs.
struct FakeRun {
  TempDir tmp;
  RunDirectory dir{tmp.path()};
  PlanRecord plan;
  FakeRun() {
    std::vector<TaskKey> keys{kGan};
    for (int f = 0; f < 5; ++f) keys.push_back(ser(f));
    plan = plan_record(keys, 2);
    for (const TaskKey& k : keys) dir.make_task_folders(k);
    write_text(dir.config(), "");
    write_plan_record(dir.plan_record(), plan);
  }
  void finish(const TaskKey& k, double start, double seconds) {
    if (k.stage == "gan")
      for (int e = 0; e < 2; ++e) write_text(dir.gan_output(k, e), "");
    else
      write_text(dir.ser_output(k), "");
    TaskTiming t;
    t.start = start;
    t.end = start + seconds;
    t.seconds = seconds;
    t.host = "h";
    write_timing(dir.timing(k), t);
  }
  const StageStatus& stage(const RunStatus& s, const std::string& name) {
    for (const StageStatus& x : s.points.at(0).stages)
      if (x.stage == name) return x;
    throw Error("no stage " + name);
  }
};

std::vector<std::string> listing(const std::string& root) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    names.push_back(e.path().string() + " " +
                    std::to_string(e.last_write_time().time_since_epoch().count()));
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Status, CountsEachStateAndItsExitCode) {
  FakeRun run;
  run.finish(kGan, 1000, 100);
  run.finish(ser(0), 1100, 10);
  run.finish(ser(1), 1105, 10);  // overlaps: 2 tasks in 15 s of wall time
  write_claim(run.dir.claim(ser(2)), host_name(), ::getpid(), "77", "1");  // live holder
  FailureEntry e;
  e.time = 1200;
  e.error = "boom | bang";
  e.rank = 3;
  e.host = "node7";
  e.pid = 42;
  e.job = "77";
  e.log = "/logs/x.out";
  append_failure(run.dir.failure(ser(3)), e);

  const std::vector<std::string> before = listing(run.tmp.path());
  const RunStatus s = collect_status(run.dir, run.plan, 2000);
  EXPECT_EQ(listing(run.tmp.path()), before) << "status wrote into the run directory";

  const StageStatus& gan = run.stage(s, "gan");
  EXPECT_EQ(gan.total, 1);
  EXPECT_EQ(gan.done, 1);
  EXPECT_EQ(gan.eta_seconds, 0);
  const StageStatus& st = run.stage(s, "ser");
  EXPECT_EQ(st.total, 5);
  EXPECT_EQ(st.done, 2);
  EXPECT_EQ(st.running, 1);
  EXPECT_EQ(st.stale, 0);
  EXPECT_EQ(st.failed, 1);
  EXPECT_EQ(st.waiting, 1);
  EXPECT_DOUBLE_EQ(st.mean_task_seconds, 10);
  EXPECT_DOUBLE_EQ(st.tasks_per_hour, 3600.0 * 2 / 15);
  EXPECT_DOUBLE_EQ(st.eta_seconds, 3 * 7.5);  // 3 left at 7.5 s each
  ASSERT_EQ(st.running_tasks.size(), 1u);
  EXPECT_EQ(st.running_tasks[0].holder.job, "77");
  EXPECT_EQ(st.running_tasks[0].holder.array_task, "1");
  ASSERT_EQ(st.failed_tasks.size(), 1u);
  EXPECT_EQ(st.failed_tasks[0].history.at(0).error, "boom | bang");
  EXPECT_EQ(s.first_start, 1000);
  EXPECT_DOUBLE_EQ(s.elapsed_seconds, 1000);
  EXPECT_EQ(status_exit_code(s), 1);  // the failed task
  // The job of the claim and the failure record, though no job record names it.
  ASSERT_EQ(s.jobs.size(), 1u);
  EXPECT_EQ(s.jobs[0].record.id, "77");
  EXPECT_FALSE(s.jobs[0].recorded);

  // The failure retried by a live holder: running, healthy, and still in the history.
  write_claim(run.dir.claim(ser(3)), host_name(), ::getpid());
  const RunStatus retried = collect_status(run.dir, run.plan, 2000);
  EXPECT_EQ(run.stage(retried, "ser").failed, 0);
  EXPECT_EQ(run.stage(retried, "ser").running, 2);
  EXPECT_EQ(status_exit_code(retried), kStatusIncomplete);
  ASSERT_EQ(retried.history.size(), 1u);
  EXPECT_TRUE(retried.history[0].retrying);

  // All done: exit 0, the failure kept as resolved history.
  for (int f = 2; f < 5; ++f) run.finish(ser(f), 1300, 5);
  const RunStatus complete = collect_status(run.dir, run.plan, 2000);
  EXPECT_TRUE(complete.complete());
  EXPECT_EQ(status_exit_code(complete), 0);
  ASSERT_EQ(complete.history.size(), 1u);
  EXPECT_TRUE(complete.history[0].resolved);
  EXPECT_DOUBLE_EQ(complete.elapsed_seconds, 1305 - 1000);
  EXPECT_NE(failures_markdown(run.dir, {ser(3)}).find("boom \\| bang"), std::string::npos);
  EXPECT_EQ(failures_markdown(run.dir, {ser(4)}), "");
}

TEST(Status, StaleClaimsAreFlagged) {
  FakeRun run;
  const int64_t gone = dead_pid();
  write_claim(run.dir.claim(ser(0)), host_name(), gone, "5");
  write_claim(run.dir.claim(kGan), "another-host-of-the-cluster", 1);  // renewed just now
  RunStatus s = collect_status(run.dir, run.plan, 2000);
  EXPECT_EQ(run.stage(s, "ser").stale, 1);
  EXPECT_EQ(run.stage(s, "gan").running, 1);
  EXPECT_EQ(status_exit_code(s), 1);
  const RunningTask& r = run.stage(s, "ser").running_tasks.at(0);
  EXPECT_TRUE(r.stale);
  EXPECT_NE(r.why_stale.find("no process " + std::to_string(gone)), std::string::npos);
  EXPECT_NE(format_status(s).find("STALE"), std::string::npos);

  // The claim an MPI_Abort left behind with the failure it recorded: one failed task.
  FailureEntry e;
  e.time = 1500;
  e.error = "x";
  e.host = host_name();
  e.pid = gone;
  append_failure(run.dir.failure(ser(0)), e);
  s = collect_status(run.dir, run.plan, 2000);
  EXPECT_EQ(run.stage(s, "ser").stale, 0);
  EXPECT_EQ(run.stage(s, "ser").failed, 1);
}

TEST(Status, FailureRecordKeepsABoundedHistory) {
  TempDir tmp;
  const std::string path = tmp / "t.failure";
  for (size_t i = 0; i < kFailureHistory + 3; ++i) {
    FailureEntry e;
    e.time = static_cast<int64_t>(i);
    e.error = "error " + std::to_string(i) + "\nsecond line";  // only the first line is kept
    e.rank = static_cast<int>(i);
    append_failure(path, e);
  }
  const std::vector<FailureEntry> h = read_failures(path);
  ASSERT_EQ(h.size(), kFailureHistory);
  EXPECT_EQ(h.front().time, 3);
  EXPECT_EQ(h.back().error, "error " + std::to_string(kFailureHistory + 2));
  EXPECT_EQ(h.back().rank, static_cast<int>(kFailureHistory + 2));
  EXPECT_TRUE(read_failures(tmp / "none").empty());
}

TEST(Status, RecordsTaskFailuresButNotStops) {
  TempDir tmp;
  const RunDirectory dir(tmp.path());
  dir.make_task_folders(ser(0));
  record_task_failure(dir, ser(0), 2, std::make_exception_ptr(Preempted("stopped")));
  EXPECT_FALSE(file_exists(dir.failure(ser(0))));
  record_task_failure(dir, ser(0), 2, std::make_exception_ptr(Error("disk on fire\nmore")));
  const std::vector<FailureEntry> h = read_failures(dir.failure(ser(0)));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].error, "disk on fire");
  EXPECT_EQ(h[0].rank, 2);
  EXPECT_EQ(h[0].host, host_name());
  EXPECT_EQ(h[0].pid, ::getpid());
  EXPECT_FALSE(h[0].log.empty());
  // A folder that cannot be made: no record, and no exception either.
  write_text(tmp / "tasks/gan", "");
  record_task_failure(dir, kGan, 0, std::make_exception_ptr(Error("x")));
}

TEST(Status, FailHookMatchesTaskNames) {
  ::setenv("EMOAUG_FAIL_TASK", "ser/within/*/fold=1/*", 1);
  EXPECT_THROW(fail_if_asked(ser(1)), Error);
  EXPECT_NO_THROW(fail_if_asked(ser(2)));
  ::unsetenv("EMOAUG_FAIL_TASK");
  EXPECT_NO_THROW(fail_if_asked(ser(1)));
}

TEST(Status, SlurmStatesFromSqueueAndSacct) {
  FakeRun run;
  JobRecord array;
  array.id = array.jobid = "100";
  array.name = "emoaug-demo";
  array.array = "0-1";
  write_job_record(run.dir.jobs(), array);
  JobRecord element;
  element.id = "100_0";
  element.jobid = "101";
  element.host = "node1";
  element.started = 1500;
  write_job_record(run.dir.jobs(), element);
  JobRecord done;
  done.id = done.jobid = "103";
  write_job_record(run.dir.jobs(), done);
  JobRecord unknown;
  unknown.id = unknown.jobid = "104";
  write_job_record(run.dir.jobs(), unknown);
  RunStatus s = collect_status(run.dir, run.plan, 2000);
  ASSERT_EQ(s.jobs.size(), 4u);
  EXPECT_EQ(job_query_ids(s), "100,101,103,104");
  apply_slurm_states(s, std::string("100_0|101|RUNNING|None\n100_[1]|100|PENDING|Priority\n"), "",
                     std::nullopt, "Slurm accounting storage is disabled");
  EXPECT_EQ(s.jobs[0].record.id, "100");
  EXPECT_EQ(s.jobs[0].state, "100_0 RUNNING, 100_[1] PENDING (Priority)");
  EXPECT_EQ(s.jobs[1].record.id, "100_0");
  EXPECT_EQ(s.jobs[1].state, "RUNNING");
  EXPECT_EQ(s.jobs[2].state, "");
  apply_slurm_states(s, std::string(""), "", std::string("103|103|CANCELLED by 0\n"), "");
  EXPECT_EQ(s.jobs[2].state, "CANCELLED");
  EXPECT_EQ(s.jobs[3].state, "");
  const std::string text = format_status(s);
  EXPECT_NE(text.find("100 emoaug-demo (array 0-1)"), std::string::npos) << text;
  EXPECT_NE(text.find("104: not in the queue"), std::string::npos) << text;
  apply_slurm_states(s, std::nullopt, "not found on this node", std::nullopt, "not found");
  EXPECT_NE(format_status(s).find("(squeue: not found on this node)"), std::string::npos);
}

TEST(Status, JsonIsOneObjectWithEscapedStrings) {
  FakeRun run;
  FailureEntry e;
  e.time = 1;
  e.error = "a \"quoted\" \\ path\twith\x01 control";
  append_failure(run.dir.failure(ser(0)), e);
  const RunStatus s = collect_status(run.dir, run.plan, 2000);
  const std::string json = format_status_json(s);
  EXPECT_EQ(json.find('\n'), json.size() - 1) << "one line";
  EXPECT_NE(json.find(R"("error":"a \"quoted\" \\ path\twith\u0001 control")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("schema":"emoaug-status/1")"), std::string::npos);
  EXPECT_NE(json.find(R"("exit_code":1)"), std::string::npos);
  EXPECT_NE(json.find(R"("eta_seconds":null)"), std::string::npos);
  // Balanced outside strings.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ASSERT_GE(depth, 0);
  }
  EXPECT_EQ(depth, 0);
}

TEST(Status, PlanRecordRoundTripsAndIsNotRewritten) {
  TempDir tmp;
  const PlanRecord p = plan_record({kGan, ser(0)}, 4);
  write_plan_record(tmp / "plan.txt", p);
  const std::optional<PlanRecord> back = read_plan_record(tmp / "plan.txt");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->emotions, 4);
  EXPECT_EQ(back->tasks, (std::vector<std::string>{"gan/lcls=2/fold=0", ser(0).name()}));
  // A write renames a new file over the old one: a rewrite would change the inode.
  const auto inode = [&] {
    struct stat st {};
    EXPECT_EQ(::stat((tmp / "plan.txt").c_str(), &st), 0);
    return st.st_ino;
  };
  const ino_t before = inode();
  const auto written = std::filesystem::last_write_time(tmp / "plan.txt");
  write_plan_record(tmp / "plan.txt", p);
  EXPECT_EQ(inode(), before);
  EXPECT_EQ(std::filesystem::last_write_time(tmp / "plan.txt"), written);
  EXPECT_FALSE(read_plan_record(tmp / "absent"));
  const TaskKey k = key_from_name("ser/cross/syn/lcls=2/all/rep=1");
  EXPECT_EQ(k.stage, "ser");
  EXPECT_EQ(k.path, "cross/syn/lcls=2/all/rep=1");
}

}  // namespace
}  // namespace emoaug::experiment
