"""No customer without consent is profiled, scored, targeted or given a personalised price."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.datasets import SimulatedBase
from precimark.pricing import NO_CONSENT, differentiated_pricing_policy
from precimark.propensity import make_snapshots, select_targets


@pytest.fixture(scope="module")
def excluded(sim_small: SimulatedBase) -> dict[str, pd.Index]:
    return {
        purpose: pm.require_consent(sim_small.customers, purpose).excluded  # type: ignore[arg-type]
        for purpose in ("profiling", "marketing", "personalised_pricing")
    }


def test_every_purpose_excludes_someone(excluded: dict[str, pd.Index]) -> None:
    assert all(len(ids) > 100 for ids in excluded.values())


def test_profiler_skips_customers_without_profiling_consent(
    sim_small: SimulatedBase, excluded: dict[str, pd.Index]
) -> None:
    archive = (
        pm.CustomerProfiler(consent="consent_profiling")
        .fit(sim_small.transactions, sim_small.customers)
        .transform()
    )
    assert archive.index.intersection(excluded["profiling"]).empty
    assert len(archive) == len(sim_small.customers) - len(excluded["profiling"])


def test_scores_and_targets_skip_customers_without_marketing_consent(
    sim_small: SimulatedBase, excluded: dict[str, pd.Index]
) -> None:
    tx = sim_small.transactions
    cutoffs = [pd.Timestamp("2024-06-30"), pd.Timestamp("2024-09-30")]
    training = make_snapshots(tx, cutoffs=cutoffs, horizon=90)
    model = pm.PropensityModel(random_state=0).fit(
        training.drop(columns="label"), training["label"]
    )
    scoring = make_snapshots(
        tx,
        cutoffs=[pd.Timestamp("2025-03-31")],
        horizon=90,
        labels=False,
        customers=sim_small.customers,
        consent="consent_marketing",
    )
    assert scoring.index.get_level_values(0).intersection(excluded["marketing"]).empty
    features = make_snapshots(tx, cutoffs=[pd.Timestamp("2025-03-31")], horizon=90, labels=False)
    scores = model.score_customers(
        features.drop(columns="label", errors="ignore"),
        customers=sim_small.customers,
        consent="consent_marketing",
    )
    assert scores.index.intersection(excluded["marketing"]).empty
    selection = select_targets(
        scores,
        cost_per_contact=0.5,
        value_per_conversion=40.0,
        customers=sim_small.customers,
        consent="consent_marketing",
    )
    assert selection.targets.index.intersection(excluded["marketing"]).empty
    assert selection.n_excluded >= 0


def test_prices_are_not_personalised_without_consent(
    sim_small: SimulatedBase, excluded: dict[str, pd.Index]
) -> None:
    rng = np.random.default_rng(0)
    customers = sim_small.customers.assign(
        orders_365d=rng.integers(0, 30, len(sim_small.customers)),
        uplift=0.05,
        channel="wallet",
    )
    decisions = differentiated_pricing_policy(channel_discounts={"wallet": 0.03}).decide(
        customers, 20.0, consent="consent_personalised_pricing"
    )
    refused = decisions.loc[excluded["personalised_pricing"]]
    assert (refused["final_price"] == 20.0).all()
    assert (~refused["personalised"]).all()
    assert (refused["reason_codes"] == NO_CONSENT).all()
    assert (refused["features_used"].astype(str).str.len() == 0).all()
    consenting = decisions.drop(index=excluded["personalised_pricing"])
    assert (consenting["final_price"] < 20.0).all()  # the wallet discount applies to all of them
