"""Multiple-testing corrections for a table of KPI differences.

Testing ten KPIs at 5% each finds "a significant effect" in 40% of campaigns that did
nothing. Holm's step-down method controls the family-wise error rate (the chance of any false
positive) and is uniformly more powerful than Bonferroni; Benjamini-Hochberg controls the
false discovery rate (the expected share of false positives among the KPIs declared
significant), the better choice when many KPIs are screened.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._validation import check_choice, check_columns, check_frame, check_probability, fail
from precimark.kpi._checks import as_sample

__all__ = ["adjust_pvalues", "adjust_table"]

Method = Literal["holm", "bh"]


def adjust_pvalues(p_values: object, *, method: Method = "holm") -> npt.NDArray[np.float64]:
    """Adjust p-values for multiple testing.

    Parameters
    ----------
    p_values : Series, array or list of float
        Raw p-values in [0, 1].
    method : {"holm", "bh"}, default "holm"
        Holm (family-wise error rate) or Benjamini-Hochberg (false discovery rate).

    Returns
    -------
    ndarray
        Adjusted p-values in the input order; reject where ``adjusted <= alpha``. They match
        ``statsmodels.stats.multitest.multipletests(method="holm" | "fdr_bh")``.

    Examples
    --------
    >>> from precimark.kpi import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.2])
    array([0.04, 0.09, 0.09, 0.2 ])
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.2], method="bh")
    array([0.04      , 0.05333333, 0.05333333, 0.2       ])
    """
    check_choice(method, "method", ("holm", "bh"))
    p = as_sample(p_values, "p_values")
    if ((p < 0) | (p > 1)).any():
        raise fail("argument 'p_values'", "values outside [0, 1]", "p-values in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        steps = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        steps = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(steps, 1.0)
    return adjusted


def adjust_table(
    table: pd.DataFrame, *, method: Method = "holm", alpha: float = 0.05
) -> pd.DataFrame:
    """Add multiple-testing-adjusted p-values to a KPI table.

    Parameters
    ----------
    table : DataFrame
        A table with a ``p_value`` column, e.g. from :func:`precimark.kpi.estimates_frame`.
        Rows without a p-value (levels, not differences) are left out of the family.
    method : {"holm", "bh"}, default "holm"
        See :func:`adjust_pvalues`.
    alpha : float, default 0.05
        Significance level for the ``significant`` column.

    Returns
    -------
    DataFrame
        A copy with ``p_value_adjusted`` (NaN where there is no p-value) and ``significant``
        (adjusted p-value <= alpha; False where there is no p-value).

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import adjust_table
    >>> table = pd.DataFrame({"p_value": [0.01, None, 0.04]}, index=["conversion", "aov", "nps"])
    >>> adjust_table(table)
                p_value  p_value_adjusted  significant
    conversion     0.01              0.02         True
    aov             NaN               NaN        False
    nps            0.04              0.04         True
    """
    frame = check_frame(table, "table")
    check_columns(frame, ["p_value"], "table")
    alpha = check_probability(alpha, "alpha", inclusive="neither")
    raw = pd.to_numeric(frame["p_value"], errors="coerce").to_numpy(dtype=np.float64)
    tested = ~np.isnan(raw)
    adjusted = np.full(raw.size, np.nan)
    if tested.any():
        adjusted[tested] = adjust_pvalues(raw[tested], method=method)
    out = frame.copy()
    out["p_value_adjusted"] = adjusted
    out["significant"] = np.nan_to_num(adjusted, nan=np.inf) <= alpha
    return out
