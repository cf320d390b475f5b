"""Always-valid monitoring: a confidence sequence for a difference between two arms.

A team that looks at its test every day and stops when the 95% interval excludes 0 is wrong
far more than 5% of the time: each look is another chance for noise to cross the line. A
*confidence sequence* is a sequence of intervals that covers the true difference at every look
simultaneously with probability at least ``confidence``, so it can be watched continuously
and the test stopped whenever it excludes 0 (Howard, Ramdas, McAuliffe & Sekhon 2021;
Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas 2021).

:func:`confidence_sequence` uses the two-sided normal-mixture boundary in its asymptotic form
(Waudby-Smith et al. 2021, eq. 2.7): after ``t`` customers, with ``s_t² = t v_t`` and
``v_t = s_treated² / n_treated + s_control² / n_control`` the usual variance of the difference
in means,

    difference ± s_t sqrt(2 (t r² + 1) / (t² r²) log(sqrt(t r² + 1) / a)),

with ``a = 1 - confidence`` and ``r² = (-2 log a + log(1 - 2 log a)) / planned_n``, which makes
the sequence narrowest at the planned number of customers. It holds for conversions (0/1
outcomes) and amounts alike. The price of always-valid coverage is width: at the planned size
the sequence is roughly 1.5 to 2 times as wide as the fixed-horizon interval, which
:func:`confidence_sequence` reports alongside (valid only for one look decided in advance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from precimark._display import html_block
from precimark._validation import fail
from precimark.kpi._checks import as_sample, check_count
from precimark.kpi.estimates import Estimate, check_confidence
from precimark.kpi.estimates import _finite_or_none as finite_or_none

__all__ = ["SEQUENCE_COLUMNS", "ConfidenceSequence", "confidence_sequence"]

SEQUENCE_COLUMNS: tuple[str, ...] = (
    "n_treated",
    "n_control",
    "difference",
    "cs_low",
    "cs_high",
    "ci_low",
    "ci_high",
)
"""Columns of :attr:`ConfidenceSequence.table`, indexed by ``n`` (customers so far)."""

_METHOD = "confidence-sequence (normal mixture)"


@dataclass(frozen=True)
class ConfidenceSequence:
    """A confidence sequence for ``mean(treated) - mean(control)``, one row per look.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``n``, the number of customers observed at the look; columns
        :data:`SEQUENCE_COLUMNS`: arm sizes, the difference, the always-valid bounds
        ``cs_low``/``cs_high`` and the fixed-horizon Welch bounds ``ci_low``/``ci_high``
        (valid only for a single, pre-planned look).
    confidence : float
        Simultaneous coverage level of the sequence over all looks.
    planned_n : int
        Number of customers at which the sequence was tuned to be narrowest.
    """

    table: pd.DataFrame
    confidence: float
    planned_n: int

    @property
    def final(self) -> Estimate:
        """The sequence at the last look, as an :class:`Estimate`."""
        row = self.table.iloc[-1]
        return Estimate(
            float(row["difference"]),
            float(row["cs_low"]),
            float(row["cs_high"]),
            self.confidence,
            _METHOD,
            int(self.table.index[-1]),
        )

    def first_exclusion(self, value: float = 0.0) -> int | None:
        """Return the first look (customers observed) whose sequence excludes ``value``.

        Stopping there keeps the error rate at ``1 - confidence``; None if no look does.
        """
        out = (self.table["cs_low"] > value) | (self.table["cs_high"] < value)
        return int(self.table.index[out.to_numpy()][0]) if out.any() else None

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`table`."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict: settings, the final look and every look's row.

        Examples
        --------
        >>> import json, numpy as np
        >>> from precimark.kpi import confidence_sequence
        >>> rng = np.random.default_rng(0)
        >>> treated = rng.random(2_000) < 0.5
        >>> bought = (rng.random(2_000) < 0.1 + 0.05 * treated).astype(float)
        >>> seq = confidence_sequence(bought, treated, planned_n=2_000, looks=[500, 1_000, 2_000])
        >>> sorted(json.loads(json.dumps(seq.to_dict(), allow_nan=False)))
        ['confidence', 'final', 'looks', 'method', 'planned_n']
        """
        columns = {c: self.table[c].to_numpy() for c in SEQUENCE_COLUMNS}
        counts = self.table.index.to_numpy(dtype=np.int64)
        looks: list[dict[str, Any]] = [
            {
                "n": int(n),
                "n_treated": int(columns["n_treated"][k]),
                "n_control": int(columns["n_control"][k]),
                **{c: finite_or_none(columns[c][k]) for c in SEQUENCE_COLUMNS[2:]},
            }
            for k, n in enumerate(counts)
        ]
        return {
            "method": _METHOD,
            "confidence": float(self.confidence),
            "planned_n": int(self.planned_n),
            "final": self.final.to_dict(),
            "looks": looks,
        }

    def _repr_html_(self) -> str:
        title = f"Confidence sequence, {100 * self.confidence:g}% simultaneous"
        return html_block(title, self.to_frame(), notes=[f"final look: {self.final!r}"])


