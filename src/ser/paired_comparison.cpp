#include "ser/paired_comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace emoaug::ser {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// SciPy 1.10's wilcoxon uses the exact distribution up to this many differences.
constexpr int kMaxExactWilcoxon = 50;

// Continued fraction of the incomplete beta function (Numerical Recipes' betacf, modified Lentz),
// converging fast for x < (a + 1) / (a + b + 2).
double beta_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;  // keeps Lentz's divisions finite
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  // Iterations grow like sqrt(max(a, b)); this covers degrees of freedom far beyond any study.
  constexpr int kMaxIterations = 100000;
  auto guard = [](double v) { return std::fabs(v) < kTiny ? kTiny : v; };
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 / guard(1.0 - qab * x / qap);
  double h = d;
  for (int m = 1;; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 / guard(1.0 + aa * d);
    c = guard(1.0 + aa / c);
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 / guard(1.0 + aa * d);
    c = guard(1.0 + aa / c);
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1.0) <= kEps) return h;
    EMOAUG_CHECK(m < kMaxIterations,
                 "incomplete beta continued fraction did not converge for a=", a, " b=", b,
                 " x=", x);
  }
}

// I_x(a, b), given both x and y = 1 - x so that neither loses digits to a subtraction: the tails
// of Student's t need I at x close to 0 and close to 1 alike.
double regularized_beta(double a, double b, double x, double y) {
  if (x <= 0.0) return 0.0;
  if (y <= 0.0) return 1.0;
  const double log_x = x < 0.5 ? std::log(x) : std::log1p(-y);
  const double log_y = y < 0.5 ? std::log(y) : std::log1p(-x);
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * log_x + b * log_y);
  // The fraction is evaluated on the side where it converges; the other side by symmetry.
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_fraction(a, b, x) / a;
  return 1.0 - front * beta_fraction(b, a, y) / b;
}

// P(|T| >= t) for t >= 0: I_{df/(df+t^2)}(df/2, 1/2).
double t_two_sided_tail(double t, double df) {
  const double t2 = t * t;
  if (std::isinf(t2)) return 0.0;
  return regularized_beta(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2));
}

// The t >= 0 with P(|T| >= t) = alpha, by bisection down to adjacent doubles: the tail is monotone
// and one evaluation per halving costs nothing next to a run that produced the scores.
double t_two_sided_critical(double alpha, double df) {
  double lo = 0.0, hi = 1.0;
  while (t_two_sided_tail(hi, df) > alpha) {
    lo = hi;
    hi *= 2.0;
  }
  for (;;) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) return mid;
    if (t_two_sided_tail(mid, df) > alpha)
      lo = mid;
    else
      hi = mid;
  }
}

// Two-sided exact p of the signed-rank test on m ranks 1..m for the rank sum w_plus, SciPy 1.10's
// way: counts of subsets by rank sum (at most 2^50, exact in uint64), at w = floor(w_plus).
double wilcoxon_exact_p(int m, double w_plus) {
  const int total = m * (m + 1) / 2;
  std::vector<uint64_t> count(static_cast<size_t>(total) + 1, 0);
  count[0] = 1;
  for (int k = 1; k <= m; ++k)
    for (int s = k * (k + 1) / 2; s >= k; --s) count[s] += count[s - k];
  const int w = static_cast<int>(std::floor(w_plus));
  const uint64_t at_most = std::accumulate(count.begin(), count.begin() + w + 1, uint64_t{0});
  const uint64_t at_least = std::accumulate(count.begin() + w, count.end(), uint64_t{0});
  // SciPy's special case p = 1 at the centre is what the cap gives there anyway: by symmetry both
  // tails then hold at least half the mass.
  return std::min(1.0, std::ldexp(static_cast<double>(2 * std::min(at_most, at_least)), -m));
}

void wilcoxon(const std::vector<double>& d, PairedComparison& r) {
  if (r.n < 2) {
    r.wilcoxon_w = r.wilcoxon_p = kNaN;
    return;
  }
  std::vector<double> nonzero;
  for (double v : d)
    if (v != 0.0) nonzero.push_back(v);
  if (nonzero.empty()) {
    r.wilcoxon_w = 0.0;
    r.wilcoxon_p = kNaN;
    return;
  }
  const int m = static_cast<int>(nonzero.size());
  std::vector<int> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int i, int j) { return std::fabs(nonzero[i]) < std::fabs(nonzero[j]); });
  double w_plus = 0.0, w_minus = 0.0, tie_term = 0.0;
  for (int first = 0; first < m;) {
    int last = first;
    while (last + 1 < m && std::fabs(nonzero[order[last + 1]]) == std::fabs(nonzero[order[first]]))
      ++last;
    const double rank = 0.5 * (first + last) + 1.0;  // average of the 1-based ranks first..last
    for (int k = first; k <= last; ++k) (nonzero[order[k]] > 0 ? w_plus : w_minus) += rank;
    const double tied = last - first + 1;
    tie_term += tied * tied * tied - tied;
    first = last + 1;
  }
  r.wilcoxon_w = std::min(w_plus, w_minus);
  r.wilcoxon_exact = r.n <= kMaxExactWilcoxon && m == r.n;
  if (r.wilcoxon_exact) {
    r.wilcoxon_p = wilcoxon_exact_p(m, w_plus);
    return;
  }
  const double mm = m;
  const double mean = mm * (mm + 1.0) * 0.25;
  const double sd = std::sqrt((mm * (mm + 1.0) * (2.0 * mm + 1.0) - 0.5 * tie_term) / 24.0);
  const double z = (r.wilcoxon_w - mean) / sd;
  r.wilcoxon_p = std::erfc(std::fabs(z) / std::sqrt(2.0));
}

}  // namespace

