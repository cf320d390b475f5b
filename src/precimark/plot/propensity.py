"""Charts of propensity and uplift models: Qini and uplift curves, uplift by decile, gains.

Each chart draws the numbers of :mod:`precimark.propensity.metrics` for the same inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from precimark._validation import check_choice
from precimark.plot._axes import axes
from precimark.propensity.metrics import (
    gain_table,
    qini_auc_score,
    qini_curve,
    uplift_auc_score,
    uplift_by_decile,
    uplift_curve,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_gains", "plot_qini_curve", "plot_uplift_by_decile", "plot_uplift_curve"]


def _draw_curve(
    ax: Axes, n: npt.NDArray[np.float64], y: npt.NDArray[np.float64], ylabel: str, title: str
) -> Axes:
    share = n / n[-1]
    ax.plot(share, y, label="model")
    ax.plot([0.0, 1.0], [0.0, y[-1]], color="grey", ls="--", label="random targeting")
    ax.set_xlabel("share of customers targeted (highest predicted uplift first)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def plot_qini_curve(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    propensity: npt.ArrayLike | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Qini curve of an uplift model against random targeting.

    The curve is :func:`~precimark.propensity.metrics.qini_curve` (incremental outcome of
    targeting the top rows, in outcome units) against the share of customers targeted; the
    title gives :func:`~precimark.propensity.metrics.qini_auc_score`.

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift (higher means target first).
    treated : array-like of 0/1
        1 for treated rows, 0 for control rows (both present).
    propensity : array-like, optional
        Each row's probability of treatment, for an observational campaign (see
        :func:`~precimark.propensity.metrics.qini_curve`).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        Two lines: the model's curve (x the share targeted, y the Qini values) and the
        straight line of random targeting.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.plot import plot_qini_curve
    >>> d = make_uplift_data(2_000, random_state=0)
    >>> ax = plot_qini_curve(d["outcome"], d["true_uplift"], d["treatment"])
    >>> ax.get_title()
    'Qini curve (normalised area 0.165)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    n, qini = qini_curve(y_true, uplift, treated, propensity=propensity)
    score = qini_auc_score(y_true, uplift, treated, propensity=propensity)
    ylabel = "incremental outcome (Qini, outcome units)"
    return _draw_curve(axes(ax), n, qini, ylabel, f"Qini curve (normalised area {score:.3g})")


def plot_uplift_curve(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    propensity: npt.ArrayLike | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Uplift curve of an uplift model against random targeting.

    The curve is :func:`~precimark.propensity.metrics.uplift_curve` (difference in mean
    outcome times rows targeted, in outcome units) against the share of customers targeted;
    the title gives :func:`~precimark.propensity.metrics.uplift_auc_score`.

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift (higher means target first).
    treated : array-like of 0/1
        1 for treated rows, 0 for control rows (both present).
    propensity : array-like, optional
        Each row's probability of treatment, for an observational campaign.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        Two lines, as :func:`plot_qini_curve`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.plot import plot_uplift_curve
    >>> d = make_uplift_data(2_000, random_state=0)
    >>> ax = plot_uplift_curve(d["outcome"], d["true_uplift"], d["treatment"])
    >>> len(ax.get_lines())
    2
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    n, curve = uplift_curve(y_true, uplift, treated, propensity=propensity)
    score = uplift_auc_score(y_true, uplift, treated, propensity=propensity)
    ylabel = "incremental outcome (uplift curve, outcome units)"
    return _draw_curve(axes(ax), n, curve, ylabel, f"Uplift curve (normalised area {score:.3g})")


def plot_uplift_by_decile(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    n_bins: int = 10,
    confidence: float = 0.95,
    ax: Axes | None = None,
) -> Axes:
    """Observed uplift per bin of predicted uplift, with confidence intervals.

    Bars are the ``uplift`` column of :func:`~precimark.propensity.metrics.uplift_by_decile`
    (treated minus control response rate in the bin), error bars its Wald interval. A good
    model's bars fall from left to right.

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift.
    treated : array-like of 0/1
        1 for treated rows, 0 for control rows (both present).
    n_bins : int, default 10
        Number of bins (10: deciles).
    confidence : float, default 0.95
        Level of the intervals, in (0, 1).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One bar container (bin 1 = highest predicted uplift first) and one errorbar container.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.plot import plot_uplift_by_decile
    >>> d = make_uplift_data(20_000, random_state=0)
    >>> ax = plot_uplift_by_decile(d["outcome"], d["true_uplift"], d["treatment"])
    >>> [round(float(bar.get_height()), 2) for bar in ax.containers[0]][:3]
    [0.4, 0.24, 0.16]
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    table = uplift_by_decile(y_true, uplift, treated, n_bins=n_bins, confidence=confidence)
    ax = axes(ax)
    bins = table.index.to_numpy()
    value = table["uplift"].to_numpy(np.float64)
    error = np.vstack([value - table["ci_low"].to_numpy(), table["ci_high"].to_numpy() - value])
    ax.bar(bins, value, color="tab:blue")
    ax.errorbar(bins, value, yerr=error, fmt="none", ecolor="black", capsize=3)
    ax.axhline(0.0, color="grey", lw=1)
    ax.set_xticks(bins, [str(b) for b in bins])
    ax.set_xlabel("bin of predicted uplift (1 = highest)")
    ax.set_ylabel(f"observed uplift, with {100 * confidence:g}% interval")
    ax.set_title("Uplift by decile" if n_bins == 10 else f"Uplift by bin ({n_bins} bins)")
    return ax


