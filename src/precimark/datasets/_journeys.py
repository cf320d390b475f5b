"""Simulators for the channels subpackage: journeys with known channel effects, and social posts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import DateLike, SeedLike
from precimark._validation import check_number, check_probability, to_day, to_rng

__all__ = ["SimulatedJourneys", "SimulatedPosts", "make_journeys", "make_posts"]

JOURNEY_CHANNELS: tuple[str, ...] = ("display", "email", "search", "social", "video")
# Start probabilities and transitions (to each channel, then conversion, then exit) of the
# first-order Markov chain that generates the journeys. Display starts many journeys but
# rarely leads anywhere; video converts little itself but sends people to search; search
# closes; e-mails repeat (a self-loop) but few journeys reach them. So last-touch
# over-credits search and e-mail, linear, position and time-decay credit e-mail for its
# repeats, and first-touch over-credits display and video, while the removal effect (the
# truth here) is what the Markov model estimates.
_START = np.array([0.45, 0.05, 0.15, 0.15, 0.20])
_STEP = np.array(
    [
        # display email search social video  conv   exit
        [0.05, 0.00, 0.03, 0.04, 0.03, 0.005, 0.845],  # display
        [0.00, 0.65, 0.05, 0.00, 0.00, 0.08, 0.22],  # email
        [0.02, 0.10, 0.08, 0.02, 0.03, 0.25, 0.50],  # search
        [0.03, 0.00, 0.15, 0.10, 0.15, 0.04, 0.53],  # social
        [0.02, 0.00, 0.45, 0.05, 0.08, 0.04, 0.36],  # video
    ]
)
_COST = np.array([0.004, 0.001, 0.60, 0.02, 0.03])
_CLICKS = np.array([False, True, True, False, False])


@dataclass(frozen=True)
class SimulatedJourneys:
    """Output of :func:`make_journeys`.

    Attributes
    ----------
    touchpoints : DataFrame
        ``customer_id``, ``timestamp``, ``channel``, ``campaign``, ``cost``, ``interaction``.
    transactions : DataFrame
        The conversions: ``customer_id``, ``date`` (a timestamp), ``amount``.
    customers : DataFrame
        Roster indexed by ``customer_id`` with ``consent_marketing`` and ``holdout`` (customers
        kept out of every channel: they only convert organically).
    true_removal_effect : Series
        The removal effect of each channel in the generating Markov chain (exact, by channel):
        the share of touch-driven conversions lost when the channel is removed.
    true_organic_rate : float
        Probability that a customer converts without any touch (holdout and everyone else).
    """

    touchpoints: pd.DataFrame
    transactions: pd.DataFrame
    customers: pd.DataFrame
    true_removal_effect: pd.Series[float]
    true_organic_rate: float


def make_journeys(
    n_customers: int = 5000,
    *,
    holdout_share: float = 0.1,
    organic_rate: float = 0.01,
    consent_rate: float = 0.95,
    start: DateLike = "2024-01-01",
    random_state: SeedLike = None,
) -> SimulatedJourneys:
    """Simulate touchpoint journeys whose channel effects are known.

    Each customer outside the holdout starts a journey in a channel and moves from touch to
    touch (a first-order Markov chain over ``display``, ``email``, ``search``, ``social``,
    ``video``; one touch every 0.5 days on average) until the journey converts or ends, at
    most 20 touches. Every customer also converts organically, untouched, with probability
    ``organic_rate`` at a random time in the first 60 days. The true removal effect of each
    channel is computed exactly from the chain, so attribution models can be checked against
    it.

    Parameters
    ----------
    n_customers : int, default 5000
        Number of customers (>= 10).
    holdout_share : float, default 0.1
        Share of customers held out of every channel (no touches).
    organic_rate : float, default 0.01
        Probability of an untouched (organic) conversion per customer.
    consent_rate : float, default 0.95
        Share of customers with marketing consent (``consent_marketing`` in the roster).
    start : date-like, default "2024-01-01"
        First day of the simulation.
    random_state : int, Generator or None, default None
        Seed.

    Returns
    -------
    SimulatedJourneys

    Examples
    --------
    >>> from precimark.datasets import make_journeys
    >>> sim = make_journeys(500, random_state=1)
    >>> sorted(sim.touchpoints["channel"].unique())
    ['display', 'email', 'search', 'social', 'video']
    >>> bool(sim.true_removal_effect["search"] > sim.true_removal_effect["display"])
    True
    """
    n = int(check_number(n_customers, "n_customers", low=10, integer=True))
    holdout_p = check_probability(holdout_share, "holdout_share")
    organic_p = check_probability(organic_rate, "organic_rate")
    consent_p = check_probability(consent_rate, "consent_rate")
    origin = to_day(start, "start").astype("datetime64[ns]")
    rng = to_rng(random_state)
    holdout = rng.random(n) < holdout_p
    walkers = np.flatnonzero(~holdout)
    k = len(JOURNEY_CHANNELS)
    cumulative = np.cumsum(_STEP, axis=1)
    state = np.searchsorted(np.cumsum(_START), rng.random(len(walkers)) * _START.sum())
    state = np.minimum(state, k - 1)
    clock = rng.uniform(0.0, 30.0, len(walkers))
    touch_customer, touch_time, touch_channel = [], [], []
    conv_customer, conv_time = [], []
    alive = np.ones(len(walkers), dtype=bool)
    for _ in range(20):  # one vectorised step for all walking customers at a time
        idx = np.flatnonzero(alive)
        if len(idx) == 0:
            break
        touch_customer.append(walkers[idx])
        touch_time.append(clock[idx])
        touch_channel.append(state[idx])
        draw = rng.random(len(idx))
        nxt = (draw[:, None] > cumulative[state[idx]]).sum(axis=1)
        converts = nxt == k
        conv_customer.append(walkers[idx[converts]])
        conv_time.append(clock[idx[converts]] + rng.uniform(0.01, 0.2, int(converts.sum())))
        moving = nxt < k
        alive[idx[~moving]] = False
        state[idx[moving]] = nxt[moving]
        clock[idx[moving]] += rng.exponential(0.5, int(moving.sum()))
    organic = np.flatnonzero(rng.random(n) < organic_p)
    conv_customer.append(organic)
    conv_time.append(rng.uniform(0.0, 60.0, len(organic)))

    customers_all = np.concatenate(touch_customer)
    channel_codes = np.concatenate(touch_channel)
    days = np.concatenate(touch_time)
    order = np.lexsort((days, customers_all))
    names = np.asarray(JOURNEY_CHANNELS, dtype=object)
    touchpoints = pd.DataFrame(
        {
            "customer_id": customers_all[order],
            "timestamp": origin + (days[order] * 86_400e9).astype("timedelta64[ns]"),
            "channel": names[channel_codes[order]],
            "campaign": np.asarray([f"{c}_spring" for c in JOURNEY_CHANNELS], dtype=object)[
                channel_codes[order]
            ],
            "cost": _COST[channel_codes[order]],
            "interaction": np.where(_CLICKS[channel_codes[order]], "click", "impression"),
        }
    )
    buyers = np.concatenate(conv_customer)
    when = np.concatenate(conv_time)
    order = np.lexsort((when, buyers))
    amounts = np.round(rng.gamma(4.0, 12.5, len(buyers)), 2)
    transactions = pd.DataFrame(
        {
            "customer_id": buyers[order],
            "date": origin + (when[order] * 86_400e9).astype("timedelta64[ns]"),
            "amount": amounts,
        }
    )
    roster = pd.DataFrame(
        {"consent_marketing": rng.random(n) < consent_p, "holdout": holdout},
        index=pd.Index(np.arange(n), name="customer_id"),
    )
    effects = pd.Series(
        true_removal_effects(_START, _STEP), index=pd.Index(JOURNEY_CHANNELS, name="channel")
    )
    return SimulatedJourneys(
        touchpoints=touchpoints,
        transactions=transactions,
        customers=roster,
        true_removal_effect=effects,
        true_organic_rate=organic_p,
    )


def true_removal_effects(
    start: npt.NDArray[np.float64], step: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Exact removal effects of a first-order chain (start vector, rows: channels, conv, exit)."""
    k = len(start)

    def reach(keep: npt.NDArray[np.float64]) -> float:
        q = step[:, :k] * keep[:, None]
        prob = np.linalg.solve(np.eye(k) - q, step[:, k] * keep)
        return float(start @ (prob * keep))

    base = reach(np.ones(k))
    return np.array([1.0 - reach(np.where(np.arange(k) == c, 0.0, 1.0)) / base for c in range(k)])


