"""Proxy check: price inputs strongly associated with a declared protected attribute.

A rule never reads a protected attribute (see :func:`~precimark.pricing.protected_match`), but
an innocent-looking input can stand in for one (a postcode for ethnicity, a product history
for gender). :meth:`PricingPolicy.decide(..., protected=...)
<precimark.pricing.PricingPolicy.decide>` passes the declared protected columns here; they are
compared with each personal price input and never read for pricing.

Association is the bias-corrected Cramér's V (Bergsma 2013) of the contingency table of the
two columns, numbers binned into quintiles: 0 for independence, 1 when one determines the other.

References
----------
Bergsma, W. (2013). A bias-correction for Cramér's V and Tschuprow's T. *Journal of the Korean
Statistical Society* 42(3), 323-328.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from precimark._validation import check_frame, check_number, fail, fail_rows
from precimark.exceptions import DataQualityWarning
from precimark.pricing._arrays import IntArray
from precimark.pricing.guardrails import Guardrails

__all__ = ["PROXY_COLUMNS", "ProxyWarning", "proxy_associations"]

PROXY_COLUMNS: tuple[str, ...] = ("input", "protected", "cramers_v", "n")
"""Columns of :func:`proxy_associations`."""


class ProxyWarning(DataQualityWarning):
    """A price input is strongly associated with a declared protected attribute."""


def _codes(series: pd.Series[Any], max_bins: int) -> IntArray:
    """Category codes; numbers with more than ``max_bins`` values binned into quantiles."""
    numeric = pd.api.types.is_numeric_dtype(series.dtype)
    if (
        numeric
        and not pd.api.types.is_bool_dtype(series.dtype)
        and series.nunique(dropna=True) > max_bins
    ):
        series = pd.qcut(series, max_bins, labels=False, duplicates="drop")
    codes, _ = pd.factorize(series, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64)


def _cramers_v(a: IntArray, b: IntArray) -> float:
    n = a.size
    r, k = int(a.max()) + 1, int(b.max()) + 1
    table = np.bincount(a * k + b, minlength=r * k).reshape(r, k).astype(np.float64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    r, k = table.shape
    if n < 2 or min(r, k) < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    phi2 = float(((table - expected) ** 2 / expected).sum()) / n
    phi2 = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    r_c = r - (r - 1) ** 2 / (n - 1)
    k_c = k - (k - 1) ** 2 / (n - 1)
    denominator = min(k_c - 1, r_c - 1)
    return float(np.sqrt(phi2 / denominator)) if denominator > 0 else 0.0


def proxy_associations(
    customers: pd.DataFrame,
    protected: pd.DataFrame | pd.Series[Any],
    columns: Sequence[str],
    *,
    max_bins: int = 5,
) -> pd.DataFrame:
    """Association of each price input with each protected attribute (Cramér's V).

    Parameters
    ----------
    customers : DataFrame
        Customers indexed by customer id, with ``columns``.
    protected : DataFrame or Series
        Declared protected attributes, indexed by customer id (every customer of
        ``customers`` needs a row; missing values count as their own group).
    columns : sequence of str
        The price inputs to check.
    max_bins : int, default 5
        Numbers with more distinct values are binned into this many quantile bins.

    Returns
    -------
    DataFrame
        Columns :data:`PROXY_COLUMNS`, one row per input x protected attribute, the strongest
        association first.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.pricing import proxy_associations
    >>> rng = np.random.default_rng(0)
    >>> group = pd.Series(rng.choice(["a", "b"], 2000), name="age_group")
    >>> customers = pd.DataFrame({"spend": np.where(group == "a", 1.0, 3.0) + rng.random(2000),
    ...                           "noise": rng.random(2000)})
    >>> table = proxy_associations(customers, group, ["spend", "noise"])
    >>> table.round(2)
       input  protected  cramers_v     n
    0  spend  age_group        0.9  2000
    1  noise  age_group       0.03  2000
    """
    frame = check_frame(customers, "customers")
    max_bins = int(check_number(max_bins, "max_bins", low=2, integer=True))
    attributes = protected.to_frame() if isinstance(protected, pd.Series) else protected
    attributes = check_frame(attributes, "protected")
    if frame.empty:
        return pd.DataFrame(columns=list(PROXY_COLUMNS))
    missing = ~frame.index.isin(attributes.index)
    if missing.any():
        raise fail_rows(
            "argument 'protected'",
            missing,
            frame.index,
            "customer without a row",
            "a row (indexed by customer id) for every customer priced",
        )
    attributes = attributes.loc[frame.index]
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise fail("argument 'columns'", f"unknown columns {absent}", "columns of customers")
    rows = []
    for column in columns:
        codes = _codes(frame[column], max_bins)
        for attribute in attributes.columns:
            value = _cramers_v(codes, _codes(attributes[attribute], max_bins))
            rows.append((column, str(attribute), value, len(frame)))
    out = pd.DataFrame(rows, columns=list(PROXY_COLUMNS))
    return out.sort_values("cramers_v", ascending=False, kind="stable").reset_index(drop=True)


def check_proxies(
    customers: pd.DataFrame,
    protected: pd.DataFrame | pd.Series[Any],
    columns: Sequence[str],
    guards: Guardrails,
) -> pd.DataFrame:
    """:func:`proxy_associations`, warning for each pair at or above the threshold."""
    table = proxy_associations(customers, protected, columns)
    strong = table[table["cramers_v"] >= guards.proxy_threshold]
    for row in strong.itertuples(index=False):
        warnings.warn(
            f"price input {row.input!r} is strongly associated with the protected attribute "
            f"{row.protected!r} (Cramér's V {row.cramers_v:.2f} >= {guards.proxy_threshold:g} "
            f"on {row.n} customers): it may act as a proxy for it. Audit the prices with "
            "fairness_frame(decisions, by=...), or remove the input.",
            ProxyWarning,
            stacklevel=3,
        )
    return table
