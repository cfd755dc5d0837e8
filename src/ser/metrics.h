// Evaluation of an SER classifier: confusion matrix, per-class recall and the unweighted average
// recall (UAR, the mean of per-class recalls — the paper's measure, robust to class imbalance).
#pragma once

#include <cstdint>
#include <vector>

namespace emoaug::ser {

struct Evaluation {
  int num_classes = 0;
  std::vector<int64_t> confusion;  // [truth][prediction], row-major C x C
  std::vector<double> recall;      // per class; classes absent from the truth are skipped in UAR
  double uar = 0.0;                // in [0, 1]
};

Evaluation evaluate(const std::vector<int32_t>& truth, const std::vector<int32_t>& predicted,
                    int num_classes);

}  // namespace emoaug::ser
