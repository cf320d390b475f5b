"""A randomised pricing decision log whose reward model, and so every policy's value, is known."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import SeedLike
from precimark._validation import check_number, fail, to_rng

if TYPE_CHECKING:
    from precimark.pricing import PricingPolicy

__all__ = ["PRICING_LOG_ARMS", "PricingLog", "make_pricing_log"]

PRICING_LOG_ARMS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2)
"""Discount rates the default logging policy of :func:`make_pricing_log` tries."""

_CHANNELS = ("card", "wallet", "bank_transfer")
_AGE_GROUPS = ("18-34", "35-54", "55+")


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-x))
    return out


@dataclass(frozen=True)
class PricingLog:
    """A simulated decision log with its known reward model.

    Attributes
    ----------
    log : DataFrame
        Indexed by ``customer_id``: the features ``price_sensitivity`` (0-1),
        ``orders_365d``, ``channel``, ``propensity`` (true purchase probability at the list
        price) and ``uplift`` (true increase of it with 10% off), the declared protected
        attribute ``age_group`` (never a price input; strongly associated with the sensitivity:
        80% of customers above 0.45 are 18-34, 10% of the others),
        ``consent_personalised_pricing`` (True), then the logged ``discount_rate``, the
        ``probability`` with which the logging policy chose it and the ``reward`` (revenue:
        the price paid if the customer bought, else 0).
    list_price : float
    at : Timestamp
        When the decisions were made (pass it to ``decide`` and ``evaluate_offline``).
    arms : tuple of float
        The discount rates the logging policy tried.
    """

    log: pd.DataFrame
    list_price: float
    at: pd.Timestamp
    arms: tuple[float, ...]

    def purchase_probability(self, discount_rate: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Return the true purchase probability of each logged customer at the given discount rate(s).

        ``logit P = -1.5 + 0.4 log(1 + orders) - 1.2 sensitivity + (1 + 12 sensitivity) d``
        (any ``d`` in ``[0, 1)``, tried by the log or not).

        Examples
        --------
        >>> from precimark.datasets import make_pricing_log
        >>> sim = make_pricing_log(3, random_state=0)
        >>> bool((sim.purchase_probability(0.2) > sim.purchase_probability(0.0)).all())
        True
        """
        d = np.broadcast_to(np.asarray(discount_rate, dtype=np.float64), (len(self.log),))
        s = self.log["price_sensitivity"].to_numpy(np.float64)
        orders = self.log["orders_365d"].to_numpy(np.float64)
        return _sigmoid(-1.5 + 0.4 * np.log1p(orders) - 1.2 * s + (1.0 + 12.0 * s) * d)

    def true_value(self, policy: PricingPolicy) -> float:
        """Return the mean expected reward per customer had ``policy`` priced these customers.

        The policy decides on :attr:`log` (without exploration, as
        :func:`~precimark.pricing.evaluate_offline` evaluates it); each customer's expected
        reward is the true purchase probability at the final price times that price.

        Examples
        --------
        >>> from precimark.datasets import make_pricing_log
        >>> from precimark.pricing import ListPrice, PricingPolicy
        >>> sim = make_pricing_log(1000, random_state=0)
        >>> flat = PricingPolicy([ListPrice()])
        >>> round(sim.true_value(flat), 2) == round(float(sim.purchase_probability(0.0).mean() * 100), 2)
        True
        """
        greedy = replace(policy, exploration=0.0)
        decisions = greedy.decide(self.log, self.list_price, at=self.at)
        if len(decisions) != len(self.log):
            raise fail("argument 'policy'", "several products", "a policy priced on one product")
        final = decisions["final_price"].to_numpy(np.float64)
        rate = 1.0 - final / self.list_price
        return float(np.mean(self.purchase_probability(rate) * final))


def make_pricing_log(
    n: int,
    *,
    random_state: SeedLike,
    arms: Sequence[float] = PRICING_LOG_ARMS,
    list_price: float = 100.0,
    at: str = "2025-06-01",
) -> PricingLog:
    """Simulate a randomised pricing decision log with a known reward model.

    Each customer is shown one discount drawn from ``arms``, with probabilities tilted towards
    larger discounts for price-sensitive customers (``P(arm j) ∝ 1 + 2 s j``), and buys with
    the known probability :meth:`PricingLog.purchase_probability`. Because the reward model
    is known, :meth:`PricingLog.true_value` gives the exact value of any policy on these
    customers: the target of :func:`~precimark.pricing.evaluate_offline`.

    Parameters
    ----------
    n : int
        Number of logged decisions (customers), >= 2.
    random_state : int, numpy Generator or None
        Source of randomness; the same int gives the same log.
    arms : sequence of float, default :data:`PRICING_LOG_ARMS`
        Distinct discount rates in ``[0, 1)`` the logging policy tries (leave one out to build
        a log that never tried a target policy's action).
    list_price : float, default 100.0
    at : date-like, default "2025-06-01"

    Returns
    -------
    PricingLog

    Examples
    --------
    >>> from precimark.datasets import make_pricing_log
    >>> sim = make_pricing_log(5_000, random_state=0)
    >>> sim.log.columns.tolist()[:6]
    ['price_sensitivity', 'orders_365d', 'channel', 'propensity', 'uplift', 'age_group']
    >>> sorted(sim.log["discount_rate"].unique().tolist())
    [0.0, 0.05, 0.1, 0.2]
    """
    n = int(check_number(n, "n", low=2, integer=True))
    price = check_number(list_price, "list_price", low=0.0, inclusive="neither")
    tried = tuple(float(check_number(a, "arms", low=0.0, high=1.0, inclusive="left")) for a in arms)
    if not tried or len(set(tried)) != len(tried):
        raise fail("argument 'arms'", repr(arms), "distinct discount rates")
    rng = to_rng(random_state)
    s = rng.beta(2.0, 3.0, n)
    orders = rng.poisson(np.exp(rng.normal(1.0, 0.6, n)))
    channel = rng.choice(len(_CHANNELS), n, p=[0.6, 0.25, 0.15])
    young = rng.random(n) < np.where(s > 0.45, 0.8, 0.1)  # a strong proxy
    age = np.where(young, 0, rng.choice([1, 2], n))
    order = np.argsort(tried)
    weights = 1.0 + 2.0 * s[:, None] * np.arange(len(tried))[None, :]
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    probabilities = probabilities[:, np.argsort(order)]  # tilt by the rank of the discount
    choice = (rng.random(n)[:, None] > np.cumsum(probabilities, axis=1)).sum(axis=1)
    choice = np.minimum(choice, len(tried) - 1)
    rate = np.asarray(tried)[choice]
    index = pd.RangeIndex(1, n + 1, name="customer_id")
    log = pd.DataFrame(
        {
            "price_sensitivity": s,
            "orders_365d": orders.astype(np.int64),
            "channel": pd.Categorical.from_codes(channel, categories=pd.Index(_CHANNELS)),
        },
        index=index,
    )
    sim = PricingLog(log=log, list_price=float(price), at=pd.Timestamp(at), arms=tried)
    base = sim.purchase_probability(0.0)
    log["propensity"] = base
    log["uplift"] = sim.purchase_probability(0.1) - base
    log["age_group"] = pd.Categorical.from_codes(age, categories=pd.Index(_AGE_GROUPS))
    log["consent_personalised_pricing"] = True
    log["discount_rate"] = rate
    log["probability"] = probabilities[np.arange(n), choice]
    bought = rng.random(n) < sim.purchase_probability(rate)
    log["reward"] = np.where(bought, np.round(price * (1.0 - rate), 2), 0.0)
    return sim
