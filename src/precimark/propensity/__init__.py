"""Purchase propensity and uplift: leak-free snapshots, models, metrics and targeting.

- :func:`make_snapshots`: leak-free (customer, cutoff) training and scoring rows.
- :class:`PropensityModel`, :func:`evaluate_out_of_time`: calibrated purchase propensity.
- :class:`TwoModelUplift`, :class:`ClassTransformationUplift`, :class:`XLearnerUplift`,
  :class:`DRLearnerUplift`, :class:`RLearnerUplift`: who buys *because* of an offer (one or
  several offers; randomised or, with ``propensity=``, observational campaigns).
- :func:`balance_table`: covariate balance between the arms before and after weighting.
- :mod:`precimark.propensity.metrics`: gains, lift, calibration (equal-width or equal-mass
  ECE, Brier), Qini and uplift curves (inverse-propensity weighted for observational data),
  uplift-by-decile and response-rate tables.
- :func:`select_targets`: whom to contact (and with which offer), within a budget, for a
  positive expected profit.
"""

from __future__ import annotations

from precimark.propensity import metrics
from precimark.propensity.assignment import balance_table
from precimark.propensity.models import (
    OutOfTimeResult,
    PropensityModel,
    evaluate_out_of_time,
)
from precimark.propensity.snapshots import LABEL, SNAPSHOT_FEATURES, make_snapshots
from precimark.propensity.targeting import TargetSelection, select_targets
from precimark.propensity.uplift import (
    ClassTransformationUplift,
    DRLearnerUplift,
    RLearnerUplift,
    TwoModelUplift,
    XLearnerUplift,
)

__all__ = [
    "LABEL",
    "SNAPSHOT_FEATURES",
    "ClassTransformationUplift",
    "DRLearnerUplift",
    "OutOfTimeResult",
    "PropensityModel",
    "RLearnerUplift",
    "TargetSelection",
    "TwoModelUplift",
    "XLearnerUplift",
    "balance_table",
    "evaluate_out_of_time",
    "make_snapshots",
    "metrics",
    "select_targets",
]
