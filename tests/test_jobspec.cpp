// Job specs (jobs/*.toml) load as strictly as experiment configs: every rule has a test here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/jobspec.h"
#include "config_test_util.h"
#include "core/error.h"

using namespace emoaug;
using namespace emoaug::config;

namespace {

// The error for `text` (origin "job.toml", folder "/base"), or "" when it loads.
std::string spec_error(const std::string& text) {
  try {
    parse_jobspec(text, "job.toml", "/base");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* const kMinimal = "[job]\nconfig = \"c.toml\"\n";

}  // namespace

TEST(JobSpec, ReadsEveryKey) {
  const JobSpec s = parse_jobspec(R"([job]
name = "sweep-1"
config = "../configs/paper.toml"
set = ["gan.epochs=5", "ser.std=sample"]
lambda_cls = [0, 0.5, 2.0]
mode = "mpi"
launcher = "mpirun"

[slurm]
ranks = 8
nodes = 2
cpus_per_task = 4
gpus_per_task = 1
time = "1-12:00:00"
partition = "gpu"
account = "proj_42"
signal_seconds = 300
aggregate_time = "20"
extra = ["--qos=high", "-C h100"]
max_parallel = 16
)",
                                  "job.toml", "/base/jobs");
  EXPECT_EQ(s.name, "sweep-1");
  EXPECT_EQ(s.config, "/base/configs/paper.toml");  // relative to the spec's folder
  EXPECT_EQ(s.set, (std::vector<std::string>{"gan.epochs=5", "ser.std=sample"}));
  EXPECT_EQ(s.lambda_cls, (std::vector<double>{0.0, 0.5, 2.0}));
  EXPECT_EQ(s.mode, SweepMode::Mpi);
  EXPECT_EQ(s.launcher, Launcher::Mpirun);
  EXPECT_EQ(s.ranks, 8);
  EXPECT_EQ(s.nodes, 2);
  EXPECT_EQ(s.cpus_per_task, 4);
  EXPECT_EQ(s.gpus_per_task, 1);
  EXPECT_EQ(s.time, "1-12:00:00");
  EXPECT_EQ(s.partition, "gpu");
  EXPECT_EQ(s.account, "proj_42");
  EXPECT_EQ(s.signal_seconds, 300);
  EXPECT_EQ(s.aggregate_time, "20");
  EXPECT_EQ(s.extra, (std::vector<std::string>{"--qos=high", "-C h100"}));
  EXPECT_EQ(s.max_parallel, 16);
}

TEST(JobSpec, DefaultsWhenOnlyTheConfigIsGiven) {
  const JobSpec s = parse_jobspec(kMinimal, "job.toml", "/base");
  EXPECT_EQ(s.config, "/base/c.toml");
  EXPECT_EQ(s.mode, SweepMode::Array);
  EXPECT_EQ(s.launcher, Launcher::Srun);
  EXPECT_TRUE(s.lambda_cls.empty());  // the config's grid
  EXPECT_EQ(s.ranks, 1);
  EXPECT_EQ(s.signal_seconds, 120);
  EXPECT_TRUE(s.partition.empty());
  EXPECT_EQ(s.max_parallel, 0);  // no throttle
  EXPECT_TRUE(s.sweep.empty());
  EXPECT_TRUE(s.sweep_zip.empty());
}

TEST(JobSpec, ConfigIsRequired) {
  EXPECT_CONTAINS(spec_error("[slurm]\nranks = 2\n"), "job.toml: [job] config is required");
  EXPECT_CONTAINS(spec_error("[job]\nconfig = \"\"\n"),
                  "job.toml:2:10: job.config = \"\" must not be empty");
}

TEST(JobSpec, UnknownKeysAreErrorsWithSuggestions) {
  EXPECT_EQ(spec_error(std::string(kMinimal) + "lamda_cls = [0]\n"),
            "job.toml:3:1: unknown key 'job.lamda_cls' (did you mean 'job.lambda_cls'?)");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\ngpus = 1\n"),
            "job.toml:4:1: unknown key 'slurm.gpus'");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurmm]\nranks = 1\n"),
            "job.toml:3:2: unknown key 'slurmm' (did you mean 'slurm'?)");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\ncpu_per_task = 1\n"),
            "job.toml:4:1: unknown key 'slurm.cpu_per_task' (did you mean 'slurm.cpus_per_task'?)");
}

