from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.datasets import SimulatedBase, load_cdnow, make_transactions


def test_cdnow_full_cohort() -> None:
    tx = load_cdnow()
    assert tx.columns.tolist() == ["customer_id", "date", "quantity", "amount"]
    assert tx["customer_id"].nunique() == 23570
    assert len(tx) == 69659
    assert tx["date"].min() == pd.Timestamp("1997-01-01")
    assert tx["date"].max() == pd.Timestamp("1998-06-30")
    first = tx.groupby("customer_id")["date"].min()
    assert first.max() <= pd.Timestamp("1997-03-31")  # the Q1-1997 cohort


def test_cdnow_sample_is_the_papers_tenth() -> None:
    tx = load_cdnow(sample=True)
    assert tx["customer_id"].nunique() == 2357
    assert tx.dtypes["amount"] == np.float64


def test_simulator_is_seeded_and_complete(sim_small: SimulatedBase) -> None:
    again = make_transactions(5_000, random_state=7)
    pd.testing.assert_frame_equal(again.transactions, sim_small.transactions)
    other = make_transactions(5_000, random_state=8)
    assert not other.transactions["amount"].equals(sim_small.transactions["amount"])
    tx = sim_small.transactions
    assert (tx["list_price"] >= tx["amount"]).all()
    assert (tx["list_price"] > tx["amount"]).mean() > 0.05  # some purchases are discounted
    assert tx["date"].max() <= sim_small.observation_end + pd.Timedelta(days=1)
    assert set(tx["customer_id"]) == set(sim_small.customers.index)
    assert {"consent_profiling", "consent_marketing", "consent_personalised_pricing"} <= set(
        sim_small.customers.columns
    )
    assert (sim_small.customers["signup_date"] <= sim_small.truth["first_purchase"]).all()


def test_price_sensitive_customers_buy_more_at_a_discount(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    share = (tx["list_price"] > tx["amount"]).groupby(tx["customer_id"]).mean()
    sens = sim_small.customers.loc[share.index, "price_sensitivity"]
    assert np.corrcoef(share, sens)[0, 1] > 0.3


def test_simulated_counts_match_bgnbd_expectation() -> None:
    """Mean repeat purchases over the window equals the BG/NBD E[X(t)] (simulation truth)."""
    from scipy.special import hyp2f1

    sim = make_transactions(40_000, random_state=3)
    rfm = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end)
    r, alpha, a, b = (sim.params[k] for k in ("r", "alpha", "a", "b"))
    t = rfm["T"].to_numpy() + 1.0  # continuous time covered by the last simulated day
    z = t / (alpha + t)
    expected = (
        (a + b - 1) / (a - 1) * (1 - ((alpha / (alpha + t)) ** r) * hyp2f1(r, b, a + b - 1, z))
    )
    # Same-day repeats are merged in the summary, so allow a small shortfall.
    assert rfm["frequency"].mean() == pytest.approx(expected.mean(), rel=0.04)


def test_simulated_spend_matches_gamma_gamma_mean(sim_small: SimulatedBase) -> None:
    p, q, v = (sim_small.params[k] for k in ("p", "q", "v"))
    expected = p * v / (q - 1)
    assert sim_small.transactions["amount"].mean() == pytest.approx(expected, rel=0.1)


def test_simulator_rejects_bad_arguments() -> None:
    with pytest.raises(pm.DataValidationError, match="argument 'n_customers'"):
        make_transactions(0, random_state=1)
    with pytest.raises(pm.DataValidationError, match="unknown keys"):
        make_transactions(10, random_state=1, params={"lambda": 1.0})
    with pytest.raises(pm.DataValidationError, match="non-positive values"):
        make_transactions(10, random_state=1, params={"r": -1.0})


def test_seed_is_a_deprecated_alias_of_random_state() -> None:
    from precimark.datasets import make_uplift_data

    with pytest.warns(FutureWarning, match=r"make_transactions\(seed=\.\.\.\).*random_state="):
        old = make_transactions(200, seed=3)  # type: ignore[call-arg]
    new = make_transactions(200, random_state=3)
    pd.testing.assert_frame_equal(old.transactions, new.transactions)
    with pytest.warns(FutureWarning, match="use random_state"):
        old_uplift = make_uplift_data(50, seed=3)  # type: ignore[call-arg]
    pd.testing.assert_frame_equal(old_uplift, make_uplift_data(50, random_state=3))
    with pytest.raises(TypeError, match=r"both seed= .* and random_state="):
        make_transactions(200, seed=3, random_state=3)  # type: ignore[call-arg]


def test_campaign_simulator_lives_in_datasets() -> None:
    import importlib.util

    from precimark import datasets

    assert datasets.make_uplift_data.__module__ == "precimark.datasets"
    assert importlib.util.find_spec("precimark._campaign_sim") is None
