"""Properties: whatever the rules, prices and guardrails, no decision breaks a guardrail, and
every "what would change it" hint shown gives exactly the price it states."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from precimark.pricing import (
    ChannelDiscount,
    Guardrails,
    ListPrice,
    LoyaltyTiers,
    PricingPolicy,
    SensitivityDiscount,
    Tier,
    UpliftTargetedOffer,
)

TOL = 1e-7
rates = st.floats(0.01, 0.9)


@st.composite
def scenarios(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 25))
    customers = pd.DataFrame(
        {
            "orders_365d": draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)),
            "price_sensitivity": draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)),
            "channel": draw(st.lists(st.sampled_from(["card", "wallet"]), min_size=n, max_size=n)),
            "uplift": draw(st.lists(st.floats(-0.1, 0.4), min_size=n, max_size=n)),
            # >= 0.1 so that propensity + uplift is a probability (refused otherwise, issue 22)
            "propensity": draw(st.lists(st.floats(0.1, 0.6), min_size=n, max_size=n)),
            "consent_personalised_pricing": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        },
        index=pd.Index(np.arange(n) * 7 + 3, name="customer_id"),
    )
    k = draw(st.integers(1, 3))
    list_price = np.array(draw(st.lists(st.floats(1, 500), min_size=k, max_size=k)))
    cost_share = np.array(draw(st.lists(st.floats(0, 1.2), min_size=k, max_size=k)))
    prices = pd.DataFrame(
        {"list_price": list_price, "unit_cost": list_price * cost_share},
        index=[f"p{i}" for i in range(k)],
    )
    d1, d2 = sorted(draw(st.lists(rates, min_size=2, max_size=2)))
    pool = [
        LoyaltyTiers((Tier("Silver", 3, d1), Tier("Gold", 10, d2))),
        SensitivityDiscount(threshold=draw(st.floats(0, 1)), discount=draw(rates)),
        ChannelDiscount({"wallet": draw(rates)}),
        UpliftTargetedOffer(discount=draw(rates), offer_cost=draw(st.floats(0, 5))),
        ListPrice(),
    ]
    chosen = draw(st.lists(st.sampled_from(range(len(pool))), min_size=1, max_size=5, unique=True))
    floor = draw(st.none() | st.floats(0, 400))
    ceiling = draw(st.none() | st.floats(max(floor or 0, 0.5), 600))
    guards = Guardrails(
        max_discount=draw(st.none() | st.floats(0, 1)),
        min_margin=draw(st.none() | st.floats(0, 0.5)),
        price_floor=floor,
        price_ceiling=ceiling,
        budget=draw(st.none() | st.floats(0, 300)),
        new_customer_parity=draw(st.booleans()),
        price_ending=draw(st.sampled_from([None, None, 0.99, 0.5])),
    )
    policy = PricingPolicy(
        [pool[i] for i in chosen],
        combine=draw(st.sampled_from(["best", "stack", "first"])),
        guardrails=guards,
        exploration=0.0 if guards.budget is not None else draw(st.sampled_from([0.0, 0.5])),
    )
    return customers, prices, policy


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_no_decision_breaks_a_guardrail(scenario) -> None:  # type: ignore[no-untyped-def]
    customers, prices, policy = scenario
    g = policy.guardrails
    d = policy.decide(customers, prices, at="2025-01-01", random_state=0)
    k = len(prices)
    final = d["final_price"].to_numpy()
    listed = d["list_price"].to_numpy()
    cost = np.tile(prices["unit_cost"].to_numpy(), len(customers))
    capped = np.minimum(listed, np.inf if g.price_ceiling is None else g.price_ceiling)
    base = np.floor(capped * 100 + 1e-6) / 100  # rounded down to the cent, never above
    np.testing.assert_allclose(final * 100, np.round(final * 100), atol=1e-6)  # whole cents
    consent = np.repeat(customers["consent_personalised_pricing"].to_numpy(), k)

    assert np.all(final <= base + TOL)  # never a surcharge, never above the ceiling
    assert np.all(final > 0)
    np.testing.assert_allclose(final[~consent], base[~consent])
    assert d.loc[~consent, "reason_codes"].astype(str).str.startswith("no consent").all()
    if g.max_discount is not None:
        assert np.all(final >= base * (1 - g.max_discount) - TOL)
    if g.price_floor is not None:
        assert np.all(final >= np.minimum(base, g.price_floor) - TOL)
    if g.min_margin is not None:
        assert np.all(final >= np.minimum(base, cost * (1 + g.min_margin)) - TOL)
    if g.budget is not None:
        uplift = np.repeat(customers["uplift"].to_numpy(), k)
        taking = np.clip(np.repeat(customers["propensity"].to_numpy(), k) + uplift, 0, 1)
        assert taking @ (base - final) <= g.budget + 1e-6
    probability = d["probability"].to_numpy()
    assert np.all((probability > 0) & (probability <= 1))
    if policy.exploration == 0:
        assert np.all(probability == 1.0)
    elif g.new_customer_parity:
        # an equivalent new customer's price; explored rows face the same lottery as new ones
        greedy = replace(policy, exploration=0.0)
        new = greedy.decide(customers.assign(orders_365d=0), prices, at="2025-01-01")
        explored = d["reason_codes"].astype(str).str.startswith("randomised").to_numpy()
        assert np.all(final[~explored] <= new["final_price"].to_numpy()[~explored] + TOL)
    bound = d["guardrails_applied"].astype(str)
    assert ((final < listed - TOL) | ~d["personalised"].to_numpy() | bound.str.len().gt(0)).all()


_HINT = re.compile(r"^(?P<change>.+) → price (?P<price>\d+\.\d\d)$")


def _apply(change: str, row: pd.DataFrame) -> pd.DataFrame:
    """Apply one hint's change to a one-customer frame (the three hint wordings)."""
    row = row.copy()
    if m := re.match(r"^([\d.]+) more orders? within 365 days \(tier \w+\)$", change):
        row["orders_365d"] = row["orders_365d"] + float(m.group(1))
    elif m := re.match(r"^price sensitivity above (.+)$", change):
        row["price_sensitivity"] = np.nextafter(float(m.group(1)), np.inf)
    elif m := re.match(r"^paying with (\w+)$", change):
        row["channel"] = m.group(1)
    else:  # pragma: no cover - a new wording must be added here
        raise AssertionError(f"unknown hint {change!r}")
    return row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_hint_shown_gives_the_stated_price(scenario) -> None:  # type: ignore[no-untyped-def]
    customers, prices, policy = scenario
    d = policy.decide(customers, prices, at="2025-01-01", random_state=0)
    greedy = replace(policy, exploration=0.0)
    k = len(prices)
    hints = d["what_would_change"].astype(str).tolist()
    for i, text in enumerate(hints):
        if not text or text == "consent to personalised pricing":
            continue
        customer = customers.iloc[[i // k]]
        for hint in text.split("; "):
            m = _HINT.match(hint)
            assert m is not None, hint
            again = greedy.decide(_apply(m.group("change"), customer), prices, at="2025-01-01")
            new = again["final_price"].iloc[i % k]
            assert new == float(m.group("price")), (hint, new)
            assert new < d["final_price"].iloc[i]
    if policy.guardrails.budget is not None:
        assert all(h in ("", "consent to personalised pricing") for h in hints)
