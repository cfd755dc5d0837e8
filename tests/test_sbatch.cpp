// The sbatch scripts `emoaug submit` renders (src/app/sbatch.h), and `emoaug submit --dry-run` as a
// user runs it. Nothing here needs SLURM; tests/slurm/check_slurm.sh submits for real.
#include "app/sbatch.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "config_test_util.h"
#include "core/error.h"
#include "testing.h"

using namespace emoaug;
using namespace emoaug::app;

namespace {

config::JobSpec paper_like() {
  config::JobSpec s;
  s.name = "sweep";
  s.config = "/home/u/configs/paper.toml";
  s.set = {"gan.epochs=5", "experiment.name=it's"};
  s.lambda_cls = {0.0, 0.5, 2.0};
  s.ranks = 4;
  s.cpus_per_task = 8;
  s.gpus_per_task = 1;
  s.time = "24:00:00";
  s.partition = "gpu";
  s.account = "proj";
  s.extra = {"--qos=high"};
  return s;
}

SubmitContext context_for(const config::JobSpec& s) {
  SubmitContext c;
  c.emoaug = "/opt/emoaug/bin/emoaug";
  c.workdir = "/home/u";
  c.run_dir = "/scratch/u/runs/paper";
  c.lambda_grid = s.lambda_cls;
  c.sets = run_overrides(s);
  return c;
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos;
}
#define EXPECT_LINE(text, line) \
  EXPECT_TRUE(has_line(text, line)) << "no line '" << (line) << "' in\n" << (text)

// bash -n: the script parses.
bool bash_parses(const std::string& script) {
  emoaug::testing::TempDir dir;
  const std::string path = dir / "job.sbatch";
  emoaug::testing::write_text(path, script);
  return std::system(("bash -n '" + path + "'").c_str()) == 0;
}

}  // namespace

TEST(Sbatch, ArrayJobThenAggregationAfterIt) {
  const config::JobSpec spec = paper_like();
  const std::vector<SbatchJob> jobs = render_jobs(spec, context_for(spec), builtin_templates());
  ASSERT_EQ(jobs.size(), 2u);
  const std::string& run = jobs[0].script;
  EXPECT_EQ(jobs[0].name, "sweep");
  EXPECT_EQ(jobs[0].after, -1);
  for (const char* line :
       {"#SBATCH --job-name=sweep", "#SBATCH --array=0-2", "#SBATCH --ntasks=4",
        "#SBATCH --cpus-per-task=8", "#SBATCH --gpus-per-task=1", "#SBATCH --time=24:00:00",
        "#SBATCH --signal=B:USR2@120", "#SBATCH --requeue", "#SBATCH --open-mode=append",
        "#SBATCH --partition=gpu", "#SBATCH --account=proj", "#SBATCH --qos=high",
        "#SBATCH --chdir=/home/u", "#SBATCH --output=/scratch/u/runs/paper/slurm/%x-%A_%a.out",
        "EMOAUG=/opt/emoaug/bin/emoaug", "CONFIG=/home/u/configs/paper.toml",
        "SETS=(-s gan.epochs=5 -s 'experiment.name=it'\\''s' -s 'gan.lambda_cls=[0,0.5,2]')",
        "LAMBDAS=(0 0.5 2)", "LAUNCHER=${EMOAUG_LAUNCHER:-srun}"})
    EXPECT_LINE(run, line);
  EXPECT_EQ(run.find("--nodes"), std::string::npos);  // nodes = 0: SLURM's choice
  EXPECT_EQ(run.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_FALSE(std::regex_search(run, std::regex("@[A-Z_]+@"))) << run;
  EXPECT_TRUE(bash_parses(run));

  const std::string& agg = jobs[1].script;
  EXPECT_EQ(jobs[1].name, "sweep-aggregate");
  EXPECT_EQ(jobs[1].after, 0);  // --dependency=afterok:<the array's id> at submission
  for (const char* line :
       {"#SBATCH --job-name=sweep-aggregate", "#SBATCH --ntasks=1", "#SBATCH --time=00:30:00",
        "#SBATCH --kill-on-invalid-dep=yes", "#SBATCH --partition=gpu",
        "#SBATCH --output=/scratch/u/runs/paper/slurm/%x-%j.out", "RUNDIR=/scratch/u/runs/paper",
        "\"$EMOAUG\" aggregate \"$RUNDIR\"", "\"$EMOAUG\" report \"$RUNDIR\""})
    EXPECT_LINE(agg, line);
  EXPECT_EQ(agg.find("#SBATCH --array"), std::string::npos);
  EXPECT_EQ(agg.find("#SBATCH --gpus"), std::string::npos);
  EXPECT_TRUE(bash_parses(agg));
}

TEST(Sbatch, MpiModeIsOneJobOverTheWholeGrid) {
  config::JobSpec spec = paper_like();
  spec.mode = config::SweepMode::Mpi;
  spec.launcher = config::Launcher::Mpirun;
  spec.nodes = 2;
  spec.gpus_per_task = 0;
  spec.signal_seconds = 0;
  spec.partition = spec.account = "";
  const std::vector<SbatchJob> jobs = render_jobs(spec, context_for(spec), builtin_templates());
  ASSERT_EQ(jobs.size(), 1u);
  const std::string& run = jobs[0].script;
  EXPECT_LINE(run, "#SBATCH --nodes=2");
  EXPECT_LINE(run, "#SBATCH --output=/scratch/u/runs/paper/slurm/%x-%j.out");
  EXPECT_LINE(run, "LAMBDAS=()");
  EXPECT_LINE(run, "LAUNCHER=${EMOAUG_LAUNCHER:-mpirun}");
  for (const char* absent : {"--array", "--gpus", "--signal", "--partition", "--account"})
    EXPECT_EQ(run.find(std::string("#SBATCH ") + absent), std::string::npos) << absent;
  EXPECT_TRUE(bash_parses(run));
}

TEST(Sbatch, GridFromTheConfigAddsNoOverride) {
  config::JobSpec spec = paper_like();
  spec.lambda_cls.clear();
  EXPECT_EQ(run_overrides(spec), spec.set);
  spec.lambda_cls = {1e-5, 0.1};
  EXPECT_EQ(run_overrides(spec).back(), "gan.lambda_cls=[1e-05,0.1]");
}

TEST(Sbatch, PathsSbatchCannotCarryAreRefused) {
  const config::JobSpec spec = paper_like();
  SubmitContext ctx = context_for(spec);
  ctx.run_dir = "/scratch/my runs/x";
  try {
    render_jobs(spec, ctx, builtin_templates());
    FAIL();
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "the run directory '/scratch/my runs/x' holds a space");
  }
}

