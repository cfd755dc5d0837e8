// Checks for MPI and NCCL return codes (NCCL's only where backend/cuda/libraries.h is included)
// (llm.c's mpiCheck / ncclCheck; CUDA's are in backend/cuda/check.h): a failed call becomes an
// emoaug::Error naming file:line, the call as written, the library's error string and the world
// rank, so that the one line a 64-rank job prints says which rank broke and where. They throw
// rather than exit: the boundary that catches decides whether the job can go on (one rank) or must
// be aborted (several ranks; see task_farm.h and World::abort).
#pragma once

#include <string>

namespace emoaug::dist::detail {

// The rank of this process in MPI_COMM_WORLD, or 0 when MPI is not (or no longer) initialised.
int world_rank_or_zero();

[[noreturn]] void throw_call_failure(const char* file, int line, const char* call,
                                     const std::string& library, const std::string& error);

std::string mpi_error_string(int code);

}  // namespace emoaug::dist::detail

#define EMOAUG_MPI_CHECK(call)                                       \
  do {                                                               \
    int emoaug_mpi_rc_ = (call);                                     \
    if (emoaug_mpi_rc_ != MPI_SUCCESS)                               \
      ::emoaug::dist::detail::throw_call_failure(                    \
          __FILE__, __LINE__, #call, "MPI",                          \
          ::emoaug::dist::detail::mpi_error_string(emoaug_mpi_rc_)); \
  } while (0)

#define EMOAUG_NCCL_CHECK(call)                                               \
  do {                                                                        \
    ncclResult_t emoaug_nccl_rc_ = (call);                                    \
    if (emoaug_nccl_rc_ != ncclSuccess)                                       \
      ::emoaug::dist::detail::throw_call_failure(                             \
          __FILE__, __LINE__, #call, "NCCL",                                  \
          ::emoaug::ops::cuda::nccl_api().get_error_string(emoaug_nccl_rc_)); \
  } while (0)
