"""NPS / CSAT / ratings and referral KPIs: formulas, statsmodels/scipy parity, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

import precimark as pm
from precimark.kpi import (
    csat,
    csat_difference,
    mean_rating,
    mean_rating_difference,
    nps,
    nps_difference,
    referral_rate,
    referrer_rate,
)

# a 0-10 answer distribution with known NPS
NPS_P = np.array([2, 1, 1, 2, 3, 5, 6, 10, 20, 25, 25]) / 100.0
TRUE_NPS = 100 * (NPS_P[9:].sum() - NPS_P[:7].sum())


def test_nps_matches_the_multinomial_formula() -> None:
    rng = np.random.default_rng(3)
    scores = rng.choice(11, 500, p=NPS_P)
    est = nps(pd.Series(scores), confidence=0.9)
    p_p, p_d = np.mean(scores >= 9), np.mean(scores <= 6)
    se = 100 * np.sqrt((p_p + p_d - (p_p - p_d) ** 2) / 500)
    assert est.value == pytest.approx(100 * (p_p - p_d))
    assert est.ci_high - est.value == pytest.approx(stats.norm.ppf(0.95) * se, rel=1e-12)
    # the same variance as the sample variance of the +1/0/-1 coding (ddof=0)
    coded = np.where(scores >= 9, 100.0, np.where(scores <= 6, -100.0, 0.0))
    assert se == pytest.approx(coded.std() / np.sqrt(500), rel=1e-12)


def test_nps_and_difference_coverage() -> None:
    rng = np.random.default_rng(4)
    reps = 2000
    a = rng.choice(11, (reps, 300), p=NPS_P)
    b = rng.choice(11, (reps, 250), p=NPS_P[::-1])
    truth_b = 100 * (NPS_P[::-1][9:].sum() - NPS_P[::-1][:7].sum())
    single = np.mean([nps(x).contains(TRUE_NPS) for x in a])
    diff = np.mean(
        [nps_difference(x, y).contains(TRUE_NPS - truth_b) for x, y in zip(a, b, strict=True)]
    )
    assert 0.93 <= single <= 0.97
    assert 0.93 <= diff <= 0.97


def test_csat_and_ratings_match_statsmodels_and_scipy() -> None:
    a = np.array([5, 4, 3, 5, 2, 4, 5, 1, 4, 4, 3, 5])
    b = np.array([3, 4, 2, 1, 2, 5, 3, 3, 4])
    est = csat(a)
    assert est.value == pytest.approx(8 / 12)
    assert (est.ci_low, est.ci_high) == pytest.approx(
        proportion_confint(8, 12, method="wilson"), abs=1e-10
    )
    assert csat(a, top_box=1).value == pytest.approx(4 / 12)
    assert csat(np.array([7, 6, 1]), top_box=2, scale=7).value == pytest.approx(2 / 3)
    diff = csat_difference(a, b)
    low, high = confint_proportions_2indep(8, 12, 3, 9, method="newcomb")
    assert (diff.ci_low, diff.ci_high) == pytest.approx((low, high), abs=1e-10)
    ci = stats.ttest_1samp(a, 0).confidence_interval()
    assert (mean_rating(a).ci_low, mean_rating(a).ci_high) == pytest.approx((ci.low, ci.high))
    welch = stats.ttest_ind(a, b, equal_var=False)
    assert mean_rating_difference(a, b).p_value == pytest.approx(welch.pvalue, abs=1e-10)


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: nps(pd.Series([10, 11, 3], index=["x", "y", "z"])), "first customer: y"),
        (lambda: nps([9.5, 3]), "1 score off the scale"),
        (lambda: csat([1, 2, 6]), "whole numbers 1-5"),
        (lambda: csat([1, 2], top_box=5), "argument 'top_box'"),
        (lambda: mean_rating([1, None, 3]), "missing or infinite"),
        (lambda: nps([]), "at least 1"),
    ],
)
def test_bad_scores_are_validation_errors(call, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(pm.DataValidationError, match=needle):
        call()


def test_small_nps_warns() -> None:
    assert nps([10, 9, 0]).warnings


def test_referral_rates() -> None:
    customers = pd.DataFrame(
        {
            "channel": ["ads", "referral", "seo", "referral", "ads"],
            "referred_by": [None, 1, None, 3, 99],
        },
        index=pd.Index([1, 2, 3, 4, 5], name="customer_id"),
    )
    rate = referral_rate(customers, channel_column="channel")
    assert rate.value == 0.4 and rate.n == 5 and rate.method == "wilson"
    assert referral_rate(customers, channel_column="channel", referral_value="ads").value == 0.4
    share = referrer_rate(customers, referred_by_column="referred_by")
    assert share.value == 0.4  # customers 1 and 3 referred someone; 99 is not a customer
    bad = customers.assign(channel=["ads", None, "seo", None, "ads"])
    with pytest.raises(pm.DataValidationError, match=r"2 missing channels \(first customer: 2\)"):
        referral_rate(bad, channel_column="channel")
    with pytest.raises(pm.DataValidationError, match="missing column 'source'"):
        referral_rate(customers, channel_column="source")
