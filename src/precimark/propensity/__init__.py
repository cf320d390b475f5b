"""Purchase propensity and uplift: leak-free snapshots, models, metrics and targeting.

- :func:`make_snapshots`: leak-free (customer, cutoff) training and scoring rows.
- :class:`PropensityModel`, :func:`evaluate_out_of_time`: calibrated purchase propensity.
- :class:`TwoModelUplift`, :class:`ClassTransformationUplift`, :class:`XLearnerUplift`: who
  buys *because* of an offer.
- :mod:`precimark.propensity.metrics`: gains, lift, calibration, Qini and uplift curves.
- :func:`select_targets`: whom to contact, within a budget, for a positive expected profit.
"""

from __future__ import annotations

from precimark.propensity import metrics
from precimark.propensity.models import (
    OutOfTimeResult,
    PropensityModel,
    evaluate_out_of_time,
)
from precimark.propensity.snapshots import LABEL, SNAPSHOT_FEATURES, make_snapshots
from precimark.propensity.targeting import TargetSelection, select_targets
from precimark.propensity.uplift import ClassTransformationUplift, TwoModelUplift, XLearnerUplift

__all__ = [
    "LABEL",
    "SNAPSHOT_FEATURES",
    "ClassTransformationUplift",
    "OutOfTimeResult",
    "PropensityModel",
    "TargetSelection",
    "TwoModelUplift",
    "XLearnerUplift",
    "evaluate_out_of_time",
    "make_snapshots",
    "metrics",
    "select_targets",
]
