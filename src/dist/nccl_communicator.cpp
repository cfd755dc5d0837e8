#ifdef EMOAUG_HAVE_NCCL

#include "dist/nccl_communicator.h"

#include <numeric>

#include "backend/cuda/check.h"
#include "core/error.h"
#include "dist/check.h"

namespace emoaug::dist {
namespace {

void require_device(ConstMatView v, const char* what) {
  EMOAUG_CHECK(v.device == Device::Cuda, what, ": NCCL collectives take device buffers");
}

}  // namespace

NcclCommunicator::NcclCommunicator(const Group& group, cudaStream_t stream)
    : mpi_comm_(group.comm()), rank_(group.rank()), size_(group.size()), stream_(stream) {
  EMOAUG_CHECK(group.member() && group.uses_mpi(), "an NCCL communicator needs an MPI group");
  ncclUniqueId id;
  if (rank_ == 0) EMOAUG_NCCL_CHECK(ncclGetUniqueId(&id));
  EMOAUG_MPI_CHECK(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, mpi_comm_));
  if (!stream_) {
    EMOAUG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    owns_stream_ = true;
  }
  EMOAUG_NCCL_CHECK(ncclCommInitRank(&comm_, size_, id, rank_));
}

NcclCommunicator::~NcclCommunicator() {
  // No checks here: a destructor must not throw, and at teardown there is nobody left to tell.
  if (comm_) ncclCommDestroy(comm_);
  if (owns_stream_) cudaStreamDestroy(stream_);
}

void NcclCommunicator::before() {
  if (owns_stream_) EMOAUG_CUDA_CHECK(cudaDeviceSynchronize());
}

void NcclCommunicator::after() {
  EMOAUG_CUDA_CHECK(cudaStreamSynchronize(stream_));
  // A peer's failure surfaces here rather than as a silent hang in the next call.
  ncclResult_t async = ncclSuccess;
  EMOAUG_NCCL_CHECK(ncclCommGetAsyncError(comm_, &async));
  EMOAUG_NCCL_CHECK(async);
}

void NcclCommunicator::allreduce_sum(MatView buffer) {
  require_device(buffer, "allreduce");
  before();
  EMOAUG_NCCL_CHECK(ncclAllReduce(buffer.data, buffer.data, static_cast<size_t>(buffer.size()),
                                  ncclFloat, ncclSum, comm_, stream_));
  after();
}

void NcclCommunicator::allgather(ConstMatView mine, MatView all) {
  require_device(mine, "allgather");
  require_device(all, "allgather");
  EMOAUG_CHECK(all.size() == mine.size() * size_, "allgather of ", mine.size(), " floats from ",
               size_, " ranks into ", all.size());
  before();
  EMOAUG_NCCL_CHECK(ncclAllGather(mine.data, all.data, static_cast<size_t>(mine.size()), ncclFloat,
                                  comm_, stream_));
  after();
}

void NcclCommunicator::allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) {
  require_device(all, "allgatherv");
  EMOAUG_CHECK(static_cast<int>(counts.size()) == size_, counts.size(), " block counts for ", size_,
               " ranks");
  EMOAUG_CHECK(std::accumulate(counts.begin(), counts.end(), int64_t{0}) == all.size(),
               "block counts do not add up to the buffer");
  before();
  EMOAUG_NCCL_CHECK(ncclGroupStart());
  int64_t offset = 0;
  for (int r = 0; r < size_; ++r) {
    if (counts[r] > 0) {
      float* block = all.data + offset;
      EMOAUG_NCCL_CHECK(ncclBroadcast(block, block, static_cast<size_t>(counts[r]), ncclFloat, r,
                                      comm_, stream_));
    }
    offset += counts[r];
  }
  EMOAUG_NCCL_CHECK(ncclGroupEnd());
  after();
}

void NcclCommunicator::barrier() {
  before();
  EMOAUG_CUDA_CHECK(cudaStreamSynchronize(stream_));
  EMOAUG_MPI_CHECK(MPI_Barrier(mpi_comm_));
}

}  // namespace emoaug::dist

#endif  // EMOAUG_HAVE_NCCL
