"""Pricing rules: frozen, serialisable dataclasses that each propose a discount per decision row.

A rule reads a few customer columns (names configurable per rule), decides for every
customer x product row whether it *fires* and which discount (a fraction of the base price) it
proposes, says in plain words why it fired, and names the one change of its input that could
make it give more (:meth:`Rule.counterfactuals`; the policy re-decides with that change and shows
the hint only with the price it really gives). Rules never surcharge: every discount is in
``[0, 1)``. :class:`ForProducts` limits a rule to some products or categories. A :class:`~precimark.pricing.PricingPolicy` combines
the rules and applies its guardrails.

Rules round-trip through :meth:`to_dict` / :func:`rule_from_dict` (JSON-safe dictionaries).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import pairwise
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._deprecation import DEPRECATED_SINCE, REMOVED_IN, deprecated_alias
from precimark._validation import check_bool, check_number, fail, fail_rows
from precimark.exceptions import DataValidationError
from precimark.pricing._arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    Labels,
    numeric_column,
    unique_inverse,
)

__all__ = [
    "Change",
    "ChannelDiscount",
    "ForProducts",
    "ListPrice",
    "LoyaltyTiers",
    "Rule",
    "SensitivityDiscount",
    "Tier",
    "UpliftTargetedOffer",
    "rule_from_dict",
]


@dataclass(frozen=True)
class Context:
    """What a rule sees: the (consenting) customers and one entry per decision row.

    Built by :meth:`PricingPolicy.decide`; a custom rule reads its columns through
    :meth:`numeric` (checked) and broadcasts per-customer arrays with :meth:`per_row`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.pricing.rules import Context
    >>> ctx = Context(pd.DataFrame({"x": [1.0, 2.0]}), np.array([0, 0, 1]),
    ...               np.full(3, 10.0), np.zeros(3), pd.Timestamp("2025-01-01"))
    >>> ctx.per_row(ctx.numeric("x"))
    array([1., 1., 2.])
    """

    customers: pd.DataFrame
    """Customers being priced, indexed by customer id."""
    row_customer: IntArray
    """Position in ``customers`` of each decision row."""
    base_price: FloatArray
    """List price capped at the price ceiling, per row."""
    unit_cost: FloatArray
    """Unit cost per row (0 where unknown)."""
    at: pd.Timestamp
    """When the decision is made."""
    products: pd.DataFrame | None = None
    """The price table, indexed by product (with a ``category`` column when one was given)."""
    row_product: IntArray | None = None
    """Position in ``products`` of each decision row."""

    def numeric(self, column: str) -> FloatArray:
        """Return customer column ``column`` as float per customer, checked finite."""
        return numeric_column(
            self.customers, column, "for every customer with personalised-pricing consent"
        )

    def per_row(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Broadcast a per-customer array to the decision rows."""
        return values[self.row_customer]


@dataclass(frozen=True)
class Effect:
    """A rule's proposal for every decision row.

    ``reason`` and ``hint`` are ``(codes, labels)``: per row an index into ``labels``, or -1.

    Examples
    --------
    >>> import numpy as np
    >>> from precimark.pricing.rules import Effect
    >>> fired = np.array([True, False])
    >>> effect = Effect(fired, np.where(fired, 0.1, 0.0), (np.array([0, -1]), ["10% off"]),
    ...                 (np.array([-1, 0]), ["buy more"]))
    >>> effect.discount
    array([0.1, 0. ])
    """

    fired: BoolArray
    discount: FloatArray
    """Proposed discount (fraction of the base price); 0 where the rule did not fire."""
    reason: Labels
    """Why it fired (code -1 where it did not)."""
    hint: Labels
    """Ignored since 0.2.0: hints come from :meth:`Rule.counterfactuals`, checked by re-deciding."""


