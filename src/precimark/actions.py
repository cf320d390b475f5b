"""Next-best-action: one action per customer under consent, contact caps, capacity and budget.

For every customer ``c`` and candidate action ``a`` (an offer, a personal price from a
:class:`~precimark.pricing.PricingPolicy`, a product recommendation, sent by e-mail, SMS,
push or in the app) the expected incremental value is::

    value[c, a] = uplift[c, a] * customer_value[c] * margin[c, a] - cost[a]

``uplift`` is the action's incremental probability of a purchase (an uplift model's score),
``customer_value`` the customer's margin value (CLV-aware: e.g. the margin share of
``customer_lifetime_value``), ``margin`` the share of it the action keeps (1 minus a discount)
and ``cost`` what the action costs. "Do nothing" is always a candidate, worth 0.

:class:`NextBestAction` maximises the total value over all customers at once, subject to:
consent per purpose and channel, eligibility rules, a cap on contacts per customer per period,
a capacity per channel and a total budget. Small problems are solved exactly (a mixed-integer
program, :func:`scipy.optimize.milp`); large ones by Lagrangian relaxation: each capacity and
the budget get a price (multiplier), every customer takes the action whose value net of those
prices is largest, the prices are set by exact coordinate steps (capacities) and bisection
(budget), and a greedy pass repairs and fills what the prices leave. Any multipliers give an
upper bound on the best possible total (the Lagrangian dual, which at its minimum equals the
linear-programming relaxation's optimum), so the plan reports its gap to that bound.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, sparse

from precimark._typing import SeedLike
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
from precimark.privacy import ConsentLike, DataUse
from precimark.privacy.consent import PURPOSES, Purpose

__all__ = ["DO_NOTHING", "PLAN_COLUMNS", "Action", "ActionPlan", "NextBestAction"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Method = Literal["auto", "exact", "lagrangian"]

DO_NOTHING = "do_nothing"
"""Name of the action that is always available: no contact, value 0."""
PLAN_COLUMNS: tuple[str, ...] = (
    "action",
    "channel",
    "expected_value",
    "cost",
    "runner_up",
    "runner_up_value",
    "binding_constraint",
    "probability",
    "explored",
)
"""Columns of :attr:`ActionPlan.decisions`, in order."""
_EXACT_PAIRS = 20_000  # candidate (customer, action) pairs up to which "auto" solves exactly


@dataclass(frozen=True)
class Action:
    """One candidate action.

    Parameters
    ----------
    name : str
        Unique name; the uplift, margins and eligibility frames refer to the action by it.
    cost : float
        What taking the action costs (>= 0, e.g. a voucher's expected redemption cost plus the
        message). Required: an action without a cost is an error.
    channel : str, optional
        Channel it is sent through (``"email"``, ``"sms"``, ``"push"``, ``"app"``, ...). An
        action with a channel is a contact (counts against the contact cap and the channel's
        capacity); without one it is not.
    purpose : {"marketing", "personalised_pricing", "profiling"}, default "marketing"
        What the customer's data are used for: the customer needs this purpose's consent.
    consent_column : str, optional
        Roster column recording the customer's consent to the channel (e.g.
        ``"consent_sms"``): True needed, missing counts as no consent.
    margin : float, default 1.0
        Share of the customer's value kept when the action converts (1 - a discount), in
        [0, 1]; per-customer margins can be given to :meth:`NextBestAction.decide`.

    Examples
    --------
    >>> from precimark.actions import Action
    >>> Action("sms_voucher", cost=0.5, channel="sms", consent_column="consent_sms", margin=0.9)
    Action(name='sms_voucher', cost=0.5, channel='sms', purpose='marketing', consent_column='consent_sms', margin=0.9)
    """

    name: str
    cost: float
    channel: str | None = None
    purpose: Purpose = "marketing"
    consent_column: str | None = None
    margin: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or self.name == DO_NOTHING:
            raise fail(
                "argument 'name'", repr(self.name), f"a non-empty name other than {DO_NOTHING!r}"
            )
        if self.cost is None:
            raise fail(
                f"action {self.name!r}",
                "no cost",
                "a cost >= 0 (0 when it costs nothing)",
            )
        object.__setattr__(
            self, "cost", check_number(self.cost, f"cost of action {self.name!r}", low=0.0)
        )
        object.__setattr__(
            self, "margin", check_probability(self.margin, f"margin of action {self.name!r}")
        )
        check_choice(self.purpose, "purpose", PURPOSES)
        for what in ("channel", "consent_column"):
            value = getattr(self, what)
            if value is not None and (not isinstance(value, str) or not value):
                raise fail(f"argument '{what}'", repr(value), "a non-empty string or None")


@dataclass(frozen=True)
class ActionPlan:
    """The decisions of :meth:`NextBestAction.decide` and how good the plan is.

    Attributes
    ----------
    decisions : DataFrame
        Indexed by customer id, columns :data:`PLAN_COLUMNS`: the ``action`` taken
        (:data:`DO_NOTHING` when none), its ``channel`` (None for no contact),
        ``expected_value`` (uplift x value x margin - cost) and ``cost``; the ``runner_up``
        (the best other action the customer could have had, by value) and its value; the
        ``binding_constraint`` that kept the customer from the action worth most to them
        (``"none"``, ``"consent (<column>)"``, ``"eligibility"``, ``"contact cap"``,
        ``"capacity (<channel>)"`` or ``"budget"``); the ``probability`` with which the action
        was chosen (1 without exploration) and whether it was ``explored``.
    total_value : float
        Sum of ``expected_value``.
    bound : float
        Upper bound on the total of any feasible plan (LP relaxation / Lagrangian dual).
    gap : float
        ``(bound - total) / bound`` of the plan before exploration: for ``"exact"`` the
        integrality gap (the plan is optimal), for ``"lagrangian"`` an upper bound on how far
        the plan is from optimal.
    method : str
        ``"exact"`` or ``"lagrangian"``.
    usage : DataFrame
        Per channel (and ``"budget"``): ``used``, ``limit`` (NaN when unlimited), and the
        multiplier (shadow price) of the constraint.
    data_usage : tuple of DataUse
        Columns read and the consent checks.
    """

    decisions: pd.DataFrame
    total_value: float
    bound: float
    gap: float
    method: str
    usage: pd.DataFrame
    data_usage: tuple[DataUse, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`decisions`."""
        return self.decisions.copy()

    def contact_plan(self) -> pd.DataFrame:
        """Return the contacts to make: customers whose action has a channel, by channel.

        Columns customer id, ``channel``, ``action``, ``cost``, ``expected_value`` and
        ``probability``, sorted by channel then expected value (highest first).
        """
        frame = self.decisions[self.decisions["channel"].notna()]
        out = frame.reset_index()[
            [self.decisions.index.name or "customer_id", "channel", "action", "cost",
             "expected_value", "probability"]
        ]  # fmt: skip
        return out.sort_values(
            ["channel", "expected_value"], ascending=[True, False], kind="stable"
        ).reset_index(drop=True)

    def to_records(self) -> list[dict[str, Any]]:
        """Return the decisions as JSON-safe dicts (a decision log), one per customer.

        Keys ``customer_id`` and every column of :data:`PLAN_COLUMNS`; missing values are None.
        """
        frame = self.decisions.reset_index(names="customer_id")
        text = frame.to_json(orient="records", double_precision=15)
        records: list[dict[str, Any]] = json.loads(text)
        return records

    def to_dict(self) -> dict[str, Any]:
        """Return the summary (totals, bound, gap, method, usage) as a JSON-safe dict."""
        usage = json.loads(self.usage.to_json(orient="index"))
        return {
            "total_value": self.total_value,
            "bound": self.bound,
            "gap": self.gap,
            "method": self.method,
            "customers": len(self.decisions),
            "usage": usage,
        }


