"""Regressions of issue 20, each with the numbers of the report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precimark import DataValidationError
from precimark.pricing import (
    ChannelDiscount,
    ForProducts,
    Guardrails,
    ListPrice,
    LoyaltyTiers,
    PricingPolicy,
    Rule,
    SensitivityDiscount,
    Tier,
    UpliftTargetedOffer,
    differentiated_pricing_policy,
    protected_match,
    round_prices,
)

AT = "2025-06-20"


def _one(**columns: object) -> pd.DataFrame:
    return pd.DataFrame(
        {**{k: [v] for k, v in columns.items()}, "consent_personalised_pricing": [True]}
    )


def test_a_loyalty_hint_that_would_not_lower_the_price_is_not_shown() -> None:
    """'4 more orders → Silver 5%' was shown to a customer who still pays 90.0 with 5 orders."""
    policy = differentiated_pricing_policy()
    customer = _one(price_sensitivity=0.8, uplift=0.05, orders_365d=1, channel="card")
    d = policy.decide(customer, 100.0, at=AT)
    assert d["final_price"].iloc[0] == 90.0
    assert "Silver" not in d["what_would_change"].iloc[0]  # 4 more orders: still 90
    with_five = policy.decide(customer.assign(orders_365d=5), 100.0, at=AT)
    assert with_five["final_price"].iloc[0] == 90.0  # the old hint was false
    # the hint that is shown is true: 19 more orders reach VIP, 15% off
    assert d["what_would_change"].iloc[0] == (
        "19 more orders within 365 days (tier VIP) → price 85.00"
    )
    assert policy.decide(customer.assign(orders_365d=20), 100.0, at=AT)["final_price"].iloc[0] == (
        85.0
    )


def test_a_sensitivity_hint_blocked_by_the_uplift_gate_is_not_shown() -> None:
    """'sensitivity above 0.6 → 10% off' was shown to a customer who pays 100.0 at 0.7."""
    policy = differentiated_pricing_policy()
    customer = _one(price_sensitivity=0.2, uplift=0.0, orders_365d=1, channel="card")
    d = policy.decide(customer, 100.0, at=AT)
    assert policy.decide(customer.assign(price_sensitivity=0.7), 100.0, at=AT)["final_price"].iloc[
        0
    ] == (100.0)
    assert "sensitivity" not in d["what_would_change"].iloc[0]
    assert "paying with wallet → price 97.00" in d["what_would_change"].iloc[0]


def test_omnibus_reference_includes_the_price_in_force_when_the_window_opens() -> None:
    """80 from 05-10 and 100 from 05-25: on 06-20 the reference is 80, not 100."""
    history = pd.DataFrame(
        {"product": ["p", "p"], "date": ["2025-05-10", "2025-05-25"], "price": [80.0, 100.0]}
    )
    policy = PricingPolicy([SensitivityDiscount(discount=0.1)])
    customer = _one(price_sensitivity=0.9)
    prices = pd.Series([100.0], index=["p"])
    d = policy.decide(customer, prices, at=AT, price_history=history)
    assert d["reference_price"].iloc[0] == 80.0
    assert d["final_price"].iloc[0] == 90.0
    assert d["announced_discount"].iloc[0] == 0.0
    reason = d["reason_codes"].iloc[0]
    assert "10% off" not in reason  # worded from the announced rate, which is 0
    assert reason.startswith("no reduction on the reference price 80.00")
    # once 80 has left the window (on 06-24 the window opens 05-25), the reference is 100
    later = policy.decide(customer, prices, at="2025-06-24", price_history=history)
    assert later["reference_price"].iloc[0] == 100.0
    assert (
        later["reason_codes"].iloc[0] == "10% off; price sensitivity above 0.6 (offer valid 7 days)"
    )


def test_omnibus_window_edges() -> None:
    """A change on the window's first day replaces the price in force; one today is not past."""
    history = pd.DataFrame(
        {
            "product": ["p", "p", "p"],
            "date": pd.to_datetime(["2025-05-01", "2025-05-21", "2025-06-20"]),
            "price": [60.0, 90.0, 50.0],
        }
    )
    d = PricingPolicy([ListPrice()]).decide(
        _one(), pd.Series([100.0], index=["p"]), at=AT, price_history=history
    )
    assert d["reference_price"].iloc[0] == 90.0  # 60 ended when the window opened (05-21)


