// Parameter initialisation: Xavier/Glorot uniform weights (the authors' TensorFlow default for
// dense layers), zero biases.
#pragma once

#include "core/rng.h"
#include "core/tensor.h"

namespace emoaug::nn {

// w is [fan_out, fan_in]; draws U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) in row-major order.
void xavier_uniform(MatView w, Rng& rng);

}  // namespace emoaug::nn
