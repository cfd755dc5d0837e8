#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
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
  const experiment::SerTask task{experiment::Setting::Real, experiment::Protocol::Within, 0.0, 0,
                                 1};
  dir.make_ser_folder(task.key());
  const std::string kept = dir.ser_output(task.key());
  const std::string stale = kept.substr(0, kept.rfind('/')) + "/.rep=0.h5.123.1.tmp";
  std::ofstream(stale) << "x";
  std::ofstream(kept) << "x";
  dir.prepare("a = 1\n");
  EXPECT_FALSE(experiment::file_exists(stale));
  EXPECT_TRUE(experiment::file_exists(kept));
}

TEST(RunDirectory, TaskPathsFollowTheTaskNames) {
  RunDirectory dir("/r");
  experiment::SerTask t{experiment::Setting::Syn, experiment::Protocol::Within, 2.0, 1, 0};
  EXPECT_EQ(dir.ser_output(t.key()), "/r/tasks/ser/within/syn/lcls=2/fold=1/rep=0.h5");
  EXPECT_EQ(dir.gan_output(t.source_gan(true).key(), 3), "/r/tasks/gan/lcls=2/fold=1/emotion3.h5");
  EXPECT_EQ(dir.gan_output_in_run(t.source_gan(true).key(), 3),
            "tasks/gan/lcls=2/fold=1/emotion3.h5");
  EXPECT_EQ(dir.gan_checkpoint(experiment::GanTask{0.0, -1}.key(), 1, 50),
            "/r/tasks/gan/lcls=0/all/checkpoint/emotion1.epoch50.h5");
}

// Checkpoint names are made and read back by RunDirectory alone: a set counts when every emotion
// has its file, and names that are not exactly its own (temporary files) are ignored.
TEST(RunDirectory, NewestCompleteCheckpointSetAndRemoval) {
  RunDirectory dir(scratch("checkpoints"));
  std::filesystem::remove_all(dir.root());
  const experiment::TaskKey key = experiment::GanTask{2.0, 1}.key();
  dir.make_gan_folders(key);
  for (auto [emotion, epochs] : {std::pair{0, 50}, {1, 50}, {0, 100}})
    std::ofstream(dir.gan_checkpoint(key, emotion, epochs)) << "x";
  const std::string folder =
      dir.gan_checkpoint(key, 1, 100).substr(0, dir.gan_checkpoint(key, 1, 100).rfind('/') + 1);
  std::ofstream(folder + ".emotion1.epoch100.h5.77.1.tmp") << "x";
  std::ofstream(folder + "emotion1.epoch100.h5x") << "x";
  EXPECT_EQ(dir.newest_complete_checkpoint(key, 2), 50);
  EXPECT_EQ(dir.newest_complete_checkpoint(key, 1), 100);
  std::ofstream(dir.gan_checkpoint(key, 1, 100)) << "x";
  EXPECT_EQ(dir.newest_complete_checkpoint(key, 2), 100);
  dir.remove_checkpoints_before(key, 0, 100);
  EXPECT_FALSE(experiment::file_exists(dir.gan_checkpoint(key, 0, 50)));
  EXPECT_TRUE(experiment::file_exists(dir.gan_checkpoint(key, 1, 50)));
  EXPECT_TRUE(experiment::file_exists(dir.gan_checkpoint(key, 0, 100)));
  EXPECT_EQ(dir.newest_complete_checkpoint(experiment::GanTask{0.0, -1}.key(), 2), 0);
}
