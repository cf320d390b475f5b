"""Cost-benefit KPIs map the effect's interval through their formula."""

from __future__ import annotations

import math

import pytest

import precimark as pm
from precimark.kpi import (
    Estimate,
    campaign_cost,
    cost_per_incremental_customer,
    incremental_revenue,
    payback_period,
    roas,
    roi,
)

EFFECT = Estimate(1.5, 0.5, 2.5, confidence=0.9, method="welch", n=2_000, p_value=0.01)


def test_campaign_cost_adds_its_parts() -> None:
    assert campaign_cost(n_contacts=1_000, cost_per_contact=0.5) == 500.0
    total = campaign_cost(n_contacts=10, cost_per_contact=1.0, redeemed_discounts=5, fixed_cost=2)
    assert total == 17.0
    with pytest.raises(pm.DataValidationError, match="argument 'cost_per_contact'"):
        campaign_cost(n_contacts=10, cost_per_contact=-1.0)


def test_incremental_revenue_roi_and_roas_transform_the_interval() -> None:
    inc = incremental_revenue(EFFECT, 1_000)
    assert (inc.value, inc.ci_low, inc.ci_high) == (1500.0, 500.0, 2500.0)
    assert inc.confidence == 0.9 and inc.n == 2_000 and inc.p_value is None
    r = roi(inc, 400.0, margin=0.4)
    assert (r.value, r.ci_low, r.ci_high) == pytest.approx((0.5, -0.5, 1.5))
    assert r.method == "welch, x n_treated, roi"
    s = roas(inc, 500.0)
    assert (s.value, s.ci_low, s.ci_high) == pytest.approx((3.0, 1.0, 5.0))
    plain = roi(1000.0, 500.0, margin=1.0)
    assert plain.value == 1.0 and plain.width == 0 and plain.method == "roi"


def test_roi_without_margin_is_deprecated_not_silent() -> None:
    with pytest.warns(FutureWarning, match=r"margin=.*0\.3\.0"):
        assumed = roi(1000.0, 500.0)
    assert assumed.value == roi(1000.0, 500.0, margin=1.0).value


def test_inverse_kpis_are_unbounded_when_the_effect_may_be_zero() -> None:
    sure = cost_per_incremental_customer(Estimate(50.0, 20.0, 80.0, 0.95, "newcombe", 10), 400.0)
    assert (sure.value, sure.ci_low, sure.ci_high) == (8.0, 5.0, 20.0)
    unsure = cost_per_incremental_customer(Estimate(50.0, -10.0, 110.0, 0.95, "x", 10), 400.0)
    assert unsure.ci_high == math.inf and unsure.warnings
    none = cost_per_incremental_customer(Estimate(-5.0, -30.0, -1.0, 0.95, "x", 10), 400.0)
    assert none.value == math.inf and none.ci_low == math.inf
    assert payback_period(1_200.0, 400.0).value == 3.0
    months = payback_period(1_200.0, Estimate(400.0, 300.0, 600.0, 0.95, "welch", 99))
    assert (months.ci_low, months.ci_high) == (2.0, 4.0)


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: roi(100.0, 0.0), "argument 'cost'"),
        (lambda: roi(100.0, 10.0, margin=-0.1), "argument 'margin'"),
        (lambda: roi("100", 10.0), "argument 'incremental'"),  # type: ignore[arg-type]
        (lambda: incremental_revenue(EFFECT, 0), "argument 'n_treated'"),
        (lambda: roas(float("nan"), 1.0), "argument 'revenue'"),
    ],
)
def test_bad_finance_inputs(call, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(pm.DataValidationError, match=needle):
        call()
