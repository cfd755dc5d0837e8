// Collectives over NCCL for device buffers (built when nccl.h was found: EMOAUG_HAVE_NCCL; the
// library itself is opened at run time, backend/cuda/libraries.h), set up as nccl-tests does: group
// rank 0 makes the ncclUniqueId, MPI_Bcast hands it to the group, every rank calls
// ncclCommInitRank. Calls are queued on one stream, and the call returns once the stream is done:
// the wait polls the stream and NCCL's asynchronous error, and after `timeout_s` aborts the
// communicator and throws (collective_wait.h), so a dead peer ends the job instead of hanging it.
//
// Ordering with the compute that produced the inputs: when the backend's stream is passed in, the
// collectives queue behind that work on the same stream; without it they first wait for the whole
// device (cudaDeviceSynchronize) — correct whatever stream the backend used, at a few microseconds
// per call.
#pragma once

#ifdef EMOAUG_HAVE_NCCL

#include <cuda_runtime.h>
#include <nccl.h>

#include "dist/communicator.h"

namespace emoaug::dist {

class NcclCommunicator : public Communicator {
 public:
  // Collective over the group. The rank's device must be current (the task's ExecutionScope makes
  // it so).
  explicit NcclCommunicator(const Group& group, const CollectiveSettings& settings = {},
                            cudaStream_t stream = nullptr);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  Device device() const override { return Device::Cuda; }
  // As grouped broadcasts, one per rank's block: NCCL has no allgatherv, and padding every block to
  // the largest would move up to twice the bytes.
  void allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) override;
  void barrier() override;

 private:
  void before();
  void after(const char* collective, int64_t floats);

  MPI_Comm mpi_comm_;
  int rank_ = 0;
  int size_ = 1;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  bool owns_stream_ = false;
  // After an abort the communicator must not be destroyed (ncclCommDestroy would wait for peers).
  bool aborted_ = false;
  CollectiveSettings settings_;
};

}  // namespace emoaug::dist

#endif  // EMOAUG_HAVE_NCCL
