// The one seam between emotion-transfer training and distribution: the shared classifier C's
// gradient. Each rank computes the contributions of its own emotions; the sum over all N emotions,
// added in emotion order (so the bytes do not depend on where the emotions ran), must reach every
// rank before C's update. LocalGradientSum is the single-process case; src/dist implements it over
// MPI and NCCL.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace emoaug::gan {

class ClassifierGradientSum {
 public:
  virtual ~ClassifierGradientSum() = default;
  // local[k] is the gradient contribution of emotion local_emotions[k] (ascending). Writes
  // sum over e = 0..N-1 of contribution(e), added in that order, into total.
  virtual void sum(const std::vector<int>& local_emotions, const std::vector<ConstMatView>& local,
                   MatView total) = 0;
  // Sums a few per-emotion statistics the same way (losses for the progress line), in place:
  // values is [N x k], rows of non-local emotions zero on entry, complete on exit.
  virtual void gather_stats(MatView values) = 0;
};

// All N emotions in this process.
class LocalGradientSum : public ClassifierGradientSum {
 public:
  void sum(const std::vector<int>& local_emotions, const std::vector<ConstMatView>& local,
           MatView total) override;
  void gather_stats(MatView) override {}
};

}  // namespace emoaug::gan
