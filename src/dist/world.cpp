#include "dist/world.h"

#include <algorithm>

#include <sched.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "core/log.h"
#include "dist/check.h"

#ifdef EMOAUG_HAVE_CUDA
#include "backend/cuda/check.h"
#endif

namespace emoaug::dist {

// ---- Group --------------------------------------------------------------------------------

Group::~Group() {
  release();
}

Group::Group(Group&& o) noexcept
    : member_(std::exchange(o.member_, false)),
      id_(std::exchange(o.id_, -1)),
      rank_(std::exchange(o.rank_, 0)),
      size_(std::exchange(o.size_, 0)),
      comm_(std::exchange(o.comm_, MPI_COMM_NULL)) {}

Group& Group::operator=(Group&& o) noexcept {
  if (this != &o) {
    release();
    member_ = std::exchange(o.member_, false);
    id_ = std::exchange(o.id_, -1);
    rank_ = std::exchange(o.rank_, 0);
    size_ = std::exchange(o.size_, 0);
    comm_ = std::exchange(o.comm_, MPI_COMM_NULL);
  }
  return *this;
}

void Group::release() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  // Freeing after MPI_Finalize is an error; by then the process is exiting anyway.
  if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
  member_ = false;
}

int Group::broadcast(int value) const {
  if (member_ && comm_ != MPI_COMM_NULL) EMOAUG_MPI_CHECK(MPI_Bcast(&value, 1, MPI_INT, 0, comm_));
  return value;
}

bool Group::all(bool flag) const {
  int value = flag ? 1 : 0;
  if (member_ && comm_ != MPI_COMM_NULL)
    EMOAUG_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MIN, comm_));
  return value != 0;
}

// ---- World --------------------------------------------------------------------------------

uint64_t hostname_hash(const std::string& hostname) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : hostname) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

int gpu_for_local_rank(int local_rank, int device_count) {
  return device_count > 0 ? local_rank % device_count : -1;
}

namespace {
std::string this_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}
}  // namespace

World::World(int* argc, char*** argv) : uses_mpi_(true), hostname_(this_hostname()) {
  int initialized = 0;
  EMOAUG_MPI_CHECK(MPI_Initialized(&initialized));
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    EMOAUG_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
    owns_mpi_ = true;
  } else {
    EMOAUG_MPI_CHECK(MPI_Query_thread(&provided));
  }
  // Errors come back as codes so that EMOAUG_MPI_CHECK can name the call and the rank; groups
  // split from the world inherit the handler.
  EMOAUG_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  EMOAUG_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  EMOAUG_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
  log_set_rank(rank_, size_);
  if (provided < MPI_THREAD_FUNNELED)
    log_warn(
        "MPI provides thread level %d, below FUNNELED: the task farm's coordinator thread "
        "may misbehave",
        provided);
  find_local_rank();
  pick_gpu();
}

World::World(NoMpi) : hostname_(this_hostname()) {
  log_set_rank(0, 1);
  pick_gpu();
}

