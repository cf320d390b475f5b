"""Every input check precimark makes, with one wording for every message.

A failed check raises :class:`~precimark.exceptions.DataValidationError` whose message reads::

    column 'amount': 3 negative values (first customer: 17); expected amounts >= 0. <fix>

i.e. where (column or argument), what was found (count and first offending customer id), what
was expected, and how to fix it where there is an obvious fix. No check modifies its input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import DateLike, TimeUnit
from precimark.exceptions import DataValidationError
from precimark.schema import FREQUENCY, MONETARY_VALUE, RECENCY, Columns, T

__all__ = [
    "Transactions",
    "check_choice",
    "check_columns",
    "check_frame",
    "check_time_unit",
    "check_unique_index",
    "fail",
    "fail_rows",
    "to_day",
    "validate_rfm",
    "validate_transactions",
]

_DAY = np.timedelta64(1, "D")


def fail(where: str, found: str, expected: str, fix: str | None = None) -> DataValidationError:
    """Build the :class:`DataValidationError` for one failed check (the caller raises it)."""
    message = f"{where}: {found}; expected {expected}."
    if fix:
        message += f" {fix}"
    return DataValidationError(message)


def fail_rows(
    where: str,
    mask: npt.NDArray[np.bool_],
    ids: npt.ArrayLike,
    what: str,
    expected: str,
    fix: str | None = None,
) -> DataValidationError:
    """Build the error for rows flagged by ``mask``, naming their count and first customer."""
    count = int(np.count_nonzero(mask))
    first = np.asarray(ids)[int(np.argmax(mask))]
    plural = what if count == 1 else _plural(what)
    return fail(where, f"{count} {plural} (first customer: {first})", expected, fix)


def _plural(what: str) -> str:
    head, _, tail = what.partition(" (")
    head = head if head.endswith("s") else head + "s"
    return f"{head} ({tail}" if tail else head


def check_frame(obj: object, name: str) -> pd.DataFrame:
    """Return ``obj`` if it is a non-empty DataFrame, else raise."""
    if not isinstance(obj, pd.DataFrame):
        raise fail(f"argument '{name}'", f"a {type(obj).__name__}", "a pandas DataFrame")
    if len(obj) == 0:
        raise fail(f"argument '{name}'", "an empty frame (0 rows)", "at least one row")
    return obj


def check_columns(frame: pd.DataFrame, required: Iterable[str], name: str) -> None:
    """Raise if any of ``required`` is not a column of ``frame``."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        have = ", ".join(repr(c) for c in list(frame.columns)[:10])
        raise fail(
            f"argument '{name}'",
            f"missing column{'s' if len(missing) > 1 else ''} "
            + ", ".join(repr(c) for c in missing)
            + f" (columns present: {have})",
            "the columns named by `columns=`",
            "Rename the columns or pass precimark.Columns(...) with your names.",
        )


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> None:
    """Raise if ``value`` is not one of ``choices``."""
    options = tuple(choices)
    if value not in options:
        raise fail(f"argument '{name}'", repr(value), "one of " + ", ".join(map(repr, options)))


def check_time_unit(time_unit: object) -> TimeUnit:
    """Validate a time unit (``"D"`` or ``"W"``)."""
    check_choice(time_unit, "time_unit", ("D", "W"))
    return cast("TimeUnit", time_unit)


def check_unique_index(frame: pd.DataFrame, name: str) -> None:
    """Raise if a frame that must hold one row per customer repeats a customer id."""
    duplicated = frame.index.duplicated()
    if duplicated.any():
        raise fail_rows(
            f"argument '{name}' index",
            duplicated,
            frame.index,
            "duplicated customer id",
            "one row per customer",
            "Aggregate to one row per customer first.",
        )


