#include "experiment/state_io.h"

#include <algorithm>

#include "core/atomic_file.h"
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
}  // namespace

void write_state(const std::string& path, const StateDict& state) {
  write_atomically(path, [&](const std::string& temp) {
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
    file.close();
  });
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
  return state;
}

}  // namespace emoaug::experiment
