#include "nn/init.h"

#include <cmath>

#include "core/error.h"

namespace emoaug::nn {

void xavier_uniform(MatView w, Rng& rng) {
  EMOAUG_CHECK(w.device == Device::Host, "initialise on the host, then upload");
  const float limit = std::sqrt(6.0f / static_cast<float>(w.rows + w.cols));
  for (int64_t i = 0; i < w.size(); ++i) w.data[i] = rng.uniform(-limit, limit);
}

}  // namespace emoaug::nn
