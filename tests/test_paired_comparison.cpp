// compare_paired against SciPy 1.10 (tests/reference/paired_tests.txt, written by
// tests/reference/make_paired_reference.py), and the edge cases SciPy leaves undefined;
// compare_corrected against the corrected resampled t-test written out with scipy.stats.t
// (tests/reference/corrected_tests.txt, by tests/reference/make_corrected_reference.py) and by
// hand.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "ser/paired_comparison.h"

namespace {

using emoaug::ser::compare_corrected;
using emoaug::ser::compare_paired;
using emoaug::ser::CorrectedComparison;
using emoaug::ser::PairedComparison;
using emoaug::ser::student_t_cdf;
using emoaug::ser::student_t_quantile;

const char* const kFixture = EMOAUG_SOURCE_DIR "/tests/reference/paired_tests.txt";
const char* const kCorrectedFixture = EMOAUG_SOURCE_DIR "/tests/reference/corrected_tests.txt";
// Means and spreads differ from NumPy's only by summation order; t and the p-values also by the
// special-function implementations (cephes in SciPy): observed at most 3e-16 and 4e-14.
constexpr double kMomentTolerance = 1e-12;
constexpr double kTestTolerance = 1e-9;
// SciPy's interval comes from stdtrit (cephes' incbi), which is good to only a few 1e-9 relative
// (2.3e-9 at df 4 against the exact quantiles in the fixture); interval ends are compared
// relative to the half-width the quantile scales. Our quantile is checked at kExactTolerance.
constexpr double kStdtritTolerance = 1e-8;
constexpr double kExactTolerance = 1e-13;
// Our CDF against stdtr: lgamma's rounding in the prefactor, 4e-13 at df 1000 and P ~ 1e-210.
constexpr double kStdtrTolerance = 1e-11;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Case {
  std::string name;
  double confidence = 0.0;
  std::vector<double> a, b;
  std::map<std::string, double> expected;
};

struct DistributionValue {
  std::string function;  // "stdtr", "stdtrit" or "quantile" (exact, for even df)
  double df, x, expected;
};

std::vector<double> read_values(std::istringstream& line) {
  size_t count = 0;
  line >> count;
  std::vector<double> v(count);
  for (double& x : v) line >> x;
  return v;
}

// std::strtod, unlike operator>>, reads SciPy's "inf" and "nan".
double read_number(std::istringstream& line) {
  std::string word;
  line >> word;
  return std::strtod(word.c_str(), nullptr);
}

struct Fixture {
  std::vector<Case> cases;
  std::vector<DistributionValue> distribution;
};

struct CorrectedCase {
  std::string name;
  double confidence = 0.0;
  std::vector<long long> test_sizes, train_sizes;
  std::vector<double> a, b;
  std::map<std::string, double> expected;
};

std::vector<long long> read_sizes(std::istringstream& line) {
  std::vector<long long> sizes;
  for (double v : read_values(line)) sizes.push_back(static_cast<long long>(v));
  return sizes;
}

std::vector<CorrectedCase> read_corrected_fixture() {
  std::vector<CorrectedCase> cases;
  std::ifstream in(kCorrectedFixture);
  EXPECT_TRUE(in.good()) << kCorrectedFixture;
  std::string text;
  CorrectedCase current;
  while (std::getline(in, text)) {
    if (text.empty() || text[0] == '#') continue;
    std::istringstream line(text);
    std::string key;
    line >> key;
    if (key == "case") {
      current = CorrectedCase();
      line >> current.name;
    } else if (key == "confidence") {
      current.confidence = read_number(line);
    } else if (key == "test_sizes") {
      current.test_sizes = read_sizes(line);
    } else if (key == "train_sizes") {
      current.train_sizes = read_sizes(line);
    } else if (key == "a") {
      current.a = read_values(line);
    } else if (key == "b") {
      current.b = read_values(line);
    } else if (key == "end") {
      cases.push_back(current);
    } else {
      current.expected[key] = read_number(line);
    }
  }
  return cases;
}

Fixture read_fixture() {
  Fixture f;
  std::ifstream in(kFixture);
  EXPECT_TRUE(in.good()) << kFixture;
  std::string text;
  Case current;
  while (std::getline(in, text)) {
    if (text.empty() || text[0] == '#') continue;
    std::istringstream line(text);
    std::string key;
    line >> key;
    if (key == "case") {
      current = Case();
      line >> current.name;
    } else if (key == "confidence") {
      current.confidence = read_number(line);
    } else if (key == "a") {
      current.a = read_values(line);
    } else if (key == "b") {
      current.b = read_values(line);
    } else if (key == "end") {
      f.cases.push_back(current);
    } else if (key == "stdtr" || key == "stdtrit" || key == "quantile") {
      DistributionValue d{key, 0, 0, 0};
      d.df = read_number(line);
      d.x = read_number(line);
      d.expected = read_number(line);
      f.distribution.push_back(d);
    } else {
      current.expected[key] = read_number(line);
    }
  }
  return f;
}

const Fixture& fixture() {
  static const Fixture f = read_fixture();
  return f;
}

// Relative closeness, with NaN, infinities and exact zeros required to match exactly.
void expect_close(double actual, double expected, double tolerance, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": " << actual << ", SciPy NaN";
  } else if (std::isinf(expected) || expected == 0.0) {
    EXPECT_EQ(actual, expected) << what;
  } else {
    EXPECT_LE(std::fabs(actual - expected), tolerance * std::fabs(expected))
        << what << ": " << actual << ", SciPy " << expected;
  }
}

