#include "dist/check.h"

#include <mpi.h>

#include "core/error.h"

namespace emoaug::dist::detail {

int world_rank_or_zero() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return 0;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

void throw_call_failure(const char* file, int line, const char* call, const std::string& library,
                        const std::string& error) {
  throw Error(library + " call failed on rank " + std::to_string(world_rank_or_zero()) + " at " +
              file + ":" + std::to_string(line) + ": " + call + ": " + error);
}

std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "MPI error " + std::to_string(code);
  return std::string(text, length);
}

}  // namespace emoaug::dist::detail
