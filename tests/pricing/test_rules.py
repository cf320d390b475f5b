"""Pricing rules: validation, serialisation, and each rule's firing logic by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precimark import DataValidationError
from precimark.pricing import (
    ChannelDiscount,
    ForProducts,
    ListPrice,
    LoyaltyTiers,
    PricingPolicy,
    SensitivityDiscount,
    Tier,
    UpliftTargetedOffer,
    rule_from_dict,
)
from precimark.pricing._arrays import unique_inverse

AT = "2025-06-01"
TIERS = (Tier("Silver", 3, 0.05), Tier("Gold", 10, 0.1))


def _customers(**columns: object) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame.index = pd.Index(np.arange(1, len(frame) + 1), name="customer_id")
    frame["consent_personalised_pricing"] = True
    return frame


ALL_RULES = [
    ListPrice(),
    LoyaltyTiers(TIERS, previous_tier_column="tier", tier_since_column="tier_since", grace_days=30),
    LoyaltyTiers(TIERS, previous_tier_column="tier", below_tier_since_column="below", grace_days=9),
    ForProducts(SensitivityDiscount(), products=("a",), categories=("shoes",)),
    SensitivityDiscount(threshold=0.7, discount=0.15, valid_days=3, require_positive_uplift=True),
    ChannelDiscount({"wallet": 0.03, "bank": 0.02}),
    UpliftTargetedOffer(discount=0.2, offer_cost=1.5),
]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: type(r).__name__)
def test_rules_round_trip_through_json(rule: object) -> None:
    data = json.loads(json.dumps(rule.to_dict()))  # type: ignore[attr-defined]
    assert rule_from_dict(data) == rule


@pytest.mark.parametrize(
    "make",
    [
        lambda: SensitivityDiscount(discount=-0.1),  # a surcharge
        lambda: SensitivityDiscount(discount=1.0),
        lambda: SensitivityDiscount(valid_days=0),
        lambda: ChannelDiscount({"wallet": -0.05}),  # channel surcharge refused
        lambda: ChannelDiscount({}),
        lambda: LoyaltyTiers((Tier("Gold", 10, 0.1), Tier("Silver", 3, 0.05))),
        lambda: LoyaltyTiers((Tier("A", 3, 0.1), Tier("B", 10, 0.05))),  # less for more
        lambda: LoyaltyTiers(TIERS, previous_tier_column="tier"),
        lambda: UpliftTargetedOffer(offer_cost=-1.0),
        lambda: Tier("X", float("nan"), 0.1),
    ],
)
def test_invalid_rules_are_refused(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataValidationError, match="argument"):
        make()


def test_unknown_rule_type() -> None:
    with pytest.raises(DataValidationError, match="rule type 'Coupon'"):
        rule_from_dict({"type": "Coupon"})


def test_loyalty_upgrades_at_once_and_downgrades_after_grace() -> None:
    rule = LoyaltyTiers(
        TIERS, previous_tier_column="tier", below_tier_since_column="below_since", grace_days=30
    )
    customers = _customers(
        orders_365d=[12, 4, 4, 1, 0, 2],
        tier=[None, "Gold", "Gold", "Silver", None, "Silver"],
        below_since=pd.to_datetime(
            [None, "2025-05-20", "2025-04-01", "2025-05-31", None, "2024-01-01"]
        ),
    )
    d = PricingPolicy([rule, ListPrice()]).decide(customers, 100.0, at=AT)
    # 1: qualifies for Gold now; 2: below Gold for 12 days, inside grace; 3: below Gold for 61
    # days, down to Silver; 4: below Silver since yesterday, kept; 5: nothing; 6: grace over
    assert d["final_price"].tolist() == [90.0, 90.0, 95.0, 95.0, 100.0, 100.0]
    assert d["reason_codes"].iloc[0] == "10% off; loyalty tier Gold"
    assert (
        d["what_would_change"].iloc[2] == "6 more orders within 365 days (tier Gold) → price 90.00"
    )
    assert (
        d["what_would_change"].iloc[4]
        == "3 more orders within 365 days (tier Silver) → price 95.00"
    )


def test_grace_counts_from_the_first_day_below_the_tier() -> None:
    """Issue 20: Gold reached long ago, below it only since yesterday: still in grace."""
    customers = _customers(
        orders_365d=[4],
        tier=["Gold"],
        reached=pd.to_datetime(["2023-01-01"]),
        below_since=pd.to_datetime(["2025-05-31"]),
    )
    new = LoyaltyTiers(
        TIERS, previous_tier_column="tier", below_tier_since_column="below_since", grace_days=30
    )
    assert PricingPolicy([new]).decide(customers, 100.0, at=AT)["final_price"].iloc[0] == 90.0
    # the deprecated column counts from the day the tier was reached, and says so
    old = LoyaltyTiers(
        TIERS, previous_tier_column="tier", tier_since_column="reached", grace_days=30
    )
    with pytest.warns(FutureWarning, match="below_tier_since_column"):
        d = PricingPolicy([old]).decide(customers, 100.0, at=AT)
    assert d["final_price"].iloc[0] == 95.0
    with pytest.raises(DataValidationError, match="below_tier_since_column"):
        LoyaltyTiers(
            TIERS, previous_tier_column="tier", tier_since_column="a", below_tier_since_column="b"
        )


def test_loyalty_rejects_an_unknown_previous_tier() -> None:
    rule = LoyaltyTiers(TIERS, previous_tier_column="tier", below_tier_since_column="since")
    customers = _customers(orders_365d=[1, 1], tier=["Silver", "Platinum"], since=AT)
    with pytest.raises(DataValidationError, match=r"column 'tier'.*first customer: 2"):
        PricingPolicy([rule]).decide(customers, 10.0, at=AT)


def test_sensitivity_discount_needs_positive_uplift_and_expires() -> None:
    rule = SensitivityDiscount(
        threshold=0.5, discount=0.2, valid_days=3, require_positive_uplift=True
    )
    customers = _customers(price_sensitivity=[0.9, 0.9, 0.5], uplift=[0.1, -0.1, 0.3])
    d = PricingPolicy([rule]).decide(customers, 50.0, at=AT)
    assert d["final_price"].tolist() == [40.0, 50.0, 50.0]  # 0.5 is not above 0.5
    assert d["valid_until"].iloc[0] == pd.Timestamp("2025-06-04")
    assert d["valid_until"].iloc[1:].isna().all()


def test_channel_discount_only_reduces() -> None:
    rule = ChannelDiscount({"wallet": 0.03})
    customers = _customers(channel=pd.Categorical(["wallet", "card", None]))
    d = PricingPolicy([rule]).decide(customers, 100.0, at=AT)
    assert d["final_price"].tolist() == [97.0, 100.0, 100.0]
    assert d["what_would_change"].iloc[1] == "paying with wallet → price 97.00"


def test_uplift_offer_fires_exactly_where_incremental_margin_beats_cost() -> None:
    rng = np.random.default_rng(3)
    n = 500
    customers = _customers(uplift=rng.uniform(-0.05, 0.3, n), propensity=rng.uniform(0, 0.5, n))
    prices = pd.DataFrame({"list_price": [80.0], "unit_cost": [30.0]}, index=["shoe"])
    rule = UpliftTargetedOffer(discount=0.1, offer_cost=2.0)
    d = PricingPolicy([rule], guardrails=None).decide(customers, prices, at=AT)
    u, p0 = customers["uplift"].to_numpy(), customers["propensity"].to_numpy()
    expected = u * (72.0 - 30.0) > p0 * 8.0 + 2.0
    np.testing.assert_array_equal(d["discount"].to_numpy() > 0, expected)
    assert 0 < expected.sum() < n


@given(st.lists(st.integers(-5, 10**7), min_size=1, max_size=200))
def test_unique_inverse_matches_numpy(values: list[int]) -> None:
    key = np.asarray(values, dtype=np.int64)
    uniq, inverse = unique_inverse(key)
    expected_uniq, expected_inverse = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(uniq, expected_uniq)
    np.testing.assert_array_equal(inverse, expected_inverse)


def test_loyalty_old_column_arguments_are_deprecated_aliases() -> None:
    new = LoyaltyTiers(
        TIERS, metric_column="orders", previous_tier_column="t", tier_since_column="s"
    )
    with pytest.warns(FutureWarning, match=r"LoyaltyTiers\((metric|previous_tier|tier_since)="):
        old = LoyaltyTiers(TIERS, metric="orders", previous_tier="t", tier_since="s")  # type: ignore[call-arg]
    assert old == new
    with pytest.warns(FutureWarning, match="use LoyaltyTiers.metric_column"):
        assert new.metric == "orders"
    saved_by_0_1 = {**new.to_dict(), "metric": "orders", "previous_tier": "t", "tier_since": "s"}
    for key in ("metric_column", "previous_tier_column", "tier_since_column"):
        del saved_by_0_1[key]
    assert rule_from_dict(saved_by_0_1) == new  # old saved policies load, without a warning
    assert rule_from_dict(new.to_dict()) == new
    assert "metric_column" in new.to_dict() and "metric" not in new.to_dict()
