// Logging: one line per message on stderr, prefixed with the rank when there is more than one.
// printf0 prints from rank 0 only (llm.c's habit), so a 128-rank job does not print 128 copies.
#pragma once

#include <cstdarg>

namespace emoaug {

enum class LogLevel { Quiet = 0, Info = 1, Debug = 2 };

void log_set_rank(int rank, int size);
void log_set_level(LogLevel level);
LogLevel log_level();

void log_info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Info from rank 0 only.
void printf0(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace emoaug
