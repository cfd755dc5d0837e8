#include "backend/cuda/libraries.h"

#include <dlfcn.h>
#include <glob.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <set>
#include <sstream>

#include "core/error.h"

namespace emoaug::ops::cuda {
namespace {

const char* process_env(const char* name) {
  return std::getenv(name);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string parent(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::vector<std::string> split_path(const char* value) {
  std::vector<std::string> out;
  if (!value) return out;
  std::string item;
  std::istringstream in(value);
  while (std::getline(in, item, ':'))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<std::string> glob_dirs(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_ONLYDIR, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.push_back(g.gl_pathv[i]);
  ::globfree(&g);
  return out;
}

// The library folders of a toolkit or package root, as CUDA and NCCL lay them out.
std::vector<std::string> library_folders(const std::string& root) {
  std::vector<std::string> out;
  for (const char* sub : {"/lib64", "/lib", "/targets/x86_64-linux/lib"})
    if (is_dir(root + sub)) out.push_back(root + sub);
  return out;
}

const std::vector<const char*>& toolkit_variables() {
  static const std::vector<const char*> vars = {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT",
                                                "CUDA_TOOLKIT_ROOT_DIR", "EBROOTCUDA"};
  return vars;
}

std::string format_version(long long major, long long minor, long long patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string loaded_path(void* handle) {
  link_map* map = nullptr;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_name) return "";
  return real_path(map->l_name);
}

template <class Fn>
Fn symbol(void* handle, const char* name, const LibraryInfo& lib) {
  void* p = ::dlsym(handle, name);
  if (!p)
    EMOAUG_FAIL(lib.path, " has no ", name, " (", lib.soname,
                " of another version? emoaug needs the CUDA 13 libraries)");
  return reinterpret_cast<Fn>(p);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : "; ") + s;
  return out;
}

// Loads the first candidate that dlopen accepts; the handle stays open for the process.
void* open_library(const LibrarySpec& spec, LibraryInfo& info) {
  info.name = spec.name;
  info.soname = spec.soname;
  std::vector<std::string> unset;
  for (const char* var : toolkit_variables())
    if (!process_env(var)) unset.push_back(var);
  for (const LibraryCandidate& c : library_candidates(spec, process_env)) {
    const bool folder = is_dir(c.path);
    const std::string file = c.path.empty() ? spec.soname
                             : folder       ? c.path + "/" + spec.soname
                                            : c.path;
    if (!c.path.empty() && !is_file(file)) {
      info.looked_in.push_back(c.origin + ": " + c.path +
                               (folder ? " (no " + spec.soname + ")" : " (no such file)"));
      continue;
    }
    ::dlerror();
    void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      info.path = loaded_path(handle);
      if (info.path.empty()) info.path = file;
      return handle;
    }
    const char* why = ::dlerror();
    info.looked_in.push_back(c.origin + ": " + (c.path.empty() ? spec.soname : file) + " (" +
                             (why ? why : "dlopen failed") + ")");
  }
  if (!unset.empty() && !process_env(spec.variable.c_str())) {
    std::string names;
    for (const std::string& v : unset) names += (names.empty() ? "" : " ") + v;
    info.looked_in.push_back("unset: " + names);
  }
  info.error = "not found";
  return nullptr;
}

[[noreturn]] void fail_missing(const LibraryInfo& info, const char* what, const char* needed_for) {
  EMOAUG_FAIL(what, " (", info.soname, ") is needed for ", needed_for, " but was ", info.error,
              "; looked in: ", joined(info.looked_in), ". Set ",
              info.name == "nccl" ? "EMOAUG_LIBNCCL" : "EMOAUG_LIBCUBLAS",
              " to the file or its folder, or CUDA_HOME to the toolkit");
}

LibrarySpec cublas_spec() {
  return {"cublas", "libcublas.so.13", "EMOAUG_LIBCUBLAS", {}, {"cu13", "cublas"}};
}
LibrarySpec cublaslt_spec() {
  return {"cublasLt", "libcublasLt.so.13", "EMOAUG_LIBCUBLAS", {}, {"cu13", "cublas"}};
}
LibrarySpec nccl_spec() {
  return {"nccl",
          "libnccl.so.2",
          "EMOAUG_LIBNCCL",
          {"NCCL_HOME", "NCCL_ROOT", "NCCL_DIR", "EBROOTNCCL"},
          {"nccl", "cu13"}};
}

// A library's entry points, or why there are none.
template <class Api>
struct Loaded {
  LibraryInfo info;
  Api api{};
};

// Opens `spec` and resolves its entry points with `resolve(handle, api, info)`, which also sets the
// version; a missing entry point makes the library unusable rather than a crash at its first call.
template <class Api, class Resolve>
Loaded<Api> load(const LibrarySpec& spec, Resolve resolve) {
  Loaded<Api> out;
  void* h = open_library(spec, out.info);
  if (!h) return out;
  try {
    resolve(h, out.api, out.info);
  } catch (const Error& e) {
    out.info.looked_in.push_back(e.what());
    out.info.path.clear();
    out.info.error = "unusable";
  }
  return out;
}

#define EMOAUG_RESOLVE(field, name) api.field = symbol<decltype(api.field)>(handle, name, info)

// Loaded once; a failed load is kept too, so that every caller gets the same answer.
const Loaded<CublasApi>& cublas_loaded() {
  static const Loaded<CublasApi> loaded =
      load<CublasApi>(cublas_spec(), [](void* handle, CublasApi& api, LibraryInfo& info) {
        EMOAUG_RESOLVE(create, "cublasCreate_v2");
        EMOAUG_RESOLVE(destroy, "cublasDestroy_v2");
        EMOAUG_RESOLVE(set_stream, "cublasSetStream_v2");
        EMOAUG_RESOLVE(set_workspace, "cublasSetWorkspace_v2");
        EMOAUG_RESOLVE(set_math_mode, "cublasSetMathMode");
        EMOAUG_RESOLVE(sgemm, "cublasSgemm_v2");
        EMOAUG_RESOLVE(status_name, "cublasGetStatusName");
        EMOAUG_RESOLVE(status_string, "cublasGetStatusString");
        EMOAUG_RESOLVE(get_property, "cublasGetProperty");
        int major = 0, minor = 0, patch = 0;
        api.get_property(MAJOR_VERSION, &major);
        api.get_property(MINOR_VERSION, &minor);
        api.get_property(PATCH_LEVEL, &patch);
        info.version = format_version(major, minor, patch);
      });
  return loaded;
}

#ifdef EMOAUG_HAVE_NCCL
const Loaded<NcclApi>& nccl_loaded() {
  static const Loaded<NcclApi> loaded =
      load<NcclApi>(nccl_spec(), [](void* handle, NcclApi& api, LibraryInfo& info) {
        EMOAUG_RESOLVE(get_version, "ncclGetVersion");
        EMOAUG_RESOLVE(get_unique_id, "ncclGetUniqueId");
        EMOAUG_RESOLVE(comm_init_rank, "ncclCommInitRank");
        EMOAUG_RESOLVE(comm_destroy, "ncclCommDestroy");
        EMOAUG_RESOLVE(comm_abort, "ncclCommAbort");
        EMOAUG_RESOLVE(comm_get_async_error, "ncclCommGetAsyncError");
        EMOAUG_RESOLVE(get_error_string, "ncclGetErrorString");
        EMOAUG_RESOLVE(broadcast, "ncclBroadcast");
        EMOAUG_RESOLVE(group_start, "ncclGroupStart");
        EMOAUG_RESOLVE(group_end, "ncclGroupEnd");
        int code = 0;
        api.get_version(&code);
        // NCCL_VERSION(X, Y, Z) is X * 10000 + Y * 100 + Z since NCCL 2.9.
        info.version = format_version(code / 10000, code % 10000 / 100, code % 100);
      });
  return loaded;
}
#endif

#undef EMOAUG_RESOLVE

std::string cublaslt_version(void* handle) {
  auto get = reinterpret_cast<size_t (*)()>(::dlsym(handle, "cublasLtGetVersion"));
  if (!get) return "";
  const auto code = static_cast<long long>(get());
  return format_version(code / 10000, code % 10000 / 100, code % 100);
}

LibraryInfo describe_cublaslt(const LibraryInfo& cublas) {
  LibraryInfo info;
  info.name = "cublasLt";
  info.soname = cublaslt_spec().soname;
  // cuBLAS loads its own cuBLASLt (its DT_NEEDED, through its $ORIGIN run path): report that one.
  if (cublas.found())
    if (void* h = ::dlopen(info.soname.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
      info.path = loaded_path(h);
      info.version = cublaslt_version(h);
      return info;
    }
  if (void* h = open_library(cublaslt_spec(), info)) info.version = cublaslt_version(h);
  return info;
}

}  // namespace

bool driver_loadable(std::string* why_not) {
  ::dlerror();
  if (::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) return true;
  const char* why = ::dlerror();
  if (why_not)
    *why_not =
        std::string("no NVIDIA driver here (") + (why ? why : "libcuda.so.1 not found") + ")";
  return false;
}

namespace {

LibraryInfo describe_driver() {
  LibraryInfo info;
  info.name = "cuda-driver";
  info.soname = "libcuda.so.1";
  ::dlerror();
  void* h = ::dlopen(info.soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = ::dlerror();
    info.error = "not found";
    info.looked_in.push_back(std::string("loader: ") + (why ? why : "dlopen failed"));
    return info;
  }
  info.path = loaded_path(h);
  using GetVersion = int (*)(int*);
  if (auto get = reinterpret_cast<GetVersion>(::dlsym(h, "cuDriverGetVersion"))) {
    int v = 0;
    if (get(&v) == 0)
      info.version = "CUDA " + std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
  }
  return info;
}

}  // namespace

std::string LibraryInfo::line() const {
  std::string out = "library " + name + ": ";
  if (found()) return out + path + " (" + (version.empty() ? "version unknown" : version) + ")";
  return out + (error.empty() ? "not found" : error) + " (looked in: " + joined(looked_in) + ")";
}

std::vector<LibraryCandidate> library_candidates(const LibrarySpec& spec, const Environment& env) {
  std::vector<LibraryCandidate> out;
  if (const char* explicit_path = env(spec.variable.c_str()); explicit_path && *explicit_path) {
    const std::string p = explicit_path;
    // A file is tried as it is named; a folder as the folder holding the soname.
    if (is_dir(p))
      out.push_back({spec.variable, p});
    else
      out.push_back({spec.variable + " (file)", p});
    return out;
  }
  std::set<std::string> seen;
  auto add = [&](const std::string& origin, const std::string& folder) {
    if (seen.insert(real_path(folder)).second) out.push_back({origin, folder});
  };
  std::vector<const char*> roots(spec.home_variables.size());
  for (size_t i = 0; i < spec.home_variables.size(); ++i) roots[i] = spec.home_variables[i].c_str();
  for (const char* var : toolkit_variables()) roots.push_back(var);
  for (const char* var : roots)
    if (const char* root = env(var); root && *root)
      for (const std::string& folder : library_folders(root)) add(var, folder);
  const std::vector<std::string> path = split_path(env("PATH"));
  for (const std::string& dir : path)
    if (is_file(dir + "/nvcc")) {
      const std::string toolkit = parent(parent(real_path(dir + "/nvcc")));
      for (const std::string& folder : library_folders(toolkit)) add("nvcc (" + dir + ")", folder);
      break;
    }
  const char* ld_path = env("LD_LIBRARY_PATH");
  out.push_back({std::string("the loader's path and cache (LD_LIBRARY_PATH ") +
                     (ld_path && *ld_path ? std::string("= ") + ld_path : "unset") + ")",
                 ""});
  for (const std::string& dir : path) {
    if (!is_file(dir + "/python3") && !is_file(dir + "/python")) continue;
    const std::string origin = "python3 on PATH (" + dir + ")";
    for (const char* lib : {"lib", "lib64"})
      for (const char* packages : {"site-packages", "dist-packages"})
        for (const std::string& package : spec.wheel_packages)
          for (const std::string& folder : glob_dirs(dir + "/../" + lib + "/python3*/" + packages +
                                                     "/nvidia/" + package + "/lib"))
            add(origin, folder);
  }
  return out;
}

const CublasApi& cublas_api() {
  const Loaded<CublasApi>& loaded = cublas_loaded();
  if (!loaded.info.found()) fail_missing(loaded.info, "cuBLAS", "the CUDA backend");
  return loaded.api;
}

bool cublas_loadable(std::string* why_not) {
  const Loaded<CublasApi>& loaded = cublas_loaded();
  if (loaded.info.found()) return true;
  if (why_not) *why_not = loaded.info.line();
  return false;
}

#ifdef EMOAUG_HAVE_NCCL
const NcclApi& nccl_api() {
  const Loaded<NcclApi>& loaded = nccl_loaded();
  if (!loaded.info.found()) fail_missing(loaded.info, "NCCL", "a group spread over several GPUs");
  return loaded.api;
}
#endif

bool nccl_loadable(std::string* why_not) {
#ifdef EMOAUG_HAVE_NCCL
  const Loaded<NcclApi>& loaded = nccl_loaded();
  if (loaded.info.found()) return true;
  if (why_not) *why_not = loaded.info.line();
  return false;
#else
  if (why_not) *why_not = "emoaug was built without nccl.h";
  return false;
#endif
}

std::vector<LibraryInfo> describe_libraries() {
  std::vector<LibraryInfo> out;
  out.push_back(describe_driver());
  const LibraryInfo cublas = cublas_loaded().info;
  out.push_back(cublas);
  out.push_back(describe_cublaslt(cublas));
#ifdef EMOAUG_HAVE_NCCL
  out.push_back(nccl_loaded().info);
#else
  LibraryInfo nccl;
  nccl.name = "nccl";
  nccl.soname = "libnccl.so.2";
  nccl.error = "not built (no nccl.h when emoaug was configured)";
  out.push_back(nccl);
#endif
  return out;
}

}  // namespace emoaug::ops::cuda
