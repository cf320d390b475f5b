"""Intervals against statsmodels/scipy (1e-10) and coverage in simulation (93-97%)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

import precimark as pm
from precimark.kpi import (
    Estimate,
    estimates_frame,
    mean,
    mean_difference,
    proportion,
    proportion_difference,
    relative_difference,
)

CASES = [(0, 10), (1, 10), (5, 10), (10, 10), (37, 250), (999, 1000), (3, 100_000)]


@pytest.mark.parametrize(("k", "n"), CASES)
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_matches_statsmodels(k: int, n: int, confidence: float) -> None:
    est = proportion(k, n, confidence=confidence)
    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert est.value == k / n
    assert est.ci_low == pytest.approx(low, abs=1e-10)
    assert est.ci_high == pytest.approx(high, abs=1e-10)


@pytest.mark.parametrize(("ka", "na"), CASES)
@pytest.mark.parametrize(("kb", "nb"), [(0, 20), (12, 40), (500, 1000), (40, 40)])
def test_newcombe_matches_statsmodels(ka: int, na: int, kb: int, nb: int) -> None:
    est = proportion_difference(ka, na, kb, nb, confidence=0.9)
    low, high = confint_proportions_2indep(ka, na, kb, nb, method="newcomb", alpha=0.1)
    assert est.value == pytest.approx(ka / na - kb / nb, abs=1e-15)
    assert est.ci_low == pytest.approx(low, abs=1e-10)
    assert est.ci_high == pytest.approx(high, abs=1e-10)


def test_newcombe_p_value_is_the_pooled_z_test() -> None:
    from statsmodels.stats.proportion import proportions_ztest

    est = proportion_difference(60, 500, 40, 450)
    _, p_value = proportions_ztest([60, 40], [500, 450])
    assert est.p_value == pytest.approx(p_value, abs=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_welch_and_t_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.gamma(2.0, 30.0, 40 + seed)
    b = rng.normal(50.0, 5.0, 17)
    est = mean_difference(a, b, confidence=0.9)
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(confidence_level=0.9)
    assert est.value == pytest.approx(a.mean() - b.mean(), abs=1e-12)
    assert (est.ci_low, est.ci_high) == pytest.approx((ci.low, ci.high), abs=1e-10)
    assert est.p_value == pytest.approx(res.pvalue, abs=1e-10)
    one = mean(pd.Series(a), confidence=0.99)
    ci1 = stats.ttest_1samp(a, 0.0).confidence_interval(confidence_level=0.99)
    assert (one.ci_low, one.ci_high) == pytest.approx((ci1.low, ci1.high), abs=1e-10)


def _coverage(estimates: list[Estimate], truth: float) -> float:
    return float(np.mean([e.contains(truth) for e in estimates]))


REPS = 2000


def test_wilson_and_newcombe_coverage() -> None:
    rng = np.random.default_rng(11)
    ka = rng.binomial(300, 0.08, REPS)
    kb = rng.binomial(200, 0.05, REPS)
    single = [proportion(int(k), 300) for k in ka]
    diff = [proportion_difference(int(x), 300, int(y), 200) for x, y in zip(ka, kb, strict=True)]
    assert 0.93 <= _coverage(single, 0.08) <= 0.97
    assert 0.93 <= _coverage(diff, 0.03) <= 0.97


def test_welch_and_lift_coverage_on_skewed_revenue() -> None:
    rng = np.random.default_rng(12)
    # revenue per customer: zero-inflated gamma, treated mean 1.2 x control mean
    n_a, n_b, reps = 800, 600, 1500
    a = rng.gamma(2.0, 30.0, (reps, n_a)) * (rng.random((reps, n_a)) < 0.3 * 1.2)
    b = rng.gamma(2.0, 30.0, (reps, n_b)) * (rng.random((reps, n_b)) < 0.3)
    mu_a, mu_b = 60.0 * 0.36, 60.0 * 0.3
    welch = [mean_difference(x, y) for x, y in zip(a, b, strict=True)]
    lift = [relative_difference(x, y) for x, y in zip(a, b, strict=True)]
    assert 0.93 <= _coverage(welch, mu_a - mu_b) <= 0.97
    assert 0.93 <= _coverage(lift, mu_a / mu_b - 1) <= 0.97


def test_relative_difference_is_the_log_scale_delta_interval() -> None:
    a, b = np.array([3.0, 5.0, 0.0, 2.0]), np.array([1.0, 2.0, 0.0, 3.0, 4.0])
    est = relative_difference(a, b, confidence=0.95)
    ma, mb = a.mean(), b.mean()
    sa, sb = a.var(ddof=1) / 4 / ma**2, b.var(ddof=1) / 5 / mb**2
    df = (sa + sb) ** 2 / (sa**2 / 3 + sb**2 / 4)
    half = stats.t.ppf(0.975, df) * np.sqrt(sa + sb)
    assert est.value == pytest.approx(ma / mb - 1)
    assert est.ci_low == pytest.approx(ma / mb * np.exp(-half) - 1, rel=1e-12)
    assert est.ci_high == pytest.approx(ma / mb * np.exp(half) - 1, rel=1e-12)
    assert est.p_value == mean_difference(a, b).p_value


def test_estimate_to_dict_and_frame() -> None:
    est = proportion_difference(10, 100, 5, 100)
    d = est.to_dict()
    assert set(d) == {
        "value",
        "ci_low",
        "ci_high",
        "confidence",
        "method",
        "n",
        "p_value",
        "warnings",
    }
    assert d["n"] == 200 and d["method"] == "newcombe" and isinstance(d["p_value"], float)
    frame = estimates_frame({"a": est, "b": proportion(1, 3)})
    assert frame.index.name == "kpi" and list(frame.index) == ["a", "b"]
    assert np.isnan(frame.loc["b", "p_value"])
    assert "95% CI" in repr(est)


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: proportion(11, 10), "argument 'successes'"),
        (lambda: proportion(1, 0), "argument 'n'"),
        (lambda: proportion(1.5, 10), "argument 'successes'"),
        (lambda: proportion(1, 10, confidence=95), "argument 'confidence'"),
        (lambda: mean([1.0]), "argument 'values'"),
        (lambda: mean(pd.Series([1.0, np.nan], index=[7, 8])), "first customer: 8"),
        (lambda: mean_difference([1.0, 2.0], ["a", "b"]), "argument 'b'"),
        (lambda: estimates_frame({"x": 1.0}), "estimate 'x'"),  # type: ignore[dict-item]
    ],
)
def test_bad_input_is_a_validation_error(call, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(pm.DataValidationError, match=needle):
        call()


def test_zero_variance_groups_warn_in_the_estimate() -> None:
    est = mean_difference([1.0, 1.0], [1.0, 1.0])
    assert est.value == 0 and est.width == 0 and est.warnings