class NextBestAction:
    """Choose one action per customer, maximising total expected incremental value.

    Parameters
    ----------
    actions : sequence of Action
        The candidates (names unique); :data:`DO_NOTHING` is added.
    capacity : Mapping[str, int], optional
        Most contacts per channel in this run (>= 0). Channels not named are unlimited.
    budget : float, optional
        Most total cost (>= 0). Default: unlimited.
    max_contacts : int, optional
        Contact cap per customer per period: a customer whose ``contacts_column`` already
        reaches it gets no action with a channel. Default: no cap.
    contacts_column : str, default "contacts_in_period"
        Roster column with each customer's contacts so far in the period (read only with
        ``max_contacts``).
    value_column : str, default "customer_lifetime_value"
        Roster column with each customer's margin value (CLV-aware).
    method : {"auto", "exact", "lagrangian"}, default "auto"
        Exact mixed-integer solution (HiGHS) or Lagrangian relaxation with greedy repair;
        ``"auto"`` solves exactly up to 20,000 candidate (customer, action) pairs.
    exploration : float, default 0.0
        Probability in [0, 1] of replacing a customer's chosen action by one drawn uniformly
        from the alternatives that use no more of any limited resource (do nothing, or an
        action of the same channel costing no more), so the plan stays feasible and every
        logged action has a known probability for off-policy evaluation.
    random_state : int, numpy Generator or None
        Seed of the exploration draws.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.actions import Action, NextBestAction
    >>> roster = pd.DataFrame({"customer_lifetime_value": [100.0, 40.0, 80.0],
    ...                        "consent_marketing": [True, True, False],
    ...                        "consent_sms": [True, False, True]},
    ...                       index=pd.Index([1, 2, 3], name="customer_id"))
    >>> uplift = pd.DataFrame({"email": [0.02, 0.05, 0.04], "sms": [0.05, 0.08, 0.06]},
    ...                       index=roster.index)
    >>> nba = NextBestAction([Action("email", cost=0.1, channel="email"),
    ...                       Action("sms", cost=0.5, channel="sms", consent_column="consent_sms")])
    >>> plan = nba.decide(roster, uplift)
    >>> plan.decisions[["action", "expected_value"]]
                     action  expected_value
    customer_id
    1                   sms             4.5
    2                 email             1.9
    3            do_nothing             0.0
    >>> plan.decisions["runner_up"].iloc[:2].tolist()
    ['email', 'do_nothing']
    >>> plan.decisions["binding_constraint"].tolist()
    ['none', 'consent (consent_sms)', 'consent (consent_marketing)']
    >>> plan.total_value, plan.method
    (6.4, 'exact')
    """

    def __init__(
        self,
        actions: Sequence[Action],
        *,
        capacity: Mapping[str, int] | None = None,
        budget: float | None = None,
        max_contacts: int | None = None,
        contacts_column: str = "contacts_in_period",
        value_column: str = "customer_lifetime_value",
        method: Method = "auto",
        exploration: float = 0.0,
        random_state: SeedLike = None,
    ) -> None:
        self.actions = actions
        self.capacity = capacity
        self.budget = budget
        self.max_contacts = max_contacts
        self.contacts_column = contacts_column
        self.value_column = value_column
        self.method = method
        self.exploration = exploration
        self.random_state = random_state

    def _check(self) -> tuple[list[Action], dict[str, float], float]:
        actions = list(self.actions) if isinstance(self.actions, Sequence) else None
        if not actions or not all(isinstance(a, Action) for a in actions):
            raise fail("argument 'actions'", repr(self.actions), "a non-empty sequence of Action")
        names = [a.name for a in actions]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise fail("argument 'actions'", f"duplicate names {dup}", "unique action names")
        limits: dict[str, float] = {}
        for channel, cap in (self.capacity or {}).items():
            limits[str(channel)] = check_number(
                cap, f"capacity of channel {channel!r}", low=0, integer=True
            )
        budget = np.inf if self.budget is None else check_number(self.budget, "budget", low=0.0)
        if self.max_contacts is not None:
            check_number(self.max_contacts, "max_contacts", low=0, integer=True)
        check_choice(self.method, "method", ("auto", "exact", "lagrangian"))
        check_probability(self.exploration, "exploration")
        return actions, limits, float(budget)

    def decide(
        self,
        customers: pd.DataFrame,
        uplift: pd.DataFrame,
        *,
        margins: pd.DataFrame | None = None,
        eligibility: pd.DataFrame | None = None,
        consent: ConsentLike | None = None,
    ) -> ActionPlan:
        """Choose each customer's action.

        Parameters
        ----------
        customers : DataFrame
            Roster indexed by (unique) customer id: ``value_column``, the consent columns of
            the actions' purposes and channels, and ``contacts_column`` with a cap.
        uplift : DataFrame
            Indexed by customer id (every roster customer), one column per action: its
            incremental purchase probability for the customer (e.g. an uplift model's
            ``predict``). Extra rows are ignored.
        margins : DataFrame, optional
            Per-customer margins (share of value kept, in [0, 1]) for some actions, e.g.
            ``1 - decisions["discount_rate"]`` of a PricingPolicy; other actions use their
            ``margin``. Missing customers are an error.
        eligibility : DataFrame, optional
            Boolean, indexed by customer id, one column per action it restricts (True =
            eligible; missing values are not eligible).
        consent : str, ConsentPolicy or False, optional
            Where purpose consent is recorded (default policy: ``consent_<purpose>``).
            ``False`` skips the purpose and channel checks (recorded in ``data_usage``).

        Returns
        -------
        ActionPlan

        Raises
        ------
        DataValidationError
            For an action without cost, uplift for an unknown action or a missing action, a
            customer missing from the uplift, margins or eligibility frame (or repeated in
            it), a missing or non-numeric value, an uplift outside [-1, 1] (it is a
            difference of purchase probabilities, not percent), eligibility that is not
            True/False or 1/0, a negative capacity or budget, or a roster without a consent
            column.
        """
        from precimark.privacy._gate import resolve_consent  # the one gate

        actions, limits, budget = self._check()
        names = [a.name for a in actions]
        frame = check_frame(customers, "customers")
        check_unique_index(frame, "customers")
        check_columns(frame, [self.value_column], "customers")
        ids = frame.index
        value = _finite(frame[self.value_column], ids, f"column '{self.value_column}'")
        up = _per_action(uplift, "uplift", names, ids, required=True)
        marg = np.array([a.margin for a in actions])[None, :] * np.ones((len(ids), 1))
        if margins is not None:
            given = _per_action(margins, "margins", names, ids, required=False)
            marg = np.where(np.isnan(given), marg, given)
            bad = (marg < 0) | (marg > 1)
            if bad.any():
                raise fail_rows(
                    "argument 'margins'",
                    np.asarray(bad.any(axis=1)),
                    ids,
                    "margin outside [0, 1]",
                    "[0, 1]",
                )
        cost = np.array([a.cost for a in actions])
        ev = up * value[:, None] * marg - cost[None, :]

        allowed = np.ones(ev.shape, dtype=bool)
        blocked = _Blocked(np.zeros(ev.shape, dtype=np.int16), [""])  # first rule per pair
        uses: list[DataUse] = [DataUse(self.value_column, "marketing", "NextBestAction")]
        for purpose in sorted({a.purpose for a in actions}):
            gate = resolve_consent(frame, purpose, consent, used_by="NextBestAction")
            uses.extend(gate.data_usage)
            ok = gate.mask(ids)
            for j, action in enumerate(actions):
                if action.purpose == purpose:
                    _block(allowed, blocked, j, ok, f"consent ({gate.column})")
        if consent is not False:
            for j, action in enumerate(actions):
                if action.consent_column is not None:
                    check_columns(frame, [action.consent_column], "customers")
                    ok = frame[action.consent_column].fillna(False).astype(bool).to_numpy()
                    _block(allowed, blocked, j, ok, f"consent ({action.consent_column})")
                    uses.append(DataUse(action.consent_column, "consent_check", "NextBestAction"))
        if eligibility is not None:
            rules = _per_action(eligibility, "eligibility", names, ids, required=False)
            for j, action in enumerate(actions):
                if action.name in eligibility.columns:
                    _block(allowed, blocked, j, rules[:, j] == 1.0, "eligibility")
        contact = np.array([a.channel is not None for a in actions])
        if self.max_contacts is not None:
            check_columns(frame, [self.contacts_column], "customers")
            made = _finite(frame[self.contacts_column], ids, f"column '{self.contacts_column}'")
            capped = made >= float(self.max_contacts)
            for col in np.flatnonzero(contact):
                _block(allowed, blocked, int(col), ~capped, "contact cap")
            uses.append(DataUse(self.contacts_column, "marketing", "NextBestAction"))

        channels = sorted({a.channel for a in actions if a.channel is not None})
        unknown = sorted(set(limits) - set(channels))
        if unknown:
            raise fail(
                "argument 'capacity'",
                f"channels {unknown} that no action uses",
                f"channels among {channels}",
            )
        group = np.array([channels.index(a.channel) if a.channel else -1 for a in actions])
        cap = np.array([limits.get(h, np.inf) for h in channels])
        problem = _Problem(np.where(allowed, ev, -np.inf), cost, group, cap, budget)
        pairs = int(np.count_nonzero(allowed & (ev > 0)))
        exact = self.method == "exact" or (self.method == "auto" and pairs <= _EXACT_PAIRS)
        choice, bound, prices = _solve_exact(problem) if exact else _solve_lagrangian(problem)
        return self._plan(
            problem, choice, bound, prices, "exact" if exact else "lagrangian",
            ev, allowed, blocked, actions, channels, ids, uses,
        )  # fmt: skip

    def _plan(
        self,
        problem: _Problem,
        choice: IntArray,
        bound: float,
        prices: FloatArray,
        method: str,
        ev: FloatArray,
        allowed: BoolArray,
        blocked: _Blocked,
        actions: list[Action],
        channels: list[str],
        ids: pd.Index,
        uses: list[DataUse],
    ) -> ActionPlan:
        n, k = ev.shape
        rows = np.arange(n)
        total = float(problem.value(choice))
        names = np.array([*(a.name for a in actions), DO_NOTHING], dtype=object)
        channel_of = np.array([*(a.channel for a in actions), None], dtype=object)
        group = np.append(problem.group, -1)
        cost = np.append(problem.cost, 0.0)
        worth = np.concatenate([np.where(allowed, ev, -np.inf), np.zeros((n, 1))], axis=1)
        # The action worth most to the customer before any rule, and the first rule against it.
        raw = np.concatenate([ev, np.zeros((n, 1))], axis=1)
        best = np.argmax(raw, axis=1)
        used = np.bincount(group[choice][group[choice] >= 0], minlength=len(channels))
        spent = float(cost[choice].sum())
        reason = np.full(n, "none", dtype=object)
        moved = best != choice
        codes = np.concatenate([blocked.codes, np.zeros((n, 1), dtype=np.int16)], axis=1)
        stopped = np.asarray(blocked.reasons, dtype=object)[codes[rows, best]]
        reason[moved & (stopped != "")] = stopped[moved & (stopped != "")]
        rest = moved & (stopped == "")
        full = np.zeros(n, dtype=bool)
        for h, channel in enumerate(channels):
            at_cap = used[h] >= problem.cap[h]
            here = rest & (group[best] == h) & at_cap
            reason[here] = f"capacity ({channel})"
            full |= here
        reason[rest & ~full] = "budget"
        masked = worth.copy()
        masked[rows, choice] = -np.inf
        runner = np.argmax(masked, axis=1)

        probability = np.ones(n)
        explored = np.zeros(n, dtype=bool)
        if self.exploration > 0:
            rng = to_rng(self.random_state)
            # Alternatives using no more of any limited resource: do nothing, or the same
            # channel at no higher cost; drawn uniformly with probability `exploration`.
            same = (group[None, :] == group[choice][:, None]) & (
                cost[None, :] <= cost[choice][:, None]
            )
            options = (same | (np.arange(k + 1) == k)[None, :]) & np.isfinite(worth)
            options[rows, choice] = True
            count = options.sum(axis=1)
            explore = rng.random(n) < float(self.exploration)
            pick = _uniform_choice(options, rng)
            new = np.where(explore, pick, choice)
            probability = np.where(
                new == choice,
                1.0 - float(self.exploration) + float(self.exploration) / count,
                float(self.exploration) / count,
            )
            explored = explore & (new != choice)
            choice = new
        decisions = pd.DataFrame(
            {
                "action": names[choice],
                "channel": channel_of[choice],
                "expected_value": worth[rows, choice],
                "cost": cost[choice],
                "runner_up": names[runner],
                "runner_up_value": worth[rows, runner],
                "binding_constraint": reason,
                "probability": probability,
                "explored": explored,
            },
            index=ids,
        )
        decisions.loc[decisions["runner_up_value"] == -np.inf, ["runner_up", "runner_up_value"]] = (
            None,
            np.nan,
        )
        limits = [*problem.cap, problem.budget]
        usage = pd.DataFrame(
            {
                "used": [*used.astype(float), spent],
                "limit": [np.nan if np.isinf(v) else v for v in limits],
                "multiplier": prices,
            },
            index=pd.Index([*channels, "budget"], name="constraint"),
        )
        gap = 0.0 if bound <= 0 else max(0.0, (bound - total) / bound)
        return ActionPlan(
            decisions=decisions,
            total_value=float(decisions["expected_value"].sum()),
            bound=bound,
            gap=gap,
            method=method,
            usage=usage,
            data_usage=tuple(uses),
        )


