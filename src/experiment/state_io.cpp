#include "experiment/state_io.h"

#include <algorithm>
#include <cstdio>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/h5.h"

namespace emoaug::experiment {
namespace {
// Entry names use '/' as a separator; HDF5 would read it as a path, so it is stored as '.'.
std::string to_dataset(std::string name) {
  std::replace(name.begin(), name.end(), '/', '.');
  return name;
}
std::string from_dataset(std::string name) {
  std::replace(name.begin(), name.end(), '.', '/');
  return name;
}
std::string checksum_text(uint64_t sum) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(sum));
  return buf;
}
}  // namespace

void write_state(const std::string& path, const StateDict& state) {
  write_atomically(
      path,
      [&](const std::string& temp) {
        data::h5::File file = data::h5::File::create(temp);
        data::h5::Group root = file.root();
        root.write_string_attr("format", "emoaug-state");
        data::h5::Group floats = root.create_group("floats");
        for (const auto& [name, values] : state.floats)
          floats.write_f32_2d(to_dataset(name),
                              ConstMatView{values.data(), 1, static_cast<int64_t>(values.size())},
                              /*compress=*/false);
        data::h5::Group ints = root.create_group("ints");
        for (const auto& [name, values] : state.ints) ints.write_i64_1d(to_dataset(name), values);
        // Last: a file whose write stopped before here has no checksum and is not taken for sound.
        root.write_string_attr("checksum", checksum_text(checksum(state)));
        file.close();
      },
      state_bytes(state));
}

int64_t state_bytes(const StateDict& state) {
  int64_t bytes = 0;
  for (const auto& [name, values] : state.floats) bytes += values.size() * sizeof(float);
  for (const auto& [name, values] : state.ints) bytes += values.size() * sizeof(int64_t);
  return bytes;
}

StateDict read_state(const std::string& path) {
  data::h5::File file = data::h5::File::open(path);
  data::h5::Group root = file.root();
  StateDict state;
  for (const char* kind : {"floats", "ints"}) {
    data::h5::Group g = root.open_group(kind);
    for (const std::string& name : g.list()) {
      if (kind[0] == 'f') {
        Tensor t = g.read_f32_2d(name);
        state.floats[from_dataset(name)].assign(t.data(), t.data() + t.size());
      } else {
        state.ints[from_dataset(name)] = g.read_i64_1d(name);
      }
    }
  }
  if (!root.has_attr("checksum"))
    EMOAUG_FAIL(path, ": no checksum (its write did not finish, or an older emoaug wrote it)");
  if (root.read_string_attr("checksum") != checksum_text(checksum(state)))
    EMOAUG_FAIL(path, ": contents do not match their checksum (the file was damaged)");
  return state;
}

}  // namespace emoaug::experiment
