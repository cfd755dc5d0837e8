#include "core/state_dict.h"

#include <algorithm>

#include "core/error.h"

namespace emoaug {

void StateDict::put(const std::string& name, ConstMatView values) {
  EMOAUG_CHECK(values.device == Device::Host, "state is gathered on the host");
  floats[name].assign(values.data, values.data + values.size());
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
  std::copy(it->second.begin(), it->second.end(), out.data);
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
