"""Bundled data and seeded simulators with known ground truth.

- :func:`load_cdnow` reads the CDNOW transaction log shipped inside the installed
  ``lifetimes`` package (its own ``lifetimes.datasets`` module does not import on current
  setuptools, so precimark locates the files through :mod:`importlib.metadata`).
- :func:`make_transactions` simulates a BG/NBD + Gamma-Gamma customer base whose true
  parameters are known, with the extra columns (category, payment channel, list and paid
  price, consent flags, price sensitivity) that the later modules use.
- :func:`make_uplift_data` simulates a randomised campaign with known individual uplift: every
  row carries the true uplift (the difference between its expected outcome with and without
  the offer), to test uplift models and metrics against the truth.
- :func:`make_journeys` and :func:`make_posts` simulate touchpoint journeys with known channel
  removal effects and social posts with a known campaign lift (``precimark.channels``).
- :func:`make_baskets` simulates purchase lines with planted co-purchase bundles, product tiers
  and prices matched to each customer's purchasing power, to test product recommendations.
- :func:`make_pricing_log` simulates a randomised pricing decision log (features, discount
  shown, its probability, reward) whose reward model is known, so
  :meth:`PricingLog.true_value` gives the true value of any pricing policy.
- :func:`make_observational_uplift_data` and :func:`make_multiarm_uplift_data` simulate a
  confounded campaign (known propensity) and a campaign with several offers (known uplift of each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._deprecation import deprecated_alias
from precimark._typing import DateLike, SeedLike
from precimark._validation import (
    check_bool,
    check_choice,
    check_number,
    check_probability,
    fail,
    to_rng,
)
from precimark.datasets._baskets import SimulatedBaskets, make_baskets
from precimark.datasets._campaigns import (
    _outcomes,
    make_multiarm_uplift_data,
    make_observational_uplift_data,
)
from precimark.datasets._journeys import (
    SimulatedJourneys,
    SimulatedPosts,
    make_journeys,
    make_posts,
)
from precimark.datasets._pricing_log import PRICING_LOG_ARMS, PricingLog, make_pricing_log

__all__ = [
    "CDNOW_CALIBRATION_END",
    "CDNOW_OBSERVATION_END",
    "DEFAULT_SIMULATION_PARAMS",
    "PRICING_LOG_ARMS",
    "UPLIFT_FEATURES",
    "PricingLog",
    "SimulatedBase",
    "SimulatedBaskets",
    "SimulatedJourneys",
    "SimulatedPosts",
    "load_cdnow",
    "make_baskets",
    "make_journeys",
    "make_multiarm_uplift_data",
    "make_observational_uplift_data",
    "make_posts",
    "make_pricing_log",
    "make_transactions",
    "make_uplift_data",
]

CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")
"""End of the 39-week calibration period used by Fader, Hardie & Lee (2005)."""
CDNOW_OBSERVATION_END = pd.Timestamp("1998-06-30")
"""End of the CDNOW observation period (78 weeks after 1997-01-01)."""


def load_cdnow(sample: bool = False) -> pd.DataFrame:
    """Load the CDNOW transaction log.

    CDNOW was an online music retailer. The data hold every purchase from January 1997 to June
    1998 by the 23,570 customers who made their first purchase in the first quarter of 1997
    (Fader, Hardie & Lee 2005; Fader & Hardie's notes). The sample is the 1/10 subset of 2,357
    customers used in the papers.

    Parameters
    ----------
    sample : bool, default False
        Return the 2,357-customer sample instead of the full 23,570-customer cohort.

    Returns
    -------
    DataFrame
        Columns ``customer_id`` (int), ``date`` (datetime64), ``quantity`` (number of CDs,
        int) and ``amount`` (dollars, float), one row per transaction, in file order.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> from precimark.datasets import load_cdnow
    >>> tx = load_cdnow(sample=True)
    >>> tx["customer_id"].nunique(), len(tx)
    (2357, 6919)
    """
    name = "CDNOW_sample.txt" if check_bool(sample, "sample") else "CDNOW_master.txt"
    # Located through the distribution's metadata: importing lifetimes would touch pandas'
    # global options, and precimark imports it in one private module only.
    file = Path(str(metadata.distribution("lifetimes").locate_file(f"lifetimes/datasets/{name}")))
    if sample:
        raw = pd.read_csv(
            file,
            sep=r"\s+",
            header=None,
            names=["original_id", "customer_id", "date", "quantity", "amount"],
            dtype={"date": str},
        ).drop(columns="original_id")
    else:
        raw = pd.read_csv(file, sep=r"\s+", dtype={"date": str}).rename(
            columns={"number_of_cds": "quantity", "dollar_value": "amount"}
        )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(np.int64),
            "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "quantity": raw["quantity"].astype(np.int64),
            "amount": raw["amount"].astype(np.float64),
        }
    )


DEFAULT_SIMULATION_PARAMS: Mapping[str, float] = MappingProxyType(
    {
        # BG/NBD, per day: the CDNOW estimates (per week alpha = 4.414) rescaled to days.
        "r": 0.243,
        "alpha": 4.414 * 7,
        "a": 0.793,
        "b": 2.426,
        # Gamma-Gamma (Fader & Hardie's CDNOW estimates).
        "p": 6.25,
        "q": 3.74,
        "v": 15.44,
    }
)
"""True parameters :func:`make_transactions` simulates from by default (time unit: days)."""

_CATEGORIES = ("books", "music", "electronics", "home", "fashion", "beauty", "sports", "toys")
_CATEGORY_WEIGHTS = (0.22, 0.18, 0.15, 0.13, 0.12, 0.08, 0.07, 0.05)
_CHANNELS = ("card", "wallet", "bank_transfer", "cash_on_delivery")
_CHANNEL_WEIGHTS = (0.55, 0.25, 0.12, 0.08)
_DISCOUNTS = (0.10, 0.15, 0.20, 0.30)


@dataclass(frozen=True)
class SimulatedBase:
    """A simulated customer base and the truth it was drawn from.

    Attributes
    ----------
    transactions : DataFrame
        One row per purchase, sorted by date: ``customer_id``, ``date`` (with time of day),
        ``amount`` (paid), ``list_price`` (>= amount; greater when discounted),
        ``category`` and ``channel``.
    customers : DataFrame
        Indexed by ``customer_id``: ``signup_date``, ``consent_profiling``,
        ``consent_marketing``, ``consent_personalised_pricing`` (bool) and
        ``price_sensitivity`` (true 0-1 propensity to buy at a discount).
    truth : DataFrame
        Indexed by ``customer_id``: ``purchase_rate`` (lambda, per day), ``dropout_probability``
        (p), ``mean_spend`` (E[spend per purchase] = p / nu) and ``first_purchase``.
    params : Mapping[str, float]
        The population parameters (BG/NBD r, alpha per day, a, b; Gamma-Gamma p, q, v).
    observation_end : Timestamp
        Last simulated day (inclusive).
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    truth: pd.DataFrame
    params: Mapping[str, float] = field(default_factory=dict)
    observation_end: pd.Timestamp = field(default_factory=lambda: pd.Timestamp("1970-01-01"))


@deprecated_alias(seed="random_state")
def make_transactions(
    n_customers: int,
    *,
    random_state: SeedLike,
    params: Mapping[str, float] | None = None,
    start: DateLike = "2024-01-01",
    acquisition_days: int = 84,
    observation_days: int = 546,
    categories: Sequence[str] = _CATEGORIES,
    channels: Sequence[str] = _CHANNELS,
    covariate_effects: Mapping[str, Mapping[str, float]] | None = None,
) -> SimulatedBase:
    """Simulate a BG/NBD + Gamma-Gamma customer base with known parameters.

    Each customer makes a first purchase at a uniform time in the first ``acquisition_days``
    days, then buys at Poisson rate ``lambda ~ Gamma(r, alpha)`` and, after each repeat
    purchase, becomes inactive with probability ``p ~ Beta(a, b)`` (Fader, Hardie & Lee 2005).
    Each purchase's amount is ``Gamma(p, nu)`` with ``nu ~ Gamma(q, v)`` per customer (Fader &
    Hardie's Gamma-Gamma model). With the default parameters (CDNOW's estimates) a base of
    1,000,000 customers has about 2.5 million transactions.

    Parameters
    ----------
    n_customers : int
        Number of customers (>= 1).
    random_state : int, numpy Generator or None
        Source of randomness; the same int gives the same data. Never global state.
    params : Mapping[str, float], optional
        Overrides of :data:`DEFAULT_SIMULATION_PARAMS` (``alpha`` is per day).
    start : date-like, default "2024-01-01"
        First day of the simulation.
    acquisition_days : int, default 84
        Length of the window in which customers make their first purchase.
    observation_days : int, default 546
        Length of the whole simulated period (78 weeks, as CDNOW).
    categories, channels : sequence of str
        Product categories and payment channels to draw from.
    covariate_effects : Mapping[str, Mapping[str, float]], optional
        Known covariate effects on the BG/NBD parameters, keyed by parameter (``"alpha"``,
        ``"a"``, ``"b"``) and then by covariate name, e.g.
        ``{"alpha": {"x1": 0.5}, "a": {"x2": 0.4}}``. Each named covariate is drawn standard
        normal per customer (returned in ``customers`` under its name), and the parameters are
        ``alpha_i = alpha * exp(-sum gamma x)``, ``a_i = a * exp(sum gamma z)``,
        ``b_i = b * exp(sum gamma z)``: the parameterisation of
        ``BetaGeoModel(purchase_covariates=..., dropout_covariates=...)``, whose
        ``coefficients_`` recover these numbers. None (default) draws no covariates and
        leaves the simulation unchanged.

    Other Parameters
    ----------------
    seed : int, numpy Generator or None
        Deprecated since 0.2.0 (removed in 0.3.0); use ``random_state``.

    Returns
    -------
    SimulatedBase
        Transactions, customer attributes, per-customer truth and the population parameters.

    Examples
    --------
    >>> from precimark.datasets import make_transactions
    >>> sim = make_transactions(1_000, random_state=0)
    >>> sim.transactions.columns.tolist()
    ['customer_id', 'date', 'amount', 'list_price', 'category', 'channel']
    >>> sim.customers.index.is_unique and len(sim.customers) == 1_000
    True
    >>> with_covariates = make_transactions(
    ...     1_000, random_state=0, covariate_effects={"alpha": {"x1": 0.5}, "a": {"x2": 0.4}})
    >>> with_covariates.customers[["x1", "x2"]].shape
    (1000, 2)
    """
    n_customers = int(check_number(n_customers, "n_customers", low=1, integer=True))
    span = check_number(observation_days, "observation_days", low=0, inclusive="neither")
    check_number(acquisition_days, "acquisition_days", low=0, high=span, inclusive="neither")
    truth_params = {**DEFAULT_SIMULATION_PARAMS, **(params or {})}
    unknown = set(truth_params) - set(DEFAULT_SIMULATION_PARAMS)
    if unknown:
        raise fail(
            "argument 'params'", f"unknown keys {sorted(unknown)}", "keys r, alpha, a, b, p, q, v"
        )
    bad = [k for k, v in truth_params.items() if not (np.isfinite(v) and v > 0)]
    if bad:
        raise fail("argument 'params'", f"non-positive values for {bad}", "positive numbers")
    rng = to_rng(random_state)
    n = int(n_customers)
    origin = pd.Timestamp(start).normalize()

    birth = rng.uniform(0.0, acquisition_days, n)
    horizon = observation_days - birth
    covariates, individual = _covariate_draws(covariate_effects, truth_params, n, rng)
    rate = np.maximum(rng.gamma(truth_params["r"], 1.0 / individual["alpha"], n), 1e-12)
    dropout = rng.beta(individual["a"], individual["b"], n)
    nu = rng.gamma(truth_params["q"], 1.0 / truth_params["v"], n)

    # Repeat purchases, one round per purchase index, vectorised over customers still active.
    owners = [np.arange(n)]
    times = [birth]
    active = np.arange(n)
    elapsed = np.zeros(n)
    while active.size:
        step = elapsed[active] + rng.exponential(1.0, active.size) / rate[active]
        inside = step < horizon[active]
        active, step = active[inside], step[inside]
        owners.append(active)
        times.append(birth[active] + step)
        elapsed[active] = step
        active = active[rng.random(active.size) >= dropout[active]]
    owner = np.concatenate(owners)
    when = np.concatenate(times)
    order = np.argsort(when, kind="stable")
    owner, when = owner[order], when[order]

    amount = np.round(rng.gamma(truth_params["p"], 1.0 / nu[owner]), 2)
    amount = np.maximum(amount, 0.01)
    sensitivity = rng.beta(2.0, 5.0, n)
    discounted = rng.random(owner.size) < 0.05 + 0.6 * sensitivity[owner]
    discount = np.where(discounted, rng.choice(_DISCOUNTS, owner.size), 0.0)
    list_price = np.round(amount / (1.0 - discount), 2)

    favourite_category = rng.choice(
        len(categories), n, p=_weights(len(categories), _CATEGORY_WEIGHTS)
    )
    category = np.where(
        rng.random(owner.size) < 0.6,
        favourite_category[owner],
        rng.choice(len(categories), owner.size, p=_weights(len(categories), _CATEGORY_WEIGHTS)),
    )
    favourite_channel = rng.choice(len(channels), n, p=_weights(len(channels), _CHANNEL_WEIGHTS))
    channel = np.where(
        rng.random(owner.size) < 0.8,
        favourite_channel[owner],
        rng.choice(len(channels), owner.size, p=_weights(len(channels), _CHANNEL_WEIGHTS)),
    )

    ids = np.arange(1, n + 1, dtype=np.int64)
    seconds = np.round(when * 86_400.0).astype("timedelta64[s]")
    transactions = pd.DataFrame(
        {
            "customer_id": ids[owner],
            "date": origin.to_datetime64().astype("datetime64[s]") + seconds,
            "amount": amount,
            "list_price": list_price,
            "category": pd.Categorical.from_codes(category, categories=pd.Index(list(categories))),
            "channel": pd.Categorical.from_codes(channel, categories=pd.Index(list(channels))),
        }
    )
    index = pd.Index(ids, name="customer_id")
    first_purchase = origin + pd.to_timedelta(np.floor(birth), unit="D")
    customers = pd.DataFrame(
        {
            "signup_date": first_purchase - pd.to_timedelta(rng.integers(0, 31, n), unit="D"),
            "consent_profiling": rng.random(n) < 0.9,
            "consent_marketing": rng.random(n) < 0.7,
            "consent_personalised_pricing": rng.random(n) < 0.6,
            "price_sensitivity": sensitivity,
            **covariates,
        },
        index=index,
    )
    truth = pd.DataFrame(
        {
            "purchase_rate": rate,
            "dropout_probability": dropout,
            "mean_spend": truth_params["p"] / nu,
            "first_purchase": first_purchase,
        },
        index=index,
    )
    return SimulatedBase(
        transactions=transactions,
        customers=customers,
        truth=truth,
        params=MappingProxyType(truth_params),
        observation_end=origin + pd.Timedelta(days=observation_days - 1),
    )


def _covariate_draws(
    effects: Mapping[str, Mapping[str, float]] | None,
    params: Mapping[str, float],
    n: int,
    rng: np.random.Generator,
) -> tuple[dict[str, npt.NDArray[np.float64]], dict[str, npt.NDArray[np.float64] | float]]:
    """Draw the covariates of :func:`make_transactions` and each customer's alpha, a, b."""
    individual: dict[str, npt.NDArray[np.float64] | float] = {
        k: params[k] for k in ("alpha", "a", "b")
    }
    if effects is None:
        return {}, individual
    if not isinstance(effects, Mapping) or not set(effects) <= {"alpha", "a", "b"}:
        raise fail(
            "argument 'covariate_effects'",
            f"{effects!r}",
            "a mapping from 'alpha', 'a' or 'b' to {covariate name: coefficient}",
        )
    names = list(dict.fromkeys(c for per in effects.values() for c in per))
    covariates = {c: rng.standard_normal(n) for c in names}
    for parameter, per in effects.items():
        sign = -1.0 if parameter == "alpha" else 1.0
        score = sum(
            check_number(g, f"covariate_effects[{parameter!r}][{c!r}]") * covariates[c]
            for c, g in per.items()
        )
        individual[parameter] = params[parameter] * np.exp(sign * np.asarray(score))
    return covariates, individual


UPLIFT_FEATURES: tuple[str, ...] = ("x0", "x1", "x2", "x3", "x4", "x5")
"""Feature columns of :func:`make_uplift_data`."""


@deprecated_alias(seed="random_state")
def make_uplift_data(
    n: int,
    *,
    random_state: SeedLike,
    treatment_share: float = 0.5,
    outcome: Literal["binary", "continuous"] = "binary",
) -> pd.DataFrame:
    """Simulate a randomised campaign with known individual uplift.

    Six standard-normal features ``x0`` ... ``x5``; ``x4`` and ``x5`` are pure noise. Each
    customer is treated (offered the campaign) independently with probability
    ``treatment_share``.

    - ``outcome="binary"`` (conversion): ``P(y = 1) = sigmoid(b(x) + t * g(x))`` with baseline
      ``b(x) = -1 + 0.8 x0 - 0.5 x1 + 0.4 x3`` and effect on the log-odds
      ``g(x) = 0.1 + 0.8 x1 + 0.6 [x2 > 0]``; the true uplift is
      ``sigmoid(b + g) - sigmoid(b)`` (negative for some customers: "sleeping dogs").
    - ``outcome="continuous"`` (spend): ``y = 20 + 5 x0 - 3 x1 + 2 x3 + t * tau(x) + e`` with
      ``tau(x) = 0.5 + 4 x1 + 3 [x2 > 0]`` and ``e ~ N(0, 5^2)``; the true uplift is
      ``tau(x)``.

    Parameters
    ----------
    n : int
        Number of customers (>= 2).
    random_state : int, numpy Generator or None
        Source of randomness; the same int gives the same data. Never global state.
    treatment_share : float, default 0.5
        Probability of being treated, in (0, 1).
    outcome : {"binary", "continuous"}, default "binary"
        Conversion (0/1) or spend.

    Other Parameters
    ----------------
    seed : int, numpy Generator or None
        Deprecated since 0.2.0 (removed in 0.3.0); use ``random_state``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (1 ... n): the features, ``treatment`` (0/1), ``outcome``
        and ``true_uplift``.

    Examples
    --------
    >>> from precimark.datasets import make_uplift_data
    >>> data = make_uplift_data(1_000, random_state=0)
    >>> data.columns.tolist()
    ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'treatment', 'outcome', 'true_uplift']
    >>> bool(data["true_uplift"].between(-1, 1).all())
    True
    """
    n = int(check_number(n, "n", low=2, integer=True))
    treatment_share = check_probability(treatment_share, "treatment_share", inclusive="neither")
    check_choice(outcome, "outcome", ("binary", "continuous"))
    rng = to_rng(random_state)
    x = rng.standard_normal((int(n), len(UPLIFT_FEATURES)))
    treatment = (rng.random(int(n)) < treatment_share).astype(np.int64)
    y, uplift = _outcomes(rng, x, treatment, 1, outcome)
    true_uplift = uplift[:, 0]
    frame = pd.DataFrame(x, columns=list(UPLIFT_FEATURES))
    frame["treatment"] = treatment
    frame["outcome"] = y
    frame["true_uplift"] = true_uplift
    frame.index = pd.RangeIndex(1, int(n) + 1, name="customer_id")
    return frame


def _weights(k: int, preferred: Sequence[float]) -> npt.NDArray[np.float64]:
    """Popularity weights for ``k`` options: the built-in shares, or uniform for other sizes."""
    weights = np.asarray(preferred, dtype=np.float64) if k == len(preferred) else np.ones(k)
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised
