// emoaug status: where a run stands (experiment/status.h), from any node that sees the run
// directory. No MPI, no GPU, no lock and no write: a login node may run it beside a running job.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "core/error.h"
#include "experiment/plan.h"
#include "experiment/records.h"
#include "experiment/status.h"

extern char** environ;

namespace emoaug::app {
namespace {

// A SLURM tool's stdout, or nothing with `*note` saying why (not installed, its error, no answer
// within `timeout`: a busy controller must not hang a status).
std::optional<std::string> ask(const std::vector<std::string>& argv, std::string* note,
                               std::chrono::seconds timeout = std::chrono::seconds(20)) {
  int out[2], err[2];
  if (::pipe(out) != 0 || ::pipe(err) != 0) {
    *note = std::string("pipe: ") + std::strerror(errno);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, err[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (spawned != 0) {
    ::close(out[0]);
    ::close(err[0]);
    *note = spawned == ENOENT ? "not found on this node" : std::strerror(spawned);
    return std::nullopt;
  }
  std::string text[2];
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        text[k].append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
      }
    }
  }
  for (const pollfd& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    *note = "no answer within " + std::to_string(timeout.count()) + " s";
    return std::nullopt;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return text[0];
  // squeue refuses a list of only jobs it no longer knows: then none of them is queued.
  if (text[1].find("Invalid job id") != std::string::npos) return std::string();
  const std::string first = text[1].substr(0, text[1].find('\n'));
  *note = first.empty()
              ? "exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1)
              : first;
  return std::nullopt;
}

experiment::RunStatus read_status(const std::string& dir) {
  const experiment::RunDirectory run(dir);
  if (!experiment::file_exists(run.config()))
    EMOAUG_FAIL(dir, " is not an emoaug run directory (no config.toml)");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  experiment::RunStatus status;
  if (const std::optional<experiment::PlanRecord> plan =
          experiment::read_plan_record(run.plan_record())) {
    status = experiment::collect_status(run, *plan, now);
  } else {
    // A run made before plan.txt, or submitted and not yet started: the plan of its config, which
    // needs the corpora's folds and classes.
    const experiment::ExistingRun existing = experiment::open_existing_run(dir);
    status = experiment::collect_status(
        run, experiment::plan_record(experiment::task_keys(existing.plan), existing.ctx.emotions()),
        now, "config.toml and the corpora (no plan.txt yet)");
  }
  if (!status.jobs.empty()) {
    const std::string ids = experiment::job_query_ids(status);
    std::string squeue_note, sacct_note;
    const std::optional<std::string> queued =
        ask({"squeue", "-h", "-a", "-o", "%i|%A|%T|%r", "-j", ids}, &squeue_note);
    const std::optional<std::string> accounted =
        ask({"sacct", "-n", "-P", "-X", "-o", "JobID,JobIDRaw,State", "-j", ids}, &sacct_note);
    experiment::apply_slurm_states(status, queued, squeue_note, accounted, sacct_note);
  }
  return status;
}

}  // namespace

int cmd_status(int argc, char** argv) {
  std::string dir, watch_text;
  bool json = false;
  ArgParser args(
      "emoaug status",
      "Print where a run stands, per stage: tasks done, running (the claim's holder: host, pid, "
      "SLURM job and array index, age of its last renewal; stale claims flagged), waiting and "
      "failed (the error's first line and where the log is); elapsed time, throughput and an "
      "ETA from the finished tasks' durations; earlier failures; and the SLURM jobs of the run "
      "with their state from squeue or sacct. Only reads: safe beside a running job, from any "
      "node that sees the folder (docs/run-directory.md).");
  args.positional("RUNDIR", "a run directory (experiment.output)", &dir);
  args.option("watch", "SECONDS", "redraw every SECONDS until the run is complete", &watch_text);
  args.flag("json", "print one JSON object per drawing instead (schema in docs/run-directory.md)",
            &json);
  args.epilog(
      "exit codes: 0 complete, 3 incomplete and healthy, 1 a failed task or a stale claim (or an\n"
      "error: not a run directory, a wrong option)\n"
      "\nexamples:\n"
      "  emoaug status runs/demo\n"
      "  emoaug status runs/paper --watch 30\n"
      "  emoaug status runs/paper --json | python3 -m json.tool");
  if (!args.parse(argc, argv)) return kExitOk;
  double every = 0;
  if (!watch_text.empty()) {
    every = parse_double(watch_text, "--watch");
    if (!(every > 0)) EMOAUG_FAIL("--watch must be a positive number of seconds, got ", watch_text);
  }
  const bool redraw = every > 0 && !json && ::isatty(STDOUT_FILENO);
  while (true) {
    const experiment::RunStatus status = read_status(dir);
    const std::string text =
        json ? experiment::format_status_json(status) : experiment::format_status(status);
    if (redraw) std::fputs("\033[H\033[2J", stdout);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    const int code = experiment::status_exit_code(status);
    if (every <= 0 || code == kExitOk) return code;
    if (!json && !redraw) std::fputs("\n", stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(every));
  }
}

}  // namespace emoaug::app
