"""The :class:`Estimate`: every KPI precimark reports is a value with its uncertainty.

A bare number invites over-reading ("conversion is up 0.4 points!"); an :class:`Estimate`
carries the value, a confidence interval, the method that produced it, the confidence level,
the sample size, an optional p-value (for differences, against "no difference") and any
warnings about the assumptions behind it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy import stats

from precimark._display import html_block, markdown_block
from precimark._validation import check_probability, fail

__all__ = ["ESTIMATE_COLUMNS", "Estimate", "estimates_frame"]

ESTIMATE_COLUMNS: tuple[str, ...] = (
    "value",
    "ci_low",
    "ci_high",
    "confidence",
    "method",
    "n",
    "p_value",
    "warnings",
)
"""Columns of :meth:`Estimate.to_dict` and :func:`estimates_frame`, in order."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """A KPI value with its confidence interval.

    Parameters
    ----------
    value : float
        The point estimate.
    ci_low, ci_high : float
        Bounds of the two-sided confidence interval (may be infinite when the quantity is
        unbounded, e.g. a cost per incremental customer whose incremental count may be 0).
    confidence : float
        Confidence level of the interval, e.g. 0.95.
    method : str
        How the value and interval were computed (e.g. ``"wilson"``, ``"welch"``).
    n : int
        Sample size (number of units: customers, respondents, ...).
    p_value : float, optional
        Two-sided p-value against "no difference", for differences; None otherwise.
    warnings : tuple of str
        Caveats about this estimate (small samples, descriptive only, ...).

    Examples
    --------
    >>> from precimark.kpi import Estimate
    >>> est = Estimate(0.25, 0.2, 0.3, confidence=0.95, method="wilson", n=300)
    >>> est
    Estimate(0.25, 95% CI [0.2, 0.3], method='wilson', n=300)
    >>> est.contains(0.28), est.width
    (True, 0.09999999999999998)
    """

    value: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    n: int
    p_value: float | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_probability(self.confidence, "confidence", inclusive="neither")
        if self.ci_low > self.ci_high:
            raise fail(
                "argument 'ci_low'", f"{self.ci_low} > ci_high {self.ci_high}", "ci_low <= ci_high"
            )

    @property
    def width(self) -> float:
        """Width of the confidence interval."""
        return self.ci_high - self.ci_low

    def contains(self, value: float) -> bool:
        """Return whether ``value`` lies inside the closed confidence interval."""
        return self.ci_low <= value <= self.ci_high

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict: plain floats, ints, strings, a list of warnings.

        Infinite bounds (e.g. an unbounded cost per incremental customer) become None.

        Examples
        --------
        >>> from precimark.kpi import proportion
        >>> proportion(30, 120).to_dict()["method"]
        'wilson'
        """
        return {
            "value": _finite_or_none(self.value),
            "ci_low": _finite_or_none(self.ci_low),
            "ci_high": _finite_or_none(self.ci_high),
            "confidence": float(self.confidence),
            "method": self.method,
            "n": int(self.n),
            "p_value": None if self.p_value is None else float(self.p_value),
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """Return a one-row frame with columns :data:`ESTIMATE_COLUMNS`.

        Examples
        --------
        >>> from precimark.kpi import proportion
        >>> proportion(30, 120).to_frame()[["value", "method", "n"]]
           value  method    n
        kpi
        0   0.25  wilson  120
        """
        return estimates_frame([self])

    def _repr_html_(self) -> str:
        return html_block(repr(self), self.to_frame())

    def _repr_markdown_(self) -> str:
        return markdown_block(repr(self), self.to_frame())

    def __repr__(self) -> str:
        level = f"{100 * self.confidence:g}%"
        text = (
            f"Estimate({self.value:.6g}, {level} CI [{self.ci_low:.6g}, {self.ci_high:.6g}], "
            f"method={self.method!r}, n={self.n}"
        )
        if self.p_value is not None:
            text += f", p={self.p_value:.3g}"
        if self.warnings:
            text += f", warnings={len(self.warnings)}"
        return text + ")"


def estimates_frame(estimates: Mapping[str, Estimate] | Sequence[Estimate]) -> pd.DataFrame:
    """Gather estimates into one frame, one row per KPI, columns :data:`ESTIMATE_COLUMNS`.

    Parameters
    ----------
    estimates : Mapping[str, Estimate] or sequence of Estimate
        Named estimates (the names become the index, ``kpi``) or an unnamed sequence.

    Returns
    -------
    DataFrame
        One row per estimate; ``warnings`` joined with ``"; "``.

    Examples
    --------
    >>> from precimark.kpi import estimates_frame, proportion
    >>> estimates_frame({"csat": proportion(80, 100)})[["value", "method", "n"]]
          value  method    n
    kpi
    csat    0.8  wilson  100
    """
    items = (
        list(estimates.items()) if isinstance(estimates, Mapping) else list(enumerate(estimates))
    )
    for name, est in items:
        if not isinstance(est, Estimate):
            raise fail(f"estimate {name!r}", f"a {type(est).__name__}", "an Estimate")
    rows = [
        (
            e.value,
            e.ci_low,
            e.ci_high,
            e.confidence,
            e.method,
            e.n,
            e.p_value,
            "; ".join(e.warnings),
        )
        for _, e in items
    ]
    frame = pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
    frame.index = pd.Index([name for name, _ in items], name="kpi")
    frame["p_value"] = frame["p_value"].astype("float64")
    return frame


def check_confidence(confidence: object) -> float:
    """Validate a confidence level and return it as a float."""
    return check_probability(confidence, "confidence", inclusive="neither")


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level (1.959... for 0.95)."""
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _finite_or_none(value: float) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None
