"""Retention and loyalty KPIs read from a transaction log.

Every function reads the log through :func:`precimark._validation.validate_transactions` and
:class:`precimark.Columns` (like :func:`precimark.rfm_summary`), counts each row as one order,
and treats the *customer* as the sampling unit, so intervals account for one customer's orders
being correlated. Windows are calendar days, both ends inclusive.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import DateLike
from precimark._validation import (
    Transactions,
    check_choice,
    check_number,
    fail,
    to_day,
    validate_transactions,
)
from precimark.exceptions import DataQualityWarning
from precimark.kpi._log import activity_by_customer, day_window
from precimark.kpi.estimates import Estimate, check_confidence
from precimark.kpi.intervals import mean, proportion, ratio
from precimark.schema import Columns

__all__ = [
    "average_order_value",
    "churn_rate",
    "cohort_retention",
    "customer_activity",
    "purchase_frequency",
    "repeat_purchase_rate",
    "retention_rate",
]


def customer_activity(
    transactions: pd.DataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    columns: Columns | None = None,
) -> pd.DataFrame:
    """Count orders and sum revenue per customer within a window.

    Parameters
    ----------
    transactions : DataFrame
        One row per order with a customer id, a date and an amount (names set by ``columns``).
    start, end : date-like, optional
        First and last day of the window (inclusive). Default: the whole log.
    columns : Columns, optional
        Names of the customer id, date and amount columns.

    Returns
    -------
    DataFrame
        Indexed by customer id (sorted), one row per customer with at least one order in the
        window: ``orders`` (int) and ``revenue`` (float).

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import customer_activity
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-02", "2024-02-01",
    ...                    "2024-01-05"], "amount": [10.0, 20.0, 5.0]})
    >>> customer_activity(tx, end="2024-01-31")
                 orders  revenue
    customer_id
    1                 1     10.0
    2                 1      5.0
    """
    cols = columns if columns is not None else Columns()
    tx = validate_transactions(transactions, cols)
    return activity_by_customer(tx, day_window(tx, start, end), cols)


def _active_ids(tx: Transactions, first: int, last: int) -> npt.NDArray[Any]:
    keep = (tx.days >= first) & (tx.days <= last)
    return np.asarray(pd.unique(tx.ids[keep]))


def _retained(
    transactions: pd.DataFrame,
    period_start: DateLike,
    period_end: DateLike,
    next_end: DateLike | None,
    columns: Columns | None,
) -> tuple[int | None, int, tuple[str, ...]]:
    tx = validate_transactions(transactions, columns)
    first, last = day_window(tx, period_start, period_end, ("period_start", "period_end"))
    following = (
        2 * last - first + 1
        if next_end is None
        else int(to_day(next_end, "next_end").astype(np.int64))
    )
    if following <= last:
        raise fail("argument 'next_end'", "a day on or before period_end", "next_end > period_end")
    base = _active_ids(tx, first, last)
    if base.size == 0:
        raise fail(
            "argument 'period_start'",
            "no customer active in the period",
            "a period with at least one order",
        )
    if int(tx.days.max()) <= last:
        return None, base.size, (_UNOBSERVED,)
    kept = int(np.isin(base, _active_ids(tx, last + 1, following)).sum())
    notes: tuple[str, ...] = ()
    if following > int(tx.days.max()):
        notes = ("the next period extends beyond the last order in the log",)
    return kept, base.size, notes


_UNOBSERVED = (
    "no order in the log after period_end: the next period is not observed, so retention "
    "and churn are unknown (NaN), not 0 and 1; pass a period that ends before the log does"
)


def _unknown(total: int, confidence: float) -> Estimate:
    """Return the honest "unknown": NaN value and interval, the warning emitted and recorded."""
    warnings.warn(_UNOBSERVED, DataQualityWarning, stacklevel=3)
    level = check_confidence(confidence)
    nan = math.nan
    return Estimate(nan, nan, nan, level, "wilson", total, None, (_UNOBSERVED,))


def retention_rate(
    transactions: pd.DataFrame,
    *,
    period_start: DateLike,
    period_end: DateLike,
    next_end: DateLike | None = None,
    columns: Columns | None = None,
    confidence: float = 0.95,
) -> Estimate:
    """Share of customers active in one period who are active again in the next.

    Parameters
    ----------
    transactions : DataFrame
        The order log (names set by ``columns``).
    period_start, period_end : date-like
        The base period (inclusive). Its active customers form the denominator.
    next_end : date-like, optional
        Last day of the next period, which starts the day after ``period_end``. Default: a
        period of the same length.
    columns : Columns, optional
        Names of the customer id, date and amount columns.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        A Wilson interval over the base period's active customers. It notes when the next
        period runs past the last order of the log (retention would be understated). When
        the log has no order after ``period_end`` at all, retention is unknown: value and
        interval are NaN (None in ``to_dict()``), with a warning.

    Warns
    -----
    DataQualityWarning
        When no order in the log falls after ``period_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import retention_rate
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 3, 1, 3], "amount": 10.0,
    ...     "date": ["2024-01-03", "2024-01-09", "2024-01-20", "2024-02-11", "2024-02-28"]})
    >>> retention_rate(tx, period_start="2024-01-01", period_end="2024-01-31").value
    0.666...
    """
    kept, total, notes = _retained(transactions, period_start, period_end, next_end, columns)
    if kept is None:
        return _unknown(total, confidence)
    return replace(proportion(kept, total, confidence=confidence), warnings=notes)


def churn_rate(
    transactions: pd.DataFrame,
    *,
    period_start: DateLike,
    period_end: DateLike,
    next_end: DateLike | None = None,
    columns: Columns | None = None,
    confidence: float = 0.95,
) -> Estimate:
    """Share of customers active in one period who are *not* active in the next.

    ``1 - retention_rate`` with the mirrored Wilson interval; same parameters as
    :func:`retention_rate`. In non-contractual businesses "churn" is only observed as
    inactivity in a window: a customer who skips one window is not necessarily lost. Without
    any order after ``period_end`` churn is unknown: NaN with a ``DataQualityWarning``, never
    1.0.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import churn_rate
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 3, 1, 3], "amount": 10.0,
    ...     "date": ["2024-01-03", "2024-01-09", "2024-01-20", "2024-02-11", "2024-02-28"]})
    >>> churn_rate(tx, period_start="2024-01-01", period_end="2024-01-31").value
    0.333...
    """
    kept = retention_rate(
        transactions,
        period_start=period_start,
        period_end=period_end,
        next_end=next_end,
        columns=columns,
        confidence=confidence,
    )
    # Wilson intervals are symmetric under p -> 1 - p.
    return replace(
        kept, value=1.0 - kept.value, ci_low=1.0 - kept.ci_high, ci_high=1.0 - kept.ci_low
    )


def _buyers(
    transactions: pd.DataFrame,
    start: DateLike | None,
    end: DateLike | None,
    columns: Columns | None,
) -> pd.DataFrame:
    activity = customer_activity(transactions, start=start, end=end, columns=columns)
    if len(activity) < 2:
        raise fail("argument 'start'", f"{len(activity)} buyer(s) in the window", "2 or more")
    return activity


def repeat_purchase_rate(
    transactions: pd.DataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    min_orders: int = 2,
    columns: Columns | None = None,
    confidence: float = 0.95,
) -> Estimate:
    """Share of buyers in a window with at least ``min_orders`` orders in that window.

    Parameters
    ----------
    transactions : DataFrame
        The order log; each row is one order.
    start, end : date-like, optional
        The window (inclusive). Default: the whole log. State it: the rate grows with the
        window's length, so rates over different windows are not comparable.
    min_orders : int, default 2
        Orders needed to count as a repeat buyer.
    columns : Columns, optional
        Names of the customer id, date and amount columns.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        Wilson interval over the window's buyers.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import repeat_purchase_rate
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3], "amount": 5.0,
    ...     "date": pd.date_range("2024-01-01", periods=6, freq="D")})
    >>> repeat_purchase_rate(tx).value
    0.666...
    """
    min_orders = int(check_number(min_orders, "min_orders", low=2, integer=True))
    activity = _buyers(transactions, start, end, columns)
    repeat = int((activity["orders"] >= min_orders).sum())
    return proportion(repeat, len(activity), confidence=confidence)


def purchase_frequency(
    transactions: pd.DataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    columns: Columns | None = None,
    confidence: float = 0.95,
) -> Estimate:
    """Mean number of orders per buyer in a window, with a t interval over buyers.

    Parameters are as for :func:`repeat_purchase_rate`. Customers without an order in the
    window are not counted (they are not in the log); for orders per *customer of a known
    base*, pass the per-customer counts, zeros included, to :func:`precimark.kpi.mean`.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import purchase_frequency
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3], "amount": 5.0,
    ...     "date": pd.date_range("2024-01-01", periods=6, freq="D")})
    >>> purchase_frequency(tx).value
    2.0
    """
    return mean(_buyers(transactions, start, end, columns)["orders"], confidence=confidence)


def average_order_value(
    transactions: pd.DataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    columns: Columns | None = None,
    confidence: float = 0.95,
) -> Estimate:
    """Average order value: revenue / orders in a window, a ratio metric over customers.

    The interval uses the delta method with the customer as the unit (see
    :func:`precimark.kpi.ratio`); a naive t interval over orders would be too narrow because
    one customer's orders are correlated.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import average_order_value
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3], "amount": [10.0, 30.0, 20.0, 40.0],
    ...     "date": pd.date_range("2024-01-01", periods=4, freq="D")})
    >>> average_order_value(tx).value
    25.0
    """
    activity = _buyers(transactions, start, end, columns)
    return ratio(activity["revenue"], activity["orders"], confidence=confidence)


Frequency = Literal["W", "M", "Q"]


def cohort_retention(
    transactions: pd.DataFrame,
    *,
    freq: Frequency = "M",
    observation_end: DateLike | None = None,
    values: Literal["share", "count"] = "share",
    columns: Columns | None = None,
) -> pd.DataFrame:
    """Cohort-by-period retention matrix.

    A customer's cohort is the calendar period (week, month or quarter) of their first order
    in the log; cell ``(c, k)`` is the share (or count) of cohort ``c`` with an order in the
    ``k``-th period after it (``k = 0`` is the cohort period itself, always 1.0 as a share).

    Parameters
    ----------
    transactions : DataFrame
        The order log (names set by ``columns``).
    freq : {"W", "M", "Q"}, default "M"
        Calendar period: weeks (Monday to Sunday), months or quarters.
    observation_end : date-like, optional
        Last day of data. Orders after it are ignored; periods after its period are beyond
        the data. Default: the last order. The last period may be partial: compare it with
        care.
    values : {"share", "count"}, default "share"
        Share of the cohort, or number of customers active.
    columns : Columns, optional
        Names of the customer id, date and amount columns.

    Returns
    -------
    DataFrame
        Indexed by cohort (``PeriodIndex`` named ``cohort``), one column per period offset
        (``0, 1, ...``, columns named ``period``). Cells beyond the end of the data are
        **missing (NaN), not 0**: no observation is not no retention. Periods in which no
        customer made a first order have no row.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import cohort_retention
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 1, 3, 2], "amount": 9.0,
    ...     "date": ["2024-01-05", "2024-01-20", "2024-02-02", "2024-02-10", "2024-03-01"]})
    >>> cohort_retention(tx)
    period     0    1    2
    cohort
    2024-01  1.0  0.5  0.5
    2024-02  1.0  0.0  NaN
    """
    check_choice(freq, "freq", ("W", "M", "Q"))
    check_choice(values, "values", ("share", "count"))
    tx = validate_transactions(transactions, columns)
    window = day_window(tx, None, observation_end)
    keep = tx.days <= window.last
    # Period of every calendar day from the first order to the end, looked up per row (a
    # hash-based np.unique over millions of rows is much slower).
    calendar = np.arange(window.first, window.last + 1).astype("datetime64[D]")
    ordinals = pd.PeriodIndex(calendar, freq=freq).asi8
    period = ordinals[tx.days[keep] - window.first]
    last_period = int(ordinals[-1])
    codes, _ = pd.factorize(tx.ids[keep])
    first = np.full(int(codes.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, period)
    cohort_min = int(first.min())
    n_cohorts = last_period - cohort_min + 1
    age = period - first[codes]
    pairs = np.sort(codes.astype(np.int64) * n_cohorts + age)
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    pair_code = pairs // n_cohorts
    cell = (first[pair_code] - cohort_min) * n_cohorts + pairs % n_cohorts
    counts = np.bincount(cell, minlength=n_cohorts * n_cohorts).reshape(n_cohorts, n_cohorts)
    matrix = counts.astype(np.float64)
    if values == "share":
        matrix = matrix / np.maximum(matrix[:, :1], 1.0)
    offsets = np.arange(n_cohorts)
    matrix[offsets[:, None] + offsets[None, :] > n_cohorts - 1] = np.nan
    start = pd.Period(ordinal=cohort_min, freq=freq)
    index = pd.period_range(start, periods=n_cohorts, freq=freq, name="cohort")
    frame = pd.DataFrame(matrix, index=index, columns=pd.RangeIndex(n_cohorts, name="period"))
    return frame[counts[:, 0] > 0]
