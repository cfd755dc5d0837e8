#include "data/scaler.h"

#include <cmath>
#include <limits>
#include <utility>

#include "core/error.h"

namespace emoaug::data {
namespace {

// The rows a fit may look at: all rows of the view, or the listed ones.
class RowSet {
 public:
  RowSet(ConstMatView x, const std::vector<int64_t>* rows) : x_(x), rows_(rows) {
    EMOAUG_CHECK(x.device == Device::Host, "scalers fit on host data");
    if (rows_)
      for (int64_t r : *rows_)
        EMOAUG_CHECK(r >= 0 && r < x.rows, "row ", r, " outside 0..", x.rows - 1);
  }
  int64_t size() const { return rows_ ? static_cast<int64_t>(rows_->size()) : x_.rows; }
  const float* row(int64_t i) const { return x_.row(rows_ ? (*rows_)[i] : i); }
  int64_t cols() const { return x_.cols; }

 private:
  ConstMatView x_;
  const std::vector<int64_t>* rows_;
};

MinMaxState fit_min_max(const RowSet& rows) {
  if (rows.size() == 0) EMOAUG_FAIL("min-max scaler: cannot fit on zero rows");
  MinMaxState s;
  s.min.assign(rows.cols(), std::numeric_limits<double>::infinity());
  s.max.assign(rows.cols(), -std::numeric_limits<double>::infinity());
  for (int64_t i = 0; i < rows.size(); ++i) {
    const float* x = rows.row(i);
    for (int64_t c = 0; c < rows.cols(); ++c) {
      s.min[c] = std::min(s.min[c], static_cast<double>(x[c]));
      s.max[c] = std::max(s.max[c], static_cast<double>(x[c]));
    }
  }
  return s;
}

ZScoreState fit_z_score(const RowSet& rows, StdKind kind) {
  const int64_t n = rows.size();
  const int64_t ddof = kind == StdKind::Sample ? 1 : 0;
  if (n <= ddof)
    EMOAUG_FAIL("z-score scaler: cannot fit on ", n, " row", n == 1 ? "" : "s",
                kind == StdKind::Sample ? " with the sample std" : "");
  ZScoreState s;
  s.mean.assign(rows.cols(), 0.0);
  s.std.assign(rows.cols(), 0.0);
  // Two passes: the centred sum of squares does not cancel catastrophically the way E[x²]-E[x]²
  // does for features with a large offset (e.g. F0 in Hz).
  for (int64_t i = 0; i < n; ++i) {
    const float* x = rows.row(i);
    for (int64_t c = 0; c < rows.cols(); ++c) s.mean[c] += x[c];
  }
  for (double& m : s.mean) m /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    const float* x = rows.row(i);
    for (int64_t c = 0; c < rows.cols(); ++c) {
      const double d = x[c] - s.mean[c];
      s.std[c] += d * d;
    }
  }
  for (double& v : s.std) v = std::sqrt(v / static_cast<double>(n - ddof));
  return s;
}

}  // namespace

void MinMaxScaler::fit(ConstMatView x) {
  state_ = fit_min_max(RowSet(x, nullptr));
}

void MinMaxScaler::fit(ConstMatView x, const std::vector<int64_t>& rows) {
  state_ = fit_min_max(RowSet(x, &rows));
}

void MinMaxScaler::check_input(ConstMatView x, const char* what) const {
  EMOAUG_CHECK(fitted(), "min-max scaler: ", what, " before fit");
  EMOAUG_CHECK(x.device == Device::Host, "scalers work on host data");
  if (x.cols != dims())
    EMOAUG_FAIL("min-max scaler: fitted on ", dims(), " features, asked to ", what, " ", x.cols);
}

void MinMaxScaler::transform(MatView x) const {
  check_input(x, "transform");
  for (int64_t r = 0; r < x.rows; ++r) {
    float* row = x.row(r);
    for (int64_t c = 0; c < x.cols; ++c) {
      const double range = state_.max[c] - state_.min[c];
      row[c] = range > 0 ? static_cast<float>((row[c] - state_.min[c]) / range) : 0.0f;
    }
  }
}

void MinMaxScaler::inverse_transform(MatView x) const {
  check_input(x, "inverse-transform");
  for (int64_t r = 0; r < x.rows; ++r) {
    float* row = x.row(r);
    for (int64_t c = 0; c < x.cols; ++c) {
      const double range = state_.max[c] - state_.min[c];
      row[c] = static_cast<float>(range > 0 ? row[c] * range + state_.min[c] : state_.min[c]);
    }
  }
}

void ZScoreScaler::fit(ConstMatView x, StdKind kind) {
  state_ = fit_z_score(RowSet(x, nullptr), kind);
}

void ZScoreScaler::check_input(ConstMatView x, const char* what) const {
  EMOAUG_CHECK(fitted(), "z-score scaler: ", what, " before fit");
  EMOAUG_CHECK(x.device == Device::Host, "scalers work on host data");
  if (x.cols != dims())
    EMOAUG_FAIL("z-score scaler: fitted on ", dims(), " features, asked to ", what, " ", x.cols);
}

void ZScoreScaler::transform(MatView x) const {
  check_input(x, "transform");
  for (int64_t r = 0; r < x.rows; ++r) {
    float* row = x.row(r);
    for (int64_t c = 0; c < x.cols; ++c)
      row[c] =
          state_.std[c] > 0 ? static_cast<float>((row[c] - state_.mean[c]) / state_.std[c]) : 0.0f;
  }
}

}  // namespace emoaug::data
