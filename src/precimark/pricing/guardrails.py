"""Guardrails: limits no pricing decision may break, whatever its rules propose.

Applied in this order to each proposed price (``base`` = list price capped at the ceiling):

1. ``price_ceiling`` and a product's ``competitor_price`` (a column of the price frame): the
   base price never exceeds them;
2. ``max_discount``: price >= base * (1 - max_discount);
3. ``price_floor``: price >= min(base, floor) (a guardrail never raises a price above base);
4. ``min_margin``: price >= min(base, unit_cost * (1 + min_margin));
5. new-customer parity: an existing customer never pays more than an equivalent new customer
   (same features, no purchase history) would under the same policy;
6. ``budget``: when the expected cost of all offers exceeds the campaign budget, offers are
   kept in order of expected incremental margin per unit of expected cost until the budget is
   spent; the others get the base price.

Finally every price is rounded to the currency unit (or to a configured price ending such as
.99), never below the lower bounds above nor above the base price (:func:`round_prices`).

Protected attributes are checked when a :class:`~precimark.pricing.PricingPolicy` is built: a
rule that reads one is refused. Column names are matched by their normalised tokens against
:data:`PROTECTED_TOKENS` (``customer_age``, ``ageGroup``, ``is_female``, ``dob`` and
``zip_code`` are all recognised), see :func:`protected_match`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from precimark._validation import Inclusive, check_bool, check_number, fail
from precimark.pricing._arrays import FloatArray

__all__ = [
    "DEFAULT_PROTECTED",
    "GUARDRAIL_NAMES",
    "PROTECTED_TOKENS",
    "Guardrails",
    "protected_match",
    "round_prices",
]

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

PROTECTED_TOKENS: frozenset[str] = frozenset(
    {
        # age and birth
        "age", "ages", "aged", "birth", "birthday", "birthdate", "birthyear", "born", "dob",
        "yob", "dateofbirth",
        # sex and gender
        "gender", "sex", "female", "male", "woman", "women", "femme", "pregnancy", "pregnant",
        "maternity",
        # origin, ethnicity, religion
        "ethnic", "ethnicity", "race", "racial", "nationality", "citizenship", "religion",
        "religious", "faith", "caste",
        # health, family, orientation
        "disability", "disabled", "handicap", "marital", "married", "orientation",
        "sexuality", "lgbt", "lgbtq",
        # location proxies of origin
        "zip", "zipcode", "postcode", "postal", "postalcode", "plz",
    }
)  # fmt: skip
"""Name tokens of protected attributes (and their usual proxies: zip or post codes).

