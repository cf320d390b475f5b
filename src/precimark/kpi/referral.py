"""Referral KPIs from a customer table: who came through a referral, who referred someone."""

from __future__ import annotations

from typing import Any

import pandas as pd

from precimark._deprecation import deprecated_alias
from precimark._validation import check_columns, check_frame, check_unique_index, fail_rows
from precimark.kpi.estimates import Estimate
from precimark.kpi.intervals import proportion

__all__ = ["referral_rate", "referrer_rate"]


def _column(customers: object, column: str) -> tuple[pd.DataFrame, pd.Series[Any]]:
    frame = check_frame(customers, "customers")
    check_columns(frame, [column], "customers")
    check_unique_index(frame, "customers")
    return frame, frame[column]


@deprecated_alias(channel_col="channel_column")
def referral_rate(
    customers: pd.DataFrame,
    *,
    channel_column: str,
    referral_value: object = "referral",
    confidence: float = 0.95,
) -> Estimate:
    """Share of customers acquired through a referral.

    Parameters
    ----------
    customers : DataFrame
        One row per customer (indexed by customer id) with the acquisition channel.
    channel_column : str
        Column holding each customer's acquisition channel. Missing values are an error:
        fill them (e.g. with ``"unknown"``) so that the denominator is explicit.
    referral_value : object, default "referral"
        The value of ``channel_column`` that means "referred by another customer".
    confidence : float, default 0.95
        Confidence level.

    Other Parameters
    ----------------
    channel_col : str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``channel_column``.

    Returns
    -------
    Estimate
        A proportion with the Wilson interval over all customers in the table.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import referral_rate
    >>> customers = pd.DataFrame({"channel": ["ads", "referral", "seo", "referral"]})
    >>> referral_rate(customers, channel_column="channel").value
    0.5
    """
    frame, channel = _column(customers, channel_column)
    missing = channel.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            f"column '{channel_column}'",
            missing,
            frame.index,
            "missing channel",
            "a channel for every customer",
            "Fill unknown channels explicitly, e.g. .fillna('unknown').",
        )
    referred = int((channel == referral_value).sum())
    return proportion(referred, len(frame), confidence=confidence)


@deprecated_alias(referred_by_col="referred_by_column")
def referrer_rate(
    customers: pd.DataFrame,
    *,
    referred_by_column: str,
    confidence: float = 0.95,
) -> Estimate:
    """Share of customers who referred at least one other customer.

    Parameters
    ----------
    customers : DataFrame
        One row per customer, indexed by customer id.
    referred_by_column : str
        Column holding, for referred customers, the id of the customer who referred them
        (missing for the others).
    confidence : float, default 0.95
        Confidence level.

    Other Parameters
    ----------------
    referred_by_col : str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``referred_by_column``.

    Returns
    -------
    Estimate
        A proportion with the Wilson interval: customers of the table whose id appears in
        ``referred_by_column``, over all customers of the table. Referrers outside the table
        are not counted.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import referrer_rate
    >>> customers = pd.DataFrame({"referred_by": [None, 1, 1, 2]}, index=[1, 2, 3, 4])
    >>> referrer_rate(customers, referred_by_column="referred_by").value
    0.5
    """
    frame, referred_by = _column(customers, referred_by_column)
    referrers = pd.unique(referred_by.dropna())
    count = int(frame.index.isin(referrers).sum())
    return proportion(count, len(frame), confidence=confidence)
