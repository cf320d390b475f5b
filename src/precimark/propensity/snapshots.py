"""Leak-free training data for purchase propensity: one row per customer and cutoff.

A snapshot at a cutoff describes each customer with what was known at the end of the cutoff
day only (purchases on or before it, customer attributes as of it) and labels them with what
happened afterwards (a purchase in ``(cutoff + gap, cutoff + gap + horizon]``). Features never
look past the cutoff, so a model trained on earlier cutoffs can be tested honestly on a later one.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._deprecation import deprecated_alias
from precimark._typing import DateLike
from precimark._validation import (
    check_columns,
    check_frame,
    check_unique_index,
    fail,
    fail_rows,
    refuse_overflow,
    to_day,
    to_days,
    validate_transactions,
)
from precimark.exceptions import DataQualityWarning
from precimark.privacy import ConsentLike, DataUse
from precimark.privacy._gate import record_usage, resolve_consent
from precimark.profiling.rfm import _day_totals
from precimark.schema import (
    CUTOFF,
    DAYS_SINCE_LAST,
    FREQUENCY,
    LABEL,
    MONETARY_VALUE,
    N_PURCHASES,
    RECENCY,
    TOTAL_SPEND,
    Columns,
    T,
)

__all__ = ["CUTOFF", "LABEL", "SNAPSHOT_FEATURES", "make_snapshots", "to_days"]

SNAPSHOT_FEATURES: tuple[str, ...] = (
    FREQUENCY,
    RECENCY,
    T,
    MONETARY_VALUE,
    N_PURCHASES,
    TOTAL_SPEND,
    DAYS_SINCE_LAST,
)
"""Behavioural feature columns of :func:`make_snapshots`, in order (days as the time unit)."""


def _cutoff_days(cutoffs: object) -> npt.NDArray[np.int64]:
    if isinstance(cutoffs, str | pd.Timestamp | np.datetime64) or not isinstance(
        cutoffs, Sequence | pd.Index | pd.Series | np.ndarray
    ):
        cutoffs = [cutoffs]
    values = [int(to_day(c, "cutoffs").astype(np.int64)) for c in cutoffs]  # type: ignore[arg-type]
    if not values:
        raise fail("argument 'cutoffs'", "no cutoff", "at least one date")
    days = np.asarray(values, dtype=np.int64)
    if len(np.unique(days)) != len(days):
        raise fail("argument 'cutoffs'", "a repeated date", "distinct cutoff dates")
    return np.sort(days)


def _day(day: int) -> str:
    return str(np.datetime64(day, "D"))


def _roster(
    customers: object, as_of: str | None, attributes: Sequence[str], date_format: str | None
) -> tuple[pd.DataFrame, npt.NDArray[np.int64] | None]:
    """Validate the roster; return it (sorted by ``as_of``) and its ``as_of`` days."""
    frame = check_frame(customers, "customers")
    check_columns(frame, [*attributes, *([as_of] if as_of is not None else [])], "customers")
    for column in attributes:
        series = frame[column]
        if not (pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series)):
            raise fail(
                f"column '{column}'",
                f"values of dtype {series.dtype}",
                "numeric or boolean attributes",
                "Encode categories as numbers (e.g. one-hot) first.",
            )
        missing = series.isna().to_numpy()
        if missing.any():
            raise fail_rows(
                f"column '{column}'", missing, frame.index, "missing value", "a value per row"
            )
    if as_of is None:
        check_unique_index(frame, "customers")
        return frame, None
    dates = pd.to_datetime(frame[as_of], errors="coerce", format=date_format)
    bad = dates.isna().to_numpy()
    if bad.any():
        raise fail_rows(
            f"column '{as_of}'", bad, frame.index, "missing or unparseable date", "a date per row"
        )
    days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    repeated = pd.MultiIndex.from_arrays([frame.index, days]).duplicated()
    if repeated.any():
        raise fail_rows(
            f"column '{as_of}'",
            repeated,
            frame.index,
            "customer with two rows for the same day",
            "at most one row per customer and day",
        )
    order = np.lexsort((days,))
    return frame.iloc[order], days[order]


def _as_of(
    roster: pd.DataFrame, roster_days: npt.NDArray[np.int64] | None, cutoff: int
) -> pd.DataFrame:
    """Each customer's latest roster row applying on ``cutoff`` (rows from later days unseen)."""
    if roster_days is None:
        return roster
    applying = roster.iloc[: int(np.searchsorted(roster_days, cutoff, side="right"))]
    return applying[~applying.index.duplicated(keep="last")]


