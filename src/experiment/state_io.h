// A StateDict on disk: one HDF5 file, one dataset per entry and, written last, the checksum of
// them all, written atomically and durably (core/atomic_file.h).
#pragma once

#include <string>

#include "core/state_dict.h"

namespace emoaug::experiment {

void write_state(const std::string& path, const StateDict& state);
// Reads the file and checks its checksum: a file that cannot be read, or whose contents do not
// match, throws naming the file and why.
StateDict read_state(const std::string& path);
// The bytes a state takes on disk, about (its entries; HDF5's own overhead is small).
int64_t state_bytes(const StateDict& state);

}  // namespace emoaug::experiment
