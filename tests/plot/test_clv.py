"""CLV diagnostics: each figure's plotted data equals the numbers the library computes."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.clv import BetaGeoBetaBinomModel, HoldoutEvaluation, ParetoNBDModel, evaluate
from precimark.plot import (
    plot_calibration_vs_holdout,
    plot_dropout_rate_heterogeneity,
    plot_expected_repeat_purchases,
    plot_frequency_recency_matrix,
    plot_history_alive,
    plot_period_transactions,
    plot_probability_alive_matrix,
    plot_tracking,
    plot_transaction_rate_heterogeneity,
)

CAL = ["frequency_cal", "recency_cal", "T_cal"]


@pytest.fixture(scope="module")
def split(cdnow_sample: pd.DataFrame) -> pd.DataFrame:
    return pm.calibration_holdout_split(
        cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W"
    )


@pytest.fixture(scope="module")
def model(split: pd.DataFrame) -> pm.BetaGeoModel:
    cal = split[CAL].set_axis(["frequency", "recency", "T"], axis=1)
    return pm.BetaGeoModel().fit(cal, time_unit="W")


@pytest.fixture(scope="module")
def rfm(cdnow_sample: pd.DataFrame) -> pd.DataFrame:
    return pm.rfm_summary(cdnow_sample, observation_end="1997-09-30", time_unit="W")


@pytest.fixture(scope="module")
def report(model: pm.BetaGeoModel, split: pd.DataFrame) -> HoldoutEvaluation:
    return evaluate(model, split)


def _heights(ax: plt.Axes, i: int) -> list[float]:
    return [float(bar.get_height()) for bar in ax.containers[i]]


def test_period_transactions_bars_are_the_calibration_fit(report: HoldoutEvaluation) -> None:
    _, given = plt.subplots()
    ax = plot_period_transactions(report, ax=given)
    assert ax is given
    np.testing.assert_allclose(_heights(ax, 0), report.calibration_fit["actual"])
    np.testing.assert_allclose(_heights(ax, 1), report.calibration_fit["expected"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    # Both bar sets count every customer.
    assert sum(_heights(ax, 1)) == pytest.approx(sum(_heights(ax, 0)))


def test_calibration_vs_holdout_lines_are_per_frequency(report: HoldoutEvaluation) -> None:
    ax = plot_calibration_vs_holdout(report)
    actual, predicted = ax.get_lines()
    np.testing.assert_allclose(actual.get_ydata(), report.per_frequency["actual"])
    np.testing.assert_allclose(predicted.get_ydata(), report.per_frequency["predicted"])


def test_evaluation_charts_refuse_other_objects(report: HoldoutEvaluation) -> None:
    for chart in (plot_period_transactions, plot_calibration_vs_holdout):
        with pytest.raises(pm.DataValidationError, match="argument 'evaluation'"):
            chart(report.per_frequency)  # type: ignore[arg-type]


def test_frequency_recency_matrix_cells_are_expected_purchases(
    model: pm.BetaGeoModel, rfm: pd.DataFrame
) -> None:
    ax = plot_frequency_recency_matrix(model, rfm, horizon="28D")
    image = ax.images[0].get_array()
    max_t = float(rfm["T"].max())
    assert image.shape == (int(rfm["frequency"].max()) + 1, math.floor(max_t) + 1)
    # Cell by cell, with the model's public method on one-row frames (4 weeks = 28 days).
    for f, r in [(0, 0), (1, 1), (3, 20), (10, 38)]:
        row = pd.DataFrame({"frequency": [f], "recency": [float(r)], "T": [max_t]})
        expected = model.expected_purchases(row, 4.0, time_unit="W").iloc[0]
        assert image[f, r] == pytest.approx(expected, rel=1e-12)
    # Impossible cells are blank: recency without repeat purchases, purchases without recency,
    # more repeat purchase days than days of recency.
    assert image.mask[0, 5] and image.mask[4, 0]
    assert not image.mask[7, 1] and image.mask[8, 1]  # one week holds 7 days at most
    assert "4 weeks" in ax.images[0].colorbar.ax.get_ylabel()
    assert "weeks" in ax.get_xlabel()


def test_probability_alive_matrix_cells_and_explicit_maxima(model: pm.BetaGeoModel) -> None:
    ax = plot_probability_alive_matrix(model, max_frequency=5, max_recency=30.5)
    image = ax.images[0].get_array()
    assert image.shape == (6, 31)
    row = pd.DataFrame({"frequency": [2], "recency": [10.0], "T": [30.5]})
    row.attrs["time_unit"] = "W"
    assert image[2, 10] == pytest.approx(model.probability_alive(row).iloc[0], rel=1e-12)
    assert ax.images[0].get_clim() == (0.0, 1.0)


def test_matrices_need_maxima_or_rfm_and_a_fitted_model(model: pm.BetaGeoModel) -> None:
    with pytest.raises(pm.DataValidationError, match="argument 'max_frequency'"):
        plot_probability_alive_matrix(model)
    with pytest.raises(pm.DataValidationError, match="unfitted BetaGeoModel"):
        plot_frequency_recency_matrix(pm.BetaGeoModel(), max_frequency=3, max_recency=3)
    with pytest.raises(pm.DataValidationError, match="argument 'model'"):
        plot_frequency_recency_matrix("model", max_frequency=3, max_recency=3)  # type: ignore[arg-type]


def test_daily_model_axes_are_in_days(cdnow_sample: pd.DataFrame) -> None:
    """The same data in days: labels say days, and the horizon is converted, not misread."""
    rfm_days = pm.rfm_summary(cdnow_sample, observation_end="1997-09-30", time_unit="D")
    daily = pm.BetaGeoModel().fit(rfm_days)
    ax = plot_expected_repeat_purchases(daily, "8W")
    x, y = ax.get_lines()[0].get_data()
    assert float(x[-1]) == 56.0 and "days" in ax.get_xlabel()
    assert float(y[-1]) == pytest.approx(daily.expected_purchases_new_customer(56.0))


def test_expected_repeat_purchases_line(model: pm.BetaGeoModel) -> None:
    ax = plot_expected_repeat_purchases(model, 52)
    x, y = ax.get_lines()[0].get_data()
    assert len(x) == 101 and x[0] == 0.0 and y[0] == 0.0
    for i in (1, 50, 100):
        assert y[i] == pytest.approx(model.expected_purchases_new_customer(float(x[i])))
    assert np.all(np.diff(y) > 0)


def test_history_alive_matches_rfm_summary_at_each_date(
    model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame
) -> None:
    counts = cdnow_sample["customer_id"].value_counts()
    customer = counts.index[counts >= 4][0]
    end = "1997-09-30"
    ax = plot_history_alive(model, cdnow_sample, customer, observation_end=end)
    x, y = ax.get_lines()[0].get_data()
    dates = pd.to_datetime(np.asarray(x))
    mine = cdnow_sample[cdnow_sample["customer_id"] == customer]
    first = pd.Timestamp(mine["date"].min())
    assert dates[0] == first and dates[-1] == pd.Timestamp(end)
    assert len(dates) == (pd.Timestamp(end) - first).days + 1
    # An independent path: one rfm_summary of the customer with each date as the end.
    for i in np.linspace(0, len(dates) - 1, 12).astype(int):
        rfm_i = pm.rfm_summary(mine, observation_end=dates[i], time_unit="W")
        assert y[i] == pytest.approx(model.probability_alive(rfm_i).iloc[0], rel=1e-10)
    purchase_lines = ax.collections[0].get_segments()
    purchase_days = mine.loc[mine["date"] <= end, "date"].dt.normalize().nunique()
    assert len(purchase_lines) == purchase_days


def test_history_alive_refuses_an_unknown_customer(
    model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame
) -> None:
    with pytest.raises(pm.DataValidationError, match="argument 'customer_id'"):
        plot_history_alive(model, cdnow_sample, -1)
    with pytest.raises(pm.DataValidationError, match="missing column"):
        plot_history_alive(model, cdnow_sample.drop(columns="amount"), 1)


def _tracking_frame(cohorts: bool = False) -> pd.DataFrame:
    ends = pd.date_range("2024-01-07", periods=4, freq="7D")
    frame = pd.DataFrame(
        {
            "period": np.arange(1, 5),
            "period_end": ends,
            "actual_incremental": [3.0, 5.0, 4.0, 6.0],
            "expected_incremental": [4.0, 4.5, 4.4, 5.0],
        }
    )
    frame["actual_cumulative"] = frame["actual_incremental"].cumsum()
    frame["expected_cumulative"] = frame["expected_incremental"].cumsum()
    if not cohorts:
        return frame
    other = frame.assign(**{c: frame[c] * 2 for c in frame.columns if "_" in c and c[0] != "p"})
    return pd.concat([frame.assign(cohort="2024-01"), other.assign(cohort="2024-02")])


@pytest.mark.parametrize("kind", ["cumulative", "incremental"])
def test_tracking_lines_are_the_frame(kind: str) -> None:
    frame = _tracking_frame()
    ax = plot_tracking(frame.iloc[::-1], kind=kind)  # type: ignore[arg-type]
    actual, expected = ax.get_lines()
    np.testing.assert_allclose(actual.get_ydata(), frame[f"actual_{kind}"])
    np.testing.assert_allclose(expected.get_ydata(), frame[f"expected_{kind}"])
    assert list(pd.to_datetime(np.asarray(actual.get_xdata()))) == list(frame["period_end"])


def test_tracking_by_cohort_draws_a_pair_per_cohort() -> None:
    frame = _tracking_frame(cohorts=True)
    lines = plot_tracking(frame).get_lines()
    assert len(lines) == 4
    second = frame[frame["cohort"] == "2024-02"]
    np.testing.assert_allclose(lines[2].get_ydata(), second["actual_cumulative"])
    assert lines[2].get_color() == lines[3].get_color() != lines[0].get_color()


def test_tracking_refuses_incomplete_frames() -> None:
    frame = _tracking_frame()
    with pytest.raises(pm.DataValidationError, match="'expected_cumulative'"):
        plot_tracking(frame.drop(columns="expected_cumulative"))
    frame.loc[2, "actual_incremental"] = np.nan
    with pytest.raises(pm.DataValidationError, match="1 rows with a missing value"):
        plot_tracking(frame, kind="incremental")
    with pytest.raises(pm.DataValidationError, match="argument 'kind'"):
        plot_tracking(frame, kind="weekly")  # type: ignore[arg-type]


def _gamma_pdf(x: np.ndarray, shape: float, rate: float) -> np.ndarray:
    """Gamma density written out (independent of scipy)."""
    log = shape * math.log(rate) + (shape - 1) * np.log(x) - rate * x - math.lgamma(shape)
    return np.exp(log)


def _beta_pdf(x: np.ndarray, a: float, b: float) -> np.ndarray:
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - log_beta)


def test_heterogeneity_densities_are_the_mixing_distributions(
    model: pm.BetaGeoModel, rfm: pd.DataFrame
) -> None:
    p = model.params_
    ax = plot_transaction_rate_heterogeneity(model)
    x, y = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(y, _gamma_pdf(x, p["r"], p["alpha"]), rtol=1e-9)
    assert ax.get_lines()[1].get_xdata()[0] == pytest.approx(p["r"] / p["alpha"])
    assert "per week" in ax.get_xlabel()
    ax = plot_dropout_rate_heterogeneity(model)
    x, y = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(y, _beta_pdf(x, p["a"], p["b"]), rtol=1e-9)
    assert ax.get_lines()[1].get_xdata()[0] == pytest.approx(p["a"] / (p["a"] + p["b"]))
    # The range holds the central 99% of customers: the density integrates to about 0.99.
    area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
    assert area == pytest.approx(0.99, abs=0.01)

    pareto = ParetoNBDModel().fit(rfm)
    x, y = plot_dropout_rate_heterogeneity(pareto).get_lines()[0].get_data()
    np.testing.assert_allclose(y, _gamma_pdf(x, pareto.params_["s"], pareto.params_["beta"]))


def test_heterogeneity_of_bgbb_and_refusals() -> None:
    rfm = pd.DataFrame({"frequency": [0, 1, 3, 6, 2], "recency": [0, 1, 5, 6, 4], "T": [6] * 5})
    bgbb = BetaGeoBetaBinomModel().fit(rfm)
    x, y = plot_transaction_rate_heterogeneity(bgbb).get_lines()[0].get_data()
    np.testing.assert_allclose(y, _beta_pdf(x, bgbb.params_["alpha"], bgbb.params_["beta"]))
    x, y = plot_dropout_rate_heterogeneity(bgbb).get_lines()[0].get_data()
    np.testing.assert_allclose(y, _beta_pdf(x, bgbb.params_["gamma"], bgbb.params_["delta"]))
    with pytest.raises(pm.DataValidationError, match="unfitted ParetoNBDModel"):
        plot_dropout_rate_heterogeneity(ParetoNBDModel())
    with pytest.raises(pm.DataValidationError, match="a GammaGammaModel"):
        plot_transaction_rate_heterogeneity(pm.GammaGammaModel())
    with pytest.raises(pm.DataValidationError, match="argument 'model'"):
        plot_history_alive(bgbb, pd.DataFrame(), 1)  # type: ignore[arg-type]


def test_a_model_without_a_time_unit_is_refused(model: pm.BetaGeoModel) -> None:
    old = pm.BetaGeoModel.from_dict({**model.to_dict(), "time_unit": None})
    with pytest.raises(pm.DataValidationError, match="records no time unit"):
        plot_expected_repeat_purchases(old, 10)


def test_matrices_and_new_customer_curve_equal_lifetimes(model: pm.BetaGeoModel) -> None:
    """The oracle: lifetimes' fitter rebuilt from the same parameters, on every possible cell."""
    from precimark.clv import _lifetimes

    fitter = model.to_lifetimes()
    alive = plot_probability_alive_matrix(model, max_frequency=12, max_recency=30.0)
    cells = alive.images[0].get_array()
    f, r = np.nonzero(~cells.mask)
    expected = plot_frequency_recency_matrix(model, horizon=4, max_frequency=12, max_recency=30.0)
    curve = plot_expected_repeat_purchases(model, 52).get_lines()[0]
    with _lifetimes.quiet():
        reference_alive = fitter.conditional_probability_alive(f, r.astype(float), 30.0)
        reference_expected = fitter.conditional_expected_number_of_purchases_up_to_time(
            4, f, r.astype(float), 30.0
        )
        reference_curve = fitter.expected_number_of_purchases_up_to_time(curve.get_xdata()[1:])
    np.testing.assert_allclose(cells[f, r], reference_alive, rtol=1e-9)
    np.testing.assert_allclose(expected.images[0].get_array()[f, r], reference_expected, rtol=1e-9)
    np.testing.assert_allclose(curve.get_ydata()[1:], reference_curve, rtol=1e-9)


