// The MPI test binary's world, made once by its main (MPI can be initialised once per process).
#pragma once

#include "dist/world.h"

namespace emoaug::testing {

dist::World& mpi_world();

}  // namespace emoaug::testing
