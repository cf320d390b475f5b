"""KPI evaluation: every figure a value with its confidence interval.

See the user guide page ``docs/kpi.md``.
"""

from __future__ import annotations

from precimark.kpi.estimates import ESTIMATE_COLUMNS, Estimate, estimates_frame
from precimark.kpi.intervals import (
    mean,
    mean_difference,
    proportion,
    proportion_difference,
    relative_difference,
)

__all__ = [
    "ESTIMATE_COLUMNS",
    "Estimate",
    "estimates_frame",
    "mean",
    "mean_difference",
    "proportion",
    "proportion_difference",
    "relative_difference",
]
