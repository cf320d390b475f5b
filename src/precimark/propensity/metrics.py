"""Ranking, calibration and uplift metrics, tie-aware and never a silent NaN.

Conventions shared by every function here:

- **Ties.** Rows with equal scores form one group that is never split by row order: a top-k
  cut that falls inside a tie group counts each of its rows with the same fractional weight
  (the expectation over random tie-breaking), curves have one point per distinct score and
  bins keep tie groups together. Shuffling the rows never changes a result, and only the
  order of the scores matters (any strictly increasing transform gives the same result).
- **Degenerate input** (no treated or no control rows, no positives, a zero normaliser)
  raises :class:`~precimark.exceptions.DataValidationError` instead of returning NaN.
- **Uplift definitions** follow scikit-uplift (Radcliffe 2007; Devriendt, Guns & Verbeke
  2020): at the ``n`` highest-scored rows with ``n_t`` treated, ``n_c`` control rows and
  outcome sums ``y_t``, ``y_c``, the Qini curve is ``y_t - y_c * n_t / n_c`` and the uplift
  curve is ``(y_t / n_t - y_c / n_c) * n``. Outcomes may be binary or continuous (spend)
  except where a docstring says otherwise.
- :func:`bootstrap_interval` gives a percentile confidence interval for any of them, with an
  explicit ``random_state``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import sklearn
from scipy.stats import norm
from sklearn.metrics import make_scorer

from precimark._deprecation import deprecated_alias
from precimark._typing import SeedLike
from precimark._validation import check_choice, check_number, fail, to_rng
from precimark.exceptions import DataValidationError
from precimark.kpi.estimates import Estimate, check_confidence
from precimark.propensity.assignment import _warn_overlap

__all__ = [
    "bootstrap_interval",
    "brier_score",
    "expected_calibration_error",
    "gain_table",
    "lift_at_k",
    "make_uplift_scorer",
    "precision_at_k",
    "qini_auc_score",
    "qini_curve",
    "response_rate_by_percentile",
    "uplift_at_k",
    "uplift_auc_score",
    "uplift_by_decile",
    "uplift_curve",
]

FloatArray = npt.NDArray[np.float64]


# --- input checks ----------------------------------------------------------------------------


def _vector(values: npt.ArrayLike, name: str, n: int | None = None) -> FloatArray:
    """Return ``values`` as a finite 1-D float array (of length ``n`` when given)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise fail(f"argument '{name}'", f"an array of shape {array.shape}", "a 1-D array")
    if array.dtype.kind not in "biuf":
        raise fail(f"argument '{name}'", f"values of dtype {array.dtype}", "numbers")
    out = array.astype(np.float64)
    if len(out) == 0:
        raise fail(f"argument '{name}'", "no values", "at least one value")
    if n is not None and len(out) != n:
        raise fail(f"argument '{name}'", f"{len(out)} values", f"{n} values, one per row")
    bad = ~np.isfinite(out)
    if bad.any():
        first = int(np.argmax(bad))
        raise fail(
            f"argument '{name}'",
            f"{int(bad.sum())} missing or infinite value(s) (first at position {first})",
            "finite numbers",
        )
    return out


def _binary(values: FloatArray, name: str) -> FloatArray:
    bad = (values != 0) & (values != 1)
    if bad.any():
        raise fail(
            f"argument '{name}'",
            f"{int(bad.sum())} value(s) other than 0 and 1 (first: {values[np.argmax(bad)]!r})",
            "0/1 values",
        )
    return values


