"""Quasi-experiments on simulations with a known effect, input checks and JSON results.

Coverage tests use few replications; each tolerance is about three binomial standard errors
of the simulated coverage, ``3 * sqrt(p (1 - p) / reps)``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from precimark.exceptions import DataValidationError
from precimark.kpi import (
    DifferenceInDifferences,
    InterruptedTimeSeries,
    SyntheticControl,
    difference_in_differences,
    interrupted_time_series,
    sales_growth,
    synthetic_control,
)


def _binomial_tolerance(p: float, reps: int) -> float:
    return 3.0 * math.sqrt(p * (1.0 - p) / reps)


# ----------------------------------------------------------------------------------------------
# Synthetic control
# ----------------------------------------------------------------------------------------------


def _factor_panel(
    rng: np.random.Generator, n_units: int, n_pre: int, n_post: int, effect: float, noise: float
) -> tuple[pd.DataFrame, str]:
    """Units with two common factors; a random unit is treated (exchangeable with the rest)."""
    n = n_pre + n_post
    factors = np.cumsum(rng.normal(0, 1, (n, 2)), axis=0)
    loadings = rng.uniform(0.5, 1.5, (n_units, 2))
    level = rng.uniform(8, 12, n_units)
    values = level + factors @ loadings.T + rng.normal(0, noise, (n, n_units))
    panel = pd.DataFrame(values, columns=[f"u{i}" for i in range(n_units)])
    treated = f"u{rng.integers(n_units)}"
    panel.loc[n_pre:, treated] += effect
    return panel, treated


def test_synthetic_control_recovers_a_known_effect() -> None:
    rng = np.random.default_rng(7)
    n = 40
    factors = np.cumsum(rng.normal(0, 1, (n, 2)), axis=0)
    loadings = rng.uniform(0.5, 1.5, (12, 2))
    donors = 10 + factors @ loadings.T + rng.normal(0, 0.2, (n, 12))
    true_weights = np.array([0.5, 0.3, 0.2] + [0.0] * 9)
    treated = donors @ true_weights + rng.normal(0, 0.2, n)
    treated[30:] += 2.0
    panel = pd.DataFrame(donors, columns=[f"d{i}" for i in range(12)]).assign(shop=treated)
    original = panel.copy()
    sc = synthetic_control(panel, treated_unit="shop", intervention=30)
    pd.testing.assert_frame_equal(panel, original)  # the input is not modified
    assert isinstance(sc, SyntheticControl)
    assert sc.average_effect.value == pytest.approx(2.0, abs=0.3)
    assert sc.cumulative_effect.value == pytest.approx(10 * sc.average_effect.value)
    assert sc.unit_weights[["d0", "d1", "d2"]].sum() > 0.8
    assert sc.pre_rmspe < 0.3
    assert sc.p_value == pytest.approx(1 / 13)  # the largest ratio of 13 units
    assert sc.placebos.loc["shop", "treated"]
    assert (sc.path["effect_low"] <= sc.path["effect"]).all() or sc.path["post"].any()


def test_synthetic_control_placebo_interval_coverage() -> None:
    """20 exchangeable units at confidence 0.8: k = 2 order statistics in each tail of 20."""
    rng = np.random.default_rng(11)
    reps, hits, rejections = 120, 0, 0
    for _ in range(reps):
        panel, treated = _factor_panel(rng, 20, 25, 6, effect=1.5, noise=0.5)
        sc = synthetic_control(panel, treated_unit=treated, intervention=25, confidence=0.8)
        assert math.isfinite(sc.average_effect.ci_low)
        hits += sc.average_effect.contains(1.5)
        rejections += sc.p_value <= 0.1
    coverage = hits / reps
    assert abs(coverage - 0.8) <= _binomial_tolerance(0.8, reps)
    assert rejections / reps > 0.1  # an effect of 3 noise sd is often detected by the rank test


def test_synthetic_control_placebo_in_time_finds_no_effect() -> None:
    rng = np.random.default_rng(3)
    panel, treated = _factor_panel(rng, 15, 30, 10, effect=4.0, noise=0.3)
    real = synthetic_control(panel, treated_unit=treated, intervention=30)
    fake = synthetic_control(panel.loc[:29], treated_unit=treated, intervention=20)
    assert abs(fake.average_effect.value) < abs(real.average_effect.value) / 4


def test_synthetic_control_with_dates_and_date_format() -> None:
    rng = np.random.default_rng(5)
    panel, treated = _factor_panel(rng, 6, 20, 4, effect=1.0, noise=0.2)
    panel.index = pd.date_range("2024-01-01", periods=24, freq="W-MON")
    sc = synthetic_control(
        panel, treated_unit=treated, intervention="13/05/2024", date_format="%d/%m/%Y"
    )
    assert sc.n_pre == 19 and sc.n_post == 5
    with pytest.raises(DataValidationError, match=r"intervention.*two different dates"):
        synthetic_control(panel, treated_unit=treated, intervention="06/05/2024")


def test_synthetic_control_refuses_bad_input() -> None:
    panel = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) + 1, "c": np.ones(10)})
    with pytest.raises(DataValidationError, match=r"treated_unit.*'z', not a column"):
        synthetic_control(panel, treated_unit="z", intervention=5)
    with pytest.raises(DataValidationError, match="control_units"):
        synthetic_control(panel, treated_unit="a", intervention=5, control_units=["a", "b"])
    with pytest.raises(DataValidationError, match=r"control_units.*1 unit"):
        synthetic_control(panel, treated_unit="a", intervention=5, control_units=["b"])
    gappy = panel.copy()
    gappy.loc[3, "b"] = np.nan
    with pytest.raises(DataValidationError, match=r"1 missing.*unit 'b', period 3"):
        synthetic_control(gappy, treated_unit="a", intervention=5)
    with pytest.raises(DataValidationError, match=r"intervention.*a number"):
        synthetic_control(panel, treated_unit="a", intervention="2024-01-01")
    with pytest.raises(DataValidationError, match="1 pre-period"):
        synthetic_control(panel, treated_unit="a", intervention=1)
    with pytest.raises(DataValidationError, match="out of order"):
        synthetic_control(panel.iloc[::-1], treated_unit="a", intervention=5)


# ----------------------------------------------------------------------------------------------
# Interrupted time series
# ----------------------------------------------------------------------------------------------


def _monthly(rng: np.random.Generator, n: int, phi: float = 0.0) -> pd.Series:
    dates = pd.date_range("2015-01-31", periods=n, freq="ME")
    shocks = rng.normal(0, 1, n)
    errors = np.zeros(n)
    for t in range(n):
        errors[t] = (phi * errors[t - 1] if t else 0.0) + shocks[t]
    season = 2 * np.sin(2 * np.pi * np.arange(n) / 12)
    return pd.Series(10 + 0.1 * np.arange(n) + season + errors, index=dates)


def test_its_recovers_a_known_effect_with_nominal_coverage() -> None:
    rng = np.random.default_rng(2)
    reps, hits, per_period, estimates = 200, 0, 0, []
    for _ in range(reps):
        y = _monthly(rng, 72)
        y.iloc[60:] += 3.0
        its = interrupted_time_series(
            y, intervention=pd.Timestamp("2020-01-01"), seasonality="month", confidence=0.9
        )
        estimates.append(its.average_effect.value)
        hits += its.average_effect.contains(3.0)
        post = its.path[its.path["post"]]
        per_period += int(((post["effect_low"] <= 3) & (post["effect_high"] >= 3)).sum())
    assert abs(hits / reps - 0.9) <= _binomial_tolerance(0.9, reps)
    assert abs(per_period / (12 * reps) - 0.9) <= _binomial_tolerance(0.9, reps)
    assert np.mean(estimates) == pytest.approx(3.0, abs=0.15)


def test_its_hac_errors_repair_most_of_the_autocorrelation() -> None:
    """AR(1) errors (phi = 0.5), 120 pre-period months: iid intervals under-cover and warn."""
    rng = np.random.default_rng(4)
    reps, plain, robust = 100, 0, 0
    warned = False
    for _ in range(reps):
        y = _monthly(rng, 132, phi=0.5)
        y.iloc[120:] += 3.0
        kwargs = {
            "intervention": pd.Timestamp("2025-01-01"),
            "fourier_period": 12,
            "fourier_order": 1,
        }
        iid = interrupted_time_series(y, confidence=0.9, **kwargs)  # type: ignore[arg-type]
        hac = interrupted_time_series(y, confidence=0.9, errors="hac", **kwargs)  # type: ignore[arg-type]
        warned |= bool(iid.average_effect.warnings)
        plain += iid.average_effect.contains(3.0)
        robust += hac.average_effect.contains(3.0)
    assert warned
    assert plain / reps < 0.85
    assert robust / reps > plain / reps + 0.05
    assert robust / reps >= 0.9 - 2 * _binomial_tolerance(0.9, reps)


def test_its_fourier_period_as_a_duration() -> None:
    rng = np.random.default_rng(8)
    dates = pd.date_range("2024-01-01", periods=120, freq="D")
    y = pd.Series(
        50 + 5 * np.sin(2 * np.pi * np.arange(120) / 7) + rng.normal(0, 1, 120), index=dates
    )
    a = interrupted_time_series(y, intervention="2024-04-01", fourier_period="7D")
    b = interrupted_time_series(y, intervention="2024-04-01", fourier_period=7)
    pd.testing.assert_series_equal(a.coefficients, b.coefficients)
    c = interrupted_time_series(y, intervention="2024-04-01", seasonality="weekday")
    assert abs(c.average_effect.value) < 0.75  # no effect; noise sd 1, 29 post days
    with pytest.raises(DataValidationError, match="fourier_period"):
        interrupted_time_series(y, intervention="2024-04-01", fourier_period="1M")


def test_its_refuses_bad_input() -> None:
    y = _monthly(np.random.default_rng(0), 30)
    with pytest.raises(DataValidationError, match=r"seasonality.*never observed"):
        interrupted_time_series(y, intervention="2015-06-01", seasonality="month")
    with pytest.raises(DataValidationError, match="argument 'series'"):
        interrupted_time_series(y.to_frame(), intervention="2016-06-01")  # type: ignore[arg-type]
    gappy = y.copy()
    gappy.iloc[4] = np.nan
    with pytest.raises(DataValidationError, match=r"1 missing.*2015-05-31"):
        interrupted_time_series(gappy, intervention="2016-06-01")
    with pytest.raises(DataValidationError, match="errors"):
        interrupted_time_series(y, intervention="2016-06-01", errors="robust")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match=r"seasonality.*numbered"):
        interrupted_time_series(y.reset_index(drop=True), intervention=20, seasonality="month")
    with pytest.raises(DataValidationError, match=r"pre-period model.*observations"):
        interrupted_time_series(y, intervention="2015-04-01", fourier_period=12, fourier_order=3)


# ----------------------------------------------------------------------------------------------
# Multi-period difference-in-differences and event study
# ----------------------------------------------------------------------------------------------

COHORT_EFFECT = {4: 1.0, 6: 2.0, 8: 3.0}  # effect at adoption differs by cohort
SLOPE = 1.0  # and grows by SLOPE per period since adoption


def _staggered(rng: np.random.Generator, units_per_group: int = 15) -> pd.DataFrame:
    """Never-treated units and three adoption cohorts over 10 periods (a balanced panel)."""
    adoption = np.repeat([-1, 4, 6, 8], units_per_group)  # -1: never treated
    n_units = adoption.size
    unit = np.repeat(np.arange(n_units), 10)
    week = np.tile(np.arange(10), n_units)
    cohort = adoption[unit]
    event = week - cohort
    treated = (cohort >= 0) & (event >= 0)
    level = np.vectorize(lambda g: COHORT_EFFECT.get(g, 0.0))(cohort)
    tau = np.where(treated, level + SLOPE * event, 0.0)
    sales = rng.normal(0, 2, n_units)[unit] + 0.3 * week + tau + rng.normal(0, 1, unit.size)
    return pd.DataFrame(
        {
            "store": unit,
            "week": week,
            "sales": sales,
            "promo": treated.astype(int),
            "cohort": np.where(cohort >= 0, cohort, np.nan),
        }
    )


def _true_event_effect(e: int) -> float:
    cohorts = [g for g in COHORT_EFFECT if 0 <= g + e <= 9]
    return float(np.mean([COHORT_EFFECT[g] + SLOPE * e for g in cohorts])) if e >= 0 else 0.0


def _true_att(panel: pd.DataFrame) -> float:
    treated = panel[panel["promo"] == 1]
    cohort = treated["cohort"].astype(int)
    return float((cohort.map(COHORT_EFFECT) + SLOPE * (treated["week"] - cohort)).mean())


def test_staggered_event_study_recovers_dynamic_effects() -> None:
    rng = np.random.default_rng(21)
    panel = _staggered(rng, 20)
    did = difference_in_differences(
        panel, unit_column="store", period_column="week", metric_column="sales", treatment="promo"
    )
    assert isinstance(did, DifferenceInDifferences)
    assert did.estimator == "interaction-weighted (Sun & Abraham 2021)" and did.n_cohorts == 3
    frame = did.to_frame()
    assert frame.loc[-1, "reference"] and frame.loc[-1, "value"] == 0.0
    for e, row in frame.drop(index=-1).iterrows():
        se = (row["ci_high"] - row["ci_low"]) / (2 * 1.96)
        assert abs(row["value"] - _true_event_effect(int(e))) < 4 * se, e  # type: ignore[arg-type]
    assert did.pretrend_p_value is not None and did.pretrend_p_value > 0.001
    # The ATT over treated unit-periods, and the naive static TWFE coefficient it replaces.
    truth = _true_att(panel)
    assert did.average_effect.contains(truth)
    naive = smf.ols("sales ~ C(store) + C(week) + promo", data=panel).fit().params["promo"]
    se = did.average_effect.width / (2 * 1.96)
    assert abs(naive - truth) > 3 * se  # already-treated units as controls: biased


def test_event_study_coverage_in_simulation() -> None:
    rng = np.random.default_rng(5)
    reps, hits = 120, 0
    for _ in range(reps):
        panel = _staggered(rng, 8)
        truth = _true_att(panel)
        did = difference_in_differences(
            panel, unit_column="store", period_column="week", metric_column="sales",
            treatment="promo", confidence=0.9,
        )  # fmt: skip
        hits += did.average_effect.contains(truth)
    assert abs(hits / reps - 0.9) <= _binomial_tolerance(0.9, reps)


def test_two_period_did_equals_sales_growth() -> None:
    """The two-period special case: the same number as sales_growth's diff-in-diff."""
    rng = np.random.default_rng(9)
    customers = np.arange(200)
    rows = []
    for c in customers:
        for month, day in ((1, "2024-01-10"), (2, "2024-02-10")):
            bump = 5.0 if (c < 100 and month == 2) else 0.0
            amount = max(rng.normal(20 + bump, 6), 0.5)
            rows.append((c, day, amount))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    growth = sales_growth(
        tx, pre=("2024-01-01", "2024-01-29"), post=("2024-02-01", "2024-02-29"),
        control=customers[100:], treated=customers[:100],
    )  # fmt: skip
    panel = tx.assign(period=np.where(tx["date"] < "2024-02-01", 0, 1))
    panel["treated"] = ((panel["customer_id"] < 100) & (panel["period"] == 1)).astype(int)
    did = difference_in_differences(
        panel, unit_column="customer_id", period_column="period", metric_column="amount",
        treatment="treated",
    )  # fmt: skip
    assert did.average_effect.value == pytest.approx(growth.value, rel=1e-10)
    # Welch over customers' changes vs CR1 clustered by customer: nearly the same width.
    assert did.average_effect.width == pytest.approx(growth.width, rel=0.02)


