#include "dist/communicator.h"

#include <climits>
#include <numeric>

#include "core/error.h"
#include "dist/check.h"

#ifdef EMOAUG_HAVE_CUDA
#include "backend/cuda/libraries.h"
#endif
#ifdef EMOAUG_HAVE_NCCL
#include "dist/nccl_communicator.h"
#endif

namespace emoaug::dist {
namespace {

// MPI counts are ints; a buffer beyond 2^31 floats would need MPI 4's large-count calls.
int mpi_count(int64_t n, const char* what) {
  EMOAUG_CHECK(n >= 0 && n <= INT_MAX, what, ": ", n, " floats exceed an MPI count");
  return static_cast<int>(n);
}

void check_counts(ConstMatView all, const std::vector<int64_t>& counts, int size) {
  EMOAUG_CHECK(static_cast<int>(counts.size()) == size, counts.size(), " block counts for ", size,
               " ranks");
  const int64_t total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  EMOAUG_CHECK(total == all.size(), "blocks of ", total, " floats for a buffer of ", all.size());
}

}  // namespace

// ---- SelfCommunicator ---------------------------------------------------------------------

void SelfCommunicator::allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) {
  check_counts(all, counts, 1);
}

// ---- MpiCommunicator ----------------------------------------------------------------------

MpiCommunicator::MpiCommunicator(const Group& group) : comm_(group.comm()) {
  EMOAUG_CHECK(group.member() && group.uses_mpi(), "an MPI communicator needs an MPI group");
  rank_ = group.rank();
  size_ = group.size();
}

void MpiCommunicator::allgatherv_inplace(MatView all, const std::vector<int64_t>& counts) {
  EMOAUG_CHECK(all.device == Device::Host, "MPI collectives take host buffers");
  check_counts(all, counts, size_);
  std::vector<int> n(size_), displ(size_);
  int64_t offset = 0;
  for (int r = 0; r < size_; ++r) {
    n[r] = mpi_count(counts[r], "allgatherv block");
    displ[r] = mpi_count(offset, "allgatherv offset");
    offset += counts[r];
  }
  EMOAUG_MPI_CHECK(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data, n.data(),
                                  displ.data(), MPI_FLOAT, comm_));
}

void MpiCommunicator::barrier() {
  EMOAUG_MPI_CHECK(MPI_Barrier(comm_));
}

// ---- factory ------------------------------------------------------------------------------

std::unique_ptr<Communicator> make_communicator(const Group& group, Device device,
                                                const CollectiveSettings& settings) {
  EMOAUG_CHECK(group.member(), "a communicator for a rank outside the group");
  if (device == Device::Cuda) {
#ifdef EMOAUG_HAVE_NCCL
    // NCCL even for a group of one keeps device code paths identical across group sizes.
    if (group.uses_mpi()) return std::make_unique<NcclCommunicator>(group, settings);
    return std::make_unique<SelfCommunicator>(Device::Cuda);
#else
    (void)settings;
    EMOAUG_FAIL("device buffers need NCCL, and emoaug was built without it");
#endif
  }
  if (!group.uses_mpi() || group.size() == 1) return std::make_unique<SelfCommunicator>();
  return std::make_unique<MpiCommunicator>(group);
}

bool nccl_usable(std::string* why_not) {
#ifdef EMOAUG_HAVE_CUDA
  return ops::cuda::nccl_loadable(why_not);
#else
  if (why_not) *why_not = "emoaug was built without CUDA";
  return false;
#endif
}

}  // namespace emoaug::dist
