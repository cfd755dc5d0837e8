// Errors with context. Every failure that reaches a user is an emoaug::Error whose message names
// where it came from (file, line, key, rank as the boundary that catches it knows them).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace emoaug {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A run was interrupted on purpose (SIGTERM / SIGUSR2): finished work is saved, the rest resumes.
class Preempted : public Error {
 public:
  explicit Preempted(const std::string& what) : Error(what) {}
};

// A write failed for want of space or quota: nothing half-written was left behind, and the same
// command continues once there is room (core/atomic_file.h).
class OutOfSpace : public Error {
 public:
  explicit OutOfSpace(const std::string& what) : Error(what) {}
};

// The process exit codes the scripts and SLURM templates rely on (README, docs/slurm.md).
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitOutOfSpace = 74;  // EX_IOERR: free space, then rerun the same command
constexpr int kExitPreempted = 75;   // EX_TEMPFAIL: rerun the same command to resume

// The exit code a failure ends the process with: 75 preempted, 74 out of space, 1 otherwise.
int exit_code_for(const std::exception& e);

namespace detail {
[[noreturn]] void throw_check_failure(const char* file, int line, const char* cond,
                                      const std::string& message);

template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  if constexpr (sizeof...(Args) > 0) (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace emoaug

// Internal invariants: a failure here is a bug in emoaug, reported with the source location.
#define EMOAUG_CHECK(cond, ...)                                                     \
  do {                                                                              \
    if (!(cond))                                                                    \
      ::emoaug::detail::throw_check_failure(__FILE__, __LINE__, #cond,              \
                                            ::emoaug::detail::concat(__VA_ARGS__)); \
  } while (0)

// User-facing failures (bad input, bad config): the message is the whole story.
#define EMOAUG_FAIL(...) throw ::emoaug::Error(::emoaug::detail::concat(__VA_ARGS__))
