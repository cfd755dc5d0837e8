// What the run directory guarantees, file by file: a failed write leaves the previous file as it
// was, a checkpoint proves itself (a damaged or cut one is refused, naming the file), a task's
// claim keeps a second process off it until its holder is gone, and failures map to their exit
// codes. The whole-run checks (every write point failing, a real full filesystem, two runs at once)
// are tests/pipeline/check_durability.sh and check_disk_full.sh.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/process.h"
#include "core/state_dict.h"
#include "experiment/claim.h"
#include "experiment/state_io.h"

using namespace emoaug;
using experiment::ClaimHolder;
using experiment::TaskClaim;

namespace {

std::string scratch(const char* name) {
  const std::string dir = ::testing::TempDir() + "emoaug-durability-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t files_in(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.is_regular_file();
  return n;
}

StateDict sample_state() {
  StateDict s;
  s.floats["emotion0/G/weights"] = std::vector<float>(5000, 0.25f);
  s.floats["history"] = {1.0f, 2.0f, 3.0f};
  s.ints["epochs_done"] = {50};
  return s;
}

}  // namespace

TEST(AtomicWrite, AFailedWriteLeavesThePreviousFileAndNoTemporary) {
  const std::string dir = scratch("atomic");
  const std::string path = dir + "/out.txt";
  write_atomically(path, [](const std::string& temp) { std::ofstream(temp) << "first"; });
  EXPECT_EQ(read_all(path), "first");
  EXPECT_THROW(write_atomically(path,
                                [](const std::string& temp) {
                                  std::ofstream(temp) << "half of the sec";
                                  throw Error("the writer failed");
                                }),
               Error);
  EXPECT_EQ(read_all(path), "first");
  EXPECT_EQ(files_in(dir), 1u) << "the temporary file stays behind";
}

TEST(AtomicWrite, OnlyAbandonedTemporariesCountAsAbandoned) {
  const std::string dir = scratch("temporaries");
  const std::string mine =
      dir + "/.rep=0.h5." + host_name() + "-" + std::to_string(::getpid()) + ".3.tmp";
  const std::string dead = dir + "/.rep=0.h5." + host_name() + "-999999999.4.tmp";
  const std::string other_host = dir + "/.rep=0.h5.elsewhere.example-12.5.tmp";
  const std::string not_ours = dir + "/rep=0.h5";
  for (const std::string& p : {mine, dead, other_host, not_ours}) std::ofstream(p) << "x";
  EXPECT_FALSE(is_abandoned_temporary(mine)) << "this process is still writing it";
  EXPECT_TRUE(is_abandoned_temporary(dead)) << "no such process on this host";
  EXPECT_FALSE(is_abandoned_temporary(other_host)) << "another host's, touched just now";
  EXPECT_FALSE(is_abandoned_temporary(not_ours));
  struct timespec old[2] = {{std::time(nullptr) - 7200, 0}, {std::time(nullptr) - 7200, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, other_host.c_str(), old, 0), 0);
  EXPECT_TRUE(is_abandoned_temporary(other_host)) << "untouched for two hours";
}

TEST(Checkpoint, ProvesItselfAndDamageIsRefusedNamingTheFile) {
  const std::string dir = scratch("checkpoint");
  const std::string path = dir + "/emotion0.epoch50.h5";
  const StateDict state = sample_state();
  experiment::write_state(path, state);
  const StateDict back = experiment::read_state(path);
  EXPECT_EQ(back.floats, state.floats);
  EXPECT_EQ(back.ints, state.ints);
  EXPECT_NE(checksum(state), checksum(StateDict{})) << "the checksum depends on the contents";

  // One flipped byte in the weights: HDF5 reads it happily, the checksum does not match.
  const std::string bytes = read_all(path);
  const std::string needle(
      reinterpret_cast<const char*>(state.floats.at("emotion0/G/weights").data()), 64);
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos) << "the weights are stored uncompressed";
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(at + 17));
    f.put(static_cast<char>(bytes[at + 17] ^ 0x40));
  }
  try {
    experiment::read_state(path);
    FAIL() << "a damaged checkpoint was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }

  // Cut short, as a write that failed late left checkpoints before writes were checked to the end.
  experiment::write_state(path, state);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 512);
  EXPECT_THROW(experiment::read_state(path), Error);
}

TEST(Claim, ASecondClaimantSeesTheHolderUntilItIsReleased) {
  const std::string dir = scratch("claim");
  const std::string path = dir + "/task.claim";
  ClaimHolder holder;
  std::optional<ClaimHolder> gone;
  {
    std::optional<TaskClaim> first = TaskClaim::take(path, &holder, &gone);
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(gone.has_value());
    std::optional<TaskClaim> second = TaskClaim::take(path, &holder, &gone);
    EXPECT_FALSE(second.has_value()) << "one process per task";
    EXPECT_EQ(holder.host, host_name());
    EXPECT_EQ(holder.pid, ::getpid());
    EXPECT_FALSE(experiment::claim_is_stale(holder)) << "this process is alive";
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "released when the claim goes";
  EXPECT_TRUE(TaskClaim::take(path, &holder, &gone).has_value());
}

TEST(Claim, AClaimWhoseProcessIsGoneIsTakenOver) {
  const std::string dir = scratch("stale");
  const std::string path = dir + "/task.claim";
  std::ofstream(path) << "host " << host_name() << "\npid 999999999\nstart 1\njob 77\n";
  ClaimHolder holder;
  std::optional<ClaimHolder> gone;
  std::optional<TaskClaim> claim = TaskClaim::take(path, &holder, &gone);
  ASSERT_TRUE(claim.has_value());
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->pid, 999999999);
  EXPECT_EQ(gone->describe(), host_name() + ":999999999 (SLURM job 77)");
  EXPECT_EQ(experiment::read_claim(path)->pid, ::getpid()) << "the claim is now this process's";
}

TEST(Claim, AnotherHostsClaimIsStaleOnlyWhenNotRenewedForLong) {
  const std::string dir = scratch("remote");
  const std::string path = dir + "/task.claim";
  std::ofstream(path) << "host node-elsewhere\npid 1\nstart 5\njob \n";
  ClaimHolder holder;
  std::optional<ClaimHolder> gone;
  EXPECT_FALSE(TaskClaim::take(path, &holder, &gone).has_value()) << "renewed just now";
  EXPECT_EQ(holder.describe(), "node-elsewhere:1");
  const time_t old = std::time(nullptr) - experiment::kStaleAfterSeconds - 5;
  struct timespec times[2] = {{old, 0}, {old, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  EXPECT_TRUE(TaskClaim::take(path, &holder, &gone).has_value());
  EXPECT_TRUE(gone.has_value());
}

TEST(ExitCodes, EachFailureKindHasItsCode) {
  EXPECT_EQ(exit_code_for(Error("x")), kExitError);
  EXPECT_EQ(exit_code_for(Preempted("x")), kExitPreempted);
  EXPECT_EQ(exit_code_for(OutOfSpace("x")), kExitOutOfSpace);
  EXPECT_EQ(exit_code_for(std::runtime_error("x")), kExitError);
  EXPECT_EQ(kExitOutOfSpace, 74);
  EXPECT_EQ(kExitPreempted, 75);
}
