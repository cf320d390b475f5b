"""A simulated randomised campaign whose individual uplift is known.

Re-exported as :func:`precimark.datasets.make_uplift_data`. Used to test uplift models and
metrics against the truth: every row carries the true uplift (the difference between its
expected outcome with and without the offer).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from precimark._typing import SeedLike
from precimark._validation import check_choice, fail

__all__ = ["UPLIFT_FEATURES", "make_uplift_data"]

UPLIFT_FEATURES: tuple[str, ...] = ("x0", "x1", "x2", "x3", "x4", "x5")
"""Feature columns of :func:`make_uplift_data`."""


def make_uplift_data(
    n: int,
    *,
    seed: SeedLike,
    treatment_share: float = 0.5,
    outcome: Literal["binary", "continuous"] = "binary",
) -> pd.DataFrame:
    """Simulate a randomised campaign with known individual uplift.

    Six standard-normal features ``x0`` ... ``x5``; ``x4`` and ``x5`` are pure noise. Each
    customer is treated (offered the campaign) independently with probability
    ``treatment_share``.

    - ``outcome="binary"`` (conversion): ``P(y = 1) = sigmoid(b(x) + t * g(x))`` with baseline
      ``b(x) = -1 + 0.8 x0 - 0.5 x1 + 0.4 x3`` and effect on the log-odds
      ``g(x) = 0.1 + 0.8 x1 + 0.6 [x2 > 0]``; the true uplift is
      ``sigmoid(b + g) - sigmoid(b)`` (negative for some customers: "sleeping dogs").
    - ``outcome="continuous"`` (spend): ``y = 20 + 5 x0 - 3 x1 + 2 x3 + t * tau(x) + e`` with
      ``tau(x) = 0.5 + 4 x1 + 3 [x2 > 0]`` and ``e ~ N(0, 5^2)``; the true uplift is
      ``tau(x)``.

    Parameters
    ----------
    n : int
        Number of customers (>= 2).
    seed : int, numpy Generator or None
        Source of randomness; the same int gives the same data.
    treatment_share : float, default 0.5
        Probability of being treated, in (0, 1).
    outcome : {"binary", "continuous"}, default "binary"
        Conversion (0/1) or spend.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (1 ... n): the features, ``treatment`` (0/1), ``outcome``
        and ``true_uplift``.

    Examples
    --------
    >>> from precimark._campaign_sim import make_uplift_data
    >>> data = make_uplift_data(1_000, seed=0)
    >>> data.columns.tolist()
    ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'treatment', 'outcome', 'true_uplift']
    >>> bool(data["true_uplift"].between(-1, 1).all())
    True
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise fail("argument 'n'", repr(n), "a whole number >= 2")
    if isinstance(treatment_share, bool) or not 0.0 < float(treatment_share) < 1.0:
        raise fail("argument 'treatment_share'", repr(treatment_share), "a number in (0, 1)")
    check_choice(outcome, "outcome", ("binary", "continuous"))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((int(n), len(UPLIFT_FEATURES)))
    treatment = (rng.random(int(n)) < treatment_share).astype(np.int64)
    x0, x1, x2, x3 = x[:, 0], x[:, 1], x[:, 2], x[:, 3]
    positive_x2 = (x2 > 0).astype(np.float64)
    if outcome == "binary":
        base = -1.0 + 0.8 * x0 - 0.5 * x1 + 0.4 * x3
        effect = 0.1 + 0.8 * x1 + 0.6 * positive_x2
        p_control = 1.0 / (1.0 + np.exp(-base))
        p_treated = 1.0 / (1.0 + np.exp(-(base + effect)))
        true_uplift = p_treated - p_control
        p = np.where(treatment == 1, p_treated, p_control)
        y: np.ndarray = (rng.random(int(n)) < p).astype(np.int64)
    else:
        true_uplift = 0.5 + 4.0 * x1 + 3.0 * positive_x2
        noise = rng.normal(0.0, 5.0, int(n))
        y = 20.0 + 5.0 * x0 - 3.0 * x1 + 2.0 * x3 + treatment * true_uplift + noise
    frame = pd.DataFrame(x, columns=list(UPLIFT_FEATURES))
    frame["treatment"] = treatment
    frame["outcome"] = y
    frame["true_uplift"] = true_uplift
    frame.index = pd.RangeIndex(1, int(n) + 1, name="customer_id")
    return frame