TEST(JobSpec, WrongTypesAreErrors) {
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\nranks = \"2\"\n"),
            "job.toml:4:9: slurm.ranks: expected an integer, got a string (\"2\")");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\ntime = 60\n"),
            "job.toml:4:8: slurm.time: expected a string, got an integer (60)");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "set = \"gan.epochs=5\"\n"),
            "job.toml:3:7: job.set: expected an array, got a string (\"gan.epochs=5\")");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "lambda_cls = [0, \"2\"]\n"),
            "job.toml:3:18: job.lambda_cls[1]: expected a number, got a string");
  EXPECT_EQ(spec_error("job = 5\n"), "job.toml:1:7: 'job' must be a table ([job]), got an integer");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "mode = 1\n"),
            "job.toml:3:8: job.mode: expected one of \"array\", \"mpi\", got an integer (1)");
}

TEST(JobSpec, BadValuesAreErrors) {
  const std::string m(kMinimal);
  EXPECT_EQ(spec_error(m + "mode = \"arrays\"\n"),
            "job.toml:3:8: job.mode: unknown value \"arrays\"; allowed: \"array\", \"mpi\"");
  EXPECT_EQ(
      spec_error(m + "launcher = \"mpiexec\"\n"),
      "job.toml:3:12: job.launcher: unknown value \"mpiexec\"; allowed: \"srun\", \"mpirun\"");
  EXPECT_EQ(spec_error(m + "[slurm]\nranks = 0\n"),
            "job.toml:4:9: slurm.ranks = 0 is out of range: must be >= 1");
  EXPECT_EQ(spec_error(m + "[slurm]\ngpus_per_task = -1\n"),
            "job.toml:4:17: slurm.gpus_per_task = -1 is out of range: must be >= 0");
  EXPECT_CONTAINS(spec_error(m + "name = \"my sweep\"\n"),
                  "job.name = \"my sweep\" may hold letters, digits");
  EXPECT_CONTAINS(spec_error(m + "name = \"\"\n"), "job.name = \"\" must not be empty");
  EXPECT_EQ(spec_error(m + "set = [\"gan.epochs\"]\n"),
            "job.toml:3:8: job.set[0] = \"gan.epochs\" is not KEY=VALUE");
  EXPECT_CONTAINS(spec_error(m + "set = [\"a=1\\nb=2\"]\n"),
                  "job.set[0] = \"a=1\nb=2\" must be one line");
  EXPECT_EQ(spec_error(m + "lambda_cls = [0, 2, 0.0]\n"),
            "job.toml:3:21: job.lambda_cls lists 0.0 twice");
  EXPECT_EQ(spec_error(m + "lambda_cls = [2, 2.0000000001]\n"),
            "job.toml:3:18: job.lambda_cls lists 2 and 2.0000000001, which are one value in "
            "single precision, as the program uses them");
  EXPECT_EQ(spec_error(m + "lambda_cls = [-1]\n"),
            "job.toml:3:15: job.lambda_cls[0] = -1 is out of range: must be >= 0");
  EXPECT_EQ(spec_error(m + "lambda_cls = []\n"), "job.toml:3:14: job.lambda_cls must not be empty");
  EXPECT_EQ(spec_error(m + "[slurm]\nextra = [\"#SBATCH --qos=high\"]\n"),
            "job.toml:4:10: slurm.extra[0] = \"#SBATCH --qos=high\" must be the option alone (no "
            "#SBATCH)");
  EXPECT_EQ(spec_error(m + "[slurm]\nextra = [\"qos=high\"]\n"),
            "job.toml:4:10: slurm.extra[0] = \"qos=high\" is not an sbatch option (--name=value)");
  EXPECT_EQ(spec_error(m + "[slurm]\nranks = 2\nnodes = 3\n"),
            "job.toml:5:9: slurm.nodes = 3 is more than slurm.ranks = 2: a node without a rank");
  EXPECT_CONTAINS(spec_error(m + "[slurm]\npartition = \"gpu;rm\"\n"), "slurm.partition");
}

TEST(JobSpec, MaxParallelIsACountOrZero) {
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\nmax_parallel = -2\n"),
            "job.toml:4:16: slurm.max_parallel = -2 is out of range: must be >= 0");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\nmax_parallel = 2.5\n"),
            "job.toml:4:16: slurm.max_parallel: expected an integer, got a float (2.5)");
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\nmax_paralel = 2\n"),
            "job.toml:4:1: unknown key 'slurm.max_paralel' (did you mean 'slurm.max_parallel'?)");
}

