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
#include <sstream>
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
#include "experiment/study.h"

extern char** environ;

namespace emoaug::app {

namespace {

// Runs argv (found on PATH) and returns whether it ran and exited 0; `out` gets its stdout, `why`
// what went wrong. Its stderr goes to ours, so the program's own message explains a refusal.
bool run_program(const std::vector<std::string>& argv, std::string& out, std::string& why) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) EMOAUG_FAIL("pipe: ", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (err != 0) {
    ::close(pipe_fds[0]);
    why = "cannot run " + argv[0] + ": " + std::strerror(err);
    return false;
  }
  out.clear();
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    why = argv[0] + " failed (exit status " +
          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
    return false;
  }
  return true;
}

std::string capture(const std::vector<std::string>& argv) {
  std::string out, why;
  if (!run_program(argv, out, why))
    EMOAUG_FAIL(why, why.rfind("cannot run", 0) == 0
                         ? " (is this a SLURM login node? --dry-run prints the scripts)"
                         : "");
  return out;
}

// A count option's or variable's value: a whole number >= `least`.
int count_value(const std::string& text, int least, const std::string& what) {
  const int v = parse_int(text, what);
  if (v < least) EMOAUG_FAIL(what, ": ", v, " is out of range: must be >= ", least);
  return v;
}

// The cluster's MaxArraySize: --max-array-size, else EMOAUG_MAX_ARRAY_SIZE, else `scontrol show
// config`, else SLURM's default. `source` says which, for the user.
int max_array_size(const std::string& option, std::string& source) {
  if (!option.empty()) {
    source = "--max-array-size";
    return count_value(option, 1, "--max-array-size");
  }
  if (const char* env = std::getenv("EMOAUG_MAX_ARRAY_SIZE"); env && *env) {
    source = "EMOAUG_MAX_ARRAY_SIZE";
    return count_value(env, 1, "EMOAUG_MAX_ARRAY_SIZE");
  }
  std::string out, why;
  if (run_program({"scontrol", "show", "config"}, out, why)) {
    const int size = parse_max_array_size(out);
    if (size >= 0) {
      source = "scontrol show config";
      return size;
    }
    why = "scontrol show config has no MaxArraySize line";
  }
  source = "SLURM's default; " + why;
  return kDefaultMaxArraySize;
}

// A --sweep of the command line: KEY=V1,V2,... with a key the spec does not sweep already.
void check_sweep_option(const std::string& text, const std::vector<std::string>& axes) {
  const size_t eq = text.find('=');
  const std::string key = text.substr(0, eq);
  if (eq == std::string::npos || key.empty() || eq + 1 == text.size())
    EMOAUG_FAIL("--sweep '", text, "': expected KEY=V1,V2,...");
  const std::string values = "," + text.substr(eq + 1) + ",";
  if (values.find(",,") != std::string::npos) EMOAUG_FAIL("--sweep '", text, "': an empty value");
  for (const std::string& axis : axes)
    if (axis.substr(0, axis.find('=')) == key)
      EMOAUG_FAIL("--sweep '", text, "': ", key, " is swept already (", axis, ")");
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
  if (!job.after.empty()) argv.push_back("--dependency=afterok:" + dependency);
  argv.push_back(script);
  return argv;
}

// The afterok list of `job`: the ids (or names, in a dry run) of the jobs it waits for.
std::string dependency_of(const SbatchJob& job, const std::vector<std::string>& ids) {
  std::string out;
  for (int i : job.after) out += (out.empty() ? "" : ":") + ids[static_cast<size_t>(i)];
  return out;
}

}  // namespace

