// Logging: one line per message on stderr, prefixed with the rank when there is more than one.
#pragma once

#include <cstdarg>

namespace emoaug {

enum class LogLevel { Quiet = 0, Info = 1, Debug = 2 };

void log_set_rank(int rank, int size);
void log_set_level(LogLevel level);

void log_info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace emoaug
