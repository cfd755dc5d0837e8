// FasterOrder: which of two ways of computing one product to run, chosen by the time each took.
// Both ways must give the same bytes (the same sums in the same order): the choice moves only
// time, so results stay deterministic whichever runs.
#pragma once

#include <cstdint>

namespace emoaug::ops::cpu {

// For one shape on one thread: way 0 unless way 1 has been at least kMargin faster, each way's time
// a moving average of its calls (any clock, e.g. TSC ticks). Every kTryOther-th call runs the way
// not chosen, so that a change on the machine (another guest on the core slows the two by
// different amounts) is seen within a few dozen calls; the margin keeps the noise of single calls
// (±10 % on a shared host) from switching between ways that differ by less.
class FasterOrder {
 public:
  static constexpr int64_t kTryOther = 16;
  static constexpr double kWeight = 0.25;  // of the newest call in the moving average
  static constexpr double kMargin = 0.05;

  // 0 or 1, each tried once first.
  int next() {
    ++calls_;
    if (time_[0] == 0.0) return 0;
    if (time_[1] == 0.0) return 1;
    const int chosen = time_[1] < (1.0 - kMargin) * time_[0] ? 1 : 0;
    return calls_ % kTryOther == 0 ? 1 - chosen : chosen;
  }

  // The time the call that next() chose `way` for took.
  void record(int way, double time) {
    double& average = time_[way];
    average = average == 0.0 ? time : average + kWeight * (time - average);
  }

 private:
  int64_t calls_ = 0;
  double time_[2] = {0.0, 0.0};
};

}  // namespace emoaug::ops::cpu
