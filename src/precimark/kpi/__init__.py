"""KPI evaluation: did it work, what did it cost, and with what certainty.

Every KPI is an :class:`Estimate` (value, confidence interval, method, level, n, p-value,
warnings):

- intervals: :func:`proportion` (Wilson), :func:`proportion_difference` (Newcombe),
  :func:`mean`, :func:`mean_difference` (Welch), :func:`relative_difference` and
  :func:`ratio` (delta method), :func:`bootstrap`;
- a transaction log: :func:`retention_rate`, :func:`churn_rate`,
  :func:`repeat_purchase_rate`, :func:`purchase_frequency`, :func:`average_order_value`,
  :func:`cohort_retention`, :func:`sales_growth`;
- surveys and referrals: :func:`nps`, :func:`csat`, :func:`mean_rating` and their
  differences, :func:`referral_rate`, :func:`referrer_rate`;
- campaigns: :func:`campaign_effect` (CUPED, sample-ratio check), :func:`evaluate_campaign`
  and :class:`CampaignReport`, money KPIs (:func:`roi`, :func:`roas`, ...), multiple testing
  (:func:`adjust_table`), mergeable :class:`MetricAggregates` for partitioned data.
- quasi-experiments (no randomised hold-out): :func:`synthetic_control`,
  :func:`interrupted_time_series`, :func:`difference_in_differences` (event study).
- ratio metrics between arms: :func:`ratio_difference` (delta method);
- several arms against one control: :func:`compare_arms` (:class:`ArmComparison`, with the
  family-wise correction); quantile metrics: :func:`quantile_difference` (seeded bootstrap);
- monitoring every day: :func:`confidence_sequence` (always-valid intervals);
- planning a test: :func:`sample_size`, :func:`power`, :func:`minimum_detectable_effect`
  (:class:`PowerAnalysis`).

The user guide (``docs/kpi.md``) explains each KPI, its interval and its pitfalls.
"""

from __future__ import annotations

from typing import Any

from precimark.kpi.aggregates import AGGREGATE_COLUMNS, MetricAggregates
from precimark.kpi.arms import ArmComparison, compare_arms
from precimark.kpi.campaign import (
    SRM_THRESHOLD,
    CampaignEffect,
    campaign_effect,
    cumulative_incremental_revenue,
    sales_growth,
    sample_ratio_mismatch,
)
from precimark.kpi.estimates import ESTIMATE_COLUMNS, Estimate, estimates_frame
from precimark.kpi.finance import (
    campaign_cost,
    cost_per_incremental_customer,
    incremental_revenue,
    payback_period,
    roas,
    roi,
)
from precimark.kpi.intervals import (
    mean,
    mean_difference,
    proportion,
    proportion_difference,
    ratio,
    ratio_difference,
    relative_difference,
)
from precimark.kpi.multiple import adjust_pvalues, adjust_table
from precimark.kpi.power import (
    PowerAnalysis,
    minimum_detectable_effect,
    power,
    sample_size,
)
from precimark.kpi.quantiles import quantile_difference
from precimark.kpi.quasi import (
    DifferenceInDifferences,
    InterruptedTimeSeries,
    SyntheticControl,
    difference_in_differences,
    interrupted_time_series,
    synthetic_control,
)
from precimark.kpi.referral import referral_rate, referrer_rate
from precimark.kpi.report import CampaignReport, evaluate_campaign
from precimark.kpi.resampling import bootstrap
from precimark.kpi.retention import (
    average_order_value,
    churn_rate,
    cohort_retention,
    customer_activity,
    purchase_frequency,
    repeat_purchase_rate,
    retention_rate,
)
from precimark.kpi.satisfaction import (
    csat,
    csat_difference,
    mean_rating,
    mean_rating_difference,
    nps,
    nps_difference,
)
from precimark.kpi.sequential import SEQUENCE_COLUMNS, ConfidenceSequence, confidence_sequence

__all__ = [
    "AGGREGATE_COLUMNS",
    "ArmComparison",
    "CampaignEffect",
    "CampaignReport",
    "DifferenceInDifferences",
    "ConfidenceSequence",
    "ESTIMATE_COLUMNS",
    "Estimate",
    "InterruptedTimeSeries",
    "MetricAggregates",
    "PowerAnalysis",
    "SEQUENCE_COLUMNS",
    "SRM_THRESHOLD",
    "SyntheticControl",
    "adjust_pvalues",
    "adjust_table",
    "average_order_value",
    "bootstrap",
    "campaign_cost",
    "campaign_effect",
    "churn_rate",
    "cohort_retention",
    "compare_arms",
    "confidence_sequence",
    "cost_per_incremental_customer",
    "csat",
    "csat_difference",
    "cumulative_incremental_revenue",
    "difference_in_differences",
    "customer_activity",
    "estimates_frame",
    "evaluate_campaign",
    "incremental_revenue",
    "interrupted_time_series",
    "mean",
    "mean_difference",
    "mean_rating",
    "mean_rating_difference",
    "minimum_detectable_effect",
    "nps",
    "nps_difference",
    "payback_period",
    "plot_cohort_retention",
    "plot_cumulative_incremental_revenue",
    "plot_lift",
    "power",
    "proportion",
    "proportion_difference",
    "purchase_frequency",
    "quantile_difference",
    "ratio",
    "ratio_difference",
    "referral_rate",
    "referrer_rate",
    "relative_difference",
    "repeat_purchase_rate",
    "retention_rate",
    "roas",
    "roi",
    "sales_growth",
    "sample_size",
    "sample_ratio_mismatch",
    "synthetic_control",
]


_CHARTS = ("plot_cohort_retention", "plot_cumulative_incremental_revenue", "plot_lift")


def __getattr__(name: str) -> Any:
    """Keep ``precimark.kpi.plot_*`` importable: the charts live in :mod:`precimark.plot`.

    Imported on first use, so ``import precimark.kpi`` imports neither the chart modules nor
    matplotlib.
    """
    if name in _CHARTS:
        from precimark.plot import kpi as charts

        return getattr(charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
