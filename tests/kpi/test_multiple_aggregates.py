"""Holm/BH against statsmodels; mergeable aggregates equal raw-row KPIs and obey merge laws."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

import precimark as pm
from precimark.kpi import (
    MetricAggregates,
    adjust_pvalues,
    adjust_table,
    estimates_frame,
    mean,
    mean_difference,
    proportion,
    proportion_difference,
    relative_difference,
)


def _pvalue_cases() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    cases = [np.array([0.5]), np.array([0.0, 1.0, 0.01, 0.01]), np.full(5, 0.04)]
    for size in (2, 7, 30):
        p = rng.random(size) ** 3
        p[: size // 3] = p[size // 3]  # ties
        cases.append(rng.permutation(p))
    return cases


# statsmodels' multipletests is slow (tens of ms per call): a handful of cases, with ties
@pytest.mark.parametrize("p", _pvalue_cases())
def test_adjust_pvalues_matches_statsmodels(p: np.ndarray) -> None:
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
        expected = multipletests(p, method=theirs)[1]
        np.testing.assert_allclose(adjust_pvalues(p, method=ours), expected, atol=1e-12)


def test_adjust_table_on_an_estimates_frame() -> None:
    table = estimates_frame(
        {
            "conversion": proportion_difference(80, 1000, 50, 1000),
            "csat": proportion(40, 50),
            "aov": mean_difference([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 3.5]),
        }
    )
    out = adjust_table(table, method="bh", alpha=0.1)
    tested = table["p_value"].dropna()
    expected = multipletests(tested, method="fdr_bh")[1]
    np.testing.assert_allclose(out.loc[tested.index, "p_value_adjusted"], expected)
    assert np.isnan(out.loc["csat", "p_value_adjusted"]) and not out.loc["csat", "significant"]
    assert out.loc["conversion", "significant"] and not out.loc["aov", "significant"]
    assert "p_value_adjusted" not in table.columns  # input not modified
    with pytest.raises(pm.DataValidationError, match="argument 'p_values'"):
        adjust_pvalues([0.5, 1.5])
    with pytest.raises(pm.DataValidationError, match="argument 'method'"):
        adjust_pvalues([0.5], method="bonferroni")  # type: ignore[arg-type]


def _frame(seed: int, n: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "arm": rng.choice(["control", "treated", "holdout"], n),
            "revenue": rng.gamma(1.2, 40.0, n) * (rng.random(n) < 0.3),
            "converted": (rng.random(n) < 0.1).astype(int),
        }
    )


def _merged(frame: pd.DataFrame, value: str, parts: int, seed: int) -> MetricAggregates:
    split = np.random.default_rng(seed).integers(0, parts, len(frame))
    pieces = [
        MetricAggregates.from_frame(frame[split == k], group_column="arm", value_column=value)
        for k in range(parts)
    ]
    total = pieces[0]
    for piece in pieces[1:]:
        total = total + piece
    return total


def test_kpis_from_partition_aggregates_equal_raw_rows() -> None:
    frame = _frame(0)
    agg = _merged(frame, "revenue", parts=7, seed=1)
    t = frame.loc[frame["arm"] == "treated", "revenue"]
    c = frame.loc[frame["arm"] == "control", "revenue"]
    pairs = [
        (agg.mean_difference("treated", "control"), mean_difference(t, c)),
        (agg.relative_difference("treated", "control"), relative_difference(t, c)),
        (agg.mean("treated"), mean(t)),
    ]
    for got, expected in pairs:
        assert got.method == expected.method and got.n == expected.n
        np.testing.assert_allclose(
            [got.value, got.ci_low, got.ci_high],
            [expected.value, expected.ci_low, expected.ci_high],
            rtol=1e-9,
        )
    conv = _merged(frame, "converted", parts=5, seed=2)
    kt = int(frame.loc[frame["arm"] == "treated", "converted"].sum())
    kc = int(frame.loc[frame["arm"] == "control", "converted"].sum())
    nt, nc = int((frame["arm"] == "treated").sum()), int((frame["arm"] == "control").sum())
    assert conv.proportion_difference("treated", "control") == proportion_difference(kt, nt, kc, nc)
    assert conv.proportion("treated") == proportion(kt, nt)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_merge_is_associative_and_commutative(seed: int, parts: int) -> None:
    frame = _frame(seed, n=200)
    split = np.random.default_rng(seed).integers(0, 3, len(frame))
    a, b, c = (
        MetricAggregates.from_frame(frame[split == k], group_column="arm", value_column="revenue")
        if (split == k).any()
        else MetricAggregates.from_frame(frame.iloc[:1], group_column="arm", value_column="revenue")
        for k in range(3)
    )
    pd.testing.assert_frame_equal((a + b).table, (b + a).table)
    pd.testing.assert_frame_equal(((a + b) + c).table, (a + (b + c)).table, rtol=1e-12)
    whole = MetricAggregates.from_frame(frame, group_column="arm", value_column="revenue")
    merged = _merged(frame, "revenue", parts=parts, seed=seed)
    pd.testing.assert_frame_equal(merged.table, whole.table, rtol=1e-12)


def test_aggregates_round_trip_json_and_errors() -> None:
    agg = MetricAggregates.from_frame(_frame(3), group_column="arm", value_column="revenue")
    back = MetricAggregates.from_dict(json.loads(json.dumps(agg.to_dict())))
    pd.testing.assert_frame_equal(back.table, agg.table)
    with pytest.raises(pm.DataValidationError, match="a known group"):
        agg.mean("nobody")
    with pytest.raises(pm.DataValidationError, match="0/1 metric"):
        agg.proportion("treated")
    with pytest.raises(pm.DataValidationError, match="missing column 'spend'"):
        MetricAggregates.from_frame(_frame(3), group_column="arm", value_column="spend")
