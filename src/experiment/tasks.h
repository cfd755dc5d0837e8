// The units of work of an experiment (docs/architecture.md, "Work as tasks"). A task's identity is
// its TaskKey, made here and nowhere else: the key names the task in logs, places its files under
// tasks/ (RunDirectory), names its groups in results.h5 and synthetic.h5, and seeds its random
// streams — from (experiment seed, key), never from a rank number.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace emoaug::experiment {

using Setting = config::SerSetting;
enum class Protocol { Within, Cross };

inline const char* name_of(Setting s) {
  return config::to_string(s);
}  // "real", "syn", "real+syn"
const char* name_of(Protocol p);  // "within", "cross"

// λcls as a key and a table print it: %g's text when that reads back as the float training uses,
// else the shortest longer one that does (1 -> "1", 0.1 -> "0.1", 1.0000001 -> "1.0000001"). Two
// grid values print alike exactly when they train alike, and the config refuses such a grid.
std::string lambda_text(double lambda_cls);

struct TaskKey {
  std::string stage;  // "gan", "ser", or another kind of seeded work ("split")
  std::string path;   // within the stage: "lcls=2/fold=3", "within/real+syn/lcls=2/fold=3/rep=0"

  std::string name() const { return stage + "/" + path; }  // "gan/lcls=2/fold=3"
  // The task's random streams are Rng(seed, stream_id(), purpose).
  uint64_t stream_id() const;
};

// The part of a study's config a task reads (experiment/study.h): the path segments of the swept
// values it reads ("lcls=2", "gan.epochs=20/lcls=2") and a point's resolved config, which has
// those values (any point that shares the task has them).
struct TaskConfig {
  std::string path;
  std::shared_ptr<const config::ExperimentConfig> cfg;
};

// One emotion-transfer group: N CycleGANs + C for one point's GAN part, trained without the test
// fold (or on all of the labeled corpus when fold < 0, the paper's leaky protocol).
struct GanTask {
  TaskConfig config;
  int fold = -1;        // index into the leave-one-group-out folds; -1 = all data
  TaskKey key() const;  // gan/lcls=2/fold=3 or gan/gan.epochs=20/lcls=2/all
  const config::ExperimentConfig& cfg() const { return *config.cfg; }
  double lambda_cls() const { return cfg().gan.lambda_cls.front(); }
};

// One SER classifier.
struct SerTask {
  Setting setting = Setting::Real;
  Protocol protocol = Protocol::Within;
  TaskConfig config;  // what this task reads; for syn settings it includes its GAN's part
  TaskConfig gan;     // syn settings: the GAN part of the point (source_gan's config)
  int fold = -1;      // within-corpus fold; -1 for cross-corpus
  int repetition = 0;
  TaskKey key() const;  // ser/within/real+syn/lcls=2/fold=3/rep=0
  const config::ExperimentConfig& cfg() const { return *config.cfg; }
  // The classifier block it trains with (config::classifier_options).
  const ser::ClassifierOptions& classifier() const;
  // The GAN task whose synthetic data this task reads (syn settings only).
  GanTask source_gan() const;
};

}  // namespace emoaug::experiment
