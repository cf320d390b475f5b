"""Cost-benefit KPIs, each carrying the uncertainty of the effect it is built on.

Campaign cost, incremental revenue, ROI, ROAS, cost per incremental customer and payback period.

Costs are known amounts; the uncertainty comes from the estimated effect. Every function
takes the effect as an :class:`~precimark.kpi.Estimate` (for example from
:func:`precimark.kpi.campaign_effect`) or as a plain number (then the interval has zero width
and method ``"given"``), and maps the interval through the (monotone) formula.
"""

from __future__ import annotations

import math
import warnings

from precimark._deprecation import DEPRECATED_SINCE, REMOVED_IN
from precimark._validation import check_number
from precimark.kpi._checks import check_count, check_money, check_positive
from precimark.kpi.estimates import Estimate

__all__ = [
    "campaign_cost",
    "cost_per_incremental_customer",
    "incremental_revenue",
    "payback_period",
    "roas",
    "roi",
]


def _as_estimate(value: Estimate | float, name: str) -> Estimate:
    if isinstance(value, Estimate):
        return value
    number = check_number(value, name)
    return Estimate(number, number, number, 0.95, "given", 0)


def _derived(
    base: Estimate, value: float, low: float, high: float, method: str, *extra: str
) -> Estimate:
    # No p-value: it would repeat the base effect's test (and count twice in a KPI family).
    label = method if base.method == "given" else f"{base.method}, {method}"
    return Estimate(
        value, low, high, base.confidence, label, base.n, None, (*base.warnings, *extra)
    )


def campaign_cost(
    *,
    n_contacts: int = 0,
    cost_per_contact: float = 0.0,
    redeemed_discounts: float = 0.0,
    fixed_cost: float = 0.0,
) -> float:
    """Total cost of a campaign: contacts * cost per contact + redeemed discounts + fixed cost.

    Redeemed discounts are a cost (revenue given away); count them here *or* measure revenue
    net of discounts, not both.

    Examples
    --------
    >>> from precimark.kpi import campaign_cost
    >>> campaign_cost(n_contacts=10_000, cost_per_contact=0.02, redeemed_discounts=850.0,
    ...               fixed_cost=500.0)
    1550.0
    """
    contacts = check_count(n_contacts, "n_contacts")
    return (
        contacts * check_money(cost_per_contact, "cost_per_contact")
        + check_money(redeemed_discounts, "redeemed_discounts")
        + check_money(fixed_cost, "fixed_cost")
    )


def incremental_revenue(effect_per_customer: Estimate | float, n_treated: int) -> Estimate:
    """Total incremental revenue: effect per treated customer * number of treated customers.

    Parameters
    ----------
    effect_per_customer : Estimate or float
        Treated minus control revenue per customer (e.g. the Welch difference).
    n_treated : int
        Number of treated (contacted) customers.

    Examples
    --------
    >>> from precimark.kpi import Estimate, incremental_revenue
    >>> effect = Estimate(1.5, 0.5, 2.5, confidence=0.95, method="welch", n=20_000)
    >>> incremental_revenue(effect, 10_000)
    Estimate(15000, 95% CI [5000, 25000], method='welch, x n_treated', n=20000)
    """
    base = _as_estimate(effect_per_customer, "effect_per_customer")
    k = check_count(n_treated, "n_treated", minimum=1)
    return _derived(base, base.value * k, base.ci_low * k, base.ci_high * k, "x n_treated")


def resolve_margin(margin: float | None, caller: str, *, stacklevel: int = 3) -> float:
    """Return ``margin`` checked (> 0), or 1.0 with a FutureWarning when it was omitted.

    ROI on revenue (margin 1.0) overstates the return of a shop whose goods cost money, so
    the margin is a required input of every ROI; its old silent default 1.0 lives one minor
    release as a deprecated default.
    """
    if margin is not None:
        return check_positive(margin, "margin")
    warnings.warn(
        f"{caller} without margin= computes ROI on revenue as if the goods cost nothing "
        f"(margin 1.0); this default is deprecated since precimark {DEPRECATED_SINCE} and "
        f"margin= is required for ROI from {REMOVED_IN}: pass your gross margin rate, "
        "e.g. margin=0.4 (margin=1.0 keeps revenue-based ROI)",
        FutureWarning,
        stacklevel=stacklevel,
    )
    return 1.0


