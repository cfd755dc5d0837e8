// Paired comparison of two settings' scores (e.g. UARs of `real` vs `real+syn`) over the same
// (fold, repetition) pairs: the mean difference with its Student-t confidence interval, the paired
// t-test and the Wilcoxon signed-rank test. The numbers are those SciPy 1.10 (Debian bookworm's
// python3-scipy 1.10.1) gives with default arguments, up to rounding and the cases documented per
// field, so that reports can be checked against it: tests/reference/make_paired_reference.py
// writes the fixture test_paired_comparison.cpp compares with.
#pragma once

#include <vector>

namespace emoaug::ser {

// d_i = a_i - b_i, i < n, computed in double exactly as NumPy's a - b. A positive mean difference
// means a scores higher. Fields that no test defines are NaN (documented per field).
struct PairedComparison {
  int n = 0;  // number of pairs
  // mean of d (NaN for n = 0) and its sample standard deviation (divisor n - 1; NaN for n < 2).
  // When every d_i is the same value the spread is exactly 0 and the mean that value, where
  // NumPy's summation may leave a rounding residue: ten differences of 0.3 give SciPy t = 1.6e16,
  // p = 7e-143 against t = inf, p = 0 here. The two agree whenever the d_i sum exactly.
  double mean_difference = 0.0;
  double std_difference = 0.0;
  // Two-sided confidence interval of the mean difference at the requested level:
  // mean -/+ t_{n-1, (1+level)/2} * std / sqrt(n), as ttest_rel(a, b).confidence_interval(level).
  // NaN for n < 2; [mean, mean] when the std is 0.
  double ci_low = 0.0;
  double ci_high = 0.0;
  // scipy.stats.ttest_rel(a, b): t = mean / (std / sqrt(n)) with n - 1 degrees of freedom and the
  // two-sided p. std 0: t = +-inf and p = 0 for a non-zero mean, t = p = NaN when every d_i is 0.
  // NaN for n < 2.
  double t = 0.0;
  double t_p = 0.0;
  // scipy.stats.wilcoxon(a, b) defaults (zero_method='wilcox', correction=False, method='auto'):
  // zero differences are dropped, the rest ranked by |d_i| (ties share the average rank; ties and
  // zeros are exact double equality, as in SciPy). W+ is the rank sum of the positive d_i, W- of
  // the negative ones; wilcoxon_w = min(W+, W-), SciPy's two-sided statistic (a multiple of 0.5).
  // The p-value is two-sided:
  //  - exact (wilcoxon_exact true) when n <= 50 and no d_i is 0, from the exact null distribution
  //    of W+ over the ranks 1..n: 2 * min(P(W+ <= w), P(W+ >= w)) capped at 1, for w = floor(W+).
  //    With tied |d_i| SciPy 1.10 still takes this branch and truncates a half-integer W+; this
  //    reproduces 1.10 (newer SciPy releases changed what 'auto' does with ties).
  //  - otherwise the normal approximation over the m non-zero differences without continuity
  //    correction: z = (w - m(m+1)/4) / sigma, sigma^2 = (m(m+1)(2m+1) - sum_g (t_g^3 - t_g) / 2)
  //    / 24 over the groups g of t_g tied |d_i|, and p = 2 * (1 - Phi(|z|)).
  // Defined here where SciPy has no such answer: for n < 2, w and p are NaN (SciPy answers p = 1
  // for n = 1, which no test supports); when every d_i is zero (SciPy raises) w is 0, p NaN.
  double wilcoxon_w = 0.0;
  double wilcoxon_p = 0.0;
  bool wilcoxon_exact = false;
};

// Compares a against b pair by pair at the given confidence level for the interval (t-test and
// Wilcoxon p-values do not depend on it). Throws emoaug::Error when the sizes differ, when a value
// is not finite, or when confidence is not strictly between 0 and 1.
PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b,
                                double confidence = 0.95);

// Nadeau & Bengio's corrected resampled t-test (Machine Learning 52, 2003, eq. 8 there) of the
// same pairs. The pairs come from cross-validation folds and repetitions whose training sets
// overlap, so the differences are positively correlated and the plain t-test's variance s^2 / J
// is too small: it finds differences too often. The correction inflates it to
// (1/J + n_test/n_train) s^2, keeping J - 1 degrees of freedom:
//   t = mean / sqrt((1/J + test_train_ratio) * s^2),  p = P(|T_{J-1}| >= |t|),
//   interval mean -/+ t_{J-1, (1+level)/2} * sqrt((1/J + test_train_ratio) * s^2).
// mean and s are PairedComparison's (the same numbers), and the edge cases are the plain t-test's:
// NaN for J < 2; s = 0 gives t = +-inf, p = 0 and [mean, mean] for a non-zero mean and t = p = NaN
// (interval [0, 0]) when every difference is 0. A ratio of 0 is the plain t-test.
struct CorrectedComparison {
  int n = 0;                      // J, the number of pairs
  double test_train_ratio = 0.0;  // n_test / n_train, as given
  double mean_difference = 0.0;
  double std_difference = 0.0;
  double ci_low = 0.0, ci_high = 0.0;
  double t = 0.0, t_p = 0.0;
};

// Throws emoaug::Error as compare_paired does, and when test_train_ratio is negative or not
// finite.
CorrectedComparison compare_corrected(const std::vector<double>& a, const std::vector<double>& b,
                                      double test_train_ratio, double confidence = 0.95);

// n_test / n_train of a resampling whose k-th split tests on test_sizes[k] rows and trains on
// train_sizes[k]: mean test size over mean train size (Nadeau & Bengio's ratio assumes one size of
// each; with unequal sessions this is the ratio of the averages, not the average of the ratios).
// Throws when the sizes are empty, differ in count, or no split trains on anything.
double test_train_ratio(const std::vector<long long>& test_sizes,
                        const std::vector<long long>& train_sizes);

// Student's t distribution with df > 0 degrees of freedom (scipy.special.stdtr / stdtrit):
// P(T <= t), and the t with P(T <= t) = p for p in (0, 1). The smaller of the CDF and its
// complement is computed directly, so tails keep their relative accuracy: about 1e-13 of exact
// values or better in the tests, 4e-13 at P ~ 1e-210 with 1000 degrees of freedom. SciPy's stdtrit
// is good to only a few 1e-9 relative, so the interval above agrees with SciPy's to that much.
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);

}  // namespace emoaug::ser