@dataclass(frozen=True)
class Change:
    """One counterfactual input per customer: "with this value of ``column``, ...".

    Examples
    --------
    >>> import numpy as np
    >>> from precimark.pricing import Change
    >>> c = Change("orders_365d", np.array([3.0, 3.0]), np.array([True, False]),
    ...            (np.array([0, -1]), ["1 more order (tier Silver)"]))
    >>> c.column, c.label[1][0]
    ('orders_365d', '1 more order (tier Silver)')
    """

    column: str
    new_values: npt.NDArray[Any]
    """New value per customer of the context (read only where ``where``)."""
    where: BoolArray
    """Customers for whom the change is proposed."""
    label: Labels
    """The change in plain words, per customer (code -1 where ``where`` is False)."""


def _labels(codes: npt.NDArray[np.integer[Any]], labels: Sequence[str]) -> Labels:
    return np.asarray(codes, dtype=np.int64), list(labels)


def _constant(mask: BoolArray, label: str) -> Labels:
    return np.where(mask, 0, -1).astype(np.int64), [label]


def _check_rate(value: object, name: str, *, allow_zero: bool = True) -> None:
    try:
        check_number(value, name, low=0.0, high=1.0, inclusive="left" if allow_zero else "neither")
    except DataValidationError as err:
        raise DataValidationError(
            f"{err} A discount is a fraction of the price. Rules never surcharge: write 10% off "
            "as 0.1."
        ) from None


