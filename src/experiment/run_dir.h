// The run directory (DESIGN.md): config.toml as run, one file per finished task under tasks/, and
// the aggregated outputs. A task is finished when its output file exists: outputs are written
// atomically, so a killed or preempted run resumes by skipping them.
#pragma once

#include <functional>
#include <string>

namespace emoaug::experiment {

class RunDirectory {
 public:
  explicit RunDirectory(std::string root) : root_(std::move(root)) {}

  // Creates the folders and writes config.toml, or, when the folder already holds a run, checks
  // that it is a run of the same resolved config (a rerun continues it) and fails otherwise.
  // Temporary files left by killed writes are removed. Call it on one rank, before the others
  // start.
  // `identity` maps a config text to what must match for a rerun to continue the run (default: the
  // text itself); settings that do not change results, like thread counts, can be left out there.
  void prepare(const std::string& config_toml,
               const std::function<std::string(const std::string&)>& identity = {}) const;

  const std::string& root() const { return root_; }
  std::string path(const std::string& leaf) const { return root_ + "/" + leaf; }
  // tasks/<task name>: a folder for GAN tasks, <name>.h5 for SER tasks.
  std::string task_path(const std::string& task_name) const;
  std::string ser_result(const std::string& task_name) const {
    return task_path(task_name) + ".h5";
  }
  std::string gan_output(const std::string& task_name, int emotion) const;
  std::string gan_checkpoint(const std::string& task_name, int emotion, int epochs_done) const;

 private:
  std::string root_;
};

bool file_exists(const std::string& path);
// mkdir -p
void make_directories(const std::string& path);
std::string read_text_file(const std::string& path);

}  // namespace emoaug::experiment
