"""Proxy check: warn when a price input stands in for a declared protected attribute."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import association

from precimark import DataValidationError
from precimark.datasets import make_pricing_log
from precimark.pricing import (
    ChannelDiscount,
    Guardrails,
    LoyaltyTiers,
    PricingPolicy,
    ProxyWarning,
    SensitivityDiscount,
    Tier,
    proxy_associations,
)

POLICY = PricingPolicy(
    [
        SensitivityDiscount(threshold=0.5),
        LoyaltyTiers((Tier("Gold", 6, 0.1),)),
        ChannelDiscount({"wallet": 0.03}),
    ]
)


def test_a_strong_proxy_warns_and_the_protected_column_is_never_read() -> None:
    sim = make_pricing_log(5_000, random_state=0)
    customers = sim.log.drop(columns="age_group")
    protected = sim.log[["age_group"]]
    with pytest.warns(ProxyWarning, match=r"'price_sensitivity'.*'age_group'") as caught:
        d = POLICY.decide(customers, 100.0, at=sim.at, protected=protected)
    assert len(caught) == 1  # orders and channel are independent of the age group
    table = d.attrs["proxy_associations"]
    assert table["input"].tolist()[0] == "price_sensitivity"
    assert set(table["input"]) == {"price_sensitivity", "orders_365d", "channel"}
    assert table.set_index("input").loc["channel", "cramers_v"] < 0.05
    plain = POLICY.decide(customers, 100.0, at=sim.at)
    pd.testing.assert_frame_equal(d, plain)  # the prices do not depend on it


def test_no_warning_below_the_threshold() -> None:
    sim = make_pricing_log(3_000, random_state=1)
    policy = PricingPolicy([SensitivityDiscount()], guardrails=Guardrails(proxy_threshold=0.95))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        policy.decide(sim.log, 100.0, at=sim.at, protected=sim.log["age_group"])


def test_cramers_v_matches_scipy_on_large_samples() -> None:
    """Bias-corrected V tends to scipy's plain V as n grows (the correction is O(1/n))."""
    rng = np.random.default_rng(2)
    n = 200_000
    a = rng.integers(0, 3, n)
    b = np.where(rng.random(n) < 0.4, a, rng.integers(0, 4, n))
    frame = pd.DataFrame({"a": a.astype(str)})
    ours = proxy_associations(frame, pd.Series(b.astype(str), name="b"), ["a"])
    table = pd.crosstab(a, b).to_numpy()
    assert ours["cramers_v"].iloc[0] == pytest.approx(association(table, method="cramer"), abs=1e-3)


def test_protected_rows_are_needed_for_every_priced_customer() -> None:
    sim = make_pricing_log(100, random_state=3)
    with pytest.raises(DataValidationError, match=r"'protected'.*first customer: 100"):
        POLICY.decide(sim.log, 100.0, at=sim.at, protected=sim.log["age_group"].iloc[:99])
