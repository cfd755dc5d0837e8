// The MPI world of one emoaug job and the groups carved out of it.
//
// World owns MPI's lifetime (MPI_Init_thread with FUNNELED: only the main thread calls MPI, which
// lets the task farm run rank 0's own tasks on a second thread). `emoaug run` started without
// mpirun is a world of one rank (Open MPI's singleton init); World(World::NoMpi{}) is a world of
// one rank that makes no MPI call at all, for unit tests and tools that never talk to other ranks.
//
// Besides rank and size it knows the node-local rank (an allgather of hostname hashes, as llm.c
// does), which picks the GPU: local_rank % device_count when the CUDA backend is built and the node
// has devices. It only looks at the GPU (name, UUID, compute mode: no CUDA context is made, so a
// CPU run leaves the node's GPUs alone); the task that computes there makes it current. Only the
// application layer reads ranks; stages get a Group or a Communicator.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace emoaug::dist {

// The ranks of one GAN group in one wave: a sub-communicator of the world (MPI_Comm_split with
// color = group id, key = world rank, so group ranks keep the world order). A rank that sits out a
// wave holds a Group that is not a member.
class Group {
 public:
  Group() = default;
  ~Group();
  Group(Group&& other) noexcept;
  Group& operator=(Group&& other) noexcept;
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  bool member() const { return member_; }
  int id() const { return id_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // MPI_COMM_NULL for a non-member and for a group of a world without MPI.
  MPI_Comm comm() const { return comm_; }
  bool uses_mpi() const { return comm_ != MPI_COMM_NULL; }
  // Collective over the group: group rank 0's value, on every member.
  int broadcast(int value) const;
  // Collective over the group: whether every member passed true.
  bool all(bool flag) const;

 private:
  friend class World;
  void release();
  bool member_ = false;
  int id_ = -1;
  int rank_ = 0;
  int size_ = 0;
  MPI_Comm comm_ = MPI_COMM_NULL;
};

class World {
 public:
  struct NoMpi {};

  // Initialises MPI unless something else already did (a test's main); finalises it on
  // destruction only if it initialised it.
  World(int* argc, char*** argv);
  explicit World(NoMpi);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  const std::string& hostname() const { return hostname_; }
  // The CUDA device this rank would use, or -1 for none; its UUID ("GPU-..."; the same
  // physical GPU has the same UUID whatever CUDA_VISIBLE_DEVICES calls it), how many ranks of this
  // node use it (counted by UUID: under srun --gpus-per-task every rank calls its GPU device 0),
  // and whether it is in EXCLUSIVE_PROCESS mode (one process at a time may hold a context on it).
  int gpu() const { return gpu_; }
  const std::string& gpu_uuid() const { return gpu_uuid_; }
  int ranks_on_gpu() const { return ranks_on_gpu_; }
  bool gpu_exclusive_process() const { return gpu_exclusive_process_; }
  bool uses_mpi() const { return uses_mpi_; }
  // MPI_COMM_WORLD, or MPI_COMM_NULL without MPI.
  MPI_Comm comm() const { return uses_mpi_ ? MPI_COMM_WORLD : MPI_COMM_NULL; }

  // Collective over the world: ranks passing the same group_id >= 0 form one group; a negative id
  // (idle in this wave) yields a non-member Group.
  Group split(int group_id) const;
  void barrier() const;
  // Collective over the world: whether any rank passed true.
  bool any(bool flag) const;
  // Every rank's hostname, distinct, in rank order of first appearance (provenance for results).
  std::vector<std::string> hostnames() const;
  // Collective over the group: whether its members use pairwise different GPUs (by UUID), as NCCL
  // requires of one communicator. Members without a GPU count as sharing one.
  bool distinct_gpus(const Group& group) const;

  // Ends the whole job from any one rank: prints `line` on stderr, then MPI_Abort (a world of one
  // rank finalizes and exits, without MPI_Abort's banner). Never waits for another rank, so it
  // cannot deadlock.
  [[noreturn]] void abort(int exit_code, const std::string& line) const;

 private:
  void find_local_rank();
  void pick_gpu();
  void count_ranks_on_gpu();

  bool uses_mpi_ = false;
  bool owns_mpi_ = false;
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
  int local_size_ = 1;
  int gpu_ = -1;
  std::string gpu_uuid_;
  int ranks_on_gpu_ = 0;
  bool gpu_exclusive_process_ = false;
  std::string hostname_;
};

// The same device choice as a pure function, for tests and for `emoaug plan`.
int gpu_for_local_rank(int local_rank, int device_count);

// One rank's GPU as the others see it: its node and its GPU's UUID, hashed (0: no GPU).
struct GpuSeat {
  uint64_t host = 0;
  uint64_t gpu = 0;
};
// How many of `seats` (every rank's) use the same physical GPU as seats[me]; 0 when it has none.
int ranks_sharing_gpu(const std::vector<GpuSeat>& seats, int me);
// Why ranks cannot share this GPU, or "" when they can: a GPU in EXCLUSIVE_PROCESS mode takes one
// process's context, so the second rank's first CUDA call would fail mid-task.
std::string gpu_sharing_error(int ranks_on_gpu, bool exclusive_process, const std::string& where);

// CPU threads for a rank when the config leaves it open: OPENBLAS_NUM_THREADS or OMP_NUM_THREADS
// when set (SLURM's --cpus-per-task arrives that way), else the cores this process may run on,
// shared with the node's other ranks unless the launcher already gave each rank cores of its own
// (mpirun binds a few ranks to a core each, srun --cpus-per-task sets a mask). Never below 1.
int default_cpu_threads(int local_ranks);
// The same from explicit inputs: an environment value (or null), the cores of the process's CPU
// mask and of the node.
int default_cpu_threads(const char* env_threads, int usable_cores, int node_cores, int local_ranks);

// FNV-1a of a hostname; ranks with equal hashes are on one node.
uint64_t hostname_hash(const std::string& hostname);

}  // namespace emoaug::dist
