"""PricingPolicy.decide: combination, consent, guardrails, explanations and export."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from precimark import DataValidationError
from precimark.pricing import (
    DECISION_COLUMNS,
    ChannelDiscount,
    Guardrails,
    ListPrice,
    LoyaltyTiers,
    PricingPolicy,
    SensitivityDiscount,
    Tier,
    differentiated_pricing_policy,
    explain,
    to_records,
)
from precimark.privacy import DataUse, data_usage_report

AT = "2025-06-01"


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "orders_365d": [12, 0, 4, 25],
            "price_sensitivity": [0.9, 0.8, 0.1, 0.95],
            "channel": ["wallet", "card", "wallet", "card"],
            "uplift": [0.1, 0.2, 0.0, 0.05],
            "propensity": [0.3, 0.1, 0.5, 0.2],
            "consent_personalised_pricing": [True, True, True, False],
        },
        index=pd.Index([101, 102, 103, 104], name="customer_id"),
    )


RULES = [
    LoyaltyTiers((Tier("Silver", 3, 0.05), Tier("Gold", 10, 0.1))),
    SensitivityDiscount(threshold=0.6, discount=0.08),
    ChannelDiscount({"wallet": 0.03}),
    ListPrice(),
]


@pytest.mark.parametrize(
    ("combine", "expected"),
    [
        ("best", [90.0, 92.0, 95.0, 100.0]),
        ("stack", [80.32, 92.0, 92.15, 100.0]),  # 80.316 rounded to the cent
        ("first", [90.0, 92.0, 95.0, 100.0]),
    ],
)
def test_combination_modes(customers: pd.DataFrame, combine: str, expected: list[float]) -> None:
    policy = PricingPolicy(RULES, combine=combine, guardrails=Guardrails(max_discount=None))  # type: ignore[arg-type]
    d = policy.decide(customers, 100.0, at=AT)
    np.testing.assert_allclose(d["final_price"], expected)
    assert list(d.columns) == list(DECISION_COLUMNS)
    assert d.index.name == "customer_id"


def test_first_combination_takes_rule_order() -> None:
    frame = pd.DataFrame(
        {"price_sensitivity": [0.9], "orders_365d": [3], "consent_personalised_pricing": [True]}
    )
    rules = [LoyaltyTiers((Tier("Silver", 3, 0.05),)), SensitivityDiscount(discount=0.2)]
    first = PricingPolicy(rules, combine="first", guardrails=Guardrails(new_customer_parity=False))
    assert first.decide(frame, 100.0, at=AT)["final_price"].iloc[0] == 95.0
    assert first.decide(frame, 100.0, at=AT)["rules_fired"].iloc[0] == (
        "loyalty_tiers, sensitivity_discount"
    )
    assert first.decide(frame, 100.0, at=AT)["rules_applied"].iloc[0] == "loyalty_tiers"


def test_no_consent_gets_list_price_and_no_features_are_read(customers: pd.DataFrame) -> None:
    customers = customers.copy()
    customers.loc[104, "price_sensitivity"] = np.nan  # unreadable, but never read
    d = PricingPolicy(RULES).decide(customers, 100.0, at=AT)
    row = d.loc[104]
    assert row["final_price"] == 100.0
    assert row["reason_codes"] == "no consent"
    assert not row["personalised"] and row["features_used"] == ""
    assert "No personal data used" in explain(row)


def test_missing_feature_of_a_consenting_customer_is_an_error(customers: pd.DataFrame) -> None:
    customers = customers.copy()
    customers.loc[102, "price_sensitivity"] = np.nan
    with pytest.raises(DataValidationError, match=r"price_sensitivity.*first customer: 102"):
        PricingPolicy(RULES).decide(customers, 100.0, at=AT)


def test_missing_columns_and_bad_prices(customers: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="'orders_365d'"):
        PricingPolicy(RULES).decide(customers.drop(columns="orders_365d"), 100.0, at=AT)
    with pytest.raises(DataValidationError, match="list_price"):
        PricingPolicy(RULES).decide(customers, pd.Series([10.0, -1.0], index=["a", "b"]), at=AT)
    with pytest.raises(DataValidationError, match="unit_cost"):
        PricingPolicy(RULES, guardrails=Guardrails(min_margin=0.1)).decide(customers, 10.0)


def test_inputs_are_not_mutated(customers: pd.DataFrame) -> None:
    before = customers.copy()
    prices = pd.DataFrame({"list_price": [10.0, 20.0], "unit_cost": [4.0, 9.0]}, index=["a", "b"])
    prices_before = prices.copy()
    PricingPolicy(RULES).decide(customers, prices, at=AT)
    pd.testing.assert_frame_equal(customers, before)
    pd.testing.assert_frame_equal(prices, prices_before)


def test_customer_by_product_rows(customers: pd.DataFrame) -> None:
    prices = pd.Series([10.0, 20.0, 40.0], index=pd.Index(["a", "b", "c"], name="sku"))
    d = PricingPolicy(RULES).decide(customers, prices, at=AT)
    assert len(d) == 12
    assert d.index.tolist() == [101] * 3 + [102] * 3 + [103] * 3 + [104] * 3
    assert d["product"].astype(str).tolist()[:3] == ["a", "b", "c"]
    np.testing.assert_allclose(d.loc[101, "final_price"], [9.0, 18.0, 36.0])


def test_protected_attribute_is_refused_at_construction() -> None:
    with pytest.raises(DataValidationError, match="protected attribute 'gender'"):
        PricingPolicy([ChannelDiscount({"f": 0.05}, column="gender")])
    with pytest.raises(DataValidationError, match="protected attribute 'postcode'"):
        PricingPolicy(
            [SensitivityDiscount(column="postcode")],
            guardrails=Guardrails(protected=("postcode",)),
        )


def test_repeated_rule_names_are_refused() -> None:
    with pytest.raises(DataValidationError, match="distinct name"):
        PricingPolicy([ListPrice(), ListPrice()])


def test_reference_price_is_lowest_of_previous_30_days(customers: pd.DataFrame) -> None:
    history = pd.DataFrame(
        {
            "product": ["a", "a", "a", "a", "b"],
            "date": pd.to_datetime(
                ["2025-03-01", "2025-04-01", "2025-05-10", "2025-05-20", "2025-06-01"]
            ),
            # 60 ended before the window; 70 was in force when it opened (05-02) until 05-09;
            # b's only price starts today
            "price": [60.0, 70.0, 95.0, 98.0, 50.0],
        }
    )
    prices = pd.Series([100.0, 60.0], index=["a", "b"])
    d = PricingPolicy(RULES).decide(customers, prices, at=AT, price_history=history)
    assert d["reference_price"].tolist() == [70.0, 60.0] * 4
    row = d[d["product"] == "a"].loc[101]  # 10% off 100 = 90, announced from 70: none
    assert row["final_price"] == 90.0
    assert row["announced_discount"] == 0.0
    assert row["reason_codes"].startswith("no reduction on the reference price 70.00")


def test_new_customer_parity_lowers_an_existing_customers_price() -> None:
    frame = pd.DataFrame(
        {
            "orders_365d": [4, 0],
            "price_sensitivity": [0.9, 0.9],
            "consent_personalised_pricing": True,
        }
    )
    rules = [LoyaltyTiers((Tier("Silver", 3, 0.05),)), SensitivityDiscount(discount=0.2)]
    d = PricingPolicy(rules, combine="first").decide(frame, 100.0, at=AT)
    # loyal customer would get 5% (first rule), a new one 20%: parity gives the loyal one 20%
    assert d["final_price"].tolist() == [80.0, 80.0]
    assert d["guardrails_applied"].iloc[0] == "new_customer_parity"
    assert "new customer" in d["reason_codes"].iloc[0]
    off = PricingPolicy(
        rules, combine="first", guardrails=Guardrails(new_customer_parity=False)
    ).decide(frame, 100.0, at=AT)
    assert off["final_price"].tolist() == [95.0, 80.0]


def test_max_discount_floor_ceiling_and_margin_bind_and_are_recorded() -> None:
    frame = pd.DataFrame({"price_sensitivity": [0.9] * 3, "consent_personalised_pricing": True})
    prices = pd.DataFrame(
        {"list_price": [100.0, 100.0, 300.0], "unit_cost": [10.0, 88.0, 10.0]},
        index=["a", "b", "c"],
    )
    guards = Guardrails(max_discount=0.25, min_margin=0.1, price_floor=70.0, price_ceiling=250.0)
    d = PricingPolicy([SensitivityDiscount(discount=0.4)], guardrails=guards).decide(
        frame.iloc[:1], prices, at=AT
    )
    # a: 60 -> cap 75; b: 75 -> margin 96.8; c: base 250 (ceiling), 150 -> 187.5
    np.testing.assert_allclose(d["final_price"], [75.0, 96.8, 187.5])
    assert d["guardrails_applied"].tolist() == [
        "max_discount",
        "max_discount, min_margin",
        "price_ceiling, max_discount",
    ]


def test_budget_keeps_offers_with_best_value_per_cost() -> None:
    n = 200
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "price_sensitivity": np.ones(n),
            "uplift": rng.uniform(0, 0.2, n),
            "propensity": rng.uniform(0, 0.5, n),
            "consent_personalised_pricing": True,
        }
    )
    rule = SensitivityDiscount(threshold=0.5, discount=0.1)
    budget = 150.0
    d = PricingPolicy([rule], guardrails=Guardrails(budget=budget)).decide(frame, 100.0, at=AT)
    kept = d["discount"].to_numpy() > 0
    cost = (frame["propensity"] + frame["uplift"]).to_numpy() * 10.0
    value = frame["uplift"].to_numpy() * 90.0
    order = np.argsort(-(value / cost), kind="stable")
    expected = np.zeros(n, dtype=bool)
    expected[order[np.cumsum(cost[order]) <= budget]] = True  # greedy by value per unit cost
    np.testing.assert_array_equal(kept, expected)
    assert cost[kept].sum() <= budget
    assert (d.loc[~kept, "reason_codes"] == "campaign budget spent: no offer").all()
    assert (d.loc[~kept, "guardrails_applied"] == "budget").all()
    assert d.loc[~kept, "valid_until"].isna().all()


def test_explain_and_records(customers: pd.DataFrame) -> None:
    policy = PricingPolicy(RULES, name="summer", version="3")
    d = policy.decide(customers, 100.0, at=AT)
    text = explain(d.loc[[103]])
    assert "Customer 103 pays 95.00" in text and "policy 'summer' version 3" in text
    assert "Why: 5% off; loyalty tier Silver." in text
    assert "6 more orders within 365 days (tier Gold) → price 90.00" in text
    assert "Personal data used: orders_365d." in text
    records = to_records(d)
    back = pd.DataFrame(json.loads(json.dumps(records))).set_index("customer_id")
    np.testing.assert_allclose(back["final_price"], d["final_price"])
    assert back["reason_codes"].tolist() == d["reason_codes"].astype(str).tolist()
    assert explain(records[2]) == explain(d.iloc[2])
    assert records[0]["valid_until"] is None or isinstance(records[0]["valid_until"], str)


def test_data_usage_lists_each_rule_column() -> None:
    policy = PricingPolicy(RULES, guardrails=Guardrails(budget=10.0))
    usage = policy.data_usage_
    assert all(isinstance(u, DataUse) for u in usage)
    assert [u.column for u in usage] == [
        "orders_365d",
        "price_sensitivity",
        "channel",
        "uplift",
        "propensity",
    ]
    assert {u.purpose for u in usage} == {"personalised_pricing"}


def test_policy_round_trips_through_json() -> None:
    policy = differentiated_pricing_policy(guardrails=Guardrails(budget=5.0, protected=("zip",)))
    again = PricingPolicy.from_dict(json.loads(json.dumps(policy.to_dict())))
    assert again == policy


def test_template_on_simulated_base(sim_small) -> None:  # type: ignore[no-untyped-def]
    tx = sim_small.transactions
    end = sim_small.observation_end
    recent = tx[tx["date"] > end - pd.Timedelta(days=365)]
    customers = sim_small.customers.assign(
        orders_365d=recent.groupby("customer_id")
        .size()
        .reindex(sim_small.customers.index, fill_value=0),
        channel=tx.groupby("customer_id", observed=True)["channel"].agg(lambda s: s.mode().iloc[0]),
        uplift=0.05 * sim_small.customers["price_sensitivity"],
    )
    d = differentiated_pricing_policy().decide(customers, 50.0, at=end)
    consent = customers["consent_personalised_pricing"].to_numpy()
    assert (d.loc[~consent, "final_price"] == 50.0).all()
    assert (d["final_price"] >= 50.0 * 0.8 - 1e-9).all()
    sensitive = consent & (customers["price_sensitivity"].to_numpy() > 0.6)
    assert (d.loc[sensitive, "final_price"] <= 45.0 + 1e-9).all()
    assert d.loc[consent, "reason_codes"].str.contains("loyalty tier").any()


def test_exploration_records_the_probability_of_each_price() -> None:
    n = 6000
    frame = pd.DataFrame(
        {"price_sensitivity": np.full(n, 0.9), "consent_personalised_pricing": True}
    )
    policy = PricingPolicy(
        [SensitivityDiscount(discount=0.1)], exploration=0.3, exploration_arms=(0.0, 0.05, 0.1)
    )
    d = policy.decide(frame, 100.0, at=AT, random_state=5)
    expected = {90.0: 0.7 + 0.1, 95.0: 0.1, 100.0: 0.1}  # greedy 90 is also an arm
    for price, p in expected.items():
        rows = np.isclose(d["final_price"], price)
        np.testing.assert_allclose(d.loc[rows, "probability"], p)
        assert abs(rows.mean() - p) < 3 * np.sqrt(p * (1 - p) / n)
    explored = d["reason_codes"].str.startswith("randomised price")
    assert abs(explored.mean() - 0.3) < 3 * np.sqrt(0.21 / n)
    assert (d.loc[explored, "rules_applied"] == "").all()
    again = policy.decide(frame, 100.0, at=AT, random_state=5)
    pd.testing.assert_frame_equal(d, again)


def test_exploration_is_refused_with_a_budget() -> None:
    with pytest.raises(DataValidationError, match="exploration"):
        PricingPolicy([ListPrice()], exploration=0.1, guardrails=Guardrails(budget=1.0))
    with pytest.raises(DataValidationError, match="exploration_arms"):
        PricingPolicy([ListPrice()], exploration_arms=(0.1, -0.1))


def test_policy_pickles_and_reports_its_data_usage(customers: pd.DataFrame) -> None:
    import cloudpickle
    import joblib

    policy = PricingPolicy(RULES, guardrails=Guardrails(budget=10.0), name="p")
    for dumps, loads in ((pickle.dumps, pickle.loads), (cloudpickle.dumps, pickle.loads)):
        again = loads(dumps(policy))
        assert again == policy
        pd.testing.assert_frame_equal(
            again.decide(customers, 100.0, at=AT), policy.decide(customers, 100.0, at=AT)
        )
    assert joblib.hash(policy) == joblib.hash(pickle.loads(pickle.dumps(policy)))
    report = data_usage_report(policy)
    assert report["column"].tolist()[:3] == ["orders_365d", "price_sensitivity", "channel"]
    assert set(report["purpose"]) == {"personalised_pricing"}


def test_hint_uses_the_singular_for_one_more_order() -> None:
    frame = pd.DataFrame({"orders_365d": [2], "consent_personalised_pricing": [True]})
    d = PricingPolicy([LoyaltyTiers((Tier("Silver", 3, 0.05),))]).decide(frame, 10.0, at=AT)
    assert d["what_would_change"].iloc[0] == (
        "1 more order within 365 days (tier Silver) → price 9.50"
    )


def test_custom_index_name_is_kept_and_exported_as_customer_id() -> None:
    frame = pd.DataFrame(
        {"consent_personalised_pricing": [True]}, index=pd.Index(["u1"], name="user")
    )
    d = PricingPolicy([ListPrice()]).decide(frame, 10.0, at=AT)
    assert d.index.name == "user"
    assert to_records(d)[0]["customer_id"] == "u1"
    assert explain(d.iloc[0]).startswith("Customer u1 pays 10.00")