TEST(PairedReference, FixtureCoversTheIntendedCases) {
  const auto& f = fixture();
  ASSERT_EQ(f.cases.size(), 16u);
  int exact = 0, with_zero = 0;
  for (const Case& c : f.cases) {
    ASSERT_EQ(c.a.size(), c.b.size()) << c.name;
    ASSERT_EQ(c.expected.size(), 10u) << c.name;
    exact += c.expected.at("wilcoxon_exact") != 0.0;
    for (size_t i = 0; i < c.a.size(); ++i)
      if (c.a[i] == c.b[i]) {
        ++with_zero;
        break;
      }
  }
  EXPECT_GE(exact, 5);
  EXPECT_GE(static_cast<int>(f.cases.size()) - exact, 5);
  EXPECT_GE(with_zero, 4);
  EXPECT_EQ(f.distribution.size(), 6u * (8u + 9u) + 3u * 7u);
}

TEST(PairedReference, MatchesScipyTtestRelAndWilcoxon) {
  for (const Case& c : fixture().cases) {
    SCOPED_TRACE(c.name);
    const PairedComparison r = compare_paired(c.a, c.b, c.confidence);
    const auto& e = c.expected;
    EXPECT_EQ(r.n, static_cast<int>(e.at("n")));
    expect_close(r.mean_difference, e.at("mean_difference"), kMomentTolerance, "mean_difference");
    expect_close(r.std_difference, e.at("std_difference"), kMomentTolerance, "std_difference");
    const double half_width = 0.5 * (e.at("ci_high") - e.at("ci_low"));
    if (half_width > 0.0) {
      EXPECT_NEAR(r.ci_low, e.at("ci_low"), kStdtritTolerance * half_width);
      EXPECT_NEAR(r.ci_high, e.at("ci_high"), kStdtritTolerance * half_width);
    } else {
      EXPECT_EQ(r.ci_low, e.at("ci_low"));
      EXPECT_EQ(r.ci_high, e.at("ci_high"));
    }
    expect_close(r.t, e.at("t"), kTestTolerance, "t");
    expect_close(r.t_p, e.at("t_p"), kTestTolerance, "t_p");
    EXPECT_EQ(r.wilcoxon_w, e.at("wilcoxon_w"));
    expect_close(r.wilcoxon_p, e.at("wilcoxon_p"), kTestTolerance, "wilcoxon_p");
    EXPECT_EQ(r.wilcoxon_exact, e.at("wilcoxon_exact") != 0.0);
  }
}

TEST(PairedReference, StudentTMatchesScipyAndExactQuantiles) {
  for (const DistributionValue& d : fixture().distribution) {
    const std::string what =
        d.function + "(" + std::to_string(d.df) + ", " + std::to_string(d.x) + ")";
    if (d.function == "stdtr")
      expect_close(student_t_cdf(d.x, d.df), d.expected, kStdtrTolerance, what);
    else
      expect_close(student_t_quantile(d.x, d.df), d.expected,
                   d.function == "stdtrit" ? kStdtritTolerance : kExactTolerance, what);
  }
}