def test_did_refuses_bad_panels() -> None:
    panel = _staggered(np.random.default_rng(0), 3)
    kwargs = {"unit_column": "store", "period_column": "week", "metric_column": "sales"}
    back = panel.copy()
    back.loc[(back["store"] == 3) & (back["week"] == 9), "promo"] = 0
    with pytest.raises(DataValidationError, match=r"promo.*1 rows back at 0.*first unit: 3"):
        difference_in_differences(back, treatment="promo", **kwargs)
    with pytest.raises(DataValidationError, match="repeated unit-periods"):
        difference_in_differences(pd.concat([panel, panel.iloc[:1]]), treatment="promo", **kwargs)
    with pytest.raises(DataValidationError, match="never treated"):
        difference_in_differences(panel[panel["cohort"].notna()], treatment="promo", **kwargs)
    early = panel.copy()
    early.loc[early["store"] == 2, "promo"] = 1
    with pytest.raises(DataValidationError, match=r"treated from their first period.*unit: 2"):
        difference_in_differences(early, treatment="promo", **kwargs)
    with pytest.raises(DataValidationError, match="missing column"):
        difference_in_differences(panel, treatment="coupon", **kwargs)
    bad = panel.copy()
    bad.loc[5, "sales"] = np.nan
    with pytest.raises(DataValidationError, match=r"sales.*1 missing.*first unit: 0"):
        difference_in_differences(bad, treatment="promo", **kwargs)


