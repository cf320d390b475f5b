"""Next-best-action: the exact solver against brute force, the Lagrangian method against the
LP bound, every constraint, explanations, exploration probabilities, pricing input, bad input."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import precimark as pm
from precimark.actions import DO_NOTHING, PLAN_COLUMNS, Action, NextBestAction

ACTIONS = [
    Action("email_offer", cost=0.2, channel="email"),
    Action("sms_offer", cost=1.0, channel="sms", consent_column="consent_sms"),
    Action("app_banner", cost=0.0, channel="app", margin=0.8),
]


def _roster(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = pd.Index(np.arange(100, 100 + n), name="customer_id")
    roster = pd.DataFrame(
        {
            "customer_lifetime_value": rng.gamma(2.0, 30.0, n),
            "consent_marketing": rng.random(n) < 0.85,
            "consent_sms": rng.random(n) < 0.6,
            "contacts_in_period": rng.integers(0, 4, n),
        },
        index=ids,
    )
    uplift = pd.DataFrame({a.name: rng.uniform(-0.01, 0.08, n) for a in ACTIONS}, index=ids)
    return roster, uplift


def _values(roster: pd.DataFrame, uplift: pd.DataFrame, cap: int | None) -> np.ndarray:
    """Expected value per customer x action, -inf where a rule forbids it (independent code)."""
    v = roster["customer_lifetime_value"].to_numpy()
    out = np.empty((len(roster), len(ACTIONS)))
    for j, a in enumerate(ACTIONS):
        out[:, j] = uplift[a.name].to_numpy() * v * a.margin - a.cost
        ok = roster["consent_marketing"].to_numpy().copy()
        if a.consent_column:
            ok &= roster[a.consent_column].to_numpy()
        if cap is not None:
            ok &= roster["contacts_in_period"].to_numpy() < cap
        out[~ok, j] = -np.inf
    return out


def _brute_force(values: np.ndarray, capacity: dict[str, int], budget: float) -> float:
    n, k = values.shape
    best = 0.0
    for combo in itertools.product(range(k + 1), repeat=n):
        total = spent = 0.0
        used: dict[str, int] = {}
        ok = True
        for c, j in enumerate(combo):
            if j == k:
                continue
            if not np.isfinite(values[c, j]):
                ok = False
                break
            total += values[c, j]
            spent += ACTIONS[j].cost
            channel = str(ACTIONS[j].channel)
            used[channel] = used.get(channel, 0) + 1
        ok = ok and spent <= budget + 1e-9
        ok = ok and all(used.get(h, 0) <= cap for h, cap in capacity.items())
        if ok:
            best = max(best, total)
    return best


def _feasible(plan: pm.actions.ActionPlan, capacity: dict[str, int], budget: float) -> None:
    d = plan.decisions
    counts = d["channel"].value_counts()
    for h, cap in capacity.items():
        assert counts.get(h, 0) <= cap
    assert d["cost"].sum() <= budget + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_exact_solution_agrees_with_brute_force(seed: int) -> None:
    roster, uplift = _roster(6, seed)
    capacity = {"sms": 1, "email": 2}
    budget = 1.5
    nba = NextBestAction(ACTIONS, capacity=capacity, budget=budget, max_contacts=3)
    before = roster.copy()
    plan = nba.decide(roster, uplift)
    pd.testing.assert_frame_equal(roster, before)
    assert plan.method == "exact"
    truth = _brute_force(_values(roster, uplift, 3), capacity, budget)
    assert plan.total_value == pytest.approx(truth, abs=1e-9)
    assert plan.bound >= truth - 1e-9
    _feasible(plan, capacity, budget)


def _lp_bound(values: np.ndarray, capacity: dict[str, int], budget: float) -> float:
    """The LP relaxation, written out densely."""
    n, k = values.shape
    v = np.where(np.isfinite(values), values, 0.0)
    upper = np.where(np.isfinite(values), 1.0, 0.0).ravel()
    rows = [np.kron(np.eye(n), np.ones(k))]
    b = [np.ones(n)]
    for h, cap in capacity.items():
        rows.append(np.tile([a.channel == h for a in ACTIONS], n)[None, :].astype(float))
        b.append([cap])
    rows.append(np.tile([a.cost for a in ACTIONS], n)[None, :])
    b.append([budget])
    res = optimize.linprog(
        -v.ravel(), A_ub=np.vstack(rows), b_ub=np.concatenate(b),
        bounds=list(zip(np.zeros(n * k), upper, strict=True)), method="highs",
    )  # fmt: skip
    return float(-res.fun)


def test_lagrangian_is_feasible_and_close_to_the_lp_bound() -> None:
    roster, uplift = _roster(600, 11)
    capacity = {"sms": 60, "email": 150, "app": 200}
    budget = 80.0
    plan = NextBestAction(ACTIONS, capacity=capacity, budget=budget, method="lagrangian").decide(
        roster, uplift
    )
    lp = _lp_bound(_values(roster, uplift, None), capacity, budget)
    _feasible(plan, capacity, budget)
    assert plan.method == "lagrangian"
    assert plan.bound >= lp - 1e-6  # a valid upper bound ...
    assert plan.bound <= lp * 1.01  # ... and a tight one
    assert plan.total_value >= 0.98 * lp
    assert plan.gap == pytest.approx((plan.bound - plan.total_value) / plan.bound)
    exact = NextBestAction(ACTIONS, capacity=capacity, budget=budget, method="exact")
    best = exact.decide(roster, uplift)
    assert best.total_value >= plan.total_value - 1e-9
    assert best.bound == pytest.approx(lp, rel=1e-9)
    assert set(plan.usage.index) == {"email", "sms", "app", "budget"}
    assert plan.usage.loc["sms", "multiplier"] >= 0


def test_rules_explanations_and_outputs() -> None:
    roster, uplift = _roster(400, 3)
    nba = NextBestAction(ACTIONS, capacity={"sms": 10}, max_contacts=2)
    plan = nba.decide(roster, uplift)
    d = plan.decisions
    assert list(d.columns) == list(PLAN_COLUMNS)
    contacted = d["channel"].notna()
    assert not (contacted & ~roster["consent_marketing"]).any()
    assert not ((d["action"] == "sms_offer") & ~roster["consent_sms"]).any()
    assert not (contacted & (roster["contacts_in_period"] >= 2)).any()
    assert (d["channel"] == "sms").sum() == 10
    values = _values(roster, uplift, None)
    raw = np.where(
        np.isfinite(values), values, _values(roster.assign(consent_marketing=True,
        consent_sms=True), uplift, None)
    )  # fmt: skip
    best = np.array([a.name for a in ACTIONS], dtype=object)[np.argmax(raw, axis=1)]
    best[raw.max(axis=1) <= 0] = DO_NOTHING
    why = d["binding_constraint"]
    assert (why[d["action"].to_numpy() == best] == "none").all()
    assert (why[~roster["consent_marketing"] & (best != DO_NOTHING)]
            == "consent (consent_marketing)").all()  # fmt: skip
    assert ((why == "capacity (sms)") == ((best == "sms_offer") & (d["action"] != "sms_offer")
            & (why.str.startswith("capacity")))).all()  # fmt: skip
    assert (why == "capacity (sms)").any() and (why == "contact cap").any()
    taken = d["expected_value"].to_numpy()
    assert (d["runner_up_value"].fillna(-np.inf) <= np.maximum(taken, raw.max(axis=1))).all()
    records = plan.to_records()
    assert len(records) == 400 and set(records[0]) == {"customer_id", *PLAN_COLUMNS}
    json.dumps(records, allow_nan=False)
    json.dumps(plan.to_dict(), allow_nan=False)
    contacts = plan.contact_plan()
    assert len(contacts) == contacted.sum()
    assert "consent_sms" in str(plan.data_usage)


def test_eligibility_and_explicit_opt_out() -> None:
    roster, uplift = _roster(200, 5)
    rules = pd.DataFrame({"app_banner": np.arange(200) % 2 == 0}, index=roster.index)
    plan = NextBestAction(ACTIONS).decide(roster, uplift, eligibility=rules)
    assert not ((plan.decisions["action"] == "app_banner") & ~rules["app_banner"]).any()
    assert (plan.decisions["binding_constraint"] == "eligibility").any()
    free = NextBestAction(ACTIONS).decide(roster, uplift)
    others = plan.decisions["action"] != "app_banner"
    unrestricted = free.decisions["action"] != "app_banner"
    # actions without an eligibility column are not restricted by it
    pd.testing.assert_series_equal(
        plan.decisions.loc[others & unrestricted, "action"],
        free.decisions.loc[others & unrestricted, "action"],
    )
    assert set(plan.decisions["action"]) >= {"email_offer", "sms_offer"}
    everyone = NextBestAction(ACTIONS).decide(roster, uplift, consent=False)
    assert not everyone.decisions["binding_constraint"].str.startswith("consent").any()
    assert "consent not checked" in str(everyone.data_usage)


def test_exploration_probabilities_are_what_was_drawn() -> None:
    roster, uplift = _roster(4_000, 8)
    roster["consent_marketing"] = True
    epsilon = 0.3
    greedy = NextBestAction(ACTIONS, capacity={"sms": 300}).decide(roster, uplift)
    plan = NextBestAction(
        ACTIONS, capacity={"sms": 300}, exploration=epsilon, random_state=2
    ).decide(roster, uplift)
    d = plan.decisions
    assert (d["channel"] == "sms").sum() <= 300  # exploring never breaks a constraint
    kept = ~d["explored"]
    assert (d.loc[kept, "action"] == greedy.decisions.loc[kept, "action"]).all()
    # P(kept) = 1 - eps + eps/m: the mean of the logged probabilities of kept actions and the
    # observed keep rate must agree (binomial error, 4,000 draws: sd < 0.008).
    m_options = epsilon / d.loc[d["explored"], "probability"]
    assert np.allclose(m_options, np.round(m_options))
    expected_keep = (1 - epsilon + epsilon / _options(greedy, roster)).mean()
    assert kept.mean() == pytest.approx(expected_keep, abs=4 * 0.008)
    assert d["probability"].between(0, 1).all()


def _options(plan: pm.actions.ActionPlan, roster: pd.DataFrame) -> np.ndarray:
    """Options each customer's exploration draws from: do nothing and same channel, no dearer."""
    d = plan.decisions
    out = []
    for (_, row), sms_ok in zip(d.iterrows(), roster["consent_sms"], strict=True):
        same = [
            a for a in ACTIONS
            if a.channel == row["channel"] and a.cost <= row["cost"]
            and (a.consent_column is None or sms_ok)
        ]  # fmt: skip
        names = {a.name for a in same} | {DO_NOTHING, row["action"]}
        out.append(len(names))
    return np.array(out, dtype=float)


