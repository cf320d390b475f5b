"""Customer lifetime value: BTYD purchase models, Gamma-Gamma spend, discounted CLV, evaluation."""

from __future__ import annotations

from precimark._typing import PurchaseModel
from precimark.clv._tracking import tracking
from precimark.clv.contractual import ShiftedBetaGeoModel, cohort_survivors
from precimark.clv.evaluation import HoldoutEvaluation, compare_models, evaluate
from precimark.clv.models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
)
from precimark.clv.stats import RFMHistogram
from precimark.clv.value import customer_lifetime_value, segment_value

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "HoldoutEvaluation",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "PurchaseModel",
    "RFMHistogram",
    "ShiftedBetaGeoModel",
    "cohort_survivors",
    "compare_models",
    "customer_lifetime_value",
    "evaluate",
    "segment_value",
    "tracking",
]
