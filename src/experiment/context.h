// What every pipeline stage reads: the resolved config, the run directory and the loaded corpora.
#pragma once

#include "config/config.h"
#include "experiment/corpora.h"
#include "experiment/run_dir.h"

namespace emoaug::experiment {

struct RunContext {
  config::ExperimentConfig cfg;
  RunDirectory dir;
  Corpora corpora;
  bool verbose = true;  // progress lines (the distributed driver keeps one reporter per group)
};

}  // namespace emoaug::experiment
