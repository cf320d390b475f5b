"""Guardrails: limits no pricing decision may break, whatever its rules propose.

Applied in this order to each proposed price (``base`` = list price capped at the ceiling):

1. ``price_ceiling``: the base price never exceeds it;
2. ``max_discount``: price >= base * (1 - max_discount);
3. ``price_floor``: price >= min(base, floor) (a guardrail never raises a price above base);
4. ``min_margin``: price >= min(base, unit_cost * (1 + min_margin));
5. new-customer parity: an existing customer never pays more than an equivalent new customer
   (same features, no purchase history) would under the same policy;
6. ``budget``: when the expected cost of all offers exceeds the campaign budget, offers are
   kept in order of expected incremental margin per unit of expected cost until the budget is
   spent; the others get the base price.

Protected attributes are checked when a :class:`~precimark.pricing.PricingPolicy` is built: a
rule that reads one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from precimark._validation import Inclusive, check_bool, check_number, fail

__all__ = ["DEFAULT_PROTECTED", "GUARDRAIL_NAMES", "Guardrails"]

DEFAULT_PROTECTED: tuple[str, ...] = (
    "age",
    "date_of_birth",
    "disability",
    "ethnicity",
    "gender",
    "marital_status",
    "nationality",
    "pregnancy",
    "race",
    "religion",
    "sex",
    "sexual_orientation",
)
"""Attributes protected by anti-discrimination law; always refused as price inputs."""

GUARDRAIL_NAMES: tuple[str, ...] = (
    "price_ceiling",
    "max_discount",
    "price_floor",
    "min_margin",
    "new_customer_parity",
    "budget",
)
"""Names recorded in a decision's ``guardrails_applied`` when a guardrail binds."""


def _optional_number(
    value: object,
    name: str,
    *,
    low: float,
    high: float | None = None,
    inclusive: Inclusive = "both",
) -> None:
    if value is not None:
        check_number(value, name, low=low, high=high, inclusive=inclusive)


@dataclass(frozen=True)
class Guardrails:
    """Limits every decision of a :class:`~precimark.pricing.PricingPolicy` respects.

    Parameters
    ----------
    max_discount : float or None, default 0.3
        Largest discount as a fraction of the base price (0 <= x <= 1).
    min_margin : float or None, default None
        Minimum margin over unit cost, as a fraction of the cost (0.1: price >= 1.1 * cost).
        Needs a ``unit_cost`` for every product.
    price_floor, price_ceiling : float or None
        Absolute lower and upper price limits, in currency.
    budget : float or None
        Campaign budget: the largest expected discount cost (sum over rows of purchase
        probability x discount) the offers may incur.
    uplift_column : str, default "uplift"
        With ``budget``: customer column with the incremental purchase probability of an offer.
    propensity_column : str or None, default "propensity"
        With ``budget``: customer column with the purchase probability without the offer
        (None: every offer is assumed redeemed, the worst case).
    protected : tuple of str, default ()
        Further columns that may never be price inputs, on top of :data:`DEFAULT_PROTECTED`.
    reference_days : int, default 30
        Window of the reference price: the lowest price of the previous ``reference_days``
        days when a price history is given to :meth:`PricingPolicy.decide`.
    new_customer_parity : bool, default True
        Never price an existing customer above an equivalent new customer.

    Examples
    --------
    >>> from precimark.pricing import Guardrails
    >>> g = Guardrails(max_discount=0.2, protected=("postcode",))
    >>> "postcode" in g.protected_columns and "gender" in g.protected_columns
    True
    """

    max_discount: float | None = 0.3
    min_margin: float | None = None
    price_floor: float | None = None
    price_ceiling: float | None = None
    budget: float | None = None
    uplift_column: str = "uplift"
    propensity_column: str | None = "propensity"
    protected: tuple[str, ...] = ()
    reference_days: int = 30
    new_customer_parity: bool = True

    def __post_init__(self) -> None:
        _optional_number(self.max_discount, "max_discount", low=0.0, high=1.0)
        _optional_number(self.min_margin, "min_margin", low=0.0)
        _optional_number(self.price_floor, "price_floor", low=0.0)
        _optional_number(self.price_ceiling, "price_ceiling", low=0.0, inclusive="neither")
        _optional_number(self.budget, "budget", low=0.0)
        check_bool(self.new_customer_parity, "new_customer_parity")
        if (
            self.price_floor is not None
            and self.price_ceiling is not None
            and self.price_floor > self.price_ceiling
        ):
            raise fail(
                "arguments 'price_floor' and 'price_ceiling'",
                f"floor {self.price_floor} above ceiling {self.price_ceiling}",
                "price_floor <= price_ceiling",
            )
        protected: object = self.protected
        if isinstance(protected, str) or not all(isinstance(c, str) and c for c in self.protected):
            raise fail("argument 'protected'", repr(self.protected), "a tuple of column names")
        object.__setattr__(self, "protected", tuple(self.protected))
        days = check_number(self.reference_days, "reference_days", low=1, integer=True)
        object.__setattr__(self, "reference_days", int(days))

    @property
    def protected_columns(self) -> frozenset[str]:
        """Every column refused as a price input (defaults plus ``protected``)."""
        return frozenset(DEFAULT_PROTECTED) | frozenset(self.protected)

    def reads(self) -> tuple[tuple[str, str], ...]:
        """Return the customer columns the guardrails read (the budget's uplift and propensity)."""
        if self.budget is None:
            return ()
        out = [(self.uplift_column, "campaign budget allocation")]
        if self.propensity_column is not None:
            out.append((self.propensity_column, "campaign budget allocation"))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (``Guardrails(**d)`` rebuilds it)."""
        out = asdict(self)
        out["protected"] = list(self.protected)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Guardrails:
        """Rebuild from :meth:`to_dict` output."""
        kwargs = dict(data)
        kwargs["protected"] = tuple(kwargs.get("protected", ()))
        return cls(**kwargs)
