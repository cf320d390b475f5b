"""Quantile metrics between two groups: the median basket, the top spenders' revenue."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from precimark._typing import SeedLike
from precimark._validation import check_probability
from precimark.kpi._checks import as_sample
from precimark.kpi.estimates import Estimate
from precimark.kpi.resampling import bootstrap

__all__ = ["quantile_difference"]


def quantile_difference(
    a: object,
    b: object,
    *,
    quantile: float = 0.5,
    n_resamples: int = 2_000,
    confidence: float = 0.95,
    random_state: SeedLike = None,
) -> Estimate:
    """Estimate the difference of a quantile between two groups with a seeded bootstrap.

    Quantile metrics answer "did the typical (median) basket grow?" or "did the top 10% of
    spenders spend more?", which a mean difference driven by a few large orders cannot. The
    interval is the percentile bootstrap of ``quantile(a) - quantile(b)``, each group
    resampled on its own (group sizes fixed, as in a randomised test); the same
    ``random_state`` gives the same interval.

    Parameters
    ----------
    a, b : Series, array or list of numbers
        One value per unit in each group (e.g. treated and control customers' revenue).
    quantile : float, default 0.5
        The quantile, strictly between 0 and 1 (0.5: the median; 0.9: the 90th percentile).
    n_resamples : int, default 2000
        Bootstrap resamples (>= 100).
    confidence : float, default 0.95
        Confidence level.
    random_state : int, numpy Generator or None
        Seed of the bootstrap.

    Returns
    -------
    Estimate
        Method ``"bootstrap-percentile"``; no p-value. A quantile that sits on a mass of
        equal values (the median of a revenue that is 0 for most customers) moves in jumps:
        the interval is then coarse, and a warning says so.

    Examples
    --------
    >>> from precimark.kpi import quantile_difference
    >>> a, b = [3.0, 0.0, 5.0, 2.0, 4.0, 6.0], [1.0, 2.0, 0.0, 3.0, 1.0, 2.0]
    >>> est = quantile_difference(a, b, random_state=0)
    >>> est.value, est.method
    (2.0, 'bootstrap-percentile')
    """
    q = check_probability(quantile, "quantile", inclusive="neither")

    def statistic(
        x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        result: npt.NDArray[np.float64] = np.quantile(x, q, axis=-1) - np.quantile(y, q, axis=-1)
        return result

    est = bootstrap(
        statistic, a, b, n_resamples=n_resamples, confidence=confidence, random_state=random_state
    )
    tied = [
        name
        for name, values in (("a", a), ("b", b))
        if _tied_at_quantile(as_sample(values, name, min_size=2), q)
    ]
    if not tied:
        return est
    note = (
        f"the {q:g} quantile of {' and '.join(tied)} sits on many equal values: the "
        "bootstrap interval is coarse"
    )
    return Estimate(
        est.value,
        est.ci_low,
        est.ci_high,
        est.confidence,
        est.method,
        est.n,
        None,
        (*est.warnings, note),
    )


def _tied_at_quantile(values: npt.NDArray[np.float64], q: float) -> bool:
    """Whether more than 5% of the values equal the sample quantile."""
    return bool(np.mean(values == np.quantile(values, q)) > 0.05)
