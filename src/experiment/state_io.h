// A StateDict on disk: one HDF5 file, one dataset per entry, written atomically.
#pragma once

#include <string>

#include "core/state_dict.h"

namespace emoaug::experiment {

void write_state(const std::string& path, const StateDict& state);
StateDict read_state(const std::string& path);

}  // namespace emoaug::experiment