def test_an_explicit_zero_channel_discount_is_accepted() -> None:
    rule = ChannelDiscount({"wallet": 0.03, "bank_transfer": 0.0})
    d = PricingPolicy([rule, ListPrice()]).decide(
        pd.DataFrame(
            {"channel": ["bank_transfer", "wallet"], "consent_personalised_pricing": True}
        ),
        100.0,
        at=AT,
    )
    assert d["final_price"].tolist() == [100.0, 97.0]
    assert d["reason_codes"].iloc[0] == "paying with bank_transfer (no channel discount)"
    assert d["what_would_change"].iloc[0] == "paying with wallet → price 97.00"
    with pytest.raises(DataValidationError, match="surcharge"):
        ChannelDiscount({"bank_transfer": -0.01})


@pytest.mark.parametrize(
    "column",
    ["customer_age", "age_group", "is_female", "dob", "zip_code", "ageBand", "DateOfBirth",
     "postal-code", "religion_code", "Ethnicity"],
)  # fmt: skip
def test_protected_attributes_are_matched_by_name_tokens(column: str) -> None:
    with pytest.raises(DataValidationError, match=f"protected attribute '{column}'"):
        PricingPolicy([SensitivityDiscount(column=column)])


@pytest.mark.parametrize("column", ["page_views", "usage", "mileage", "orders_365d", "channel"])
def test_ordinary_columns_are_not_protected(column: str) -> None:
    assert protected_match(column) is None
    PricingPolicy([SensitivityDiscount(column=column)])


def test_declared_protected_columns_match_by_tokens() -> None:
    assert protected_match("Home-Region", ["home_region"]) == "home_region"
    with pytest.raises(DataValidationError, match="matches 'home_region'"):
        PricingPolicy(
            [SensitivityDiscount(column="homeRegion")],
            guardrails=Guardrails(protected=("home_region",)),
        )


def test_prices_are_rounded_to_the_cent() -> None:
    """15 x 0.97 came out as 14.549999999999999."""
    d = PricingPolicy([ChannelDiscount({"wallet": 0.03})]).decide(
        _one(channel="wallet"), 15.0, at=AT
    )
    assert d["final_price"].iloc[0] == 14.55
    assert d["discount"].iloc[0] == 0.45
    assert json.dumps(float(d["final_price"].iloc[0])) == "14.55"


def test_price_endings_stay_within_the_guardrails() -> None:
    policy = PricingPolicy(
        [SensitivityDiscount(discount=0.1)],
        guardrails=Guardrails(max_discount=0.105, price_ending=0.99),
    )
    customers = pd.DataFrame(
        {"price_sensitivity": [0.9, 0.1], "consent_personalised_pricing": True}
    )
    prices = pd.Series([15.0, 100.0, 10.5], index=["a", "b", "c"])
    d = policy.decide(customers, prices, at=AT)
    # a: 13.50 -> 12.99 breaks the 10.5% cap (13.43) -> 13.99; b: 90 -> 89.99 breaks
    # the cap (89.50)? no: 89.99 >= 89.50; c: 9.45 -> 8.99 < 9.40 cap, 9.99 > 9.45 but <= 10.5
    assert d["final_price"].tolist()[:3] == [13.99, 89.99, 9.99]
    assert d["final_price"].tolist()[3:] == [15.0, 100.0, 10.5]  # list prices keep their ending
    assert np.all(d["final_price"] >= d["list_price"] * (1 - 0.105) - 1e-9)
    with pytest.raises(DataValidationError, match="price_ending"):
        Guardrails(price_ending=0.995)


