"""select_targets: brute-force optimality, budget, profit curve, consent, refusals."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import precimark as pm
from precimark.propensity import select_targets


def _scores(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.Index(range(101, 101 + len(values)), name="customer_id"))


@settings(max_examples=60, deadline=None)
@given(
    uplift=st.lists(st.floats(-0.2, 0.5), min_size=1, max_size=8),
    clv=st.lists(st.floats(0, 200), min_size=8, max_size=8),
    cost=st.floats(0.0, 10.0),
    budget=st.none() | st.floats(0.0, 60.0),
)
def test_selection_is_the_best_subset_within_budget(
    uplift: list[float], clv: list[float], cost: float, budget: float | None
) -> None:
    """Brute force over every subset: with one cost per contact, best-first is optimal."""
    scores = _scores(uplift)
    values = pd.Series(clv[: len(uplift)], index=scores.index)
    chosen = select_targets(scores, cost_per_contact=cost, clv=values, budget=budget)
    profit = scores * values - cost
    best = 0.0
    for size in range(len(uplift) + 1):
        if budget is not None and size * cost > budget + 1e-9:
            break
        for subset in itertools.combinations(scores.index, size):
            best = max(best, float(profit[list(subset)].sum()))
    assert chosen.targets["expected_profit"].sum() == pytest.approx(best, abs=1e-9)
    assert (chosen.targets["expected_profit"] > 0).all()
    assert chosen.targets["expected_profit"].is_monotonic_decreasing
    if budget is not None:
        assert len(chosen.targets) * cost <= budget + 1e-9
    assert chosen.curve["expected_profit"].max() == pytest.approx(
        max(0.0, profit[profit > 0].sum()), abs=1e-9
    )


def test_small_example_by_hand() -> None:
    scores = _scores([0.10, 0.02, 0.05, -0.01, 0.05])
    chosen = select_targets(scores, cost_per_contact=1.0, value_per_conversion=40.0, budget=2.5)
    # profits 3, -0.2, 1, -1.4, 1: ties (103, 105) broken by customer id; budget buys two
    assert chosen.targets.index.tolist() == [101, 103]
    assert chosen.targets["cumulative_profit"].tolist() == pytest.approx([3.0, 4.0])
    assert chosen.curve["n_contacts"].tolist() == [0, 1, 2, 3, 4, 5]
    assert chosen.curve["expected_profit"].tolist() == pytest.approx([0, 3, 4, 5, 4.8, 3.4])
    assert chosen.curve["budget"].tolist() == [0, 1, 2, 3, 4, 5]
    unlimited = select_targets(scores, cost_per_contact=1.0, value_per_conversion=40.0)
    assert unlimited.targets.index.tolist() == [101, 103, 105]


def test_consent_excludes_customers_before_ranking() -> None:
    scores = _scores([0.3, 0.2, 0.1])
    roster = pd.DataFrame({"consent_marketing": [False, True, True]}, index=scores.index)
    chosen = select_targets(
        scores, cost_per_contact=1.0, value_per_conversion=100.0, customers=roster
    )
    assert chosen.targets.index.tolist() == [102, 103]
    assert chosen.n_excluded == 1
    assert len(chosen.curve) == 3


def test_inputs_are_not_modified() -> None:
    scores = _scores([0.3, 0.2, 0.1])
    copy = scores.copy()
    select_targets(scores, cost_per_contact=1.0, value_per_conversion=10.0)
    pd.testing.assert_series_equal(scores, copy)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cost_per_contact": 1.0}, "neither given"),
        (
            {"cost_per_contact": 1.0, "value_per_conversion": 5.0, "clv": pd.Series([1.0])},
            "both given",
        ),
        ({"cost_per_contact": -1.0, "value_per_conversion": 5.0}, "cost_per_contact"),
        ({"cost_per_contact": 1.0, "value_per_conversion": 5.0, "budget": -2}, "budget"),
        (
            {"cost_per_contact": 1.0, "clv": pd.Series([1.0], index=[101])},
            "without a .finite. value.*first customer: 102",
        ),
        (
            {"cost_per_contact": 1.0, "value_per_conversion": 5.0, "consent": "ok"},
            "customer roster",
        ),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(pm.DataValidationError, match=match):
        select_targets(_scores([0.1, 0.2]), **kwargs)  # type: ignore[arg-type]


def test_bad_scores_are_refused() -> None:
    with pytest.raises(
        pm.DataValidationError, match=r"missing or infinite score.*first customer: 102"
    ):
        select_targets(_scores([0.1, np.nan]), cost_per_contact=1.0, value_per_conversion=1.0)
    duplicated = pd.Series([0.1, 0.2], index=[7, 7])
    with pytest.raises(pm.DataValidationError, match="duplicated customer id"):
        select_targets(duplicated, cost_per_contact=1.0, value_per_conversion=1.0)


def test_to_dict_is_a_json_summary_without_customer_rows() -> None:
    scores = _scores([0.10, 0.02, 0.05, -0.01, 0.08])
    roster = pd.DataFrame(
        {"consent_marketing": [True, True, True, True, False]}, index=scores.index
    )
    chosen = select_targets(
        scores, cost_per_contact=1.0, value_per_conversion=40.0, budget=1.5, customers=roster
    )
    document = json.loads(json.dumps(chosen.to_dict(), allow_nan=False))
    assert document["n_targets"] == len(chosen.targets) == 1
    assert document["n_eligible"] == 4
    assert document["n_excluded"] == chosen.n_excluded == 1
    assert document["total_cost"] == chosen.targets["cumulative_cost"].iloc[-1] == 1.0
    assert document["expected_profit"] == pytest.approx(chosen.targets["expected_profit"].sum())
    assert document["expected_uplift"] == pytest.approx(0.10)
    best = chosen.curve["expected_profit"].idxmax()
    assert document["best_n_contacts"] == chosen.curve.loc[best, "n_contacts"] == 2
    assert document["best_expected_profit"] == pytest.approx(3.0 + 1.0)
    assert document["data_usage"] == [
        {"column": use.column, "purpose": use.purpose, "used_by": use.used_by}
        for use in chosen.data_usage_
    ]
    assert document["data_usage"]
    text = json.dumps(document)
    assert all(f"{customer}" not in text for customer in scores.index)
    pd.testing.assert_frame_equal(chosen.to_frame(), chosen.targets)


def test_to_dict_of_an_empty_selection() -> None:
    chosen = select_targets(_scores([-0.1, 0.0]), cost_per_contact=1.0, value_per_conversion=5.0)
    document = json.loads(json.dumps(chosen.to_dict(), allow_nan=False))
    assert document["n_targets"] == 0
    assert document["total_cost"] == 0.0
    assert document["expected_profit"] == 0.0
    assert document["best_n_contacts"] == 0
    assert document["best_expected_profit"] == 0.0
    assert chosen.to_frame().empty