def _check_name(value: object, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise fail(f"argument '{name}'", repr(value), "a non-empty string")


class Rule:
    """Base of every pricing rule (a frozen dataclass subclass).

    Subclasses define ``personalised`` (does the price depend on personal data?),
    :meth:`reads` (customer columns read, with what for), :meth:`evaluate` and, when they
    read the customer's past, :meth:`history_columns` (for new-customer parity).

    Examples
    --------
    A custom rule: 5% off for customers flagged as students (a 0/1 column).

    >>> from dataclasses import dataclass
    >>> import numpy as np, pandas as pd
    >>> from precimark.pricing import PricingPolicy, Rule
    >>> from precimark.pricing.rules import Effect
    >>> @dataclass(frozen=True)
    ... class StudentDiscount(Rule):
    ...     name: str = "student"
    ...     def reads(self):
    ...         return (("student", "student discount"),)
    ...     def evaluate(self, ctx, *, as_new=False):
    ...         fired = ctx.per_row(ctx.numeric("student") == 1)
    ...         return Effect(fired, np.where(fired, 0.05, 0.0),
    ...                       (np.where(fired, 0, -1), ["student: 5% off"]),
    ...                       (np.full(fired.size, -1), []))
    >>> customers = pd.DataFrame({"student": [1, 0], "consent_personalised_pricing": True})
    >>> PricingPolicy([StudentDiscount()]).decide(customers, 20.0, at="2025-01-01")[
    ...     "final_price"].tolist()
    [19.0, 20.0]
    """

    personalised: ClassVar[bool] = True
    name: str

    def reads(self) -> tuple[tuple[str, str], ...]:
        """Return the customer columns this rule reads, each with what it is read for."""
        return ()

    def history_columns(self) -> tuple[str, ...]:
        """Return the columns describing the customer's past (reset for a new customer)."""
        return ()

    def evaluate(self, ctx: Context, *, as_new: bool = False) -> Effect:
        """Propose a discount for each decision row of ``ctx``."""
        raise NotImplementedError  # pragma: no cover

    def counterfactuals(self, ctx: Context) -> tuple[Change, ...]:
        """Return the input changes that could make this rule give more, smallest first.

        :meth:`PricingPolicy.decide` re-decides with each change in turn and shows, per row,
        the first one that lowers the price (with that price). Default: none.
        """
        return ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dictionary; :func:`rule_from_dict` rebuilds the rule."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = [v.to_dict() if isinstance(v, Tier) else v for v in value]
            out[f.name] = value
        return out


@dataclass(frozen=True)
class ListPrice(Rule):
    """Charge the list price: the fallback for customers no other rule covers.

    Reads no customer data, so it is not personalised.

    Parameters
    ----------
    name : str, default "list_price"

    Examples
    --------
    >>> from precimark.pricing import ListPrice
    >>> ListPrice().to_dict()
    {'type': 'ListPrice', 'name': 'list_price'}
    """

    personalised: ClassVar[bool] = False
    name: str = "list_price"

    def __post_init__(self) -> None:
        _check_name(self.name, "name")

    def evaluate(self, ctx: Context, *, as_new: bool = False) -> Effect:
        """Fire on every row with no discount."""
        n = ctx.row_customer.size
        fired = np.ones(n, dtype=bool)
        return Effect(
            fired,
            np.zeros(n),
            _constant(fired, "list price"),
            _constant(np.zeros(n, dtype=bool), ""),
        )


@dataclass(frozen=True)
class Tier:
    """One loyalty tier: reached at ``threshold`` of the tier metric, with its discount.

    Examples
    --------
    >>> from precimark.pricing import Tier
    >>> Tier("Gold", 10, 0.1)
    Tier(name='Gold', threshold=10, discount=0.1)
    """

    name: str
    threshold: float
    discount: float

    def __post_init__(self) -> None:
        _check_name(self.name, "name")
        check_number(self.threshold, "threshold")
        _check_rate(self.discount, "discount")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {"name": self.name, "threshold": self.threshold, "discount": self.discount}


@dataclass(frozen=True)
class LoyaltyTiers(Rule):
    """Tier prices by accumulated orders (or spend) over a window.

    A customer gets the highest tier whose threshold their metric reaches (upgrade is
    immediate). A customer whose metric fell below the tier they held keeps it for
    ``grace_days`` from the first day below it (column ``below_tier_since_column``); without
    the previous-tier columns there is no grace.

    Parameters
    ----------
    tiers : sequence of Tier
        Tiers in increasing order of threshold (strictly) and discount (non-decreasing).
    metric_column : str, default "orders_365d"
        Customer column holding the accumulated orders or spend.
    metric_label : str, default "orders within 365 days"
        How to say one unit of the metric in explanations ("3 more orders within 365 days").
    grace_days : int, default 90
        Days a reached tier is kept even if the metric falls below it.
    previous_tier_column : str, optional
        Column with the tier name the customer held (missing = none).
    below_tier_since_column : str, optional
        Column with the first day the metric was below the held tier (missing while it is
        not below). Grace runs ``grace_days`` from that day.
    tier_since_column : str, optional
        Deprecated since 0.2.0: the date the held tier was *reached*, from which older
        versions wrongly counted the grace. Still read (with a ``FutureWarning`` at
        :meth:`~PricingPolicy.decide`) so saved policies keep working; use
        ``below_tier_since_column``. Give one of the two with ``previous_tier_column``.
    name : str, default "loyalty_tiers"

    Other Parameters
    ----------------
    metric, previous_tier, tier_since : str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``metric_column``,
        ``previous_tier_column`` and ``tier_since_column``. :func:`rule_from_dict` still reads
        the old keys of saved 0.1 policies, without a warning.

    Examples
    --------
    >>> from precimark.pricing import LoyaltyTiers, Tier
    >>> rule = LoyaltyTiers((Tier("Silver", 3, 0.05), Tier("Gold", 10, 0.1)))
    >>> [c for c, _ in rule.reads()]
    ['orders_365d']
    """

    tiers: tuple[Tier, ...]
    metric_column: str = "orders_365d"
    metric_label: str = "orders within 365 days"
    grace_days: int = 90
    previous_tier_column: str | None = None
    tier_since_column: str | None = None
    name: str = "loyalty_tiers"
    below_tier_since_column: str | None = None

    def __post_init__(self) -> None:
        tiers = tuple(t if isinstance(t, Tier) else Tier(**t) for t in self.tiers)
        object.__setattr__(self, "tiers", tiers)
        if not tiers:
            raise fail("argument 'tiers'", "no tiers", "at least one Tier")
        thresholds = [t.threshold for t in tiers]
        discounts = [t.discount for t in tiers]
        if any(b <= a for a, b in pairwise(thresholds)) or any(
            b < a for a, b in pairwise(discounts)
        ):
            raise fail(
                "argument 'tiers'",
                f"thresholds {thresholds} with discounts {discounts}",
                "strictly increasing thresholds and non-decreasing discounts",
            )
        for value, what in ((self.metric_column, "metric_column"), (self.name, "name")):
            _check_name(value, what)
        days = check_number(self.grace_days, "grace_days", low=0, integer=True)
        object.__setattr__(self, "grace_days", int(days))
        dates = [c for c in (self.below_tier_since_column, self.tier_since_column) if c is not None]
        if (self.previous_tier_column is None and dates) or (
            self.previous_tier_column is not None and len(dates) != 1
        ):
            raise fail(
                "arguments 'previous_tier_column' and 'below_tier_since_column'",
                f"previous_tier_column={self.previous_tier_column!r} with {len(dates)} date "
                "columns",
                "both (the tier held and the first day below it) or neither",
            )

    @property
    def _since_column(self) -> str | None:
        return self.below_tier_since_column or self.tier_since_column

    def reads(self) -> tuple[tuple[str, str], ...]:
        """Return the metric column, and the previous-tier columns when given."""
        out = [(self.metric_column, "loyalty tier")]
        if self.previous_tier_column is not None and self._since_column is not None:
            out += [
                (self.previous_tier_column, "loyalty tier grace"),
                (self._since_column, "loyalty tier grace"),
            ]
        return tuple(out)

    def history_columns(self) -> tuple[str, ...]:
        """Every column this rule reads describes the past."""
        return tuple(column for column, _ in self.reads())

    def tier_of(self, ctx: Context, *, as_new: bool = False) -> IntArray:
        """Tier position per customer of ``ctx`` (-1 = no tier)."""
        thresholds = np.array([t.threshold for t in self.tiers], dtype=np.float64)
        n = len(ctx.customers)
        value = np.zeros(n) if as_new else ctx.numeric(self.metric_column)
        tier = np.searchsorted(thresholds, value, side="right").astype(np.int64) - 1
        since_column = self._since_column
        if as_new or self.previous_tier_column is None or since_column is None:
            return tier
        names = pd.Index([t.name for t in self.tiers])
        held_series = ctx.customers[self.previous_tier_column]
        held = names.get_indexer(pd.Index(held_series.astype(object)))
        unknown = (held < 0) & held_series.notna().to_numpy()
        if unknown.any():
            raise fail_rows(
                f"column '{self.previous_tier_column}'",
                unknown,
                ctx.customers.index,
                "unknown tier name",
                "one of " + ", ".join(repr(t) for t in names) + " or missing",
            )
        since = pd.to_datetime(ctx.customers[since_column]).to_numpy(dtype="datetime64[ns]")
        below = held > tier
        no_date = below & np.isnat(since)
        if no_date.any():
            raise fail_rows(
                f"column '{since_column}'",
                no_date,
                ctx.customers.index,
                "missing date for a customer below the tier held",
                "the first day below the held tier"
                if self.below_tier_since_column
                else "the date each held tier was reached",
            )
        if self.below_tier_since_column is None:
            warnings.warn(
                f"LoyaltyTiers(tier_since_column={since_column!r}) counts the grace period from "
                "the day the tier was reached, which is deprecated since precimark "
                f"{DEPRECATED_SINCE}: pass below_tier_since_column (the first day below the "
                "tier), from which the grace period runs.",
                FutureWarning,
                stacklevel=5,
            )
        age = (ctx.at.to_datetime64() - since) / np.timedelta64(1, "D")
        in_grace = below & (age < self.grace_days)
        return np.where(in_grace, held, tier)

    def evaluate(self, ctx: Context, *, as_new: bool = False) -> Effect:
        """Fire where the customer holds a tier."""
        tier = self.tier_of(ctx, as_new=as_new)
        discounts = np.array([t.discount for t in self.tiers] + [0.0])
        fired_c = tier >= 0
        fired = ctx.per_row(fired_c)
        n = fired.size
        return Effect(
            fired,
            np.where(fired, ctx.per_row(discounts[tier]), 0.0),
            _labels(
                ctx.per_row(np.where(fired_c, tier, -1)),
                [f"loyalty tier {t.name}" for t in self.tiers],
            ),
            (np.full(n, -1, dtype=np.int64), []),
        )

    def counterfactuals(self, ctx: Context) -> tuple[Change, ...]:
        """Propose, per higher tier, the orders (or spend) missing to it: "3 more orders ... (tier Gold)"."""
        value = ctx.numeric(self.metric_column)
        tier = self.tier_of(ctx)
        label = self.metric_label
        out = []
        for j, target in enumerate(self.tiers):
            below = tier < j
            gap = np.ceil(np.round(np.maximum(target.threshold - value, 0.0), 6) * 100) / 100
            gap = np.maximum(gap, 0.01)  # hundredths of an order (or cents of spend)
            cents = np.round(gap * 100).astype(np.int64)
            uniq, inverse = unique_inverse(np.where(below, cents, 0))
            labels = []
            for c in uniq.tolist():
                amount = c / 100
                said = label
                if amount == 1:  # "1 more order", not "1 more orders"
                    first, _, rest = label.partition(" ")
                    said = f"{first.removesuffix('s')} {rest}".strip()
                labels.append(f"{amount:g} more {said} (tier {target.name})")
            out.append(
                Change(
                    self.metric_column,
                    value + gap,
                    below,
                    _labels(np.where(below, inverse, -1), labels),
                )
            )
        return tuple(out)

    @property
    def metric(self) -> str:
        """Deprecated since 0.2.0 (removed in 0.3.0): read :attr:`metric_column`."""
        _renamed_attribute("metric", "metric_column")
        return self.metric_column

    @property
    def previous_tier(self) -> str | None:
        """Deprecated since 0.2.0 (removed in 0.3.0): read :attr:`previous_tier_column`."""
        _renamed_attribute("previous_tier", "previous_tier_column")
        return self.previous_tier_column

    @property
    def tier_since(self) -> str | None:
        """Deprecated since 0.2.0 (removed in 0.3.0): read :attr:`tier_since_column`."""
        _renamed_attribute("tier_since", "tier_since_column")
        return self.tier_since_column


_LOYALTY_RENAMES = {
    "metric": "metric_column",
    "previous_tier": "previous_tier_column",
    "tier_since": "tier_since_column",
}
LoyaltyTiers.__init__ = deprecated_alias(**_LOYALTY_RENAMES)(  # type: ignore[method-assign]
    LoyaltyTiers.__init__
)


def _renamed_attribute(old: str, new: str) -> None:
    warnings.warn(
        f"LoyaltyTiers.{old} is deprecated since precimark {DEPRECATED_SINCE} and will be "
        f"removed in {REMOVED_IN}; use LoyaltyTiers.{new} instead.",
        FutureWarning,
        stacklevel=3,
    )


@dataclass(frozen=True)
class SensitivityDiscount(Rule):
    """A time-limited discount for price-sensitive customers.

    Fires where the price-sensitivity score exceeds ``threshold`` (and, with
    ``require_positive_uplift``, where the predicted uplift of the offer is positive). The
    decision's ``valid_until`` is ``valid_days`` after the decision.

    Parameters
    ----------
    threshold : float, default 0.6
        Score above which a customer counts as price-sensitive.
    discount : float, default 0.1
        Fraction off the base price (0 < discount < 1).
    valid_days : int, default 7
        Validity of the offer, in days (>= 1).
    column : str, default "price_sensitivity"
    require_positive_uplift : bool, default False
    uplift_column : str, default "uplift"
        Predicted incremental purchase probability of the offer.
    name : str, default "sensitivity_discount"

    Examples
    --------
    >>> from precimark.pricing import SensitivityDiscount
    >>> SensitivityDiscount(threshold=0.7, discount=0.15).valid_days
    7
    """

    threshold: float = 0.6
    discount: float = 0.1
    valid_days: int = 7
    column: str = "price_sensitivity"
    require_positive_uplift: bool = False
    uplift_column: str = "uplift"
    name: str = "sensitivity_discount"

    def __post_init__(self) -> None:
        _check_rate(self.discount, "discount", allow_zero=False)
        check_number(self.threshold, "threshold")
        check_bool(self.require_positive_uplift, "require_positive_uplift")
        days = check_number(self.valid_days, "valid_days", low=1, integer=True)
        object.__setattr__(self, "valid_days", int(days))
        for value, what in ((self.column, "column"), (self.uplift_column, "uplift_column")):
            _check_name(value, what)
        _check_name(self.name, "name")

    def reads(self) -> tuple[tuple[str, str], ...]:
        """Return the sensitivity score (and the uplift when required)."""
        out = [(self.column, "price-sensitivity discount")]
        if self.require_positive_uplift:
            out.append((self.uplift_column, "price-sensitivity discount"))
        return tuple(out)

    def evaluate(self, ctx: Context, *, as_new: bool = False) -> Effect:
        """Fire above the threshold (and positive uplift when required)."""
        score = ctx.numeric(self.column)
        fired_c = score > self.threshold
        if self.require_positive_uplift:
            fired_c &= ctx.numeric(self.uplift_column) > 0
        fired = ctx.per_row(fired_c)
        reason = f"price sensitivity above {float(self.threshold)!r} (offer valid {self.valid_days} days)"
        return Effect(
            fired,
            np.where(fired, self.discount, 0.0),
            _constant(fired, reason),
            (np.full(fired.size, -1, dtype=np.int64), []),
        )

    def counterfactuals(self, ctx: Context) -> tuple[Change, ...]:
        """Propose a score just above the threshold, for customers at or below it."""
        score = ctx.numeric(self.column)
        below = score <= self.threshold
        change = Change(
            self.column,
            np.full(score.size, np.nextafter(float(self.threshold), np.inf)),
            below,
            _constant(below, f"price sensitivity above {float(self.threshold)!r}"),
        )
        return (change,)


@dataclass(frozen=True)
class ChannelDiscount(Rule):
    """A reduction for paying through given channels (e.g. a wallet); never a surcharge.

    Parameters
    ----------
    discounts : Mapping[str, float]
        Discount (0 <= d < 1) per payment channel; other channels pay the base price. An
        explicit 0 ("no discount for online banking") is recorded as a reason.
    column : str, default "channel"
        Customer column with the (preferred or chosen) payment channel.
    name : str, default "channel_discount"

    Examples
    --------
    >>> from precimark.pricing import ChannelDiscount
    >>> ChannelDiscount({"wallet": 0.03}).to_dict()
    {'type': 'ChannelDiscount', 'discounts': {'wallet': 0.03}, 'column': 'channel', 'name': 'channel_discount'}
    """

    discounts: Mapping[str, float] = field(default_factory=dict)
    column: str = "channel"
    name: str = "channel_discount"

    def __post_init__(self) -> None:
        if not isinstance(self.discounts, Mapping) or not self.discounts:
            raise fail(
                "argument 'discounts'", repr(self.discounts), "a non-empty {channel: discount}"
            )
        for channel, value in self.discounts.items():
            _check_name(channel, "discounts key")
            _check_rate(value, f"discounts[{channel!r}]")
        object.__setattr__(self, "discounts", MappingProxyType(dict(self.discounts)))
        _check_name(self.column, "column")
        _check_name(self.name, "name")

    def __reduce__(self) -> tuple[type[ChannelDiscount], tuple[dict[str, float], str, str]]:
        # the read-only mapping proxy does not pickle; rebuild from a plain dict
        return (ChannelDiscount, (dict(self.discounts), self.column, self.name))

    def reads(self) -> tuple[tuple[str, str], ...]:
        """Return the payment channel column."""
        return ((self.column, "payment-channel discount"),)

    def evaluate(self, ctx: Context, *, as_new: bool = False) -> Effect:
        """Fire for the listed channels."""
        channels = list(self.discounts)
        position = pd.Index(channels).get_indexer(
            pd.Index(ctx.customers[self.column].astype(object))
        )
        rates = np.array([self.discounts[c] for c in channels] + [0.0])
        fired = ctx.per_row(position >= 0)
        return Effect(
            fired,
            ctx.per_row(rates[position]),
            _labels(
                ctx.per_row(position),
                [
                    f"paying with {c}" + ("" if self.discounts[c] > 0 else " (no channel discount)")
                    for c in channels
                ],
            ),
            (np.full(fired.size, -1, dtype=np.int64), []),
        )

    def counterfactuals(self, ctx: Context) -> tuple[Change, ...]:
        """Propose paying with each discounted channel, the smallest discount first."""
        current = ctx.customers[self.column].astype(object)
        out = []
        for channel in sorted(self.discounts, key=lambda c: self.discounts[c]):
            if self.discounts[channel] > 0:
                other = (current != channel).to_numpy()
                values = np.full(other.size, channel, dtype=object)
                out.append(
                    Change(self.column, values, other, _constant(other, f"paying with {channel}"))
                )
        return tuple(out)


@dataclass(frozen=True)
class UpliftTargetedOffer(Rule):
    """An offer made only where its expected incremental margin exceeds its cost.

    With base price ``P``, unit cost ``c``, discount ``d``, purchase probability without the
    offer ``p0`` and uplift ``u`` (incremental probability caused by the offer), the offer
    fires where ``u * (P * (1 - d) - c) > p0 * d * P + offer_cost``: the margin it creates
    beats the discount given to customers who would have bought anyway plus its fixed cost.

    It proposes no "what would change" hint: its inputs are model scores, which a customer
    cannot act on.

    Parameters
    ----------
    discount : float, default 0.1
    offer_cost : float, default 0.0
        Fixed cost of making one offer (e.g. a voucher's handling), in currency.
    uplift_column : str, default "uplift"
    propensity_column : str, default "propensity"
        Purchase probability without the offer.
    name : str, default "uplift_offer"

    Examples
    --------
    >>> from precimark.pricing import UpliftTargetedOffer
    >>> [c for c, _ in UpliftTargetedOffer().reads()]
    ['uplift', 'propensity']
    """

    discount: float = 0.1
    offer_cost: float = 0.0
    uplift_column: str = "uplift"
    propensity_column: str = "propensity"
    name: str = "uplift_offer"

    def __post_init__(self) -> None:
        _check_rate(self.discount, "discount", allow_zero=False)
        check_number(self.offer_cost, "offer_cost", low=0.0)
        for value, what in (
            (self.uplift_column, "uplift_column"),
            (self.propensity_column, "propensity_column"),
            (self.name, "name"),
        ):
            _check_name(value, what)

    def reads(self) -> tuple[tuple[str, str], ...]:
        """Return the uplift and baseline propensity columns."""
        return (
            (self.uplift_column, "uplift-targeted offer"),
            (self.propensity_column, "uplift-targeted offer"),
        )

    def evaluate(self, ctx: Context, *, as_new: bool = False) -> Effect:
        """Fire where the expected incremental margin beats the offer's cost."""
        uplift = ctx.per_row(ctx.numeric(self.uplift_column))
        base = ctx.per_row(ctx.numeric(self.propensity_column))
        price = ctx.base_price
        gain = uplift * (price * (1 - self.discount) - ctx.unit_cost)
        cost = base * self.discount * price + self.offer_cost
        fired = gain > cost
        return Effect(
            fired,
            np.where(fired, self.discount, 0.0),
            _constant(fired, "targeted offer (expected incremental margin above its cost)"),
            (np.full(fired.size, -1, dtype=np.int64), []),
        )


@dataclass(frozen=True)
class ForProducts(Rule):
    """Limit a rule to some products and/or categories of the price frame.

    Parameters
    ----------
    rule : Rule
        The rule applied where the product is listed in ``products`` or its ``category``
        (a column of the price frame given to :meth:`PricingPolicy.decide`) in
        ``categories``; elsewhere it does not fire.
    products, categories : tuple of str
        At least one of them non-empty.
    name : str, optional
        Default: the inner rule's name.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import ForProducts, PricingPolicy, SensitivityDiscount
    >>> rule = ForProducts(SensitivityDiscount(discount=0.2), categories=("shoes",))
    >>> prices = pd.DataFrame({"list_price": [50.0, 80.0], "category": ["shoes", "books"]},
    ...                       index=["sneaker", "novel"])
    >>> customers = pd.DataFrame({"price_sensitivity": [0.9],
    ...                           "consent_personalised_pricing": [True]})
    >>> PricingPolicy([rule]).decide(customers, prices, at="2025-01-01")["final_price"].tolist()
    [40.0, 80.0]
    """

    rule: Rule = field(default_factory=lambda: ListPrice())
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.rule, Rule) or isinstance(self.rule, ForProducts):
            raise fail("argument 'rule'", repr(self.rule), "a rule (not itself ForProducts)")
        for what in ("products", "categories"):
            value: Any = getattr(self, what)
            if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
                raise fail(f"argument '{what}'", repr(value), "a tuple of names")
            object.__setattr__(self, what, tuple(value))
        if not self.products and not self.categories:
            raise fail("arguments 'products' and 'categories'", "both empty", "at least one name")
        if not self.name:
            object.__setattr__(self, "name", self.rule.name)
        _check_name(self.name, "name")

    @property
    def personalised(self) -> bool:  # type: ignore[override]
        """As the inner rule."""
        return self.rule.personalised

    def reads(self) -> tuple[tuple[str, str], ...]:
        """Return the inner rule's columns."""
        return self.rule.reads()

    def history_columns(self) -> tuple[str, ...]:
        """Return the inner rule's history columns."""
        return self.rule.history_columns()

    def _scope(self, ctx: Context) -> BoolArray:
        if ctx.products is None or ctx.row_product is None:
            raise fail(f"rule '{self.name}'", "no price table", "a decision from decide()")
        inside = ctx.products.index.isin(self.products)
        if self.categories:
            if "category" not in ctx.products.columns:
                raise fail(
                    "argument 'prices'",
                    "no 'category' column",
                    f"a category per product for rule '{self.name}'",
                )
            inside |= ctx.products["category"].isin(self.categories).to_numpy()
        scope: BoolArray = np.asarray(inside, dtype=bool)[ctx.row_product]
        return scope

    def evaluate(self, ctx: Context, *, as_new: bool = False) -> Effect:
        """Return the inner rule's effect, where the product is in scope."""
        effect = self.rule.evaluate(ctx, as_new=as_new)
        scope = self._scope(ctx)
        return Effect(
            effect.fired & scope,
            np.where(scope, effect.discount, 0.0),
            (np.where(scope, effect.reason[0], -1), effect.reason[1]),
            effect.hint,
        )

    def counterfactuals(self, ctx: Context) -> tuple[Change, ...]:
        """Return the inner rule's changes (re-deciding keeps the product scope)."""
        return self.rule.counterfactuals(ctx)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary with the inner rule's."""
        return {
            "type": "ForProducts",
            "rule": self.rule.to_dict(),
            "products": list(self.products),
            "categories": list(self.categories),
            "name": self.name,
        }