def test_round_prices_never_crosses_its_bounds() -> None:
    rng = np.random.default_rng(0)
    base = np.round(rng.uniform(1, 200, 2000), 2)
    low = base * rng.uniform(0.5, 1.0, 2000)
    price = rng.uniform(low, base)
    for ending in (None, 0.99, 0.0):
        out = round_prices(price, low, base, price_ending=ending)
        assert np.all(out >= low - 1e-9) and np.all(out <= base + 1e-9)
        np.testing.assert_allclose(out * 100, np.round(out * 100), atol=1e-6)
    # monotone in the price for fixed bounds (new-customer parity survives rounding)
    grid = np.linspace(50, 100, 501)
    out = round_prices(grid, np.full(501, 60.0), np.full(501, 100.0), price_ending=0.99)
    assert np.all(np.diff(out) >= 0)


def test_per_product_guardrails_competitor_caps_and_scoped_rules() -> None:
    prices = pd.DataFrame(
        {
            "list_price": [100.0, 100.0, 100.0, 50.0],
            "unit_cost": [40.0, 85.0, 40.0, 10.0],
            "category": ["shoes", "shoes", "books", "books"],
            "competitor_price": [np.nan, np.nan, 95.0, np.nan],
            "price_floor": [np.nan, np.nan, np.nan, 48.0],
            "min_margin": [np.nan, 0.1, np.nan, np.nan],
            "max_discount": [0.15, np.nan, np.nan, np.nan],
        },
        index=["run", "trail", "novel", "atlas"],
    )
    policy = PricingPolicy(
        [
            ForProducts(SensitivityDiscount(discount=0.2), categories=("shoes",)),
            ForProducts(ChannelDiscount({"wallet": 0.05}), products=("novel", "atlas")),
        ],
        guardrails=Guardrails(max_discount=0.3),
    )
    d = policy.decide(_one(price_sensitivity=0.9, channel="wallet"), prices, at=AT)
    # run: 20% capped at its own 15% -> 85; trail: 80 -> margin 93.50; novel: competitor cap
    # 95 then 5% -> 90.25; atlas: 47.50 -> its floor 48
    assert d["final_price"].tolist() == [85.0, 93.5, 90.25, 48.0]
    assert d["guardrails_applied"].tolist() == [
        "max_discount",
        "min_margin",
        "competitor_price",
        "price_floor",
    ]
    assert d["rules_applied"].tolist() == [
        "sensitivity_discount",
        "sensitivity_discount",
        "channel_discount",
        "channel_discount",
    ]
    again = PricingPolicy.from_dict(json.loads(json.dumps(policy.to_dict())))
    assert again == policy
    with pytest.raises(DataValidationError, match="max_discount"):
        policy.decide(_one(price_sensitivity=0.9, channel="wallet"), prices.assign(max_discount=2))
    with pytest.raises(DataValidationError, match="category"):
        policy.decide(
            _one(price_sensitivity=0.9, channel="wallet"), prices.drop(columns="category"), at=AT
        )


def test_saved_0_1_documents_keep_loading() -> None:
    document = {
        "type": "PricingPolicy",
        "format_version": 1,
        "rules": [
            {
                "type": "LoyaltyTiers",
                "tiers": [{"name": "Silver", "threshold": 3, "discount": 0.05}],
                "metric": "orders_365d",
                "metric_label": "orders within 365 days",
                "grace_days": 90,
                "previous_tier": None,
                "tier_since": None,
                "name": "loyalty_tiers",
            },
            {"type": "ListPrice", "name": "list_price"},
        ],
        "combine": "best",
        "guardrails": {
            "max_discount": 0.3,
            "min_margin": None,
            "price_floor": None,
            "price_ceiling": None,
            "budget": None,
            "uplift_column": "uplift",
            "propensity_column": "propensity",
            "protected": [],
            "reference_days": 30,
            "new_customer_parity": True,
        },
        "name": "p",
        "version": "1",
        "precimark_version": "0.1.0",
    }
    policy = PricingPolicy.from_dict(document)
    assert policy.rules[0] == LoyaltyTiers((Tier("Silver", 3, 0.05),))
    assert policy.guardrails == Guardrails()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 89), st.integers(1, 200)),
        min_size=1,
        max_size=12,
        unique_by=lambda t: t[0],
    ),
    st.integers(1, 40),
)
def test_reference_price_is_the_lowest_price_applied_on_any_day_of_the_window(
    changes: list[tuple[int, int]], days: int
) -> None:
    """Brute force: the price applied on each day of [at - days, at) is the last change before."""
    origin = pd.Timestamp("2025-01-01")
    at = origin + pd.Timedelta(days=60)
    history = pd.DataFrame(
        {
            "product": "p",
            "date": [origin + pd.Timedelta(days=d) for d, _ in changes],
            "price": [float(p) for _, p in changes],
        }
    )
    applied = []
    for day in range(60 - days, 60):
        before = [(d, p) for d, p in changes if d <= day]
        if before:
            applied.append(max(before)[1])
    expected = float(min(applied)) if applied else 150.0  # none: the list price
    d = PricingPolicy([ListPrice()], guardrails=Guardrails(reference_days=days)).decide(
        _one(), pd.Series([150.0], index=["p"]), at=at, price_history=history
    )
    assert d["reference_price"].iloc[0] == expected