def to_day(value: DateLike, name: str) -> np.datetime64:
    """Convert a date argument to a calendar day (``datetime64[D]``), dropping any timezone."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise fail(f"argument '{name}'", repr(value), "a date or timestamp") from err
    if pd.isna(stamp):
        raise fail(f"argument '{name}'", "a missing date (NaT)", "a date or timestamp")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return np.datetime64(stamp.date(), "D")


class Transactions(NamedTuple):
    """A validated transaction log as plain arrays (no copy of the caller's frame)."""

    ids: npt.NDArray[Any]
    """Customer id of each row."""
    days: npt.NDArray[np.int64]
    """Calendar day of each row, as days since 1970-01-01 (local wall-clock date)."""
    amounts: npt.NDArray[np.float64]
    """Amount of each row."""


def validate_transactions(
    transactions: object,
    columns: Columns | None,
    *,
    name: str = "transactions",
    date_format: str | None = None,
) -> Transactions:
    """Check a transaction log and return its columns as arrays.

    Checks: a non-empty DataFrame; the three columns present; no missing customer id; dates
    parseable, not missing, not a mix of timezone-aware and naive values; amounts numeric,
    finite and not negative (zero is a valid, free order).
    """
    cols = columns if columns is not None else Columns()
    if not isinstance(cols, Columns):
        raise fail("argument 'columns'", f"a {type(cols).__name__}", "a precimark.Columns")
    frame = check_frame(transactions, name)
    check_columns(frame, (cols.customer_id, cols.date, cols.amount), name)
    id_series = frame[cols.customer_id]
    ids = id_series.to_numpy()
    missing = id_series.isna().to_numpy()
    if missing.any():
        count = int(missing.sum())
        raise fail(
            f"column '{cols.customer_id}'",
            f"{count} missing customer id{'s' if count > 1 else ''} (first at row "
            f"{int(np.argmax(missing))})",
            "an id on every transaction",
            "Drop or attribute anonymous orders first.",
        )
    days = _day_numbers(frame[cols.date], cols.date, ids, date_format)
    amounts = _amounts(frame[cols.amount], cols.amount, ids)
    return Transactions(ids=ids, days=days, amounts=amounts)


def _day_numbers(
    series: pd.Series[Any], column: str, ids: npt.NDArray[Any], date_format: str | None = None
) -> npt.NDArray[np.int64]:
    where = f"column '{column}'"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(series.dtype):
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            raise fail(
                where,
                f"numbers of dtype {series.dtype}",
                "datetime64 values or date strings",
                "Convert with pd.to_datetime(..., format=...) first.",
            )
        series = _parse_dates(series, where, ids, date_format)
    values = series.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(values)
    if missing.any():
        raise fail_rows(where, missing, ids, "missing date (NaT)", "a date on every transaction")
    return values.astype("datetime64[D]").astype(np.int64)


def _parse_dates(
    series: pd.Series[Any], where: str, ids: npt.NDArray[Any], date_format: str | None = None
) -> pd.Series[Any]:
    present = series.notna().to_numpy()
    aware = np.array([getattr(v, "tzinfo", None) is not None for v in series.to_numpy()])
    if aware.any() and not aware[present].all():
        raise fail_rows(
            where,
            ~aware & present,
            ids,
            "timezone-naive date among timezone-aware ones",
            "all dates naive or all timezone-aware",
            "Localise the naive dates (Series.dt.tz_localize) first.",
        )
    if aware.any():
        series = series.map(lambda v: pd.Timestamp(v).tz_localize(None), na_action="ignore")
    parsed = pd.to_datetime(series, errors="coerce", format=date_format or "mixed")
    bad = parsed.isna().to_numpy() & present
    if bad.any():
        first = series.to_numpy()[int(np.argmax(bad))]
        raise fail_rows(
            where,
            bad,
            ids,
            f"unparseable date (first value: {first!r})",
            "datetime64 values or date strings",
            "Convert with pd.to_datetime(..., format=...) first.",
        )
    return parsed


def _amounts(series: pd.Series[Any], column: str, ids: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    where = f"column '{column}'"
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise fail(
            where,
            f"values of dtype {series.dtype}",
            "numeric amounts",
            "Convert with pd.to_numeric(...) (strip currency symbols and thousands separators).",
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    if missing.any():
        raise fail_rows(where, missing, ids, "missing amount (NaN)", "an amount on every row")
    infinite = np.isinf(values)
    if infinite.any():
        raise fail_rows(where, infinite, ids, "infinite amount", "finite amounts")
    negative = values < 0
    if negative.any():
        raise fail_rows(
            where,
            negative,
            ids,
            "negative value",
            "amounts >= 0",
            "Refunds are not purchases: net each refund against its original order (or drop "
            "fully refunded orders) before summarising.",
        )
    return values


def validate_rfm(
    rfm: object,
    *,
    name: str = "rfm",
    require_monetary: bool = False,
) -> pd.DataFrame:
    """Check an RFM summary frame (as made by :func:`precimark.rfm_summary`).

    ``frequency`` must be a whole number >= 0, ``0 <= recency <= T``, ``T > 0`` (or >= 0),
    ``recency == 0`` when ``frequency == 0``, all finite; ``monetary_value`` >= 0 when required.
    """
    frame = check_frame(rfm, name)
    required = [FREQUENCY, RECENCY, T] + ([MONETARY_VALUE] if require_monetary else [])
    check_columns(frame, required, name)
    ids = frame.index
    values: dict[str, npt.NDArray[np.float64]] = {}
    for column in required:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(
            series.dtype
        ):
            raise fail(f"column '{column}'", f"values of dtype {series.dtype}", "numbers")
        arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(arr)
        if bad.any():
            raise fail_rows(
                f"column '{column}'", bad, ids, "missing or infinite value", "finite numbers"
            )
        negative = arr < 0
        if negative.any():
            raise fail_rows(f"column '{column}'", negative, ids, "negative value", "values >= 0")
        values[column] = arr
    freq, rec, t = values[FREQUENCY], values[RECENCY], values[T]
    checks: list[tuple[str, npt.NDArray[np.bool_], str, str]] = [
        (
            FREQUENCY,
            freq != np.round(freq),
            "non-integer frequency",
            "whole numbers of repeat purchases",
        ),
        (RECENCY, rec > t * (1 + 1e-12), f"recency greater than {T}", f"recency <= {T}"),
        (
            RECENCY,
            (freq == 0) & (rec != 0),
            "non-zero recency with frequency 0",
            "recency 0 when frequency is 0",
        ),
    ]
    for column, mask, what, expected in checks:
        if mask.any():
            raise fail_rows(f"column '{column}'", mask, ids, what, expected)
    check_unique_index(frame, name)
    return frame