TEST(CorrectedReference, MatchesTheCorrectionWrittenOutWithScipy) {
  const std::vector<CorrectedCase> cases = read_corrected_fixture();
  ASSERT_EQ(cases.size(), 7u);
  for (const CorrectedCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.expected.size(), 8u);
    const double ratio = emoaug::ser::test_train_ratio(c.test_sizes, c.train_sizes);
    expect_close(ratio, c.expected.at("test_train_ratio"), 1e-15, "test_train_ratio");
    const CorrectedComparison r = compare_corrected(c.a, c.b, ratio, c.confidence);
    const auto& e = c.expected;
    EXPECT_EQ(r.n, static_cast<int>(e.at("n")));
    EXPECT_EQ(r.test_train_ratio, ratio);
    expect_close(r.mean_difference, e.at("mean_difference"), kMomentTolerance, "mean_difference");
    expect_close(r.std_difference, e.at("std_difference"), kMomentTolerance, "std_difference");
    expect_close(r.t, e.at("t"), kTestTolerance, "t");
    expect_close(r.t_p, e.at("t_p"), kTestTolerance, "t_p");
    // scipy.stats.t.ppf is stdtrit, good to a few 1e-9 (see kStdtritTolerance).
    const double half_width = 0.5 * (e.at("ci_high") - e.at("ci_low"));
    if (half_width > 0.0) {
      EXPECT_NEAR(r.ci_low, e.at("ci_low"), kStdtritTolerance * half_width);
      EXPECT_NEAR(r.ci_high, e.at("ci_high"), kStdtritTolerance * half_width);
    } else {
      EXPECT_EQ(r.ci_low, e.at("ci_low"));
      EXPECT_EQ(r.ci_high, e.at("ci_high"));
    }
    // The same pairs' plain t-test: the mean and spread are shared, and the correction only
    // widens (the ratio is > 0 in every case).
    const PairedComparison plain = compare_paired(c.a, c.b, c.confidence);
    EXPECT_EQ(r.mean_difference, plain.mean_difference);
    EXPECT_EQ(r.std_difference, plain.std_difference);
    if (plain.std_difference > 0.0) {
      EXPECT_LT(std::fabs(r.t), std::fabs(plain.t));
      EXPECT_GT(r.t_p, plain.t_p);
      EXPECT_LT(r.ci_low, plain.ci_low);
      EXPECT_GT(r.ci_high, plain.ci_high);
    }
  }
}

// Three sessions of one size, one repetition, left out in turn: n_test / n_train = 1/2 (the
// ratio of the means, whatever the sizes: (N/3) / (2N/3)). Differences d = 1, 2, 3:
//   mean 2, s^2 = ((-1)^2 + 0 + 1^2) / 2 = 1, J = 3, df = 2.
//   corrected: se^2 = (1/3 + 1/2) * 1 = 5/6, t = 2 / sqrt(5/6) = sqrt(24/5) = 2.1908902300206643
//   plain:     se^2 = 1/3,                    t = 2 / sqrt(1/3) = sqrt(12)   = 3.4641016151377544
// With two degrees of freedom P(|T| >= t) = 1 - t / sqrt(2 + t^2):
//   corrected p = 1 - sqrt(4.8 / 6.8) = 1 - sqrt(12/17) = 0.15983194958319413
//   plain p     = 1 - sqrt(12 / 14)   = 1 - sqrt(6/7)   = 0.07417990022744858
// and the two-sided 95 % point c solves 1 - c / sqrt(2 + c^2) = 0.05:
//   c^2 = 2 * 0.95^2 / (1 - 0.95^2) = 1.805 / 0.0975, c = 4.302652729749464;
//   corrected interval 2 -/+ c * sqrt(5/6) = 2 -/+ 3.9277665953249343.
TEST(CorrectedComparisonTest, HandWorkedThreeSessions) {
  const double ratio = emoaug::ser::test_train_ratio({300, 300, 300}, {600, 600, 600});
  EXPECT_EQ(ratio, 0.5);
  // Unequal sessions leave the ratio of the means at 1/2 as well.
  EXPECT_EQ(emoaug::ser::test_train_ratio({200, 300, 500}, {800, 700, 500}), 0.5);
  const std::vector<double> b = {60.0, 58.5, 61.0};
  const std::vector<double> a = {61.0, 60.5, 64.0};  // d = 1, 2, 3, exact in binary
  const CorrectedComparison r = compare_corrected(a, b, ratio);
  EXPECT_EQ(r.n, 3);
  EXPECT_EQ(r.mean_difference, 2.0);
  EXPECT_EQ(r.std_difference, 1.0);
  EXPECT_NEAR(r.t, std::sqrt(24.0 / 5.0), 1e-15);
  EXPECT_NEAR(r.t_p, 1.0 - std::sqrt(12.0 / 17.0), 1e-13);
  const double c = std::sqrt(1.805 / 0.0975);
  EXPECT_NEAR(r.ci_low, 2.0 - c * std::sqrt(5.0 / 6.0), 1e-12);
  EXPECT_NEAR(r.ci_high, 2.0 + c * std::sqrt(5.0 / 6.0), 1e-12);
  const PairedComparison plain = compare_paired(a, b);
  EXPECT_NEAR(plain.t, std::sqrt(12.0), 1e-14);
  EXPECT_NEAR(plain.t_p, 1.0 - std::sqrt(6.0 / 7.0), 1e-13);
  // The plain test calls this difference significant at 10 %, the corrected one does not.
  EXPECT_LT(plain.t_p, 0.1);
  EXPECT_GT(r.t_p, 0.1);
}

