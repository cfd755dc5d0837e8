// Helpers shared by the tests that touch files: a temporary folder, small files, a small corpus,
// and running the emoaug executable as a user would.
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "core/error.h"
#include "data/corpus.h"

namespace emoaug::testing {

// The real corpora (licensed; absent on machines without shared/): tests that need them skip.
inline std::string shared_data_dir() {
  return EMOAUG_SOURCE_DIR "/../shared/data";
}
inline bool have_shared_data() {
  return std::filesystem::is_directory(shared_data_dir());
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "emoaug-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  // Files in the folder, for "nothing was left behind" checks (temporary files included).
  size_t count() const {
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(path_);
         it != std::filesystem::directory_iterator(); ++it)
      ++n;
    return n;
  }

 private:
  std::string path_;
};

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

inline bool exists(const std::string& path) {
  return std::filesystem::exists(path);
}

// A small valid labeled corpus: rows x dims, classes a, b, c, groups 1..3.
inline data::Corpus small_corpus(int rows = 12, int dims = 5) {
  data::Corpus c;
  c.features = Tensor(rows, dims);
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < dims; ++j) c.features(r, j) = 0.25f * r - 0.5f * j + 0.125f;
    c.labels.push_back(r % 3);
    c.groups.push_back(1 + r % 3);
    c.names.push_back("utt" + std::to_string(r));
  }
  c.class_names = {"a", "b", "c"};
  for (int j = 0; j < dims; ++j) c.feature_names.push_back("f" + std::to_string(j));
  c.corpus = "SMALL";
  c.feature_set = "test";
  c.group_kind = "session";
  c.description = "a small corpus for tests";
  return c;
}

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the emoaug executable with `args` (shell words), capturing stdout and stderr.
inline CliResult run_emoaug(const std::string& args, const TempDir& dir) {
  const std::string out = dir / ".cli-stdout", err = dir / ".cli-stderr";
  const std::string cmd =
      std::string("'") + EMOAUG_BINARY + "' " + args + " >'" + out + "' 2>'" + err + "'";
  int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_bytes(out);
  r.err = read_bytes(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// The message of the emoaug::Error that f throws, or "no error".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

inline int count_lines(const std::string& text) {
  int n = 0;
  for (char ch : text) n += ch == '\n';
  return n;
}

}  // namespace emoaug::testing
