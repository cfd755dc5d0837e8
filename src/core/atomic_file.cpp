#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "core/error.h"
#include "core/process.h"

namespace emoaug {
namespace {

std::atomic<int64_t> g_writes{0};

enum class Fault { None, NoSpace, Io, Kill };

struct FaultPlan {
  Fault fault = Fault::None;
  int64_t at = 0;
};

// EMOAUG_FAULT, read once.
const FaultPlan& fault_plan() {
  static const FaultPlan plan = [] {
    FaultPlan p;
    const char* env = std::getenv("EMOAUG_FAULT");
    if (!env || !*env) return p;
    const std::string spec = env;
    const size_t at = spec.find('@');
    const std::string kind = spec.substr(0, at);
    p.fault = kind == "enospc" ? Fault::NoSpace
              : kind == "eio"  ? Fault::Io
              : kind == "kill" ? Fault::Kill
                               : Fault::None;
    if (p.fault == Fault::None || at == std::string::npos)
      EMOAUG_FAIL("EMOAUG_FAULT=", spec, ": expected enospc@N, eio@N or kill@N");
    p.at = std::atoll(spec.c_str() + at + 1);
    return p;
  }();
  return plan;
}

int64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

std::string megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

bool is_space_errno(int err) {
  return err == ENOSPC || err == EDQUOT;
}

// Whether a failure was the disk's: the errno of our own call, or the words of a library's message
// (HDF5 reports the write(2) errno in its text), or a filesystem with nothing left for us.
bool out_of_space(int err, const std::string& message, const std::string& folder) {
  if (is_space_errno(err)) return true;
  if (message.find(std::strerror(ENOSPC)) != std::string::npos ||
      message.find(std::strerror(EDQUOT)) != std::string::npos)
    return true;
  struct statvfs fs;
  return ::statvfs(folder.c_str(), &fs) == 0 && fs.f_bavail == 0;
}

[[noreturn]] void fail_out_of_space(const std::string& path, const std::string& folder,
                                    int64_t needed) {
  struct statvfs fs;
  std::string room = "";
  if (::statvfs(folder.c_str(), &fs) == 0)
    room = ", " + megabytes(static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize)) +
           " free there";
  throw OutOfSpace(path + ": no space left on the filesystem (the file needs " +
                   (needed > 0 ? "about " + megabytes(needed) : std::string("more room")) + room +
                   "); free space or move experiment.output, then rerun the same command");
}

// open + fsync + close of a finished file, every call checked.
void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) EMOAUG_FAIL("cannot open ", path, " to flush it: ", std::strerror(errno));
  const int synced = ::fsync(fd);
  const int err = errno;
  if (::close(fd) != 0 || synced != 0)
    throw Error(path + ": cannot flush it to the disk (" + std::strerror(synced ? err : errno) +
                ")");
}

// The injected failure of this write, if EMOAUG_FAULT names it.
void inject_fault(int64_t write_number, const std::string& temp) {
  const FaultPlan& plan = fault_plan();
  if (plan.fault == Fault::None || plan.at != write_number) return;
  if (plan.fault == Fault::Kill) std::raise(SIGKILL);
  errno = plan.fault == Fault::NoSpace ? ENOSPC : EIO;
  throw Error(temp + ": injected failure (EMOAUG_FAULT): " + std::strerror(errno));
}

// "<host>-<pid>.<number>.tmp": host and pid keep concurrent writers (ranks, threads, jobs sharing a
// folder) off each other's temp files and tell a rerun whose they are; the leading dot the caller
// adds keeps them out of globs like *.h5.
std::string temporary_suffix(int64_t number) {
  return host_name() + "-" + std::to_string(::getpid()) + "." + std::to_string(number) + ".tmp";
}

}  // namespace

bool is_abandoned_temporary(const std::string& path) {
  const std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.size() < 6 || name[0] != '.' || name.compare(name.size() - 4, 4, ".tmp") != 0)
    return false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  if (std::time(nullptr) - st.st_mtime > 3600) return true;
  // ".<file>.<host>-<pid>.<number>.tmp"
  const std::string stem = name.substr(0, name.size() - 4);
  const size_t number_dot = stem.rfind('.');
  const size_t dash = stem.rfind('-', number_dot);
  if (number_dot == std::string::npos || dash == std::string::npos) return false;
  const size_t host_dot = stem.rfind('.', dash);
  if (host_dot == std::string::npos) return false;
  const std::string host = stem.substr(host_dot + 1, dash - host_dot - 1);
  return host == host_name() && !process_exists(std::atoll(stem.c_str() + dash + 1));
}

void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) EMOAUG_FAIL("cannot open folder ", folder, " to flush it: ", std::strerror(errno));
  const int synced = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (synced != 0 && err != EINVAL)  // EINVAL: a filesystem that cannot sync folders
    EMOAUG_FAIL("cannot flush folder ", folder, " to the disk: ", std::strerror(err));
}

void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write,
                      int64_t expected_bytes) {
  if (path.empty()) EMOAUG_FAIL("empty output path");
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) EMOAUG_FAIL(path, ": cannot write: the path names a folder, not a file");
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    EMOAUG_FAIL(path, ": cannot write: folder ", dir, " does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    EMOAUG_FAIL(path, ": cannot write: folder ", dir, " is not writable (", std::strerror(errno),
                ")");
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    EMOAUG_FAIL(path, ": cannot write: it is a folder");

  const int64_t number = ++g_writes;
  const std::string temp =
      (slash == std::string::npos ? "" : dir) + "." + base + "." + temporary_suffix(number);
  try {
    write(temp);
    inject_fault(number, temp);
    sync_file(temp);
    if (std::rename(temp.c_str(), path.c_str()) != 0)
      throw Error("cannot rename the finished temporary file into place (" +
                  std::string(std::strerror(errno)) + ")");
  } catch (const Preempted&) {
    std::remove(temp.c_str());
    throw;
  } catch (const std::exception& e) {
    const int err = errno;
    const int64_t written = file_size(temp);
    std::remove(temp.c_str());
    if (dynamic_cast<const OutOfSpace*>(&e)) throw;
    if (out_of_space(err, e.what(), dir))
      fail_out_of_space(path, dir, std::max(expected_bytes, written));
    EMOAUG_FAIL(path, ": cannot write: ", e.what());
  }
  sync_folder(dir);
}

}  // namespace emoaug
