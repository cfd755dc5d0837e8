#!/usr/bin/python3
"""Writes tests/reference/corrected_tests.txt: the corrected resampled t-test of Nadeau & Bengio
(2003) for test_paired_comparison.cpp to reproduce.

SciPy has no such test, so it is written out here, independently of emoaug::ser::compare_corrected
(src/ser/paired_comparison.h), from NumPy's moments and scipy.stats.t:
    d = a - b,  J = len(d),  r = mean(test_sizes) / mean(train_sizes)
    se = sqrt((1/J + r) * var(d, ddof=1))
    t = mean(d) / se,  p = 2 * t.sf(|t|, J - 1)
    interval = mean(d) -/+ t.ppf((1 + confidence) / 2, J - 1) * se
Each case gives the splits' sizes, so that the C++ test also checks the ratio it computes from
them (emoaug::ser::test_train_ratio): equal and unequal leave-one-session-out folds, one fixed
cross-corpus split repeated, and the edge cases the plain t-test has (a constant non-zero
difference: t = inf, p = 0; every difference zero: t = p = NaN, as NumPy's 0/0).

Regenerate with Debian bookworm's SciPy (apt-get install -y python3-scipy; 1.10.1 made the
committed file), from the repository root:
    /usr/bin/python3 tests/reference/make_corrected_reference.py
test_paired_comparison.cpp counts the cases: adding some means updating it.

Format: '#' lines are comments. A case is the block
    case NAME
    confidence C
    test_sizes K s1 ... sK
    train_sizes K s1 ... sK
    a N v1 ... vN
    b N v1 ... vN
    n / test_train_ratio / mean_difference / std_difference / t / t_p / ci_low / ci_high
    (one 'key value' line each)
    end
Numbers are %.17g (round-trip exact); inf and nan as Python prints them.
"""
import os
import warnings

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corrected_tests.txt")


def fmt(x):
    return "%.17g" % float(x)


def logo_sizes(session_sizes):
    """Leave-one-session-out: fold k tests on session k and trains on the others."""
    total = sum(session_sizes)
    return list(session_sizes), [total - s for s in session_sizes]


def cases():
    rng = np.random.default_rng(20031101)
    out = []

    # 5 equal sessions x 5 repetitions: r = 1/4.
    test, train = logo_sizes([1000] * 5)
    b = rng.normal(55.0, 3.0, 25)
    out.append(("within_equal25", 0.95, test, train, b + rng.normal(1.2, 1.5, 25), b))

    # IEMOCAP-like unequal sessions x 3 repetitions.
    test, train = logo_sizes([1085, 1023, 1151, 1031, 1241])
    b = rng.normal(58.0, 2.0, 15)
    out.append(("within_unequal15", 0.95, test, train, b + rng.normal(0.8, 1.0, 15), b))

    # Folds whose training sets are not the complement of the test (rows set aside), unequal, and
    # a negative effect at another confidence level.
    test, train = [310, 95, 240, 180], [500, 720, 610, 660]
    b = rng.normal(60.0, 2.5, 12)
    out.append(("within_uneven_negative", 0.90, test, train, b + rng.normal(-1.5, 1.2, 12), b))

    # Cross-corpus: one split (all of the target to train, 70 % of the cross corpus to test),
    # repeated 5 times.
    b = rng.normal(42.0, 1.0, 5)
    out.append(("cross5", 0.95, [700], [2100], b + rng.normal(1.0, 0.8, 5), b))

    # Two pairs: one degree of freedom.
    test, train = logo_sizes([400, 600])
    out.append(("n2", 0.95, test, train, np.array([61.0, 58.25]), np.array([57.0, 57.5])))

    # Constant non-zero difference (dyadic, so the sums are exact): no spread, t = -inf, p = 0.
    test, train = logo_sizes([100, 100, 100])
    out.append(("constant_difference", 0.95, test, train, np.full(6, 54.5), np.full(6, 55.0)))

    # Every difference zero: t = p = NaN, the interval [0, 0].
    out.append(("all_zero", 0.95, test, train, np.array([50.0, 52.5, 49.0, 51.0]),
                np.array([50.0, 52.5, 49.0, 51.0])))
    return out


def main():
    warnings.simplefilter("ignore")  # 0/0 and x/0 in the edge cases are intended
    lines = [
        "# Made by tests/reference/make_corrected_reference.py with SciPy %s, NumPy %s."
        % (scipy.__version__, np.__version__),
        "# Do not edit: regenerate (see the script).",
    ]
    for name, conf, test_sizes, train_sizes, a, b in cases():
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        d = a - b
        n = d.size
        ratio = np.mean(np.asarray(test_sizes, dtype=np.float64)) / np.mean(
            np.asarray(train_sizes, dtype=np.float64))
        mean = np.mean(d)
        var = np.var(d, ddof=1)
        if np.all(d == d[0]):
            mean, var = d[0], 0.0  # no spread, whatever NumPy's summation leaves in the mean
        se = np.sqrt((1.0 / n + ratio) * var)
        t = np.float64(mean) / np.float64(se)
        p = 2.0 * stats.t.sf(abs(t), n - 1) if not np.isnan(t) else np.nan
        half = stats.t.ppf(0.5 + conf / 2.0, n - 1) * se
        lines += [
            "case " + name,
            "confidence " + fmt(conf),
            "test_sizes %d %s" % (len(test_sizes), " ".join(str(s) for s in test_sizes)),
            "train_sizes %d %s" % (len(train_sizes), " ".join(str(s) for s in train_sizes)),
            "a %d %s" % (a.size, " ".join(fmt(v) for v in a)),
            "b %d %s" % (b.size, " ".join(fmt(v) for v in b)),
            "n %d" % n,
            "test_train_ratio " + fmt(ratio),
            "mean_difference " + fmt(mean),
            "std_difference " + fmt(np.sqrt(var)),
            "t " + fmt(t),
            "t_p " + fmt(p),
            "ci_low " + fmt(mean - half),
            "ci_high " + fmt(mean + half),
            "end",
        ]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
