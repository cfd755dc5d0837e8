// Per-feature scalers. The GANs work on min-max scaled features (fitted on the training part of the
// labeled corpus, and separately on the source corpus); the SER classifiers on z-normalized ones.
// Each scaler is fitted on exactly the rows the protocol allows: the caller passes those rows (a
// view or a row-index list), never the whole corpus by accident. Statistics are accumulated in
// double so that 90k-row corpora do not lose digits; state() shows the fitted values as plain
// vectors.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace emoaug::data {

// Population std divides by n (numpy's default, which the authors' code used); sample by n - 1.
enum class StdKind { Population, Sample };

struct MinMaxState {
  std::vector<double> min, max;  // per feature
};

// Maps each feature to [0, 1] over the fitted rows. A constant feature maps to 0 and maps back to
// its constant, so neither direction can produce NaN.
class MinMaxScaler {
 public:
  void fit(ConstMatView x);
  void fit(ConstMatView x, const std::vector<int64_t>& rows);
  void transform(MatView x) const;  // in place
  void inverse_transform(MatView x) const;

  bool fitted() const { return !state_.min.empty(); }
  int64_t dims() const { return static_cast<int64_t>(state_.min.size()); }
  const MinMaxState& state() const { return state_; }

 private:
  void check_input(ConstMatView x, const char* what) const;
  MinMaxState state_;
};

struct ZScoreState {
  std::vector<double> mean, std;  // per feature
};

// (x - mean) / std per feature. A feature with std 0 maps to 0 (as sklearn's StandardScaler does).
class ZScoreScaler {
 public:
  void fit(ConstMatView x, StdKind kind = StdKind::Population);
  void transform(MatView x) const;  // in place

  bool fitted() const { return !state_.mean.empty(); }
  int64_t dims() const { return static_cast<int64_t>(state_.mean.size()); }
  const ZScoreState& state() const { return state_; }

 private:
  void check_input(ConstMatView x, const char* what) const;
  ZScoreState state_;
};

}  // namespace emoaug::data