# ----------------------------------------------------------------------------------------------
# JSON-able results
# ----------------------------------------------------------------------------------------------


def test_results_are_strict_json() -> None:
    rng = np.random.default_rng(1)
    panel, treated = _factor_panel(rng, 5, 12, 3, effect=1.0, noise=0.2)
    panel.index = pd.date_range("2024-01-01", periods=15, freq="D")
    sc = synthetic_control(panel, treated_unit=treated, intervention="2024-01-13")
    its = interrupted_time_series(_monthly(rng, 40), intervention="2017-01-01")
    did = difference_in_differences(
        _staggered(rng, 3), unit_column="store", period_column="week", metric_column="sales",
        treatment="promo",
    )  # fmt: skip
    for result in (sc, its, did):
        document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        assert document["method"]
    sc_doc = sc.to_dict()
    assert sc_doc["path"][0]["period"] == "2024-01-01T00:00:00"
    assert sc_doc["estimates"]["average_effect"]["ci_low"] is None  # 4 placebos: unbounded
    assert sum(sc_doc["unit_weights"].values()) == pytest.approx(1.0)
    assert isinstance(its, InterruptedTimeSeries)
    assert its.to_dict()["estimates"]["cumulative_effect"]["value"] == pytest.approx(
        its.cumulative_effect.value
    )
    assert did.to_dict()["event_study"][0]["event_time"] == -8
    assert "<table" in sc._repr_html_() and "<table" in its._repr_html_()


def test_its_refuses_uneven_spacing_and_leaves_its_input_alone() -> None:
    y = _monthly(np.random.default_rng(0), 40)
    original = y.copy()
    interrupted_time_series(y, intervention="2017-06-01", seasonality="month")
    pd.testing.assert_series_equal(y, original)
    with pytest.raises(DataValidationError, match="unevenly spaced"):
        interrupted_time_series(y.drop(y.index[10]), intervention="2017-06-01")
    numbered = pd.Series(np.arange(20.0), index=[*range(10), *range(11, 21)])
    with pytest.raises(DataValidationError, match="unevenly spaced"):
        interrupted_time_series(numbered, intervention=15)


def test_synthetic_control_refuses_duplicated_units() -> None:
    panel = pd.DataFrame(np.arange(30.0).reshape(10, 3), columns=["a", "b", "b"])
    with pytest.raises(DataValidationError, match="unit 'b' in two columns"):
        synthetic_control(panel, treated_unit="a", intervention=5)