TEST(CorrectedComparisonTest, RatioZeroIsThePlainTTest) {
  const std::vector<double> a = {61.2, 59.8, 63.05, 60.4, 62.7, 58.9, 61.75};
  const std::vector<double> b = {60.1, 60.3, 61.0, 59.2, 62.9, 57.4, 60.5};
  const CorrectedComparison r = compare_corrected(a, b, 0.0, 0.9);
  const PairedComparison plain = compare_paired(a, b, 0.9);
  EXPECT_NEAR(r.t, plain.t, 1e-14 * std::fabs(plain.t));
  EXPECT_NEAR(r.t_p, plain.t_p, 1e-13 * plain.t_p);
  EXPECT_NEAR(r.ci_low, plain.ci_low, 1e-13);
  EXPECT_NEAR(r.ci_high, plain.ci_high, 1e-13);
}

TEST(CorrectedComparisonTest, EdgeCasesAreThePlainTTests) {
  for (const CorrectedComparison& r :
       {compare_corrected({}, {}, 0.25), compare_corrected({0.625}, {0.5}, 0.25)})
    for (double v : {r.std_difference, r.ci_low, r.ci_high, r.t, r.t_p}) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(compare_corrected({0.625}, {0.5}, 0.25).mean_difference, 0.125);
  const std::vector<double> same = {0.51, 0.47, 0.55, 0.5};
  const CorrectedComparison zero = compare_corrected(same, same, 0.25);
  EXPECT_EQ(zero.mean_difference, 0.0);
  EXPECT_EQ(zero.ci_low, 0.0);
  EXPECT_EQ(zero.ci_high, 0.0);
  EXPECT_TRUE(std::isnan(zero.t));
  EXPECT_TRUE(std::isnan(zero.t_p));
  const CorrectedComparison up =
      compare_corrected(std::vector<double>(10, 0.3), std::vector<double>(10, 0.0), 0.25);
  EXPECT_EQ(up.t, kInf);
  EXPECT_EQ(up.t_p, 0.0);
  EXPECT_EQ(up.ci_low, 0.3);
  EXPECT_EQ(up.ci_high, 0.3);
  for (double ratio : {-0.1, kNaN, kInf})
    EXPECT_THROW(compare_corrected({0.5, 0.6}, {0.4, 0.6}, ratio), emoaug::Error) << ratio;
  EXPECT_THROW(compare_corrected({0.5, 0.6}, {0.4}, 0.25), emoaug::Error);
  EXPECT_THROW(emoaug::ser::test_train_ratio({}, {}), emoaug::Error);
  EXPECT_THROW(emoaug::ser::test_train_ratio({10, 20}, {30}), emoaug::Error);
  EXPECT_THROW(emoaug::ser::test_train_ratio({10}, {0}), emoaug::Error);
}