@deprecated_alias(as_of="as_of_column", attributes="attribute_columns")
def make_snapshots(
    transactions: pd.DataFrame,
    *,
    cutoffs: DateLike | Sequence[DateLike],
    horizon: int | pd.Timedelta | str,
    customers: pd.DataFrame | None = None,
    lookback: int | pd.Timedelta | str | None = None,
    gap: int | pd.Timedelta | str | None = None,
    columns: Columns | None = None,
    observation_end: DateLike | None = None,
    labels: bool = True,
    attribute_columns: Sequence[str] = (),
    as_of_column: str | None = None,
    consent: ConsentLike | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Build leak-free propensity training (or scoring) rows, one per customer and cutoff.

    For each cutoff ``c`` (a calendar day, inclusive), every feature is computed from
    purchases on or before ``c`` only, and ``label`` is 1 if the customer buys in
    ``(c + gap, c + gap + horizon]``, 0 otherwise. Changing or deleting any purchase after
    ``c`` cannot change ``c``'s features.

    A customer enters the population at ``c`` only once acquired. Without a roster, the
    population is every customer whose first purchase is on or before ``c``. With a roster
    ``customers``, it is the roster's customers acquired by ``c``: those whose ``as_of_column``
    date is on or before ``c`` when ``as_of_column`` (the acquisition or signup date) is given, so
    prospects who have not bought yet are included (features 0); otherwise those whose first
    purchase is on or before ``c`` (a :class:`~precimark.DataQualityWarning` says how many
    roster customers were left out and how to include prospects). Counting customers who were
    not acquired yet would label everyone who first buys in the label window 1 and teach a
    model that customers without history buy for sure. Purchases by customers not on the
    roster are ignored.

    Behavioural features (:data:`SNAPSHOT_FEATURES`, days as the unit, purchases on the same
    day merged, as in :func:`precimark.rfm_summary` with ``observation_end=c``) use purchases
    in ``(c - lookback, c]``: ``frequency`` (repeat purchase days), ``recency`` (first to last
    purchase day), ``T`` (first purchase day to ``c``), ``monetary_value`` (mean repeat-day
    spend), ``n_purchases`` (purchase days), ``total_spend`` and ``days_since_last`` (last
    purchase day to ``c``). A customer without a purchase in that window has ``n_purchases``
    0 and every other behavioural feature 0.

    Parameters
    ----------
    transactions : DataFrame
        The transaction log (customer id, date, amount; names set by ``columns``). Not modified.
    cutoffs : date-like or sequence of date-likes
        The snapshot days.
    horizon : int, Timedelta or str
        Length of the label window: a length of time, as a number of days (``90``) or a
        fixed duration (``"90D"``, ``"13W"``, ``pd.Timedelta(days=90)``); whole days.
    customers : DataFrame, optional
        Customer roster indexed by customer id: the population, the source of
        ``attribute_columns`` and of consent. With ``as_of_column``, it may hold several rows
        per customer (an attribute
        history); each cutoff then sees each customer's latest row dated on or before it.
    lookback : int, Timedelta or str, optional
        Only purchases in the last ``lookback`` (a length of time, as ``horizon``) up to the
        cutoff feed the features. Default: the whole history.
    gap : int, Timedelta or str, optional
        Length of time between the cutoff and the start of the label window (e.g. the time
        needed to act on a score), as ``horizon``. Default 0.
    columns : Columns, optional
        Names of the customer id, date and amount columns.
    observation_end : date-like, optional
        Last day of the data (inclusive). Default: the date of the last transaction.
    labels : bool, default True
        Add the ``label`` column. A cutoff whose label window ends after ``observation_end``
        is refused. With ``labels=False`` the rows are for scoring: no label, any cutoff.
    attribute_columns : sequence of str, default ()
        Numeric or boolean columns of ``customers`` to add as features (as of the cutoff).
    as_of_column : str, optional
        Date column of ``customers`` from which each row applies; a customer's first row's
        date is their acquisition (e.g. a signup date).
    consent : str, ConsentPolicy or False, optional
        With a roster, keep only customers whose *current* (latest) roster row grants the
        ``"marketing"`` consent (:func:`precimark.privacy.require_consent`). Default (None):
        the default policy, column ``consent_marketing``; a roster without it is an error.
        ``False`` skips the check (the caller vouches for a lawful basis). Without a roster
        there is nothing to check. Whichever applies is recorded in
        ``result.attrs["data_usage"]`` (see :func:`precimark.privacy.data_usage_report`).
    date_format : str, optional
        strftime format of the date strings (transaction dates and the roster's acquisition
        dates), e.g. ``"%d/%m/%Y"``; needed for day/month strings such as ``"08/03/2024"``,
        which are refused without it. Not needed for datetime values.

    Other Parameters
    ----------------
    as_of, attributes : str, sequence of str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``as_of_column`` and
        ``attribute_columns``.

    Returns
    -------
    DataFrame
        Indexed by (customer id, ``cutoff``), sorted by cutoff then customer id: the features
        of :data:`SNAPSHOT_FEATURES` (floats), then ``attribute_columns``, then ``label`` (int, when
        ``labels``). ``X = frame.drop(columns="label")`` is a valid model input.
        ``attrs["data_usage"]`` records the columns read and the consent check.

    Raises
    ------
    DataValidationError
        On an invalid log or roster, a roster without the consent column, a label window past
        the end of the data, or a cutoff with nobody in its population.

    Warns
    -----
    DataQualityWarning
        With a roster and no ``as_of_column``, when roster customers are left out of a cutoff
        because they had not bought by then.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.propensity import make_snapshots
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, 1],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-05", "2024-02-15"]),
    ...     "amount": [10.0, 20.0, 5.0, 7.0],
    ... })
    >>> snap = make_snapshots(
    ...     tx, cutoffs="2024-01-31", horizon=30, observation_end="2024-03-31"
    ... )
    >>> snap[["frequency", "recency", "T", "days_since_last", "label"]]
                            frequency  recency     T  days_since_last  label
    customer_id cutoff
    1           2024-01-31        1.0      9.0  30.0             21.0      1
    2           2024-01-31        0.0      0.0  26.0             26.0      0
    """
    cols = columns if columns is not None else Columns()
    tx = validate_transactions(transactions, cols, date_format=date_format)
    cutoff_days = _cutoff_days(cutoffs)
    horizon_days = to_days(horizon, "horizon", minimum=1)
    gap_days = 0 if gap is None else to_days(gap, "gap", minimum=0)
    lookback_days = None if lookback is None else to_days(lookback, "lookback", minimum=1)
    attributes = list(attribute_columns)
    as_of = as_of_column
    if (attributes or as_of is not None) and customers is None:
        raise fail(
            "argument 'customers'",
            "None",
            "a customer roster when attribute_columns or as_of_column is given",
        )
    if labels:
        end = (
            int(tx.days.max())
            if observation_end is None
            else int(to_day(observation_end, "observation_end").astype(np.int64))
        )
        late = cutoff_days + gap_days + horizon_days > end
        if late.any():
            first = int(cutoff_days[np.argmax(late)])
            raise fail(
                "argument 'cutoffs'",
                f"{int(late.sum())} cutoff(s) whose label window ends after the end of the "
                f"data {_day(end)} (first: {_day(first)}, window ends "
                f"{_day(first + gap_days + horizon_days)})",
                "cutoff + gap + horizon <= observation_end",
                "Use earlier cutoffs, or pass labels=False to build unlabelled rows for scoring.",
            )

    # Day totals, sorted by (customer, day): purchases on one day are one purchase (the
    # kernel shared with rfm_summary: same merging, independent of the row order).
    where = f"column '{cols.amount}'"
    totals = _day_totals(tx, int(tx.days.max()), where)
    ids = totals.ids(totals.code)
    days = totals.day
    amounts = totals.total
    births = pd.Series(days, index=ids).groupby(level=0, sort=False).min()

    roster: pd.DataFrame | None = None
    roster_days: npt.NDArray[np.int64] | None = None
    current: pd.DataFrame | None = None
    if customers is not None:
        roster, roster_days = _roster(customers, as_of, attributes, date_format)
        if not births.index.isin(roster.index).any():
            raise fail(
                "argument 'customers' index",
                f"no customer id in common with the transactions (roster ids like "
                f"{roster.index[0]!r}, transaction ids like {births.index[0]!r})",
                "the roster indexed by the transactions' customer ids",
                "Set the roster's index to the customer id column, with the same dtype.",
            )
        current = roster[~roster.index.duplicated(keep="last")]
    gate = resolve_consent(current, "marketing", consent, used_by="make_snapshots")

    frames = []
    not_acquired: dict[int, int] = {}
    for cutoff in cutoff_days:
        c = int(cutoff)
        if roster is not None:
            applying = _as_of(roster, roster_days, c)
            population = applying.index
            if roster_days is None:  # acquired = first purchase on or before the cutoff
                bought = population.isin(births.index[births.to_numpy() <= c])
                if not bought.all():
                    not_acquired[c] = int((~bought).sum())
                population = population[bought]
        else:
            applying = None
            population = births.index[births.to_numpy() <= c]
        population = population[gate.mask(population)]
        if len(population) == 0:
            raise fail(
                "argument 'cutoffs'",
                f"nobody in the population on {_day(c)}",
                "cutoffs after the first purchase (or roster date)",
            )
        start = -np.inf if lookback_days is None else c - lookback_days
        window = (days <= c) & (days > start)
        features = _features(ids[window], days[window], amounts[window], c, where)
        frame = features.reindex(population, fill_value=0.0)
        if applying is not None and attributes:
            for column in attributes:
                frame[column] = applying[column].reindex(population).to_numpy()
        if labels:
            after = (days > c + gap_days) & (days <= c + gap_days + horizon_days)
            buyers = pd.Index(np.unique(ids[after]))
            frame[LABEL] = population.isin(buyers).astype(np.int64)
        frame.index = pd.MultiIndex.from_arrays(
            [population, np.full(len(population), np.datetime64(c, "D")).astype("datetime64[ns]")],
            names=[cols.customer_id, CUTOFF],
        )
        frames.append(frame.sort_index(level=0))
    if not_acquired:
        first = min(not_acquired)
        warnings.warn(
            f"{not_acquired[first]} roster customers were left out of the cutoff {_day(first)} "
            f"({len(not_acquired)} cutoff(s) in all): they had not bought by then, so they "
            "were not acquired yet. To include prospects, give the roster their acquisition "
            "(signup) date and pass as_of_column=<that column>.",
            DataQualityWarning,
            stacklevel=2,
        )
    result = pd.concat(frames)
    read = [cols.customer_id, cols.date, cols.amount, *attributes]
    read += [as_of] if as_of is not None else []
    uses = [DataUse(column, "marketing", "make_snapshots") for column in read]
    return record_usage(result, [*uses, *gate.data_usage])


def _features(
    ids: npt.NDArray[Any],
    days: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    c: int,
    where: str,
) -> pd.DataFrame:
    """Behavioural features from day totals sorted by (customer, day); ``where`` names amounts."""
    if len(ids) == 0:
        return pd.DataFrame(columns=list(SNAPSHOT_FEATURES), dtype=np.float64)
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    ends = np.concatenate((starts[1:], [len(ids)])) - 1
    n_purchases = (ends - starts + 1).astype(np.float64)
    frequency = n_purchases - 1.0
    with np.errstate(over="ignore"):
        total = np.add.reduceat(amounts, starts)
    refuse_overflow(total, where, ids[starts], "total spend")
    monetary = np.divide(
        total - amounts[starts],
        frequency,
        out=np.zeros(len(starts), dtype=np.float64),
        where=frequency > 0,
    )
    first, last = days[starts], days[ends]
    return pd.DataFrame(
        {
            FREQUENCY: frequency,
            RECENCY: (last - first).astype(np.float64),
            T: (c - first).astype(np.float64),
            MONETARY_VALUE: monetary,
            N_PURCHASES: n_purchases,
            TOTAL_SPEND: total,
            DAYS_SINCE_LAST: (c - last).astype(np.float64),
        },
        index=pd.Index(ids[starts]),
    )