int cmd_submit(int argc, char** argv) {
  std::string spec_path, mode, launcher, templates_dir, max_array, max_parallel;
  std::vector<std::string> sets, sweeps;
  bool dry_run = false;
  ArgParser args("emoaug submit",
                 "Submit a job spec (jobs/*.toml; keys in docs/slurm.md) to SLURM: the "
                 "experiment's sweep cut into parts (emoaug run --part I/N), one array element "
                 "each, over as many array jobs as the cluster's MaxArraySize needs, all writing "
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
  args.option_list("sweep", "KEY=V1,V2",
                   "one more sweep axis for every emoaug run (like the spec's [sweep])", &sweeps);
  args.option("max-parallel", "N",
              "at most N elements of each array job running at once, instead of the spec's "
              "slurm.max_parallel (0: no limit)",
              &max_parallel);
  args.option("max-array-size", "N",
              "cut the parts into arrays of at most N elements, instead of the cluster's "
              "MaxArraySize (also EMOAUG_MAX_ARRAY_SIZE)",
              &max_array);
  args.option("mode", "MODE", "array or mpi, instead of the spec's job.mode", &mode);
  args.option("launcher", "NAME", "srun or mpirun, instead of the spec's job.launcher", &launcher);
  args.option("templates", "DIR",
              "read run.sbatch and aggregate.sbatch from DIR rather than the copies of slurm/ "
              "built into emoaug",
              &templates_dir);
  args.epilog(
      "examples:\n"
      "  emoaug submit jobs/paper.toml --dry-run\n"
      "  emoaug submit jobs/demo.toml --mode mpi -s gan.epochs=50\n"
      "  emoaug submit jobs/demo.toml --sweep ser.real.epochs=20,40 --max-parallel 4");
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
  if (!max_parallel.empty()) spec.max_parallel = count_value(max_parallel, 0, "--max-parallel");
  for (const std::string& s : sweeps) {
    check_sweep_option(s, spec.sweep);
    spec.sweep.push_back(s);
  }

  // The jobs will resolve the same config on the compute nodes; resolving it here finds its
  // mistakes before anything waits in a queue.
  const std::vector<std::string> overrides = run_overrides(spec);
  // Every point of the study is made and checked as a config (a bad value names its key, value
  // and point; points that collapse into one config are refused).
  const config::ExperimentConfig cfg =
      config::load_config(spec.config, overrides, {spec.sweep, spec.sweep_zip, {}});
  config::check_runnable(cfg, spec.config);
  const experiment::Study study = experiment::make_study(cfg);

  SubmitContext ctx;
  // The binary itself, unless a wrapper that sets its environment says to call it instead (the
  // bundle's bin/emoaug): a job that ran the bare binary would find none of the bundle's libraries.
  const char* wrapper = std::getenv("EMOAUG_EXE");
  ctx.emoaug = wrapper && *wrapper ? std::filesystem::absolute(wrapper).string()
                                   : std::filesystem::read_symlink("/proc/self/exe").string();
  ctx.workdir = std::filesystem::current_path().string();
  ctx.run_dir = cfg.experiment.output;
  // One part per GAN part of the study (its λcls values times the other swept gan keys' values);
  // each element runs its share of the GAN groups of every fold (experiment::select_part).
  ctx.parts = experiment::gan_parts(study);
  ctx.sets = overrides;
  ctx.sweeps = spec.sweep;
  ctx.sweep_zip = spec.sweep_zip;
  std::string size_source;
  if (spec.mode == config::SweepMode::Array)
    ctx.max_array_size = max_array_size(max_array, size_source);
  const Templates templates =
      templates_dir.empty() ? builtin_templates() : read_templates(templates_dir);
  const std::vector<SbatchJob> jobs = render_jobs(spec, ctx, templates);
  const experiment::RunDirectory run_dir(ctx.run_dir);
  const std::string folder = run_dir.slurm();

  if (dry_run) {
    if (!size_source.empty())
      std::printf("# MaxArraySize %d (%s): %d part(s) in %zu array job(s)\n", ctx.max_array_size,
                  size_source.c_str(), ctx.parts, jobs.size() - 1);
    std::vector<std::string> names;
    for (const SbatchJob& job : jobs) names.push_back("<job id of " + job.name + ">");
    for (size_t i = 0; i < jobs.size(); ++i) {
      std::string command;
      for (const std::string& w : sbatch_command(jobs[i], dependency_of(jobs[i], names),
                                                 folder + "/" + jobs[i].name + ".sbatch"))
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
  if (!size_source.empty())
    std::printf("MaxArraySize %d (%s): %d part(s) in %zu array job(s)\n", ctx.max_array_size,
                size_source.c_str(), ctx.parts, jobs.size() - 1);
  std::vector<std::string> ids;
  for (const SbatchJob& job : jobs) {
    const std::string script = folder + "/" + job.name + ".sbatch";
    write_script(script, job.script);
    std::string out;
    try {
      out = capture(sbatch_command(job, dependency_of(job, ids), script));
    } catch (const Error& e) {
      // The jobs queued so far run without the rest (nor an aggregation): say which they are.
      std::string queued;
      for (const std::string& id : ids) queued += (queued.empty() ? "" : " ") + id;
      if (queued.empty()) throw;
      EMOAUG_FAIL(e.what(), "; job(s) ", queued, " are queued already: scancel them, or let them ",
                  "run and submit the spec again, which skips the finished tasks");
    }
    // --parsable prints "id" or "id;cluster".
    const std::string id = out.substr(0, out.find_first_of(";\n"));
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
      EMOAUG_FAIL("sbatch printed '", out, "' where a job id was expected");
    ids.push_back(id);
    // For `emoaug status`, which then follows the job from the queue on.
    experiment::JobRecord record;
    record.id = record.jobid = id;
    record.name = job.name;
    record.array = job.array;
    record.submitted = static_cast<int64_t>(std::time(nullptr));
    experiment::write_job_record(run_dir.jobs(), record);
    std::printf("job %s: %s (%s%s)\n", id.c_str(), job.name.c_str(), job.summary.c_str(),
                job.after.empty()
                    ? ""
                    : ("; after job" + std::string(job.after.size() > 1 ? "s " : " ") +
                       dependency_of(job, ids))
                          .c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace emoaug::app