// [sweep]: config key paths, quoted or as nested tables, each to an array of values, in file
// order; zip groups keys that advance together.
TEST(JobSpec, SweepTable) {
  const JobSpec s = parse_jobspec(std::string(kMinimal) + R"([sweep]
"ser.real.epochs" = [20, 40]
gan.epochs = [5, 10]
gan.pretrain.epochs = [1, 2]
gan.lr = [0.0002, 1e-5, 2.0]
experiment.backend = ["cpu", "it \"x\""]
ser.shuffle = [true, false]
zip = [["gan.epochs", "gan.pretrain.epochs"]]
)",
                                  "job.toml", "/base");
  EXPECT_EQ(s.sweep, (std::vector<std::string>{"ser.real.epochs=20,40", "gan.epochs=5,10",
                                               "gan.pretrain.epochs=1,2", "gan.lr=0.0002,1e-05,2.0",
                                               "experiment.backend=\"cpu\",\"it \\\"x\\\"\"",
                                               "ser.shuffle=true,false"}));
  EXPECT_EQ(s.sweep_zip, std::vector<std::string>{"gan.epochs,gan.pretrain.epochs"});
  // [sweep.gan] is the same as gan.* keys in [sweep].
  const JobSpec t =
      parse_jobspec(std::string(kMinimal) + "[sweep.gan]\nepochs = [1, 2]\n", "job.toml", "/base");
  EXPECT_EQ(t.sweep, std::vector<std::string>{"gan.epochs=1,2"});
}

TEST(JobSpec, SweepMistakesNameTheirPlace) {
  const std::string m = std::string(kMinimal) + "[sweep]\n";
  EXPECT_EQ(spec_error(m + "gan.epochs = 5\n"),
            "job.toml:4:14: sweep.gan.epochs: expected an array of values, got an integer (5)");
  EXPECT_EQ(spec_error(m + "gan.epochs = []\n"),
            "job.toml:4:14: sweep.gan.epochs must not be empty");
  EXPECT_EQ(spec_error(m + "gan.epochs = [1, [2]]\n"),
            "job.toml:4:18: sweep.gan.epochs[1]: expected a number, boolean or string, got an "
            "array");
  EXPECT_EQ(spec_error(m + "data.target = [\"a.h5\", \"b,c.h5\"]\n"),
            "job.toml:4:24: sweep.data.target[1] = \"b,c.h5\" holds a ',', which separates the "
            "values of --sweep KEY=V1,V2");
  EXPECT_EQ(spec_error(m + "gan.epochs = [5, 10, 5]\n"),
            "job.toml:4:22: sweep.gan.epochs lists 5 twice");
  EXPECT_EQ(spec_error(m + "\"gan.epochs\" = [1]\ngan.epochs = [2]\n"),
            "job.toml:5:14: sweep lists gan.epochs twice");
  EXPECT_EQ(spec_error(m + "\"gan epochs\" = [1]\n"),
            "job.toml:4:16: sweep: 'gan epochs' is not a config key like gan.epochs");
  EXPECT_EQ(spec_error("sweep = 1\n" + std::string(kMinimal)),
            "job.toml:1:9: 'sweep' must be a table ([sweep]), got an integer");
  EXPECT_EQ(spec_error(m + "a.b = [1, 2]\nzip = [[\"a.b\"]]\n"),
            "job.toml:5:8: sweep.zip[0] must name at least two keys of [sweep]");
  EXPECT_EQ(spec_error(m + "a.b = [1, 2]\nc = [1, 2]\nzip = [[\"a.b\", \"a.c\"]]\n"),
            "job.toml:6:16: sweep.zip[0][1] = \"a.c\" is not a key of [sweep]");
  EXPECT_EQ(spec_error(m + "a = [1, 2]\nb = [1, 2, 3]\nzip = [[\"a\", \"b\"]]\n"),
            "job.toml:6:14: sweep.zip[0]: a has 2 values and b 3; zipped keys need as many each");
  EXPECT_EQ(spec_error(m + "a = [1]\nb = [1]\nc = [2]\nzip = [[\"a\", \"b\"], [\"c\", \"a\"]]\n"),
            "job.toml:7:26: sweep.zip[1][1]: a is zipped already, in sweep.zip[0]");
  EXPECT_EQ(spec_error(m + "a = [1]\nzip = \"a\"\n"),
            "job.toml:5:7: sweep.zip: expected an array of arrays of keys, got a string (\"a\")");
  EXPECT_EQ(spec_error(m + "a = [1]\nzip = [[\"a\", 1]]\n"),
            "job.toml:5:14: sweep.zip[0][1]: expected a string, got an integer");
  // A misspelt table name is still unknown, with [sweep] among the suggestions.
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[sweeps]\na = [1]\n"),
            "job.toml:3:2: unknown key 'sweeps' (did you mean 'sweep'?)");
}

