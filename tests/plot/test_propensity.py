"""Uplift and gains charts: the plotted data equal precimark.propensity.metrics' numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.datasets import make_uplift_data
from precimark.plot import plot_gains, plot_qini_curve, plot_uplift_by_decile, plot_uplift_curve
from precimark.propensity import metrics


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    d = make_uplift_data(4_000, random_state=1)
    # A noisy score, so that the curves are not the ideal ones.
    noise = np.random.default_rng(2).normal(0.0, 0.1, len(d))
    return d.assign(score=d["true_uplift"] + noise)


@pytest.mark.parametrize(
    ("chart", "curve"),
    [(plot_qini_curve, metrics.qini_curve), (plot_uplift_curve, metrics.uplift_curve)],
)
def test_curves_are_the_metrics(data: pd.DataFrame, chart: object, curve: object) -> None:
    args = (data["outcome"], data["score"], data["treatment"])
    ax = chart(*args)  # type: ignore[operator]
    n, y = curve(*args)  # type: ignore[operator]
    model, random = ax.get_lines()
    np.testing.assert_allclose(model.get_xdata(), n / len(data))
    np.testing.assert_allclose(model.get_ydata(), y)
    np.testing.assert_allclose(random.get_ydata(), [0.0, y[-1]])


def test_qini_title_gives_the_auc_and_propensity_is_passed_on(data: pd.DataFrame) -> None:
    args = (data["outcome"], data["score"], data["treatment"])
    score = metrics.qini_auc_score(*args)
    assert plot_qini_curve(*args).get_title() == f"Qini curve (normalised area {score:.3g})"
    e = np.where(data["score"] > 0.1, 0.7, 0.3)
    _, weighted = metrics.qini_curve(*args, propensity=e)
    np.testing.assert_allclose(
        plot_qini_curve(*args, propensity=e).get_lines()[0].get_ydata(), weighted
    )


def test_uplift_by_decile_bars_and_intervals(data: pd.DataFrame) -> None:
    args = (data["outcome"], data["score"], data["treatment"])
    table = metrics.uplift_by_decile(*args, n_bins=5, confidence=0.9)
    ax = plot_uplift_by_decile(*args, n_bins=5, confidence=0.9)
    np.testing.assert_allclose([b.get_height() for b in ax.containers[0]], table["uplift"])
    # The error bars span exactly [ci_low, ci_high].
    segments = ax.containers[1].lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segments], table["ci_low"])
    np.testing.assert_allclose([s[1][1] for s in segments], table["ci_high"])
    assert "90% interval" in ax.get_ylabel()


def test_gains_curve_and_lift_bars() -> None:
    rng = np.random.default_rng(3)
    score = rng.random(1_000)
    y = (rng.random(1_000) < score).astype(float)
    table = metrics.gain_table(y, score)
    x, captured = plot_gains(y, score).get_lines()[0].get_data()
    np.testing.assert_allclose(x, np.r_[0.0, table["n"].cumsum() / 1_000])
    np.testing.assert_allclose(captured, np.r_[0.0, table["cumulative_capture"]])
    ax = plot_gains(y, score, kind="lift")
    np.testing.assert_allclose([b.get_height() for b in ax.containers[0]], table["lift"])


def test_bad_inputs_are_refused(data: pd.DataFrame) -> None:
    with pytest.raises(pm.DataValidationError, match="argument 'treated'"):
        plot_qini_curve(data["outcome"], data["score"], np.ones(len(data)))
    with pytest.raises(pm.DataValidationError, match="argument 'kind'"):
        plot_gains([1, 0], [0.2, 0.1], kind="roc")  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match="argument 'ax'"):
        plot_gains([1, 0], [0.2, 0.1], ax="axes")  # type: ignore[arg-type]