def _uniform_choice(options: BoolArray, rng: np.random.Generator) -> IntArray:
    """One True column per row, uniformly."""
    count = options.sum(axis=1)
    target = np.floor(rng.random(len(options)) * count).astype(np.int64)
    position = np.cumsum(options, axis=1) - 1
    hit = options & (position == target[:, None])
    chosen: IntArray = np.argmax(hit, axis=1).astype(np.int64)
    return chosen


@dataclass
class _Blocked:
    """The first rule that removed each (customer, action) pair: codes into ``reasons``."""

    codes: npt.NDArray[np.int16]
    reasons: list[str]


def _block(allowed: BoolArray, blocked: _Blocked, j: int, ok: BoolArray, why: str) -> None:
    if why not in blocked.reasons:
        blocked.reasons.append(why)
    newly = allowed[:, j] & ~ok
    blocked.codes[newly, j] = blocked.reasons.index(why)
    allowed[:, j] &= ok


def _finite(series: pd.Series[Any], ids: pd.Index, where: str) -> FloatArray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        raise fail_rows(where, bad, ids, "missing or non-numeric value", "a number per customer")
    return values


def _per_action(
    table: object, name: str, names: list[str], ids: pd.Index, *, required: bool
) -> FloatArray:
    """Return an (customers x actions) float array from a frame with one column per action.

    A given column has a finite number for every roster customer (eligibility: True/False,
    missing = not eligible); uplift is an incremental probability, in [-1, 1].
    """
    frame = check_frame(table, name)
    check_unique_index(frame, name)
    unknown = [str(c) for c in frame.columns if c not in names]
    if unknown:
        raise fail(
            f"argument '{name}'",
            f"{len(unknown)} columns for unknown actions (first: {unknown[0]!r})",
            f"columns among the actions {names}",
        )
    if required:
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise fail(
                f"argument '{name}'",
                f"no column for {len(missing)} actions (first: {missing[0]!r})",
                "a column for every action",
            )
    where = frame.index.get_indexer(ids)
    if (where < 0).any():
        raise fail_rows(
            f"argument '{name}'",
            where < 0,
            ids,
            "customer missing",
            "a row for every roster customer",
            plural="customers missing",
        )
    out = np.full((len(ids), len(names)), np.nan)
    for j, action in enumerate(names):
        if action in frame.columns:
            column = frame[action]
            if name == "eligibility":
                try:
                    column = column.astype("boolean").fillna(False).astype(float)
                except (TypeError, ValueError) as err:
                    raise fail(
                        f"argument 'eligibility' column {action!r}",
                        f"values of dtype {column.dtype}",
                        "True/False or 1/0 (missing = not eligible)",
                    ) from err
            out[:, j] = pd.to_numeric(column, errors="coerce").to_numpy(np.float64)[where]
            bad = ~np.isfinite(out[:, j])
            if bad.any():  # a NaN never stands in for the action's default margin
                raise fail_rows(
                    f"argument '{name}'", bad, ids, "missing value", "a number per action"
                )
    if name == "uplift" and (np.abs(out) > 1.0).any():
        raise fail_rows(
            "argument 'uplift'",
            (np.abs(out) > 1.0).any(axis=1),
            ids,
            "value outside [-1, 1]",
            "incremental purchase probabilities, in [-1, 1]",
            "Pass the uplift as a probability difference (0.05 for +5 points), not in percent; "
            "clip a regression model's effect predictions to [-1, 1].",
        )
    return out


