#include "gan/gradient_sum.h"

#include "backend/ops.h"
#include "core/error.h"

namespace emoaug::gan {

void LocalGradientSum::sum(const std::vector<int>& local_emotions,
                           const std::vector<ConstMatView>& local, MatView total) {
  EMOAUG_CHECK(local_emotions.size() == local.size() && !local.empty());
  ops::copy(local[0], total);
  for (size_t k = 1; k < local.size(); ++k) ops::axpy(1.0f, local[k], total);
}

}  // namespace emoaug::gan
