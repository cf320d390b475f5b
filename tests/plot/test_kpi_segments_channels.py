"""KPI, segment and attribution charts: the plotted data equal the library's results."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark import channels
from precimark.kpi import evaluate_campaign
from precimark.plot import plot_attribution, plot_campaign_report, plot_lift, plot_segments


@pytest.fixture(scope="module")
def report() -> pm.kpi.CampaignReport:
    outcomes = pd.DataFrame(
        {
            "treated": [True, False] * 100,
            "revenue": [30.0, 0.0, 0.0, 10.0, 25.0, 0.0, 0.0, 0.0] * 25,
        }
    )
    return evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", cost=500.0, margin=0.4
    )


def test_campaign_report_forest_is_the_estimates(report: pm.kpi.CampaignReport) -> None:
    names = ["revenue_difference", "incremental_revenue"]
    _, given = plt.subplots()
    ax = plot_campaign_report(report, kpis=names, ax=given)
    assert ax is given
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    points, _, (bars,) = ax.containers[0]
    x, _ = points.get_data()
    np.testing.assert_allclose(x, [report.estimates[n].value for n in names])
    segments = bars.get_segments()
    np.testing.assert_allclose(
        [s[0][0] for s in segments], [report.estimates[n].ci_low for n in names]
    )
    np.testing.assert_allclose(
        [s[1][0] for s in segments], [report.estimates[n].ci_high for n in names]
    )
    assert ax.get_title() == "campaign: KPIs with intervals"
    assert "95% confidence interval" in ax.get_xlabel()


def test_campaign_report_defaults_and_refusals(report: pm.kpi.CampaignReport) -> None:
    labels = [t.get_text() for t in plot_campaign_report(report).get_yticklabels()]
    assert labels == ["conversion_lift", "revenue_lift"]
    with pytest.raises(pm.DataValidationError, match="unknown KPI names \\['roas'\\]"):
        plot_campaign_report(report, kpis=["roas"])
    with pytest.raises(pm.DataValidationError, match="argument 'report'"):
        plot_campaign_report(report.estimates)  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match="argument 'estimates'"):
        plot_lift({"a": 1.0})  # type: ignore[dict-item]
    open_ended = pm.Estimate(1.0, 0.5, float("inf"), 0.95, "delta", 10)
    with pytest.raises(pm.DataValidationError, match="infinite value or bound \\(first: 'b'\\)"):
        plot_lift({"a": report.estimates["revenue_lift"], "b": open_ended})


def test_old_kpi_import_path_is_the_same_function() -> None:
    from precimark.kpi import plot_cohort_retention, plot_cumulative_incremental_revenue
    from precimark.kpi import plot_lift as old_plot_lift
    from precimark.plot import kpi as charts

    assert old_plot_lift is plot_lift
    assert plot_cohort_retention is charts.plot_cohort_retention
    assert plot_cumulative_incremental_revenue is charts.plot_cumulative_incremental_revenue
    with pytest.raises(AttributeError, match="plot_gains"):
        _ = pm.kpi.plot_gains  # type: ignore[attr-defined]


def _segments() -> pd.DataFrame:
    rfm = pd.DataFrame(
        {
            "frequency": [5, 0, 2, 8, 1, 0, 3],
            "recency": [300.0, 0.0, 100.0, 350.0, 20.0, 0.0, 200.0],
            "T": [360.0, 40.0, 300.0, 360.0, 300.0, 200.0, 220.0],
            "monetary_value": [50.0, 0.0, 20.0, 80.0, 5.0, 0.0, 30.0],
        },
        index=pd.Index([11, 12, 13, 14, 15, 16, 17], name="customer_id"),
    )
    return pm.rfm_segments(rfm).assign(
        customer_lifetime_value=[300.0, 10.0, 90.0, 500.0, 25.0, 5.0, 150.0]
    )


def test_segment_sizes_follow_the_category_order() -> None:
    frame = _segments()
    ax = plot_segments(frame)
    counts = frame["segment"].value_counts(sort=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(frame["segment"].cat.categories)
    np.testing.assert_allclose([b.get_width() for b in ax.containers[0]], counts)
    assert sum(b.get_width() for b in ax.containers[0]) == len(frame)


def test_segment_values_are_totals_labelled_with_counts() -> None:
    frame = _segments()
    ax = plot_segments(frame, value_column="customer_lifetime_value")
    totals = frame.groupby("segment", observed=False)["customer_lifetime_value"].sum()
    np.testing.assert_allclose([b.get_width() for b in ax.containers[0]], totals)
    counts = frame["segment"].value_counts(sort=False)
    assert [t.get_text() for t in ax.texts] == [f"n = {n:,}" for n in counts]


def test_segment_refusals_name_the_column_and_customer() -> None:
    frame = _segments()
    frame.loc[13, "customer_lifetime_value"] = np.nan
    with pytest.raises(pm.DataValidationError, match=r"1 missing value \(first customer: 13\)"):
        plot_segments(frame, value_column="customer_lifetime_value")
    with pytest.raises(pm.DataValidationError, match="missing column 'segment'"):
        plot_segments(frame.drop(columns="segment"))
    with pytest.raises(pm.DataValidationError, match="numeric values"):
        plot_segments(frame.assign(note="x"), value_column="note")


def test_attribution_bars_are_the_credits() -> None:
    paths = pd.DataFrame(
        {
            "path": [("social", "search"), ("search",), ("social",), ("email", "search")],
            "converted": [True, True, False, True],
            "revenue": [50.0, 30.0, 0.0, 20.0],
        }
    )
    credit = channels.attribute(paths, model="markov")
    ax = plot_attribution(credit, value_column="revenue")
    np.testing.assert_allclose([b.get_width() for b in ax.containers[0]], credit["revenue"])
    assert [t.get_text() for t in ax.get_yticklabels()] == list(credit.index)
    assert ax.get_title() == "Revenue credited by channel: markov (order 1)"
    with pytest.raises(pm.DataValidationError, match="missing column 'spend'"):
        plot_attribution(credit, value_column="spend")


def test_attribution_of_several_models_in_groups() -> None:
    paths = pd.DataFrame(
        {
            "path": [("social", "search"), ("search",), ("social",), ("email", "search")],
            "converted": [True, True, False, True],
            "revenue": [50.0, 30.0, 0.0, 20.0],
        }
    )
    models = {m: channels.attribute(paths, model=m) for m in ("first", "last", "linear")}
    ax = plot_attribution(models)
    assert len(ax.containers) == 3
    order = list(models["first"].index)
    for container, (name, credit) in zip(ax.containers, models.items(), strict=True):
        np.testing.assert_allclose([b.get_width() for b in container], credit["conversions"])
        assert container.get_label() == name
    assert [t.get_text() for t in ax.get_yticklabels()] == order
    models["last"] = models["last"].drop(index="email")
    with pytest.raises(pm.DataValidationError, match="attribution\\['last'\\]"):
        plot_attribution(models)
