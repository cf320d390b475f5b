"""Charts for KPI results (matplotlib, imported lazily: install the ``plot`` extra)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from precimark._validation import check_columns, check_frame, fail
from precimark.kpi.estimates import Estimate

__all__ = ["plot_cohort_retention", "plot_cumulative_incremental_revenue", "plot_lift"]


def _axes(ax: Any) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "precimark's charts need matplotlib: pip install 'precimark[plot]'"
        ) from err
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_cohort_retention(matrix: pd.DataFrame, *, ax: Any = None) -> Any:
    """Heat map of a cohort retention matrix (from :func:`precimark.kpi.cohort_retention`).

    Cells beyond the end of the data (NaN) are left blank.

    Parameters
    ----------
    matrix : DataFrame
        Cohorts as rows, period offsets as columns.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precimark.kpi import cohort_retention, plot_cohort_retention
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 1], "amount": 5.0,
    ...                    "date": ["2024-01-05", "2024-02-01", "2024-02-03"]})
    >>> ax = plot_cohort_retention(cohort_retention(tx))
    >>> ax.get_title()
    'Retention by cohort'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = check_frame(matrix, "matrix")
    ax = _axes(ax)
    values = np.ma.masked_invalid(frame.to_numpy(dtype=np.float64))
    image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0.0)
    ax.figure.colorbar(image, ax=ax)
    ax.set_xticks(range(frame.shape[1]), [str(c) for c in frame.columns])
    ax.set_yticks(range(frame.shape[0]), [str(i) for i in frame.index])
    ax.set_xlabel("periods since first order")
    ax.set_ylabel("cohort")
    ax.set_title("Retention by cohort")
    return ax


def plot_lift(estimates: Mapping[str, Estimate], *, ax: Any = None) -> Any:
    """Point estimates with their confidence intervals, one row per KPI, and a zero line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precimark.kpi import plot_lift, relative_difference
    >>> ax = plot_lift({"revenue": relative_difference([3, 4, 5, 6], [2, 4, 3, 5])})
    >>> len(ax.get_yticklabels())
    1
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    if not estimates or not all(isinstance(e, Estimate) for e in estimates.values()):
        raise fail("argument 'estimates'", "no or non-Estimate values", "a mapping of Estimates")
    ax = _axes(ax)
    names = list(estimates)
    values = np.array([estimates[n].value for n in names])
    low = np.array([estimates[n].ci_low for n in names])
    high = np.array([estimates[n].ci_high for n in names])
    rows = np.arange(len(names))
    ax.errorbar(values, rows, xerr=np.vstack([values - low, high - values]), fmt="o", capsize=4)
    ax.axvline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(rows, names)
    ax.set_ylim(len(names) - 0.5, -0.5)  # first KPI on top, rows evenly spaced
    level = next(iter(estimates.values())).confidence
    ax.set_xlabel(f"estimate with {100 * level:g}% confidence interval")
    ax.set_title("Lift")
    return ax


def plot_cumulative_incremental_revenue(curve: pd.DataFrame, *, ax: Any = None) -> Any:
    """Line chart of cumulative incremental revenue over the campaign.

    ``curve`` is the frame made by :func:`precimark.kpi.cumulative_incremental_revenue`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precimark.kpi import plot_cumulative_incremental_revenue
    >>> curve = pd.DataFrame({"incremental": [0.0, 5.0, 12.0]},
    ...                      index=pd.date_range("2024-03-01", periods=3, name="date"))
    >>> len(plot_cumulative_incremental_revenue(curve).get_lines())
    2
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = check_frame(curve, "curve")
    check_columns(frame, ["incremental"], "curve")
    ax = _axes(ax)
    ax.plot(frame.index, frame["incremental"], label="incremental revenue")
    ax.axhline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_ylabel("cumulative incremental revenue")
    ax.set_title("Cumulative incremental revenue")
    ax.figure.autofmt_xdate()
    return ax
