#include "core/error.h"

namespace emoaug {

int exit_code_for(const std::exception& e) {
  if (dynamic_cast<const Preempted*>(&e)) return kExitPreempted;
  if (dynamic_cast<const OutOfSpace*>(&e)) return kExitOutOfSpace;
  return kExitError;
}

}  // namespace emoaug

namespace emoaug::detail {

void throw_check_failure(const char* file, int line, const char* cond, const std::string& message) {
  std::string what =
      std::string("internal check failed at ") + file + ":" + std::to_string(line) + ": " + cond;
  if (!message.empty()) what += " (" + message + ")";
  throw Error(what);
}

}  // namespace emoaug::detail
