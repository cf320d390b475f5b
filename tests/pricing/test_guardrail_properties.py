"""Property: whatever the rules, prices and guardrails, no decision breaks a guardrail."""

from __future__ import annotations

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
            "propensity": draw(st.lists(st.floats(0, 0.6), min_size=n, max_size=n)),
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
    base = np.minimum(listed, np.inf if g.price_ceiling is None else g.price_ceiling)
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
