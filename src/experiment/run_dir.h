// The run directory (docs/architecture.md, "The run directory"): config.toml as run, one file per
// finished task under tasks/ (and a GAN task's checkpoints beside its outputs), and the aggregated
// outputs. This module makes and parses every name in it; the stages ask it where to write and what
// is there.
//
// A task is finished when its outputs exist: they are written atomically, so a killed or
// preempted run resumes by skipping finished tasks and resuming GAN tasks from checkpoints.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "experiment/tasks.h"

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
  std::string config() const { return path("config.toml"); }
  std::string results() const { return path("results.h5"); }
  std::string summary_csv() const { return path("summary.csv"); }
  std::string synthetic() const { return path("synthetic.h5"); }
  std::string report() const { return path("report.md"); }
  // The study's points: points.tsv, and points/<index>.toml with each point's resolved config.
  std::string point_table() const { return path("points.tsv"); }
  std::string points() const { return path("points"); }
  // Scratch for a child process's messages (the figure script's stderr).
  std::string scratch(const std::string& name) const { return path("." + name); }

  // An SER task's output: tasks/<ser key>.h5.
  std::string ser_output(const TaskKey& task) const;
  bool ser_finished(const TaskKey& task) const;
  // Its trained classifier (ser.save_classifiers): tasks/<ser key>.classifier.h5, a state file
  // (experiment/state_io.h) written before the output, so a finished task has it.
  std::string ser_classifier(const TaskKey& task) const;

  // A GAN task's folder holds one output per emotion, emotion<e>.h5, and checkpoint/.
  std::string gan_output(const TaskKey& task, int emotion) const;
  // gan_output relative to the run directory (synthetic.h5 links to it that way).
  std::string gan_output_in_run(const TaskKey& task, int emotion) const;
  bool gan_finished(const TaskKey& task, int emotions) const;

  // Creates the folders the task's files go to (a GAN task's checkpoint folder included).
  void make_task_folders(const TaskKey& task) const;

  // checkpoint/emotion<e>.epoch<n>.h5: emotion e's state after n epochs.
  std::string gan_checkpoint(const TaskKey& task, int emotion, int epochs_done) const;
  // The epoch counts for which a checkpoint of every one of `emotions` exists, newest first. Ranks
  // of a group write their emotions' checkpoints at the same epochs, so a complete set is
  // consistent whichever ranks wrote it.
  std::vector<int> complete_checkpoints(const TaskKey& task, int emotions) const;
  // Moves a checkpoint that failed to load to the task's rejected/ folder, where no resume looks,
  // and returns where it went (kept for a post-mortem, also after the task finished).
  std::string reject_checkpoint(const TaskKey& task, int emotion, int epochs) const;
  // Deletes emotion's checkpoint after `epochs` epochs (nothing when there is none).
  void remove_checkpoint(const TaskKey& task, int emotion, int epochs) const;
  // Deletes emotion's checkpoints of fewer than `epochs` epochs.
  void remove_checkpoints_before(const TaskKey& task, int emotion, int epochs) const;
  // Deletes the task's checkpoint folder (a finished task's, unless asked to keep it).
  void remove_checkpoints(const TaskKey& task) const;

  // The claim of a task by the process that runs it (experiment/claim.h).
  std::string claim(const TaskKey& task) const;
  // The records of experiment/records.h: a task's failures (tasks/<gan task>/failure,
  // tasks/<ser task>.failure), a finished task's timing (.../timing, <ser task>.timing), the
  // plan (plan.txt), and the SLURM jobs of the run (slurm/jobs/<job id>, beside the scripts and
  // logs of `emoaug submit` in slurm/).
  std::string failure(const TaskKey& task) const;
  std::string timing(const TaskKey& task) const;
  std::string plan_record() const { return path("plan.txt"); }
  std::string slurm() const { return path("slurm"); }
  std::string jobs() const { return path("slurm/jobs"); }

 private:
  std::string path(const std::string& leaf) const { return root_ + "/" + leaf; }
  std::string task_folder(const TaskKey& task) const;
  struct Checkpoint {
    int emotion, epochs;
    std::string path;
  };
  std::vector<Checkpoint> gan_checkpoints(const TaskKey& task) const;

  std::string root_;
};

bool file_exists(const std::string& path);
// mkdir -p
void make_directories(const std::string& path);
std::string read_text_file(const std::string& path);
// Writes `text` to `path` atomically (core/atomic_file.h).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace emoaug::experiment