A column is protected when one of its normalised tokens (see :func:`protected_match`) is in
this set, or when it normalises to the same tokens as a declared protected column."""

GUARDRAIL_NAMES: tuple[str, ...] = (
    "price_ceiling",
    "max_discount",
    "price_floor",
    "min_margin",
    "new_customer_parity",
    "budget",
    "competitor_price",
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


def _tokens(column: str) -> tuple[str, ...]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", column)
    return tuple(t for t in re.split(r"[^0-9a-z]+", spaced.lower()) if t)


def protected_match(column: str, declared_columns: Iterable[str] = ()) -> str | None:
    """Return why ``column`` is a protected attribute, or None when it is not.

    The name is split into lower-case tokens at non-alphanumeric characters and camelCase
    boundaries (``customerAge`` → ``customer``, ``age``); it is protected when a token, or
    the tokens run together (``date_of_birth`` → ``dateofbirth``), is in
    :data:`PROTECTED_TOKENS`, or when its tokens equal those of a ``declared`` column.

    Parameters
    ----------
    column : str
        A column name.
    declared_columns : iterable of str
        Further protected column names (e.g. ``Guardrails(protected=...)``).

    Returns
    -------
    str or None
        The matching token or declared name.

    Examples
    --------
    >>> from precimark.pricing import protected_match
    >>> [protected_match(c) for c in ("customer_age", "ageGroup", "is_female", "dob", "zip_code")]
    ['age', 'age', 'female', 'dob', 'zip']
    >>> protected_match("page_views") is None, protected_match("Region", ["region"])
    (True, 'region')
    """
    tokens = _tokens(column)
    for token in (*tokens, "".join(tokens)):
        if token in PROTECTED_TOKENS:
            return token
    for name in declared_columns:
        if _tokens(name) == tokens:
            return name
    return None


def round_prices(
    price: FloatArray,
    low: FloatArray,
    base: FloatArray,
    *,
    currency_unit: float = 0.01,
    price_ending: float | None = None,
) -> FloatArray:
    """Round prices to the currency unit (or a price ending) within ``[low, base]``.

    A price equal to its base is rounded to the unit (down when rounding would raise it above
    the base). A reduced price with ``price_ending`` (e.g. 0.99) becomes the highest price
    ending so that is not above it, or the lowest one not below ``low`` when that would break
    a lower bound; when no such ending lies in ``[low, base)`` (a reduced price stays
    reduced), the price is rounded to the unit. Rounding is monotone, so new-customer parity survives it.

    Parameters
    ----------
    price, low, base : ndarray
        Prices, their lower bounds (guardrails) and upper bounds (base prices), per row.
    currency_unit : float, default 0.01
        Smallest amount of the currency (0.01 for cents, 1 for yen).
    price_ending : float, optional
        Fraction of a whole currency unit every reduced price ends with (0.99: 14.99).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from precimark.pricing import round_prices
    >>> round_prices(np.array([14.549999999999999, 12.34]), np.zeros(2), np.full(2, 20.0))
    array([14.55, 12.34])
    >>> round_prices(np.array([14.5, 12.34]), np.array([0.0, 12.1]), np.full(2, 20.0),
    ...              price_ending=0.99)
    array([13.99, 12.99])
    """
    unit = float(currency_unit)
    eps = 1e-6
    high_u = np.floor(base / unit + eps)
    low_u = np.minimum(np.maximum(np.ceil(low / unit - eps), 1.0), high_u)
    cents = np.clip(np.round(price / unit), low_u, high_u)
    out = np.round(cents * unit, 10)
    if price_ending is None:
        return out
    end = float(price_ending)
    down = np.floor(price - end + eps) + end
    up = np.ceil(low - end - eps) + end
    ended = np.where(down >= low - eps, down, up)
    usable = (price < base - eps) & (ended < base - eps) & (ended >= low - eps) & (ended > 0)
    return np.where(usable, np.round(ended, 10), out)


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
        (None: every offer is assumed redeemed, the worst case). Propensities outside
        [0, 1], uplifts outside [-1, 1] and sums outside [0, 1] are refused, never clipped.
    protected : tuple of str, default ()
        Further columns that may never be price inputs, on top of :data:`DEFAULT_PROTECTED`.
    reference_days : int, default 30
        Window of the reference price: the lowest price of the previous ``reference_days``
        days when a price history is given to :meth:`PricingPolicy.decide`.
    new_customer_parity : bool, default True
        Never price an existing customer above an equivalent new customer.
    currency_unit : float, default 0.01
        Every price is rounded to this unit (see :func:`round_prices`).
    price_ending : float, optional
        Reduced prices end with this fraction of a whole unit (0.99: 14.99), within the other
        guardrails.
    proxy_threshold : float, default 0.3
        Association (Cramér's V) between a price input and a protected column given to
        :meth:`PricingPolicy.decide` above which a proxy warning is raised.

    Notes
    -----
    ``max_discount``, ``min_margin`` and ``price_floor`` can be set per product, and a
    ``competitor_price`` cap added, by columns of the same names in the price frame given to
    :meth:`PricingPolicy.decide` (a missing value falls back to the policy-wide setting).

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
    currency_unit: float = 0.01
    price_ending: float | None = None
    proxy_threshold: float = 0.3

    def __post_init__(self) -> None:
        _optional_number(self.max_discount, "max_discount", low=0.0, high=1.0)
        _optional_number(self.min_margin, "min_margin", low=0.0)
        _optional_number(self.price_floor, "price_floor", low=0.0)
        _optional_number(self.price_ceiling, "price_ceiling", low=0.0, inclusive="neither")
        _optional_number(self.budget, "budget", low=0.0)
        check_bool(self.new_customer_parity, "new_customer_parity")
        check_number(self.currency_unit, "currency_unit", low=0.0, inclusive="neither")
        _optional_number(self.price_ending, "price_ending", low=0.0, high=1.0, inclusive="left")
        check_number(self.proxy_threshold, "proxy_threshold", low=0.0, high=1.0)
        if self.price_ending is not None:
            steps = self.price_ending / self.currency_unit
            if abs(steps - round(steps)) > 1e-6:
                raise fail(
                    "argument 'price_ending'",
                    repr(self.price_ending),
                    f"a multiple of the currency unit {self.currency_unit}",
                )
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
