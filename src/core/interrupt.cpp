#include "core/interrupt.h"

#include <csignal>
#include <initializer_list>

namespace emoaug {
namespace {
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int signal_number) {
  g_signal = signal_number;
}
}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // slow system calls (file I/O) continue; the flag is polled
  for (int s : {SIGTERM, SIGINT, SIGUSR2}) sigaction(s, &action, nullptr);
}

bool stop_requested() {
  return g_signal != 0;
}

const char* stop_signal_name() {
  switch (g_signal) {
    case 0:
      return "";
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGUSR2:
      return "SIGUSR2";
    default:
      return "a signal";
  }
}

}  // namespace emoaug
