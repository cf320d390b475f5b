"""Customer satisfaction from survey answers: NPS, CSAT, mean rating, and wave differences.

Answers are a Series (indexed by customer or response id, used in error messages), an array or
a list of whole-number scores. Non-responses must be dropped explicitly beforehand: a missing
score is an error, never silently counted.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from precimark._validation import fail, fail_rows
from precimark.kpi._checks import as_sample, check_count
from precimark.kpi.estimates import Estimate, check_confidence, z_value
from precimark.kpi.intervals import mean, mean_difference, proportion, proportion_difference

__all__ = [
    "csat",
    "csat_difference",
    "mean_rating",
    "mean_rating_difference",
    "nps",
    "nps_difference",
]


def _scores(values: object, name: str, low: int, high: int) -> npt.NDArray[np.float64]:
    x = as_sample(values, name)
    bad = (x != np.round(x)) | (x < low) | (x > high)
    if bad.any():
        ids = values.index if isinstance(values, pd.Series) else np.arange(x.size)
        raise fail_rows(
            f"argument '{name}'", bad, ids, "score off the scale", f"whole numbers {low}-{high}"
        )
    return x


def _nps_parts(scores: object, name: str) -> tuple[float, float, int]:
    x = _scores(scores, name, 0, 10)
    return float(np.mean(x >= 9)), float(np.mean(x <= 6)), x.size


def _nps_variance(promoters: float, detractors: float, n: int) -> float:
    return (promoters + detractors - (promoters - detractors) ** 2) / n


def nps(scores: object, *, confidence: float = 0.95) -> Estimate:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), from -100 to 100.

    The interval is the Wald interval of a difference of two multinomial shares,
    ``se² = (p_P + p_D - (p_P - p_D)²) / n`` (times 100²); it needs a few dozen answers in
    each group to be reliable and warns below 30 answers.

    Parameters
    ----------
    scores : Series, array or list of int
        Answers to "How likely are you to recommend us?" on the 0-10 scale.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        Method ``"wald"``, on the -100..100 scale.

    Examples
    --------
    >>> from precimark.kpi import nps
    >>> nps([10, 9, 9, 8, 7, 3, 10, 6, 9, 10]).value
    40.0
    """
    level = check_confidence(confidence)
    promoters, detractors, n = _nps_parts(scores, "scores")
    value = 100.0 * (promoters - detractors)
    half = 100.0 * z_value(level) * math.sqrt(_nps_variance(promoters, detractors, n))
    warnings = ("fewer than 30 answers: the Wald interval may under-cover",) if n < 30 else ()
    return Estimate(value, value - half, value + half, level, "wald", n, None, warnings)


def nps_difference(scores_a: object, scores_b: object, *, confidence: float = 0.95) -> Estimate:
    """Difference of two independent NPS (wave a minus wave b, or group a minus group b).

    Examples
    --------
    >>> from precimark.kpi import nps_difference
    >>> nps_difference([10, 9, 9, 8, 7, 3] * 10, [10, 9, 6, 8, 7, 3] * 10).value
    33.33...
    """
    level = check_confidence(confidence)
    pa, da, na = _nps_parts(scores_a, "scores_a")
    pb, db, nb = _nps_parts(scores_b, "scores_b")
    value = 100.0 * ((pa - da) - (pb - db))
    se = 100.0 * math.sqrt(_nps_variance(pa, da, na) + _nps_variance(pb, db, nb))
    half = z_value(level) * se
    p_value = (1.0 if value == 0 else 0.0) if se == 0 else float(2 * stats.norm.sf(abs(value) / se))
    return Estimate(value, value - half, value + half, level, "wald", na + nb, p_value)


def _top_box(ratings: object, name: str, top_box: int, scale: int) -> tuple[int, int]:
    size = check_count(scale, "scale", minimum=2)
    box = check_count(top_box, "top_box", minimum=1)
    if box >= size:
        raise fail("argument 'top_box'", f"{box} for a {size}-point scale", "top_box < scale")
    x = _scores(ratings, name, 1, size)
    return int(np.count_nonzero(x > size - box)), x.size


def csat(
    ratings: object, *, top_box: int = 2, scale: int = 5, confidence: float = 0.95
) -> Estimate:
    """Estimate the customer satisfaction score: the share of ratings in the top boxes.

    Parameters
    ----------
    ratings : Series, array or list of int
        Ratings from 1 to ``scale``.
    top_box : int, default 2
        How many of the highest categories count as satisfied (4 and 5 on a 5-point scale).
    scale : int, default 5
        Highest rating.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        A proportion with the Wilson interval.

    Examples
    --------
    >>> from precimark.kpi import csat
    >>> csat([5, 4, 3, 5, 2, 4, 5, 1]).value
    0.625
    """
    satisfied, n = _top_box(ratings, "ratings", top_box, scale)
    return proportion(satisfied, n, confidence=confidence)


def csat_difference(
    ratings_a: object,
    ratings_b: object,
    *,
    top_box: int = 2,
    scale: int = 5,
    confidence: float = 0.95,
) -> Estimate:
    """Difference of two independent CSAT shares (a - b), Newcombe interval.

    Examples
    --------
    >>> from precimark.kpi import csat_difference
    >>> csat_difference([5, 4, 4, 2], [5, 3, 2, 1]).value
    0.5
    """
    sa, na = _top_box(ratings_a, "ratings_a", top_box, scale)
    sb, nb = _top_box(ratings_b, "ratings_b", top_box, scale)
    return proportion_difference(sa, na, sb, nb, confidence=confidence)


def mean_rating(ratings: object, *, scale: int = 5, confidence: float = 0.95) -> Estimate:
    """Mean rating on a 1..``scale`` scale with a t interval.

    Ratings are ordinal: a mean treats the steps as equal. Report :func:`csat` alongside.

    Examples
    --------
    >>> from precimark.kpi import mean_rating
    >>> mean_rating([5, 4, 3, 5, 2, 4, 5, 1]).value
    3.625
    """
    x = _scores(ratings, "ratings", 1, check_count(scale, "scale", minimum=2))
    return mean(x, confidence=confidence)


def mean_rating_difference(
    ratings_a: object, ratings_b: object, *, scale: int = 5, confidence: float = 0.95
) -> Estimate:
    """Difference of two independent mean ratings (a - b), Welch interval.

    Examples
    --------
    >>> from precimark.kpi import mean_rating_difference
    >>> mean_rating_difference([5, 4, 4, 2], [5, 3, 2, 1]).value
    1.0
    """
    size = check_count(scale, "scale", minimum=2)
    a = _scores(ratings_a, "ratings_a", 1, size)
    b = _scores(ratings_b, "ratings_b", 1, size)
    return mean_difference(a, b, confidence=confidence)
