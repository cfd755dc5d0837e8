// Where the CUDA backend looks for cuBLAS and NCCL (src/backend/cuda/libraries.h): the order of the
// places, on folder trees made here. Loading itself is checked end to end, with the libraries
// hidden or moved into a wheel-shaped tree, by tests/bundle/check_loader.sh.
#include <gtest/gtest.h>

#ifdef EMOAUG_HAVE_CUDA

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "backend/cuda/libraries.h"
#include "file_helpers.h"

namespace emoaug::ops::cuda {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& file) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "";
}

struct FakeEnv {
  std::map<std::string, std::string> vars;
  Environment env() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

std::vector<std::string> origins(const std::vector<LibraryCandidate>& cs) {
  std::vector<std::string> out;
  for (const LibraryCandidate& c : cs) out.push_back(c.origin);
  return out;
}

LibrarySpec nccl() {
  return {"nccl", "libnccl.so.2", "EMOAUG_LIBNCCL", {"NCCL_HOME"}, {"nccl", "cu13"}};
}

TEST(CudaLibraries, ThePlacesComeInTheDocumentedOrder) {
  emoaug::testing::TempDir tmp;
  const fs::path root = tmp.path();
  touch(root / "nccl-module/lib/libnccl.so.2");
  touch(root / "toolkit/lib64/libcublas.so.13");
  touch(root / "toolkit/bin/nvcc");
  touch(root / "other-toolkit/lib64/libnccl.so.2");
  touch(root / "other-toolkit/bin/nvcc");
  touch(root / "venv/bin/python3");
  touch(root / "venv/lib/python3.11/site-packages/nvidia/nccl/lib/libnccl.so.2");
  touch(root / "venv/lib/python3.11/site-packages/nvidia/cufft/lib/libcufft.so.12");
  FakeEnv e;
  e.vars["NCCL_HOME"] = (root / "nccl-module").string();
  e.vars["CUDA_HOME"] = (root / "toolkit").string();
  e.vars["PATH"] =
      (root / "other-toolkit/bin").string() + ":/nonexistent:" + (root / "venv/bin").string();
  const std::vector<LibraryCandidate> cs = library_candidates(nccl(), e.env());
  const std::vector<std::string> got = origins(cs);
  ASSERT_EQ(got.size(), 5u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "NCCL_HOME");
  EXPECT_EQ(cs[0].path, (root / "nccl-module/lib").string());
  EXPECT_EQ(got[1], "CUDA_HOME");
  EXPECT_EQ(cs[1].path, (root / "toolkit/lib64").string());
  EXPECT_EQ(got[2].rfind("nvcc (", 0), 0u) << got[2];
  EXPECT_EQ(cs[2].path, (root / "other-toolkit/lib64").string());
  EXPECT_EQ(got[3].rfind("the loader's path and cache", 0), 0u) << got[3];
  EXPECT_TRUE(cs[3].path.empty());
  EXPECT_EQ(got[4].rfind("python3 on PATH", 0), 0u) << got[4];
  // Only the packages NCCL ships in, not every nvidia/*/lib of the environment.
  EXPECT_EQ(fs::path(cs[4].path).lexically_normal(),
            (root / "venv/lib/python3.11/site-packages/nvidia/nccl/lib").lexically_normal());
}

TEST(CudaLibraries, AnExplicitVariableIsTheOnlyPlace) {
  emoaug::testing::TempDir tmp;
  touch(fs::path(tmp.path()) / "toolkit/lib64/libnccl.so.2");
  FakeEnv e;
  e.vars["CUDA_HOME"] = tmp.path() + "/toolkit";
  e.vars["EMOAUG_LIBNCCL"] = tmp.path() + "/mine/libnccl.so.2.28.9";
  const std::vector<LibraryCandidate> cs = library_candidates(nccl(), e.env());
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].origin, "EMOAUG_LIBNCCL (file)");
  EXPECT_EQ(cs[0].path, tmp.path() + "/mine/libnccl.so.2.28.9");
}

TEST(CudaLibraries, TheSameFolderReachedTwiceIsLookedInOnce) {
  emoaug::testing::TempDir tmp;
  touch(fs::path(tmp.path()) / "toolkit/lib64/libnccl.so.2");
  touch(fs::path(tmp.path()) / "toolkit/bin/nvcc");
  FakeEnv e;
  e.vars["CUDA_HOME"] = tmp.path() + "/toolkit";
  e.vars["CUDA_PATH"] = tmp.path() + "/toolkit/";
  e.vars["PATH"] = tmp.path() + "/toolkit/bin";
  const std::vector<std::string> got = origins(library_candidates(nccl(), e.env()));
  ASSERT_EQ(got.size(), 2u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "CUDA_HOME");
}

TEST(CudaLibraries, ALibraryLineNamesTheFileAndVersionOrWhereItLooked) {
  LibraryInfo found{"nccl", "libnccl.so.2", "/opt/nccl/lib/libnccl.so.2", "2.28.9", "", {}};
  EXPECT_EQ(found.line(), "library nccl: /opt/nccl/lib/libnccl.so.2 (2.28.9)");
  LibraryInfo missing{"nccl",      "libnccl.so.2",
                      "",          "",
                      "not found", {"CUDA_HOME: /x/lib64 (no libnccl.so.2)", "unset: CUDA_PATH"}};
  EXPECT_EQ(missing.line(),
            "library nccl: not found (looked in: CUDA_HOME: /x/lib64 (no libnccl.so.2); unset: "
            "CUDA_PATH)");
}

}  // namespace
}  // namespace emoaug::ops::cuda

#endif  // EMOAUG_HAVE_CUDA
