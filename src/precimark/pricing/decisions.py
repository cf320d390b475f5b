"""Decision records: plain-language explanations and export to a JSON decision log."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from precimark._display import DisplayText
from precimark._validation import check_columns, check_frame, fail
from precimark.pricing.engine import DECISION_COLUMNS, NO_CONSENT, _percent

__all__ = ["explain", "to_records"]


def to_records(decisions: pd.DataFrame) -> list[dict[str, Any]]:
    """Export decisions as JSON-safe records (a decision log), one dict per row.

    Parameters
    ----------
    decisions : DataFrame
        Output of :meth:`PricingPolicy.decide`.

    Returns
    -------
    list of dict
        Keys ``customer_id`` (the index) and every decision column; timestamps as ISO
        8601 strings, missing expiries as None. ``pd.DataFrame(records)`` gives a tidy frame.

    Examples
    --------
    >>> import json, pandas as pd
    >>> from precimark.pricing import ListPrice, PricingPolicy, to_records
    >>> customers = pd.DataFrame({"consent_personalised_pricing": [True]}, index=[7])
    >>> d = PricingPolicy([ListPrice()]).decide(customers, 20.0, at="2025-03-01")
    >>> record = to_records(d)[0]
    >>> record["customer_id"], record["final_price"], record["reason_codes"]
    (7, 20.0, 'list price')
    >>> json.loads(json.dumps(record))["decided_at"]
    '2025-03-01T00:00:00'
    """
    frame = check_frame(decisions, "decisions")
    check_columns(frame, DECISION_COLUMNS, "decisions")
    out = frame.loc[:, list(DECISION_COLUMNS)].reset_index(names="customer_id")
    columns: dict[str, list[Any]] = {}
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            columns[column] = [None if pd.isna(v) else v.isoformat() for v in series]
        else:
            columns[column] = [_plain(v) for v in series.astype(object).tolist()]
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def explain(decision: pd.Series[Any] | Mapping[str, Any] | pd.DataFrame) -> str:
    """Explain one decision in plain language, including what would change it.

    Parameters
    ----------
    decision : Series, mapping or one-row DataFrame
        One row of :meth:`PricingPolicy.decide` (or one record of :func:`to_records`).

    Returns
    -------
    str
        The explanation, one fact per line. In a notebook it displays as text (no
        ``print`` needed); ``print(explain(...))`` prints the same lines.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import ListPrice, LoyaltyTiers, PricingPolicy, Tier, explain
    >>> policy = PricingPolicy(
    ...     [LoyaltyTiers((Tier("Silver", 3, 0.05), Tier("Gold", 10, 0.1))), ListPrice()]
    ... )
    >>> customers = pd.DataFrame(
    ...     {"orders_365d": [7], "consent_personalised_pricing": [True]}, index=[42]
    ... )
    >>> print(explain(policy.decide(customers, 50.0, at="2025-01-01")))
    Customer 42 pays 47.50 for default (list price 50.00; 5% off the reference price 50.00)
    under policy 'pricing_policy' version 1.
    Why: 5% off; loyalty tier Silver.
    Personal data used: orders_365d.
    What would change it: 3 more orders within 365 days (tier Gold) → price 45.00.
    """
    row = _one_row(decision)
    customer = row.get("customer_id")
    lines = [
        f"Customer {customer} pays {row['final_price']:.2f} for {row['product']} "
        f"(list price {row['list_price']:.2f}; {_percent(row['announced_discount'])} off the "
        f"reference price {row['reference_price']:.2f})",
        f"under policy {row['policy']!r} version {row['policy_version']}.",
        f"Why: {row['reason_codes']}.",
    ]
    expiry = row.get("valid_until")
    if expiry is not None and not pd.isna(expiry):
        lines.append(f"Offer valid until {pd.Timestamp(expiry):%Y-%m-%d %H:%M}.")
    if row["reason_codes"] == NO_CONSENT:
        lines.append("No personal data used (no consent to personalised pricing).")
    elif row["personalised"]:
        lines.append(f"Personal data used: {row['features_used']}.")
    else:
        lines.append("No personal data used.")
    if row.get("what_would_change"):
        lines.append(f"What would change it: {row['what_would_change']}.")
    return DisplayText("\n".join(lines))


def _one_row(decision: object) -> dict[str, Any]:
    if isinstance(decision, pd.DataFrame):
        if len(decision) != 1:
            raise fail(
                "argument 'decision'",
                f"a frame of {len(decision)} rows",
                "one decision (a row, e.g. decisions.iloc[0])",
            )
        return to_records(decision)[0]
    if isinstance(decision, pd.Series):
        row = {str(k): v for k, v in decision.to_dict().items()}
        row.setdefault("customer_id", decision.name)
    elif isinstance(decision, Mapping):
        row = dict(decision)
    else:
        raise fail("argument 'decision'", f"a {type(decision).__name__}", "one decision row")
    missing = [c for c in DECISION_COLUMNS if c not in row]
    if missing:
        raise fail("argument 'decision'", f"missing fields {missing}", "a decision row")
    return row
