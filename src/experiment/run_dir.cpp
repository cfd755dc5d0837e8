#include "experiment/run_dir.h"

#include <ftw.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace emoaug::experiment {

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void make_directories(const std::string& path) {
  std::string partial;
  std::stringstream parts(path);
  std::string part;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    partial += part + "/";
    if (::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
      EMOAUG_FAIL("cannot create folder ", partial, ": ", std::strerror(errno));
  }
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) EMOAUG_FAIL("cannot read ", path, ": ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {
// A write that was killed (kill -9, node failure) leaves its temporary file behind; nothing reads
// those, and a rerun would only pile them up.
int remove_stale_temporary(const char* path, const struct stat*, int type, struct FTW* ftw) {
  const std::string name = path + ftw->base;
  if (type == FTW_F && name.size() > 5 && name[0] == '.' &&
      name.compare(name.size() - 4, 4, ".tmp") == 0)
    std::remove(path);
  return 0;
}
}  // namespace

void RunDirectory::prepare(const std::string& config_toml,
                           const std::function<std::string(const std::string&)>& identity) const {
  make_directories(root_ + "/tasks");
  nftw((root_ + "/tasks").c_str(), remove_stale_temporary, 16, FTW_PHYS);
  const std::string config_path = path("config.toml");
  if (file_exists(config_path)) {
    const std::string existing =
        identity ? identity(read_text_file(config_path)) : read_text_file(config_path);
    const std::string wanted = identity ? identity(config_toml) : config_toml;
    if (existing == wanted) return;
    // Name the first line that differs, so the user sees which setting changed.
    std::istringstream a(existing), b(wanted);
    std::string la, lb;
    int line = 0;
    while (true) {
      ++line;
      bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
      if (!ga || !gb || la != lb) break;
    }
    EMOAUG_FAIL(root_, " holds a run of a different config (config.toml line ", line, ": '", la,
                "' vs now '", lb, "'); set experiment.output to another folder or remove it");
  }
  write_atomically(config_path, [&](const std::string& temp) {
    std::ofstream out(temp, std::ios::binary);
    out << config_toml;
    if (!out.flush()) EMOAUG_FAIL("cannot write ", temp);
  });
}

std::string RunDirectory::task_path(const std::string& task_name) const {
  return root_ + "/tasks/" + task_name;
}

std::string RunDirectory::gan_output(const std::string& task_name, int emotion) const {
  return task_path(task_name) + "/emotion" + std::to_string(emotion) + ".h5";
}

std::string RunDirectory::gan_checkpoint(const std::string& task_name, int emotion,
                                         int epochs_done) const {
  return task_path(task_name) + "/checkpoint/emotion" + std::to_string(emotion) + ".epoch" +
         std::to_string(epochs_done) + ".h5";
}

}  // namespace emoaug::experiment
