// The sbatch scripts `emoaug submit` renders (src/app/sbatch.h), and `emoaug submit --dry-run` as a
// user runs it. Nothing here needs SLURM; tests/slurm/check_slurm.sh submits for real.
#include "app/sbatch.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "config_test_util.h"
#include "core/error.h"
#include "experiment/records.h"
#include "file_helpers.h"

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
  c.parts = static_cast<int>(s.lambda_cls.size());
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
  EXPECT_TRUE(jobs[0].after.empty());
  EXPECT_EQ(jobs[0].array, "0-2");
  for (const char* line :
       {"#SBATCH --job-name=sweep",
        "#SBATCH --array=0-2",
        "#SBATCH --ntasks=4",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --gpus-per-task=1",
        "#SBATCH --time=24:00:00",
        "#SBATCH --signal=B:USR2@120",
        "#SBATCH --requeue",
        "#SBATCH --open-mode=append",
        "#SBATCH --partition=gpu",
        "#SBATCH --account=proj",
        "#SBATCH --qos=high",
        "#SBATCH --chdir=/home/u",
        "#SBATCH --output=/scratch/u/runs/paper/slurm/%x-%A_%a.out",
        "EMOAUG=/opt/emoaug/bin/emoaug",
        "CONFIG=/home/u/configs/paper.toml",
        "SETS=(-s gan.epochs=5 -s 'experiment.name=it'\\''s' -s 'gan.lambda_cls=[0,0.5,2]')",
        "SWEEPS=()",
        "PARTS=3",
        "PART_OFFSET=0",
        "LAUNCHER=${EMOAUG_LAUNCHER:-srun}"})
    EXPECT_LINE(run, line);
  EXPECT_EQ(run.find("--nodes"), std::string::npos);  // nodes = 0: SLURM's choice
  EXPECT_EQ(run.find("--lambda-cls"), std::string::npos);
  EXPECT_EQ(run.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_FALSE(std::regex_search(run, std::regex("@[A-Z_]+@"))) << run;
  EXPECT_TRUE(bash_parses(run));

  const std::string& agg = jobs[1].script;
  EXPECT_EQ(jobs[1].name, "sweep-aggregate");
  EXPECT_EQ(jobs[1].after, std::vector<int>{0});  // --dependency=afterok:<the array's id>
  EXPECT_TRUE(jobs[1].array.empty());
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

TEST(Sbatch, SplitPartsOverArraysBelowMaxArraySize) {
  auto shares = [](int parts, int max) {
    std::vector<std::pair<int, int>> out;
    for (const ArrayShare& s : split_parts(parts, max)) out.emplace_back(s.offset, s.count);
    return out;
  };
  using V = std::vector<std::pair<int, int>>;
  EXPECT_EQ(shares(3, 1001), (V{{0, 3}}));
  EXPECT_EQ(shares(3, 3), (V{{0, 3}}));  // indices 0-2, all below MaxArraySize = 3
  EXPECT_EQ(shares(3, 2), (V{{0, 2}, {2, 1}}));
  EXPECT_EQ(shares(4, 2), (V{{0, 2}, {2, 2}}));
  EXPECT_EQ(shares(2500, 1001), (V{{0, 1001}, {1001, 1001}, {2002, 498}}));
  EXPECT_EQ(shares(2, 1), (V{{0, 1}, {1, 1}}));
  EXPECT_CONTAINS(emoaug::testing::error_of([] { split_parts(0, 10); }), "nothing to run: 0 parts");
  EXPECT_CONTAINS(emoaug::testing::error_of([] { split_parts(3, 0); }),
                  "MaxArraySize = 0: this cluster takes no array jobs; submit with --mode mpi");
}

TEST(Sbatch, MaxArraySizeFromScontrol) {
  const std::string config =
      "Configuration data as of 2026-12-07T04:00:00\n"
      "MailProg                = /bin/mail\n"
      "MaxArraySize            = 1001\n"
      "MaxDBDMsgs              = 20000\n";
  EXPECT_EQ(parse_max_array_size(config), 1001);
  EXPECT_EQ(parse_max_array_size("MaxArraySize=40001\n"), 40001);
  EXPECT_EQ(parse_max_array_size("MaxArraySize = 0\r\n"), 0);
  EXPECT_EQ(parse_max_array_size("MaxArraySizeX = 5\nMaxJobCount = 10000\n"), -1);
  EXPECT_EQ(parse_max_array_size("MaxArraySize = many\n"), -1);
  EXPECT_EQ(parse_max_array_size("MaxArraySize = \n"), -1);
  EXPECT_EQ(parse_max_array_size(""), -1);
}

// 5 parts, MaxArraySize 2: arrays of parts 0-1, 2-3 and 4, each throttled, then one aggregation
// job after all three.
TEST(Sbatch, PartsSplitIntoThrottledArraysThenOneAggregation) {
  config::JobSpec spec = paper_like();
  spec.max_parallel = 3;
  SubmitContext ctx = context_for(spec);
  ctx.parts = 5;
  ctx.max_array_size = 2;
  const std::vector<SbatchJob> jobs = render_jobs(spec, ctx, builtin_templates());
  ASSERT_EQ(jobs.size(), 4u);
  const char* const names[] = {"sweep-1", "sweep-2", "sweep-3"};
  const char* const arrays[] = {"0-1", "0-1", "0-0"};
  const char* const offsets[] = {"0", "2", "4"};
  for (size_t j = 0; j < 3; ++j) {
    const std::string& run = jobs[j].script;
    EXPECT_EQ(jobs[j].name, names[j]);
    EXPECT_EQ(jobs[j].array, arrays[j]);
    EXPECT_TRUE(jobs[j].after.empty());
    EXPECT_LINE(run, std::string("#SBATCH --job-name=") + names[j]);
    EXPECT_LINE(run, std::string("#SBATCH --array=") + arrays[j] + "%3");
    EXPECT_LINE(run, "PARTS=5");
    EXPECT_LINE(run, std::string("PART_OFFSET=") + offsets[j]);
    EXPECT_LINE(run, "#SBATCH --output=/scratch/u/runs/paper/slurm/%x-%A_%a.out");
    EXPECT_TRUE(bash_parses(run));
  }
  EXPECT_CONTAINS(jobs[1].summary, "array 0-1%3: parts 2-3 of 5");
  EXPECT_CONTAINS(jobs[2].summary, "array 0-0%3: part 4 of 5");
  EXPECT_EQ(jobs[3].name, "sweep-aggregate");
  EXPECT_EQ(jobs[3].after, (std::vector<int>{0, 1, 2}));
  EXPECT_LINE(jobs[3].script, "#SBATCH --kill-on-invalid-dep=yes");

  // Unthrottled and in one array, the names stay as they were.
  spec.max_parallel = 0;
  ctx.max_array_size = 5;
  const std::vector<SbatchJob> one = render_jobs(spec, ctx, builtin_templates());
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].name, "sweep");
  EXPECT_LINE(one[0].script, "#SBATCH --array=0-4");
  EXPECT_EQ(one[1].after, std::vector<int>{0});

  spec.max_parallel = -1;
  EXPECT_CONTAINS(emoaug::testing::error_of([&] { render_jobs(spec, ctx, builtin_templates()); }),
                  "max_parallel = -1 is out of range: must be >= 0");
}

