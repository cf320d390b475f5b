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
    ratio,
    relative_difference,
)
from precimark.kpi.retention import (
    average_order_value,
    churn_rate,
    cohort_retention,
    customer_activity,
    purchase_frequency,
    repeat_purchase_rate,
    retention_rate,
)

__all__ = [
    "ESTIMATE_COLUMNS",
    "Estimate",
    "average_order_value",
    "churn_rate",
    "cohort_retention",
    "customer_activity",
    "estimates_frame",
    "mean",
    "mean_difference",
    "proportion",
    "proportion_difference",
    "purchase_frequency",
    "ratio",
    "relative_difference",
    "repeat_purchase_rate",
    "retention_rate",
]
