"""BG/BB horizons count transaction opportunities: anything else is refused by name (issue 22)."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from precimark.clv import BetaGeoBetaBinomModel
from precimark.exceptions import DataValidationError

RFM = pd.DataFrame({"frequency": [0, 1, 3, 6, 2], "recency": [0, 1, 5, 6, 4], "T": [6] * 5})


@pytest.fixture(scope="module")
def model() -> BetaGeoBetaBinomModel:
    return BetaGeoBetaBinomModel().fit(RFM)


@pytest.mark.parametrize(
    "bad",
    [-1, -0.5, 0, 2.5, np.nan, np.inf, -np.inf, True, None, "5", [5], np.float64("nan")],
    ids=repr,
)
def test_bad_horizons_are_refused_as_opportunities(
    model: BetaGeoBetaBinomModel, bad: object
) -> None:
    with pytest.raises(DataValidationError, match=r"argument 'horizon'.*discrete opportunities"):
        model.expected_purchases(RFM, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "duration",
    [
        "90D",
        pd.Timedelta(days=7),
        np.timedelta64(7, "D"),
        datetime.timedelta(days=7),
        pd.DateOffset(months=1),
    ],
    ids=repr,
)
def test_durations_are_refused(model: BetaGeoBetaBinomModel, duration: object) -> None:
    with pytest.raises(
        DataValidationError, match=r"a duration.*discrete opportunities.*horizon=52"
    ):
        model.expected_purchases(RFM, duration)  # type: ignore[arg-type]


def test_whole_numbers_of_any_type_work(model: BetaGeoBetaBinomModel) -> None:
    reference = model.expected_purchases(RFM, 5)
    assert (reference > 0).all()
    for same in (5.0, np.int64(5), np.float32(5)):
        pd.testing.assert_series_equal(model.expected_purchases(RFM, same), reference)  # type: ignore[arg-type]
    assert (model.expected_purchases(RFM, 10) > reference).all()