def test_date_charts_change_only_their_own_axes(
    model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame
) -> None:
    figure, (left, right) = plt.subplots(2, 1)
    left.plot([0, 1], [0, 1])
    bottom = figure.subplotpars.bottom
    plot_tracking(_tracking_frame(), ax=left)
    plot_history_alive(model, cdnow_sample, cdnow_sample["customer_id"].iloc[0], ax=right)
    figure.canvas.draw()
    assert figure.subplotpars.bottom == bottom
    assert all(label.get_visible() for label in left.get_xticklabels())
    assert len(figure.axes) == 2


def test_period_transactions_of_a_model_without_holdout(
    model: pm.BetaGeoModel, split: pd.DataFrame, report: HoldoutEvaluation
) -> None:
    """A model with its fitting summary gives the table evaluate() gives on a real split."""
    cal = split[CAL].set_axis(["frequency", "recency", "T"], axis=1)
    cal.attrs["time_unit"] = "W"
    ax = plot_period_transactions(model, cal)
    np.testing.assert_allclose(_heights(ax, 0), report.calibration_fit["actual"])
    np.testing.assert_allclose(_heights(ax, 1), report.calibration_fit["expected"], rtol=1e-12)
    with pytest.raises(pm.DataValidationError, match="argument 'rfm'"):
        plot_period_transactions(model)
    with pytest.raises(pm.DataValidationError, match="unfitted BetaGeoModel"):
        plot_period_transactions(pm.BetaGeoModel(), cal)