_RULES: dict[str, type[Rule]] = {
    cls.__name__: cls
    for cls in (
        ListPrice,
        LoyaltyTiers,
        SensitivityDiscount,
        ChannelDiscount,
        UpliftTargetedOffer,
        ForProducts,
    )
}


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Rebuild a rule from :meth:`Rule.to_dict` output.

    Examples
    --------
    >>> from precimark.pricing import SensitivityDiscount, rule_from_dict
    >>> rule = SensitivityDiscount(threshold=0.7)
    >>> rule_from_dict(rule.to_dict()) == rule
    True
    """
    kind = data.get("type") if isinstance(data, Mapping) else None
    if kind not in _RULES:
        raise fail("argument 'data'", f"rule type {kind!r}", "one of " + ", ".join(_RULES))
    kwargs = {k: v for k, v in data.items() if k != "type"}
    if kind == "LoyaltyTiers":  # saved by precimark 0.1: the pre-0.2 field names
        kwargs = {_LOYALTY_RENAMES.get(k, k): v for k, v in kwargs.items()}
    if "tiers" in kwargs:
        kwargs["tiers"] = tuple(Tier(**t) for t in kwargs["tiers"])
    if kind == "ForProducts":
        kwargs["rule"] = rule_from_dict(kwargs["rule"])
        kwargs["products"] = tuple(kwargs.get("products", ()))
        kwargs["categories"] = tuple(kwargs.get("categories", ()))
    return _RULES[kind](**kwargs)
