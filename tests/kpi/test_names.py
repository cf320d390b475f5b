"""Renamed KPI arguments keep their old spellings for one release; result objects convert."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from precimark.kpi import (
    Estimate,
    MetricAggregates,
    campaign_effect,
    evaluate_campaign,
    proportion,
    referral_rate,
    referrer_rate,
)


def _outcomes() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    treated = rng.permutation(np.arange(600) < 300)
    revenue = rng.gamma(2.0, 20.0, 600) * (rng.random(600) < 0.3 + 0.1 * treated)
    return pd.DataFrame({"treated": treated, "revenue": revenue, "pre": rng.gamma(2.0, 5.0, 600)})


def test_campaign_effect_old_spellings_warn_and_agree() -> None:
    frame = _outcomes()
    new = campaign_effect(
        frame, treatment="treated", metric_column="revenue", pre_metric_column="pre"
    )
    with pytest.warns(FutureWarning, match=r"use (pre_)?metric_column=") as caught:
        old = campaign_effect(frame, treatment="treated", metric="revenue", pre_metric="pre")  # type: ignore[call-arg]
    assert {str(w.message).split("(")[1].split("=")[0] for w in caught} == {"metric", "pre_metric"}
    assert old.difference == new.difference


def test_evaluate_campaign_old_spellings_warn_and_agree() -> None:
    frame = _outcomes()
    new = evaluate_campaign(frame, treatment="treated", revenue_column="revenue")
    with pytest.warns(FutureWarning, match="use revenue_column="):
        old = evaluate_campaign(frame, treatment="treated", revenue="revenue")  # type: ignore[call-arg]
    pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())


def test_referral_and_aggregate_old_spellings() -> None:
    customers = pd.DataFrame(
        {"channel": ["ads", "referral", "referral", "seo"], "referred_by": [None, 1, 1, 2]},
        index=[1, 2, 3, 4],
    )
    with pytest.warns(FutureWarning, match="use channel_column="):
        assert referral_rate(customers, channel_col="channel").value == 0.5  # type: ignore[call-arg]
    with pytest.warns(FutureWarning, match="use referred_by_column="):
        assert referrer_rate(customers, referred_by_col="referred_by").value == 0.5  # type: ignore[call-arg]
    frame = pd.DataFrame({"arm": ["t", "c", "t", "c"], "revenue": [1.0, 2.0, 3.0, 4.0]})
    with pytest.warns(FutureWarning, match=r"use (group|value)_column="):
        old = MetricAggregates.from_frame(frame, group="arm", value="revenue")  # type: ignore[call-arg]
    new = MetricAggregates.from_frame(frame, group_column="arm", value_column="revenue")
    pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())
    assert new.to_frame() is not new.table


def test_result_objects_convert_to_frames_and_json() -> None:
    est = proportion(30, 120, confidence=0.9)
    row = est.to_frame()
    assert row.shape == (1, 8) and row.loc[0, "confidence"] == 0.9
    assert "<table" in est._repr_html_()
    effect = campaign_effect(
        _outcomes(), treatment="treated", metric_column="revenue", cost=50.0, margin=0.3
    )
    data = json.loads(json.dumps(effect.to_dict(), allow_nan=False))
    assert set(data["estimates"]) == set(effect.estimates())
    assert Estimate(**{**data["estimates"]["difference"], "warnings": ()}).value == pytest.approx(
        effect.difference.value
    )
