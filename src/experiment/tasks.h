// The units of work of an experiment (docs/architecture.md, "Work as tasks"). A task's identity is
// its TaskKey, made here and nowhere else: the key names the task in logs, places its files under
// tasks/ (RunDirectory), names its groups in results.h5 and synthetic.h5, and seeds its random
// streams — from (experiment seed, key), never from a rank number.
#pragma once

#include <cstdint>
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

// One emotion-transfer group: N CycleGANs + C for one λcls, trained without the test fold (or on
// all of the labeled corpus when fold < 0, the paper's leaky protocol).
struct GanTask {
  double lambda_cls = 0.0;
  int fold = -1;        // index into the leave-one-group-out folds; -1 = all data
  TaskKey key() const;  // gan/lcls=2/fold=3 or gan/lcls=2/all
};

// One SER classifier.
struct SerTask {
  Setting setting = Setting::Real;
  Protocol protocol = Protocol::Within;
  double lambda_cls = 0.0;  // unused for Setting::Real
  int fold = -1;            // within-corpus fold; -1 for cross-corpus
  int repetition = 0;
  TaskKey key() const;  // ser/within/real+syn/lcls=2/fold=3/rep=0
  // The GAN task whose synthetic data this task reads (syn settings only).
  GanTask source_gan(bool per_fold) const;
};

}  // namespace emoaug::experiment