TEST(PairedStudentT, MatchesClosedFormsForOneAndTwoDegreesOfFreedom) {
  const double pi = std::acos(-1.0);
  for (double t : {-1e8, -300.0, -7.0, -1.0, -1e-3, 0.0, 0.25, 2.0, 40.0, 1e6}) {
    // Lower tails directly, so that far-out values are compared relatively.
    const double cauchy = t < 0 ? std::atan(-1.0 / t) / pi : 0.5 + std::atan(t) / pi;
    // 1/2 - |t| / (2 sqrt(2 + t^2)), without the cancellation.
    const double s = std::sqrt(2.0 + t * t);
    const double df2 = 1.0 / (s * (s + std::fabs(t)));
    expect_close(student_t_cdf(t, 1.0), cauchy, 1e-13, "df 1 at " + std::to_string(t));
    expect_close(student_t_cdf(t, 2.0), t <= 0 ? df2 : 1.0 - df2, 1e-12,
                 "df 2 at " + std::to_string(t));
  }
  EXPECT_EQ(student_t_cdf(kInf, 3.0), 1.0);
  EXPECT_EQ(student_t_cdf(-kInf, 3.0), 0.0);
  EXPECT_TRUE(std::isnan(student_t_cdf(kNaN, 3.0)));
}

TEST(PairedStudentT, QuantileInvertsTheCdf) {
  for (double df : {1.0, 3.0, 9.5, 24.0, 400.0, 20000.0})
    for (double p : {1e-15, 1e-6, 0.01, 0.2, 0.4999, 0.5, 0.75, 0.99, 0.999999}) {
      const double t = student_t_quantile(p, df);
      expect_close(student_t_cdf(t, df), p, 1e-12,
                   "df " + std::to_string(df) + " p " + std::to_string(p));
    }
  EXPECT_EQ(student_t_quantile(0.5, 7.0), 0.0);
  // Large df: the normal's 97.5 % point.
  EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.959963984540054, 1e-6);
  EXPECT_THROW(student_t_quantile(1.0, 3.0), emoaug::Error);
  EXPECT_THROW(student_t_cdf(1.0, 0.0), emoaug::Error);
}

TEST(PairedWilcoxon, ExactPMatchesEnumerationOfSignPatterns) {
  // Ten distinct |d|: under the null every one of the 2^10 sign patterns is equally likely, so the
  // two-sided p is the share of patterns with min(W+, W-) at most the observed one.
  const std::vector<double> d = {0.3, -1.1, 2.4, 0.9, 1.7, -0.2, 3.1, 2.2, -0.6, 1.3};
  const std::vector<double> b(d.size(), 50.0);
  std::vector<double> a(d.size());
  for (size_t i = 0; i < d.size(); ++i) a[i] = 50.0 + d[i];
  const PairedComparison r = compare_paired(a, b);
  ASSERT_TRUE(r.wilcoxon_exact);
  // Ranks of |d|: 0.2->1 0.3->2 0.6->3 0.9->4 1.1->5 1.3->6 1.7->7 2.2->8 2.4->9 3.1->10;
  // negative: 5 + 1 + 3.
  EXPECT_EQ(r.wilcoxon_w, 9.0);
  int as_extreme = 0;
  for (int signs = 0; signs < 1024; ++signs) {
    int plus = 0;
    for (int rank = 1; rank <= 10; ++rank)
      if (signs >> (rank - 1) & 1) plus += rank;
    if (std::min(plus, 55 - plus) <= 9) ++as_extreme;
  }
  EXPECT_DOUBLE_EQ(r.wilcoxon_p, as_extreme / 1024.0);
}

TEST(PairedComparisonTest, SwappingTheSettingsMirrorsTheResult) {
  const std::vector<double> a = {61.2, 59.8, 63.05, 60.4, 62.7, 58.9, 61.75};
  const std::vector<double> b = {60.1, 60.3, 61.0, 59.2, 62.9, 57.4, 60.5};
  const PairedComparison ab = compare_paired(a, b, 0.9);
  const PairedComparison ba = compare_paired(b, a, 0.9);
  EXPECT_GT(ab.mean_difference, 0.0);
  EXPECT_DOUBLE_EQ(ba.mean_difference, -ab.mean_difference);
  EXPECT_DOUBLE_EQ(ba.std_difference, ab.std_difference);
  EXPECT_DOUBLE_EQ(ba.ci_low, -ab.ci_high);
  EXPECT_DOUBLE_EQ(ba.ci_high, -ab.ci_low);
  EXPECT_DOUBLE_EQ(ba.t, -ab.t);
  EXPECT_DOUBLE_EQ(ba.t_p, ab.t_p);
  EXPECT_EQ(ba.wilcoxon_w, ab.wilcoxon_w);
  EXPECT_DOUBLE_EQ(ba.wilcoxon_p, ab.wilcoxon_p);
  // A higher level gives a wider interval around the same mean.
  const PairedComparison wide = compare_paired(a, b, 0.99);
  EXPECT_LT(wide.ci_low, ab.ci_low);
  EXPECT_GT(wide.ci_high, ab.ci_high);
  EXPECT_EQ(wide.t_p, ab.t_p);
}

