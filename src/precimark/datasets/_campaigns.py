"""Simulated campaigns with known individual uplift: observational and multi-arm.

The outcome model is :func:`~precimark.datasets.make_uplift_data`'s (one formula, in
:func:`_outcomes`): six standard-normal features, a baseline ``b(x)`` and an effect per arm.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import SeedLike
from precimark._validation import check_choice, check_number, check_probability, fail, to_rng

__all__ = ["make_multiarm_uplift_data", "make_observational_uplift_data"]

FloatArray = npt.NDArray[np.float64]
FEATURES = ("x0", "x1", "x2", "x3", "x4", "x5")


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-z))
    return out


def _effect(x: FloatArray, arm: int, outcome: str) -> FloatArray:
    """Effect of arm ``arm`` (0-based): on the log-odds (binary) or on spend (continuous).

    Arm 0 is :func:`make_uplift_data`'s treatment; odd arms reverse the sign of the ``x1``
    term and use ``x3`` instead of ``x2``, so the best arm differs between customers.
    """
    sign = 1.0 if arm % 2 == 0 else -1.0
    step = (x[:, 2 + 1 * (arm % 2)] > 0).astype(np.float64)
    if outcome == "binary":
        return 0.1 + 0.1 * arm + 0.8 * sign * x[:, 1] + 0.6 * step
    return 0.5 + 0.5 * arm + 4.0 * sign * x[:, 1] + 3.0 * step


def _outcomes(
    rng: np.random.Generator, x: FloatArray, arm: npt.NDArray[np.int64], n_arms: int, outcome: str
) -> tuple[npt.NDArray[np.float64] | npt.NDArray[np.int64], FloatArray]:
    """Draw the outcomes of rows assigned ``arm`` (0 control, ``j`` = arm ``j - 1``).

    Returns the outcomes and the true uplift of every arm, shape (n, n_arms).
    """
    uplift = np.empty((len(x), n_arms))
    if outcome == "binary":
        base = -1.0 + 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.4 * x[:, 3]
        p_control = _sigmoid(base)
        p = p_control.copy()
        for j in range(n_arms):
            p_arm = _sigmoid(base + _effect(x, j, outcome))
            uplift[:, j] = p_arm - p_control
            p = np.where(arm == j + 1, p_arm, p)
        return (rng.random(len(x)) < p).astype(np.int64), uplift
    for j in range(n_arms):
        uplift[:, j] = _effect(x, j, outcome)
    noise = rng.normal(0.0, 5.0, len(x))
    effect = np.zeros(len(x))
    for j in range(n_arms):
        effect = np.where(arm == j + 1, uplift[:, j], effect)
    y = 20.0 + 5.0 * x[:, 0] - 3.0 * x[:, 1] + 2.0 * x[:, 3] + effect + noise
    return y, uplift


def make_observational_uplift_data(
    n: int,
    *,
    random_state: SeedLike,
    confounding: float = 1.0,
    treatment_share: float = 0.5,
    outcome: Literal["binary", "continuous"] = "binary",
) -> pd.DataFrame:
    """Simulate an observational (confounded) campaign with known uplift and propensity.

    As :func:`make_uplift_data` (same features, outcome model and true uplift), except that
    the campaign was sent mostly to customers who would buy anyway: the probability of
    treatment is ``e(x) = sigmoid(logit(treatment_share) + confounding * (0.8 x0 + 0.4 x3))``,
    rising with the baseline purchase propensity. Comparing treated and control rows then
    overstates the effect (with ``confounding=1``: a difference in conversion rates of about
    0.20 for a true mean uplift of 0.07); a learner given ``propensity`` (the column, or a
    model of it) removes the bias.

    Parameters
    ----------
    n : int
        Number of customers (>= 2).
    random_state : int, numpy Generator or None
        Source of randomness; the same int gives the same data.
    confounding : float, default 1.0
        Strength of the dependence of treatment on the baseline (0: randomised).
    treatment_share : float, default 0.5
        Treatment probability of a customer with ``x0 = x3 = 0``, in (0, 1).
    outcome : {"binary", "continuous"}, default "binary"
        Conversion (0/1) or spend.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (1 ... n): ``x0`` ... ``x5``, ``treatment`` (0/1),
        ``propensity`` (the true ``e(x)``), ``outcome`` and ``true_uplift``.

    Examples
    --------
    >>> from precimark.datasets import make_observational_uplift_data
    >>> d = make_observational_uplift_data(50_000, random_state=0)
    >>> treated, control = d[d["treatment"] == 1], d[d["treatment"] == 0]
    >>> round(float(treated["outcome"].mean() - control["outcome"].mean()), 2)
    0.2
    >>> round(float(d["true_uplift"].mean()), 2)
    0.07
    """
    n = int(check_number(n, "n", low=2, integer=True))
    confounding = check_number(confounding, "confounding")
    share = check_probability(treatment_share, "treatment_share", inclusive="neither")
    check_choice(outcome, "outcome", ("binary", "continuous"))
    rng = to_rng(random_state)
    x = rng.standard_normal((n, len(FEATURES)))
    logit = np.log(share / (1.0 - share)) + confounding * (0.8 * x[:, 0] + 0.4 * x[:, 3])
    propensity = _sigmoid(logit)
    treatment = (rng.random(n) < propensity).astype(np.int64)
    y, uplift = _outcomes(rng, x, treatment, 1, outcome)
    frame = pd.DataFrame(x, columns=list(FEATURES))
    frame["treatment"] = treatment
    frame["propensity"] = propensity
    frame["outcome"] = y
    frame["true_uplift"] = uplift[:, 0]
    frame.index = pd.RangeIndex(1, n + 1, name="customer_id")
    return frame


def make_multiarm_uplift_data(
    n: int,
    *,
    random_state: SeedLike,
    arms: Sequence[str] = ("A", "B"),
    control: str = "control",
    outcome: Literal["binary", "continuous"] = "binary",
) -> pd.DataFrame:
    """Simulate a randomised campaign with several offers and known uplift of each.

    Each customer gets the control or one of the ``arms`` with equal probability. The
    baseline is :func:`make_uplift_data`'s; the first arm has its effect, and arm ``j``
    (0-based) has ``0.1 + 0.1 j + 0.8 s_j x1 + 0.6 [x_(2 + j mod 2) > 0]`` on the log-odds
    with ``s_j = +1`` for even and ``-1`` for odd ``j`` (spend: ``0.5 + 0.5 j + 4 s_j x1 +
    3 [...]``), so the best offer differs between customers.

    Parameters
    ----------
    n : int
        Number of customers (>= 2).
    random_state : int, numpy Generator or None
        Source of randomness; the same int gives the same data.
    arms : sequence of str, default ("A", "B")
        Labels of the offers (at least one, distinct, none equal to ``control``).
    control : str, default "control"
        Label of the control group.
    outcome : {"binary", "continuous"}, default "binary"
        Conversion (0/1) or spend.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (1 ... n): ``x0`` ... ``x5``, ``treatment`` (the label),
        ``outcome``, one ``true_uplift_<arm>`` column per arm and ``best_arm`` (the arm with
        the largest true uplift, or the control label when none is positive).

    Examples
    --------
    >>> from precimark.datasets import make_multiarm_uplift_data
    >>> d = make_multiarm_uplift_data(3_000, random_state=0)
    >>> sorted(d["treatment"].unique())
    ['A', 'B', 'control']
    >>> d.filter(like="true_uplift").columns.tolist()
    ['true_uplift_A', 'true_uplift_B']
    """
    n = int(check_number(n, "n", low=2, integer=True))
    labels = [str(a) for a in arms] if not isinstance(arms, str) else []
    if not labels or len(set(labels)) != len(labels) or control in labels:
        raise fail(
            "argument 'arms'",
            repr(arms),
            f"one or more distinct labels other than the control label {control!r}",
        )
    check_choice(outcome, "outcome", ("binary", "continuous"))
    rng = to_rng(random_state)
    x = rng.standard_normal((n, len(FEATURES)))
    arm = rng.integers(0, len(labels) + 1, n).astype(np.int64)
    y, uplift = _outcomes(rng, x, arm, len(labels), outcome)
    names = np.asarray([control, *labels], dtype=object)
    frame = pd.DataFrame(x, columns=list(FEATURES))
    frame["treatment"] = names[arm]
    frame["outcome"] = y
    for j, label in enumerate(labels):
        frame[f"true_uplift_{label}"] = uplift[:, j]
    best = np.where(uplift.max(axis=1) > 0, np.argmax(uplift, axis=1) + 1, 0)
    frame["best_arm"] = names[best]
    frame.index = pd.RangeIndex(1, n + 1, name="customer_id")
    return frame
