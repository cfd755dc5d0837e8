#include "experiment/context.h"

#include "core/error.h"

namespace emoaug::experiment {

RunContext load_run_context(const config::ExperimentConfig& cfg) {
  RunContext ctx{cfg, RunDirectory(cfg.experiment.output), load_corpora(cfg), make_study(cfg)};
  return ctx;
}

std::string experiment_identity(const std::string& config_toml) {
  config::ExperimentConfig cfg = config::parse_config(config_toml, "config.toml", "/");
  const config::ExperimentSection defaults;
  cfg.experiment.threads = defaults.threads;
  cfg.experiment.log_level = defaults.log_level;
  cfg.experiment.tasks_per_gpu = defaults.tasks_per_gpu;
  cfg.experiment.nccl_timeout_s = defaults.nccl_timeout_s;
  const config::GanSection gan_defaults;
  cfg.gan.keep_checkpoints = gan_defaults.keep_checkpoints;
  cfg.gan.keep_final_checkpoints = gan_defaults.keep_final_checkpoints;
  cfg.ser.save_classifiers = config::SerSection{}.save_classifiers;
  cfg.sweep.reference.clear();
  return config::to_toml(cfg);
}

void prepare_run_directory(const RunDirectory& dir, const config::ExperimentConfig& cfg) {
  // `emoaug submit` prepares a run directory before any node has chosen a backend, so its
  // config.toml says "auto"; the first run settles it to the backend that run took, and every
  // later one must then take the same.
  if (file_exists(dir.config()) && cfg.experiment.backend != config::Backend::Auto) {
    config::ExperimentConfig existing =
        config::parse_config(read_text_file(dir.config()), "config.toml", "/");
    if (existing.experiment.backend == config::Backend::Auto) {
      existing.experiment.backend = cfg.experiment.backend;
      if (experiment_identity(config::to_toml(existing)) ==
          experiment_identity(config::to_toml(cfg)))
        write_text_file(dir.config(), config::to_toml(cfg));
    }
  }
  dir.prepare(config::to_toml(cfg), experiment_identity);
  // The reference point is the reader's choice, not the run's: the latest one asked for stays.
  if (!cfg.sweep.reference.empty() &&
      config::parse_config(read_text_file(dir.config()), "config.toml", "/").sweep.reference !=
          cfg.sweep.reference) {
    config::ExperimentConfig kept =
        config::parse_config(read_text_file(dir.config()), "config.toml", "/");
    kept.sweep.reference = cfg.sweep.reference;
    write_text_file(dir.config(), config::to_toml(kept));
  }
  // A study of λcls alone is the grid config.toml lists; a [sweep] gets its point table.
  if (cfg.sweep.empty()) return;
  const Study study = make_study(cfg);
  std::string table = "point";
  for (const StudyAxis& a : study.axes) table += "\t" + a.key;
  table += "\tconfig\n";
  make_directories(dir.points());
  for (size_t p = 0; p < study.points.size(); ++p) {
    const std::string file = "points/" + std::to_string(p) + ".toml";
    table += std::to_string(p);
    for (size_t a = 0; a < study.axes.size(); ++a)
      table += "\t" + study.axes[a].labels[study.points[p].value[a]];
    table += "\t" + file + "\n";
    const std::string text =
        "# Point " + std::to_string(p) + " of the study (" + study.describe(static_cast<int>(p)) +
        "): the config its tasks read\n" + config::to_toml(*study.points[p].cfg);
    if (!file_exists(dir.root() + "/" + file) || read_text_file(dir.root() + "/" + file) != text)
      write_text_file(dir.root() + "/" + file, text);
  }
  if (!file_exists(dir.point_table()) || read_text_file(dir.point_table()) != table)
    write_text_file(dir.point_table(), table);
}

RunContext open_run_directory(const std::string& run_dir) {
  const std::string path = RunDirectory(run_dir).config();
  if (!file_exists(path)) EMOAUG_FAIL(run_dir, " is not an emoaug run directory (no config.toml)");
  config::ExperimentConfig cfg = config::load_config(path);
  cfg.experiment.output = run_dir;  // the folder may have moved since the run
  return load_run_context(cfg);
}

}  // namespace emoaug::experiment
