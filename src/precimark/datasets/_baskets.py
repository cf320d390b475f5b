"""Simulated purchase baskets with planted co-purchase structure and prices (:func:`make_baskets`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from precimark._typing import DateLike, SeedLike
from precimark._validation import check_number, check_probability, to_day, to_days, to_rng

__all__ = ["SimulatedBaskets", "make_baskets"]


@dataclass(frozen=True)
class SimulatedBaskets:
    """Simulated purchase lines and the structure they were drawn from.

    Attributes
    ----------
    transactions : DataFrame
        One row per purchase line, sorted by date: ``customer_id``, ``date``, ``product``
        (int id), ``category`` (str) and ``price`` (the product's price, paid in full).
    products : DataFrame
        Indexed by ``product``: ``category``, ``bundle`` (the planted group of products bought
        together), ``tier`` (0 = cheapest, most basic product of its bundle) and ``price``.
    customers : DataFrame
        Indexed by ``customer_id``: ``purchasing_power`` (0-1; the tier a customer prefers
        within a bundle rises with it), ``n_bundles`` (bundles the customer buys from) and
        ``consent_marketing`` (bool).
    """

    transactions: pd.DataFrame
    products: pd.DataFrame
    customers: pd.DataFrame


def make_baskets(
    n_customers: int,
    n_products: int = 1_000,
    *,
    random_state: SeedLike,
    lines_per_customer: float = 20.0,
    bundle_size: int = 10,
    n_categories: int = 20,
    bundle_share: float = 0.7,
    start: DateLike = "2024-01-01",
    days: int | str = 365,
) -> SimulatedBaskets:
    """Simulate purchase lines whose co-purchase structure and price bands are known.

    Products come in bundles of ``bundle_size`` complementary products of one category (a
    tent, a stove, a mat ...), ordered by tier: the higher the tier, the more functional and
    the more expensive. Each customer buys from one to three bundles (chosen by bundle
    popularity, which follows a Zipf law), and has a purchasing power ``u`` in [0, 1]: a
    line is, with probability ``bundle_share``, a product of one of the customer's bundles
    at a tier near ``u * (bundle_size - 1)``, and otherwise a product drawn from the whole
    catalogue by popularity (noise). Dates are uniform over ``days`` days, so a time split
    leaves each customer buying from the same bundles afterwards: an item-to-item
    recommender should beat popularity, and the price-band re-ranking should help.

    Parameters
    ----------
    n_customers : int
        Number of customers (>= 1).
    n_products : int, default 1000
        Number of products (>= ``bundle_size``; rounded down to whole bundles).
    random_state : int, numpy Generator or None
        Source of randomness; the same int gives the same data.
    lines_per_customer : float, default 20.0
        Mean purchase lines per customer (each has ``1 + Poisson(mean - 1)``).
    bundle_size : int, default 10
        Products per bundle (>= 2).
    n_categories : int, default 20
        Categories; bundle ``b`` is in category ``b % n_categories``.
    bundle_share : float, default 0.7
        Probability that a line comes from the customer's bundles.
    start : date-like, default "2024-01-01"
        First day.
    days : int or str, default 365
        Length of the period: a number of days or a duration such as ``"52W"``.

    Returns
    -------
    SimulatedBaskets

    Examples
    --------
    >>> from precimark.datasets import make_baskets
    >>> sim = make_baskets(1_000, 500, random_state=0)
    >>> sim.transactions.columns.tolist()
    ['customer_id', 'date', 'product', 'category', 'price']
    >>> len(sim.products), sim.customers.index.is_unique
    (500, True)
    """
    n = int(check_number(n_customers, "n_customers", low=1, integer=True))
    size = int(check_number(bundle_size, "bundle_size", low=2, integer=True))
    n_bundles = int(check_number(n_products, "n_products", low=size, integer=True)) // size
    k = int(check_number(n_categories, "n_categories", low=1, integer=True))
    mean_lines = check_number(lines_per_customer, "lines_per_customer", low=1.0)
    share = check_probability(bundle_share, "bundle_share")
    span = to_days(days, "days", minimum=1)
    origin = to_day(start, "start")
    rng = to_rng(random_state)
    p = n_bundles * size

    bundle_weight = rng.permutation(1.0 / np.arange(1, n_bundles + 1) ** 0.8)
    bundle_weight /= bundle_weight.sum()
    product_weight = np.repeat(bundle_weight, size) * rng.uniform(0.5, 1.5, p)
    product_weight /= product_weight.sum()
    bundle = np.arange(p) // size
    tier = np.arange(p) % size
    category = bundle % k
    base = rng.lognormal(3.0, 0.6, k)
    price = np.round(base[category] * (1.0 + 0.6 * tier) * rng.lognormal(0.0, 0.1, p), 2)

    power = rng.uniform(0.0, 1.0, n)
    owned = 1 + rng.binomial(2, 0.3, n)
    interests = rng.choice(n_bundles, (n, 3), p=bundle_weight)
    lines = 1 + rng.poisson(mean_lines - 1.0, n)
    owner = np.repeat(np.arange(n), lines)
    m = len(owner)
    slot = np.minimum((rng.random(m) * owned[owner]).astype(np.int64), 2)
    chosen_tier = np.clip(
        np.rint(power[owner] * (size - 1) + rng.normal(0.0, 0.2 * size, m)), 0, size - 1
    ).astype(np.int64)
    planted = interests[owner, slot] * size + chosen_tier
    noise = rng.choice(p, m, p=product_weight)
    product = np.where(rng.random(m) < share, planted, noise)
    day = rng.integers(0, span, m)
    order = np.argsort(day, kind="stable")
    owner, product, day = owner[order], product[order], day[order]

    names = pd.Index([f"c{j + 1:02d}" for j in range(k)])
    transactions = pd.DataFrame(
        {
            "customer_id": owner + 1,
            "date": origin + day.astype("timedelta64[D]"),
            "product": product + 1,
            "category": pd.Categorical.from_codes(category[product], categories=names),
            "price": price[product],
        }
    )
    products = pd.DataFrame(
        {
            "category": pd.Categorical.from_codes(category, categories=names),
            "bundle": bundle,
            "tier": tier,
            "price": price,
        },
        index=pd.Index(np.arange(1, p + 1), name="product"),
    )
    customers = pd.DataFrame(
        {
            "purchasing_power": power,
            "n_bundles": owned,
            "consent_marketing": rng.random(n) < 0.8,
        },
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )
    return SimulatedBaskets(transactions=transactions, products=products, customers=customers)