def test_per_category_guardrails_come_from_the_price_frame() -> None:
    prices = pd.DataFrame(
        {"list_price": [100.0, 100.0, 100.0], "category": ["shoes", "books", "toys"]},
        index=["run", "novel", "kite"],
    )
    # the documented route: a per-category value mapped onto the products; a category
    # without one (NaN) falls back to the policy's guardrail
    prices["max_discount"] = prices["category"].map({"shoes": 0.05, "books": 0.15})
    policy = PricingPolicy(
        [SensitivityDiscount(discount=0.3)], guardrails=Guardrails(max_discount=0.2)
    )
    d = policy.decide(_one(price_sensitivity=0.9), prices, at=AT)
    assert d["final_price"].tolist() == [95.0, 85.0, 80.0]
    assert d["guardrails_applied"].tolist() == ["max_discount"] * 3


def _hint_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "orders_365d": [4, 9],
            "price_sensitivity": [0.5, 0.5],
            "channel": ["card", "card"],
            "uplift": [0.05, 0.05],
            "propensity": [0.2, 0.2],
            "consent_personalised_pricing": [True, True],
        },
        index=pd.Index(["ann", "bob"], name="customer_id"),
    )


def test_no_hints_under_a_campaign_budget_nor_on_explored_rows() -> None:
    rules = [LoyaltyTiers((Tier("Silver", 5, 0.05), Tier("Gold", 10, 0.1))), ListPrice()]
    customers = _hint_customers()
    plain = PricingPolicy(rules).decide(customers, 100.0, at=AT)
    # without a budget both customers are told what the next tier would give
    assert plain["what_would_change"].str.contains("→ price").all()
    budgeted = PricingPolicy(rules, guardrails=Guardrails(budget=1e6))
    # a budget's offers depend on the other customers, so no re-decided hint can be promised
    assert (budgeted.decide(customers, 100.0, at=AT)["what_would_change"] == "").all()
    explored = PricingPolicy(rules, exploration=1.0, exploration_arms=(0.0, 0.1))
    d = explored.decide(customers, 100.0, at=AT, random_state=0)
    # an explored price is drawn at random: no input change determines it
    assert (d["what_would_change"] == "").all()


def test_an_uplift_targeted_offer_gives_no_hint_of_its_own() -> None:
    # uplift and propensity are model scores, not something a customer can act on
    customers = _hint_customers()
    rule = UpliftTargetedOffer(discount=0.1)
    assert type(rule).counterfactuals is Rule.counterfactuals  # the default: no changes
    d = PricingPolicy([rule, ChannelDiscount({"wallet": 0.03})]).decide(
        customers.assign(uplift=[0.0, 0.5]), 100.0, at=AT
    )
    assert d["final_price"].tolist() == [100.0, 90.0]  # the gate binds for ann only
    assert d["what_would_change"].tolist() == [
        "paying with wallet → price 97.00",
        "",  # bob's 10% already beats the wallet discount
    ]
