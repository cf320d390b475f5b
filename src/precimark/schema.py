"""Input column names and the names of precimark's output columns.

Inputs are read through one frozen :class:`Columns` object, so a shop whose log calls the
customer ``"user"`` passes ``Columns(customer_id="user")`` once instead of renaming frames.
Output names follow lifetimes and pymc-marketing.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CALIBRATION_HOLDOUT_COLUMNS",
    "CLV",
    "CLV_LOWER",
    "CLV_UPPER",
    "COUNT",
    "CUTOFF",
    "DAYS_SINCE_LAST",
    "DURATION_HOLDOUT",
    "EXPECTED_PURCHASES",
    "EXPECTED_PURCHASES_LOWER",
    "EXPECTED_PURCHASES_UPPER",
    "EXPECTED_SPEND",
    "FREQUENCY",
    "FREQUENCY_HOLDOUT",
    "LABEL",
    "F_SCORE",
    "MONETARY_VALUE",
    "MONETARY_VALUE_HOLDOUT",
    "N_CUSTOMERS",
    "M_SCORE",
    "N_PURCHASES",
    "PROBABILITY_ALIVE",
    "PROBABILITY_ALIVE_LOWER",
    "PROBABILITY_ALIVE_UPPER",
    "PROPENSITY",
    "RECENCY",
    "RFM_COLUMNS",
    "RFM_SCORE",
    "RFM_SCORE_COLUMNS",
    "R_SCORE",
    "SEGMENT",
    "T",
    "TOTAL_SPEND",
    "Columns",
]

FREQUENCY = "frequency"
RECENCY = "recency"
T = "T"
MONETARY_VALUE = "monetary_value"
RFM_COLUMNS: tuple[str, ...] = (FREQUENCY, RECENCY, T, MONETARY_VALUE)
"""Columns of :func:`precimark.rfm_summary`, in order."""

FREQUENCY_HOLDOUT = "frequency_holdout"
MONETARY_VALUE_HOLDOUT = "monetary_value_holdout"
DURATION_HOLDOUT = "duration_holdout"
CALIBRATION_HOLDOUT_COLUMNS: tuple[str, ...] = (
    *(f"{name}_cal" for name in RFM_COLUMNS),
    FREQUENCY_HOLDOUT,
    MONETARY_VALUE_HOLDOUT,
    DURATION_HOLDOUT,
)
"""Columns of :func:`precimark.calibration_holdout_split`, in order."""

COUNT = "count"
"""Customers per distinct (frequency, recency, T) row of :class:`precimark.clv.RFMHistogram`."""

PROBABILITY_ALIVE = "probability_alive"
"""Probability that a customer is still active (scores of the purchase models)."""
EXPECTED_PURCHASES = "expected_purchases"
"""Expected number of repeat purchases over a horizon (scores of the purchase models)."""
EXPECTED_SPEND = "expected_spend"
"""Expected average spend per transaction (scores of the spend model)."""
CLV = "customer_lifetime_value"
"""Customer lifetime value (:func:`precimark.customer_lifetime_value`)."""
CLV_LOWER = "clv_lower"
"""Lower bound of the customer lifetime value's bootstrap interval."""
CLV_UPPER = "clv_upper"
"""Upper bound of the customer lifetime value's bootstrap interval."""
EXPECTED_PURCHASES_LOWER = "expected_purchases_lower"
"""Lower bound of the interval of ``expected_purchases`` (with ``confidence``)."""
EXPECTED_PURCHASES_UPPER = "expected_purchases_upper"
"""Upper bound of the interval of ``expected_purchases`` (with ``confidence``)."""
PROBABILITY_ALIVE_LOWER = "probability_alive_lower"
"""Lower bound of the interval of ``probability_alive`` (with ``confidence``)."""
PROBABILITY_ALIVE_UPPER = "probability_alive_upper"
"""Upper bound of the interval of ``probability_alive`` (with ``confidence``)."""
N_CUSTOMERS = "n_customers"
"""Customers per group (:func:`precimark.clv.segment_value`)."""

