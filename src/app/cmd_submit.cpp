// emoaug submit: a job spec (jobs/*.toml) into sbatch scripts (src/app/sbatch.h), submitted in
// order with each dependency given as the job id it waits for.
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "app/sbatch.h"
#include "config/config.h"
#include "config/jobspec.h"
#include "core/error.h"
#include "experiment/context.h"
#include "experiment/records.h"
#include "experiment/run_dir.h"

extern char** environ;

namespace emoaug::app {

namespace {

// Runs argv (found on PATH) and returns its stdout; its stderr goes to ours, so sbatch's own
// message explains a refusal.
std::string capture(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe(out) != 0) EMOAUG_FAIL("pipe: ", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (err != 0) {
    ::close(out[0]);
    EMOAUG_FAIL("cannot run ", argv[0], ": ", std::strerror(err),
                " (is this a SLURM login node? --dry-run prints the scripts)");
  }
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    EMOAUG_FAIL(argv[0], " failed (exit status ", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                ")");
  return text;
}

void write_script(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) EMOAUG_FAIL("cannot write ", path);
  out.close();
  ::chmod(path.c_str(), 0755);
}

std::vector<std::string> sbatch_command(const SbatchJob& job, const std::string& dependency,
                                        const std::string& script) {
  std::vector<std::string> argv{"sbatch", "--parsable"};
  if (job.after >= 0) argv.push_back("--dependency=afterok:" + dependency);
  argv.push_back(script);
  return argv;
}

// The --array range of a rendered script ("0-1"), or empty for a plain job.
std::string array_range(const std::string& script) {
  const std::string flag = "#SBATCH --array=";
  const size_t at = script.find(flag);
  if (at == std::string::npos) return "";
  const size_t from = at + flag.size();
  return script.substr(from, script.find('\n', from) - from);
}

}  // namespace

int cmd_submit(int argc, char** argv) {
  std::string spec_path, mode, launcher, templates_dir;
  std::vector<std::string> sets;
  bool dry_run = false;
  ArgParser args("emoaug submit",
                 "Submit a job spec (jobs/*.toml; keys in docs/slurm.md) to SLURM: the "
                 "experiment's λcls sweep as an array job, one element per value, all writing "
                 "into one run directory, then a job that aggregates it (mode = \"array\"); or as "
                 "one emoaug run on many ranks (mode = \"mpi\"). Jobs that SLURM signals before "
                 "their time limit checkpoint and requeue themselves. The scripts and the jobs' "
                 "logs go to <run directory>/slurm/.");
  args.positional("JOBSPEC", "job spec (TOML)", &spec_path);
  args.flag("dry-run", "print the sbatch scripts and commands; submit and write nothing", &dry_run,
            'n');
  args.option_list("set", "KEY=VALUE",
                   "one more experiment config override for every emoaug run (like job.set)", &sets,
                   's');
  args.option("mode", "MODE", "array or mpi, instead of the spec's job.mode", &mode);
  args.option("launcher", "NAME", "srun or mpirun, instead of the spec's job.launcher", &launcher);
  args.option("templates", "DIR",
              "read run.sbatch and aggregate.sbatch from DIR rather than the copies of slurm/ "
              "built into emoaug",
              &templates_dir);
  args.epilog(
      "examples:\n"
      "  emoaug submit jobs/paper.toml --dry-run\n"
      "  emoaug submit jobs/demo.toml --mode mpi -s gan.epochs=50");
  if (!args.parse(argc, argv)) return kExitOk;

  config::JobSpec spec = config::load_jobspec(spec_path);
  if (mode == "array" || mode == "mpi")
    spec.mode = mode == "array" ? config::SweepMode::Array : config::SweepMode::Mpi;
  else if (!mode.empty())
    EMOAUG_FAIL("--mode: '", mode, "' is neither array nor mpi");
  if (launcher == "srun" || launcher == "mpirun")
    spec.launcher = launcher == "srun" ? config::Launcher::Srun : config::Launcher::Mpirun;
  else if (!launcher.empty())
    EMOAUG_FAIL("--launcher: '", launcher, "' is neither srun nor mpirun");
  spec.set.insert(spec.set.end(), sets.begin(), sets.end());

  // The jobs will resolve the same config on the compute nodes; resolving it here finds its
  // mistakes before anything waits in a queue.
  const std::vector<std::string> overrides = run_overrides(spec);
  const config::ExperimentConfig cfg = config::load_config(spec.config, overrides);
  config::check_runnable(cfg, spec.config);

  SubmitContext ctx;
  // The binary itself, unless a wrapper that sets its environment says to call it instead (the
  // bundle's bin/emoaug): a job that ran the bare binary would find none of the bundle's libraries.
  const char* wrapper = std::getenv("EMOAUG_EXE");
  ctx.emoaug = wrapper && *wrapper ? std::filesystem::absolute(wrapper).string()
                                   : std::filesystem::read_symlink("/proc/self/exe").string();
  ctx.workdir = std::filesystem::current_path().string();
  ctx.run_dir = cfg.experiment.output;
  ctx.lambda_grid = cfg.gan.lambda_cls;
  ctx.sets = overrides;
  const Templates templates =
      templates_dir.empty() ? builtin_templates() : read_templates(templates_dir);
  const std::vector<SbatchJob> jobs = render_jobs(spec, ctx, templates);
  const experiment::RunDirectory run_dir(ctx.run_dir);
  const std::string folder = run_dir.slurm();

  if (dry_run) {
    for (size_t i = 0; i < jobs.size(); ++i) {
      const std::string dependency =
          jobs[i].after >= 0 ? "<job id of " + jobs[jobs[i].after].name + ">" : "";
      std::string command;
      for (const std::string& w :
           sbatch_command(jobs[i], dependency, folder + "/" + jobs[i].name + ".sbatch"))
        command += (command.empty() ? "" : " ") + w;
      std::printf("# ==== job %zu of %zu: %s (%s)\n# %s\n%s\n", i + 1, jobs.size(),
                  jobs[i].name.c_str(), jobs[i].summary.c_str(), command.c_str(),
                  jobs[i].script.c_str());
    }
    return kExitOk;
  }

  // config.toml now, so every job finds the run directory made and a conflicting earlier run is
  // reported here rather than by each job.
  experiment::prepare_run_directory(run_dir, cfg);
  experiment::make_directories(folder);
  std::printf("emoaug submit: %s -> %s (scripts and logs in %s/)\n", spec_path.c_str(),
              ctx.run_dir.c_str(), folder.c_str());
  std::vector<std::string> ids;
  for (const SbatchJob& job : jobs) {
    const std::string script = folder + "/" + job.name + ".sbatch";
    write_script(script, job.script);
    const std::string out =
        capture(sbatch_command(job, job.after >= 0 ? ids[job.after] : "", script));
    // --parsable prints "id" or "id;cluster".
    const std::string id = out.substr(0, out.find_first_of(";\n"));
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
      EMOAUG_FAIL("sbatch printed '", out, "' where a job id was expected");
    ids.push_back(id);
    // For `emoaug status`, which then follows the job from the queue on.
    experiment::JobRecord record;
    record.id = record.jobid = id;
    record.name = job.name;
    record.array = array_range(job.script);
    record.submitted = static_cast<int64_t>(std::time(nullptr));
    experiment::write_job_record(run_dir.jobs(), record);
    std::printf("job %s: %s (%s%s)\n", id.c_str(), job.name.c_str(), job.summary.c_str(),
                job.after >= 0 ? ("; after job " + ids[job.after]).c_str() : "");
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace emoaug::app
