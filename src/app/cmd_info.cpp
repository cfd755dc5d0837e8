#include <cblas.h>

#include <cstdio>
#include <string>

#include "app/args.h"
#include "app/commands.h"
#include "backend/execution.h"
#include "backend/ops.h"
#include "core/version.h"

namespace emoaug::app {

int cmd_info(int argc, char** argv) {
  ArgParser args("emoaug info",
                 "Show the version, the build and the backends available here, and each CUDA "
                 "library with the file it was found in (or where it was looked for). "
                 "EMOAUG_LIBCUBLAS and EMOAUG_LIBNCCL name a library's file or folder.");
  if (!args.parse(argc, argv)) return kExitOk;
  std::printf("emoaug %s (git %s)\n", EMOAUG_VERSION, git_sha());
  // OpenBLAS's own thread count is what it read from the environment: runs use one per gemm.
  std::printf("cpu backend: batch-sized gemms on %s kernels, the rest on OpenBLAS %s\n",
              ops::name_of(ops::best_cpu_gemm()), openblas_get_config());
#ifdef EMOAUG_HAVE_CUDA
  std::string why_not;
  if (ops::cuda_available(&why_not))
    std::printf("cuda backend: built, a device is available\n");
  else
    std::printf("cuda backend: built, not usable here (%s)\n", why_not.c_str());
  // Each library with the file it came from, or where it was looked for: the first thing to read
  // when a GPU node refuses the CUDA backend.
  for (const std::string& line : ops::cuda_library_lines()) std::printf("%s\n", line.c_str());
#else
  std::printf("cuda backend: not built\n");
#endif
  return kExitOk;
}

}  // namespace emoaug::app
