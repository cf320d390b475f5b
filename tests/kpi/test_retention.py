"""Retention KPIs against straightforward pandas re-implementations and simulations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import precimark as pm
from precimark.datasets import SimulatedBase
from precimark.kpi import (
    average_order_value,
    churn_rate,
    cohort_retention,
    customer_activity,
    purchase_frequency,
    ratio,
    repeat_purchase_rate,
    retention_rate,
)


def _ids_between(tx: pd.DataFrame, start: str, end: str) -> set[int]:
    day = tx["date"].dt.normalize()
    return set(tx.loc[(day >= start) & (day <= end), "customer_id"])


def test_retention_and_churn_match_set_arithmetic(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    before = tx.copy()
    base = _ids_between(tx, "2024-03-01", "2024-05-31")
    nxt = _ids_between(tx, "2024-06-01", "2024-08-31")
    kept = len(base & nxt)
    est = retention_rate(
        tx, period_start="2024-03-01", period_end="2024-05-31", next_end="2024-08-31"
    )
    assert est.n == len(base) and est.value == pytest.approx(kept / len(base))
    low, high = proportion_confint(kept, len(base), method="wilson")
    assert (est.ci_low, est.ci_high) == pytest.approx((low, high), abs=1e-12)
    churn = churn_rate(
        tx, period_start="2024-03-01", period_end="2024-05-31", next_end="2024-08-31"
    )
    assert churn.value == pytest.approx(1 - est.value)
    assert churn.ci_low == pytest.approx(1 - est.ci_high, abs=1e-12)
    pd.testing.assert_frame_equal(tx, before)


def test_retention_default_next_period_has_the_same_length(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    a = retention_rate(tx, period_start="2024-03-01", period_end="2024-03-10")
    b = retention_rate(
        tx, period_start="2024-03-01", period_end="2024-03-10", next_end="2024-03-20"
    )
    assert a == b
    late = retention_rate(tx, period_start="2025-05-01", period_end="2025-06-20")
    assert late.warnings and "beyond the last order" in late.warnings[0]


def test_repeat_rate_frequency_and_aov_match_groupby(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    day = tx["date"].dt.normalize()
    window = tx[(day >= "2024-02-01") & (day <= "2024-07-31")]
    per = window.groupby("customer_id")["amount"].agg(["size", "sum"])
    kwargs = {"start": "2024-02-01", "end": "2024-07-31"}
    activity = customer_activity(tx, **kwargs)
    np.testing.assert_array_equal(activity.index, per.index)
    np.testing.assert_array_equal(activity["orders"], per["size"])
    np.testing.assert_allclose(activity["revenue"], per["sum"], rtol=1e-12)
    rpr = repeat_purchase_rate(tx, **kwargs)
    assert rpr.value == pytest.approx((per["size"] >= 2).mean())
    freq = purchase_frequency(tx, **kwargs)
    assert freq.value == pytest.approx(per["size"].mean())
    aov = average_order_value(tx, **kwargs)
    assert aov.value == pytest.approx(window["amount"].mean(), rel=1e-12)
    # the customer-level (delta) interval is wider than the naive per-order one
    naive = pm.kpi.mean(window["amount"])
    assert aov.width > naive.width


def test_ratio_delta_interval_covers_in_simulation() -> None:
    rng = np.random.default_rng(5)
    reps, n = 2000, 400
    orders = 1 + rng.poisson(rng.gamma(1.0, 1.5, (reps, n)))
    spend = rng.gamma(2.0, 1.0, (reps, n)) * 20.0  # mean order value per customer ~ 40 ...
    revenue = orders * spend  # ... and heavy buyers' orders are alike: correlated orders
    # true AOV = E[orders * spend] / E[orders] = E[spend] = 40 (spend independent of orders)
    hits = [ratio(y, x).contains(40.0) for y, x in zip(revenue, orders, strict=True)]
    assert 0.93 <= np.mean(hits) <= 0.97


def _cohorts_by_pandas(tx: pd.DataFrame, freq: str) -> pd.DataFrame:
    period = tx["date"].dt.to_period(freq)
    cohort = period.groupby(tx["customer_id"]).transform("min")
    age = (period - cohort).map(lambda offset: offset.n)
    active = pd.DataFrame({"c": cohort, "a": age, "id": tx["customer_id"]}).drop_duplicates()
    counts = active.groupby(["c", "a"]).size().unstack(fill_value=0)
    return counts.div(counts[0], axis=0)


@pytest.mark.parametrize("freq", ["W", "M", "Q"])
def test_cohort_retention_matches_pandas(sim_small: SimulatedBase, freq: str) -> None:
    tx = sim_small.transactions
    got = cohort_retention(tx, freq=freq)  # type: ignore[arg-type]
    expected = _cohorts_by_pandas(tx, freq)
    assert list(got.index) == list(expected.index)
    n = len(got.columns)
    for i, cohort in enumerate(got.index):
        last = n - 1 - (cohort.ordinal - got.index[0].ordinal)
        observed = got.loc[cohort].to_numpy()
        np.testing.assert_allclose(
            observed[: last + 1], expected.loc[cohort].reindex(range(last + 1), fill_value=0.0)
        )
        assert np.isnan(observed[last + 1 :]).all(), i  # beyond the data: empty, not 0


def test_cohort_counts_and_observation_end(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    counts = cohort_retention(tx, values="count", observation_end="2024-06-30")
    assert counts.index[-1] == pd.Period("2024-03", "M")  # acquisition ends in March
    assert counts.columns[-1] == 5  # January 2024 .. June 2024
    assert counts.iloc[:, 0].sum() == tx["customer_id"].nunique()
    assert np.isnan(counts.iloc[-1, -1])


def test_custom_columns_and_errors() -> None:
    tx = pd.DataFrame(
        {"user": [1, 1, 2], "ts": ["2024-01-01", "2024-01-05", "2024-01-02"], "paid": 1.0}
    )
    cols = pm.Columns(customer_id="user", date="ts", amount="paid")
    assert repeat_purchase_rate(tx, columns=cols).value == 0.5
    with pytest.raises(pm.DataValidationError, match="missing column"):
        repeat_purchase_rate(tx)
    with pytest.raises(pm.DataValidationError, match="argument 'freq'"):
        cohort_retention(tx, freq="D", columns=cols)  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match="argument 'period_end'"):
        retention_rate(tx, period_start="2024-02-01", period_end="2024-01-01", columns=cols)
    with pytest.raises(pm.DataValidationError, match="no customer active"):
        retention_rate(tx, period_start="2023-02-01", period_end="2023-03-01", columns=cols)
    with pytest.raises(pm.DataValidationError, match=r"0 buyer\(s\) in the window"):
        purchase_frequency(tx, start="2024-01-03", end="2024-01-04", columns=cols)
    with pytest.raises(pm.DataValidationError, match="argument 'min_orders'"):
        repeat_purchase_rate(tx, min_orders=1, columns=cols)


def test_retention_without_an_observed_next_period_is_unknown_not_zero() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 1],
            "amount": 10.0,
            "date": ["2024-01-03", "2024-01-09", "2024-01-20", "2024-01-28"],
        }
    )
    with pytest.warns(pm.DataQualityWarning, match="not observed"):
        kept = retention_rate(tx, period_start="2024-01-01", period_end="2024-01-31")
    with pytest.warns(pm.DataQualityWarning, match="not observed"):
        lost = churn_rate(tx, period_start="2024-01-01", period_end="2024-01-31")
    for est in (kept, lost):
        assert np.isnan(est.value) and np.isnan(est.ci_low) and np.isnan(est.ci_high)
        assert est.n == 3 and est.warnings
        data = json.loads(json.dumps(est.to_dict(), allow_nan=False))
        assert data["value"] is None
