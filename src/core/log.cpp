#include "core/log.h"

#include <cstdio>
#include <string>

namespace emoaug {
namespace {
int g_rank = 0;
int g_size = 1;
LogLevel g_level = LogLevel::Info;

void vlog(const char* tag, const char* fmt, va_list args) {
  char line[4096];
  std::vsnprintf(line, sizeof(line), fmt, args);
  if (g_size > 1)
    std::fprintf(stderr, "[emoaug %d/%d]%s %s\n", g_rank, g_size, tag, line);
  else
    std::fprintf(stderr, "[emoaug]%s %s\n", tag, line);
}
}  // namespace

void log_set_rank(int rank, int size) {
  g_rank = rank;
  g_size = size;
}
void log_set_level(LogLevel level) {
  g_level = level;
}

void log_info(const char* fmt, ...) {
  if (g_level < LogLevel::Info) return;
  va_list args;
  va_start(args, fmt);
  vlog("", fmt, args);
  va_end(args);
}

void log_debug(const char* fmt, ...) {
  if (g_level < LogLevel::Debug) return;
  va_list args;
  va_start(args, fmt);
  vlog(" debug:", fmt, args);
  va_end(args);
}

void log_warn(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vlog(" warning:", fmt, args);
  va_end(args);
}

}  // namespace emoaug