// The rendered script run as SLURM would run element 1 of the second array, with stand-ins for srun
// and emoaug: emoaug gets the sets, the sweeps and --part 3/5.
TEST(Sbatch, AnElementRunsItsPartWithTheSweeps) {
  emoaug::testing::TempDir dir;
  const std::string bin = dir / "bin", got = dir / "args";
  std::filesystem::create_directories(bin);
  emoaug::testing::write_text(bin + "/srun",
                              "#!/bin/sh\nwhile [ \"${1#--}\" != \"$1\" ]; do shift; done\n"
                              "exec \"$@\"\n");
  emoaug::testing::write_text(dir / "emoaug", "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + got + "'\n");
  std::filesystem::permissions(bin + "/srun", std::filesystem::perms::owner_all);
  std::filesystem::permissions(dir / "emoaug", std::filesystem::perms::owner_all);

  config::JobSpec spec = paper_like();
  SubmitContext ctx = context_for(spec);
  ctx.emoaug = dir / "emoaug";
  ctx.parts = 5;
  ctx.max_array_size = 2;
  ctx.sweeps = {"ser.real.epochs=20,40", "data.target=\"a b.h5\",\"c.h5\""};
  ctx.sweep_zip = {"gan.epochs,gan.pretrain.epochs"};
  const std::vector<SbatchJob> jobs = render_jobs(spec, ctx, builtin_templates());
  EXPECT_LINE(jobs[1].script,
              "SWEEPS=(--sweep ser.real.epochs=20,40 --sweep 'data.target=\"a b.h5\",\"c.h5\"' "
              "--sweep-zip gan.epochs,gan.pretrain.epochs)");
  emoaug::testing::write_text(dir / "job.sbatch", jobs[1].script);
  const std::string cmd = "cd '" + dir.path() + "' && env PATH='" + bin +
                          "':\"$PATH\" SLURM_ARRAY_TASK_ID=1 SLURM_JOB_ID=7 bash job.sbatch "
                          ">/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(emoaug::testing::read_bytes(got),
            "run\n/home/u/configs/paper.toml\n-s\ngan.epochs=5\n-s\nexperiment.name=it's\n-s\n"
            "gan.lambda_cls=[0,0.5,2]\n--sweep\nser.real.epochs=20,40\n--sweep\n"
            "data.target=\"a b.h5\",\"c.h5\"\n--sweep-zip\ngan.epochs,gan.pretrain.epochs\n"
            "--part\n3/5\n");
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
  EXPECT_LINE(run, "PARTS=''");  // no --part: the whole sweep
  EXPECT_LINE(run, "PART_OFFSET=''");
  EXPECT_TRUE(jobs[0].array.empty());
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
  EXPECT_LINE(r.out, "PARTS=3");  // the config's grid of 3 λcls values
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

// MaxArraySize from scontrol (a stand-in on PATH), --max-array-size or EMOAUG_MAX_ARRAY_SIZE, else
// SLURM's default with a note; the throttle and the sweeps on the command line.
TEST(SubmitCli, DryRunSplitsAtMaxArraySize) {
  emoaug::testing::TempDir dir;
  emoaug::testing::write_text(dir / "exp.toml",
                              "[experiment]\noutput = \"run\"\n[data]\n"
                              "target = \"t.h5\"\nsource = \"s.h5\"\n"
                              "[gan]\nlambda_cls = [0.0, 1.0, 2.0]\n");
  emoaug::testing::write_text(dir / "job.toml",
                              "[job]\nname = \"t\"\nconfig = \"exp.toml\"\n"
                              "[slurm]\nmax_parallel = 4\n"
                              "[sweep]\n\"ser.real.epochs\" = [20, 40]\n");
  const std::string bin = dir / "bin";
  std::filesystem::create_directories(bin);
  emoaug::testing::write_text(bin + "/scontrol",
                              "#!/bin/sh\nprintf 'ClusterName = x\\nMaxArraySize            = "
                              "2\\nMaxJobCount = 10000\\n'\n");
  std::filesystem::permissions(bin + "/scontrol", std::filesystem::perms::owner_all);
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  const std::string job = "submit '" + dir / "job.toml" + "' -n";

  setenv("PATH", bin.c_str(), 1);
  emoaug::testing::CliResult r = emoaug::testing::run_emoaug(job, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out, "# MaxArraySize 2 (scontrol show config): 3 part(s) in 2 array job(s)");
  EXPECT_LINE(r.out, "#SBATCH --array=0-1%4");
  EXPECT_LINE(r.out, "#SBATCH --array=0-0%4");
  EXPECT_LINE(r.out, "PART_OFFSET=0");
  EXPECT_LINE(r.out, "PART_OFFSET=2");
  EXPECT_LINE(r.out, "SWEEPS=(--sweep ser.real.epochs=20,40)");
  EXPECT_LINE(r.out, "# sbatch --parsable --dependency=afterok:<job id of t-1>:<job id of t-2> " +
                         dir / "run" + "/slurm/t-aggregate.sbatch");
  // The option wins over scontrol, and the variable too; --max-parallel over the spec's.
  r = emoaug::testing::run_emoaug(job + " --max-array-size 3 --max-parallel 0", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out, "# MaxArraySize 3 (--max-array-size): 3 part(s) in 1 array job(s)");
  EXPECT_LINE(r.out, "#SBATCH --array=0-2");
  setenv("EMOAUG_MAX_ARRAY_SIZE", "1", 1);
  r = emoaug::testing::run_emoaug(job, dir);
  unsetenv("EMOAUG_MAX_ARRAY_SIZE");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out, "# MaxArraySize 1 (EMOAUG_MAX_ARRAY_SIZE): 3 part(s) in 3 array job(s)");
  EXPECT_LINE(r.out,
              "# sbatch --parsable --dependency=afterok:<job id of t-1>:<job id of "
              "t-2>:<job id of t-3> " +
                  dir / "run" + "/slurm/t-aggregate.sbatch");

  // No scontrol: SLURM's default, and the dry run says so.
  setenv("PATH", (dir / "nothing").c_str(), 1);
  r = emoaug::testing::run_emoaug(job, dir);
  setenv("PATH", old_path.c_str(), 1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out,
              "# MaxArraySize 1001 (SLURM's default; cannot run scontrol: No such file or "
              "directory): 3 part(s) in 1 array job(s)");
  EXPECT_LINE(r.out, "#SBATCH --array=0-2%4");

  // --sweep adds an axis; every point of the study is checked as a config before anything queues.
  r = emoaug::testing::run_emoaug(job + " --max-array-size 9 --sweep gan.epochs=5,10", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out, "SWEEPS=(--sweep ser.real.epochs=20,40 --sweep gan.epochs=5,10)");
  const std::vector<std::pair<std::string, std::string>> refused{
      {" --sweep gan.epoch=5,10", "--sweep gan.epoch=5,10: unknown key 'gan.epoch'"},
      {" --sweep gan.epochs=5,x",
       "sweep point 6 (gan.epochs=x, gan.lambda_cls=0, ser.real.epochs=20): -s gan.epochs=\"x\": "
       "gan.epochs: expected an integer, got a string (\"x\")"},
      {" --sweep gan.epochs=5,,10", "--sweep 'gan.epochs=5,,10': an empty value"},
      {" --sweep gan.epochs", "--sweep 'gan.epochs': expected KEY=V1,V2,..."},
      {" --sweep ser.real.epochs=1,2",
       "--sweep 'ser.real.epochs=1,2': ser.real.epochs is swept already "
       "(ser.real.epochs=20,40)"},
      {" --max-parallel -1", "--max-parallel: -1 is out of range: must be >= 0"},
      {" --max-array-size 0", "--max-array-size: 0 is out of range: must be >= 1"},
      {" --max-array-size two", "--max-array-size: 'two' is not an integer"}};
  for (const auto& [args, message] : refused) {
    r = emoaug::testing::run_emoaug(job + " --max-array-size 9" + args, dir);
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_CONTAINS(r.err, message) << args;
  }
  r = emoaug::testing::run_emoaug(job + " --sweep gan.epoch=5", dir);
  EXPECT_CONTAINS(r.err, "(did you mean 'gan.epochs'?)");
}