World::~World() {
  if (!owns_mpi_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::vector<std::string> World::hostnames() const {
  if (!uses_mpi_ || size_ == 1) return {hostname_};
  constexpr int kWidth = 256;
  std::vector<char> all(static_cast<size_t>(kWidth) * size_, '\0');
  std::string mine = hostname_.substr(0, kWidth - 1);
  mine.resize(kWidth, '\0');
  EMOAUG_MPI_CHECK(
      MPI_Allgather(mine.data(), kWidth, MPI_CHAR, all.data(), kWidth, MPI_CHAR, MPI_COMM_WORLD));
  std::vector<std::string> names;
  for (int r = 0; r < size_; ++r) {
    std::string name(all.data() + static_cast<size_t>(r) * kWidth);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

void World::find_local_rank() {
  // Hashes rather than names: one fixed-size word per rank, as llm.c does; a collision between two
  // hostnames only mis-assigns GPUs, never results.
  std::vector<uint64_t> hashes(size_);
  uint64_t mine = hostname_hash(hostname_);
  EMOAUG_MPI_CHECK(
      MPI_Allgather(&mine, 1, MPI_UINT64_T, hashes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD));
  local_rank_ = 0;
  local_size_ = 0;
  for (int r = 0; r < size_; ++r) {
    if (hashes[r] != mine) continue;
    if (r < rank_) ++local_rank_;
    ++local_size_;
  }
}

void World::pick_gpu() {
#ifdef EMOAUG_HAVE_CUDA
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // no driver or no device: a CPU run, not an error
    count = 0;
  }
  gpu_ = gpu_for_local_rank(local_rank_, count);
  if (gpu_ >= 0) {
    // Neither call makes a context (cudaSetDevice would, since CUDA 12): the rank's GPU is only
    // touched once a task runs there.
    cudaDeviceProp prop{};
    EMOAUG_CUDA_CHECK(cudaGetDeviceProperties(&prop, gpu_));
    char uuid[64] = "GPU-";
    for (int i = 0; i < 16; ++i) {
      std::snprintf(uuid + std::strlen(uuid), 4, "%02x",
                    static_cast<unsigned char>(prop.uuid.bytes[i]));
      if (i == 3 || i == 5 || i == 7 || i == 9) std::strcat(uuid, "-");
    }
    gpu_uuid_ = uuid;
    int mode = cudaComputeModeDefault;
    EMOAUG_CUDA_CHECK(cudaDeviceGetAttribute(&mode, cudaDevAttrComputeMode, gpu_));
    gpu_exclusive_process_ = mode == cudaComputeModeExclusiveProcess;
  }
#else
  gpu_ = -1;
#endif
  count_ranks_on_gpu();
}

void World::count_ranks_on_gpu() {
  const GpuSeat mine{hostname_hash(hostname_), gpu_ < 0 ? 0 : hostname_hash(gpu_uuid_)};
  std::vector<GpuSeat> seats(1, mine);
  if (uses_mpi_ && size_ > 1) {
    seats.resize(static_cast<size_t>(size_));
    static_assert(sizeof(GpuSeat) == 2 * sizeof(uint64_t), "GpuSeat travels as two words");
    EMOAUG_MPI_CHECK(
        MPI_Allgather(&mine, 2, MPI_UINT64_T, seats.data(), 2, MPI_UINT64_T, MPI_COMM_WORLD));
  }
  ranks_on_gpu_ = ranks_sharing_gpu(seats, uses_mpi_ && size_ > 1 ? rank_ : 0);
}

int ranks_sharing_gpu(const std::vector<GpuSeat>& seats, int me) {
  const GpuSeat& mine = seats.at(static_cast<size_t>(me));
  if (mine.gpu == 0) return 0;
  int n = 0;
  for (const GpuSeat& s : seats) n += s.host == mine.host && s.gpu == mine.gpu;
  return n;
}

std::string gpu_sharing_error(int ranks_on_gpu, bool exclusive_process, const std::string& where) {
  if (ranks_on_gpu <= 1 || !exclusive_process) return "";
  return where + " is in EXCLUSIVE_PROCESS compute mode and " + std::to_string(ranks_on_gpu) +
         " ranks of this node would share it: only one process may use it at a time, so run one "
         "rank per GPU (srun --gpus-per-task=1, or mpirun -np <GPUs per node> per node), or set "
         "experiment.backend = \"cpu\"";
}

Group World::split(int group_id) const {
  Group g;
  if (!uses_mpi_) {
    g.member_ = group_id >= 0;
    g.id_ = group_id;
    g.rank_ = 0;
    g.size_ = g.member_ ? 1 : 0;
    return g;
  }
  MPI_Comm comm = MPI_COMM_NULL;
  EMOAUG_MPI_CHECK(
      MPI_Comm_split(MPI_COMM_WORLD, group_id >= 0 ? group_id : MPI_UNDEFINED, rank_, &comm));
  if (comm == MPI_COMM_NULL) return g;
  g.comm_ = comm;
  g.member_ = true;
  g.id_ = group_id;
  EMOAUG_MPI_CHECK(MPI_Comm_rank(comm, &g.rank_));
  EMOAUG_MPI_CHECK(MPI_Comm_size(comm, &g.size_));
  return g;
}

void World::barrier() const {
  if (uses_mpi_) EMOAUG_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

bool World::distinct_gpus(const Group& group) const {
  if (!group.member()) return false;
  const uint64_t mine = gpu_ < 0 ? 0 : hostname_hash(gpu_uuid_);
  if (!group.uses_mpi() || group.size() == 1) return gpu_ >= 0;
  std::vector<uint64_t> all(group.size());
  EMOAUG_MPI_CHECK(
      MPI_Allgather(&mine, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, group.comm()));
  std::sort(all.begin(), all.end());
  return all.front() != 0 && std::adjacent_find(all.begin(), all.end()) == all.end();
}

bool World::any(bool flag) const {
  int value = flag ? 1 : 0;
  if (uses_mpi_)
    EMOAUG_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  return value != 0;
}

void World::abort(int exit_code, const std::string& line) const {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (uses_mpi_ && !finalized) {
    // Alone, nobody waits for this rank: finalize rather than print MPI_Abort's banner.
    if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
    MPI_Finalize();
  }
  std::exit(exit_code);
}

int default_cpu_threads(const char* env_threads, int usable_cores, int node_cores,
                        int local_ranks) {
  if (env_threads && std::atoi(env_threads) > 0) return std::atoi(env_threads);
  if (usable_cores > 0 && usable_cores < node_cores) return usable_cores;
  return std::max(1, std::max(1, node_cores) / std::max(1, local_ranks));
}

int default_cpu_threads(int local_ranks) {
  const char* env = nullptr;
  for (const char* var : {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
    env = std::getenv(var);
    if (env && std::atoi(env) > 0) break;
    env = nullptr;
  }
  const int node = static_cast<int>(std::thread::hardware_concurrency());
  cpu_set_t mask;
  CPU_ZERO(&mask);
  const int usable = sched_getaffinity(0, sizeof(mask), &mask) == 0 ? CPU_COUNT(&mask) : node;
  return default_cpu_threads(env, usable, node, local_ranks);
}

}  // namespace emoaug::dist
