"""evaluate_campaign / CampaignReport: contents, exports and charts."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

import precimark as pm
from precimark.datasets import SimulatedBase
from precimark.kpi import (
    campaign_effect,
    cohort_retention,
    cumulative_incremental_revenue,
    evaluate_campaign,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _outcomes(seed: int = 0, n: int = 6_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    treated = rng.permutation(np.arange(n) < n // 2)
    pre = rng.gamma(2.0, 25.0, n)
    buys = rng.random(n) < 0.15 + 0.03 * treated
    revenue = buys * (0.8 * pre + rng.gamma(2.0, 10.0, n))
    return pd.DataFrame(
        {"treated": treated, "revenue": revenue, "pre": pre},
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )


def test_report_gathers_the_campaign_kpis() -> None:
    outcomes = _outcomes()
    report = evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", cost=2_000.0, margin=0.4
    )
    assert list(report.estimates) == [
        "conversion_treated", "conversion_control", "conversion_difference", "conversion_lift",
        "revenue_treated", "revenue_control", "revenue_difference", "revenue_lift",
        "incremental_conversions", "incremental_revenue", "roi", "iroas",
        "cost_per_incremental_customer",
    ]  # fmt: skip
    conv = campaign_effect(
        outcomes.assign(bought=(outcomes["revenue"] > 0).astype(int)),
        treatment="treated",
        metric_column="bought",
    )
    assert report.estimates["conversion_difference"] == conv.difference
    frame = report.to_frame()
    tested = frame["p_value"].dropna()
    assert list(tested.index) == ["conversion_difference", "revenue_difference"]
    expected = multipletests(tested, method="holm")[1]
    np.testing.assert_allclose(frame.loc[tested.index, "p_value_adjusted"], expected)
    assert report.n_treated == report.n_control == 3_000
    assert "6 KPIs" not in repr(report) and "13 KPIs" in repr(report)


def test_report_exports_are_json_safe_and_readable() -> None:
    outcomes = _outcomes(1, n=400)
    outcomes["revenue"] = np.where(outcomes["treated"], 0.0, outcomes["revenue"])  # no effect
    report = evaluate_campaign(
        outcomes,
        treatment="treated",
        revenue_column="revenue",
        cost=100.0,
        margin=0.5,
        name="winter",
        adjustment="bh",
    )
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["name"] == "winter" and data["adjustment"] == "bh"
    cpi = data["kpis"]["cost_per_incremental_customer"]
    assert cpi["value"] is None and cpi["warnings"]  # no incremental customers: unbounded
    text = report.to_markdown()
    assert text.startswith("### Campaign report: winter")
    assert "| revenue_difference |" in text and "p (adj., bh)" in text
    assert "[1] " in text  # footnoted warnings


def test_report_with_cuped_and_srm_warning() -> None:
    outcomes = _outcomes(2)
    report = evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", pre_revenue_column="pre"
    )
    assert report.variance_reduction is not None and report.variance_reduction > 0
    assert report.estimates["revenue_difference"].method == "cuped-welch"
    # arm means and difference on one (adjusted) basis: the table's arithmetic adds up
    est = report.estimates
    assert est["revenue_treated"].method == est["revenue_control"].method == "cuped-t"
    assert est["revenue_treated"].value - est["revenue_control"].value == pytest.approx(
        est["revenue_difference"].value, rel=1e-12
    )
    assert "CUPED-adjusted" in report.to_markdown()
    with pytest.warns(pm.DataQualityWarning, match="sample ratio mismatch"):
        evaluate_campaign(
            outcomes, treatment="treated", revenue_column="revenue", expected_share=0.4
        )


def test_report_charts(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    arms = pd.Series(
        np.random.default_rng(0).random(len(sim_small.customers)) < 0.5,
        index=sim_small.customers.index,
    )
    curve = cumulative_incremental_revenue(tx, treated=arms, start="2024-09-01")
    cohorts = cohort_retention(tx)
    report = evaluate_campaign(
        _outcomes(),
        treatment="treated",
        revenue_column="revenue",
        cumulative=curve,
        cohorts=cohorts,
    )
    try:
        ax = report.plot_lift()
        assert [t.get_text() for t in ax.get_yticklabels()] == ["conversion_lift", "revenue_lift"]
        assert len(report.plot_cumulative().get_lines()) == 2
        assert report.plot_cohorts().images[0].get_array().shape == cohorts.shape
        bare = evaluate_campaign(_outcomes(), treatment="treated", revenue_column="revenue")
        with pytest.raises(pm.DataValidationError, match="argument 'cumulative'"):
            bare.plot_cumulative()
        with pytest.raises(pm.DataValidationError, match="argument 'cohorts'"):
            bare.plot_cohorts()
    finally:
        plt.close("all")


def test_matplotlib_is_imported_only_to_draw() -> None:
    """No kpi module imports matplotlib at module level (a static check: fast, no subprocess)."""
    import ast
    from pathlib import Path

    import precimark.kpi

    for path in Path(precimark.kpi.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.startswith("matplotlib")], path.name


def test_report_shows_the_minimum_detectable_effects() -> None:
    report = evaluate_campaign(
        _outcomes(3), treatment="treated", revenue_column="revenue", cost=500.0, margin=0.4
    )
    mde = report.minimum_detectable_effects
    assert set(mde) == {"conversion", "revenue"}
    assert mde["conversion"].metric == "proportion"
    assert mde["conversion"].power == pytest.approx(0.8, abs=1e-9)
    assert mde["conversion"].n == 6_000 and mde["conversion"].effect > 0
    assert "Minimum detectable effect at 80% power: conversion" in report.to_markdown()
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["minimum_detectable_effects"]["revenue"]["alpha"] == pytest.approx(0.05)


def test_report_roi_needs_a_margin() -> None:
    outcomes = _outcomes(4, n=1_000)
    with pytest.warns(FutureWarning, match="margin="):
        assumed = evaluate_campaign(
            outcomes, treatment="treated", revenue_column="revenue", cost=50.0
        )
    explicit = evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", cost=50.0, margin=1.0
    )
    assert assumed.estimates["roi"] == explicit.estimates["roi"]


def test_the_report_shows_the_channel_table_it_was_given() -> None:
    from precimark import channels
    from precimark.datasets import make_journeys

    sim = make_journeys(2000, random_state=0)
    paths = channels.journeys(sim.touchpoints, sim.transactions, customers=sim.customers)
    paths = paths[paths["path"].str.len() > 0]
    table = channels.channel_results(paths, models=["last", "markov"], touchpoints=sim.touchpoints)
    rng = np.random.default_rng(1)
    outcomes = pd.DataFrame(
        {"treated": np.arange(400) % 2 == 0, "revenue": rng.gamma(2.0, 10.0, 400)}
    )
    report = evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", channels=table
    )
    markdown = report.to_markdown()
    section = markdown.split("#### Channels")[1].strip().splitlines()
    assert section[0] == "| channel | " + " | ".join(table.columns) + " |"
    assert len(section) == 2 + len(table)
    search = next(line for line in section if line.startswith("| search |")).split("|")
    assert float(search[2]) == pytest.approx(table.loc["search", table.columns[0]], abs=0.01)
    as_dict = json.loads(json.dumps(report.to_dict()))["channels"]
    assert as_dict["search"]["conversions_markov"] == pytest.approx(
        table.loc["search", "conversions_markov"]
    )
    table.iloc[0, 0] = -1.0  # the report keeps its own copy
    assert report.channels is not None and report.channels.iloc[0, 0] != -1.0
    assert (
        "#### Channels"
        not in evaluate_campaign(
            outcomes, treatment="treated", revenue_column="revenue"
        ).to_markdown()
    )
    with pytest.raises(pm.DataValidationError, match="argument 'channels'"):
        evaluate_campaign(outcomes, treatment="treated", revenue_column="revenue", channels=[1])  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match="column 'label' of argument 'channels'"):
        evaluate_campaign(
            outcomes,
            treatment="treated",
            revenue_column="revenue",
            channels=table.assign(label="x"),
        )
