#include "gan/statistics.h"

#include <cmath>

#include "core/error.h"

namespace emoaug::gan {

double mean_abs_mean_difference(ConstMatView a, ConstMatView b) {
  EMOAUG_CHECK(a.cols == b.cols && a.rows > 0 && b.rows > 0, "shapes ", a.rows, "x", a.cols,
               " and ", b.rows, "x", b.cols);
  double total = 0.0;
  for (int64_t c = 0; c < a.cols; ++c) {
    double ma = 0, mb = 0;
    for (int64_t r = 0; r < a.rows; ++r) ma += a(r, c);
    for (int64_t r = 0; r < b.rows; ++r) mb += b(r, c);
    total += std::fabs(ma / a.rows - mb / b.rows);
  }
  return total / a.cols;
}

void column_mean_std(ConstMatView x, const std::vector<int>& columns, std::vector<double>& mean,
                     std::vector<double>& std) {
  mean.assign(columns.size(), 0.0);
  std.assign(columns.size(), 0.0);
  for (size_t k = 0; k < columns.size(); ++k) {
    const int c = columns[k];
    double s = 0, ss = 0;
    for (int64_t r = 0; r < x.rows; ++r) s += x(r, c);
    const double m = s / x.rows;
    for (int64_t r = 0; r < x.rows; ++r) ss += (x(r, c) - m) * (x(r, c) - m);
    mean[k] = m;
    std[k] = std::sqrt(ss / x.rows);
  }
}

}  // namespace emoaug::gan
