#include "ser/metrics.h"

#include "core/error.h"

namespace emoaug::ser {

Evaluation evaluate(const std::vector<int32_t>& truth, const std::vector<int32_t>& predicted,
                    int num_classes) {
  EMOAUG_CHECK(truth.size() == predicted.size(), truth.size(), " labels, ", predicted.size(),
               " predictions");
  Evaluation ev;
  ev.num_classes = num_classes;
  ev.confusion.assign(static_cast<size_t>(num_classes) * num_classes, 0);
  for (size_t i = 0; i < truth.size(); ++i) {
    EMOAUG_CHECK(truth[i] >= 0 && truth[i] < num_classes && predicted[i] >= 0 &&
                 predicted[i] < num_classes);
    ++ev.confusion[static_cast<size_t>(truth[i]) * num_classes + predicted[i]];
  }
  ev.recall.assign(num_classes, 0.0);
  int present = 0;
  for (int c = 0; c < num_classes; ++c) {
    int64_t row = 0;
    for (int p = 0; p < num_classes; ++p)
      row += ev.confusion[static_cast<size_t>(c) * num_classes + p];
    if (row == 0) continue;
    ev.recall[c] =
        static_cast<double>(ev.confusion[static_cast<size_t>(c) * num_classes + c]) / row;
    ev.uar += ev.recall[c];
    ++present;
  }
  if (present > 0) ev.uar /= present;
  return ev;
}

}  // namespace emoaug::ser