// A real submission against a stand-in sbatch: every array job and the aggregation job get a record
// for `emoaug status`, the aggregation waits for every array, and a refusal half way names the jobs
// queued already.
TEST(SubmitCli, SubmitsEveryArrayWithARecordAndOneAggregationAfterThem) {
  emoaug::testing::TempDir dir;
  emoaug::testing::write_text(dir / "exp.toml",
                              "[experiment]\noutput = \"run\"\n[data]\n"
                              "target = \"t.h5\"\nsource = \"s.h5\"\n"
                              "[gan]\nlambda_cls = [0.0, 1.0, 2.0]\n");
  emoaug::testing::write_text(dir / "job.toml", "[job]\nname = \"t\"\nconfig = \"exp.toml\"\n");
  const std::string bin = dir / "bin";
  std::filesystem::create_directories(bin);
  // Job ids from 101 on; exits 1 on the id that has a fail_at_<id> file, as a refusing sbatch does.
  emoaug::testing::write_text(
      bin + "/sbatch",
      "#!/bin/sh\nd='" + dir.path() +
          "'\nn=$(cat \"$d/count\" 2>/dev/null || echo 100)\nn=$((n + 1))\n"
          "echo $n > \"$d/count\"\necho \"$*\" >> \"$d/calls\"\n"
          "if [ -e \"$d/fail_at_$n\" ]; then echo 'sbatch: error: limit' >&2; exit 1; fi\n"
          "echo \"$n;cluster\"\n");
  std::filesystem::permissions(bin + "/sbatch", std::filesystem::perms::owner_all);
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (bin + ":" + old_path).c_str(), 1);
  emoaug::testing::CliResult r =
      emoaug::testing::run_emoaug("submit '" + dir / "job.toml" + "' --max-array-size 2", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LINE(r.out, "job 101: t-1 (array 0-1: parts 0-1 of 3 on 1 rank(s))");
  EXPECT_LINE(r.out, "job 102: t-2 (array 0-0: part 2 of 3 on 1 rank(s))");
  EXPECT_CONTAINS(r.out, "job 103: t-aggregate (");
  EXPECT_CONTAINS(r.out, "; after jobs 101:102)");
  const std::string calls = emoaug::testing::read_bytes(dir / "calls");
  EXPECT_EQ(calls, "--parsable " + dir / "run/slurm/t-1.sbatch" + "\n--parsable " +
                       dir / "run/slurm/t-2.sbatch" + "\n--parsable --dependency=afterok:101:102 " +
                       dir / "run/slurm/t-aggregate.sbatch" + "\n");
  EXPECT_CONTAINS(emoaug::testing::read_bytes(dir / "run/slurm/t-2.sbatch"), "\nPART_OFFSET=2\n");
  const std::vector<experiment::JobRecord> records =
      experiment::read_job_records(dir / "run/slurm/jobs");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].id, "101");
  EXPECT_EQ(records[0].name, "t-1");
  EXPECT_EQ(records[0].array, "0-1");
  EXPECT_EQ(records[1].id, "102");
  EXPECT_EQ(records[1].array, "0-0");
  EXPECT_EQ(records[2].id, "103");
  EXPECT_EQ(records[2].name, "t-aggregate");
  EXPECT_TRUE(records[2].array.empty());
  EXPECT_GT(records[2].submitted, 0);

  // The second array refused: the first is queued, and the message says so.
  emoaug::testing::write_text(dir / "fail_at_105", "");
  r = emoaug::testing::run_emoaug(
      "submit '" + dir / "job.toml" + "' --max-array-size 2 -s experiment.output=" + dir / "run2",
      dir);
  setenv("PATH", old_path.c_str(), 1);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err,
                  "sbatch failed (exit status 1); job(s) 104 are queued already: scancel "
                  "them, or let them run and submit the spec again");
}
