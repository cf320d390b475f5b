"""A ready-made policy for the four customer types of differentiated marketing."""

from __future__ import annotations

from collections.abc import Mapping

from precimark.pricing.engine import PricingPolicy
from precimark.pricing.guardrails import Guardrails
from precimark.pricing.rules import (
    ChannelDiscount,
    ListPrice,
    LoyaltyTiers,
    SensitivityDiscount,
    Tier,
)

__all__ = ["differentiated_pricing_policy"]


def differentiated_pricing_policy(
    *,
    sensitivity_threshold: float = 0.6,
    sensitivity_discount: float = 0.1,
    valid_days: int = 7,
    tiers: tuple[Tier, ...] = (
        Tier("Silver", 5, 0.05),
        Tier("Gold", 10, 0.1),
        Tier("VIP", 20, 0.15),
    ),
    channel_discounts: Mapping[str, float] | None = None,
    guardrails: Guardrails | None = None,
    name: str = "differentiated_pricing",
    version: str = "1",
) -> PricingPolicy:
    """Build the template policy encoding the four customer types.

    1. **Price-sensitive** customers (``price_sensitivity`` above the threshold, and only
       where the predicted ``uplift`` of an offer is positive) get a time-limited discount.
    2. **Price-indifferent or weak-desire** customers (low sensitivity, or no uplift) pay the
       list price (:class:`ListPrice`).
    3. **Loyal** customers with many accumulated orders (``orders_365d``) get VIP tier prices.
    4. Paying through a given **channel** (``channel``, default ``{"wallet": 0.03}``) earns a
       reduction, never a surcharge.

    The best single offer wins (``combine="best"``) under the given guardrails (default: at
    most 20% off, and never above an equivalent new customer's price).

    Parameters
    ----------
    sensitivity_threshold, sensitivity_discount, valid_days
        Of the :class:`SensitivityDiscount`.
    tiers : tuple of Tier
        Of the :class:`LoyaltyTiers` (metric ``orders_365d``).
    channel_discounts : Mapping[str, float], optional
        Of the :class:`ChannelDiscount`.
    guardrails : Guardrails, optional
    name, version : str

    Returns
    -------
    PricingPolicy

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import differentiated_pricing_policy
    >>> policy = differentiated_pricing_policy()
    >>> customers = pd.DataFrame(
    ...     {
    ...         "price_sensitivity": [0.8, 0.2, 0.1, 0.1],
    ...         "uplift": [0.05, 0.0, 0.0, 0.0],
    ...         "orders_365d": [1, 1, 25, 0],
    ...         "channel": ["card", "card", "card", "wallet"],
    ...         "consent_personalised_pricing": True,
    ...     },
    ...     index=pd.Index(["sensitive", "indifferent", "loyal", "wallet"], name="customer_id"),
    ... )
    >>> policy.decide(customers, 100.0, at="2025-01-01")["final_price"].round(2).tolist()
    [90.0, 100.0, 85.0, 97.0]
    """
    return PricingPolicy(
        [
            SensitivityDiscount(
                threshold=sensitivity_threshold,
                discount=sensitivity_discount,
                valid_days=valid_days,
                require_positive_uplift=True,
            ),
            LoyaltyTiers(tiers),
            ChannelDiscount(dict(channel_discounts or {"wallet": 0.03})),
            ListPrice(),
        ],
        combine="best",
        guardrails=guardrails if guardrails is not None else Guardrails(max_discount=0.2),
        name=name,
        version=version,
    )
