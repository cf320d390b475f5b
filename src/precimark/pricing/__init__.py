"""Differentiated pricing: rules, guardrails, explained decisions and their evaluation.

Build a :class:`PricingPolicy` from rules (:class:`ListPrice`, :class:`LoyaltyTiers`,
:class:`SensitivityDiscount`, :class:`ChannelDiscount`, :class:`UpliftTargetedOffer`) under
:class:`Guardrails`; :meth:`PricingPolicy.decide` prices customers (consent-gated) with the
reasons; :func:`explain` says why in plain words; :func:`simulate_policy`, :func:`evaluate_offline` and
:func:`fairness_frame` (group metrics per product with ratios, differences and bootstrap
intervals) evaluate a policy; :func:`estimate_elasticity` measures price response;
:func:`differentiated_pricing_policy` is a template for the four classic customer types.
"""

from __future__ import annotations

from precimark.pricing.decisions import explain, to_records
from precimark.pricing.elasticity import ELASTICITY_COLUMNS, estimate_elasticity
from precimark.pricing.engine import DECISION_COLUMNS, NO_CONSENT, PricingPolicy
from precimark.pricing.evaluation import (
    ElasticityResponse,
    FairnessReport,
    OffPolicyEstimate,
    UpliftResponse,
    evaluate_offline,
    fairness_report,
    simulate_policy,
)
from precimark.pricing.fairness import FAIRNESS_METRICS, FairnessFrame, fairness_frame
from precimark.pricing.guardrails import (
    DEFAULT_PROTECTED,
    GUARDRAIL_NAMES,
    PROTECTED_TOKENS,
    Guardrails,
    protected_match,
    round_prices,
)
from precimark.pricing.proxies import PROXY_COLUMNS, ProxyWarning, proxy_associations
from precimark.pricing.rules import (
    Change,
    ChannelDiscount,
    ForProducts,
    ListPrice,
    LoyaltyTiers,
    Rule,
    SensitivityDiscount,
    Tier,
    UpliftTargetedOffer,
    rule_from_dict,
)
from precimark.pricing.templates import differentiated_pricing_policy

__all__ = [
    "DECISION_COLUMNS",
    "DEFAULT_PROTECTED",
    "ELASTICITY_COLUMNS",
    "FAIRNESS_METRICS",
    "GUARDRAIL_NAMES",
    "NO_CONSENT",
    "PROTECTED_TOKENS",
    "PROXY_COLUMNS",
    "Change",
    "ChannelDiscount",
    "ElasticityResponse",
    "FairnessFrame",
    "FairnessReport",
    "ForProducts",
    "Guardrails",
    "ListPrice",
    "LoyaltyTiers",
    "OffPolicyEstimate",
    "PricingPolicy",
    "ProxyWarning",
    "Rule",
    "SensitivityDiscount",
    "Tier",
    "UpliftResponse",
    "UpliftTargetedOffer",
    "differentiated_pricing_policy",
    "estimate_elasticity",
    "evaluate_offline",
    "explain",
    "fairness_frame",
    "fairness_report",
    "protected_match",
    "proxy_associations",
    "round_prices",
    "rule_from_dict",
    "simulate_policy",
    "to_records",
]
