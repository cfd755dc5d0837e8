// report.md: the paper's Tables 1–3 laid out as in the paper, the averaged confusion matrices, and
// figures drawn by scripts/plot_report.py (matplotlib) when it is available, the CycleGANs'
// training curves among them.
#pragma once

#include <string>

#include "experiment/context.h"
#include "experiment/plan.h"

namespace emoaug::experiment {

// Writes RUNDIR/report.md from results.h5; returns its path. Figures are attempted with
// `python3 scripts/plot_report.py` (found next to the executable's source tree or via
// EMOAUG_PLOT_SCRIPT; EMOAUG_PYTHON picks the interpreter); the tables are written whether or not
// that works. The training curves come from the finished GAN groups' task files, so a run with
// tasks still to finish gets a partial report of those alone, marked as such.
std::string write_report(const RunContext& ctx, const Plan& plan);

}  // namespace emoaug::experiment