def test_personal_price_from_a_pricing_policy() -> None:
    from precimark.pricing import differentiated_pricing_policy

    rng = np.random.default_rng(0)
    n = 300
    roster = pd.DataFrame(
        {
            "orders_365d": rng.poisson(6, n),
            "price_sensitivity": rng.beta(2, 5, n),
            "uplift": rng.normal(0.02, 0.03, n),
            "channel": pd.Categorical(rng.choice(["card", "wallet"], n)),
            "consent_personalised_pricing": rng.random(n) < 0.6,
            "consent_marketing": True,
            "customer_lifetime_value": rng.gamma(2.0, 40.0, n),
        },
        index=pd.Index(np.arange(n), name="customer_id"),
    )
    decisions = pm.PricingPolicy.decide(
        differentiated_pricing_policy(), roster, 100.0, at="2025-01-01"
    )
    price = Action("personal_price", cost=0.0, channel="app", purpose="personalised_pricing")
    mail = Action("email_offer", cost=0.2, channel="email")
    uplift = pd.DataFrame(
        {"personal_price": 0.05 * decisions["discount_rate"] / 0.1, "email_offer": 0.01},
        index=roster.index,
    )
    plan = NextBestAction([price, mail]).decide(
        roster,
        uplift,
        margins=pd.DataFrame({"personal_price": 1 - decisions["discount_rate"]}),
        eligibility=pd.DataFrame({"personal_price": decisions["personalised"]}),
    )
    chosen = plan.decisions["action"] == "personal_price"
    assert chosen.any()
    assert not (chosen & ~roster["consent_personalised_pricing"]).any()
    v = (
        roster["customer_lifetime_value"]
        * uplift["personal_price"]
        * (1 - decisions["discount_rate"])
    )
    np.testing.assert_allclose(plan.decisions.loc[chosen, "expected_value"], v[chosen])


