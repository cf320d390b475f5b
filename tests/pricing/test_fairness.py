"""fairness_frame: group metrics per product, ratios, differences, bootstrap intervals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from precimark import DataValidationError
from precimark.datasets import make_pricing_log
from precimark.pricing import (
    FAIRNESS_METRICS,
    PricingPolicy,
    SensitivityDiscount,
    fairness_frame,
    fairness_report,
)

POLICY = PricingPolicy([SensitivityDiscount(threshold=0.5, discount=0.2)])


def _decisions(n: int = 1_500, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    sim = make_pricing_log(n, random_state=seed)
    prices = pd.Series([100.0, 30.0], index=["coat", "scarf"])
    return POLICY.decide(sim.log, prices, at=sim.at), sim.log


def test_group_metrics_per_product_match_groupby() -> None:
    d, log = _decisions()
    frame = fairness_frame(d, "age_group", customers=log, n_resamples=100)
    groups = log["age_group"].reindex(d.index).to_numpy()
    for (product, group), row in frame.by_group.iterrows():
        rows = (d["product"].astype(str).to_numpy() == product) & (groups == group)
        assert row["n"] == rows.sum()
        assert row["offer_rate"] == pytest.approx((d["discount_rate"].to_numpy()[rows] > 0).mean())
        assert row["mean_final_price"] == pytest.approx(d["final_price"].to_numpy()[rows].mean())
        for metric in FAIRNESS_METRICS:
            assert row[f"{metric}_ci_low"] <= row[metric] <= row[f"{metric}_ci_high"]
    coat = frame.by_group.loc["coat", "mean_final_price"]
    assert frame.difference().loc["coat", "mean_final_price"] == pytest.approx(
        coat.max() - coat.min()
    )
    assert frame.ratio().loc["coat", "mean_final_price"] == pytest.approx(coat.min() / coat.max())
    # products are not mixed: the scarf's prices are about 30% of the coat's
    scarf = frame.by_group.loc["scarf", "mean_final_price"]
    np.testing.assert_allclose(scarf.to_numpy(), 0.3 * coat.to_numpy())
    assert frame.ratio().loc["scarf", "offer_rate"] == pytest.approx(
        frame.ratio().loc["coat", "offer_rate"]
    )
    data = json.loads(json.dumps(frame.to_dict()))
    assert len(data["by_group"]) == 6 and len(data["comparison"]) == 6


def test_difference_interval_covers_the_true_gap() -> None:
    """100 samples of 2 x 300 customers with offer rates 0.3 and 0.5: 95% coverage +- 3 SE."""
    rng = np.random.default_rng(5)
    reps, hits_d, hits_r = 100, 0, 0
    for _ in range(reps):
        group = np.repeat(["a", "b"], 300)
        offered = rng.random(600) < np.where(group == "a", 0.3, 0.5)
        d = pd.DataFrame(
            {"discount_rate": np.where(offered, 0.1, 0.0), "final_price": 100 - 10.0 * offered}
        )
        frame = fairness_frame(d, pd.Series(group), n_resamples=200, random_state=rng)
        row = frame.comparison.loc[("default", "offer_rate")]
        hits_d += row["difference_ci_low"] <= 0.2 <= row["difference_ci_high"]
        hits_r += row["ratio_ci_low"] <= 0.6 <= row["ratio_ci_high"]
    tolerance = 3 * np.sqrt(0.95 * 0.05 / reps)
    assert hits_d / reps >= 0.95 - tolerance and hits_r / reps >= 0.95 - tolerance


def test_matches_fairlearn_metric_frame() -> None:
    fairlearn_metrics = pytest.importorskip("fairlearn.metrics", exc_type=ImportError)
    d, log = _decisions(800, seed=2)
    coat = d[d["product"] == "coat"]
    groups = log["age_group"].reindex(coat.index).astype(str)
    ours = fairness_frame(coat, groups, n_resamples=50)
    reference = fairlearn_metrics.MetricFrame(
        metrics={
            "offer_rate": lambda y_true, y_pred: float(np.mean(y_pred > 0)),
            "mean_discount_rate": lambda y_true, y_pred: float(np.mean(y_pred)),
        },
        y_true=np.zeros(len(coat)),
        y_pred=coat["discount_rate"].to_numpy(),
        sensitive_features=groups.to_numpy(),
    )
    for metric in ("offer_rate", "mean_discount_rate"):
        by_group = ours.by_group.loc["coat", metric]
        np.testing.assert_allclose(by_group.to_numpy(), reference.by_group[metric].to_numpy())
        assert ours.ratio().loc["coat", metric] == pytest.approx(reference.ratio()[metric])
        assert ours.difference().loc["coat", metric] == pytest.approx(
            reference.difference()[metric]
        )


def test_bad_inputs_are_refused() -> None:
    d, log = _decisions(200)
    with pytest.raises(DataValidationError, match="one group only"):
        fairness_frame(d, pd.Series("x", index=log.index), n_resamples=20)
    with pytest.raises(DataValidationError, match="2 products"):
        fairness_report(d, "age_group", customers=log)
    with pytest.raises(DataValidationError, match="n_resamples"):
        fairness_frame(d, "age_group", customers=log, n_resamples=5)