@dataclass(frozen=True)
class _Problem:
    """gains (n x k, -inf = not allowed), costs (k), channel group (k, -1 = none), caps, budget."""

    gains: FloatArray
    cost: FloatArray
    group: IntArray
    cap: FloatArray
    budget: float

    @property
    def do_nothing(self) -> int:
        return int(self.gains.shape[1])

    def value(self, choice: IntArray) -> float:
        padded = np.concatenate([self.gains, np.zeros((len(self.gains), 1))], axis=1)
        return float(padded[np.arange(len(choice)), choice].sum())


def _solve_exact(problem: _Problem) -> tuple[IntArray, float, FloatArray]:
    """Mixed-integer program over the pairs worth more than nothing (HiGHS)."""
    n = len(problem.gains)
    rows, cols = np.nonzero(problem.gains > 0)
    choice = np.full(n, problem.do_nothing, dtype=np.int64)
    prices = np.zeros(len(problem.cap) + 1)
    if len(rows) == 0:
        return choice, 0.0, prices
    m = len(rows)
    blocks = [sparse.csr_matrix((np.ones(m), (rows, np.arange(m))), shape=(n, m))]
    upper = [np.ones(n)]
    for h, cap in enumerate(problem.cap):
        if np.isfinite(cap):
            mask = (problem.group[cols] == h).astype(float)
            blocks.append(sparse.csr_matrix(mask[None, :]))
            upper.append(np.array([cap]))
    if np.isfinite(problem.budget):
        blocks.append(sparse.csr_matrix(problem.cost[cols][None, :]))
        upper.append(np.array([problem.budget]))
    a = sparse.vstack(blocks, format="csr")
    ub = np.concatenate(upper)
    c = -problem.gains[rows, cols]
    constraint = optimize.LinearConstraint(a, -np.inf, ub)
    result = optimize.milp(
        c, constraints=constraint, integrality=np.ones(m), bounds=optimize.Bounds(0, 1)
    )
    if result.x is None:  # pragma: no cover - the zero plan is always feasible
        raise fail("the action problem", str(result.message), "a solvable problem")
    take = result.x > 0.5
    choice[rows[take]] = cols[take]
    relaxed = optimize.linprog(c, A_ub=a, b_ub=ub, bounds=(0, 1), method="highs")
    marginals = -np.asarray(relaxed.ineqlin.marginals)[n:]
    finite = [h for h, cap in enumerate(problem.cap) if np.isfinite(cap)]
    prices[finite] = marginals[: len(finite)]
    if np.isfinite(problem.budget):
        prices[-1] = marginals[-1]
    return choice, float(-relaxed.fun), prices