def _uplift_inputs(
    y_true: npt.ArrayLike, uplift: npt.ArrayLike, treated: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    y = _vector(y_true, "y_true")
    score = _vector(uplift, "uplift", len(y))
    t = _binary(_vector(treated, "treated", len(y)), "treated")
    if t.all() or not t.any():
        raise fail(
            "argument 'treated'",
            f"only {'treated' if t.all() else 'control'} rows",
            "both treated (1) and control (0) rows",
        )
    return y, score, t


def _count(k: float, n: int, name: str = "k") -> float:
    """Return the number of rows in the top ``k`` (a share in (0, 1] of ``n``, or a count)."""
    check_number(k, name)
    if isinstance(k, int | np.integer):
        return check_number(k, name, low=1, high=n, integer=True)
    try:
        share = check_number(k, name, low=0.0, high=1.0, inclusive="right")
    except DataValidationError as err:
        raise DataValidationError(
            f"{err} A float is a share of the rows; pass an int for a row count."
        ) from None
    return float(max(math.floor(share * n + 1e-9), 1))


# --- tie-aware building blocks -----------------------------------------------------------------


def _tie_groups(score: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray, FloatArray]:
    """Group ids by descending score, rows ranked strictly above each group, group sizes."""
    _, inverse, counts = np.unique(-score, return_inverse=True, return_counts=True)
    sizes = counts.astype(np.float64)
    before = np.cumsum(sizes) - sizes
    return inverse.reshape(-1), before, sizes


def _top_weights(score: FloatArray, m: float) -> FloatArray:
    """Weight of each row in the top ``m``: 1 inside, 0 outside, a share in the cut tie group."""
    group, before, sizes = _tie_groups(score)
    weights: FloatArray = np.clip((m - before) / sizes, 0.0, 1.0)[group]
    return weights


def _cumulative(score: FloatArray, *columns: FloatArray) -> tuple[FloatArray, ...]:
    """Cumulative sums of ``columns`` at each distinct score (descending), starting from 0."""
    group, _, sizes = _tie_groups(score)
    out = [np.concatenate(([0.0], np.cumsum(sizes)))]
    for column in columns:
        sums = np.bincount(group, weights=column, minlength=len(sizes))
        out.append(np.concatenate(([0.0], np.cumsum(sums))))
    return tuple(out)


def _row_weights(sample_weight: npt.ArrayLike, t: FloatArray) -> FloatArray:
    """Return ``sample_weight`` checked: finite, >= 0, some positive weight in each arm."""
    w = _vector(sample_weight, "sample_weight", len(t))
    negative = w < 0
    if negative.any():
        raise fail(
            "argument 'sample_weight'",
            f"{int(negative.sum())} negative value(s) (first at position {int(np.argmax(negative))})",
            "weights >= 0",
        )
    with np.errstate(over="ignore"):
        overflows = not np.isfinite(w.sum())
    if overflows:
        raise fail(
            "argument 'sample_weight'",
            "weights whose sum overflows",
            "weights on a smaller scale (divide them by their largest)",
        )
    for arm, name in ((1.0, "treated"), (0.0, "control")):
        if not (w[t == arm] > 0).any():
            raise fail(
                "argument 'sample_weight'",
                f"no positive weight among the {name} rows",
                "a positive weight in both arms",
            )
    return w


def _ipw(
    t: FloatArray, propensity: npt.ArrayLike | None, rows: FloatArray | None = None
) -> FloatArray:
    """Stabilised inverse-propensity weights (all 1 for a randomised campaign, ``e = p``).

    ``p / e`` for treated and ``(1 - p) / (1 - e)`` for control rows, ``p`` the treated share
    (weighted by the row weights ``rows`` when given). A row of weight 0 is not there: its
    probability is neither checked nor warned about (its weight here is arbitrary).
    """
    if propensity is None:
        return np.ones_like(t)
    e = _vector(propensity, "propensity", len(t))
    if rows is not None:
        e = np.where(rows > 0, e, 0.5)
    bad = (e <= 0) | (e >= 1)
    if bad.any():
        raise fail(
            "argument 'propensity'",
            f"{int(bad.sum())} value(s) outside (0, 1) (first at position {int(np.argmax(bad))})",
            "probabilities of treatment strictly between 0 and 1",
        )
    _warn_overlap(np.column_stack((1.0 - e, e)))
    share = float(np.average(t, weights=rows))
    weights: FloatArray = np.where(t == 1, share / e, (1.0 - share) / (1.0 - e))
    return weights


def _arm_totals(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    propensity: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> tuple[FloatArray, ...]:
    """Rows, (weighted) treated and control rows and outcome sums at each threshold.

    With ``sample_weight`` the rows count by their weights (the first column too), so an
    integer weight is the same as repeating the row.
    """
    y, score, t = _uplift_inputs(y_true, uplift, treated)
    rows = None if sample_weight is None else _row_weights(sample_weight, t)
    w = _ipw(t, propensity, rows)
    if rows is None:
        return _cumulative(score, w * t, w * (1 - t), w * y * t, w * y * (1 - t))
    keep = rows > 0  # a row of weight 0 is not there (no point of the curve of its own)
    y, score, t, rows, w = y[keep], score[keep], t[keep], rows[keep], w[keep] * rows[keep]
    _, n, n_t, n_c, y_t, y_c = _cumulative(
        score, rows, w * t, w * (1 - t), w * y * t, w * y * (1 - t)
    )
    return n, n_t, n_c, y_t, y_c


def _rank_bins(score: FloatArray, n_bins: int) -> npt.NDArray[np.int64]:
    """Bin 1 ... n_bins of each row by descending score, equal-sized up to ties.

    A tie group goes whole to the bin of its middle rank.
    """
    group, before, sizes = _tie_groups(score)
    middle = (before + sizes / 2.0)[group]
    bins: npt.NDArray[np.int64] = (
        np.minimum(np.floor(middle / len(score) * n_bins), n_bins - 1).astype(np.int64) + 1
    )
    return bins


def _area(x: FloatArray, y: FloatArray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


# --- propensity metrics --------------------------------------------------------------------------


def precision_at_k(y_true: npt.ArrayLike, y_score: npt.ArrayLike, *, k: float = 0.1) -> float:
    """Share of positives among the top-k scored rows.

    Normalisation: the number of rows in the top k (``floor(k * n)`` for a share ``k``, at
    least 1; or ``k`` itself for an int). A tie group cut by the top k counts with fractional
    weight.

    Parameters
    ----------
    y_true : array-like of 0/1
        Observed outcomes.
    y_score : array-like
        Scores; higher means more likely.
    k : float or int, default 0.1
        Share of rows in (0, 1], or number of rows.

    Returns
    -------
    float
        Precision in [0, 1].

    Examples
    --------
    >>> from precimark.propensity.metrics import precision_at_k
    >>> precision_at_k([1, 0, 1, 0], [0.9, 0.8, 0.5, 0.5], k=3)  # the tied pair counts half
    0.5
    """
    y = _binary(_vector(y_true, "y_true"), "y_true")
    score = _vector(y_score, "y_score", len(y))
    m = _count(k, len(y))
    return float(np.sum(_top_weights(score, m) * y) / m)


def lift_at_k(y_true: npt.ArrayLike, y_score: npt.ArrayLike, *, k: float = 0.1) -> float:
    """Precision in the top k divided by the overall positive rate (1 = no better than random).

    Normalisation: :func:`precision_at_k` / ``mean(y_true)``.

    Parameters
    ----------
    y_true : array-like of 0/1
        Observed outcomes (at least one positive).
    y_score : array-like
        Scores; higher means more likely.
    k : float or int, default 0.1
        Share of rows in (0, 1], or number of rows.

    Returns
    -------
    float
        Lift (>= 0).

    Examples
    --------
    >>> from precimark.propensity.metrics import lift_at_k
    >>> lift_at_k([1, 0, 0, 0], [0.9, 0.2, 0.1, 0.0], k=0.25)
    4.0
    """
    y = _binary(_vector(y_true, "y_true"), "y_true")
    if not y.any():
        raise fail("argument 'y_true'", "no positive outcome", "at least one 1")
    return precision_at_k(y, y_score, k=k) / float(y.mean())


def gain_table(y_true: npt.ArrayLike, y_score: npt.ArrayLike, *, n_bins: int = 10) -> pd.DataFrame:
    """Cumulative gains by score bin (deciles by default), best bin first.

    Rows are ranked by descending score; a tie group goes, whole, to the bin of its middle
    rank, so bins are equal-sized up to ties (a bin that receives no row is left out).

    Parameters
    ----------
    y_true : array-like
        Outcomes: 0/1 conversions or non-negative values (e.g. spend), not all 0.
    y_score : array-like
        Scores; higher means more likely.
    n_bins : int, default 10
        Number of bins.

    Returns
    -------
    DataFrame
        Indexed by ``bin`` (1 = highest scores): ``n`` (rows), ``mean_predicted`` (mean
        score), ``actual_rate`` (mean outcome), ``lift`` (actual rate / overall mean
        outcome) and ``cumulative_capture`` (share of the total outcome in this and the
        better bins).

    Examples
    --------
    >>> from precimark.propensity.metrics import gain_table
    >>> gain_table([1, 1, 0, 0], [0.9, 0.7, 0.3, 0.1], n_bins=2)
         n  mean_predicted  actual_rate  lift  cumulative_capture
    bin
    1    2             0.8          1.0   2.0                 1.0
    2    2             0.2          0.0   0.0                 1.0
    """
    y = _vector(y_true, "y_true")
    score = _vector(y_score, "y_score", len(y))
    n_bins = int(check_number(n_bins, "n_bins", low=1, integer=True))
    if (y < 0).any() or y.sum() <= 0:
        raise fail(
            "argument 'y_true'", "negative values or a zero total", "outcomes >= 0, not all 0"
        )
    bins = _rank_bins(score, n_bins)
    table = (
        pd.DataFrame({"bin": bins, "score": score, "y": y})
        .groupby("bin")
        .agg(n=("y", "size"), mean_predicted=("score", "mean"), actual_rate=("y", "mean"))
    )
    table["lift"] = table["actual_rate"] / y.mean()
    table["cumulative_capture"] = (table["actual_rate"] * table["n"]).cumsum() / y.sum()
    return table


def expected_calibration_error(
    y_true: npt.ArrayLike,
    y_prob: npt.ArrayLike,
    *,
    n_bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> float:
    """Compute the expected calibration error over ``n_bins`` probability bins.

    ``ECE = sum_b (n_b / n) * |mean(y_true in b) - mean(y_prob in b)|``: normalised by the
    number of rows, so it is the mean absolute gap between predicted and observed rates,
    weighted by bin size. ``strategy="uniform"``: equal-width bins, those of
    :func:`sklearn.calibration.calibration_curve`; ``"quantile"``: equal-mass bins (the same
    number of rows each, up to ties, which stay together), the meaningful choice at rare
    base rates, where equal-width bins put almost every row into the first one. Report
    :func:`brier_score` beside it.

    Parameters
    ----------
    y_true : array-like of 0/1
        Observed outcomes.
    y_prob : array-like
        Predicted probabilities in [0, 1].
    n_bins : int, default 10
        Number of bins.
    strategy : {"uniform", "quantile"}, default "uniform"
        Equal-width or equal-mass bins.

    Returns
    -------
    float
        ECE in [0, 1].

    Examples
    --------
    >>> from precimark.propensity.metrics import expected_calibration_error
    >>> expected_calibration_error([0, 1, 1, 1], [0.25, 0.75, 0.75, 0.75], n_bins=2)
    0.25
    >>> expected_calibration_error([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9], n_bins=2,
    ...                            strategy="quantile")
    0.2
    """
    y = _binary(_vector(y_true, "y_true"), "y_true")
    p = _vector(y_prob, "y_prob", len(y))
    if ((p < 0) | (p > 1)).any():
        raise fail("argument 'y_prob'", "values outside [0, 1]", "probabilities")
    n_bins = int(check_number(n_bins, "n_bins", low=1, integer=True))
    check_choice(strategy, "strategy", ("uniform", "quantile"))
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        bins = np.searchsorted(edges[1:-1], p)
    else:
        bins = _rank_bins(p, n_bins) - 1
    gap = np.bincount(bins, weights=y, minlength=n_bins) - np.bincount(
        bins, weights=p, minlength=n_bins
    )
    return float(np.sum(np.abs(gap)) / len(y))


def brier_score(y_true: npt.ArrayLike, y_prob: npt.ArrayLike) -> float:
    """Brier score: the mean squared difference between outcome and predicted probability.

    ``mean((y_true - y_prob) ** 2)`` (Brier 1950; scikit-learn's ``brier_score_loss``): 0 is
    perfect; predicting the base rate ``r`` everywhere scores ``r (1 - r)``. Unlike the
    expected calibration error it needs no bins, and it rewards both calibration and
    ranking.

    Parameters
    ----------
    y_true : array-like of 0/1
        Observed outcomes.
    y_prob : array-like
        Predicted probabilities in [0, 1].

    Returns
    -------
    float
        Brier score in [0, 1].

    Examples
    --------
    >>> from precimark.propensity.metrics import brier_score
    >>> brier_score([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2])
    0.025
    """
    y = _binary(_vector(y_true, "y_true"), "y_true")
    p = _vector(y_prob, "y_prob", len(y))
    if ((p < 0) | (p > 1)).any():
        raise fail("argument 'y_prob'", "values outside [0, 1]", "probabilities")
    return float(np.mean((y - p) ** 2))


# --- uplift metrics ----------------------------------------------------------------------------


@deprecated_alias(treatment="treated")
def qini_curve(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    propensity: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Qini curve: incremental outcome of targeting the top-n rows, at each distinct score.

    At the ``n`` best-scored rows, ``qini(n) = y_t - y_c * n_t / n_c`` (0 when ``n_c = 0``)
    where ``y_t``/``y_c`` are the outcome sums and ``n_t``/``n_c`` the row counts of treated
    and control rows among them (Radcliffe 2007; scikit-uplift's ``qini_curve``). Not
    normalised: in outcome units (conversions or spend).

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift (any score; higher means target first).
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    propensity : array-like, optional
        Each row's probability of treatment, for an observational campaign: rows are
        weighted by stabilised inverse propensities (``p / e`` treated, ``(1 - p) / (1 - e)``
        control, ``p`` the treated share), so the arms compare as in a randomised campaign.
        A constant equal to the treated share (with ``sample_weight``, the weighted share)
        gives the result without propensities.
    sample_weight : array-like, optional
        Row weights (>= 0, some positive in each arm): a row counts as its weight, on the
        ``n`` axis too, so an integer weight equals repeating the row. With ``propensity``
        the two multiply (the treated share ``p`` is then weighted).

    Other Parameters
    ----------------
    treatment : array-like of 0/1
        Deprecated since 0.2.0 (removed in 0.3.0); use ``treated`` (``treatment`` is always
        a column name in precimark).

    Returns
    -------
    n_targeted, qini : ndarray
        Points of the curve, from (0, 0) to (n, overall incremental outcome).

    Examples
    --------
    >>> from precimark.propensity.metrics import qini_curve
    >>> x, q = qini_curve([1, 0, 0, 1], [0.4, 0.3, 0.2, 0.1], [1, 1, 0, 0])
    >>> x.tolist(), q.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 1.0, 1.0, 0.0])
    """
    n, n_t, n_c, y_t, y_c = _arm_totals(y_true, uplift, treated, propensity, sample_weight)
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c > 0)
    return n, y_t - y_c * ratio


@deprecated_alias(treatment="treated")
def uplift_curve(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    propensity: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Uplift curve: difference in mean outcome, treated minus control, times rows targeted.

    At the ``n`` best-scored rows, ``(y_t / n_t - y_c / n_c) * n`` (a mean counted as 0 while
    its arm is empty), as scikit-uplift's ``uplift_curve``. Not normalised: in outcome units.

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift (any score; higher means target first).
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    propensity : array-like, optional
        Each row's probability of treatment, for an observational campaign: rows are
        weighted by stabilised inverse propensities (``p / e`` treated, ``(1 - p) / (1 - e)``
        control, ``p`` the treated share), so the arms compare as in a randomised campaign.
        A constant equal to the treated share (with ``sample_weight``, the weighted share)
        gives the result without propensities.
    sample_weight : array-like, optional
        Row weights (>= 0, some positive in each arm): a row counts as its weight, on the
        ``n`` axis too, so an integer weight equals repeating the row. With ``propensity``
        the two multiply (the treated share ``p`` is then weighted).

    Other Parameters
    ----------------
    treatment : array-like of 0/1
        Deprecated since 0.2.0 (removed in 0.3.0); use ``treated`` (``treatment`` is always
        a column name in precimark).

    Returns
    -------
    n_targeted, uplift : ndarray
        Points of the curve, from (0, 0) to (n, n * overall difference in means).

    Examples
    --------
    >>> from precimark.propensity.metrics import uplift_curve
    >>> x, u = uplift_curve([1, 0, 0, 1], [0.4, 0.3, 0.2, 0.1], [1, 1, 0, 0])
    >>> u.tolist()
    [0.0, 1.0, 1.0, 1.5, 0.0]
    """
    n, n_t, n_c, y_t, y_c = _arm_totals(y_true, uplift, treated, propensity, sample_weight)
    mean_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t > 0)
    mean_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c > 0)
    return n, (mean_t - mean_c) * n


def _normalised_area(
    curve: Callable[..., tuple[FloatArray, FloatArray]],
    y: FloatArray,
    score: FloatArray,
    t: FloatArray,
    perfect_score: FloatArray,
    propensity: npt.ArrayLike | None,
    sample_weight: npt.ArrayLike | None,
) -> float:
    if sample_weight is not None:  # the ratio does not depend on the weights' scale; sums might
        rows = _row_weights(sample_weight, t)
        sample_weight = rows / rows.max()
    weights = {"propensity": propensity, "sample_weight": sample_weight}
    x, values = curve(y, score, t, **weights)
    x_best, best = curve(y, perfect_score, t, **weights)
    baseline = x_best[-1] * best[-1] / 2.0
    denominator = _area(x_best, best) - baseline
    if denominator <= 0:
        raise fail(
            "argument 'y_true'",
            "no room above random targeting (the perfect curve is not above the diagonal)",
            "outcomes that differ between treated and control rows",
        )
    return float((_area(x, values) - baseline) / denominator)


@deprecated_alias(treatment="treated")
def qini_auc_score(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    propensity: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Qini coefficient: area between the Qini curve and random targeting, normalised.

    Normalisation: ``(A_model - A_random) / (A_perfect - A_random)`` where ``A`` is the
    trapezoidal area under a Qini curve, random targeting is the straight line from (0, 0)
    to the curve's end point, and the perfect curve ranks rows by ``y * (2t - 1)`` (treated
    responders first, control responders last; scikit-uplift's ``qini_auc_score`` with
    ``negative_effect=True``). 1 for that perfect ranking, 0 for a constant score, negative
    when worse than random. The perfect ranking is the best one in large, balanced samples;
    in small or very unbalanced ones the ratio ``n_t / n_c`` can reward another order, and a
    score above 1 is possible (as in scikit-uplift).

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift.
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    propensity : array-like, optional
        Each row's probability of treatment, for an observational campaign: rows are
        weighted by stabilised inverse propensities (``p / e`` treated, ``(1 - p) / (1 - e)``
        control, ``p`` the treated share), so the arms compare as in a randomised campaign.
        A constant equal to the treated share (with ``sample_weight``, the weighted share)
        gives the result without propensities.
    sample_weight : array-like, optional
        Row weights (>= 0, some positive in each arm): a row counts as its weight, on the
        ``n`` axis too, so an integer weight equals repeating the row. With ``propensity``
        the two multiply (the treated share ``p`` is then weighted).

    Other Parameters
    ----------------
    treatment : array-like of 0/1
        Deprecated since 0.2.0 (removed in 0.3.0); use ``treated`` (``treatment`` is always
        a column name in precimark).

    Returns
    -------
    float
        The Qini coefficient.

    Examples
    --------
    >>> from precimark.propensity.metrics import qini_auc_score
    >>> y, t = [1, 0, 0, 1, 1, 0], [1, 1, 0, 0, 1, 0]
    >>> qini_auc_score(y, [0.5] * 6, t)
    0.0
    >>> qini_auc_score(y, [1, 0, 0, -1, 1, 0], t)
    1.0
    """
    y, score, t = _uplift_inputs(y_true, uplift, treated)
    return _normalised_area(qini_curve, y, score, t, y * (2 * t - 1), propensity, sample_weight)


@deprecated_alias(treatment="treated")
def uplift_auc_score(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    propensity: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Area under the uplift curve above random targeting, normalised by the perfect one.

    Normalisation: ``(A_model - A_random) / (A_perfect - A_random)`` over uplift curves, with
    the perfect ranking of scikit-uplift's ``perfect_uplift_curve`` (treated responders and
    control non-responders first). Binary outcomes only (the perfect ranking of a continuous
    outcome is not defined this way; use :func:`qini_auc_score`).

    Parameters
    ----------
    y_true : array-like of 0/1
        Outcomes.
    uplift : array-like
        Predicted uplift.
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    propensity : array-like, optional
        Each row's probability of treatment, for an observational campaign: rows are
        weighted by stabilised inverse propensities (``p / e`` treated, ``(1 - p) / (1 - e)``
        control, ``p`` the treated share), so the arms compare as in a randomised campaign.
        A constant equal to the treated share (with ``sample_weight``, the weighted share)
        gives the result without propensities.
    sample_weight : array-like, optional
        Row weights (>= 0, some positive in each arm): a row counts as its weight, on the
        ``n`` axis too, so an integer weight equals repeating the row. With ``propensity``
        the two multiply (the treated share ``p`` is then weighted).

    Other Parameters
    ----------------
    treatment : array-like of 0/1
        Deprecated since 0.2.0 (removed in 0.3.0); use ``treated`` (``treatment`` is always
        a column name in precimark).

    Returns
    -------
    float
        1 for the perfect ranking, 0 for a constant score (above 1 is possible in small,
        unbalanced samples, as for :func:`qini_auc_score`).

    Examples
    --------
    >>> from precimark.propensity.metrics import uplift_auc_score
    >>> uplift_auc_score([1, 0, 0, 1, 1, 0], [0.5] * 6, [1, 1, 0, 0, 1, 0])
    0.0
    """
    y, score, t = _uplift_inputs(y_true, uplift, treated)
    _binary(y, "y_true")
    rows = np.ones_like(y) if sample_weight is None else _row_weights(sample_weight, t)
    control_responders = np.sum(rows * ((y == 1) & (t == 0)))
    treated_non_responders = np.sum(rows * ((y == 0) & (t == 1)))
    summand = y if control_responders > treated_non_responders else t
    perfect = 2.0 * (y == t) + summand
    return _normalised_area(uplift_curve, y, score, t, perfect, propensity, sample_weight)


@deprecated_alias(treatment="treated")
def uplift_at_k(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    k: float = 0.3,
    strategy: Literal["overall", "by_group"] = "overall",
    propensity: npt.ArrayLike | None = None,
) -> float:
    """Mean outcome of treated minus control rows among the top-k scored rows.

    ``strategy="overall"`` takes the top ``k`` of all rows (``floor(k * n)`` for a share),
    then compares the arms within it; ``"by_group"`` takes the top ``k`` of each arm
    separately (``floor(k * n_arm)``, or ``k`` rows of each arm for an int), as
    scikit-uplift's ``uplift_at_k``. Normalisation: each arm's mean is its outcome sum over
    its (tie-weighted) row count. In outcome units per customer.

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift.
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    k : float or int, default 0.3
        Share of rows in (0, 1], or number of rows.
    strategy : {"overall", "by_group"}, default "overall"
        See above.
    propensity : array-like, optional
        Each row's probability of treatment, for an observational campaign: rows are
        weighted by stabilised inverse propensities (``p / e`` treated, ``(1 - p) / (1 - e)``
        control, ``p`` the treated share), so the arms compare as in a randomised campaign.
        A constant equal to the treated share gives the unweighted result.

    Other Parameters
    ----------------
    treatment : array-like of 0/1
        Deprecated since 0.2.0 (removed in 0.3.0); use ``treated`` (``treatment`` is always
        a column name in precimark).

    Returns
    -------
    float
        The difference in means.

    Examples
    --------
    >>> from precimark.propensity.metrics import uplift_at_k
    >>> uplift_at_k([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 0, 0, 1], k=0.5)
    1.0
    """
    y, score, t = _uplift_inputs(y_true, uplift, treated)
    check_choice(strategy, "strategy", ("overall", "by_group"))
    if strategy == "overall":
        w = _top_weights(score, _count(k, len(y)))
    else:
        w = np.zeros_like(y)
        for arm in (0.0, 1.0):
            rows = t == arm
            w[rows] = _top_weights(score[rows], _count(k, int(rows.sum())))
    ipw = _ipw(t, propensity)
    n_t, n_c = np.sum(w * t), np.sum(w * (1 - t))
    if n_t == 0 or n_c == 0:
        raise fail(
            "argument 'k'",
            f"a top {k} holding no {'treated' if n_t == 0 else 'control'} row",
            "a top k with rows from both arms",
            "Use a larger k.",
        )
    w = w * ipw
    return float(np.sum(w * t * y) / np.sum(w * t) - np.sum(w * (1 - t) * y) / np.sum(w * (1 - t)))


# --- tables ----------------------------------------------------------------------------------


def _arm_bins(
    score: FloatArray, t: FloatArray, n_bins: int, strategy: str
) -> npt.NDArray[np.int64]:
    """Bin of each row: ranked over all rows ("overall") or within its arm ("by_group")."""
    if strategy == "overall":
        return _rank_bins(score, n_bins)
    bins = np.empty(len(score), dtype=np.int64)
    for arm in (0.0, 1.0):
        rows = t == arm
        bins[rows] = _rank_bins(score[rows], n_bins)
    return bins


def response_rate_by_percentile(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    group: Literal["treated", "control"] = "treated",
    n_bins: int = 10,
    strategy: Literal["overall", "by_group"] = "overall",
) -> pd.DataFrame:
    """Mean outcome of one arm in each score bin (percentile group), best bin first.

    Rows are ranked by descending ``uplift`` and cut into ``n_bins`` equal-sized bins (up to
    ties, which stay together) over all rows (``strategy="overall"``) or within each arm
    (``"by_group"``), as scikit-uplift's ``response_rate_by_percentile`` (equal to it when
    the scores are distinct and the rows split evenly into the bins).

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift.
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    group : {"treated", "control"}, default "treated"
        The arm whose response rate is shown.
    n_bins : int, default 10
        Number of bins (10: deciles).
    strategy : {"overall", "by_group"}, default "overall"
        See above.

    Returns
    -------
    DataFrame
        Indexed by ``bin`` (1 = highest uplift): ``n`` (the arm's rows in the bin),
        ``response_rate`` (their mean outcome) and ``variance`` (of that mean: the
        population variance of the outcomes over ``n``; ``r (1 - r) / n`` for 0/1 outcomes).

    Examples
    --------
    >>> from precimark.propensity.metrics import response_rate_by_percentile
    >>> response_rate_by_percentile([1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1], [1, 0, 1, 0], n_bins=2)
         n  response_rate  variance
    bin
    1    1            1.0       0.0
    2    1            1.0       0.0
    """
    y, score, t = _uplift_inputs(y_true, uplift, treated)
    check_choice(group, "group", ("treated", "control"))
    check_choice(strategy, "strategy", ("overall", "by_group"))
    n_bins = int(check_number(n_bins, "n_bins", low=1, integer=True))
    bins = _arm_bins(score, t, n_bins, strategy)
    arm = t == (1.0 if group == "treated" else 0.0)
    counts = np.bincount(bins[arm], minlength=n_bins + 1)[1:]
    if (counts == 0).any():
        first = int(np.argmax(counts == 0)) + 1
        raise fail(
            "argument 'n_bins'",
            f"{n_bins} bins, of which {int((counts == 0).sum())} hold no {group} row "
            f"(first: bin {first})",
            f"bins that each hold {group} rows",
            "Use fewer bins.",
        )
    sums = np.bincount(bins[arm], weights=y[arm], minlength=n_bins + 1)[1:]
    squares = np.bincount(bins[arm], weights=y[arm] ** 2, minlength=n_bins + 1)[1:]
    rate = sums / counts
    variance = np.maximum(squares / counts - rate**2, 0.0) / counts
    return pd.DataFrame(
        {"n": counts, "response_rate": rate, "variance": variance},
        index=pd.RangeIndex(1, n_bins + 1, name="bin"),
    )


def uplift_by_decile(
    y_true: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    n_bins: int = 10,
    strategy: Literal["overall", "by_group"] = "overall",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Tabulate uplift by score bin: both arms' counts and response, their difference, gain.

    Rows are ranked by descending predicted ``uplift`` and cut into ``n_bins`` bins as in
    :func:`response_rate_by_percentile`. Per bin: treated and control counts and response
    rates, the observed uplift (treated minus control rate) with its standard error
    ``sqrt(v_t + v_c)`` and a normal (Wald) interval, and the cumulative gain: the
    incremental outcome of targeting this and the better bins,
    ``(mean_t - mean_c) * n`` over them (the uplift curve at the bin's end, in outcome
    units). ``n_treated`` ... ``std_uplift`` equal scikit-uplift's ``uplift_by_percentile``
    (``std=True``) when the scores are distinct and the rows split evenly into the bins.

    Parameters
    ----------
    y_true : array-like
        Outcomes (binary or continuous).
    uplift : array-like
        Predicted uplift.
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    n_bins : int, default 10
        Number of bins (10: deciles, 100: percentiles).
    strategy : {"overall", "by_group"}, default "overall"
        Rank over all rows, or within each arm.
    confidence : float, default 0.95
        Level of the intervals, in (0, 1).

    Returns
    -------
    DataFrame
        Indexed by ``bin`` (1 = highest predicted uplift): ``n_treated``, ``n_control``,
        ``response_rate_treated``, ``response_rate_control``, ``uplift``, ``std_uplift``,
        ``ci_low``, ``ci_high``, ``cumulative_gain``, ``confidence`` and ``method``.
        A bin without treated or without control rows is an error (use fewer bins).

    Examples
    --------
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.propensity.metrics import uplift_by_decile
    >>> d = make_uplift_data(20_000, random_state=0)
    >>> table = uplift_by_decile(d["outcome"], d["true_uplift"], d["treatment"])
    >>> table[["n_treated", "n_control", "uplift"]].round(2).head(3)
         n_treated  n_control  uplift
    bin
    1          989       1011    0.40
    2         1008        992    0.24
    3          998       1002    0.16
    """
    y, score, t = _uplift_inputs(y_true, uplift, treated)
    level = check_confidence(confidence)
    arms = {
        group: response_rate_by_percentile(
            y, score, t, group=group, n_bins=n_bins, strategy=strategy
        )
        for group in ("treated", "control")
    }
    treated_bins, control_bins = arms["treated"], arms["control"]
    table = pd.DataFrame(
        {
            "n_treated": treated_bins["n"],
            "n_control": control_bins["n"],
            "response_rate_treated": treated_bins["response_rate"],
            "response_rate_control": control_bins["response_rate"],
        }
    )
    table["uplift"] = table["response_rate_treated"] - table["response_rate_control"]
    table["std_uplift"] = np.sqrt(treated_bins["variance"] + control_bins["variance"])
    z = float(norm.ppf(0.5 + level / 2.0))
    table["ci_low"] = table["uplift"] - z * table["std_uplift"]
    table["ci_high"] = table["uplift"] + z * table["std_uplift"]
    n_t, n_c = table["n_treated"].cumsum(), table["n_control"].cumsum()
    y_t = (table["response_rate_treated"] * table["n_treated"]).cumsum()
    y_c = (table["response_rate_control"] * table["n_control"]).cumsum()
    table["cumulative_gain"] = (y_t / n_t - y_c / n_c) * (n_t + n_c)
    table["confidence"] = level
    table["method"] = "wald"
    return table


# --- intervals and scorers ---------------------------------------------------------------------


class _Interval(NamedTuple):
    """The pre-0.2.0 result of :func:`bootstrap_interval` (now an :class:`Estimate`)."""

    estimate: float
    low: float
    high: float
    confidence_level: float
    n_resamples: int


def __getattr__(name: str) -> object:
    # ``Interval`` is importable for one more release; bootstrap_interval returns an Estimate.
    if name == "Interval":
        warnings.warn(
            "precimark.propensity.metrics.Interval is deprecated since precimark 0.2.0 and will "
            "be removed in 0.3.0; bootstrap_interval returns a precimark.kpi.Estimate "
            "(value, ci_low, ci_high, confidence).",
            FutureWarning,
            stacklevel=2,
        )
        return _Interval
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@deprecated_alias(confidence_level="confidence", treatment="treated")
def bootstrap_interval(
    metric: Callable[..., float],
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    treated: npt.ArrayLike | None = None,
    *,
    random_state: SeedLike,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    **kwargs: Any,
) -> Estimate:
    """Percentile bootstrap confidence interval for any metric of this module.

    Rows are resampled with replacement within strata, so every resample keeps the sample's
    composition: within the treatment arms when ``treated`` is given, else within the
    outcome classes when ``y_true`` is 0/1.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_score, **kwargs)``, or ``metric(y_true, y_score, treated,
        **kwargs)`` when ``treated`` is given.
    y_true, y_score : array-like
        Outcomes and scores.
    treated : array-like of 0/1, optional
        Treatment indicator (1 treated, 0 control), for uplift metrics.
    random_state : int, numpy Generator or None
        Source of randomness (explicit: the same int gives the same interval).
    n_resamples : int, default 1000
        Number of resamples.
    confidence : float, default 0.95
        Confidence level of the interval, in (0, 1).
    **kwargs
        Passed to ``metric`` (e.g. ``k=0.1``); ``propensity`` and ``sample_weight`` arrays
        are resampled with the rows.

    Other Parameters
    ----------------
    treatment : array-like of 0/1, optional
        Deprecated since 0.2.0 (removed in 0.3.0); use ``treated``.
    confidence_level : float
        Deprecated since 0.2.0 (removed in 0.3.0); use ``confidence``.

    Returns
    -------
    Estimate
        ``value`` is the metric on the data as given; ``ci_low``/``ci_high`` the percentile
        interval; ``method`` ``"bootstrap-percentile"`` (as :func:`precimark.kpi.bootstrap`)
        with the number of resamples; ``n`` the number of rows (of positive weight, with
        ``sample_weight``). Until 0.2.0 this was a named tuple ``Interval(estimate, low,
        high, confidence_level, n_resamples)``.

    Examples
    --------
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.propensity.metrics import bootstrap_interval, qini_auc_score
    >>> d = make_uplift_data(2_000, random_state=0)
    >>> ci = bootstrap_interval(qini_auc_score, d["outcome"], d["true_uplift"], d["treatment"],
    ...                         random_state=0, n_resamples=200)
    >>> bool(ci.ci_low < ci.value < ci.ci_high), ci.method, ci.n
    (True, 'bootstrap-percentile (200 resamples)', 2000)
    """
    y = _vector(y_true, "y_true")
    score = _vector(y_score, "y_score", len(y))
    t = None if treated is None else _vector(treated, "treated", len(y))
    n_resamples = int(check_number(n_resamples, "n_resamples", low=2, integer=True))
    level = check_confidence(confidence)
    extra: tuple[FloatArray, ...] = () if t is None else (t,)
    per_row = {}  # resampled with the rows; None means not given
    for name in ("propensity", "sample_weight"):
        column = kwargs.pop(name, None)
        if column is not None:
            per_row[name] = _vector(column, name, len(y))
    kwargs.update(per_row)
    estimate = float(metric(y, score, *extra, **kwargs))
    if "sample_weight" in per_row:  # rows of weight 0 are not there: resample the others
        kept = per_row["sample_weight"] > 0
        y, score, extra = y[kept], score[kept], tuple(a[kept] for a in extra)
        t = None if t is None else t[kept]
        per_row = {name: column[kept] for name, column in per_row.items()}
    strata = t if t is not None else (y if np.isin(y, (0.0, 1.0)).all() else np.zeros_like(y))
    groups = [np.flatnonzero(strata == value) for value in np.unique(strata)]
    rng = to_rng(random_state)
    values = np.empty(n_resamples)
    for i in range(n_resamples):
        rows = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in groups])
        kwargs.update({name: column[rows] for name, column in per_row.items()})
        values[i] = metric(y[rows], score[rows], *(a[rows] for a in extra), **kwargs)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return Estimate(
        estimate,
        float(low),
        float(high),
        level,
        f"bootstrap-percentile ({n_resamples} resamples)",
        len(y),
    )


_UPLIFT_SCORES: dict[str, Callable[..., float]] = {
    "qini_auc_score": qini_auc_score,
    "uplift_auc_score": uplift_auc_score,
    "uplift_at_k": uplift_at_k,
}


def make_uplift_scorer(
    metric: Literal["qini_auc_score", "uplift_auc_score", "uplift_at_k"] = "qini_auc_score",
    **kwargs: Any,
) -> Any:
    """Make a scikit-learn scorer for an uplift metric that requests ``treated``.

    Use it with metadata routing enabled, so that ``cross_validate(model, X, y,
    params={"treated": t}, scoring=make_uplift_scorer())`` passes each fold's treatment
    indicator to both the model's ``fit`` and the scorer. The pre-0.2.0 routing key
    ``"treatment"`` is still requested for one release (it reaches the metric as the
    deprecated keyword, with a ``FutureWarning``). ``propensity`` is requested too, and, for
    the two areas, ``sample_weight``: ``params={"sample_weight": w}`` then weights the score
    as it weights the fit (``uplift_at_k`` has no weights and does not request them).

    Parameters
    ----------
    metric : {"qini_auc_score", "uplift_auc_score", "uplift_at_k"}, default "qini_auc_score"
        The metric.
    **kwargs
        Passed to the metric (e.g. ``k=0.2`` for ``uplift_at_k``).

    Returns
    -------
    scorer
        A scikit-learn scorer calling the model's ``predict``.

    Examples
    --------
    >>> import sklearn
    >>> from precimark.propensity.metrics import make_uplift_scorer
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     scorer = make_uplift_scorer("uplift_at_k", k=0.2)
    >>> scorer
    make_scorer(uplift_at_k, response_method='predict', k=0.2)
    """
    check_choice(metric, "metric", tuple(_UPLIFT_SCORES))
    if not sklearn.get_config().get("enable_metadata_routing", False):
        raise fail(
            "make_uplift_scorer",
            "metadata routing disabled",
            "routing enabled, so the scorer can receive the treatment",
            "Call it inside sklearn.config_context(enable_metadata_routing=True).",
        )
    scorer = make_scorer(_UPLIFT_SCORES[metric], **kwargs)
    weighted = {} if metric == "uplift_at_k" else {"sample_weight": True}  # the two areas
    return scorer.set_score_request(treated=True, treatment=True, propensity=True, **weighted)