TEST(Sbatch, FillTemplate) {
  EXPECT_EQ(
      fill_template("a @X@ b @Y_Z@ ${a[@]} x@y.z @ @@ @lower@", {{"X", "1"}, {"Y_Z", "2"}}, "t"),
      "a 1 b 2 ${a[@]} x@y.z @ @@ @lower@");
  try {
    fill_template("@NOPE@", {{"X", "1"}}, "slurm/run.sbatch");
    FAIL();
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "slurm/run.sbatch: unknown placeholder @NOPE@");
  }
}

TEST(Sbatch, ShellQuotingAndNumbers) {
  EXPECT_EQ(shell_quote("gan.epochs=5"), "gan.epochs=5");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
  EXPECT_EQ(exact_number(2.0), "2");
  EXPECT_EQ(exact_number(0.1), "0.1");
  EXPECT_EQ(exact_number(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(std::strtod(exact_number(1.0 / 3).c_str(), nullptr), 1.0 / 3);
}

TEST(Sbatch, BuiltinTemplatesAreTheFilesInSlurm) {
  const Templates built = builtin_templates();
  const Templates files = read_templates(std::string(EMOAUG_SOURCE_DIR) + "/slurm");
  EXPECT_EQ(built.run, files.run) << "rerun cmake: slurm/run.sbatch changed";
  EXPECT_EQ(built.aggregate, files.aggregate);
}

TEST(SubmitCli, DryRunPrintsTheScriptsAndWritesNothing) {
  emoaug::testing::TempDir dir;
  emoaug::testing::write_text(dir / "exp.toml",
                              "[experiment]\noutput = \"run\"\n[data]\n"
                              "target = \"t.h5\"\nsource = \"s.h5\"\n"
                              "[gan]\nlambda_cls = [0.0, 1.0, 2.0]\n");
  emoaug::testing::write_text(dir / "job.toml",
                              "[job]\nname = \"t\"\nconfig = \"exp.toml\"\n[slurm]\nranks = 2\n");
  emoaug::testing::CliResult r = emoaug::testing::run_emoaug(
      "submit '" + dir / "job.toml" + "' --dry-run -s gan.epochs=3", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out, "#SBATCH --array=0-2");
  EXPECT_LINE(r.out, "#SBATCH --ntasks=2");
  EXPECT_LINE(r.out, "LAMBDAS=(0 1 2)");  // the config's grid
  EXPECT_LINE(r.out, "SETS=(-s gan.epochs=3)");
  EXPECT_LINE(r.out, "# sbatch --parsable --dependency=afterok:<job id of t> " + dir / "run" +
                         "/slurm/t-aggregate.sbatch");
  EXPECT_FALSE(std::filesystem::exists(dir / "run")) << "a dry run made the run directory";
  // The jobs call the binary that submitted them, or the wrapper EMOAUG_EXE names (the bundle's).
  EXPECT_LINE(r.out, "EMOAUG=" + std::filesystem::canonical(EMOAUG_BINARY).string());
  setenv("EMOAUG_EXE", "/opt/emoaug-bundle/bin/emoaug", 1);
  r = emoaug::testing::run_emoaug("submit '" + dir / "job.toml" + "' --dry-run", dir);
  unsetenv("EMOAUG_EXE");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out, "EMOAUG=/opt/emoaug-bundle/bin/emoaug");

  r = emoaug::testing::run_emoaug("submit '" + dir / "job.toml" + "' -n --mode mpi", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("#SBATCH --array"), std::string::npos);
  EXPECT_EQ(r.out.find("aggregate.sbatch"), std::string::npos);

  // The experiment config is checked, overrides included, before anything is queued.
  r = emoaug::testing::run_emoaug("submit '" + dir / "job.toml" + "' -n -s gan.epoch=3", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "unknown key 'gan.epoch' (did you mean 'gan.epochs'?)");
  r = emoaug::testing::run_emoaug("submit '" + dir / "job.toml" + "' -n --mode arrays", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "--mode: 'arrays' is neither array nor mpi");
}
