#include "experiment/context.h"

#include "core/error.h"

namespace emoaug::experiment {

RunContext load_run_context(const config::ExperimentConfig& cfg) {
  return {cfg, RunDirectory(cfg.experiment.output), load_corpora(cfg)};
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
}

RunContext open_run_directory(const std::string& run_dir) {
  const std::string path = RunDirectory(run_dir).config();
  if (!file_exists(path)) EMOAUG_FAIL(run_dir, " is not an emoaug run directory (no config.toml)");
  config::ExperimentConfig cfg = config::load_config(path);
  cfg.experiment.output = run_dir;  // the folder may have moved since the run
  return load_run_context(cfg);
}

}  // namespace emoaug::experiment
