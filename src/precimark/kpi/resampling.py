"""Percentile bootstrap for statistics of one or more independent samples.

Each sample is resampled with replacement independently (a stratified bootstrap: the group
sizes are fixed, as in a randomised test). The statistic is vectorised: it receives one
``(n_resamples, n_i)`` array per sample and returns one value per row. Resamples are drawn in
batches, so memory stays bounded for large samples. The same ``random_state`` gives the same
result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from precimark._progress import Progress
from precimark._typing import SeedLike
from precimark._validation import fail, to_rng
from precimark.kpi._checks import as_sample, check_count
from precimark.kpi.estimates import Estimate, check_confidence

__all__ = ["bootstrap"]

_BATCH_ELEMENTS = 4_000_000
_logger = logging.getLogger(__name__)

Statistic = Callable[..., npt.NDArray[np.float64]]


def bootstrap(
    statistic: Statistic,
    *samples: object,
    n_resamples: int = 2_000,
    confidence: float = 0.95,
    random_state: SeedLike = None,
    verbose: bool = False,
) -> Estimate:
    """Percentile bootstrap interval of ``statistic(*samples)``.

    Parameters
    ----------
    statistic : callable
        Vectorised statistic: ``statistic(*arrays)`` where each array has shape
        ``(k, n_i)`` returns an array of ``k`` values (reduce along ``axis=-1``).
    *samples : Series, array or list of numbers
        One or more independent samples (at least 2 values each).
    n_resamples : int, default 2000
        Number of bootstrap resamples (>= 100).
    confidence : float, default 0.95
        Confidence level.
    random_state : int, numpy Generator or None
        Seed; the same int gives the same interval.
    verbose : bool, default False
        Show the resamples done on stderr (batches of resamples; the duration is logged to
        the ``precimark`` logger in any case).

    Returns
    -------
    Estimate
        The statistic on the original samples, the percentile interval, method
        ``"bootstrap-percentile"``.

    Examples
    --------
    >>> import numpy as np
    >>> from precimark.kpi import bootstrap
    >>> def median_difference(a, b):
    ...     return np.median(a, axis=-1) - np.median(b, axis=-1)
    >>> a, b = [3.0, 0.0, 5.0, 2.0, 4.0], [1.0, 2.0, 0.0, 3.0, 1.0]
    >>> est = bootstrap(median_difference, a, b, random_state=0)
    >>> est.value, est.method
    (2.0, 'bootstrap-percentile')
    >>> bootstrap(median_difference, a, b, random_state=0) == est
    True
    """
    level = check_confidence(confidence)
    reps = check_count(n_resamples, "n_resamples", minimum=100)
    if not callable(statistic):
        raise fail("argument 'statistic'", f"a {type(statistic).__name__}", "a callable")
    if not samples:
        raise fail("argument 'samples'", "no sample", "at least one sample")
    rng = to_rng(random_state)
    arrays = [as_sample(s, f"samples[{i}]", min_size=2) for i, s in enumerate(samples)]
    observed = np.asarray(statistic(*(a[None, :] for a in arrays)))
    if observed.shape != (1,):
        raise fail(
            "argument 'statistic'",
            f"a function that returned shape {observed.shape} for one row of resamples",
            "shape (1,): one value per row",
            "Reduce along the last axis, e.g. lambda a: np.mean(a, axis=-1).",
        )
    value = float(observed[0])
    batch = max(1, _BATCH_ELEMENTS // sum(a.size for a in arrays))
    draws = []
    with Progress("bootstrap", reps, verbose=verbose, logger=_logger) as progress:
        for start in range(0, reps, batch):
            k = min(batch, reps - start)
            resampled = [a[rng.integers(0, a.size, (k, a.size))] for a in arrays]
            draws.append(np.asarray(statistic(*resampled), dtype=np.float64).reshape(k))
            progress.advance(k, detail="resamples")
    replicates = np.concatenate(draws)
    finite = np.isfinite(replicates)
    if not finite.any():
        raise fail("argument 'statistic'", "no finite value on any resample", "finite values")
    warnings: tuple[str, ...] = ()
    if not finite.all():
        warnings = (f"{int((~finite).sum())} resamples gave a non-finite statistic (dropped)",)
    low, high = np.quantile(replicates[finite], [0.5 - level / 2, 0.5 + level / 2])
    n = sum(a.size for a in arrays)
    return Estimate(
        value, float(low), float(high), level, "bootstrap-percentile", n, None, warnings
    )
