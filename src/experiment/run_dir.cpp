#include "experiment/run_dir.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
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
// those, and a rerun would only pile them up. Those of writers still at work (another job on the
// same run directory) stay.
int remove_stale_temporary(const char* path, const struct stat*, int type, struct FTW*) {
  if (type == FTW_F && is_abandoned_temporary(path)) std::remove(path);
  return 0;
}
}  // namespace

void RunDirectory::prepare(const std::string& config_toml,
                           const std::function<std::string(const std::string&)>& identity) const {
  make_directories(root_ + "/tasks");
  nftw(root_.c_str(), remove_stale_temporary, 16, FTW_PHYS);
  const std::string config_path = config();
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
  write_text_file(config_path, config_toml);
}

std::string RunDirectory::task_folder(const TaskKey& task) const {
  return root_ + "/tasks/" + task.name();
}

std::string RunDirectory::ser_output(const TaskKey& task) const {
  return task_folder(task) + ".h5";
}

std::string RunDirectory::ser_classifier(const TaskKey& task) const {
  return task_folder(task) + ".classifier.h5";
}

bool RunDirectory::ser_finished(const TaskKey& task) const {
  return file_exists(ser_output(task));
}

void RunDirectory::make_task_folders(const TaskKey& task) const {
  const std::string folder = task_folder(task);
  make_directories(task.stage == "gan" ? folder + "/checkpoint"
                                       : folder.substr(0, folder.rfind('/')));
}

std::string RunDirectory::gan_output(const TaskKey& task, int emotion) const {
  return root_ + "/" + gan_output_in_run(task, emotion);
}

std::string RunDirectory::gan_output_in_run(const TaskKey& task, int emotion) const {
  return "tasks/" + task.name() + "/emotion" + std::to_string(emotion) + ".h5";
}

bool RunDirectory::gan_finished(const TaskKey& task, int emotions) const {
  for (int e = 0; e < emotions; ++e)
    if (!file_exists(gan_output(task, e))) return false;
  return true;
}

std::string RunDirectory::gan_checkpoint(const TaskKey& task, int emotion, int epochs_done) const {
  return task_folder(task) + "/checkpoint/emotion" + std::to_string(emotion) + ".epoch" +
         std::to_string(epochs_done) + ".h5";
}

std::vector<RunDirectory::Checkpoint> RunDirectory::gan_checkpoints(const TaskKey& task) const {
  const std::string folder = task_folder(task) + "/checkpoint";
  std::vector<Checkpoint> found;
  DIR* dir = opendir(folder.c_str());
  if (!dir) return found;
  while (dirent* entry = readdir(dir)) {
    int emotion = -1, epochs = -1;
    char tail[8] = {0};
    // Exactly the names gan_checkpoint makes (a temporary file's name starts with a dot).
    if (std::sscanf(entry->d_name, "emotion%d.epoch%d.%3s", &emotion, &epochs, tail) == 3 &&
        std::string(tail) == "h5" && emotion >= 0 && epochs >= 0 &&
        gan_checkpoint(task, emotion, epochs) == folder + "/" + entry->d_name)
      found.push_back({emotion, epochs, folder + "/" + entry->d_name});
  }
  closedir(dir);
  return found;
}

std::vector<int> RunDirectory::complete_checkpoints(const TaskKey& task, int emotions) const {
  std::map<int, int> present;  // epochs -> emotions with a checkpoint
  for (const Checkpoint& c : gan_checkpoints(task))
    if (c.emotion < emotions) ++present[c.epochs];
  std::vector<int> complete;
  for (auto it = present.rbegin(); it != present.rend(); ++it)
    if (it->second == emotions) complete.push_back(it->first);
  return complete;
}

std::string RunDirectory::reject_checkpoint(const TaskKey& task, int emotion, int epochs) const {
  const std::string rejected = task_folder(task) + "/rejected";
  make_directories(rejected);
  const std::string from = gan_checkpoint(task, emotion, epochs);
  const std::string to = rejected + from.substr(from.rfind('/'));
  if (std::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
    EMOAUG_FAIL("cannot move ", from, " aside to ", to, ": ", std::strerror(errno));
  return to;
}

void RunDirectory::remove_checkpoints(const TaskKey& task) const {
  std::error_code ignored;  // what is gone is gone; what stays is only disk space
  std::filesystem::remove_all(task_folder(task) + "/checkpoint", ignored);
}

std::string RunDirectory::claim(const TaskKey& task) const {
  return task.stage == "gan" ? task_folder(task) + "/claim" : task_folder(task) + ".claim";
}

std::string RunDirectory::failure(const TaskKey& task) const {
  return task.stage == "gan" ? task_folder(task) + "/failure" : task_folder(task) + ".failure";
}

std::string RunDirectory::timing(const TaskKey& task) const {
  return task.stage == "gan" ? task_folder(task) + "/timing" : task_folder(task) + ".timing";
}

void RunDirectory::remove_checkpoint(const TaskKey& task, int emotion, int epochs) const {
  std::remove(gan_checkpoint(task, emotion, epochs).c_str());
}

void RunDirectory::remove_checkpoints_before(const TaskKey& task, int emotion, int epochs) const {
  for (const Checkpoint& c : gan_checkpoints(task))
    if (c.emotion == emotion && c.epochs < epochs) std::remove(c.path.c_str());
}

void write_text_file(const std::string& path, const std::string& text) {
  write_atomically(path, [&](const std::string& temp) {
    std::ofstream out(temp, std::ios::binary);
    out << text;
    if (!out.flush()) EMOAUG_FAIL("cannot write ", temp);
  });
}

}  // namespace emoaug::experiment