def test_the_same_data_in_days_and_weeks_draws_the_same_numbers(
    cdnow_sample: pd.DataFrame, model: pm.BetaGeoModel, split: pd.DataFrame
) -> None:
    """Unit safety: a model fitted in days draws what the weekly one draws, in days."""
    daily_split = pm.calibration_holdout_split(
        cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="D"
    )
    daily_rfm = daily_split[CAL].set_axis(["frequency", "recency", "T"], axis=1)
    daily = pm.BetaGeoModel().fit(daily_rfm, time_unit="D")
    weekly_rate = plot_transaction_rate_heterogeneity(model).get_lines()[1].get_xdata()[0]
    daily_rate = plot_transaction_rate_heterogeneity(daily).get_lines()[1].get_xdata()[0]
    assert weekly_rate == pytest.approx(7 * daily_rate, rel=1e-3)
    # P(alive) at 3 repeat purchases, last one at week 10 (day 70), age 30 weeks (210 days).
    weeks = plot_probability_alive_matrix(model, max_frequency=3, max_recency=30)
    days = plot_probability_alive_matrix(daily, max_frequency=3, max_recency=210)
    assert days.images[0].get_array()[3, 70] == pytest.approx(
        weeks.images[0].get_array()[3, 10], rel=1e-3
    )
    # Four weeks ahead, asked as "28D" of either model.
    weekly_curve = plot_expected_repeat_purchases(model, "28D").get_lines()[0].get_ydata()
    daily_curve = plot_expected_repeat_purchases(daily, "28D").get_lines()[0].get_ydata()
    assert daily_curve[-1] == pytest.approx(weekly_curve[-1], rel=1e-3)
    assert "per day" in plot_transaction_rate_heterogeneity(daily).get_xlabel()
