#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/process.h"
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
  const experiment::SerTask task{
      experiment::Setting::Real, experiment::Protocol::Within, {}, {}, 0, 1};
  dir.make_task_folders(task.key());
  const std::string kept = dir.ser_output(task.key());
  const std::string folder = kept.substr(0, kept.rfind('/'));
  const std::string stale = folder + "/.rep=0.h5." + host_name() + "-999999999.1.tmp";
  const std::string live =
      folder + "/.rep=2.h5." + host_name() + "-" + std::to_string(::getpid()) + ".2.tmp";
  std::ofstream(live) << "x";
  std::ofstream(stale) << "x";
  std::ofstream(kept) << "x";
  dir.prepare("a = 1\n");
  EXPECT_FALSE(experiment::file_exists(stale));
  EXPECT_TRUE(experiment::file_exists(kept));
  EXPECT_TRUE(experiment::file_exists(live)) << "a write still under way";
}

TEST(RunDirectory, TaskPathsFollowTheTaskNames) {
  RunDirectory dir("/r");
  experiment::SerTask t{experiment::Setting::Syn,
                        experiment::Protocol::Within,
                        {"lcls=2", nullptr},
                        {"lcls=2", nullptr},
                        1,
                        0};
  const experiment::GanTask source{{"lcls=2", nullptr}, 1};
  EXPECT_EQ(dir.ser_output(t.key()), "/r/tasks/ser/within/syn/lcls=2/fold=1/rep=0.h5");
  EXPECT_EQ(dir.gan_output(source.key(), 3), "/r/tasks/gan/lcls=2/fold=1/emotion3.h5");
  EXPECT_EQ(dir.gan_output_in_run(source.key(), 3), "tasks/gan/lcls=2/fold=1/emotion3.h5");
  EXPECT_EQ(dir.gan_checkpoint(experiment::GanTask{{"lcls=0", nullptr}, -1}.key(), 1, 50),
            "/r/tasks/gan/lcls=0/all/checkpoint/emotion1.epoch50.h5");
}

// Checkpoint names are made and read back by RunDirectory alone: a set counts when every emotion
// has its file, and names that are not exactly its own (temporary files) are ignored.
TEST(RunDirectory, NewestCompleteCheckpointSetAndRemoval) {
  RunDirectory dir(scratch("checkpoints"));
  std::filesystem::remove_all(dir.root());
  const experiment::TaskKey key = experiment::GanTask{{"lcls=2", nullptr}, 1}.key();
  dir.make_task_folders(key);
  for (auto [emotion, epochs] : {std::pair{0, 50}, {1, 50}, {0, 100}})
    std::ofstream(dir.gan_checkpoint(key, emotion, epochs)) << "x";
  const std::string folder =
      dir.gan_checkpoint(key, 1, 100).substr(0, dir.gan_checkpoint(key, 1, 100).rfind('/') + 1);
  std::ofstream(folder + ".emotion1.epoch100.h5.77.1.tmp") << "x";
  std::ofstream(folder + "emotion1.epoch100.h5x") << "x";
  EXPECT_EQ(dir.complete_checkpoints(key, 2), std::vector<int>{50});
  EXPECT_EQ(dir.complete_checkpoints(key, 1), (std::vector<int>{100, 50}));
  std::ofstream(dir.gan_checkpoint(key, 1, 100)) << "x";
  EXPECT_EQ(dir.complete_checkpoints(key, 2), (std::vector<int>{100, 50}));
  dir.remove_checkpoints_before(key, 0, 100);
  EXPECT_FALSE(experiment::file_exists(dir.gan_checkpoint(key, 0, 50)));
  EXPECT_TRUE(experiment::file_exists(dir.gan_checkpoint(key, 1, 50)));
  EXPECT_TRUE(experiment::file_exists(dir.gan_checkpoint(key, 0, 100)));
  EXPECT_TRUE(
      dir.complete_checkpoints(experiment::GanTask{{"lcls=0", nullptr}, -1}.key(), 2).empty());
  const std::string aside = dir.reject_checkpoint(key, 0, 100);
  EXPECT_FALSE(experiment::file_exists(dir.gan_checkpoint(key, 0, 100)));
  EXPECT_TRUE(experiment::file_exists(aside));
  EXPECT_EQ(dir.complete_checkpoints(key, 2), std::vector<int>{}) << "rejected files do not count";
  dir.remove_checkpoints(key);
  EXPECT_FALSE(experiment::file_exists(dir.gan_checkpoint(key, 1, 100)));
}
