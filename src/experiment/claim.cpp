#include "experiment/claim.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "core/process.h"

namespace emoaug::experiment {
namespace {

// The claims this process holds, and the thread that renews their time stamps every minute, so
// that another host can tell a live holder from one that died.
class Renewal {
 public:
  static Renewal& get() {
    static Renewal renewal;
    return renewal;
  }
  void add(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    held_.insert(path);
    if (!thread_.joinable()) thread_ = std::thread([this] { renew(); });
  }
  void remove(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    held_.erase(path);
  }
  ~Renewal() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void renew() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::seconds(60), [this] { return stop_; }))
      for (const std::string& path : held_)
        ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // a missed renewal only ages the claim
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::string> held_;
  bool stop_ = false;
  std::thread thread_;
};

ClaimHolder myself() {
  ClaimHolder me;
  me.host = host_name();
  me.pid = ::getpid();
  me.start_time = process_start_time(me.pid);
  if (const char* job = std::getenv("SLURM_JOB_ID")) me.job = job;
  if (const char* index = std::getenv("SLURM_ARRAY_TASK_ID")) me.array_task = index;
  me.claimed = static_cast<int64_t>(std::time(nullptr));
  return me;
}

std::string claim_text(const ClaimHolder& h) {
  return "host " + h.host + "\npid " + std::to_string(h.pid) + "\nstart " +
         std::to_string(h.start_time) + "\njob " + h.job + "\narray_task " + h.array_task +
         "\nclaimed " + std::to_string(h.claimed) + "\n";
}

bool same_holder(const ClaimHolder& a, const ClaimHolder& b) {
  return a.host == b.host && a.pid == b.pid && a.start_time == b.start_time && a.job == b.job;
}

// Creates `path` holding `text` if it does not exist: the text goes to a private file first, so the
// claim appears whole or not at all.
bool create_exclusive(const std::string& path, const std::string& text) {
  const std::string temp = path + "." + std::to_string(::getpid()) + ".new";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush())
      EMOAUG_FAIL(path, ": cannot write the task's claim (", std::strerror(errno), ")");
  }
  const int linked = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  std::remove(temp.c_str());
  if (linked == 0) return true;
  if (err == EEXIST) return false;
  EMOAUG_FAIL(path, ": cannot create the task's claim (", std::strerror(err), ")");
}

}  // namespace

std::string ClaimHolder::describe() const {
  if (job.empty()) return host + ":" + std::to_string(pid);
  return host + ":" + std::to_string(pid) + " (SLURM job " + job +
         (array_task.empty() ? "" : ", array task " + array_task) + ")";
}

bool claim_is_stale(const ClaimHolder& holder) {
  if (holder.host == host_name()) {
    if (!process_exists(holder.pid)) return true;
    const int64_t start = process_start_time(holder.pid);
    return start != 0 && holder.start_time != 0 && start != holder.start_time;
  }
  return holder.seconds_since_refresh > kStaleAfterSeconds;
}

std::optional<ClaimHolder> read_claim(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  ClaimHolder h;
  std::string key, value;
  while (in >> key) {
    std::getline(in, value);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (key == "host") h.host = value;
    if (key == "pid") h.pid = std::atoll(value.c_str());
    if (key == "start") h.start_time = std::atoll(value.c_str());
    if (key == "job") h.job = value;
    if (key == "array_task") h.array_task = value;
    if (key == "claimed") h.claimed = std::atoll(value.c_str());
  }
  struct stat st;
  if (::stat(path.c_str(), &st) == 0)
    h.seconds_since_refresh = static_cast<int64_t>(std::time(nullptr)) - st.st_mtime;
  return h;
}

std::optional<TaskClaim> TaskClaim::take(const std::string& path, ClaimHolder* holder,
                                         std::optional<ClaimHolder>* taken_over) {
  *taken_over = std::nullopt;
  const std::string mine = claim_text(myself());
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (create_exclusive(path, mine)) return TaskClaim(path);
    std::optional<ClaimHolder> current = read_claim(path);
    if (!current) continue;  // released in between: try again
    if (!claim_is_stale(*current)) {
      *holder = *current;
      return std::nullopt;
    }
    // Move the stale claim aside; if what moved is not the claim judged stale (another process
    // took it over meanwhile), put it back and count the task as held.
    const std::string aside = path + "." + std::to_string(::getpid()) + ".stale";
    if (std::rename(path.c_str(), aside.c_str()) != 0) continue;
    std::optional<ClaimHolder> moved = read_claim(aside);
    if (!moved || !same_holder(*moved, *current)) {
      std::rename(aside.c_str(), path.c_str());
      continue;
    }
    std::remove(aside.c_str());
    *taken_over = current;
  }
  std::optional<ClaimHolder> current = read_claim(path);
  *holder = current ? *current : ClaimHolder{};
  return std::nullopt;
}

TaskClaim::TaskClaim(std::string path) : path_(std::move(path)) {
  Renewal::get().add(path_);
}

TaskClaim::TaskClaim(TaskClaim&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

TaskClaim& TaskClaim::operator=(TaskClaim&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TaskClaim::~TaskClaim() {
  release();
}

void TaskClaim::release() {
  if (path_.empty()) return;
  Renewal::get().remove(path_);
  std::remove(path_.c_str());
  path_.clear();
}

}  // namespace emoaug::experiment
