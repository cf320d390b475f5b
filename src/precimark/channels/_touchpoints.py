"""Validation of a touchpoint log: the checks and wording of the transaction log's, for touches."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._validation import _nanoseconds, check_columns, check_frame, fail, fail_rows
from precimark.schema import TouchpointColumns

INTERACTIONS = ("impression", "click")
"""Values of the optional interaction column."""


class Touchpoints(NamedTuple):
    """A validated touchpoint log as arrays (no copy of the caller's frame)."""

    ids: npt.NDArray[Any]
    times: npt.NDArray[np.int64]
    """Nanoseconds since 1970-01-01 (wall clock; a timezone is dropped)."""
    channels: npt.NDArray[np.int64]
    """Code of each row's channel in ``names``."""
    names: npt.NDArray[np.object_]
    """Channel names, sorted."""
    campaigns: npt.NDArray[Any] | None
    costs: npt.NDArray[np.float64] | None
    clicks: npt.NDArray[np.bool_] | None


def check_columns_argument(columns: object) -> TouchpointColumns:
    """Return ``columns`` (default :class:`TouchpointColumns`), refusing another type."""
    cols = columns if columns is not None else TouchpointColumns()
    if not isinstance(cols, TouchpointColumns):
        raise fail(
            "argument 'columns'", f"a {type(cols).__name__}", "a precimark.schema.TouchpointColumns"
        )
    return cols


def timestamps(
    series: pd.Series[Any], column: str, ids: npt.NDArray[Any], date_format: str | None
) -> npt.NDArray[np.int64]:
    """Parse a timestamp column to nanoseconds, refusing numbers, NaT and ambiguous strings."""
    return _nanoseconds(series, column, ids, date_format, what="timestamp", on="touch")


def customer_ids(frame: pd.DataFrame, column: str, what: str) -> npt.NDArray[Any]:
    """Return the id column as an array, refusing missing ids."""
    series = frame[column]
    missing = series.isna().to_numpy()
    if missing.any():
        count = int(missing.sum())
        raise fail(
            f"column '{column}'",
            f"{count} missing customer id{'s' if count > 1 else ''} (first at row "
            f"{int(np.argmax(missing))})",
            f"an id on every {what}",
            "Drop anonymous rows first (they cannot be joined to a customer).",
        )
    return series.to_numpy()


def validate_touchpoints(
    touchpoints: object,
    columns: TouchpointColumns | None,
    *,
    name: str = "touchpoints",
    date_format: str | None = None,
) -> Touchpoints:
    """Check a touchpoint log and return its columns as arrays.

    Checks: a non-empty DataFrame; customer id, timestamp and channel present; no missing id,
    timestamp or channel; channels strings; the optional cost numeric, finite and >= 0; the
    optional interaction ``"impression"`` or ``"click"``.
    """
    cols = check_columns_argument(columns)
    frame = check_frame(touchpoints, name)
    check_columns(frame, (cols.customer_id, cols.timestamp, cols.channel), name)
    ids = customer_ids(frame, cols.customer_id, "touchpoint")
    times = timestamps(frame[cols.timestamp], cols.timestamp, ids, date_format)
    raw = frame[cols.channel]
    missing = raw.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            f"column '{cols.channel}'", missing, ids, "missing channel", "a channel on every touch"
        )
    codes, uniques = pd.factorize(raw, sort=True)
    names = np.asarray(uniques, dtype=object)
    not_text = np.array([not isinstance(v, str) or not v for v in names])
    if not_text.any():
        raise fail_rows(
            f"column '{cols.channel}'",
            not_text[codes],
            ids,
            "channel that is not a non-empty string",
            "channel names such as 'search' or 'email'",
        )
    campaigns = frame[cols.campaign].to_numpy() if cols.campaign in frame.columns else None
    costs = None
    if cols.cost in frame.columns:
        costs = _costs(frame[cols.cost], cols.cost, ids)
    clicks = None
    if cols.interaction in frame.columns:
        values = frame[cols.interaction]
        bad = ~values.isin(INTERACTIONS).to_numpy()
        if bad.any():
            raise fail_rows(
                f"column '{cols.interaction}'",
                bad,
                ids,
                "interaction that is neither 'impression' nor 'click'",
                "'impression' or 'click' on every touch",
                plural="interactions that are neither 'impression' nor 'click'",
            )
        clicks = (values == "click").to_numpy(dtype=bool)
    return Touchpoints(ids, times, codes.astype(np.int64), names, campaigns, costs, clicks)


def _costs(series: pd.Series[Any], column: str, ids: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    where = f"column '{column}'"
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise fail(
            where,
            f"values of dtype {series.dtype}",
            "numeric costs",
            "Convert with pd.to_numeric(...) first.",
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    for mask, what, expected in (
        (np.isnan(values), "missing cost (NaN)", "a cost on every touch (0 for a free one)"),
        (np.isinf(values), "infinite cost", "finite costs"),
        (values < 0, "negative cost", "costs >= 0"),
    ):
        if mask.any():
            raise fail_rows(where, mask, ids, what, expected)
    return values
