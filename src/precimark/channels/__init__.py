"""Channels: touchpoints, journeys, attribution, channel economics, social and brand response."""

from __future__ import annotations

from precimark.channels._journeys import CONVERSION_TIME, JOURNEY_COLUMNS, journeys
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
    channel_results,
    marginal_roas,
)
from precimark.channels.preference import PREFERRED_TOUCH_CHANNEL, TOUCHES, channel_preference
from precimark.channels.social import (
    SENTIMENT_LABELS,
    campaign_response,
    daily_counts,
    engagement,
    net_sentiment,
    share_of_voice,
    social_referred_customers,
)

__all__ = [
    "CONVERSION_TIME",
    "ECONOMICS_KPIS",
    "TOTAL",
    "TOUCHES",
    "JOURNEY_COLUMNS",
    "MODELS",
    "PREFERRED_TOUCH_CHANNEL",
    "REMOVAL_EFFECT",
    "SHAPLEY_EXACT_MAX",
    "SENTIMENT_LABELS",
    "SHAPLEY_VALUE",
    "attribute",
    "campaign_response",
    "channel_economics",
    "channel_preference",
    "channel_results",
    "daily_counts",
    "engagement",
    "journeys",
    "marginal_roas",
    "net_sentiment",
    "share_of_voice",
    "social_referred_customers",
]
