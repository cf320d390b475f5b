"""make_pricing_log: its known truth, and off-policy estimates checked against it."""

from __future__ import annotations

import numpy as np
import pytest

from precimark import DataValidationError
from precimark.datasets import PRICING_LOG_ARMS, make_pricing_log
from precimark.pricing import (
    ListPrice,
    LoyaltyTiers,
    PricingPolicy,
    SensitivityDiscount,
    Tier,
    evaluate_offline,
)

TARGET = PricingPolicy(
    [SensitivityDiscount(threshold=0.45, discount=0.2), LoyaltyTiers((Tier("Gold", 6, 0.1),))],
    guardrails=None,
)


def test_log_is_randomised_with_the_recorded_probabilities() -> None:
    sim = make_pricing_log(40_000, random_state=0)
    log = sim.log
    assert sim.arms == PRICING_LOG_ARMS and log.index.is_unique
    assert set(np.round(log["discount_rate"], 4)) == set(PRICING_LOG_ARMS)
    # the recorded probability is the frequency of the arm among similar customers
    low = log[log["price_sensitivity"] < 0.1]
    for arm in PRICING_LOG_ARMS:
        shown = low["discount_rate"] == arm
        expected = low["probability"][shown].mean()
        se = np.sqrt(expected * (1 - expected) / len(low))
        assert abs(shown.mean() - expected) < 4 * se + 0.01
    # rewards follow the known purchase model
    p = sim.purchase_probability(log["discount_rate"].to_numpy())
    price = 100 * (1 - log["discount_rate"].to_numpy())
    bought = log["reward"].to_numpy() > 0
    se = np.sqrt(np.sum(p * (1 - p))) / len(p)
    assert abs(bought.mean() - p.mean()) < 4 * se
    np.testing.assert_allclose(log.loc[bought, "reward"], price[bought])


def test_true_value_is_the_mean_expected_reward() -> None:
    sim = make_pricing_log(2_000, random_state=1)
    flat = PricingPolicy([ListPrice()])
    assert sim.true_value(flat) == pytest.approx(100 * sim.purchase_probability(0.0).mean())
    s = sim.log["price_sensitivity"].to_numpy()
    orders = sim.log["orders_365d"].to_numpy()
    rate = np.maximum(np.where(s > 0.45, 0.2, 0.0), np.where(orders >= 6, 0.1, 0.0))
    expected = np.mean(sim.purchase_probability(rate) * 100 * (1 - rate))
    assert sim.true_value(TARGET) == pytest.approx(expected)
    assert make_pricing_log(50, random_state=3).log.equals(make_pricing_log(50, random_state=3).log)
    with pytest.raises(DataValidationError, match="arms"):
        make_pricing_log(10, random_state=0, arms=(0.1, 0.1))


def test_intervals_cover_the_true_value_of_a_tried_policy() -> None:
    """40 logs of 1,500 rows: 95% coverage within 3 binomial SE (0.034) for each method."""
    reps = 40
    hits = {"ips": 0, "snips": 0, "dr": 0}
    for seed in range(reps):
        sim = make_pricing_log(1_500, random_state=100 + seed)
        truth = sim.true_value(TARGET)
        for method in hits:
            est = evaluate_offline(TARGET, sim.log, prices=100.0, method=method, at=sim.at)  # type: ignore[arg-type]
            hits[method] += est.ci_low <= truth <= est.ci_high
    for method, count in hits.items():
        assert count / reps >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / reps), (method, count)


def test_a_policy_taking_untried_actions_is_refused_and_bounded() -> None:
    """The issue's case: the log never tried the target's action on half of the rows."""
    sim = make_pricing_log(4_000, random_state=7, arms=(0.0, 0.05, 0.1))
    truth = sim.true_value(TARGET)
    share = float((sim.log["price_sensitivity"] > 0.45).mean())
    assert 0.3 < share < 0.6
    with pytest.raises(DataValidationError, match=rf"\({share:.1%}\).*never tried \[0\.2\]"):
        evaluate_offline(TARGET, sim.log, prices=100.0, at=sim.at)
    est = evaluate_offline(
        TARGET, sim.log, prices=100.0, at=sim.at, on_untried="bound", reward_bounds=(0, 100)
    )
    assert est.share_untried == pytest.approx(share)
    assert est.ci_low <= truth <= est.ci_high
    assert est.ci_low - 1 < truth * (1 - share)  # what plain IPS would report: far too low
    assert est.ci_high - est.ci_low > 100 * share  # honest about what the log cannot tell