@dataclass(frozen=True)
class SimulatedPosts:
    """Output of :func:`make_posts`.

    Attributes
    ----------
    posts : DataFrame
        One row per post: ``date``, ``platform``, ``brand``, ``impressions``, ``likes``,
        ``shares``, ``comments``, ``sentiment`` (a score from -1 to 1, as an upstream tool
        would give), ``referral_id`` (the id of a customer the post referred, or missing).
    true_engagement_rate : Mapping[str, float]
        Engagement probability per impression, by brand.
    true_rate_ratio : float
        Multiplier of the daily mention rate of ``"our_brand"`` during the campaign.
    campaign_start, campaign_end : Timestamp
        The campaign window (both days included).
    """

    posts: pd.DataFrame
    true_engagement_rate: Mapping[str, float]
    true_rate_ratio: float
    campaign_start: pd.Timestamp
    campaign_end: pd.Timestamp


def make_posts(
    n_days: int = 120,
    *,
    rate_ratio: float = 1.5,
    mentions_per_day: float = 20.0,
    start: DateLike = "2024-01-01",
    random_state: SeedLike = None,
) -> SimulatedPosts:
    """Simulate social posts about our brand and two competitors, with a known campaign lift.

    Mentions of each brand arrive as a Poisson process per day with a weekly cycle (weekends
    +30%); during the campaign (days 80 to 93) our brand's rate is multiplied by
    ``rate_ratio``. Each post's impressions are Poisson(500); likes, shares and comments are
    binomial with known per-brand probabilities.

    Parameters
    ----------
    n_days : int, default 120
        Days simulated (>= 100; the campaign runs on days 80 to 93).
    rate_ratio : float, default 1.5
        True lift of our brand's daily mentions during the campaign (> 0).
    mentions_per_day : float, default 20.0
        Our brand's mean mentions per weekday outside the campaign (competitors: 30 and 10).
    start : date-like, default "2024-01-01"
        First day.
    random_state : int, Generator or None, default None
        Seed.

    Returns
    -------
    SimulatedPosts

    Examples
    --------
    >>> from precimark.datasets import make_posts
    >>> sim = make_posts(random_state=0)
    >>> sorted(sim.posts["brand"].unique())
    ['competitor_a', 'competitor_b', 'our_brand']
    """
    days_n = int(check_number(n_days, "n_days", low=100, integer=True))
    ratio = check_number(rate_ratio, "rate_ratio", low=0.0, inclusive="neither")
    base = check_number(mentions_per_day, "mentions_per_day", low=0.0, inclusive="neither")
    origin = pd.Timestamp(to_day(start, "start"))
    rng = to_rng(random_state)
    brands = {"our_brand": (base, 0.06), "competitor_a": (1.5 * base, 0.04)}
    brands["competitor_b"] = (0.5 * base, 0.05)
    dates = pd.date_range(origin, periods=days_n, freq="D")
    weekend = np.asarray(dates.day_of_week >= 5)
    campaign = (np.arange(days_n) >= 80) & (np.arange(days_n) <= 93)
    frames = []
    for brand, (rate, engage) in brands.items():
        lam = rate * np.where(weekend, 1.3, 1.0)
        if brand == "our_brand":
            lam = lam * np.where(campaign, ratio, 1.0)
        counts = rng.poisson(lam)
        day = np.repeat(np.arange(days_n), counts)
        m = len(day)
        impressions = rng.poisson(500, m) + 1
        likes = rng.binomial(impressions, engage * 0.7)
        shares = rng.binomial(impressions, engage * 0.1)
        comments = rng.binomial(impressions, engage * 0.2)
        tone = 0.3 if brand == "our_brand" else 0.1
        sentiment = np.clip(rng.normal(tone, 0.5, m), -1.0, 1.0)
        referral = np.where(rng.random(m) < 0.05, rng.integers(0, 5000, m), -1)
        frames.append(
            pd.DataFrame(
                {
                    "date": dates[day],
                    "platform": rng.choice(["weibo", "douyin", "wechat"], m),
                    "brand": brand,
                    "impressions": impressions,
                    "likes": likes,
                    "shares": shares,
                    "comments": comments,
                    "sentiment": np.round(sentiment, 3),
                    "referral_id": pd.array(
                        [int(r) if r >= 0 else None for r in referral], dtype="Int64"
                    ),
                }
            )
        )
    posts = pd.concat(frames, ignore_index=True).sort_values("date", kind="stable")
    return SimulatedPosts(
        posts=posts.reset_index(drop=True),
        true_engagement_rate=MappingProxyType({b: e for b, (_, e) in brands.items()}),
        true_rate_ratio=ratio,
        campaign_start=dates[80],
        campaign_end=dates[93],
    )
