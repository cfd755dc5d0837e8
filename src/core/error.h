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
