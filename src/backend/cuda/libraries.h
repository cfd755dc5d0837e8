// The CUDA libraries that emoaug opens at run time instead of linking: cuBLAS (which brings
// cuBLASLt) and NCCL. The CUDA runtime is linked statically and opens the driver itself, so every
// binary starts on a machine with no CUDA library at all; a library is looked for only when the
// CUDA backend (cuBLAS) or a group spread over several GPUs (NCCL) first needs it.
//
// Where a library is looked for, in this order (docs/cuda.md, "Where the CUDA libraries come
// from"): the explicit variable (EMOAUG_LIBCUBLAS, EMOAUG_LIBNCCL: a file or a folder; when set,
// nothing else is tried), the toolkit variables (CUDA_HOME, CUDA_PATH, CUDA_ROOT,
// CUDA_TOOLKIT_ROOT_DIR, EBROOTCUDA; for NCCL first NCCL_HOME, NCCL_ROOT, NCCL_DIR, EBROOTNCCL),
// nvcc's toolkit (nvcc on PATH), the loader's own search (LD_LIBRARY_PATH and its cache), then the
// `nvidia/*/lib` folders of the Python environments whose python3 is on PATH (PyTorch's wheels:
// nvidia-cublas, nvidia-nccl-cu13).
#pragma once

#include <cublas_v2.h>

#include <functional>
#include <string>
#include <vector>

#ifdef EMOAUG_HAVE_NCCL
#include <nccl.h>
#endif

namespace emoaug::ops::cuda {

// One runtime library: what was looked for, and what was found.
struct LibraryInfo {
  std::string name;    // "cublas", "cublasLt", "nccl", "cuda-driver"
  std::string soname;  // "libcublas.so.13"
  std::string path;    // the file that was loaded, empty when none
  std::string version;
  std::string error;  // why none was loaded
  std::vector<std::string> looked_in;
  bool found() const { return !path.empty(); }
  // "library cublas: /path/libcublas.so.13 (13.0.2)" or "library nccl: not found (...)".
  std::string line() const;
};

// A place to look: a folder holding the soname, a file (an explicit variable may name one), or
// (empty) the loader's own search by soname.
struct LibraryCandidate {
  std::string origin;  // "CUDA_HOME", "nvcc", "loader", "python3 on PATH (/x/bin)", ...
  std::string path;
};

struct LibrarySpec {
  std::string name;                         // "cublas"
  std::string soname;                       // "libcublas.so.13"
  std::string variable;                     // "EMOAUG_LIBCUBLAS"
  std::vector<std::string> home_variables;  // before the toolkit's, e.g. NCCL_HOME
  std::vector<std::string> wheel_packages;  // nvidia/<package>/lib, "*" for any
};

// The places to look for `spec`, in order, with the environment read through `env` (tests pass
// their own). Folders that do not exist are left out; a set explicit variable is the only entry.
using Environment = std::function<const char*(const char*)>;
std::vector<LibraryCandidate> library_candidates(const LibrarySpec& spec, const Environment& env);

// cuBLAS's entry points that emoaug calls, resolved from the library found at run time. The first
// call loads it, or throws one line naming the library and where it was looked for.
struct CublasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasDestroy_v2) destroy;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSetWorkspace_v2) set_workspace;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasGetStatusName) status_name;
  decltype(&cublasGetStatusString) status_string;
  decltype(&cublasGetProperty) get_property;
};
const CublasApi& cublas_api();
// Whether cuBLAS can be opened (opens it); `why_not` says where it was looked for.
bool cublas_loadable(std::string* why_not);

#ifdef EMOAUG_HAVE_NCCL
struct NcclApi {
  decltype(&ncclGetVersion) get_version;
  decltype(&ncclGetUniqueId) get_unique_id;
  decltype(&ncclCommInitRank) comm_init_rank;
  decltype(&ncclCommDestroy) comm_destroy;
  decltype(&ncclCommAbort) comm_abort;
  decltype(&ncclCommGetAsyncError) comm_get_async_error;
  decltype(&ncclGetErrorString) get_error_string;
  decltype(&ncclBroadcast) broadcast;
  decltype(&ncclGroupStart) group_start;
  decltype(&ncclGroupEnd) group_end;
};
const NcclApi& nccl_api();
#endif

// Whether the NVIDIA driver's libcuda.so.1 can be opened (the CUDA runtime opens it the same way).
bool driver_loadable(std::string* why_not);

// Whether NCCL can be used: built with its header and the library found (loads it). `why_not`
// says what is missing.
bool nccl_loadable(std::string* why_not);

// Every runtime library, loaded where it can be (for `emoaug info`): the driver, cuBLAS, cuBLASLt,
// NCCL. The CUDA runtime is linked in.
std::vector<LibraryInfo> describe_libraries();

}  // namespace emoaug::ops::cuda