def _charges(problem: _Problem, lam: FloatArray) -> FloatArray:
    """Per-action price of the channel capacities at multipliers ``lam``."""
    return np.where(problem.group >= 0, lam[np.maximum(problem.group, 0)], 0.0)


def _respond(
    problem: _Problem, lam: FloatArray, mu: float, base: FloatArray | None = None
) -> tuple[IntArray, FloatArray]:
    """Each customer's best action at multipliers ``lam`` (per channel) and ``mu`` (budget).

    ``base`` is ``gains - charges(lam)`` when the caller has it.
    """
    net = problem.gains - _charges(problem, lam)[None, :] if base is None else base
    if mu:
        net = net - mu * problem.cost[None, :]
    best = np.argmax(net, axis=1)
    gain = np.take_along_axis(net, best[:, None], axis=1)[:, 0]
    best = np.where(gain > 0, best, problem.do_nothing)
    return best.astype(np.int64), np.maximum(gain, 0.0)


def _dual(problem: _Problem, lam: FloatArray, mu: float) -> float:
    """Lagrangian dual value: an upper bound on any feasible plan's total."""
    _, gain = _respond(problem, lam, mu)
    caps = np.where(np.isfinite(problem.cap), problem.cap, 0.0)
    budget = problem.budget if np.isfinite(problem.budget) else 0.0
    return float(gain.sum() + lam @ caps + mu * budget)