def test_bad_input_is_named() -> None:
    roster, uplift = _roster(20, 1)
    with pytest.raises(pm.DataValidationError, match="no cost"):
        Action("x", cost=None)  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match=r"unknown actions \(first: 'fax'"):
        NextBestAction(ACTIONS).decide(roster, uplift.assign(fax=0.1))
    with pytest.raises(
        pm.DataValidationError, match=r"no column for 1 actions \(first: 'app_banner'"
    ):
        NextBestAction(ACTIONS).decide(roster, uplift.drop(columns="app_banner"))
    with pytest.raises(pm.DataValidationError, match="capacity of channel 'sms'"):
        NextBestAction(ACTIONS, capacity={"sms": -1}).decide(roster, uplift)
    with pytest.raises(pm.DataValidationError, match="budget"):
        NextBestAction(ACTIONS, budget=-5).decide(roster, uplift)
    with pytest.raises(pm.DataValidationError, match=r"1 customer missing \(first customer: 100"):
        NextBestAction(ACTIONS).decide(roster, uplift.iloc[1:])
    with pytest.raises(pm.DataValidationError, match="consent_marketing"):
        NextBestAction(ACTIONS).decide(roster.drop(columns="consent_marketing"), uplift)
    with pytest.raises(pm.DataValidationError, match="consent_sms"):
        NextBestAction(ACTIONS).decide(roster.drop(columns="consent_sms"), uplift)
    with pytest.raises(pm.DataValidationError, match="channels \\['fax'\\]"):
        NextBestAction(ACTIONS, capacity={"fax": 3}).decide(roster, uplift)
    broken = uplift.copy()
    broken.iloc[4, 0] = np.nan
    with pytest.raises(pm.DataValidationError, match=r"1 missing value \(first customer: 104"):
        NextBestAction(ACTIONS).decide(roster, broken)
    with pytest.raises(pm.DataValidationError, match="duplicate"):
        NextBestAction([ACTIONS[0], ACTIONS[0]]).decide(roster, uplift)