TEST(PairedComparisonTest, NoPairsOrOnePairGivesNoTest) {
  const PairedComparison none = compare_paired({}, {});
  EXPECT_EQ(none.n, 0);
  for (double v : {none.mean_difference, none.std_difference, none.ci_low, none.ci_high, none.t,
                   none.t_p, none.wilcoxon_w, none.wilcoxon_p})
    EXPECT_TRUE(std::isnan(v));
  EXPECT_FALSE(none.wilcoxon_exact);

  const PairedComparison one = compare_paired({0.625}, {0.5});
  EXPECT_EQ(one.n, 1);
  EXPECT_EQ(one.mean_difference, 0.125);
  for (double v : {one.std_difference, one.ci_low, one.ci_high, one.t, one.t_p, one.wilcoxon_w,
                   one.wilcoxon_p})
    EXPECT_TRUE(std::isnan(v));
  EXPECT_FALSE(one.wilcoxon_exact);
}

TEST(PairedComparisonTest, AllDifferencesZero) {
  const std::vector<double> a = {0.51, 0.47, 0.55, 0.5};
  const PairedComparison r = compare_paired(a, a);
  EXPECT_EQ(r.n, 4);
  EXPECT_EQ(r.mean_difference, 0.0);
  EXPECT_EQ(r.std_difference, 0.0);
  EXPECT_EQ(r.ci_low, 0.0);
  EXPECT_EQ(r.ci_high, 0.0);
  EXPECT_TRUE(std::isnan(r.t));    // 0 / 0, as SciPy
  EXPECT_TRUE(std::isnan(r.t_p));  // as SciPy
  EXPECT_EQ(r.wilcoxon_w, 0.0);    // SciPy raises here
  EXPECT_TRUE(std::isnan(r.wilcoxon_p));
  EXPECT_FALSE(r.wilcoxon_exact);
}

TEST(PairedComparisonTest, ConstantDifferenceHasNoSpreadEvenWhenItDoesNotSumExactly) {
  // Ten times 0.3 does not sum to 3: SciPy reports t = 1.6e16, p = 7e-143 here.
  const PairedComparison up =
      compare_paired(std::vector<double>(10, 0.3), std::vector<double>(10, 0.0));
  EXPECT_EQ(up.mean_difference, 0.3);
  EXPECT_EQ(up.std_difference, 0.0);
  EXPECT_EQ(up.t, kInf);
  EXPECT_EQ(up.t_p, 0.0);
  EXPECT_EQ(up.ci_low, 0.3);
  EXPECT_EQ(up.ci_high, 0.3);
  EXPECT_TRUE(up.wilcoxon_exact);
  EXPECT_EQ(up.wilcoxon_w, 0.0);
  EXPECT_EQ(up.wilcoxon_p, std::ldexp(1.0, -9));  // 2 * P(all 10 signs positive)

  const PairedComparison down =
      compare_paired(std::vector<double>(3, 0.6), std::vector<double>(3, 0.7));
  EXPECT_EQ(down.mean_difference, 0.6 - 0.7);
  EXPECT_EQ(down.t, -kInf);
  EXPECT_EQ(down.t_p, 0.0);
  EXPECT_EQ(down.wilcoxon_w, 0.0);
  EXPECT_EQ(down.wilcoxon_p, 0.25);
}

TEST(PairedComparisonTest, RejectsMismatchedOrInvalidInput) {
  EXPECT_THROW(compare_paired({0.5, 0.6}, {0.5}), emoaug::Error);
  EXPECT_THROW(compare_paired({}, {0.5}), emoaug::Error);
  EXPECT_THROW(compare_paired({0.5, kNaN}, {0.5, 0.6}), emoaug::Error);
  EXPECT_THROW(compare_paired({0.5, 0.6}, {kInf, 0.6}), emoaug::Error);
  for (double level : {0.0, 1.0, -0.5, 95.0, kNaN})
    EXPECT_THROW(compare_paired({0.5, 0.6}, {0.4, 0.6}, level), emoaug::Error) << level;
  try {
    compare_paired({0.5, 0.6, 0.7}, {0.5});
    FAIL() << "no error";
  } catch (const emoaug::Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 values against 1"), std::string::npos) << e.what();
  }
}

}  // namespace
