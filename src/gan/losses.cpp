#include "gan/losses.h"

#include <algorithm>

#include "backend/ops.h"
#include "core/error.h"

namespace emoaug::gan {

float* StepLossLog::next(Step step, int64_t batch_rows, Device device) {
  EMOAUG_CHECK(used_ == 0 || terms_.device() == device,
               "a step logged its losses on another device than the steps before it");
  if (terms_.device() != device) {
    terms_ = Tensor(std::max<int64_t>(64, terms_.rows()), kTerms, device);
  } else if (used_ == terms_.rows()) {
    // Grown on the device, rows kept: only the first epoch of a run grows it.
    Tensor grown(std::max<int64_t>(64, 2 * terms_.rows()), kTerms, device);
    if (used_ > 0) ops::copy(terms_.row_range(0, used_), grown.row_range(0, used_));
    terms_ = std::move(grown);
  }
  steps_.push_back(step);
  batch_rows_.push_back(batch_rows);
  return terms_.row_range(used_++, 1).data;
}

void StepLossLog::read_into(EmotionLosses& sums) {
  if (used_ == 0) return;
  Tensor copied;
  ConstMatView rows = terms_.row_range(0, used_);
  if (terms_.device() != Device::Host) {
    copied = Tensor(used_, kTerms);
    ops::to_host(rows, copied.view());
    rows = copied.view();
  }
  for (int64_t i = 0; i < used_; ++i) {
    const float* v = rows.row(i);
    switch (steps_[i]) {
      case Step::Pretrain: {
        const double loss = v[0] + v[1];
        sums.pretrain += loss;
        break;
      }
      case Step::Discriminator: {
        double loss_t = v[0];
        loss_t += v[1];
        double loss_s = v[2];
        loss_s += v[3];
        sums.discriminator += 0.25 * (loss_t + loss_s);  // the mean of the two discriminators
        break;
      }
      case Step::Generator:
      case Step::GeneratorWithClassifier: {
        double adversarial = v[0];
        adversarial += v[1];
        double cycle = v[2];
        cycle += v[3];
        sums.adversarial += adversarial;
        sums.cycle += cycle;
        if (steps_[i] == Step::GeneratorWithClassifier) {
          sums.classification += v[4];
          sums.accuracy += static_cast<double>(v[5]) / static_cast<double>(batch_rows_[i]);
        }
        break;
      }
    }
  }
  used_ = 0;
  steps_.clear();
  batch_rows_.clear();
}

}  // namespace emoaug::gan