def test_logged_probabilities_value_the_plan_off_policy() -> None:
    """Inverse propensity weighting of an exploring log recovers the greedy plan's value."""
    roster, uplift = _roster(20_000, 12)
    roster["consent_marketing"] = True
    actions = [
        Action(a.name, cost=a.cost, channel=a.channel, consent_column=a.consent_column)
        for a in ACTIONS
    ]  # fmt: skip  (margin 1: a response is worth the same)
    capacity = {"sms": 1_500}
    target = NextBestAction(actions, capacity=capacity).decide(roster, uplift).decisions
    log = (
        NextBestAction(actions, capacity=capacity, exploration=0.4, random_state=5)
        .decide(roster, uplift)
        .decisions
    )
    rng = np.random.default_rng(9)
    value = roster["customer_lifetime_value"].to_numpy()
    base = 0.05
    rate = base + np.column_stack([uplift[a.name] for a in actions] + [np.zeros(len(roster))])
    names = [a.name for a in actions] + [DO_NOTHING]
    taken = np.array([names.index(a) for a in log["action"]])
    bought = rng.random(len(roster)) < rate[np.arange(len(roster)), taken]
    reward = value * bought - log["cost"].to_numpy()
    match = (log["action"] == target["action"]).to_numpy()
    terms = match * reward / log["probability"].to_numpy()
    estimate, se = terms.sum(), terms.std() * np.sqrt(len(terms))
    truth = (value * base).sum() + target["expected_value"].sum()
    assert abs(estimate - truth) < 4 * se
    unweighted = (match * reward).sum()  # ignoring the probabilities: clearly wrong
    assert abs(unweighted - truth) > 5 * se
