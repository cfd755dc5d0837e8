// `emoaug run` as a user meets it when something is wrong: one clear line, a non-zero exit, and no
// run directory left half made.
#include <gtest/gtest.h>

#include <filesystem>

#include "backend/ops.h"
#include "experiment/state_io.h"
#include "file_helpers.h"

using namespace emoaug::testing;

namespace {
// A synthetic data set and the demo config pointed at it.
std::string demo_args(const TempDir& dir) {
  return std::string(EMOAUG_SOURCE_DIR) + "/configs/demo.toml -s data.target=" + dir.path() +
         "/data/target.h5 -s data.source=" + dir.path() +
         "/data/source.h5 -s data.cross=" + dir.path() +
         "/data/cross.h5 -s experiment.output=" + dir.path() + "/run";
}
}  // namespace

TEST(RunCli, MissingConfigIsOneLine) {
  TempDir dir;
  CliResult r = run_emoaug("run " + dir.path() + "/nothing.toml", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("nothing.toml"), std::string::npos) << r.err;
}

TEST(RunCli, BadOverrideNamesTheKey) {
  TempDir dir;
  ASSERT_EQ(run_emoaug("synth -o " + dir.path() + "/data", dir).exit_code, 0);
  CliResult r = run_emoaug("run " + demo_args(dir) + " -s gan.epochs=-3", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("gan.epochs"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dir.path() + "/run/config.toml"));
}

TEST(RunCli, AChangedConfigDoesNotContinueAnotherRun) {
  TempDir dir;
  ASSERT_EQ(run_emoaug("synth -o " + dir.path() + "/data", dir).exit_code, 0);
  const std::string quick =
      " -s gan.epochs=1 -s gan.pretrain.epochs=1 -s ser.repetitions=1 -s 'ser.settings=[\"real\"]'"
      " -s ser.cross_corpus=false -s experiment.log_level=quiet --no-report";
  ASSERT_EQ(run_emoaug("run " + demo_args(dir) + quick, dir).exit_code, 0);
  EXPECT_TRUE(exists(dir.path() + "/run/summary.csv"));
  CliResult r = run_emoaug("run " + demo_args(dir) + quick + " -s ser.real.lr=0.002", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("different config"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lr"), std::string::npos) << r.err;
  // Thread counts and the log level do not change results: the run continues.
  r = run_emoaug(
      "run " + demo_args(dir) + quick + " -s experiment.threads=1 -s experiment.log_level=debug",
      dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// The linear classifier chosen for `real` goes through the same stage, aggregation and report as
// the MLP, and the run's config.toml says which one ran. With ser.save_classifiers each task keeps
// its trained model (a linear one: (dims + 1) x classes parameters); the setting is not part of
// the experiment's identity, so the same run without it resumes (and has nothing left to do).
TEST(RunCli, TheLinearClassifierRunsTheRealSettingEndToEnd) {
  TempDir dir;
  ASSERT_EQ(run_emoaug("synth -o " + dir.path() + "/data", dir).exit_code, 0);
  const std::string args = "run " + demo_args(dir) +
                           " -s ser.real.classifier=linear -s ser.repetitions=1"
                           " -s 'ser.settings=[\"real\"]' -s ser.cross_corpus=false"
                           " -s experiment.log_level=quiet";
  CliResult r = run_emoaug(args + " -s ser.save_classifiers=true", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = read_bytes(dir.path() + "/run/summary.csv");
  EXPECT_NE(summary.find("\nwithin,real,,"), std::string::npos) << summary;
  EXPECT_TRUE(exists(dir.path() + "/run/report.md"));
  EXPECT_NE(read_bytes(dir.path() + "/run/config.toml").find("classifier = \"linear\""),
            std::string::npos);

  int saved = 0, outputs = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir.path() + "/run/tasks/ser")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 14 && name.compare(name.size() - 14, 14, ".classifier.h5") == 0) {
      ++saved;
      const emoaug::StateDict model = emoaug::experiment::read_state(entry.path().string());
      const int64_t dims = model.get_int("dims"), classes = model.get_int("classes");
      EXPECT_EQ(model.floats.at("params").size(), static_cast<size_t>((dims + 1) * classes));
    } else if (name.size() > 3 && name.compare(name.size() - 3, 3, ".h5") == 0) {
      ++outputs;
    }
  }
  EXPECT_GT(outputs, 0);
  EXPECT_EQ(saved, outputs);

  r = run_emoaug(args, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// experiment.backend = "cuda" where a rank has no usable GPU (no device, no driver, or a build
// without CUDA): one line saying which rank and why, before anything is written.
TEST(RunCli, CudaBackendWithoutAGpuIsRefusedBeforeAnythingIsWritten) {
  if (emoaug::ops::cuda_available()) GTEST_SKIP() << "a GPU is usable here";
  TempDir dir;
  ASSERT_EQ(run_emoaug("synth -o " + dir.path() + "/data", dir).exit_code, 0);
  CliResult r = run_emoaug("run " + demo_args(dir) + " -s experiment.backend=cuda", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("rank 0 on "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("has no usable GPU"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dir.path() + "/run"));
}

// auto takes the CPU without a GPU, says so in the run's first line, and config.toml records the
// backend taken (a rerun that would take the other one is refused as a different config).
TEST(RunCli, AutoBackendSaysWhichItTookFirstAndRecordsIt) {
  if (emoaug::ops::cuda_available()) GTEST_SKIP() << "a GPU is usable here";
  TempDir dir;
  ASSERT_EQ(run_emoaug("synth -o " + dir.path() + "/data", dir).exit_code, 0);
  CliResult r =
      run_emoaug("run " + demo_args(dir) +
                     " -s gan.epochs=1 -s gan.pretrain.epochs=1 -s ser.repetitions=1"
                     " -s 'ser.settings=[\"real\"]' -s ser.cross_corpus=false --no-report",
                 dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.rfind("[emoaug] backend: cpu (auto: rank 0 on ", 0), 0u) << r.err;
  EXPECT_NE(read_bytes(dir.path() + "/run/config.toml").find("backend = \"cpu\""),
            std::string::npos);
}
