"""Every bad-input case of the data layer gets a DataValidationError naming what is wrong."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark import DataValidationError


def _tx(**overrides: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [10, 11, 12, 13],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "amount": [5.0, 6.0, 7.0, 8.0],
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


@pytest.mark.parametrize(
    ("frame", "pattern"),
    [
        (
            _tx().drop(columns="amount"),
            r"argument 'transactions': missing column 'amount' \(columns present: 'customer_id', 'date'\)",
        ),
        (
            _tx(amount=["5", "6", "7", "8"]),
            r"column 'amount': values of dtype .*; expected numeric",
        ),
        (
            _tx(amount=[5.0, np.nan, np.nan, 8.0]),
            r"column 'amount': 2 missing amounts \(NaN\) \(first customer: 11\)",
        ),
        (
            _tx(amount=[5.0, 6.0, -1.0, 8.0]),
            r"column 'amount': 1 negative value \(first customer: 12\).*Refunds",
        ),
        (
            _tx(amount=[5.0, np.inf, 7.0, 8.0]),
            r"column 'amount': 1 infinite amount \(first customer: 11\)",
        ),
        (
            _tx(date=["2024-01-01", "not a date", "2024-01-03", "2024-01-04"]),
            r"column 'date': 1 unparseable date \(first value: 'not a date'\) \(first customer: 11\)",
        ),
        (
            _tx(date=pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-04"])),
            r"column 'date': 1 missing date \(NaT\) \(first customer: 11\)",
        ),
        (_tx(date=[1, 2, 3, 4]), r"column 'date': numbers of dtype int64"),
        (
            _tx(customer_id=[10, None, 12, 13]),
            r"column 'customer_id': 1 missing customer id \(first at row 1\)",
        ),
        (_tx().iloc[:0], r"argument 'transactions': an empty frame \(0 rows\)"),
        (
            _tx(
                date=[
                    pd.Timestamp("2024-01-01", tz="UTC"),
                    pd.Timestamp("2024-01-02"),
                    pd.Timestamp("2024-01-03", tz="UTC"),
                    pd.Timestamp("2024-01-04", tz="UTC"),
                ]
            ),
            r"column 'date': 1 timezone-naive date among timezone-aware ones \(first customer: 11\)",
        ),
    ],
)
def test_bad_transactions_are_named(frame: pd.DataFrame, pattern: str) -> None:
    with pytest.raises(DataValidationError, match=pattern):
        pm.rfm_summary(frame)
    with pytest.raises(DataValidationError, match=pattern):
        pm.calibration_holdout_split(
            frame, calibration_end="2024-01-02", observation_end="2024-01-05"
        )


def test_not_a_frame() -> None:
    with pytest.raises(
        DataValidationError, match="argument 'transactions': a list; expected a pandas DataFrame"
    ):
        pm.rfm_summary([1, 2, 3])  # type: ignore[arg-type]


def test_observation_end_before_first_purchase() -> None:
    with pytest.raises(
        DataValidationError,
        match=re.escape(
            "argument 'observation_end': 2023-12-01, before the first purchase (2024-01-01)"
        ),
    ):
        pm.rfm_summary(_tx(), observation_end="2023-12-01")


def test_unparseable_observation_end_and_time_unit() -> None:
    with pytest.raises(DataValidationError, match="argument 'observation_end'"):
        pm.rfm_summary(_tx(), observation_end="soon")
    with pytest.raises(
        DataValidationError, match=r"argument 'time_unit': 'M'; expected one of 'D', 'W'"
    ):
        pm.rfm_summary(_tx(), time_unit="M")  # type: ignore[arg-type]


def test_split_ends_in_wrong_order() -> None:
    with pytest.raises(
        DataValidationError,
        match="argument 'observation_end': 2024-01-02, not after calibration_end",
    ):
        pm.calibration_holdout_split(
            _tx(), calibration_end="2024-01-03", observation_end="2024-01-02"
        )
    with pytest.raises(
        DataValidationError, match=r"argument 'calibration_end'.*before the first purchase"
    ):
        pm.calibration_holdout_split(
            _tx(), calibration_end="2023-01-03", observation_end="2024-01-02"
        )


def test_wrong_columns_object() -> None:
    with pytest.raises(DataValidationError, match="argument 'columns': a dict"):
        pm.rfm_summary(_tx(), columns={"customer_id": "x"})  # type: ignore[arg-type]


def test_zero_amounts_are_valid_free_orders() -> None:
    rfm = pm.rfm_summary(_tx(amount=[0.0, 6.0, 7.0, 8.0]))
    assert rfm.loc[10, "monetary_value"] == 0.0


def test_validate_rfm_catches_inconsistent_summaries() -> None:
    from precimark._validation import validate_rfm

    good = pd.DataFrame(
        {"frequency": [0, 2], "recency": [0.0, 3.0], "T": [5.0, 2.0]}, index=pd.Index([1, 2])
    )
    with pytest.raises(
        DataValidationError,
        match=r"column 'recency': 1 recency greater than T \(first customer: 2\)",
    ):
        validate_rfm(good)
    dup = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [5.0, 4.0]}, index=[7, 7])
    with pytest.raises(
        DataValidationError, match=r"1 duplicated customer id \(first customer: 7\)"
    ):
        validate_rfm(dup)
    frac = pd.DataFrame({"frequency": [0.5], "recency": [0.0], "T": [5.0]}, index=[3])
    with pytest.raises(DataValidationError, match="non-integer frequency"):
        validate_rfm(frac)
    rec = pd.DataFrame({"frequency": [0], "recency": [1.0], "T": [5.0]}, index=[4])
    with pytest.raises(DataValidationError, match="non-zero recency with frequency 0"):
        validate_rfm(rec)
    nan = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [np.nan]}, index=[5])
    with pytest.raises(DataValidationError, match="column 'T': 1 missing or infinite value"):
        validate_rfm(nan)
