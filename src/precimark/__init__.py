"""precimark: precision marketing for e-commerce.

From a transaction log to customer profiles, lifetime value, propensity and uplift scores,
explained price decisions and KPI estimates, with privacy built in. The names a user types most
are here; everything else lives in its subpackage: :mod:`precimark.profiling`,
:mod:`precimark.clv`, :mod:`precimark.propensity`, :mod:`precimark.pricing`,
:mod:`precimark.kpi`, :mod:`precimark.privacy`, :mod:`precimark.actions` (next-best-action),
:mod:`precimark.channels` (touchpoint attribution, channel economics, social response),
:mod:`precimark.distributed`, :mod:`precimark.datasets`.
"""

from __future__ import annotations

import logging as _logging
from importlib import metadata as _metadata
from typing import TYPE_CHECKING

from precimark._lazy import attach as _attach
from precimark.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    NotFittedError,
    PrecimarkError,
    PrecimarkWarning,
)
from precimark.schema import Columns

if TYPE_CHECKING:  # imported on first use at run time: see precimark._lazy
    from precimark import (
        actions,
        channels,
        clv,
        datasets,
        kpi,
        persistence,
        pricing,
        privacy,
        profiling,
        propensity,
        report,
    )
    from precimark.actions import NextBestAction
    from precimark.clv import (
        BetaGeoModel,
        GammaGammaModel,
        ModifiedBetaGeoModel,
        ParetoNBDModel,
        customer_lifetime_value,
    )
    from precimark.kpi import Estimate, evaluate_campaign
    from precimark.pricing import PricingPolicy
    from precimark.privacy import pseudonymize, require_consent
    from precimark.profiling import CustomerProfiler, ItemItemRecommender, rfm_scores, rfm_segments
    from precimark.profiling.rfm import calibration_holdout_split, rfm_summary
    from precimark.propensity import PropensityModel, TwoModelUplift

_SOURCES = {
    "actions": "precimark.actions",
    "channels": "precimark.channels",
    "clv": "precimark.clv",
    "datasets": "precimark.datasets",
    "kpi": "precimark.kpi",
    "persistence": "precimark.persistence",
    "pricing": "precimark.pricing",
    "privacy": "precimark.privacy",
    "profiling": "precimark.profiling",
    "propensity": "precimark.propensity",
    "report": "precimark.report",
    "NextBestAction": "precimark.actions",
    "BetaGeoModel": "precimark.clv",
    "GammaGammaModel": "precimark.clv",
    "ModifiedBetaGeoModel": "precimark.clv",
    "ParetoNBDModel": "precimark.clv",
    "customer_lifetime_value": "precimark.clv",
    "Estimate": "precimark.kpi",
    "evaluate_campaign": "precimark.kpi",
    "PricingPolicy": "precimark.pricing",
    "pseudonymize": "precimark.privacy",
    "require_consent": "precimark.privacy",
    "CustomerProfiler": "precimark.profiling",
    "ItemItemRecommender": "precimark.profiling",
    "rfm_scores": "precimark.profiling",
    "rfm_segments": "precimark.profiling",
    "calibration_holdout_split": "precimark.profiling.rfm",
    "rfm_summary": "precimark.profiling.rfm",
    "PropensityModel": "precimark.propensity",
    "TwoModelUplift": "precimark.propensity",
}
if not TYPE_CHECKING:  # a module __getattr__ would make every unknown name Any to mypy
    __getattr__, __dir__ = _attach(__name__, _SOURCES)

# The library's logger (fit attempts, timings, data-quality findings) is silent by default: an
# application that wants the messages configures logging, e.g. logging.basicConfig(level="INFO").
_logging.getLogger("precimark").addHandler(_logging.NullHandler())

try:
    __version__ = _metadata.version("precimark")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    from precimark._version import __version__

__all__ = [
    "BetaGeoModel",
    "Columns",
    "ConvergenceError",
    "CustomerProfiler",
    "DataQualityWarning",
    "DataValidationError",
    "Estimate",
    "GammaGammaModel",
    "ItemItemRecommender",
    "ModifiedBetaGeoModel",
    "NextBestAction",
    "NotFittedError",
    "ParetoNBDModel",
    "PrecimarkError",
    "PrecimarkWarning",
    "PricingPolicy",
    "PropensityModel",
    "TwoModelUplift",
    "__version__",
    "actions",
    "calibration_holdout_split",
    "channels",
    "clv",
    "customer_lifetime_value",
    "datasets",
    "evaluate_campaign",
    "kpi",
    "persistence",
    "pricing",
    "privacy",
    "profiling",
    "propensity",
    "pseudonymize",
    "report",
    "require_consent",
    "rfm_scores",
    "rfm_segments",
    "rfm_summary",
]
