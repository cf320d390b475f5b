"""Channel preference per customer: which marketing channels reach each customer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from precimark.channels._touchpoints import validate_touchpoints
from precimark.privacy._gate import record_usage, resolve_consent
from precimark.schema import TouchpointColumns

__all__ = ["PREFERRED_TOUCH_CHANNEL", "TOUCHES", "channel_preference"]

TOUCHES = "touches"
"""Number of touches of a customer (:func:`channel_preference`)."""
PREFERRED_TOUCH_CHANNEL = "preferred_touch_channel"
"""The channel with the customer's largest share of touches (clicks, when recorded)."""


def channel_preference(
    touchpoints: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    consent: object = None,
    columns: TouchpointColumns | None = None,
) -> pd.DataFrame:
    """Each customer's share of touches per channel and preferred channel.

    When the log records interactions, the shares are of clicks (what the customer chose to
    act on) for customers with a click, else of all touches.

    Parameters
    ----------
    touchpoints : DataFrame
        The touchpoint log.
    customers : DataFrame, optional
        Roster indexed by customer id, with the marketing consent column.
    consent : str, ConsentPolicy, False or None, default None
        Marketing consent, as everywhere: customers without it are left out.
    columns : TouchpointColumns, optional
        Column names of ``touchpoints``.

    Returns
    -------
    DataFrame
        Indexed by customer id (sorted): ``touches``, ``touch_share_<channel>`` for every
        channel (sorted) and ``preferred_touch_channel`` (largest share; ties go to the first
        name in sorted order).

    Raises
    ------
    DataValidationError
        For an invalid touchpoint log or consent.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark import channels
    >>> touches = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                         "timestamp": pd.to_datetime(["2024-03-01"] * 4),
    ...                         "channel": ["email", "search", "search", "social"]})
    >>> channels.channel_preference(touches)["preferred_touch_channel"].tolist()
    ['search', 'social']
    """
    cols = columns if columns is not None else TouchpointColumns()
    tp = validate_touchpoints(touchpoints, cols)
    gate = resolve_consent(customers, "marketing", consent, used_by="channel_preference")
    keep = gate.mask(pd.Index(tp.ids))
    codes, ids = pd.factorize(tp.ids[keep], sort=True)
    channel = tp.channels[keep]
    k = len(tp.names)
    counts = np.bincount(codes * k + channel, minlength=len(ids) * k).reshape(len(ids), k)
    basis = counts.astype(np.float64)
    if tp.clicks is not None:
        clicked = tp.clicks[keep]
        clicks = np.bincount(codes[clicked] * k + channel[clicked], minlength=len(ids) * k).reshape(
            len(ids), k
        )
        has_click = clicks.sum(axis=1) > 0
        basis[has_click] = clicks[has_click]
    shares = basis / basis.sum(axis=1, keepdims=True)
    result = pd.DataFrame(
        shares,
        index=pd.Index(ids, name=cols.customer_id),
        columns=[f"touch_share_{n}" for n in tp.names],
    )
    result.insert(0, TOUCHES, counts.sum(axis=1))
    result[PREFERRED_TOUCH_CHANNEL] = tp.names[np.argmax(shares, axis=1)]
    return record_usage(result, gate.data_usage)