def plot_gains(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    n_bins: int = 10,
    kind: Literal["gain", "lift"] = "gain",
    ax: Axes | None = None,
) -> Axes:
    """Cumulative gains curve or lift by bin of a propensity score.

    From :func:`~precimark.propensity.metrics.gain_table`: ``kind="gain"`` draws the share of
    the total outcome captured against the share of customers targeted (best scores first,
    from (0, 0)), with the diagonal of random targeting; ``kind="lift"`` draws each bin's
    lift (its outcome rate over the overall rate) as bars, with 1 marked.

    Parameters
    ----------
    y_true : array-like
        Outcomes: 0/1 conversions or non-negative values (e.g. spend), not all 0.
    y_score : array-like
        Scores; higher means more likely.
    n_bins : int, default 10
        Number of bins.
    kind : {"gain", "lift"}, default "gain"
        Which chart.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        ``"gain"``: two lines (model, random); ``"lift"``: one bar container.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precimark.plot import plot_gains
    >>> ax = plot_gains([1, 1, 0, 0], [0.9, 0.7, 0.3, 0.1], n_bins=2)
    >>> ax.get_lines()[0].get_ydata().tolist()
    [0.0, 1.0, 1.0]
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    check_choice(kind, "kind", ("gain", "lift"))
    table = gain_table(y_true, y_score, n_bins=n_bins)
    ax = axes(ax)
    if kind == "lift":
        bins = table.index.to_numpy()
        ax.bar(bins, table["lift"].to_numpy(np.float64))
        ax.axhline(1.0, color="grey", ls="--", lw=1, label="random targeting")
        ax.set_xticks(bins, [str(b) for b in bins])
        ax.set_xlabel("score bin (1 = highest scores)")
        ax.set_ylabel("lift (bin's outcome rate / overall rate)")
        ax.set_title("Lift by score bin")
        return ax
    share = np.concatenate([[0.0], table["n"].cumsum().to_numpy() / table["n"].sum()])
    capture = np.concatenate([[0.0], table["cumulative_capture"].to_numpy(np.float64)])
    ax.plot(share, capture, marker="o", label="model")
    ax.plot([0.0, 1.0], [0.0, 1.0], color="grey", ls="--", label="random targeting")
    ax.set_xlabel("share of customers targeted (highest scores first)")
    ax.set_ylabel("share of the total outcome captured")
    ax.set_title("Cumulative gains")
    ax.legend()
    return ax