PROPENSITY = "propensity"
"""Name of the Series returned by :meth:`precimark.PropensityModel.score_customers`."""

R_SCORE = "r_score"
"""Recency score, 1..q (higher is more recent)."""
F_SCORE = "f_score"
"""Frequency score, 1..q."""
M_SCORE = "m_score"
"""Monetary score, 1..q."""
RFM_SCORE = "rfm_score"
"""Sum of the three scores (3 .. 3q)."""
RFM_SCORE_COLUMNS: tuple[str, ...] = (R_SCORE, F_SCORE, M_SCORE, RFM_SCORE)
"""Columns of :func:`precimark.profiling.rfm_scores`, in order."""
SEGMENT = "segment"
"""Named RFM segment of a customer (:func:`precimark.profiling.rfm_segments`)."""
LABEL = "label"
"""Label column of :func:`precimark.propensity.make_snapshots` (a purchase in the horizon)."""
CUTOFF = "cutoff"
"""Second index level of :func:`precimark.propensity.make_snapshots` (the snapshot date)."""
N_PURCHASES = "n_purchases"
"""Purchase days before the cutoff (:func:`precimark.propensity.make_snapshots`)."""
TOTAL_SPEND = "total_spend"
"""Spend before the cutoff (:func:`precimark.propensity.make_snapshots`)."""
DAYS_SINCE_LAST = "days_since_last"
"""Days from the last purchase to the cutoff (:func:`precimark.propensity.make_snapshots`)."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Names of the columns precimark reads from a transaction log.

    Parameters
    ----------
    customer_id : str, default "customer_id"
        Customer identifier (any hashable, sortable values).
    date : str, default "date"
        Transaction timestamp (datetime64, or strings pandas can parse).
    amount : str, default "amount"
        Amount paid for the transaction, in currency units.

    Examples
    --------
    >>> from precimark import Columns
    >>> Columns(customer_id="user_id").customer_id
    'user_id'
    """

    customer_id: str = "customer_id"
    date: str = "date"
    amount: str = "amount"


# Channels (precimark.channels): touchpoint input names and the names of the output columns.
__all__ += [
    "CHANNEL",
    "CONVERSIONS",
    "CONVERTED",
    "DAYS_BEFORE",
    "PATH",
    "PostColumns",
    "REVENUE",
    "TouchpointColumns",
]

PATH = "path"
"""Ordered channels of a journey, a tuple (:func:`precimark.channels.journeys`)."""
CONVERTED = "converted"
"""Whether a journey ended in a conversion (:func:`precimark.channels.journeys`)."""
REVENUE = "revenue"
"""Revenue of a journey's conversion, or credited to a channel (0 when not converted)."""
DAYS_BEFORE = "days_before"
"""Days from each touch of a journey to its end (the conversion, or the last touch)."""
CHANNEL = "channel"
"""Index of :func:`precimark.channels.attribute` and the channel frames."""
CONVERSIONS = "conversions"
"""Conversions credited to a channel (:func:`precimark.channels.attribute`)."""


@dataclass(frozen=True, slots=True)
class TouchpointColumns:
    """Names of the columns precimark reads from a touchpoint log.

    A touchpoint is one contact of a customer with a marketing channel: an impression, a click,
    an e-mail, a live-stream view. ``campaign``, ``cost`` and ``interaction`` are optional
    columns: they are read when the frame has them.

    Parameters
    ----------
    customer_id : str, default "customer_id"
        Customer identifier (the same ids as the transaction log).
    timestamp : str, default "timestamp"
        When the touch happened (datetime64, or strings pandas can parse).
    channel : str, default "channel"
        The channel (strings such as ``"search"``, ``"email"``, ``"short_video"``).
    campaign : str, default "campaign"
        Optional: the campaign the touch belongs to.
    cost : str, default "cost"
        Optional: what the touch cost, in currency units (>= 0).
    interaction : str, default "interaction"
        Optional: ``"impression"`` or ``"click"``.

    Examples
    --------
    >>> from precimark.schema import TouchpointColumns
    >>> TouchpointColumns(channel="medium").channel
    'medium'
    """

    customer_id: str = "customer_id"
    timestamp: str = "timestamp"
    channel: str = "channel"
    campaign: str = "campaign"
    cost: str = "cost"
    interaction: str = "interaction"


