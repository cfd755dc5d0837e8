#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/log.h"
#include "experiment/progress.h"

using emoaug::experiment::progress_interval_seconds;
using emoaug::experiment::progress_line;
using emoaug::experiment::StageProgress;

TEST(Progress, TheLineGivesCountRateAndEta) {
  EXPECT_EQ(progress_line("GAN groups", 3, 8, 0, 600),
            "progress: GAN groups 3/8 done, 0.30/min, ETA 17 min");
  EXPECT_EQ(progress_line("SER tasks", 300, 1000, 0, 60),
            "progress: SER tasks 300/1000 done, 300/min, ETA 2 min");
  EXPECT_EQ(progress_line("GAN groups", 1, 200, 0, 60),
            "progress: GAN groups 1/200 done, 1.00/min, ETA 3 h 19 min");
  EXPECT_EQ(progress_line("SER tasks", 59, 60, 0, 60),
            "progress: SER tasks 59/60 done, 59/min, ETA <1 min");
}

TEST(Progress, TasksFinishedBeforeTheRunDoNotCountTowardTheRate) {
  // A resumed run: 2 of the 5 were there already; 3 in one minute here.
  EXPECT_EQ(progress_line("GAN groups", 5, 8, 2, 60),
            "progress: GAN groups 5/8 done, 3.00/min, ETA 1 min");
  EXPECT_EQ(progress_line("GAN groups", 2, 8, 2, 90),
            "progress: GAN groups 2/8 done, none yet in 2 min");
}

TEST(Progress, TheIntervalIsThirtySecondsUnlessTheEnvironmentSetsIt) {
  unsetenv("EMOAUG_PROGRESS_INTERVAL_S");
  EXPECT_EQ(progress_interval_seconds(), 30);
  setenv("EMOAUG_PROGRESS_INTERVAL_S", "0.5", 1);
  EXPECT_EQ(progress_interval_seconds(), 0.5);
  setenv("EMOAUG_PROGRESS_INTERVAL_S", "soon", 1);
  EXPECT_EQ(progress_interval_seconds(), 30);
  setenv("EMOAUG_PROGRESS_INTERVAL_S", "-1", 1);
  EXPECT_EQ(progress_interval_seconds(), 30);
  unsetenv("EMOAUG_PROGRESS_INTERVAL_S");
}

TEST(Progress, AStagePrintsEveryIntervalUntilItEnds) {
  emoaug::log_set_level(emoaug::LogLevel::Info);
  std::atomic<size_t> done{0};
  ::testing::internal::CaptureStderr();
  {
    StageProgress progress(
        "SER tasks", 100, [&] { return done.load(); }, 0.05);
    for (int k = 0; k < 6; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ++done;
    }
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  size_t lines = 0;
  for (size_t at = log.find("progress: SER tasks "); at != std::string::npos;
       at = log.find("progress: SER tasks ", at + 1))
    ++lines;
  EXPECT_GE(lines, 2u) << log;
  EXPECT_LE(lines, 7u) << log;
  EXPECT_EQ(log.find('\r'), std::string::npos);
}

TEST(Progress, AStageWithNothingLeftPrintsNothing) {
  ::testing::internal::CaptureStderr();
  {
    StageProgress progress(
        "GAN groups", 4, [] { return size_t{4}; }, 0.01);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}
