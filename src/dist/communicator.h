// Collectives over one group's ranks, on flat float buffers. A stage holds a Communicator and
// never a rank number: the same code sums gradients over 1 rank (SelfCommunicator), over MPI on
// CPUs (MpiCommunicator) and over NCCL on GPUs (NcclCommunicator, nccl_communicator.h).
//
// Every call is collective over the group and blocking: when it returns, the result is in the
// caller's buffer (for NCCL: the stream has been synchronised), so callers need no stream logic.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "dist/world.h"

namespace emoaug::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Where its buffers must live.
  virtual Device device() const = 0;

  // A sum over ranks goes through the ordered sum (ordered_sum.h), built on allgatherv_inplace, so
  // that its bytes do not depend on the number of ranks.
  // In place, blocks of different sizes: `all` holds counts[0] floats of rank 0, then counts[1] of
  // rank 1, ...; on entry this rank's block is filled, on exit every block is.
  virtual void allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) = 0;
  virtual void barrier() = 0;
};

// A group of one: every collective is a copy or nothing. No MPI call.
class SelfCommunicator : public Communicator {
 public:
  explicit SelfCommunicator(Device device = Device::Host) : device_(device) {}
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Device device() const override { return device_; }
  void allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) override;
  void barrier() override {}

 private:
  Device device_;
};

// Host buffers over an MPI communicator (the Group keeps ownership of it).
class MpiCommunicator : public Communicator {
 public:
  explicit MpiCommunicator(const Group& group);
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  Device device() const override { return Device::Host; }
  void allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) override;
  void barrier() override;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

// How a device communicator waits: the limit after which a collective that a peer never joined is
// aborted (experiment.nccl_timeout_s), and who is waiting ("rank 3 on node7, GPU 0 (GPU-...)"), for
// the one line the job ends with.
struct CollectiveSettings {
  double timeout_s = 300;
  std::string where;
};

// The communicator for a group's buffers on `device`: Self for a group of one (or a world without
// MPI), MPI for host buffers, NCCL for device buffers (an error when NCCL cannot be used).
std::unique_ptr<Communicator> make_communicator(const Group& group, Device device,
                                                const CollectiveSettings& settings = {});
// Whether NCCL can be used here: built with nccl.h and its library found at run time (opening it
// on the first call). `why_not` says what is missing.
bool nccl_usable(std::string* why_not = nullptr);

}  // namespace emoaug::dist