def roi(incremental: Estimate | float, cost: float, *, margin: float | None = None) -> Estimate:
    """Return on investment: ``(margin * incremental revenue - cost) / cost``.

    Parameters
    ----------
    incremental : Estimate or float
        Total incremental revenue (see :func:`incremental_revenue`), not total revenue:
        revenue the campaign did not cause is not a return.
    cost : float
        Total campaign cost (> 0), e.g. from :func:`campaign_cost`.
    margin : float
        Gross margin rate applied to revenue (1.0 = revenue-based ROI, which overstates the
        return of a retailer whose goods cost money). Required: omitting it uses 1.0 with a
        FutureWarning (deprecated since 0.2.0; an error from 0.3.0).

    Warns
    -----
    FutureWarning
        When ``margin`` is omitted.

    Examples
    --------
    >>> from precimark.kpi import roi
    >>> roi(15_000.0, 2_000.0, margin=0.4).value
    2.0
    """
    base = _as_estimate(incremental, "incremental")
    spend = check_positive(cost, "cost")
    rate = resolve_margin(margin, "roi()")

    def f(x: float) -> float:
        return (rate * x - spend) / spend

    return _derived(base, f(base.value), f(base.ci_low), f(base.ci_high), "roi")


def roas(revenue: Estimate | float, cost: float) -> Estimate:
    """Return on ad spend: revenue / cost.

    Pass *incremental* revenue for incremental ROAS (iROAS); attributed or total revenue gives
    the usual, optimistic ROAS.

    Examples
    --------
    >>> from precimark.kpi import roas
    >>> roas(15_000.0, 2_000.0).value
    7.5
    """
    base = _as_estimate(revenue, "revenue")
    spend = check_positive(cost, "cost")
    return _derived(base, base.value / spend, base.ci_low / spend, base.ci_high / spend, "/ cost")


def _inverse(base: Estimate, numerator: float, method: str, what: str) -> Estimate:
    """``numerator / base`` for a positive quantity; infinite where the base may be <= 0."""
    inf = math.inf
    if base.value <= 0:
        low = inf if base.ci_high <= 0 else numerator / base.ci_high
        warning = f"{what} is not positive: the ratio is unbounded"
        return _derived(base, inf, low, inf, method, warning)
    high = numerator / base.ci_low if base.ci_low > 0 else inf
    extra = () if base.ci_low > 0 else (f"{what} may be 0: the upper bound is unbounded",)
    return _derived(base, numerator / base.value, numerator / base.ci_high, high, method, *extra)


def cost_per_incremental_customer(incremental_customers: Estimate | float, cost: float) -> Estimate:
    """Cost per incremental customer (or conversion): cost / incremental customers.

    ``incremental_customers`` is the number of customers who converted *because* of the
    campaign, e.g. the conversion difference * number treated. When its interval reaches 0
    the upper bound is infinite: the campaign may have converted no one.

    Examples
    --------
    >>> from precimark.kpi import Estimate, cost_per_incremental_customer
    >>> extra = Estimate(400.0, 100.0, 700.0, confidence=0.95, method="newcombe", n=20_000)
    >>> cost_per_incremental_customer(extra, 2_000.0)
    Estimate(5, 95% CI [2.85714, 20], method='newcombe, cost /', n=20000)
    """
    base = _as_estimate(incremental_customers, "incremental_customers")
    return _inverse(base, check_positive(cost, "cost"), "cost /", "the incremental count")


def payback_period(cost: float, margin_per_period: Estimate | float) -> Estimate:
    """Periods until the incremental margin pays the cost back: cost / margin per period.

    Parameters
    ----------
    cost : float
        Total campaign cost (> 0).
    margin_per_period : Estimate or float
        Incremental margin the campaign earns per period (day, month, ...); the result is in
        the same period.

    Examples
    --------
    >>> from precimark.kpi import payback_period
    >>> payback_period(1_200.0, 400.0).value
    3.0
    """
    base = _as_estimate(margin_per_period, "margin_per_period")
    return _inverse(base, check_positive(cost, "cost"), "cost /", "the margin per period")
