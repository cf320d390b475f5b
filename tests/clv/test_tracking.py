"""clv.tracking: FHL 2005 Fig. 3 on CDNOW, lifetimes' tracking data, units, cohorts, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.clv import _lifetimes, tracking
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, make_transactions
from precimark.exceptions import DataValidationError
from precimark.schema import TRACKING_COLUMNS

CAL, END = CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END


@pytest.fixture(scope="module")
def week_model(cdnow_rfm_weeks: pd.DataFrame) -> pm.BetaGeoModel:
    return pm.BetaGeoModel().fit(cdnow_rfm_weeks)


@pytest.fixture(scope="module")
def day_model(cdnow_rfm_days: pd.DataFrame) -> pm.BetaGeoModel:
    return pm.BetaGeoModel().fit(cdnow_rfm_days)


@pytest.fixture(scope="module")
def weekly(week_model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame) -> pd.DataFrame:
    return tracking(week_model, cdnow_sample, CAL, END, period="7D")


def test_cdnow_weekly_tracking_fhl_figure_3(
    weekly: pd.DataFrame, cdnow_rfm_weeks: pd.DataFrame, cdnow_split: pd.DataFrame
) -> None:
    assert list(weekly.columns) == list(TRACKING_COLUMNS)
    assert list(weekly["period"]) == list(range(1, 79))
    assert weekly["period_end"].iloc[0] == pd.Timestamp("1997-01-07")
    assert weekly["period_end"].iloc[38] == CAL
    assert weekly["period_end"].iloc[-1] == END
    # Actual: the calibration's 2,457 repeat transactions (the papers' count, the summary's
    # frequencies) at week 39, plus the 1,882 of the holdout at week 78.
    assert weekly["actual_cumulative"].iloc[38] == cdnow_rfm_weeks["frequency"].sum() == 2457
    assert weekly["actual_cumulative"].iloc[-1] == 2457 + cdnow_split["frequency_holdout"].sum()
    assert weekly["actual_cumulative"].iloc[-1] == 4339
    np.testing.assert_array_equal(
        weekly["actual_cumulative"], np.cumsum(weekly["actual_incremental"])
    )
    np.testing.assert_allclose(
        weekly["expected_cumulative"], np.cumsum(weekly["expected_incremental"]), rtol=1e-12
    )
    # Expected: FHL's BG/NBD tracks the actual closely: 1.5% above at week 39, 4.1% below at 78.
    assert weekly["expected_cumulative"].iloc[38] == pytest.approx(2494.0, abs=0.5)
    assert weekly["expected_cumulative"].iloc[-1] == pytest.approx(4160.6, abs=0.05)


def test_expected_equals_a_by_hand_sum(
    weekly: pd.DataFrame, week_model: pm.BetaGeoModel, cdnow_rfm_weeks: pd.DataFrame
) -> None:
    # At the calibration end every customer's age is their T: the expected cumulative count is
    # the sum of E[X(T_i)] over customers, one public call per customer.
    by_hand = sum(
        week_model.expected_purchases_new_customer(float(t)) for t in cdnow_rfm_weeks["T"]
    )
    assert weekly["expected_cumulative"].iloc[38] == pytest.approx(by_hand, rel=1e-12)


def test_equals_lifetimes_expected_cumulative_transactions(
    day_model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame
) -> None:
    """lifetimes' daily tracking at the same parameters, where it is right (one unit).

    lifetimes counts the actual transactions through the end of day i but ages customers one
    day longer (first purchase at the start of its day): its expected column is precimark's
    one day later. At day 546 it prints 4,165.7 (the issue's 4,166), precimark 4,160.6, which
    lifetimes prints for day 545. precimark ages customers as rfm_summary does (T = end - first
    purchase day), the ages the model was fitted on.
    """
    ours = tracking(day_model, cdnow_sample, CAL, END, period="1D")
    with _lifetimes.quiet():
        from lifetimes.utils import expected_cumulative_transactions

        theirs = expected_cumulative_transactions(
            day_model.to_lifetimes(), cdnow_sample, "date", "customer_id", t=546, freq="D"
        )
    assert len(ours) == len(theirs) == 546
    np.testing.assert_array_equal(ours["actual_cumulative"], theirs["actual"])
    np.testing.assert_allclose(
        ours["expected_cumulative"].to_numpy()[1:], theirs["predicted"].to_numpy()[:-1], rtol=1e-9
    )
    assert theirs["predicted"].iloc[-1] == pytest.approx(4166, abs=0.5)


def test_period_is_converted_through_the_model_unit(
    week_model: pm.BetaGeoModel,
    day_model: pm.BetaGeoModel,
    weekly: pd.DataFrame,
    cdnow_sample: pd.DataFrame,
) -> None:
    """A week model tracked daily is still right (lifetimes gives 11,534 for this at day 546)."""
    week_daily = tracking(week_model, cdnow_sample, CAL, END, period="1D")
    day_daily = tracking(day_model, cdnow_sample, CAL, END, period=1)
    np.testing.assert_allclose(
        week_daily["expected_cumulative"], day_daily["expected_cumulative"], rtol=1e-6
    )
    assert week_daily["expected_cumulative"].iloc[-1] == pytest.approx(4160.6, abs=0.05)
    with _lifetimes.quiet():
        from lifetimes.utils import expected_cumulative_transactions

        misread = expected_cumulative_transactions(
            week_model.to_lifetimes(), cdnow_sample, "date", "customer_id", t=546, freq="D"
        )
    assert misread["predicted"].iloc[-1] == pytest.approx(11534, abs=0.5)  # days read as weeks
    # A number is in the model's unit: 1 week for the week model, 7 days for the day model.
    pd.testing.assert_frame_equal(tracking(week_model, cdnow_sample, CAL, END, period=1), weekly)
    by_days = tracking(day_model, cdnow_sample, CAL, END, period=7)
    np.testing.assert_array_equal(by_days["actual_incremental"], weekly["actual_incremental"])
    np.testing.assert_allclose(
        by_days["expected_cumulative"], weekly["expected_cumulative"], rtol=1e-6
    )


def test_cohorts_add_up_to_the_base(
    weekly: pd.DataFrame, week_model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame
) -> None:
    cohorts = tracking(week_model, cdnow_sample, CAL, END, cohort="first_period")
    assert list(cohorts.columns) == ["cohort", *TRACKING_COLUMNS]
    assert sorted(cohorts["cohort"].unique()) == list(range(1, 13))  # acquired in weeks 1-12
    total = cohorts.groupby("period")[["actual_incremental", "expected_incremental"]].sum()
    np.testing.assert_array_equal(total["actual_incremental"], weekly["actual_incremental"])
    np.testing.assert_allclose(
        total["expected_incremental"], weekly["expected_incremental"], rtol=1e-9
    )
    # A customer acquired in week 5 expects nothing before week 5.
    five = cohorts[cohorts["cohort"] == 5]
    assert (five["expected_cumulative"].iloc[:4] == 0).all()
    assert (five["actual_cumulative"].iloc[:4] == 0).all()


def test_cohort_series(week_model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame) -> None:
    ids = np.sort(cdnow_sample["customer_id"].unique())
    labels = pd.Series(np.where(ids % 2 == 0, "even", "odd"), index=ids)
    split = tracking(week_model, cdnow_sample, CAL, END, cohort=labels)
    assert sorted(split["cohort"].unique()) == ["even", "odd"]
    ends = split.groupby("cohort")["actual_cumulative"].last()
    assert ends.sum() == 4339
    with pytest.raises(DataValidationError, match=r"2 customers .*first customer: 3\)"):
        tracking(week_model, cdnow_sample, CAL, END, cohort=labels.drop([3, 5]))


def test_known_truth_simulation() -> None:
    """Tracking at the true parameters: the actual total is within 4 sd of the expected one.

    The sd is the model's own: customers are independent, so the variance of the total is the
    sum of each customer's Var[X(t_i)] from the purchase-count distribution.
    """
    base = make_transactions(4000, random_state=5, observation_days=365)
    model = pm.BetaGeoModel()
    model.params_ = {k: base.params[k] for k in ("r", "alpha", "a", "b")}
    model.time_unit_ = "D"
    end = base.observation_end
    result = tracking(model, base.transactions, end - pd.Timedelta(days=100), end, period="28D")
    expected, actual = result["expected_cumulative"].iloc[-1], result["actual_cumulative"].iloc[-1]
    first = base.transactions.groupby("customer_id")["date"].min().dt.normalize()
    ages = ((end - first).dt.days).to_numpy(np.float64)
    distinct, counts = np.unique(ages, return_counts=True)
    k = np.arange(400)
    pmf = np.column_stack([model._pmf(int(n), distinct) for n in k])
    assert pmf.sum(axis=1) == pytest.approx(1.0, abs=1e-6)
    mean = pmf @ k
    variance = float(counts @ (pmf @ k**2 - mean**2))
    assert expected == pytest.approx(float(counts @ mean), rel=1e-9)
    assert abs(actual - expected) < 4 * np.sqrt(variance)


def test_input_is_not_modified(week_model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame) -> None:
    log = cdnow_sample.copy()
    tracking(week_model, log, CAL, END)
    pd.testing.assert_frame_equal(log, cdnow_sample)


def test_partial_last_period(week_model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame) -> None:
    result = tracking(week_model, cdnow_sample, CAL, "1998-06-25", period="7D")
    assert len(result) == 78
    assert result["period_end"].iloc[-1] == pd.Timestamp("1998-06-25")


def test_bad_input_is_refused(
    week_model: pm.BetaGeoModel, cdnow_sample: pd.DataFrame, cdnow_rfm_weeks: pd.DataFrame
) -> None:
    with pytest.raises(DataValidationError, match="whole number of days"):
        tracking(week_model, cdnow_sample, CAL, END, period="36h")
    with pytest.raises(DataValidationError, match="fixed length"):
        tracking(week_model, cdnow_sample, CAL, END, period="1M")
    with pytest.raises(DataValidationError, match="not after calibration_end"):
        tracking(week_model, cdnow_sample, END, CAL)
    with pytest.raises(DataValidationError, match="no customer's first purchase"):
        tracking(week_model, cdnow_sample, "1996-12-01", END)
    with pytest.raises(DataValidationError, match="cohort"):
        tracking(week_model, cdnow_sample, CAL, END, cohort="first")  # type: ignore[arg-type]
    spend = pm.GammaGammaModel().fit(cdnow_rfm_weeks)
    with pytest.raises(DataValidationError, match="BetaGeoModel"):
        tracking(spend, cdnow_sample, CAL, END)  # type: ignore[arg-type]
    old = week_model.to_dict()
    old["time_unit"] = None
    with pytest.raises(DataValidationError, match="records no time unit"):
        tracking(pm.BetaGeoModel.from_dict(old), cdnow_sample, CAL, END)
    with pytest.raises(DataValidationError, match="customer_id"):
        tracking(week_model, cdnow_sample.drop(columns="customer_id"), CAL, END)


@pytest.mark.parametrize("model_class", [pm.ModifiedBetaGeoModel, pm.ParetoNBDModel])
def test_other_purchase_models(
    model_class: type[pm.BetaGeoModel],
    cdnow_rfm_weeks: pd.DataFrame,
    cdnow_sample: pd.DataFrame,
) -> None:
    model = model_class().fit(cdnow_rfm_weeks)
    result = tracking(model, cdnow_sample, CAL, END, period="28D")
    # Period 10 ends on day 280 (1997-10-07), a week after the calibration end: every
    # customer's age there is their calibration T plus one week.
    assert result["period_end"].iloc[9] == CAL + pd.Timedelta(days=7)
    by_hand = sum(model.expected_purchases_new_customer(float(t) + 1) for t in cdnow_rfm_weeks["T"])
    assert result["expected_cumulative"].iloc[9] == pytest.approx(by_hand, rel=1e-10)
