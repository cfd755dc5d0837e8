#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "core/error.h"
#include "experiment/run_dir.h"
#include "experiment/tasks.h"

using namespace emoaug;
using experiment::RunDirectory;

namespace {
std::string scratch(const char* name) {
  std::string dir = ::testing::TempDir() + "emoaug-rundir-" + name;
  std::remove((dir + "/config.toml").c_str());
  return dir;
}
}  // namespace

TEST(RunDirectory, ARerunOfTheSameConfigContinuesAndADifferentOneIsRefused) {
  RunDirectory dir(scratch("same"));
  dir.prepare("a = 1\nb = 2\n");
  EXPECT_NO_THROW(dir.prepare("a = 1\nb = 2\n"));
  try {
    dir.prepare("a = 1\nb = 3\n");
    FAIL() << "a changed config was accepted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("line 2"), std::string::npos) << what;
    EXPECT_NE(what.find("b = 3"), std::string::npos) << what;
  }
}

TEST(RunDirectory, TemporaryFilesOfKilledWritesAreRemoved) {
  RunDirectory dir(scratch("temps"));
  experiment::make_directories(dir.task_path("ser/within/real/fold=0"));
  const std::string stale = dir.task_path("ser/within/real/fold=0") + "/.rep=0.h5.123.1.tmp";
  const std::string kept = dir.task_path("ser/within/real/fold=0") + "/rep=1.h5";
  std::ofstream(stale) << "x";
  std::ofstream(kept) << "x";
  dir.prepare("a = 1\n");
  EXPECT_FALSE(experiment::file_exists(stale));
  EXPECT_TRUE(experiment::file_exists(kept));
}

TEST(RunDirectory, TaskPathsFollowTheTaskNames) {
  RunDirectory dir("/r");
  experiment::SerTask t{experiment::Setting::Syn, experiment::Protocol::Within, 2.0, 1, 0};
  EXPECT_EQ(dir.ser_result(t.name()), "/r/tasks/ser/within/syn/lcls=2/fold=1/rep=0.h5");
  EXPECT_EQ(dir.gan_output(t.source_gan(true).name(), 3), "/r/tasks/gan/lcls=2/fold=1/emotion3.h5");
  EXPECT_EQ(dir.gan_checkpoint("gan/lcls=0/all", 1, 50),
            "/r/tasks/gan/lcls=0/all/checkpoint/emotion1.epoch50.h5");
}
