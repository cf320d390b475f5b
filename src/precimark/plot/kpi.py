"""Charts of KPI results: cohort retention, lifts with intervals, a campaign report's KPIs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from precimark._validation import check_columns, check_frame, fail
from precimark.kpi.estimates import Estimate
from precimark.plot._axes import axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from precimark.kpi.report import CampaignReport

__all__ = [
    "plot_campaign_report",
    "plot_cohort_retention",
    "plot_cumulative_incremental_revenue",
    "plot_lift",
]


def plot_cohort_retention(matrix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
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
    >>> from precimark.kpi import cohort_retention
    >>> from precimark.plot import plot_cohort_retention
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 1], "amount": 5.0,
    ...                    "date": ["2024-01-05", "2024-02-01", "2024-02-03"]})
    >>> ax = plot_cohort_retention(cohort_retention(tx))
    >>> ax.get_title()
    'Retention by cohort'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = check_frame(matrix, "matrix")
    expected = "shares of the cohort active, in [0, 1] (NaN: beyond the end of the data)"
    text = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    if text:
        raise fail(
            "argument 'matrix'", f"{len(text)} non-numeric columns (first: {text[0]!r})", expected
        )
    shares = frame.to_numpy(dtype=np.float64)
    outside = ~np.isnan(shares) & ~((shares >= 0.0) & (shares <= 1.0))
    if outside.any():
        first = frame.index[np.flatnonzero(outside.any(axis=1))[0]]
        raise fail(
            "argument 'matrix'",
            f"{int(outside.sum())} values outside [0, 1] (first cohort: {first})",
            expected,
        )
    ax = axes(ax)
    values = np.ma.masked_invalid(shares)
    image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0.0)
    ax.figure.colorbar(image, ax=ax, label="share of the cohort active")
    ax.set_xticks(range(frame.shape[1]), [str(c) for c in frame.columns])
    ax.set_yticks(range(frame.shape[0]), [str(i) for i in frame.index])
    ax.set_xlabel("periods since first order")
    ax.set_ylabel("cohort")
    ax.set_title("Retention by cohort")
    return ax


def plot_lift(estimates: Mapping[str, Estimate], *, ax: Axes | None = None) -> Axes:
    """Forest plot: point estimates with their confidence intervals, one row per KPI.

    A dashed line marks zero (no effect). Estimates on one axis should share a scale (the
    relative lifts of a campaign, or differences in one currency).

    Parameters
    ----------
    estimates : mapping of str to Estimate
        The KPIs, by name, drawn top to bottom in the mapping's order.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One errorbar container: x the values, the bars from ``ci_low`` to ``ci_high``.

    Raises
    ------
    DataValidationError
        If ``estimates`` is empty or holds other objects, or an estimate's value or bound is
        missing or infinite (an unbounded cost per incremental customer, say): it could not
        be drawn, and leaving it off the axis would hide it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precimark.kpi import relative_difference
    >>> from precimark.plot import plot_lift
    >>> ax = plot_lift({"revenue": relative_difference([3, 4, 5, 6], [2, 4, 3, 5])})
    >>> len(ax.get_yticklabels())
    1
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    if (
        not isinstance(estimates, Mapping)
        or not estimates
        or not all(isinstance(e, Estimate) for e in estimates.values())
    ):
        raise fail("argument 'estimates'", "no or non-Estimate values", "a mapping of Estimates")
    names = list(estimates)
    values = np.array([estimates[n].value for n in names], dtype=np.float64)
    low = np.array([estimates[n].ci_low for n in names], dtype=np.float64)
    high = np.array([estimates[n].ci_high for n in names], dtype=np.float64)
    unbounded = [
        n for n, *row in zip(names, values, low, high, strict=True) if not np.isfinite(row).all()
    ]
    if unbounded:
        raise fail(
            "argument 'estimates'",
            f"{len(unbounded)} KPIs with a missing or infinite value or bound (first: "
            f"{unbounded[0]!r})",
            "finite intervals (an unbounded interval has no place on a finite axis)",
            "Leave those KPIs out (kpis= of plot_campaign_report) and report them as a table.",
        )
    ax = axes(ax)
    rows = np.arange(len(names))
    ax.errorbar(values, rows, xerr=np.vstack([values - low, high - values]), fmt="o", capsize=4)
    ax.axvline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(rows, names)
    ax.set_ylim(len(names) - 0.5, -0.5)  # first KPI on top, rows evenly spaced
    level = next(iter(estimates.values())).confidence
    ax.set_xlabel(f"estimate with {100 * level:g}% confidence interval")
    ax.set_title("Lift")
    return ax


