"""k-arm experiments against a control (with the family-wise correction) and quantile metrics."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

import precimark as pm
from precimark.kpi import campaign_effect, compare_arms, quantile_difference


def _arms(
    n: int = 4_000, random_state: int = 0, lifts: tuple[float, ...] = (0.0, 0.03, 0.0)
) -> pd.DataFrame:
    rng = np.random.default_rng(random_state)
    labels = np.array(["control", "a", "b", "c"][: len(lifts) + 1])
    arm = rng.permutation(np.resize(labels, n))  # balanced arms, as a randomiser assigns them
    rate = 0.1 + np.select([arm == label for label in labels[1:]], list(lifts), 0.0)
    return pd.DataFrame(
        {"arm": arm, "bought": (rng.random(n) < rate).astype(int), "pre": rng.gamma(2.0, 5.0, n)},
        index=pd.Index(np.arange(n), name="customer_id"),
    )


def test_each_arm_is_its_pair_comparison_and_holm_is_applied() -> None:
    frame = _arms(8_000, lifts=(0.0, 0.05, 0.0))
    result = compare_arms(frame, arm_column="arm", control="control", metric_column="bought")
    assert list(result.effects) == [a for a in pd.unique(frame["arm"]) if a != "control"]
    for arm, effect in result.effects.items():
        pair = frame[frame["arm"].isin([arm, "control"])]
        alone = campaign_effect(
            pair.assign(t=pair["arm"] == arm),
            treatment="t",
            metric_column="bought",
            expected_share=0.5,
        )
        assert effect.difference == alone.difference
    raw = [e.difference.p_value for e in result.effects.values()]
    expected = multipletests(raw, method="holm")[1]
    assert list(result.p_values_adjusted.values()) == pytest.approx(expected, abs=1e-12)
    assert result.p_values_adjusted["b"] < 0.05  # the arm that works
    table = result.to_frame()
    assert (table["adjustment"] == "holm").all() and table.loc[
        "b", "p_value_adjusted"
    ] >= table.loc["b", "p_value"]
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data["arms"]) == {"a", "b", "c"} and data["adjustment"] == "holm"


def test_holm_controls_the_family_wise_error_when_no_arm_works() -> None:
    reps, hits_raw, hits_adjusted = 100, 0, 0
    for k in range(reps):
        result = compare_arms(
            _arms(800, random_state=100 + k, lifts=(0.0, 0.0, 0.0)),
            arm_column="arm",
            control="control",
            metric_column="bought",
        )
        raw = [e.difference.p_value for e in result.effects.values()]
        hits_raw += min(raw) < 0.05  # type: ignore[type-var]
        hits_adjusted += min(result.p_values_adjusted.values()) < 0.05
    # three arms at 5% each: about 12-14% of null experiments show a raw "winner"; Holm keeps
    # the family-wise rate at 5% (3 binomial standard deviations of slack at 100 replications)
    assert hits_adjusted / reps <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / reps)
    assert hits_raw >= hits_adjusted


def test_compare_arms_checks_shares_and_labels() -> None:
    frame = _arms()
    with pytest.warns(pm.DataQualityWarning, match="sample ratio mismatch"):
        result = compare_arms(
            frame,
            arm_column="arm",
            control="control",
            metric_column="bought",
            expected_shares={"control": 0.4, "a": 0.2, "b": 0.2, "c": 0.2},
        )
    assert result.srm_p_value < 1e-3
    with pytest.raises(pm.DataValidationError, match="argument 'control'"):
        compare_arms(frame, arm_column="arm", control="holdout", metric_column="bought")
    with pytest.raises(pm.DataValidationError, match="expected_shares"):
        compare_arms(
            frame,
            arm_column="arm",
            control="control",
            metric_column="bought",
            expected_shares={"control": 0.5, "a": 0.5},
        )
    with pytest.raises(pm.DataValidationError, match="first customer: 3"):
        compare_arms(
            frame.assign(arm=frame["arm"].where(frame.index != 3)),
            arm_column="arm",
            control="control",
            metric_column="bought",
        )


def test_cuped_and_one_sided_pass_through() -> None:
    frame = _arms()
    frame["revenue"] = frame["bought"] * 20.0 + 0.5 * frame["pre"]
    result = compare_arms(
        frame,
        arm_column="arm",
        control="control",
        metric_column="revenue",
        pre_metric_column="pre",
        alternative="greater",
        adjustment="bh",
    )
    effect = result.effects["b"]
    assert effect.difference.method == "cuped-welch (greater)" and effect.variance_reduction
    assert result.adjustment == "bh"


def test_quantile_difference_is_seeded_and_covers_the_true_median_difference() -> None:
    a, b = np.arange(50.0), np.arange(50.0)[::-1] - 3.0
    first = quantile_difference(a, b, random_state=1)
    assert first == quantile_difference(a, b, random_state=1)
    assert first.value == pytest.approx(3.0)
    rng = np.random.default_rng(8)
    reps, n, hits = 150, 200, 0
    truth = 1.1 * np.log(2.0) * 20.0 - np.log(2.0) * 20.0  # medians of exponentials, scale 22 vs 20
    for _ in range(reps):
        est = quantile_difference(
            rng.exponential(22.0, n), rng.exponential(20.0, n), n_resamples=400, random_state=rng
        )
        hits += est.contains(truth)
    # percentile bootstrap of a median: close to nominal; binomial sd at 200 reps is 1.5 points
    assert abs(hits / reps - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / reps)


def test_quantile_difference_warns_on_a_median_of_zeros() -> None:
    revenue = np.r_[np.zeros(80), np.arange(1.0, 21.0)]
    est = quantile_difference(revenue, revenue[::-1], random_state=0)
    assert est.value == 0.0 and "coarse" in est.warnings[0]
    top = quantile_difference(revenue, revenue, quantile=0.9, random_state=0)
    assert not top.warnings
    with pytest.raises(pm.DataValidationError, match="quantile"):
        quantile_difference(revenue, revenue, quantile=1.0)
