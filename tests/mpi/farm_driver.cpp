// A task farm that fails on purpose, for check_farm_failure.sh: the job must end quickly, with a
// non-zero exit code and one line naming the rank and the task.
//   emoaug_farm_driver task T [SLOW]     task T throws, wherever it runs
//   emoaug_farm_driver rank R [SLOW]     the first task rank R runs throws
//   emoaug_farm_driver preempt T [SLOW]  task T throws emoaug::Preempted
// The other tasks sleep 20 ms, or SLOW seconds: a farm that waited for them would time out.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "dist/task_farm.h"
#include "dist/world.h"

int main(int argc, char** argv) {
  emoaug::dist::World world(&argc, &argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s task|rank|preempt N [SLOW_SECONDS]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int which = std::atoi(argv[2]);
  const double slow = argc > 3 ? std::atof(argv[3]) : 0.0;
  std::vector<int> order(16);
  for (int t = 0; t < 16; ++t) order[t] = t;
  bool first = true;
  try {
    emoaug::dist::run_task_farm(world, order, [&](int task) {
      const bool mine_first = first;
      first = false;
      if (mode == "task" && task == which) throw emoaug::Error("task failed on purpose");
      if (mode == "preempt" && task == which) throw emoaug::Preempted("SIGTERM received");
      if (mode == "rank" && world.rank() == which && mine_first)
        throw emoaug::Error("rank failed on purpose");
      std::this_thread::sleep_for(std::chrono::duration<double>(slow > 0 ? slow : 0.02));
    });
  } catch (const std::exception& e) {
    // A world of one rethrows; say it the way emoaug's main does.
    const bool preempted = dynamic_cast<const emoaug::Preempted*>(&e) != nullptr;
    std::fprintf(stderr, "emoaug: %s%s\n", preempted ? "preempted on " : "", e.what());
    return preempted ? 75 : 1;
  }
  std::printf("farm finished without the expected failure\n");
  return 0;
}