@dataclass(frozen=True, slots=True)
class PostColumns:
    """Names of the columns precimark reads from a table of social posts or mentions.

    One row is one post or mention (on a social platform, an official account, a short
    video, a live stream) about a brand. Sentiment is data made upstream (any tool or
    manual coding): precimark does no language processing.

    Parameters
    ----------
    date : str, default "date"
        When the post appeared (datetime64, or strings pandas can parse).
    platform : str, default "platform"
        Where it appeared.
    brand : str, default "brand"
        The brand it is about (ours or a competitor's).
    impressions : str, default "impressions"
        Times it was shown (whole number >= 0).
    likes, shares, comments : str, default "likes", "shares", "comments"
        Engagements (whole numbers >= 0).
    sentiment : str, default "sentiment"
        Optional: a score from -1 to 1, or a label "positive", "neutral" or "negative".
    referral_id : str, default "referral_id"
        Optional: the customer id a post referred (a tracked link), or missing.

    Examples
    --------
    >>> from precimark.schema import PostColumns
    >>> PostColumns(brand="account").brand
    'account'
    """

    date: str = "date"
    platform: str = "platform"
    brand: str = "brand"
    impressions: str = "impressions"
    likes: str = "likes"
    shares: str = "shares"
    comments: str = "comments"
    sentiment: str = "sentiment"
    referral_id: str = "referral_id"


# Contractual settings (precimark.clv.ShiftedBetaGeoModel) and tracking (precimark.clv.tracking).
__all__ += [
    "ACTUAL_CUMULATIVE",
    "ACTUAL_INCREMENTAL",
    "CHURN_PROBABILITY",
    "COHORT",
    "EXPECTED_CUMULATIVE",
    "EXPECTED_INCREMENTAL",
    "N_ACTIVE",
    "PERIOD",
    "PERIOD_END",
    "RETENTION_RATE",
    "SURVIVAL",
    "TRACKING_COLUMNS",
]

COHORT = "cohort"
"""Cohort label: of a survivor count (:class:`precimark.clv.ShiftedBetaGeoModel` input) or a
row of :func:`precimark.clv.tracking` by cohort."""
PERIOD = "period"
"""Period number: 0, 1, 2, ... of a survivor count (periods survived); 1, 2, ... in tracking."""
N_ACTIVE = "n_active"
"""Customers of a cohort still active after ``period`` periods (sBG input)."""
SURVIVAL = "survival"
"""Probability of still being a customer after a number of periods (sBG)."""
RETENTION_RATE = "retention_rate"
"""Share of the customers active at the start of a period who renew at its end (sBG)."""
CHURN_PROBABILITY = "churn_probability"
"""Probability that a customer's last period is a given one (sBG)."""
PERIOD_END = "period_end"
"""Last day of a tracking period (inclusive)."""
ACTUAL_INCREMENTAL = "actual_incremental"
"""Repeat transactions observed in a tracking period."""
EXPECTED_INCREMENTAL = "expected_incremental"
"""Repeat transactions the model expects in a tracking period."""
ACTUAL_CUMULATIVE = "actual_cumulative"
"""Repeat transactions observed from the start up to the end of a tracking period."""
EXPECTED_CUMULATIVE = "expected_cumulative"
"""Repeat transactions the model expects from the start up to the end of a tracking period."""
TRACKING_COLUMNS: tuple[str, ...] = (
    PERIOD,
    PERIOD_END,
    ACTUAL_INCREMENTAL,
    EXPECTED_INCREMENTAL,
    ACTUAL_CUMULATIVE,
    EXPECTED_CUMULATIVE,
)
"""Columns of :func:`precimark.clv.tracking`, in order (preceded by ``cohort`` by cohort)."""