def _solve_lagrangian(
    problem: _Problem, rounds: int = 10, steps: int = 30
) -> tuple[IntArray, float, FloatArray]:
    """Multipliers by coordinate descent on the dual, then greedy repair and fill.

    Customers with no allowed action worth more than nothing take no part. A capacity's
    multiplier is set exactly (the price at which at most ``cap`` customers still prefer the
    channel); the budget's by bisection on the spend. Rounds stop when the dual bound no
    longer falls (relative change below 1e-9).
    """
    n = len(problem.gains)
    active = np.flatnonzero((problem.gains > 0).any(axis=1))
    sub = _Problem(problem.gains[active], problem.cost, problem.group, problem.cap, problem.budget)
    lam = np.zeros(len(sub.cap))
    mu = 0.0
    cost_full = np.append(sub.cost, 0.0)
    group_full = np.append(sub.group, -1)
    previous = np.inf
    for _ in range(rounds):
        for h in np.flatnonzero(np.isfinite(sub.cap)):
            # Customer c takes channel h while lam_h < t_c: its best h option net of the other
            # prices minus its best option elsewhere.
            lam[h] = 0.0
            net = sub.gains - _charges(sub, lam)[None, :] - mu * sub.cost[None, :]
            inside = sub.group == h
            here = net[:, inside].max(axis=1)
            elsewhere = np.maximum(net[:, ~inside].max(axis=1, initial=0.0), 0.0)
            t = here - elsewhere
            positive = t[t > 0]
            cap = int(sub.cap[h])
            if len(positive) > cap:
                lam[h] = float(np.partition(positive, len(positive) - cap - 1)[-cap - 1])
        if np.isfinite(sub.budget):
            mu = _budget_price(sub, lam, mu, cost_full, steps)
        bound = _dual(sub, lam, mu)
        if previous - bound <= 1e-9 * abs(bound):
            break
        previous = bound
    choice = np.full(n, problem.do_nothing, dtype=np.int64)
    choice[active] = _repair(sub, _respond(sub, lam, mu)[0], cost_full, group_full)
    return choice, _dual(sub, lam, mu), np.append(lam, mu)


