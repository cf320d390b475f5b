"""simulate_policy, evaluate_offline (coverage on simulated logs with a known value), fairness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precimark import DataValidationError
from precimark.pricing import (
    ElasticityResponse,
    PricingPolicy,
    SensitivityDiscount,
    UpliftResponse,
    evaluate_offline,
    fairness_report,
    simulate_policy,
)

AT = "2025-01-01"
ACTIONS = np.array([0.0, 0.1, 0.2])
POLICY = PricingPolicy([SensitivityDiscount(threshold=0.6, discount=0.2)])
# purchase probability 0.1 + 1.5 * discount * sensitivity; margin 100 * (1 - discount) - 50
TRUE_VALUE = 0.6 * 0.1 * 50 + 30 * (0.1 * 0.4 + 0.3 * (1 - 0.36) / 2)  # = 7.08


def _logged(n: int, rng: np.random.Generator) -> pd.DataFrame:
    s = rng.random(n)
    probs = np.where(s[:, None] > 0.5, [0.3, 0.3, 0.4], [0.6, 0.2, 0.2])
    choice = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    a = ACTIONS[choice]
    bought = rng.random(n) < 0.1 + 1.5 * a * s
    return pd.DataFrame(
        {
            "price_sensitivity": s,
            "consent_personalised_pricing": True,
            "discount_rate": a,
            "probability": probs[np.arange(n), choice],
            "reward": bought * (100 * (1 - a) - 50),
        }
    )


def test_estimators_match_their_formulas() -> None:
    log = _logged(3000, np.random.default_rng(1))
    target = np.where(log["price_sensitivity"] > 0.6, 0.2, 0.0)
    w = (log["discount_rate"].to_numpy() == target) / log["probability"].to_numpy()
    r = log["reward"].to_numpy()
    ips = evaluate_offline(POLICY, log, prices=100.0, at=AT)
    assert ips.value == pytest.approx(np.mean(w * r))
    assert ips.std_error == pytest.approx(np.std(w * r, ddof=1) / np.sqrt(len(r)))
    snips = evaluate_offline(POLICY, log, prices=100.0, method="snips", at=AT)
    assert snips.value == pytest.approx(np.sum(w * r) / np.sum(w))
    assert ips.effective_sample_size == pytest.approx(w.sum() ** 2 / (w @ w))
    assert ips.max_weight == pytest.approx(w.max())
    assert ips.untried_actions == () and ips.share_untried == 0.0


def test_intervals_cover_the_true_policy_value() -> None:
    """95% intervals over 120 simulated logs of 1,000 rows: coverage within 3 SE of 0.95."""
    rng = np.random.default_rng(2024)
    hits = {"ips": 0, "snips": 0, "dr": 0}
    errors = {"ips": [], "snips": [], "dr": []}  # type: ignore[var-annotated]
    reps = 120
    for _ in range(reps):
        log = _logged(1000, rng)
        for method in hits:
            est = evaluate_offline(POLICY, log, prices=100.0, method=method, at=AT)  # type: ignore[arg-type]
            hits[method] += est.ci_low <= TRUE_VALUE <= est.ci_high
            errors[method].append(est.value - TRUE_VALUE)
    for method, count in hits.items():
        assert 0.95 - 3 * 0.02 <= count / reps <= 1.0, (method, count)
        assert abs(np.mean(errors[method])) < 0.25, method  # unbiased (SE of mean ~0.07)
    assert np.std(errors["dr"]) < np.std(errors["ips"])  # the reward model reduces variance


def test_untried_actions_are_refused_by_default_and_bounded_on_request() -> None:
    log = _logged(500, np.random.default_rng(3))
    log = log[log["discount_rate"] < 0.15]  # the log never tried 20% off
    share = (log["price_sensitivity"] > 0.6).mean()
    with pytest.raises(DataValidationError, match=rf"\({share:.1%}\).*never tried \[0.2\]"):
        evaluate_offline(POLICY, log, prices=100.0, at=AT)
    est = evaluate_offline(
        POLICY, log, prices=100.0, at=AT, on_untried="bound", reward_bounds=(-50.0, 50.0)
    )
    assert est.untried_actions == (0.2,) and est.method == "ips-bound"
    assert len(est.warnings) == 1 and "never tried" in est.warnings[0]
    assert est.share_untried == pytest.approx(share)
    tried = np.where(log["discount_rate"].to_numpy() == 0.0, 1.0, 0.0) * (
        log["price_sensitivity"].to_numpy() <= 0.6
    )
    known = np.mean(tried / log["probability"].to_numpy() * log["reward"].to_numpy())
    assert est.ci_high - est.ci_low == pytest.approx(100 * share + 2 * 1.959964 * est.std_error)
    assert est.value == pytest.approx(known)  # midpoint of the symmetric bounds
    with pytest.raises(DataValidationError, match="reward_bounds"):
        evaluate_offline(POLICY, log, prices=100.0, at=AT, on_untried="bound")
    with pytest.raises(DataValidationError, match="reward_bounds"):
        evaluate_offline(POLICY, log, prices=100.0, at=AT, reward_bounds=(0.0, 1.0))


def test_bad_logs_are_refused() -> None:
    log = _logged(50, np.random.default_rng(4))
    log.loc[7, "probability"] = 0.0
    with pytest.raises(DataValidationError, match=r"'probability'.*first customer: 7"):
        evaluate_offline(POLICY, log, prices=100.0, at=AT)
    with pytest.raises(DataValidationError, match="method"):
        evaluate_offline(POLICY, log, prices=100.0, method="dm", at=AT)  # type: ignore[arg-type]


def test_simulate_policy_matches_a_hand_computation() -> None:
    rng = np.random.default_rng(5)
    n = 400
    customers = pd.DataFrame(
        {
            "price_sensitivity": rng.random(n),
            "propensity": rng.uniform(0, 0.4, n),
            "uplift": rng.uniform(0, 0.2, n),
            "consent_personalised_pricing": rng.random(n) < 0.8,
        }
    )
    prices = pd.DataFrame({"list_price": [40.0, 90.0], "unit_cost": [15.0, 60.0]}, index=["a", "b"])
    offered = (customers["price_sensitivity"] > 0.6) & customers["consent_personalised_pricing"]
    p = (customers["propensity"] + offered * customers["uplift"]).to_numpy()
    disc = np.where(offered, 0.2, 0.0)
    out = simulate_policy(POLICY, customers, UpliftResponse(), prices=prices, at=AT)
    assert out["n_decisions"] == 2 * n
    assert out["expected_conversions"] == pytest.approx(2 * p.sum())
    revenue = p @ (40 * (1 - disc)) + p @ (90 * (1 - disc))
    assert out["expected_revenue"] == pytest.approx(revenue)
    assert out["expected_margin"] == pytest.approx(revenue - p.sum() * 75)
    assert out["expected_discount_cost"] == pytest.approx(p @ (130 * disc))

    elastic = simulate_policy(POLICY, customers, ElasticityResponse(elasticity=-2), prices=40.0)
    q = customers["propensity"].to_numpy() * np.where(offered, 0.8**-2, 1.0)
    assert elastic["expected_conversions"] == pytest.approx(q.sum())


def test_fairness_report_matches_groupby() -> None:
    rng = np.random.default_rng(6)
    n = 300
    customers = pd.DataFrame(
        {
            "price_sensitivity": rng.random(n),
            "gender": rng.choice(["f", "m", "x"], n),
            "consent_personalised_pricing": True,
        }
    )
    d = POLICY.decide(customers, 50.0, at=AT)
    report = fairness_report(d, "gender", customers=customers)
    offered = d["discount_rate"] > 0
    expected = offered.groupby(customers["gender"]).mean()
    np.testing.assert_allclose(report.by_group["offer_rate"], expected.sort_index())
    assert report.by_group["n"].sum() == n
    gap = expected.max() - expected.min()
    assert report.largest_gap["offer_rate"] == pytest.approx(gap)
    assert report.largest_gap["mean_final_price"] == pytest.approx(10 * gap)


def test_off_policy_estimate_is_an_estimate() -> None:
    import json

    from precimark.kpi import Estimate, estimates_frame

    log = _logged(800, np.random.default_rng(6))
    est = evaluate_offline(POLICY, log, prices=100.0, method="snips", at=AT, confidence=0.9)
    assert isinstance(est, Estimate) and est.confidence == 0.9 and est.method == "snips"
    data = json.loads(json.dumps(est.to_dict(), allow_nan=False))
    assert data["ci_low"] == pytest.approx(est.ci_low)
    assert data["effective_sample_size"] == pytest.approx(est.effective_sample_size)
    assert estimates_frame({"snips": est}).loc["snips", "n"] == 800
    assert est.to_frame().loc[0, "value"] == pytest.approx(est.value)


def test_old_log_column_arguments_are_deprecated_aliases() -> None:
    log = _logged(400, np.random.default_rng(7)).rename(columns={"reward": "margin"})
    new = evaluate_offline(POLICY, log, prices=100.0, reward_column="margin", at=AT)
    with pytest.warns(FutureWarning, match="use reward_column="):
        old = evaluate_offline(POLICY, log, prices=100.0, reward="margin", at=AT)  # type: ignore[call-arg]
    assert old == new


def test_fairness_report_converts() -> None:
    d = pd.DataFrame({"discount_rate": [0.1, 0.0, 0.0], "final_price": [90.0, 100, 100]})
    report = fairness_report(d, pd.Series(["a", "a", "b"], name="g"))
    assert report.to_frame().equals(report.by_group) and report.to_frame() is not report.by_group
    assert report.to_dict()["largest_gap"]["offer_rate"] == 0.5
    assert report.to_dict()["by_group"]["b"]["n"] == 1.0