double student_t_cdf(double t, double df) {
  EMOAUG_CHECK(df > 0.0, "degrees of freedom ", df);
  if (std::isnan(t)) return kNaN;
  const double upper = 0.5 * t_two_sided_tail(std::fabs(t), df);
  return t < 0.0 ? upper : 1.0 - upper;
}

double student_t_quantile(double p, double df) {
  EMOAUG_CHECK(df > 0.0, "degrees of freedom ", df);
  EMOAUG_CHECK(p > 0.0 && p < 1.0, "probability ", p);
  if (p == 0.5) return 0.0;
  // 1 - p is exact for p >= 0.5, so the upper tail keeps every digit it was given.
  const double t = t_two_sided_critical(2.0 * std::min(p, 1.0 - p), df);
  return p < 0.5 ? -t : t;
}

namespace {

std::vector<double> checked_differences(const std::vector<double>& a, const std::vector<double>& b,
                                        double confidence) {
  if (a.size() != b.size())
    EMOAUG_FAIL("paired comparison: ", a.size(), " values against ", b.size(),
                "; both settings need a score for every (fold, repetition) pair");
  if (!(confidence > 0.0 && confidence < 1.0))
    EMOAUG_FAIL("paired comparison: confidence level ", confidence,
                " is not strictly between 0 and 1");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i]))
      EMOAUG_FAIL("paired comparison: pair ", i, " is (", a[i], ", ", b[i],
                  "); every score must be finite");
    d[i] = a[i] - b[i];
  }
  return d;
}

struct Moments {
  double mean = kNaN, variance = kNaN;
};

// Mean and sample variance of d; for d.size() < 2 the variance is NaN.
Moments moments(const std::vector<double>& d) {
  Moments m;
  if (d.empty()) return m;
  m.mean = std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
  if (d.size() < 2) return m;
  // A constant difference has no spread, whatever rounding the sum above left in the mean.
  if (std::all_of(d.begin(), d.end(), [&](double v) { return v == d.front(); })) {
    m.mean = d.front();
    m.variance = 0.0;
    return m;
  }
  double variance = 0.0;
  for (double v : d) variance += (v - m.mean) * (v - m.mean);
  m.variance = variance / static_cast<double>(d.size() - 1);
  return m;
}

// t, two-sided p and interval for a mean with the given standard error and degrees of freedom.
void t_test(double mean, double standard_error, double df, double confidence, double& t, double& p,
            double& ci_low, double& ci_high) {
  t = p = kNaN;
  if (standard_error > 0.0) {
    t = mean / standard_error;
    p = t_two_sided_tail(std::fabs(t), df);
  } else if (mean != 0.0) {
    t = std::copysign(kInf, mean);
    p = 0.0;
  }
  const double half_width = t_two_sided_critical(1.0 - confidence, df) * standard_error;
  ci_low = mean - half_width;
  ci_high = mean + half_width;
}

}  // namespace

PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b,
                                double confidence) {
  const std::vector<double> d = checked_differences(a, b, confidence);
  PairedComparison r;
  r.n = static_cast<int>(d.size());
  r.std_difference = r.ci_low = r.ci_high = r.t = r.t_p = kNaN;
  const Moments m = moments(d);
  r.mean_difference = m.mean;
  wilcoxon(d, r);
  if (r.n < 2) return r;
  r.std_difference = std::sqrt(m.variance);
  t_test(m.mean, std::sqrt(m.variance / r.n), r.n - 1, confidence, r.t, r.t_p, r.ci_low, r.ci_high);
  return r;
}

CorrectedComparison compare_corrected(const std::vector<double>& a, const std::vector<double>& b,
                                      double test_train_ratio, double confidence) {
  const std::vector<double> d = checked_differences(a, b, confidence);
  if (!(std::isfinite(test_train_ratio) && test_train_ratio >= 0.0))
    EMOAUG_FAIL("corrected resampled t-test: test/train size ratio ", test_train_ratio,
                " is not a finite number >= 0");
  CorrectedComparison r;
  r.n = static_cast<int>(d.size());
  r.test_train_ratio = test_train_ratio;
  r.std_difference = r.ci_low = r.ci_high = r.t = r.t_p = kNaN;
  const Moments m = moments(d);
  r.mean_difference = m.mean;
  if (r.n < 2) return r;
  r.std_difference = std::sqrt(m.variance);
  const double standard_error = std::sqrt((1.0 / r.n + test_train_ratio) * m.variance);
  t_test(m.mean, standard_error, r.n - 1, confidence, r.t, r.t_p, r.ci_low, r.ci_high);
  return r;
}

double test_train_ratio(const std::vector<long long>& test_sizes,
                        const std::vector<long long>& train_sizes) {
  EMOAUG_CHECK(!test_sizes.empty() && test_sizes.size() == train_sizes.size(),
               "test/train size ratio: ", test_sizes.size(), " test sizes against ",
               train_sizes.size(), " train sizes");
  // The sums' ratio is the means' ratio: both are over the same number of splits.
  const double test = std::accumulate(test_sizes.begin(), test_sizes.end(), 0.0);
  const double train = std::accumulate(train_sizes.begin(), train_sizes.end(), 0.0);
  EMOAUG_CHECK(train > 0.0, "test/train size ratio: no split trains on any row");
  return test / train;
}

}  // namespace emoaug::ser