def _budget_price(
    problem: _Problem, lam: FloatArray, mu: float, cost_full: FloatArray, steps: int
) -> float:
    """Smallest budget multiplier (to a relative 1e-9) at which the spend fits the budget.

    Bisection on ``mu``. A customer who takes the same action at both ends of the bracket
    takes it everywhere inside (the best net value is convex in ``mu``), so only the others
    are re-evaluated: the set shrinks fast.
    """
    base = problem.gains - _charges(problem, lam)[None, :]
    at_low = _respond(problem, lam, 0.0, base)[0]
    if cost_full[at_low].sum() <= problem.budget:
        return 0.0
    low, high = 0.0, max(2.0 * mu, 1e-3)
    at_high = _respond(problem, lam, high, base)[0]
    while cost_full[at_high].sum() > problem.budget:
        low, at_low = high, at_high
        high *= 2.0
        at_high = _respond(problem, lam, high, base)[0]
    open_ = np.flatnonzero(at_low != at_high)
    fixed = float(cost_full[at_high].sum() - cost_full[at_high[open_]].sum())
    part = _Problem(base[open_], problem.cost, problem.group, problem.cap, problem.budget)
    zero = np.zeros_like(lam)
    lo_choice, hi_choice = at_low[open_], at_high[open_]
    for _ in range(steps):
        if high - low <= 1e-9 * high or len(open_) == 0:
            break
        middle = 0.5 * (low + high)
        choice = _respond(part, zero, middle, part.gains)[0]
        if fixed + cost_full[choice].sum() > problem.budget:
            low, lo_choice = middle, choice
        else:
            high, hi_choice = middle, choice
        keep = lo_choice != hi_choice
        fixed += float(cost_full[hi_choice[~keep]].sum())
        part = _Problem(part.gains[keep], part.cost, part.group, part.cap, part.budget)
        lo_choice, hi_choice = lo_choice[keep], hi_choice[keep]
        open_ = open_[keep]
    return high


