#include "core/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace emoaug {

void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write) {
  if (path.empty()) EMOAUG_FAIL("empty output path");
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) EMOAUG_FAIL(path, ": cannot write: the path names a folder, not a file");
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    EMOAUG_FAIL(path, ": cannot write: folder ", dir, " does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    EMOAUG_FAIL(path, ": cannot write: folder ", dir, " is not writable (", std::strerror(errno),
                ")");
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    EMOAUG_FAIL(path, ": cannot write: it is a folder");

  // The pid and a counter keep concurrent writers (ranks, threads) off each other's temp files; the
  // leading dot keeps the temp out of globs like *.h5.
  static std::atomic<unsigned> counter{0};
  const std::string temp = (slash == std::string::npos ? "" : dir) + "." + base + "." +
                           std::to_string(::getpid()) + "." + std::to_string(counter++) + ".tmp";
  try {
    write(temp);
  } catch (const Preempted&) {
    std::remove(temp.c_str());
    throw;
  } catch (const Error& e) {
    std::remove(temp.c_str());
    EMOAUG_FAIL(path, ": cannot write: ", e.what());
  } catch (...) {
    std::remove(temp.c_str());
    throw;
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    EMOAUG_FAIL(path, ": cannot rename the finished temporary file into place (",
                std::strerror(err), ")");
  }
}

}  // namespace emoaug
