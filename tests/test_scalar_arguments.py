"""Scalar arguments are checked by the shared `_validation` helpers: one wording, one rule.

Every case must raise a DataValidationError naming the argument, in the shared wording. Before
the checks were shared several got through (``acquisition_days=True``, ``clv=1``,
``new_customer_parity="no"``), raised a bare TypeError (``confidence="95%"`` in pricing,
``alpha="0.05"``) or blamed the wrong argument (``observation_days=nan``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from precimark.datasets import load_cdnow, make_transactions, make_uplift_data
from precimark.distributed import scores_meta, scores_schema
from precimark.exceptions import DataValidationError
from precimark.kpi import adjust_table, proportion, sample_ratio_mismatch
from precimark.kpi.estimates import Estimate
from precimark.pricing import (
    Guardrails,
    LoyaltyTiers,
    PricingPolicy,
    SensitivityDiscount,
    Tier,
    estimate_elasticity,
    evaluate_offline,
)
from precimark.profiling.recommend import recommend_categories
from precimark.propensity.metrics import gain_table, precision_at_k

Call = Callable[[Any], object]

_DEMAND = pd.DataFrame({"quantity": [1.0, 2.0, 3.0, 4.0], "price": [4.0, 3.0, 2.0, 1.0]})
_PVALUES = pd.DataFrame({"p_value": [0.01, 0.2]})
_LOG = pd.DataFrame(
    {
        "price_sensitivity": np.linspace(0.0, 1.0, 40),
        "consent_personalised_pricing": True,
        "discount_rate": [0.0, 0.1] * 20,
        "probability": 0.5,
        "reward": [1.0, 0.0, 0.0, 1.0] * 10,
    }
)
_POLICY = PricingPolicy([SensitivityDiscount(threshold=0.5)])

CONFIDENCE: list[tuple[str, Call]] = [
    ("proportion", lambda c: proportion(3, 10, confidence=c)),
    ("Estimate", lambda c: Estimate(0.5, 0.4, 0.6, c, "given", 10)),
    ("estimate_elasticity", lambda c: estimate_elasticity(_DEMAND, confidence=c)),
    ("evaluate_offline", lambda c: evaluate_offline(_POLICY, _LOG, prices=1.0, confidence=c)),
]

# A number where a number is expected: strings (a TypeError or a silent float() before),
# booleans, NaN and infinities.
NOT_A_LEVEL = ["95%", "0.95", True, math.nan, math.inf, None]


@pytest.mark.parametrize("value", NOT_A_LEVEL, ids=repr)
@pytest.mark.parametrize(("function", "call"), CONFIDENCE, ids=[c[0] for c in CONFIDENCE])
def test_confidence_is_a_number_strictly_between_0_and_1(
    function: str, call: Call, value: object
) -> None:
    with pytest.raises(DataValidationError, match=r"argument 'confidence': .*expected a number"):
        call(value)


NUMBERS: list[tuple[str, str, Call]] = [
    ("adjust_table", "alpha", lambda v: adjust_table(_PVALUES, alpha=v)),
    (
        "sample_ratio_mismatch",
        "expected_share",
        lambda v: sample_ratio_mismatch(5, 5, expected_share=v),
    ),
    (
        "make_uplift_data",
        "treatment_share",
        lambda v: make_uplift_data(10, random_state=0, treatment_share=v),
    ),
    (
        "make_transactions",
        "acquisition_days",
        lambda v: make_transactions(5, random_state=0, acquisition_days=v),
    ),
    (
        "make_transactions",
        "observation_days",
        lambda v: make_transactions(5, random_state=0, observation_days=v),
    ),
    ("SensitivityDiscount", "discount", lambda v: SensitivityDiscount(discount=v)),
    ("SensitivityDiscount", "threshold", lambda v: SensitivityDiscount(threshold=v)),
    ("Tier", "threshold", lambda v: Tier("gold", threshold=v, discount=0.1)),
    ("Guardrails", "max_discount", lambda v: Guardrails(max_discount=v)),
    ("Guardrails", "price_ceiling", lambda v: Guardrails(price_ceiling=v)),
    ("precision_at_k", "k", lambda v: precision_at_k([1, 0], [0.2, 0.1], k=v)),
]


@pytest.mark.parametrize("value", ["0.5", True, math.nan, math.inf], ids=repr)
@pytest.mark.parametrize(
    ("function", "name", "call"), NUMBERS, ids=[f"{f}-{n}" for f, n, _ in NUMBERS]
)
def test_numbers_refuse_strings_bools_and_non_finite(
    function: str, name: str, call: Call, value: object
) -> None:
    with pytest.raises(DataValidationError, match=rf"argument '{name}': .*expected a "):
        call(value)


COUNTS: list[tuple[str, str, Call]] = [
    ("proportion", "n", lambda v: proportion(1, v)),
    ("make_transactions", "n_customers", lambda v: make_transactions(v, random_state=0)),
    ("make_uplift_data", "n", lambda v: make_uplift_data(v, random_state=0)),
    ("estimate_elasticity", "n_folds", lambda v: estimate_elasticity(_DEMAND, n_folds=v)),
    ("gain_table", "n_bins", lambda v: gain_table([1, 0], [0.2, 0.1], n_bins=v)),
    ("recommend_categories", "k", lambda v: recommend_categories(pd.DataFrame(), v)),
    ("SensitivityDiscount", "valid_days", lambda v: SensitivityDiscount(valid_days=v)),
    ("LoyaltyTiers", "grace_days", lambda v: LoyaltyTiers((Tier("Gold", 3, 0.1),), grace_days=v)),
    ("Guardrails", "reference_days", lambda v: Guardrails(reference_days=v)),
]


@pytest.mark.parametrize("value", [2.5, True, "3", math.nan], ids=repr)
@pytest.mark.parametrize(
    ("function", "name", "call"), COUNTS, ids=[f"{f}-{n}" for f, n, _ in COUNTS]
)
def test_counts_are_whole_numbers(function: str, name: str, call: Call, value: object) -> None:
    with pytest.raises(DataValidationError, match=rf"argument '{name}': .*expected a whole number"):
        call(value)


FLAGS: list[tuple[str, str, Call]] = [
    ("scores_schema", "clv", lambda v: scores_schema(clv=v)),
    ("scores_meta", "clv", lambda v: scores_meta(clv=v)),
    ("load_cdnow", "sample", lambda v: load_cdnow(sample=v)),
    (
        "recommend_categories",
        "exclude_bought",
        lambda v: recommend_categories(pd.DataFrame(), exclude_bought=v),
    ),
    ("Guardrails", "new_customer_parity", lambda v: Guardrails(new_customer_parity=v)),
    (
        "SensitivityDiscount",
        "require_positive_uplift",
        lambda v: SensitivityDiscount(require_positive_uplift=v),
    ),
]


@pytest.mark.parametrize("value", [1, 0, "no", None], ids=repr)
@pytest.mark.parametrize(("function", "name", "call"), FLAGS, ids=[f"{f}-{n}" for f, n, _ in FLAGS])
def test_flags_are_booleans(function: str, name: str, call: Call, value: object) -> None:
    with pytest.raises(DataValidationError, match=rf"argument '{name}': .*expected True or False"):
        call(value)