def confidence_sequence(
    values: object,
    treated: object,
    *,
    planned_n: int,
    confidence: float = 0.95,
    looks: object = None,
    min_per_arm: int = 30,
) -> ConfidenceSequence:
    """Confidence sequence for a difference in means (or conversion rates) between two arms.

    Parameters
    ----------
    values : Series, array or list of numbers
        One outcome per customer **in the order the customers entered the test** (0/1 for
        conversion, an amount for revenue). Outcomes must be final when read: a conversion
        window still open for the latest customers biases the difference toward 0.
    treated : Series, array or list of 0/1 or bool
        Arm of each customer, same order: True/1 for treated, False/0 for control.
    planned_n : int
        The number of customers you plan to reach, fixed before the test starts (for
        example from :func:`precimark.kpi.sample_size`): the sequence is narrowest there.
        It remains valid before and after.
    confidence : float, default 0.95
        Coverage of the sequence, simultaneously over all looks.
    looks : array-like of int, optional
        Customer counts at which to report the sequence (e.g. the count at the end of each
        day). Default: every count from the first at which both arms have 2 customers.
    min_per_arm : int, default 30
        Customers needed in each arm before the sequence has finite bounds (earlier looks
        report ``-inf``/``inf``). The guarantee is asymptotic: with a variance estimated from
        a handful of customers it does not hold (in simulation, a 5% conversion rate covers
        only from about 30 customers per arm). Raise it for rarer outcomes.

    Returns
    -------
    ConfidenceSequence
        One row per look, with the fixed-horizon interval beside the sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from precimark.kpi import confidence_sequence
    >>> rng = np.random.default_rng(0)
    >>> treated = rng.random(4_000) < 0.5
    >>> bought = (rng.random(4_000) < 0.1 + 0.04 * treated).astype(float)
    >>> seq = confidence_sequence(bought, treated, planned_n=4_000, looks=[1_000, 2_000, 4_000])
    >>> seq.table[["difference", "cs_low", "cs_high", "ci_low", "ci_high"]].round(3)
          difference  cs_low  cs_high  ci_low  ci_high
    n
    1000       0.020  -0.050    0.090  -0.022    0.062
    2000       0.018  -0.028    0.064  -0.011    0.047
    4000       0.042   0.010    0.073   0.021    0.062
    """
    level = check_confidence(confidence)
    y = as_sample(values, "values", min_size=4)
    arm = _flags(treated, y.size)
    target = check_count(planned_n, "planned_n", minimum=4)
    burn_in = check_count(min_per_arm, "min_per_arm", minimum=2)
    alpha = 1.0 - level
    n_t = np.cumsum(arm, dtype=np.int64)
    n_c = np.arange(1, y.size + 1) - n_t
    ready = (n_t >= 2) & (n_c >= 2)
    if not ready.any():
        raise fail("argument 'treated'", "fewer than 2 customers in an arm", "2+ in each arm")
    first = int(np.argmax(ready))
    wanted = _looks(looks, first + 1, y.size)
    idx = wanted - 1
    shift = float(y.mean())  # variance is shift-invariant; centring only guards the sums
    z = y - shift
    mean_t, var_t = _running(z, arm, n_t)
    mean_c, var_c = _running(z, ~arm, n_c)
    nt, nc = n_t[idx].astype(np.float64), n_c[idx].astype(np.float64)
    vt, vc = var_t[idx], var_c[idx]
    diff = mean_t[idx] - mean_c[idx]
    v = vt / nt + vc / nc
    t = wanted.astype(np.float64)
    rho2 = (-2.0 * math.log(alpha) + math.log(1.0 - 2.0 * math.log(alpha))) / target
    half = np.sqrt(t * v) * np.sqrt(
        2.0 * (t * rho2 + 1.0) / (t * t * rho2) * np.log(np.sqrt(t * rho2 + 1.0) / alpha)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        df = v**2 / ((vt / nt) ** 2 / (nt - 1.0) + (vc / nc) ** 2 / (nc - 1.0))
    df = np.where(np.isfinite(df), df, nt + nc - 2.0)
    fixed = stats.t.ppf(0.5 + level / 2.0, df) * np.sqrt(v)
    unknown = (v <= 0.0) | (np.minimum(nt, nc) < burn_in)  # too early to bound
    half = np.where(unknown, np.inf, half)
    fixed = np.where(v <= 0.0, np.inf, fixed)
    table = pd.DataFrame(
        {
            "n_treated": n_t[idx],
            "n_control": n_c[idx],
            "difference": diff,
            "cs_low": diff - half,
            "cs_high": diff + half,
            "ci_low": diff - fixed,
            "ci_high": diff + fixed,
        },
        index=pd.Index(wanted, name="n"),
    )
    return ConfidenceSequence(table=table, confidence=level, planned_n=target)


def _running(
    z: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_], counts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return the running mean and sample variance (ddof=1) of ``z`` over the rows in ``mask``."""
    sums = np.cumsum(np.where(mask, z, 0.0))
    squares = np.cumsum(np.where(mask, z * z, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        means = sums / counts
        spread = squares - sums * means
        spread = np.where(spread <= 1e-10 * squares, 0.0, spread)  # rounding, not variation
        variances = spread / (counts - 1)
    return means, variances


def _flags(treated: object, size: int) -> npt.NDArray[np.bool_]:
    flags = as_sample(treated, "treated")
    if flags.size != size:
        raise fail("argument 'treated'", f"{flags.size} flags for {size} values", "one per value")
    bad = ~np.isin(flags, (0.0, 1.0))
    if bad.any():
        position = int(np.argmax(bad))
        raise fail(
            "argument 'treated'",
            f"{int(bad.sum())} values not 0/1 (first at position {position})",
            "True/False or 1/0",
        )
    chosen: npt.NDArray[np.bool_] = flags == 1.0
    return chosen


def _looks(looks: object, first: int, size: int) -> npt.NDArray[np.int64]:
    if looks is None:
        return np.arange(first, size + 1, dtype=np.int64)
    counts = np.unique(as_sample(looks, "looks"))
    whole = counts == np.round(counts)
    inside = (counts >= first) & (counts <= size)
    if not (whole & inside).all():
        raise fail(
            "argument 'looks'",
            f"counts outside {first}..{size} or not whole",
            f"customer counts from {first} (2 per arm) to {size}",
        )
    result: npt.NDArray[np.int64] = counts.astype(np.int64)
    return result
