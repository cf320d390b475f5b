"""The pricing policy: rules combined under guardrails into one explained decision per row.

:meth:`PricingPolicy.decide` is vectorised: rules and guardrails work on whole arrays, and the
text columns (rules fired, reasons, hints) are built once per distinct combination and stored
as categoricals, so a million customers are priced in a few seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._display import html_block
from precimark._typing import DateLike, SeedLike
from precimark._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_number,
    check_probability,
    check_unique_index,
    fail,
    fail_rows,
    to_rng,
)
from precimark.persistence._header import header, read_header, reading
from precimark.pricing._arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    check_probabilities,
    unique_inverse,
)
from precimark.pricing.guardrails import (
    GUARDRAIL_NAMES,
    Guardrails,
    protected_match,
    round_prices,
)
from precimark.pricing.proxies import check_proxies
from precimark.pricing.rules import Context, Effect, ForProducts, Rule, rule_from_dict
from precimark.privacy._gate import record_usage, resolve_consent
from precimark.privacy.consent import ConsentLike
from precimark.privacy.usage import DataUse

__all__ = ["DECISION_COLUMNS", "NO_CONSENT", "Combine", "PricingPolicy"]

Combine: TypeAlias = Literal["best", "stack", "first"]
NO_CONSENT = "no consent"
"""Reason code of a customer priced without personal data for lack of consent."""

DECISION_COLUMNS: tuple[str, ...] = (
    "product",
    "policy",
    "policy_version",
    "list_price",
    "reference_price",
    "final_price",
    "discount",
    "discount_rate",
    "announced_discount",
    "rules_fired",
    "rules_applied",
    "guardrails_applied",
    "reason_codes",
    "personalised",
    "features_used",
    "probability",
    "valid_until",
    "what_would_change",
    "decided_at",
)
"""Columns of :meth:`PricingPolicy.decide`, in order (the index is the customer id)."""

_TOL = 1e-9
_FORMAT_VERSION = 1  # of to_dict documents
_PER_PRODUCT = ("competitor_price", "price_floor", "min_margin", "max_discount")
"""Optional columns of the price frame: per-product guardrails (missing: the policy's)."""


@dataclass(frozen=True)
class _Outcome:
    """Prices and bookkeeping for the consenting customers' rows."""

    price: FloatArray
    fired: BoolArray  # rows x rules
    applied: BoolArray  # rows x rules
    guards: BoolArray  # rows x guardrails
    effects: list[Effect]
    probability: FloatArray
    explored: BoolArray
    greedy: FloatArray  # the price before exploration (hints are checked against it)
    new_effects: list[Effect] | None = None  # as an equivalent new customer (parity)


def _settings(document: Mapping[str, Any]) -> str:
    """Return a rule's settings for display: its document without type and name."""
    return ", ".join(f"{k}={v}" for k, v in document.items() if k not in {"type", "name"})


@dataclass(frozen=True)
class PricingPolicy:
    """Rules combined under guardrails into explained price decisions.

    Parameters
    ----------
    rules : sequence of Rule
        The rules, in priority order (matters for ``combine="first"`` and ties).
    combine : {"best", "stack", "first"}, default "best"
        ``"best"``: the largest discount among the rules that fire; ``"stack"``: every firing
        rule's discount, multiplied (10% and 5% give 14.5%); ``"first"``: the first rule that
        fires.
    guardrails : Guardrails, optional
        Default ``Guardrails()`` (30% maximum discount, new-customer parity).
    name, version : str
        Recorded on every decision.
    exploration : float, default 0.0
        Share of consenting customers' decisions randomised for later off-policy evaluation:
        with this probability a row's discount is drawn uniformly from ``exploration_arms``
        (then held to the bounds of the guardrails; an arm's price never depends on the
        customer's history, so new-customer parity holds for the draw). Each decision records
        the probability of the price it got. Not combinable with a campaign budget.
    exploration_arms : tuple of float, default (0.0, 0.05, 0.1)
        Discounts explored.

    Raises
    ------
    DataValidationError
        If a rule reads a protected attribute, two rules share a name, or an argument is
        invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import ListPrice, PricingPolicy, SensitivityDiscount
    >>> policy = PricingPolicy([SensitivityDiscount(threshold=0.5), ListPrice()], name="demo")
    >>> customers = pd.DataFrame(
    ...     {"price_sensitivity": [0.9, 0.1], "consent_personalised_pricing": [True, True]},
    ...     index=pd.Index([1, 2], name="customer_id"),
    ... )
    >>> d = policy.decide(customers, 100.0, at="2025-01-01")
    >>> d["final_price"].tolist()
    [90.0, 100.0]
    >>> d["reason_codes"].tolist()
    ['10% off; price sensitivity above 0.5 (offer valid 7 days)', 'list price']
    >>> d["what_would_change"].tolist()
    ['', 'price sensitivity above 0.5 → price 90.00']
    """

    rules: Sequence[Rule]
    _: KW_ONLY
    combine: Combine = "best"
    guardrails: Guardrails | None = None
    name: str = "pricing_policy"
    version: str = "1"
    exploration: float = 0.0
    exploration_arms: tuple[float, ...] = (0.0, 0.05, 0.1)

    def __post_init__(self) -> None:
        rules = tuple(self.rules) if not isinstance(self.rules, Rule) else (self.rules,)
        if not rules or not all(isinstance(r, Rule) for r in rules):
            raise fail("argument 'rules'", repr(self.rules), "a non-empty sequence of rules")
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise fail(
                "argument 'rules'",
                f"repeated rule names {names}",
                "a distinct name per rule",
                "Pass name=... to one of them.",
            )
        object.__setattr__(self, "rules", rules)
        check_choice(self.combine, "combine", ("best", "stack", "first"))
        guardrails = Guardrails() if self.guardrails is None else self.guardrails
        if not isinstance(guardrails, Guardrails):
            raise fail("argument 'guardrails'", repr(guardrails), "a Guardrails")
        object.__setattr__(self, "guardrails", guardrails)
        for label, value in (("name", self.name), ("version", self.version)):
            if not isinstance(value, str) or not value:
                raise fail(f"argument '{label}'", repr(value), "a non-empty string")
        self._check_exploration(guardrails)
        for rule in rules:
            for column, _ in rule.reads():
                match = protected_match(column, guardrails.protected_columns)
                if match is not None:
                    raise fail(
                        f"rule '{rule.name}'",
                        f"reads the protected attribute {column!r} (matches {match!r})",
                        "no protected attribute among the inputs of a price",
                        "Remove the rule, or rename a column that is wrongly matched; "
                        "fairness_frame(..., by=...) can audit prices by a protected "
                        "attribute instead.",
                    )

    def _check_exploration(self, guardrails: Guardrails) -> None:
        rate = self.exploration
        check_probability(rate, "exploration")
        arms = tuple(self.exploration_arms)
        if not arms:
            raise fail("argument 'exploration_arms'", repr(arms), "at least one discount")
        for arm in arms:
            check_number(arm, "exploration_arms", low=0.0, high=1.0, inclusive="left")
        if len(set(arms)) != len(arms):
            raise fail("argument 'exploration_arms'", repr(arms), "distinct discounts")
        object.__setattr__(self, "exploration_arms", arms)
        if rate > 0 and guardrails.budget is not None:
            raise fail(
                "argument 'exploration'",
                f"{rate} with a campaign budget",
                "exploration=0 when Guardrails(budget=...) is set",
                "A binding budget would change explored prices after the fact; explore "
                "without a budget, or cap the exploration share instead.",
            )

    @property
    def _guardrails(self) -> Guardrails:
        assert isinstance(self.guardrails, Guardrails)
        return self.guardrails

    @property
    def data_usage_(self) -> tuple[DataUse, ...]:
        """Customer columns the policy reads, what for and which rule reads them.

        Examples
        --------
        >>> from precimark.pricing import ChannelDiscount, PricingPolicy
        >>> PricingPolicy([ChannelDiscount({"wallet": 0.03})]).data_usage_[0]
        DataUse(column='channel', purpose='personalised_pricing',
                used_by='pricing_policy/channel_discount: payment-channel discount')
        """
        used = [
            DataUse(column, "personalised_pricing", f"{self.name}/{rule.name}: {what}")
            for rule in self._rules
            for column, what in rule.reads()
        ]
        used += [
            DataUse(column, "personalised_pricing", f"{self.name}/guardrails: {what}")
            for column, what in self._guardrails.reads()
        ]
        return tuple(dict.fromkeys(used))

    @property
    def _rules(self) -> tuple[Rule, ...]:
        return tuple(self.rules)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary; :meth:`from_dict` rebuilds the policy.

        Examples
        --------
        >>> import json
        >>> from precimark.pricing import ListPrice, PricingPolicy
        >>> policy = PricingPolicy([ListPrice()], name="flat", version="2")
        >>> PricingPolicy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy
        True
        """
        return {
            **header(PricingPolicy, _FORMAT_VERSION),
            "rules": [rule.to_dict() for rule in self._rules],
            "combine": self.combine,
            "guardrails": self._guardrails.to_dict(),
            "name": self.name,
            "version": self.version,
            "exploration": self.exploration,
            "exploration_arms": list(self.exploration_arms),
        }

    def __repr__(self) -> str:
        return (
            f"PricingPolicy({self.name!r}, version={self.version!r}, "
            f"rules={[rule.name for rule in self._rules]}, combine={self.combine!r}, "
            f"max_discount={self._guardrails.max_discount}, exploration={self.exploration})"
        )

    def _repr_html_(self) -> str:
        rules = pd.DataFrame(
            {
                "type": [type(rule).__name__ for rule in self._rules],
                "reads": [", ".join(column for column, _ in rule.reads()) for rule in self._rules],
                "settings": [_settings(rule.to_dict()) for rule in self._rules],
            },
            index=pd.Index([rule.name for rule in self._rules], name="rule"),
        )
        guardrails = pd.Series(self._guardrails.to_dict(), name="value").to_frame()
        title = f"Pricing policy {self.name!r} version {self.version} (combine={self.combine!r})"
        return html_block(title, {"rules": rules, "guardrails": guardrails.rename_axis("setting")})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PricingPolicy:
        """Rebuild a policy from :meth:`to_dict` output.

        Raises
        ------
        DataValidationError
            If ``data`` is not a policy document or has another format version.
        """
        read_header(data, PricingPolicy, _FORMAT_VERSION)
        with reading(cls):
            return cls(
                [rule_from_dict(r) for r in data["rules"]],
                combine=data["combine"],
                guardrails=Guardrails.from_dict(data["guardrails"]),
                name=data["name"],
                version=data["version"],
                exploration=data.get("exploration", 0.0),
                exploration_arms=tuple(data.get("exploration_arms", (0.0, 0.05, 0.1))),
            )

    def decide(
        self,
        customers: pd.DataFrame,
        prices: float | pd.Series[float] | pd.DataFrame,
        *,
        consent: ConsentLike | None = None,
        at: DateLike | None = None,
        price_history: pd.DataFrame | None = None,
        random_state: SeedLike = None,
        protected: pd.DataFrame | pd.Series[Any] | None = None,
    ) -> pd.DataFrame:
        """Price every customer x product, with the reasons.

        Parameters
        ----------
        customers : DataFrame
            One row per customer, indexed by customer id, with the columns the rules read and
            the personalised-pricing consent column.
        prices : float, Series or DataFrame
            One list price; or list prices indexed by product; or a frame indexed by product
            with ``list_price`` and optionally ``unit_cost``, ``category`` (for
            :class:`ForProducts`), ``competitor_price`` (a cap on the base price), and
            per-product ``price_floor``, ``min_margin`` and ``max_discount`` (a missing value
            falls back to the policy's :class:`Guardrails`).
        consent : str, ConsentPolicy or False, optional
            Where personalised-pricing consent is recorded (see
            :func:`precimark.privacy.require_consent`). Customers without it get the list
            price with reason ``"no consent"``; none of their features are read. Default
            (None): the default policy, column ``consent_personalised_pricing`` (a frame
            without it is an error). ``False`` personalises every customer without a check
            (the caller vouches for a lawful basis).
        at : date-like, optional
            When the decision is made (default: now). Sets offer expiry, tier grace periods
            and the reference-price window.
        price_history : DataFrame, optional
            Price changes with columns ``product``, ``date`` and ``price`` (the price applied
            from that date on). The reference price of a product (EU Omnibus Directive, Art. 6a
            of Directive 98/6/EC) is the lowest price applied at any time in the
            ``reference_days`` before ``at``, including the price in force when the window
            opens; its list price when the history has no price for it. Announced discounts,
            and the rate the reasons state, are measured from it.
        random_state : int or Generator, optional
            Seed of the exploration draws (only used when ``exploration > 0``).
        protected : DataFrame or Series, optional
            Declared protected attributes (e.g. age group, gender) indexed by customer id.
            Never read for pricing: each personal price input is tested for association with
            them (:func:`proxy_associations`) and a :class:`ProxyWarning` names every input
            whose Cramér's V reaches ``Guardrails(proxy_threshold=...)``; the table is in
            ``attrs["proxy_associations"]``.

        Returns
        -------
        DataFrame
            Indexed by customer id, one row per customer x product, columns
            :data:`DECISION_COLUMNS`: ``list_price``, ``reference_price``, ``final_price``,
            ``discount`` (list - final), ``discount_rate`` (of the list price),
            ``announced_discount`` (of the reference price), ``rules_fired``,
            ``rules_applied``, ``guardrails_applied``, ``reason_codes`` and
            ``what_would_change`` (texts, ``"; "``-separated), ``personalised`` and
            ``features_used`` (the personal columns the price depends on), ``probability``
            (of the price given: 1.0 unless the policy explores), ``valid_until`` (offer
            expiry, NaT if none) and ``decided_at``. ``attrs["data_usage"]`` records the
            columns the policy reads and the consent check
            (:func:`precimark.privacy.data_usage_report`).

            The prices are rounded to ``Guardrails(currency_unit=...)`` (or the configured
            price ending). Each hint of ``what_would_change`` states the price the customer
            would get, and is shown only when re-deciding with the changed input (through
            every rule, the combination and every guardrail) gives exactly that price;
            hints are not given under a campaign budget (an offer there depends on the
            other customers) nor on explored rows.

        Raises
        ------
        DataValidationError
            If a column the rules read is missing or invalid for a consenting customer, or
            a price, cost, per-product guardrail or price-history row is invalid.
        """
        frame = check_frame(customers, "customers")
        check_unique_index(frame, "customers")
        table = _price_table(prices, self._guardrails)
        when = _timestamp(at)
        gate = resolve_consent(
            frame, "personalised_pricing", consent, used_by=f"{self.name}.decide"
        )
        allowed = gate.mask(frame.index)
        missing = [c for c in self._columns() if c not in frame.columns]
        if missing:
            raise fail(
                "argument 'customers'",
                "missing column"
                + ("s " if len(missing) > 1 else " ")
                + ", ".join(map(repr, missing)),
                "every column the policy's rules read (see policy.data_usage_)",
                "Add the columns, or name yours in the rules (e.g. SensitivityDiscount(column=...)).",
            )

        guards = self._guardrails
        n_c, n_p = len(frame), len(table)
        row_p = np.tile(np.arange(n_p), n_c)
        list_price = table["list_price"].to_numpy(dtype=np.float64)[row_p]
        unit_cost = table["unit_cost"].to_numpy(dtype=np.float64)[row_p]
        ceiling = np.inf if guards.price_ceiling is None else guards.price_ceiling
        capped = np.minimum(list_price, ceiling)
        competitor = np.nan_to_num(
            table["competitor_price"].to_numpy(np.float64)[row_p], nan=np.inf
        )
        base = self._round(np.minimum(capped, competitor), np.zeros(n_c * n_p), None)
        reference = _reference_prices(table, price_history, when, guards.reference_days)[row_p]

        n_rows, n_rules = n_c * n_p, len(self._rules)
        positions = np.flatnonzero(allowed)
        rows = (positions[:, None] * n_p + np.arange(n_p)).ravel()
        final = base.copy()
        fired = np.zeros((n_rows, n_rules), dtype=bool)
        applied = np.zeros((n_rows, n_rules), dtype=bool)
        flags = np.zeros((n_rows, len(GUARDRAIL_NAMES)), dtype=bool)
        flags[:, 0] = list_price > ceiling + _TOL
        flags[:, GUARDRAIL_NAMES.index("competitor_price")] = competitor < capped - _TOL
        reasons: list[tuple[IntArray, list[str]]] = []
        hints: list[tuple[IntArray, list[str]]] = []
        if positions.size:
            ctx = Context(
                customers=frame.iloc[positions],
                row_customer=np.repeat(np.arange(positions.size), n_p),
                base_price=base[rows],
                unit_cost=unit_cost[rows],
                at=when,
                products=table,
                row_product=row_p[rows],
            )
            outcome = self._personal(ctx, to_rng(random_state))
            final[rows] = outcome.price
            fired[rows] = outcome.fired
            applied[rows] = outcome.applied
            personal_guards = np.array([GUARDRAIL_NAMES.index(g) for g in _PERSONAL_GUARDS])
            flags[np.ix_(rows, personal_guards)] = outcome.guards[:, personal_guards]
            for j, effect in enumerate(outcome.effects):
                codes = np.where(applied[rows, j], effect.reason[0], -1)
                reasons.append((_scatter(codes, rows, n_rows), effect.reason[1]))
            if guards.budget is None:
                for codes, labels in self._hints(ctx, outcome):
                    hints.append((_scatter(codes, rows, n_rows), labels))
        probability = np.ones(n_rows)
        explored = np.zeros(n_rows, dtype=bool)
        if positions.size:
            probability[rows] = outcome.probability
            explored[rows] = outcome.explored
        no_consent = np.ones(n_c, dtype=bool)
        no_consent[positions] = False
        no_consent_rows = np.repeat(no_consent, n_p)
        flag_parts = [
            (np.where(flags[:, g], 0, -1), [_guard_text(name, guards)])
            for g, name in enumerate(GUARDRAIL_NAMES)
        ]
        consent_part = (np.where(no_consent_rows, 0, -1), [NO_CONSENT])
        explore_part = (np.where(explored, 0, -1), ["randomised price (exploration)"])
        valid_days = np.full(n_rows, np.inf)
        for j, rule in enumerate(self._rules):
            days = getattr(rule.rule if isinstance(rule, ForProducts) else rule, "valid_days", None)
            if days is not None:
                valid_days = np.where(applied[:, j], np.minimum(valid_days, days), valid_days)
        finite = np.isfinite(valid_days)
        valid_until = np.full(n_rows, np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
        valid_until[finite] = when.to_datetime64() + (
            valid_days[finite].astype(np.int64) * np.timedelta64(1, "D")
        )
        personal_rule = np.array([r.personalised for r in self._rules], dtype=bool)
        personal_applied = applied & personal_rule
        discount = np.round(list_price - final, 10)
        announced = np.maximum(1.0 - final / reference, 0.0)
        announced[announced < _TOL] = 0.0
        index = pd.Index(
            np.repeat(frame.index.to_numpy(), n_p), name=frame.index.name or "customer_id"
        )
        zeros = np.zeros(n_rows, dtype=np.int64)
        data: dict[str, Any] = {
            "product": pd.Categorical.from_codes(row_p, categories=table.index),
            "policy": pd.Categorical.from_codes(zeros, categories=pd.Index([self.name])),
            "policy_version": pd.Categorical.from_codes(zeros, categories=pd.Index([self.version])),
            "list_price": list_price,
            "reference_price": reference,
            "final_price": final,
            "discount": discount,
            "discount_rate": discount / list_price,
            "announced_discount": announced,
            "rules_fired": _bit_texts(fired, [r.name for r in self._rules]),
            "rules_applied": _bit_texts(applied, [r.name for r in self._rules]),
            "guardrails_applied": _bit_texts(flags, list(GUARDRAIL_NAMES)),
            "reason_codes": _texts(
                [
                    consent_part,
                    explore_part,
                    _announced_part(announced, final, list_price, reference),
                    *reasons,
                    *flag_parts,
                ],
                "list price",
            ),
            "personalised": personal_applied.any(axis=1),
            "features_used": _bit_texts(
                personal_applied,
                [", ".join(dict.fromkeys(c for c, _ in r.reads())) for r in self._rules],
                sep=", ",
            ),
            "probability": probability,
            "valid_until": valid_until,
            "what_would_change": _texts(
                [(consent_part[0], ["consent to personalised pricing"]), *hints], ""
            ),
            "decided_at": np.full(n_rows, when.to_datetime64().astype("datetime64[ns]")),
        }
        out = record_usage(pd.DataFrame(data, index=index), [*self.data_usage_, *gate.data_usage])
        if protected is not None:
            columns = [c for r in self._rules if r.personalised for c, _ in r.reads()]
            out.attrs["proxy_associations"] = check_proxies(
                frame.iloc[positions], protected, list(dict.fromkeys(columns)), guards
            )
        return out

    def _columns(self) -> list[str]:
        columns = [c for rule in self._rules for c, _ in rule.reads()]
        columns += [c for c, _ in self._guardrails.reads()]
        return list(dict.fromkeys(columns))

    def _combine(self, effects: Sequence[Effect]) -> tuple[BoolArray, BoolArray, FloatArray]:
        """Return fired and applied (rows x rules) and the combined discount per row."""
        fired = np.column_stack([e.fired for e in effects])
        discount = np.column_stack([e.discount for e in effects])
        if self.combine == "stack":
            applied = fired
            total = 1.0 - np.prod(np.where(fired, 1.0 - discount, 1.0), axis=1)
            return fired, applied, total
        if self.combine == "best":
            choice = np.argmax(np.where(fired, discount, -1.0), axis=1)
        else:
            choice = np.argmax(fired, axis=1)
        rows = np.arange(fired.shape[0])
        applied = np.zeros_like(fired)
        applied[rows, choice] = fired[rows, choice]
        total = np.where(applied[rows, choice], discount[rows, choice], 0.0)
        return fired, applied, total

    def _bounds(
        self, price: FloatArray, ctx: Context
    ) -> tuple[FloatArray, list[tuple[str, BoolArray]], FloatArray]:
        """Apply max discount, floor and minimum margin (per product where given), then round.

        Returns the prices, where each guardrail bound, and the lowest allowed price per row.
        """
        guards = self._guardrails
        base = ctx.base_price
        bound: list[tuple[str, BoolArray]] = []
        lows: list[tuple[str, FloatArray]] = []
        limits = {
            name: _per_row(ctx, name, getattr(guards, name))
            for name in ("max_discount", "price_floor", "min_margin")
        }
        if limits["max_discount"] is not None:
            lows.append(
                ("max_discount", base * (1.0 - np.nan_to_num(limits["max_discount"], nan=1.0)))
            )
        if limits["price_floor"] is not None:
            lows.append(("price_floor", np.minimum(base, np.nan_to_num(limits["price_floor"]))))
        if limits["min_margin"] is not None:
            margin = limits["min_margin"]
            low = np.where(np.isnan(margin), 0.0, ctx.unit_cost * (1 + np.nan_to_num(margin)))
            lows.append(("min_margin", np.minimum(base, low)))
        lowest = np.zeros(price.size)
        for name, low in lows:
            binds = price < low - _TOL
            price = np.maximum(price, low)
            lowest = np.maximum(lowest, low)
            bound.append((name, binds))
        return self._round(price, lowest, ctx), bound, lowest

    def _round(self, price: FloatArray, low: FloatArray, ctx: Context | None) -> FloatArray:
        guards = self._guardrails
        base = price if ctx is None else ctx.base_price
        return round_prices(
            price,
            low,
            base,
            currency_unit=guards.currency_unit,
            price_ending=None if ctx is None else guards.price_ending,
        )

    def _greedy(
        self, ctx: Context, reuse: tuple[_Outcome, IntArray, str] | None = None
    ) -> _Outcome:
        """Rules, combination, bounds, rounding and new-customer parity (no budget, no draws).

        ``reuse = (outcome, rows, column)``: ``ctx`` holds the rows ``rows`` of ``outcome``'s
        context with only ``column`` changed, so a rule that does not read it keeps its effect.
        """
        unchanged = [
            reuse is not None and reuse[2] not in {c for c, _ in rule.reads()}
            for rule in self._rules
        ]
        effects = [
            _take(reuse[0].effects[j], reuse[1]) if keep and reuse else rule.evaluate(ctx)
            for j, (rule, keep) in enumerate(zip(self._rules, unchanged, strict=True))
        ]
        fired, applied, total = self._combine(effects)
        price, bound, _ = self._bounds(ctx.base_price * (1.0 - total), ctx)
        guards = np.zeros((price.size, len(GUARDRAIL_NAMES)), dtype=bool)
        for name, binds in bound:
            guards[:, GUARDRAIL_NAMES.index(name)] = binds
        history = [bool(rule.history_columns()) for rule in self._rules]
        if self._guardrails.new_customer_parity and any(history):
            old = None if reuse is None else reuse[0].new_effects
            new_effects = [
                (
                    _take(old[j], reuse[1])
                    if old is not None and reuse is not None and unchanged[j]
                    else rule.evaluate(ctx, as_new=True)
                )
                if h
                else e
                for j, (rule, h, e) in enumerate(zip(self._rules, history, effects, strict=True))
            ]
            _, new_applied, new_total = self._combine(new_effects)
            new_price, new_bound, _ = self._bounds(ctx.base_price * (1.0 - new_total), ctx)
            binds = new_price < price - _TOL
            price = np.where(binds, new_price, price)
            applied = np.where(binds[:, None], new_applied, applied)
            guards[binds] = False
            for name, b in new_bound:
                guards[binds, GUARDRAIL_NAMES.index(name)] = b[binds]
            guards[:, GUARDRAIL_NAMES.index("new_customer_parity")] = binds
        else:
            new_effects = None
        ones = np.ones(price.size)
        return _Outcome(
            price,
            fired,
            applied,
            guards,
            effects,
            ones,
            np.zeros(price.size, bool),
            price,
            new_effects,
        )

    def _personal(self, ctx: Context, rng: np.random.Generator) -> _Outcome:
        """Decide greedily, then apply the campaign budget and the exploration draws."""
        greedy = self._greedy(ctx)
        price, applied, guards = greedy.price, greedy.applied, greedy.guards.copy()
        if self._guardrails.budget is not None:
            price, revoked = self._allocate(price, ctx)
            applied = applied & ~revoked[:, None]
            guards[revoked] = False
            guards[:, GUARDRAIL_NAMES.index("budget")] = revoked
        probability = np.ones(price.size)
        explored = np.zeros(price.size, dtype=bool)
        if self.exploration > 0:
            price, probability, explored, arm_guards = self._explore(price, ctx, rng)
            applied = applied & ~explored[:, None]
            guards[explored] = arm_guards[explored]
        return _Outcome(
            price,
            greedy.fired,
            applied,
            guards,
            greedy.effects,
            probability,
            explored,
            greedy.price,
            greedy.new_effects,
        )

    def _hints(self, ctx: Context, outcome: _Outcome) -> list[tuple[IntArray, list[str]]]:
        """Per rule, the first of its counterfactual changes that lowers the price.

        Each change is re-decided through the whole policy (rules, combination, guardrails,
        rounding, parity); a hint is kept only where the re-decided price is below the price
        now given, and its text states that price, so every hint shown is true.
        """
        n_p = 1 if ctx.products is None else len(ctx.products)
        unit = self._guardrails.currency_unit
        n_rows = ctx.row_customer.size
        out: list[tuple[IntArray, list[str]]] = []
        for rule in self._rules:
            codes = np.full(n_rows, -1, dtype=np.int64)
            labels: list[str] = []
            for change in rule.counterfactuals(ctx):
                open_rows = (codes < 0) & ~outcome.explored
                who = np.flatnonzero(change.where & open_rows.reshape(-1, n_p).any(axis=1))
                if who.size == 0:
                    continue
                rows = (who[:, None] * n_p + np.arange(n_p)).ravel()
                changed = ctx.customers.iloc[who][self._columns()].copy()
                changed[change.column] = pd.Series(change.new_values[who], index=changed.index)
                sub = Context(
                    customers=changed,
                    row_customer=np.repeat(np.arange(who.size), n_p),
                    base_price=ctx.base_price[rows],
                    unit_cost=ctx.unit_cost[rows],
                    at=ctx.at,
                    products=ctx.products,
                    row_product=None if ctx.row_product is None else ctx.row_product[rows],
                )
                new_price = self._greedy(sub, (outcome, rows, change.column)).price
                label = np.repeat(change.label[0][who], n_p)
                keep = (label >= 0) & open_rows[rows] & (new_price < outcome.greedy[rows] - _TOL)
                if not keep.any():
                    continue
                cents = np.round(new_price / unit).astype(np.int64)
                span = int(cents.max()) + 1
                uniq, inverse = unique_inverse(np.where(keep, label * span + cents, -1) + 1)
                for k in uniq.tolist():
                    code, cent = divmod(k - 1, span)
                    text = change.label[1][code] if k > 0 else ""
                    labels.append(f"{text} → price {cent * unit:.2f}" if k > 0 else "")
                start = len(labels) - len(uniq)
                codes[rows[keep]] = start + inverse[keep]
            out.append((codes, labels))
        return out

    def _explore(
        self, price: FloatArray, ctx: Context, rng: np.random.Generator
    ) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
        """Randomise a share of the rows over the arms; return prices and their probability.

        An arm's price depends on the base price, cost and guardrails only, never on the
        customer's history, so an existing and an equivalent new customer face the same draw.
        """
        n, rate = price.size, float(self.exploration)
        arms = self.exploration_arms
        prices = np.empty((n, len(arms)))
        arm_guards = np.zeros((len(arms), n, len(GUARDRAIL_NAMES)), dtype=bool)
        for j, arm in enumerate(arms):
            candidate, bound, _ = self._bounds(ctx.base_price * (1.0 - arm), ctx)
            for name, binds in bound:
                arm_guards[j, :, GUARDRAIL_NAMES.index(name)] = binds
            prices[:, j] = candidate
        explored = rng.random(n) < rate
        pick = rng.integers(0, len(arms), n)
        rows = np.arange(n)
        final = np.where(explored, prices[rows, pick], price)
        same = np.abs(prices - final[:, None]) <= _TOL
        probability = (1 - rate) * (np.abs(price - final) <= _TOL) + rate * same.mean(axis=1)
        return final, probability, explored, arm_guards[pick, rows]

    def _allocate(self, price: FloatArray, ctx: Context) -> tuple[FloatArray, BoolArray]:
        """Keep offers by expected value per unit of expected cost until the budget is spent."""
        guards = self._guardrails
        assert guards.budget is not None
        ids = ctx.customers.index
        uplift_column = guards.uplift_column
        per_customer = check_probabilities(
            ctx.numeric(uplift_column), f"column '{uplift_column}'", ids, low=-1.0
        )
        uplift = ctx.per_row(per_customer)
        if guards.propensity_column is None:
            taking = np.ones_like(uplift)
        else:
            column = guards.propensity_column
            base = check_probabilities(ctx.numeric(column), f"column '{column}'", ids)
            check_probabilities(
                base + per_customer,
                f"columns '{column}' + '{uplift_column}'",
                ids,
                what="purchase probability with the offer",
            )
            taking = ctx.per_row(base) + uplift
        cost = taking * (ctx.base_price - price)
        revoked = np.zeros(price.size, dtype=bool)
        offers = np.flatnonzero(ctx.base_price - price > _TOL)
        if cost[offers].sum() <= guards.budget:
            return price, revoked
        value = uplift[offers] * (price[offers] - ctx.unit_cost[offers])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(cost[offers] > 0, value / cost[offers], np.inf)
        order = np.argsort(-ratio, kind="stable")
        spent = np.cumsum(cost[offers][order])
        dropped = offers[order[spent > guards.budget + _TOL]]
        revoked[dropped] = True
        return np.where(revoked, ctx.base_price, price), revoked


_PERSONAL_GUARDS = ("max_discount", "price_floor", "min_margin", "new_customer_parity", "budget")


def _per_row(ctx: Context, name: str, default: float | None) -> FloatArray | None:
    """Return a guardrail per row: the price frame's column, else the policy's (NaN: none)."""
    fallback = np.nan if default is None else float(default)
    if ctx.products is None or ctx.row_product is None or name not in ctx.products.columns:
        return None if default is None else np.full(ctx.base_price.size, fallback)
    values = ctx.products[name].to_numpy(np.float64)
    if default is None and np.isnan(values).all():
        return None
    filled: FloatArray = np.where(np.isnan(values), fallback, values)[ctx.row_product]
    return filled


def _percent(rate: float) -> str:
    text = f"{rate * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def _announced_part(
    announced: FloatArray, final: FloatArray, listed: FloatArray, reference: FloatArray
) -> tuple[IntArray, list[str]]:
    """Word the announced rate (of the reference price) per row: "10% off"."""
    tenths = np.round(announced * 1000).astype(np.int64)
    below_list = reference < listed - _TOL
    cents = np.where(below_list, np.round(reference * 100).astype(np.int64), -1)
    reduced = final < listed - _TOL
    span = int(cents.max()) + 2 if cents.size else 1
    uniq, inverse = unique_inverse((tenths * span + cents + 1)[reduced])
    labels = []
    for t, c in (divmod(k, span) for k in uniq.tolist()):
        c -= 1
        if t == 0 and c < 0:
            labels.append("less than 0.1% off")
        elif t == 0:
            labels.append(
                f"no reduction on the reference price {c / 100:.2f} (lowest of the period)"
            )
        elif c >= 0:
            labels.append(f"{_percent(t / 1000)} off the reference price {c / 100:.2f}")
        else:
            labels.append(f"{_percent(t / 1000)} off")
    codes = np.full(final.size, -1, dtype=np.int64)
    codes[reduced] = np.asarray(inverse, dtype=np.int64).reshape(-1)
    return codes, labels


def _take(effect: Effect, rows: IntArray) -> Effect:
    """Return the effect on a subset of the rows."""
    return Effect(
        effect.fired[rows],
        effect.discount[rows],
        (effect.reason[0][rows], effect.reason[1]),
        effect.hint,
    )


def _scatter(codes: npt.NDArray[Any], rows: IntArray, n_rows: int) -> IntArray:
    full = np.full(n_rows, -1, dtype=np.int64)
    full[rows] = codes
    return full


def _guard_text(name: str, guards: Guardrails) -> str:
    texts = {
        "price_ceiling": f"price ceiling {guards.price_ceiling}",
        "max_discount": "largest discount allowed",
        "price_floor": "price floor",
        "min_margin": "minimum margin over unit cost",
        "new_customer_parity": "lowered to the price of an equivalent new customer",
        "budget": "campaign budget spent: no offer",
        "competitor_price": "capped at the competitor's price",
    }
    return texts[name]


def _texts(parts: Sequence[tuple[IntArray, list[str]]], empty: str) -> pd.Categorical:
    """Join per-row labels (code -1 = none) with "; ", built once per distinct combination."""
    n = parts[0][0].size
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for codes, labels in parts:
        key += (codes + 1) * radix
        radix *= len(labels) + 1
    uniq, inverse = unique_inverse(key)
    texts = []
    for k in uniq.tolist():
        words = []
        for _, labels in parts:
            k, code = divmod(k, len(labels) + 1)
            if code:
                words.append(labels[code - 1])
        texts.append("; ".join(w for w in words if w) or empty)
    categories, remap = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(remap[inverse], categories=pd.Index(list(categories)))


def _bit_texts(bits: BoolArray, names: list[str], sep: str = ", ") -> pd.Categorical:
    """Names of the set columns of ``bits`` per row, joined by ``sep``."""
    key = bits.astype(np.int64) @ (1 << np.arange(len(names), dtype=np.int64))
    uniq, inverse = unique_inverse(key)
    texts = [
        sep.join(dict.fromkeys(n for j, n in enumerate(names) if (k >> j) & 1 and n))
        for k in uniq.tolist()
    ]
    categories, remap = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(remap[inverse], categories=pd.Index(list(categories)))


def _timestamp(at: DateLike | None) -> pd.Timestamp:
    if at is None:
        return pd.Timestamp.now().floor("s")
    try:
        stamp = pd.Timestamp(at)
    except (TypeError, ValueError) as err:
        raise fail("argument 'at'", repr(at), "a date or timestamp") from err
    if pd.isna(stamp):
        raise fail("argument 'at'", "a missing date (NaT)", "a date or timestamp")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _price_table(prices: object, guards: Guardrails) -> pd.DataFrame:
    """Prices as a frame indexed by product with ``list_price`` and ``unit_cost``."""
    if isinstance(prices, int | float | np.number) and not isinstance(prices, bool):
        table = pd.DataFrame(
            {"list_price": [float(prices)]}, index=pd.Index(["default"], name="product")
        )
    elif isinstance(prices, pd.Series):
        table = prices.rename("list_price").to_frame()
    elif isinstance(prices, pd.DataFrame):
        table = check_frame(prices, "prices")
        check_columns(table, ["list_price"], "prices")
    else:
        raise fail(
            "argument 'prices'",
            f"a {type(prices).__name__}",
            "a number, a Series of list prices by product or a DataFrame with 'list_price'",
        )
    if len(table) == 0:
        raise fail("argument 'prices'", "no products", "at least one product")
    if table.index.duplicated().any():
        raise fail_rows(
            "argument 'prices' index",
            table.index.duplicated(),
            table.index,
            "repeated product",
            "one row per product",
        )
    out: dict[str, FloatArray] = {}
    for column, required in (("list_price", True), ("unit_cost", False)):
        if column not in table.columns:
            if guards.min_margin is not None and column == "unit_cost":
                raise fail(
                    "argument 'prices'",
                    "no 'unit_cost' column",
                    "a unit cost per product with Guardrails(min_margin=...)",
                )
            out[column] = np.zeros(len(table))
            continue
        series = table[column]
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(
            series.dtype
        ):
            raise fail(f"column '{column}'", f"values of dtype {series.dtype}", "numbers")
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values) | (values <= 0 if required else values < 0)
        if bad.any():
            # fail_rows names the first offending product here (prices are per product)
            raise fail_rows(
                f"column '{column}'",
                bad,
                table.index,
                "missing, infinite or out-of-range price",
                "finite prices > 0" if required else "finite costs >= 0",
            )
        out[column] = values
    for column in _PER_PRODUCT:
        out[column] = _optional_column(table, column)
    result = pd.DataFrame(out, index=table.index.rename("product"))
    if "category" in table.columns:
        result["category"] = table["category"].astype(object).to_numpy()
    return result


def _optional_column(table: pd.DataFrame, column: str) -> FloatArray:
    """Return a per-product guardrail column (NaN where not given), range-checked."""
    if column not in table.columns:
        return np.full(len(table), np.nan)
    series = table[column]
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise fail(f"column '{column}'", f"values of dtype {series.dtype}", "numbers")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    high = 1.0 if column == "max_discount" else np.inf
    bad = np.isinf(values) | (values < 0) | (values > high)
    if column == "competitor_price":
        bad |= values <= 0
    if bad.any():
        raise fail_rows(
            f"column '{column}'",
            bad,
            table.index,
            "out-of-range value",
            "a fraction in [0, 1] (or missing)"
            if column == "max_discount"
            else "a finite amount > 0 (or missing)",
        )
    return values


def _reference_prices(
    table: pd.DataFrame, history: pd.DataFrame | None, at: pd.Timestamp, days: int
) -> FloatArray:
    """Lowest price applied in the ``days`` before ``at`` (EU Omnibus), list price if none.

    Each history row is a price change: ``price`` applies from ``date`` until the product's
    next row. The window is ``[at - days, at)``; the price in force when it opens (the last
    change on or before its start) counts, and so does every change inside it.
    """
    listed = table["list_price"].to_numpy(dtype=np.float64)
    if history is None:
        return listed
    frame = check_frame(history, "price_history")
    check_columns(frame, ["product", "date", "price"], "price_history")
    dates = pd.to_datetime(frame["date"], errors="coerce")
    prices = pd.to_numeric(frame["price"], errors="coerce")
    bad = (dates.isna() | prices.isna() | (prices <= 0)).to_numpy()
    if bad.any():
        raise fail_rows(
            "argument 'price_history'",
            bad,
            frame["product"],
            "row with a missing date or a non-positive price (first product shown)",
            "a date and a price > 0 on every row",
        )
    start = at - pd.Timedelta(days=days)
    product = frame["product"].to_numpy()
    inside = ((dates > start) & (dates < at)).to_numpy()
    before = (dates <= start).to_numpy()
    last = (
        pd.DataFrame({"product": product[before], "date": dates[before], "price": prices[before]})
        .sort_values("date", kind="stable")
        .groupby("product")["price"]
        .last()
    )
    applied = pd.concat([prices[inside].groupby(product[inside]).min(), last])
    lowest = applied.groupby(level=0).min()
    found = lowest.reindex(table.index).to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isnan(found), listed, found)
