#include "core/state_dict.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

#ifdef EMOAUG_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace emoaug {
namespace {

// Copies n floats between a host vector and a view's memory, which may be on a device: state is
// gathered on the host wherever the model trains.
void copy_floats(float* dst, const float* src, int64_t n, Device device, bool to_view) {
  if (n == 0) return;
  if (device == Device::Host) {
    std::copy(src, src + n, dst);
    return;
  }
#ifdef EMOAUG_HAVE_CUDA
  cudaError_t err = cudaMemcpy(dst, src, static_cast<size_t>(n) * sizeof(float),
                               to_view ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) EMOAUG_FAIL("state copy failed: ", cudaGetErrorString(err));
#else
  (void)to_view;
  EMOAUG_FAIL("state of a CUDA tensor, but emoaug was built without CUDA");
#endif
}

}  // namespace

void StateDict::put(const std::string& name, ConstMatView values) {
  std::vector<float>& v = floats[name];
  v.resize(static_cast<size_t>(values.size()));
  copy_floats(v.data(), values.data, values.size(), values.device, false);
}

void StateDict::put_rng(const std::string& name, const Rng& rng) {
  RngState s = rng.state();
  ints[name] = {static_cast<int64_t>(s.block), static_cast<int64_t>(s.used)};
}

void StateDict::get(const std::string& name, MatView out) const {
  auto it = floats.find(name);
  if (it == floats.end()) EMOAUG_FAIL("state entry '", name, "' is missing");
  if (static_cast<int64_t>(it->second.size()) != out.size())
    EMOAUG_FAIL("state entry '", name, "' has ", it->second.size(), " values, expected ",
                out.size());
  copy_floats(out.data, it->second.data(), out.size(), out.device, true);
}

int64_t StateDict::get_int(const std::string& name) const {
  auto it = ints.find(name);
  if (it == ints.end() || it->second.empty()) EMOAUG_FAIL("state entry '", name, "' is missing");
  return it->second[0];
}

void StateDict::get_rng(const std::string& name, Rng& rng) const {
  auto it = ints.find(name);
  if (it == ints.end() || it->second.size() != 2)
    EMOAUG_FAIL("state entry '", name, "' is missing or not an RNG state");
  rng.set_state({static_cast<uint64_t>(it->second[0]), static_cast<uint32_t>(it->second[1])});
}

namespace {

// FNV-1a's step over 64-bit words with a rotation, so that a whole checkpoint (hundreds of MB)
// checks in a fraction of a second; any change to a word changes the sum.
class Hasher {
 public:
  void add(const void* data, size_t bytes) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    for (; bytes >= 8; p += 8, bytes -= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      mix(word);
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p, bytes);
    mix(tail ^ (static_cast<uint64_t>(bytes) << 56));
  }
  uint64_t value() const { return h_; }

 private:
  void mix(uint64_t word) {
    h_ = (h_ ^ word) * 0x100000001B3ull;
    h_ = (h_ << 29) | (h_ >> 35);
  }
  uint64_t h_ = 0xCBF29CE484222325ull;
};

template <class T>
void add_entries(Hasher& h, const std::map<std::string, std::vector<T>>& entries) {
  for (const auto& [name, values] : entries) {
    h.add(name.data(), name.size());
    const uint64_t n = values.size();
    h.add(&n, sizeof(n));
    h.add(values.data(), values.size() * sizeof(T));
  }
}

}  // namespace

uint64_t checksum(const StateDict& state) {
  Hasher h;
  add_entries(h, state.floats);
  add_entries(h, state.ints);
  return h.value();
}

}  // namespace emoaug
