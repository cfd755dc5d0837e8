// The units of work of an experiment (DESIGN.md, "Work as tasks"). Every task has a stable name;
// its random streams derive from (experiment seed, task_id(name)) and never from a rank number.
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

// Formats a λcls value the same way everywhere it names something (task ids, groups, tables).
std::string format_lambda(double lambda_cls);

// One emotion-transfer group: N CycleGANs + C for one λcls, trained without the test fold (or on
// all of the labeled corpus when fold < 0, the paper's leaky protocol).
struct GanTask {
  double lambda_cls = 0.0;
  int fold = -1;             // index into the leave-one-group-out folds; -1 = all data
  std::string name() const;  // "gan/lcls=2/fold=3" or "gan/lcls=2/all"
};

// One SER classifier.
struct SerTask {
  Setting setting = Setting::Real;
  Protocol protocol = Protocol::Within;
  double lambda_cls = 0.0;  // unused for Setting::Real
  int fold = -1;            // within-corpus fold; -1 for cross-corpus
  int repetition = 0;
  std::string name() const;  // "ser/within/real+syn/lcls=2/fold=3/rep=0"
  // The GAN task whose synthetic data this task reads (syn settings only).
  GanTask source_gan(bool per_fold) const;
};

uint64_t task_id(const std::string& name);

}  // namespace emoaug::experiment
