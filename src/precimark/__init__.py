"""precimark: precision marketing for e-commerce.

From a transaction log to customer profiles, lifetime value, propensity and uplift scores,
explained price decisions and KPI estimates, with privacy built in.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from precimark import datasets
from precimark.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    customer_lifetime_value,
)
from precimark.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    NotFittedError,
    PrecimarkError,
    PrecimarkWarning,
)
from precimark.profiling.rfm import calibration_holdout_split, rfm_summary
from precimark.schema import Columns

try:
    __version__ = _metadata.version("precimark")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    from precimark._version import __version__

__all__ = [
    "BetaGeoModel",
    "Columns",
    "ConvergenceError",
    "DataQualityWarning",
    "DataValidationError",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "NotFittedError",
    "ParetoNBDModel",
    "PrecimarkError",
    "PrecimarkWarning",
    "__version__",
    "calibration_holdout_split",
    "customer_lifetime_value",
    "datasets",
    "rfm_summary",
]
