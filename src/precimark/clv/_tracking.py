"""Tracking: expected versus actual repeat transactions per period, over calibration and holdout.

The data of Fader, Hardie & Lee (2005), Figure 3 (cumulative) and of lifetimes'
``plot_cumulative_transactions`` / ``plot_incremental_transactions``, computed unit-safely: the
period is a length of time converted through the model's time unit, so a day model tracked
weekly is read in days (lifetimes reads ``t`` and ``freq`` in whatever unit it is told, and a
week model tracked with a day frequency gives 11,534 cumulative transactions for 4,166).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from precimark._typing import DateLike, HorizonLike
from precimark._validation import (
    fail,
    fail_rows,
    to_day,
    to_duration_units,
    validate_transactions,
)
from precimark.clv._base import _PurchaseModel
from precimark.schema import (
    ACTUAL_CUMULATIVE,
    ACTUAL_INCREMENTAL,
    COHORT,
    EXPECTED_CUMULATIVE,
    EXPECTED_INCREMENTAL,
    PERIOD,
    PERIOD_END,
    TRACKING_COLUMNS,
    Columns,
)

__all__ = ["tracking"]

_DAYS = {"D": 1.0, "W": 7.0}


def tracking(
    model: _PurchaseModel,
    transactions: pd.DataFrame,
    calibration_end: DateLike,
    observation_end: DateLike,
    *,
    period: HorizonLike = "7D",
    cohort: Literal["first_period"] | pd.Series | None = None,
    columns: Columns | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Compare expected and actual repeat transactions per period, for the base or per cohort.

    The population is every customer whose first purchase is on or before
    ``calibration_end`` (the customers a model fitted on the calibration period describes).
    Periods of length ``period`` start on their earliest first purchase day; the last one ends
    at ``observation_end`` (it is shorter when the span is not a whole number of periods).
    Repeat transactions are counted as in :func:`~precimark.rfm_summary`: purchase days after a
    customer's first, same-day purchases merged. The expected cumulative count at the end of
    period k is ``sum_i E[X(t_k - t_i)]`` over the customers acquired by then (``t_i`` their
    first purchase day), with ``E[X(t)]`` the model's
    :meth:`~precimark.BetaGeoModel.expected_purchases_new_customer`. The function reads no
    customer roster and returns aggregates only (no customer id), like
    :func:`~precimark.rfm_summary` and :func:`~precimark.clv.evaluate`: there is no consent
    step.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        A fitted purchase model that records its time unit.
    transactions : DataFrame
        The transaction log (customer id, date, amount; names from ``columns``).
    calibration_end : date
        Last day (inclusive) of the calibration period: the population's last acquisition day.
    observation_end : date
        Last day (inclusive) tracked; after ``calibration_end``.
    period : float or duration, default "7D"
        The length of time of one tracking period: a number in the model's time unit, or a
        fixed duration (``"7D"``, ``"1W"``, ``pd.Timedelta(days=28)``); a whole number of days.
    cohort : {"first_period"}, Series or None, default None
        None for the whole base; ``"first_period"`` for one cohort per tracking period of
        first purchase (labelled by that period's number); or a Series mapping every customer
        id of the population to a cohort label (acquisition channel, campaign, ...).
    columns : Columns, optional
        Names of the log's customer id, date and amount fields.
    date_format : str, optional
        strftime format of date strings that could be read day or month first.

    Returns
    -------
    DataFrame
        One row per period (per cohort and period by cohort): ``period`` (1, 2, ...),
        ``period_end`` (its last day), ``actual_incremental``, ``expected_incremental``,
        ``actual_cumulative``, ``expected_cumulative`` (cumulated from the first period; by
        cohort, within the cohort), preceded by ``cohort`` by cohort.
        ``attrs["calibration_end"]`` and ``attrs["time_unit"]`` record the split and the unit.

    Raises
    ------
    DataValidationError
        For a model that is not a fitted purchase model or records no time unit; an invalid
        log; ``observation_end`` not after ``calibration_end``; nobody acquired by
        ``calibration_end``; a period that is not a whole number of days; a cohort Series
        missing customers of the population.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284, Fig. 3.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.clv import tracking
    >>> from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow
    >>> log = load_cdnow(sample=True)
    >>> rfm = pm.rfm_summary(log, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
    >>> model = pm.BetaGeoModel().fit(rfm)
    >>> weekly = tracking(model, log, CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, period="7D")
    >>> len(weekly), int(weekly["actual_cumulative"].iloc[-1])
    (78, 4339)
    >>> round(float(weekly["expected_cumulative"].iloc[-1]), 1)
    4160.6
    """
    if not isinstance(model, _PurchaseModel):
        raise fail(
            "argument 'model'",
            f"a {type(model).__name__}",
            "a fitted BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel",
        )
    check_is_fitted(model, "params_")
    unit = model._fitted_unit()
    if unit is None:
        raise fail(
            "argument 'model'",
            f"a {type(model).__name__} that records no time unit (saved by an older version)",
            "a model that records the unit it was fitted in",
            "Refit it on an rfm_summary(..., time_unit=...) frame: the tracking periods are "
            "converted through the model's unit, never guessed.",
        )
    length = to_duration_units(period, unit, "period") * _DAYS[unit]
    days_per_period = round(length)
    if abs(length - days_per_period) > 1e-9 or days_per_period < 1:
        raise fail(
            "argument 'period'",
            f"{period!r} ({length:g} days)",
            "a whole number of days (transactions are dated by day)",
        )
    tx = validate_transactions(transactions, columns, date_format=date_format)
    cal = int(to_day(calibration_end, "calibration_end", date_format=date_format).astype(np.int64))
    end = int(to_day(observation_end, "observation_end", date_format=date_format).astype(np.int64))
    if end <= cal:
        raise fail(
            "argument 'observation_end'",
            f"{np.datetime64(end, 'D')}, not after calibration_end {np.datetime64(cal, 'D')}",
            "a later observation end",
        )
    codes, uniques = pd.factorize(tx.ids)
    keep = tx.days <= end
    days = pd.DataFrame({"code": codes[keep], "day": tx.days[keep]}).drop_duplicates()
    first_day = days.groupby("code")["day"].min()
    population = first_day[first_day <= cal]
    if population.empty:
        raise fail(
            "argument 'calibration_end'",
            f"{np.datetime64(cal, 'D')}: no customer's first purchase is on or before it",
            "a calibration end after some first purchases",
        )
    start = int(population.min())
    n_periods = -(-(end - start + 1) // days_per_period)
    ends = np.minimum(start + days_per_period * np.arange(1, n_periods + 1) - 1, end)

    first = population.reindex(days["code"]).to_numpy()
    repeat = days[np.isfinite(first) & (days["day"].to_numpy() > first)]
    repeat_period = (repeat["day"].to_numpy() - start) // days_per_period
    labels = _cohorts(cohort, population, uniques, start, days_per_period)
    repeat_labels = labels.reindex(repeat["code"]).to_numpy()

    group_codes, group_labels = pd.factorize(labels.to_numpy(), sort=True)
    first_days = population.to_numpy()
    expected = _expected_cumulative(model, unit, ends, first_days, group_codes, len(group_labels))
    frames = []
    for g, label in enumerate(group_labels):
        actual = np.bincount(repeat_period[repeat_labels == label], minlength=n_periods)
        part = pd.DataFrame(
            {
                PERIOD: np.arange(1, n_periods + 1),
                PERIOD_END: pd.to_datetime(ends.astype("datetime64[D]")),
                ACTUAL_INCREMENTAL: actual.astype(np.int64),
                EXPECTED_INCREMENTAL: np.diff(expected[g], prepend=0.0),
                ACTUAL_CUMULATIVE: np.cumsum(actual).astype(np.int64),
                EXPECTED_CUMULATIVE: expected[g],
            }
        )
        if cohort is not None:
            part.insert(0, COHORT, label)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"calibration_end": pd.Timestamp(np.datetime64(cal, "D")), "time_unit": unit}
    order = [COHORT, *TRACKING_COLUMNS] if cohort is not None else list(TRACKING_COLUMNS)
    return out[order]


