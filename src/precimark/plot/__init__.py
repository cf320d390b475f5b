"""Charts: the BTYD fit diagnostics, uplift and gains, KPIs, segments and channels.

Every function draws on ``ax`` (a new figure when None), returns the matplotlib ``Axes``,
never calls ``plt.show()`` and never changes matplotlib's global settings; axes are labelled
with units (the model's time unit for the CLV charts). matplotlib is imported only when a chart
is drawn: install the ``plot`` extra (``pip install 'precimark[plot]'``).

- CLV fit diagnostics (:mod:`precimark.plot.clv`): :func:`plot_period_transactions`,
  :func:`plot_calibration_vs_holdout`, :func:`plot_frequency_recency_matrix`,
  :func:`plot_probability_alive_matrix`, :func:`plot_expected_repeat_purchases`,
  :func:`plot_history_alive`, :func:`plot_tracking` (cumulative or incremental),
  :func:`plot_transaction_rate_heterogeneity`, :func:`plot_dropout_rate_heterogeneity`;
- propensity and uplift (:mod:`precimark.plot.propensity`): :func:`plot_qini_curve`,
  :func:`plot_uplift_curve`, :func:`plot_uplift_by_decile`, :func:`plot_gains`;
- KPIs (:mod:`precimark.plot.kpi`): :func:`plot_campaign_report`, :func:`plot_lift`,
  :func:`plot_cumulative_incremental_revenue`, :func:`plot_cohort_retention`;
- customers and channels: :func:`plot_segments`, :func:`plot_attribution`.
"""

from __future__ import annotations

from precimark.plot.channels import plot_attribution
from precimark.plot.clv import (
    plot_calibration_vs_holdout,
    plot_dropout_rate_heterogeneity,
    plot_expected_repeat_purchases,
    plot_frequency_recency_matrix,
    plot_history_alive,
    plot_period_transactions,
    plot_probability_alive_matrix,
    plot_tracking,
    plot_transaction_rate_heterogeneity,
)
from precimark.plot.kpi import (
    plot_campaign_report,
    plot_cohort_retention,
    plot_cumulative_incremental_revenue,
    plot_lift,
)
from precimark.plot.propensity import (
    plot_gains,
    plot_qini_curve,
    plot_uplift_by_decile,
    plot_uplift_curve,
)
from precimark.plot.segments import plot_segments

__all__ = [
    "plot_attribution",
    "plot_calibration_vs_holdout",
    "plot_campaign_report",
    "plot_cohort_retention",
    "plot_cumulative_incremental_revenue",
    "plot_dropout_rate_heterogeneity",
    "plot_expected_repeat_purchases",
    "plot_frequency_recency_matrix",
    "plot_gains",
    "plot_history_alive",
    "plot_lift",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_qini_curve",
    "plot_segments",
    "plot_tracking",
    "plot_transaction_rate_heterogeneity",
    "plot_uplift_by_decile",
    "plot_uplift_curve",
]