def _repair(
    problem: _Problem, choice: IntArray, cost_full: FloatArray, group_full: IntArray
) -> IntArray:
    """Drop the least valuable assignments until feasible, then fill what is left greedily."""
    n = len(choice)
    rows = np.arange(n)
    padded = np.concatenate([problem.gains, np.zeros((n, 1))], axis=1)
    worth = padded[rows, choice]
    order = np.argsort(worth, kind="stable")  # least valuable first
    for h, cap in enumerate(problem.cap):
        members = order[group_full[choice[order]] == h]
        extra = len(members) - cap if np.isfinite(cap) else 0
        if extra > 0:
            choice[members[: int(extra)]] = problem.do_nothing
    if np.isfinite(problem.budget):
        spent = np.cumsum(cost_full[choice[order[::-1]]])  # keep the most valuable
        over = order[::-1][spent > problem.budget]
        choice[over] = problem.do_nothing
    # Greedy fill: idle customers' best remaining actions, most valuable first.
    used = np.bincount(group_full[choice][group_full[choice] >= 0], minlength=len(problem.cap))
    left = problem.cap - used
    money = problem.budget - cost_full[choice].sum()
    idle = np.flatnonzero(choice == problem.do_nothing)
    if len(idle) == 0:
        return choice
    values = problem.gains[idle]
    cand_rows, cand_cols = np.nonzero(values > 0)
    if len(cand_rows) == 0:
        return choice
    cand_value = values[cand_rows, cand_cols]
    order = np.argsort(-cand_value, kind="stable")
    done = np.zeros(len(idle), dtype=bool)
    for i in order:
        if money <= 0 and not np.isfinite(left).any():
            break
        r, a = cand_rows[i], cand_cols[i]
        if done[r]:
            continue
        h = problem.group[a]
        if (h >= 0 and left[h] < 1) or problem.cost[a] > money:
            continue
        choice[idle[r]] = a
        done[r] = True
        money -= problem.cost[a]
        if h >= 0:
            left[h] -= 1
    return choice