def _cohorts(
    cohort: object,
    population: pd.Series,
    uniques: npt.ArrayLike,
    start: int,
    days_per_period: int,
) -> pd.Series:
    """Cohort label of each customer of the population, indexed by customer code."""
    index = population.index
    if cohort is None:
        return pd.Series(0, index=index)
    if isinstance(cohort, str) and cohort == "first_period":
        return pd.Series((population.to_numpy() - start) // days_per_period + 1, index=index)
    if not isinstance(cohort, pd.Series):
        raise fail(
            "argument 'cohort'",
            repr(cohort) if isinstance(cohort, str) else f"a {type(cohort).__name__}",
            "None, 'first_period', or a Series of cohort labels indexed by customer id",
        )
    ids = np.asarray(uniques)[index.to_numpy()]
    if cohort.index.has_duplicates:
        raise fail_rows(
            "argument 'cohort'",
            cohort.index.duplicated(),
            cohort.index,
            "repeated customer id",
            "one label per customer",
        )
    labels = cohort.reindex(ids)
    missing = labels.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            "argument 'cohort'",
            missing,
            ids,
            "customer of the population without a cohort label",
            "a label for every customer acquired by calibration_end",
            "Label them (e.g. 'unknown'), or track the base with cohort=None.",
            plural="customers of the population without a cohort label",
        )
    return pd.Series(labels.to_numpy(), index=index)


def _expected_cumulative(
    model: _PurchaseModel,
    unit: str,
    ends: npt.NDArray[np.int64],
    first_days: npt.NDArray[np.int64],
    group_codes: npt.NDArray[np.intp],
    n_groups: int,
) -> npt.NDArray[np.float64]:
    """Return expected cumulative repeat transactions, groups x periods (one model call)."""
    distinct_first, inverse = np.unique(first_days, return_inverse=True)
    counts = np.zeros((n_groups, len(distinct_first)))
    np.add.at(counts, (group_codes, inverse), 1.0)
    ages = ends[:, None] - distinct_first[None, :]  # periods x distinct first days, in days
    positive = ages > 0
    distinct_ages, age_index = np.unique(ages[positive], return_inverse=True)
    with np.errstate(all="ignore"):
        values = np.asarray(model._expected_new(distinct_ages / _DAYS[unit]), dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise fail(
            f"{type(model).__name__}.expected_purchases_new_customer",
            "a non-finite expectation",
            "finite expected purchases",
            "The parameters may be extreme (a -> 1 makes BG/NBD expectations diverge).",
        )
    per_age = np.zeros(ages.shape)
    per_age[positive] = values[age_index]
    result: npt.NDArray[np.float64] = counts @ per_age.T
    return result