def plot_campaign_report(
    report: CampaignReport, *, kpis: Sequence[str] | None = None, ax: Axes | None = None
) -> Axes:
    """Forest plot of a campaign report's KPIs, each with its confidence interval.

    Parameters
    ----------
    report : CampaignReport
        From :func:`precimark.evaluate_campaign`.
    kpis : sequence of str, optional
        Names of the KPIs to draw (keys of ``report.estimates``), top to bottom. Default: the
        relative lifts (``conversion_lift``, ``revenue_lift``), which share one scale; KPIs in
        different units (a rate and an amount of money) do not belong on one axis.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        As :func:`plot_lift`, titled with the campaign's name.

    Raises
    ------
    DataValidationError
        If ``report`` is not a ``CampaignReport``, a name in ``kpis`` is not one of its KPIs,
        or a KPI's interval is unbounded (see :func:`plot_lift`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precimark.kpi import evaluate_campaign
    >>> from precimark.plot import plot_campaign_report
    >>> outcomes = pd.DataFrame({"treated": [True, False] * 100,
    ...                          "revenue": [30.0, 0.0, 0.0, 10.0, 25.0, 0.0, 0.0, 0.0] * 25})
    >>> report = evaluate_campaign(outcomes, treatment="treated", revenue_column="revenue",
    ...                            name="spring")
    >>> ax = plot_campaign_report(report)
    >>> ax.get_title(), [t.get_text() for t in ax.get_yticklabels()]
    ('spring: KPIs with intervals', ['conversion_lift', 'revenue_lift'])
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from precimark.kpi.report import CampaignReport

    if not isinstance(report, CampaignReport):
        raise fail("argument 'report'", f"a {type(report).__name__}", "a CampaignReport")
    if kpis is None:
        names = [k for k in report.estimates if k.endswith("_lift")]
    else:
        names = [kpis] if isinstance(kpis, str) else list(kpis)
        unknown = [k for k in names if k not in report.estimates]
        if unknown or not names:
            raise fail(
                "argument 'kpis'",
                f"unknown KPI names {unknown!r}" if unknown else "no KPI names",
                "names of the report's KPIs: " + ", ".join(report.estimates),
            )
    ax = plot_lift({k: report.estimates[k] for k in names}, ax=ax)
    ax.set_title(f"{report.name}: KPIs with intervals")
    return ax


def plot_cumulative_incremental_revenue(curve: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Line chart of cumulative incremental revenue over the campaign, with a zero line.

    Parameters
    ----------
    curve : DataFrame
        Made by :func:`precimark.kpi.cumulative_incremental_revenue`: indexed by date, with an
        ``incremental`` column.
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
    >>> from precimark.plot import plot_cumulative_incremental_revenue
    >>> curve = pd.DataFrame({"incremental": [0.0, 5.0, 12.0]},
    ...                      index=pd.date_range("2024-03-01", periods=3, name="date"))
    >>> len(plot_cumulative_incremental_revenue(curve).get_lines())
    2
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = check_frame(curve, "curve")
    check_columns(frame, ["incremental"], "curve")
    ax = axes(ax)
    ax.plot(frame.index, frame["incremental"], label="incremental revenue")
    ax.axhline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_xlabel("date")
    ax.set_ylabel("cumulative incremental revenue")
    ax.set_title("Cumulative incremental revenue")
    ax.tick_params(axis="x", labelrotation=30)  # on this Axes only, not the whole figure
    return ax
