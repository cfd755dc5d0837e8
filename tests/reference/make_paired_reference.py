#!/usr/bin/python3
"""Writes tests/reference/paired_tests.txt: SciPy's answers for test_paired_comparison.cpp to reproduce.

emoaug::ser::compare_paired (src/ser/paired_comparison.h) compares two settings' UARs over the same
(fold, repetition) pairs. The fixture holds, for each case, the two vectors a and b and SciPy's
results with default arguments:
  - scipy.stats.ttest_rel(a, b): t statistic, two-sided p, and
    .confidence_interval(confidence) of the mean difference a - b;
  - numpy: n, mean and sample standard deviation (ddof=1) of a - b;
  - scipy.stats.wilcoxon(a, b): statistic min(W+, W-) and two-sided p (zero_method='wilcox',
    correction=False, method='auto'), and whether the exact distribution was used.
It also holds values of Student's t CDF (scipy.special.stdtr) and quantile (scipy.special.stdtrit),
deep in the tails, for the distribution functions on their own; and, because stdtrit (cephes'
incbi) is only good to a few 1e-9 relative, quantiles for even degrees of freedom to 17 digits
from the closed-form CDF evaluated in 60-digit decimal arithmetic.

Only cases SciPy answers are here; test_paired_comparison.cpp checks the documented edge cases (n < 2,
all differences zero, where SciPy's wilcoxon raises) on its own.

Regenerate with Debian bookworm's SciPy (apt-get install -y python3-scipy; 1.10.1 made the
committed file), from the repository root:
    /usr/bin/python3 tests/reference/make_paired_reference.py
The cases are a fixed seed and literals, so the file changes only if NumPy's generator or SciPy's
answers do. test_paired_comparison.cpp counts the cases and values: adding some means updating it.

Format: '#' lines are comments. A case is the block
    case NAME
    confidence C
    a N v1 ... vN
    b N v1 ... vN
    n / mean_difference / std_difference / ci_low / ci_high / t / t_p / wilcoxon_w / wilcoxon_p /
    wilcoxon_exact   (one 'key value' line each)
    end
and the distribution values are lines 'stdtr DF T VALUE', 'stdtrit DF P VALUE' and
'quantile DF P VALUE' (the exact ones). Numbers are %.17g (round-trip exact); inf and nan as
Python prints them.
"""
import decimal
import math
import os
import warnings

import numpy as np
import scipy
from scipy import special, stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "paired_tests.txt")


def fmt(x):
    return "%.17g" % float(x)


def uar_percent(rng, mean, sd, n):
    """UAR-like values: percent with two decimals, so equal differences occur as in real tables."""
    return np.round(rng.normal(mean, sd, n), 2)


def cases():
    rng = np.random.default_rng(20190915)
    out = []

    # Within-corpus: 5 folds x 5 repetitions, small positive effect, continuous (no ties): exact.
    b = rng.normal(0.55, 0.03, 25)
    out.append(("within25_small_positive", 0.95, b + rng.normal(0.012, 0.015, 25), b))

    # Cross-corpus: 5 repetitions.
    b = rng.normal(0.42, 0.02, 5)
    out.append(("cross5", 0.95, b + rng.normal(0.015, 0.01, 5), b))

    # Negative mean difference (synthetic-only below real).
    b = rng.normal(0.60, 0.03, 25)
    out.append(("within25_negative", 0.95, b + rng.normal(-0.04, 0.02, 25), b))

    # Strong effect: tiny p-values, for the relative accuracy of the t tail and the exact tail.
    b = rng.normal(0.50, 0.02, 25)
    out.append(("within25_strong", 0.99, b + rng.normal(0.05, 0.005, 25), b))

    # UARs in percent rounded to 2 decimals: equal |d| and zero differences occur naturally.
    b = uar_percent(rng, 58.0, 1.0, 25)
    a = np.round(b + np.round(rng.normal(0.2, 0.4, 25), 1), 2)
    out.append(("percent25_rounded", 0.95, a, b))

    # Ties in |d| without zeros, n <= 50: SciPy 1.10 still uses the exact distribution, at int(W+).
    d = np.array([1.0, -1.0, 2.0, 3.0, 4.0, 4.0, -0.5, 2.0, 6.0, 3.0])
    out.append(("ties_no_zero", 0.95, 50.0 + d, np.full(d.size, 50.0)))

    # One zero difference: normal approximation with the tie-corrected variance.
    d = np.array([0.0, 1.5, -0.5, 2.0, 2.0, 0.75, -1.25, 3.0, 1.0, 0.5, 2.5, -0.25])
    out.append(("one_zero", 0.90, 60.0 + d, np.full(d.size, 60.0)))

    # Zeros and ties together, few pairs.
    d = np.array([0.0, 0.0, 1.0, -1.0, 1.0, 2.0])
    out.append(("zeros_and_ties6", 0.95, 40.0 + d, np.full(d.size, 40.0)))

    # Only one non-zero difference among zeros: the approximation on a single rank.
    d = np.array([0.0, 0.0, 0.0, 0.25])
    out.append(("single_nonzero", 0.95, 70.0 + d, np.full(d.size, 70.0)))

    # W+ at the centre of the exact distribution: SciPy answers p = 1.
    d = np.array([1.0, -2.0, -3.0, 4.0])
    out.append(("centre", 0.95, 10.0 + d, np.full(d.size, 10.0)))

    # Constant non-zero difference (a dyadic one, so every sum is exact): std 0, t = inf, p = 0.
    out.append(("constant_difference", 0.95, np.full(6, 55.5), np.full(6, 55.0)))

    # n = 2: one degree of freedom, the t quantile far out (12.7).
    out.append(("n2", 0.95, np.array([0.61, 0.58]), np.array([0.57, 0.575])))

    # The boundary of the exact method: 50 pairs exact, 51 approximate.
    b = rng.normal(0.5, 0.03, 51)
    a = b + rng.normal(0.005, 0.02, 51)
    out.append(("exact50", 0.95, a[:50], b[:50]))
    out.append(("approx51", 0.95, a, b))

    # Many pairs (normal approximation), continuous and rounded.
    b = rng.normal(0.55, 0.03, 125)
    out.append(("approx125", 0.95, b + rng.normal(0.003, 0.02, 125), b))
    b = uar_percent(rng, 62.0, 1.5, 80)
    a = np.round(b + np.round(rng.normal(-0.1, 0.5, 80), 1), 2)
    out.append(("percent80_rounded", 0.80, a, b))
    return out


