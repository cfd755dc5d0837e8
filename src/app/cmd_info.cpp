#include <cblas.h>

#include <cstdio>

#include "app/args.h"
#include "app/commands.h"

namespace emoaug::app {

int cmd_info(int argc, char** argv) {
  ArgParser args("emoaug info", "Show the version, the build and the backends available here.");
  if (!args.parse(argc, argv)) return kExitOk;
  std::printf("emoaug %s (git %s)\n", EMOAUG_VERSION, EMOAUG_GIT_SHA);
  std::printf("cpu backend: OpenBLAS %s, %d threads\n", openblas_get_config(),
              openblas_get_num_threads());
#ifdef EMOAUG_HAVE_CUDA
  std::printf("cuda backend: built\n");
#else
  std::printf("cuda backend: not built\n");
#endif
  return kExitOk;
}

}  // namespace emoaug::app
