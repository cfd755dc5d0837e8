#include "core/state_dict.h"

#include <algorithm>

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

}  // namespace emoaug