TEST(JobSpec, IntegersBeyond32BitsSaySo) {
  EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\nranks = 3000000000\n"),
            "job.toml:4:9: slurm.ranks = 3000000000 does not fit in a 32-bit integer");
}

TEST(JobSpec, SlurmTimeForms) {
  for (const char* ok : {"30", "30:00", "01:00:00", "2-0", "2-12:00", "2-12:00:00"})
    EXPECT_EQ(spec_error(std::string(kMinimal) + "[slurm]\ntime = \"" + ok + "\"\n"), "") << ok;
  for (const char* bad : {"", "1h", "1:2:3:4", "-1", "1-", "12:", ":30", "1-2-3"})
    EXPECT_CONTAINS(
        spec_error(std::string(kMinimal) + "[slurm]\naggregate_time = \"" + bad + "\"\n"),
        "is not a SLURM time (MM, HH:MM:SS or D-HH:MM:SS)")
        << bad;
}

TEST(JobSpec, AllProblemsAtOnceInFileOrder) {
  const std::string e = spec_error(R"([slurm]
time = "1h"
ranks = 0
[job]
config = "c.toml"
mode = "x"
)");
  EXPECT_EQ(e,
            "job.toml:2:8: slurm.time = \"1h\" is not a SLURM time (MM, HH:MM:SS or D-HH:MM:SS)\n"
            "job.toml:3:9: slurm.ranks = 0 is out of range: must be >= 1\n"
            "job.toml:6:8: job.mode: unknown value \"x\"; allowed: \"array\", \"mpi\"");
}

TEST(JobSpec, SyntaxErrorsNameLineAndColumn) {
  EXPECT_CONTAINS(spec_error("[job]\nconfig = \n"), "job.toml:2:");
  EXPECT_CONTAINS(spec_error("[job]\nconfig = \n"), "TOML syntax error");
}

TEST(JobSpec, TheShippedSpecsLoad) {
  for (const char* name : {"demo.toml", "paper.toml"}) {
    const JobSpec s = load_jobspec(std::string(EMOAUG_SOURCE_DIR) + "/jobs/" + name);
    EXPECT_EQ(s.lambda_cls, (std::vector<double>{0.0, 2.0})) << name;
    EXPECT_EQ(s.mode, SweepMode::Array) << name;
  }
  try {
    load_jobspec("/nonexistent/job.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "/nonexistent/job.toml: cannot read job spec");
  }
}

// One reader serves both: the same kinds of mistake read the same in a job spec and a config.
TEST(JobSpec, ProblemsReadLikeTheExperimentConfigs) {
  auto config_error = [](const std::string& text) {
    try {
      parse_config(text, "f.toml", "/base");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto job_error = [](const std::string& text) {
    try {
      parse_jobspec(text, "f.toml", "/base");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(job_error("[slurm]\nranks = 0\nrank = 2\ncpus_per_task = 1.0\n[jobs]\n"),
            "f.toml: [job] config is required: the experiment config to run\n"
            "f.toml:2:9: slurm.ranks = 0 is out of range: must be >= 1\n"
            "f.toml:3:1: unknown key 'slurm.rank' (did you mean 'slurm.ranks'?)\n"
            "f.toml:4:17: slurm.cpus_per_task: expected an integer, got a float (1.0)\n"
            "f.toml:5:2: unknown key 'jobs' (did you mean 'job'?)");
  EXPECT_EQ(config_error("[gan]\nepochs = -1\nepoch = 2\nbatch_size = 1.0\n[gann]\n"),
            "f.toml:2:10: gan.epochs = -1 is out of range: must be >= 0\n"
            "f.toml:3:1: unknown key 'gan.epoch' (did you mean 'gan.epochs'?)\n"
            "f.toml:4:14: gan.batch_size: expected an integer, got a float (1.0)\n"
            "f.toml:5:2: unknown key 'gann' (did you mean 'gan'?)");
  // A key at the wrong depth: the same name in a table is suggested, in both.
  EXPECT_EQ(job_error("ranks = 2\n" + std::string(kMinimal)),
            "f.toml:1:1: unknown key 'ranks' (did you mean 'slurm.ranks'?)");
  EXPECT_EQ(config_error("epochs = 2\n"),
            "f.toml:1:1: unknown key 'epochs' (did you mean 'gan.epochs'?)");
}
