"""Differentiated pricing: rules, guardrails, explained decisions and their evaluation.

Build a :class:`PricingPolicy` from rules (:class:`ListPrice`, :class:`LoyaltyTiers`,
:class:`SensitivityDiscount`, :class:`ChannelDiscount`, :class:`UpliftTargetedOffer`) under
:class:`Guardrails`; :meth:`PricingPolicy.decide` prices customers (consent-gated) with the
reasons; :func:`explain` says why in plain words.
"""

from __future__ import annotations

from precimark.pricing.decisions import explain, to_records
from precimark.pricing.engine import DECISION_COLUMNS, NO_CONSENT, PricingPolicy
from precimark.pricing.guardrails import DEFAULT_PROTECTED, GUARDRAIL_NAMES, Guardrails
from precimark.pricing.rules import (
    ChannelDiscount,
    ListPrice,
    LoyaltyTiers,
    Rule,
    SensitivityDiscount,
    Tier,
    UpliftTargetedOffer,
    rule_from_dict,
)

__all__ = [
    "DECISION_COLUMNS",
    "DEFAULT_PROTECTED",
    "GUARDRAIL_NAMES",
    "NO_CONSENT",
    "ChannelDiscount",
    "Guardrails",
    "ListPrice",
    "LoyaltyTiers",
    "PricingPolicy",
    "Rule",
    "SensitivityDiscount",
    "Tier",
    "UpliftTargetedOffer",
    "explain",
    "rule_from_dict",
    "to_records",
]