def t_quantile_even_df(p, df):
    """t with P(T <= t) = p for even df, by bisection on the closed-form CDF (Abramowitz & Stegun
    26.7.4): F(t) = 1/2 + t / (2 sqrt(df + t^2)) * sum_{j < df/2} C(2j, j) / 4^j * x^j with
    x = df / (df + t^2), in 60-digit decimals."""
    D = decimal.Decimal
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        p = D(p)  # the double's exact value

        def cdf(t):
            x = D(df) / (D(df) + t * t)
            s = sum(D(math.comb(2 * j, j)) / D(4) ** j * x**j for j in range(df // 2))
            return D(1) / 2 + t / (2 * (D(df) + t * t).sqrt()) * s

        lo, hi = D(-1000), D(1000)
        for _ in range(230):
            mid = (lo + hi) / 2
            if cdf(mid) < p:
                lo = mid
            else:
                hi = mid
        return float(lo)


def exact_used(d):
    # SciPy 1.10 wilcoxon, method='auto': exact iff len(d) <= 50 and no zero difference.
    return d.size <= 50 and not np.any(d == 0)


def main():
    warnings.simplefilter("ignore")  # SciPy warns on zeros and small samples; both are intended
    lines = [
        "# Made by tests/reference/make_paired_reference.py with SciPy %s, NumPy %s."
        % (scipy.__version__, np.__version__),
        "# Do not edit: regenerate (see the script).",
    ]
    for name, conf, a, b in cases():
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        d = a - b
        tt = stats.ttest_rel(a, b)
        ci = tt.confidence_interval(conf)
        w = stats.wilcoxon(a, b)
        exact = exact_used(d)
        # The rule above must be the one SciPy applied: 'auto' equals the method it names.
        check = stats.wilcoxon(a, b, method="exact" if exact else "approx")
        assert (check.statistic, check.pvalue) == (w.statistic, w.pvalue), name
        lines += [
            "case " + name,
            "confidence " + fmt(conf),
            "a %d %s" % (a.size, " ".join(fmt(v) for v in a)),
            "b %d %s" % (b.size, " ".join(fmt(v) for v in b)),
            "n %d" % d.size,
            "mean_difference " + fmt(np.mean(d)),
            "std_difference " + fmt(np.std(d, ddof=1)),
            "ci_low " + fmt(ci.low),
            "ci_high " + fmt(ci.high),
            "t " + fmt(tt.statistic),
            "t_p " + fmt(tt.pvalue),
            "wilcoxon_w " + fmt(w.statistic),
            "wilcoxon_p " + fmt(w.pvalue),
            "wilcoxon_exact %d" % int(exact),
            "end",
        ]
    for df in (1, 2, 4, 24, 124, 1000):
        for t in (-40.0, -6.5, -2.0, -0.3, 0.0, 1.0, 3.7, 25.0):
            lines.append("stdtr %s %s %s" % (fmt(df), fmt(t), fmt(special.stdtr(df, t))))
        for p in (1e-12, 0.005, 0.025, 0.05, 0.3, 0.6, 0.9, 0.975, 0.995):
            lines.append("stdtrit %s %s %s" % (fmt(df), fmt(p), fmt(special.stdtrit(df, p))))
    for df in (2, 4, 24):
        for p in (0.005, 0.025, 0.05, 0.3, 0.9, 0.975, 0.995):
            lines.append("quantile %d %s %s" % (df, fmt(p), fmt(t_quantile_even_df(p, df))))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
