#ifdef EMOAUG_HAVE_NCCL

#include "dist/nccl_communicator.h"

#include <exception>
#include <numeric>
#include <string>

#include "backend/cuda/check.h"
#include "backend/cuda/libraries.h"
#include "core/error.h"
#include "dist/check.h"
#include "dist/collective_wait.h"

namespace emoaug::dist {
namespace {

using ops::cuda::nccl_api;

void require_device(ConstMatView v, const char* what) {
  EMOAUG_CHECK(v.device == Device::Cuda, what, ": NCCL collectives take device buffers");
}

// A queued collective: its stream and its communicator's asynchronous error.
class QueuedCollective final : public PendingCollective {
 public:
  QueuedCollective(ncclComm_t comm, cudaStream_t stream) : comm_(comm), stream_(stream) {}

  State poll(std::string* error) override {
    ncclResult_t async = ncclSuccess;
    const ncclResult_t asked = nccl_api().comm_get_async_error(comm_, &async);
    if (asked != ncclSuccess || (async != ncclSuccess && async != ncclInProgress)) {
      *error =
          std::string("NCCL: ") + nccl_api().get_error_string(asked != ncclSuccess ? asked : async);
      return State::Failed;
    }
    const cudaError_t done = cudaStreamQuery(stream_);
    if (done == cudaSuccess) return State::Done;
    if (done == cudaErrorNotReady) return State::Running;
    cudaGetLastError();
    *error = std::string("CUDA: ") + cudaGetErrorName(done) + " (" + cudaGetErrorString(done) + ")";
    return State::Failed;
  }

  void abort() override { nccl_api().comm_abort(comm_); }

 private:
  ncclComm_t comm_;
  cudaStream_t stream_;
};

}  // namespace

NcclCommunicator::NcclCommunicator(const Group& group, const CollectiveSettings& settings,
                                   cudaStream_t stream)
    : mpi_comm_(group.comm()),
      rank_(group.rank()),
      size_(group.size()),
      stream_(stream),
      settings_(settings) {
  EMOAUG_CHECK(group.member() && group.uses_mpi(), "an NCCL communicator needs an MPI group");
  ncclUniqueId id;
  if (rank_ == 0) EMOAUG_NCCL_CHECK(nccl_api().get_unique_id(&id));
  EMOAUG_MPI_CHECK(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, mpi_comm_));
  if (!stream_) {
    EMOAUG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    owns_stream_ = true;
  }
  EMOAUG_NCCL_CHECK(nccl_api().comm_init_rank(&comm_, size_, id, rank_));
}

NcclCommunicator::~NcclCommunicator() {
  // No checks here: a destructor must not throw, and at teardown there is nobody left to tell.
  // Unwinding from an error, a peer may be gone: ncclCommDestroy would wait for it, an abort does
  // not.
  if (comm_ && !aborted_) {
    if (std::uncaught_exceptions() > 0)
      nccl_api().comm_abort(comm_);
    else
      nccl_api().comm_destroy(comm_);
  }
  if (owns_stream_) cudaStreamDestroy(stream_);
}

void NcclCommunicator::before() {
  if (owns_stream_) EMOAUG_CUDA_CHECK(cudaDeviceSynchronize());
}

void NcclCommunicator::after(const char* collective, int64_t floats) {
  QueuedCollective queued(comm_, stream_);
  try {
    wait_for_collective(
        queued, settings_.timeout_s,
        std::string("NCCL ") + collective + " of " + std::to_string(floats) + " floats over " +
            std::to_string(size_) + " ranks on " +
            (settings_.where.empty() ? "rank " + std::to_string(rank_) : settings_.where));
  } catch (...) {
    aborted_ = true;
    throw;
  }
}

void NcclCommunicator::allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) {
  require_device(all, "allgatherv");
  EMOAUG_CHECK(static_cast<int>(counts.size()) == size_, counts.size(), " block counts for ", size_,
               " ranks");
  EMOAUG_CHECK(std::accumulate(counts.begin(), counts.end(), int64_t{0}) == all.size(),
               "block counts do not add up to the buffer");
  before();
  EMOAUG_NCCL_CHECK(nccl_api().group_start());
  int64_t offset = 0;
  for (int r = 0; r < size_; ++r) {
    if (counts[r] > 0) {
      float* block = all.data + offset;
      EMOAUG_NCCL_CHECK(nccl_api().broadcast(block, block, static_cast<size_t>(counts[r]),
                                             ncclFloat, r, comm_, stream_));
    }
    offset += counts[r];
  }
  EMOAUG_NCCL_CHECK(nccl_api().group_end());
  after("allgatherv", all.size());
}

void NcclCommunicator::barrier() {
  before();
  after("barrier", 0);
  EMOAUG_MPI_CHECK(MPI_Barrier(mpi_comm_));
}

}  // namespace emoaug::dist

#endif  // EMOAUG_HAVE_NCCL
