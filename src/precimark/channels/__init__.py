"""Channels: touchpoints, journeys, attribution, channel economics, social and brand response."""

from __future__ import annotations

from precimark.channels.attribution import (
    MODELS,
    REMOVAL_EFFECT,
    SHAPLEY_EXACT_MAX,
    SHAPLEY_VALUE,
    attribute,
)
from precimark.channels.economics import (
    ECONOMICS_KPIS,
    TOTAL,
    channel_economics,
    marginal_roas,
)
from precimark.channels.journeys import CONVERSION_TIME, JOURNEY_COLUMNS, journeys

__all__ = [
    "CONVERSION_TIME",
    "ECONOMICS_KPIS",
    "TOTAL",
    "JOURNEY_COLUMNS",
    "MODELS",
    "REMOVAL_EFFECT",
    "SHAPLEY_EXACT_MAX",
    "SHAPLEY_VALUE",
    "attribute",
    "channel_economics",
    "journeys",
    "marginal_roas",
]
