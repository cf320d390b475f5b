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
            r"column 'date': 1 unparseable date \(first value: not shown: 10 characters that are not "
            r"digits and date separators\) \(first customer: 11\)",
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


# ---------------------------------------------------------------------- plurals (issue 14, item 7)


def test_plural_names_the_noun_not_the_last_word() -> None:
    from precimark._validation import _plural, fail_rows

    err = fail_rows(
        "column 'date'",
        np.ones(10, dtype=bool),
        np.arange(10),
        "transaction on or before the profile date 2024-08-28",
        "only transactions after it",
    )
    assert "10 transactions on or before the profile date 2024-08-28 (first" in str(err)
    assert "2024-08-28s" not in str(err)
    assert _plural("missing or infinite value") == "missing or infinite values"
    assert _plural("non-zero recency with frequency 0") == "non-zero recencies with frequency 0"
    assert _plural("duplicated customer id") == "duplicated customer ids"
    assert _plural("missing date (NaT)") == "missing dates (NaT)"
    assert _plural("customer with two rows for the same day") == (
        "customers with two rows for the same day"
    )


# ---------------------------------------------------------------------- dates (issue 14, item 3)


def _dated(*dates: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": range(len(dates)), "date": list(dates), "amount": [1.0] * len(dates)}
    )


def test_ambiguous_day_month_strings_are_refused() -> None:
    # Regression: format="mixed" read "08/03/2024" as August 3 in a European CSV.
    tx = _dated("08/03/2024", "09/03/2024", "2024-03-10")
    with pytest.raises(
        DataValidationError,
        match=r"column 'date': 2 ambiguous day/month dates \(first value: '08/03/2024'\) "
        r"\(first customer: 0\).*date_format='%d/%m/%Y'",
    ):
        pm.rfm_summary(tx)


def test_date_format_reads_european_dates() -> None:
    tx = _dated("08/03/2024", "09/03/2024", "10/03/2024")
    rfm = pm.rfm_summary(tx, date_format="%d/%m/%Y", observation_end="31/03/2024")
    assert rfm["T"].tolist() == [23.0, 22.0, 21.0]  # March 8, 9, 10 -> March 31
    us = pm.rfm_summary(tx, date_format="%m/%d/%Y", observation_end="2024-10-31")
    assert us["T"].tolist() == [
        (pd.Timestamp("2024-10-31") - pd.Timestamp(d)).days
        for d in ("2024-08-03", "2024-09-03", "2024-10-03")
    ]


def test_unambiguous_day_first_strings_and_iso_work_and_mixed_orders_are_refused() -> None:
    rfm = pm.rfm_summary(_dated("25/03/2024", "13/01/2024"), observation_end="2024-03-31")
    assert rfm["T"].tolist() == [6.0, 78.0]
    iso = pm.rfm_summary(_dated("2024-03-08", "2024-08-03"), observation_end="2024-08-31")
    assert iso["T"].tolist() == [176.0, 28.0]
    with pytest.raises(DataValidationError, match=r"1 month-first date .*'03/26/2024'"):
        pm.rfm_summary(_dated("25/03/2024", "03/26/2024"))
    with pytest.raises(DataValidationError, match=r"ambiguous day/month date .*'25/03/24'"):
        pm.rfm_summary(_dated("25/03/24"))  # a 2-digit year could come first
    with pytest.raises(DataValidationError, match=r"date_format='%Y-%m-%d'"):
        pm.rfm_summary(_dated("08/03/2024"), date_format="%Y-%m-%d")


def test_ambiguous_date_arguments_are_refused() -> None:
    tx = _dated("2024-03-01", "2024-03-02")
    with pytest.raises(
        DataValidationError, match=r"argument 'observation_end': '08/03/2024', which reads as two"
    ):
        pm.rfm_summary(tx, observation_end="08/03/2024")
    with pytest.raises(DataValidationError, match=r"argument 'calibration_end': '02/03/2024'"):
        pm.calibration_holdout_split(tx, calibration_end="02/03/2024", observation_end="2024-04-01")
    european = _dated("01/03/2024", "02/03/2024")
    split = pm.calibration_holdout_split(
        european, calibration_end="02/03/2024", observation_end="2024-04-01", date_format="%d/%m/%Y"
    )
    assert split["T_cal"].tolist() == [1.0, 0.0]


def test_validate_transactions_signature_is_stable() -> None:
    import inspect

    from precimark._validation import validate_transactions

    params = inspect.signature(validate_transactions).parameters
    assert list(params) == ["transactions", "columns", "name", "date_format"]
    assert params["date_format"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["date_format"].default is None


# ---------------------------------------------------------------------- scalar and duration helpers


@pytest.mark.parametrize("bad", [True, "3", None, float("nan"), float("inf"), np.bool_(True)])
def test_check_number_refuses_non_numbers(bad: object) -> None:
    from precimark._validation import check_number

    with pytest.raises(DataValidationError, match=r"argument 'rate': .*; expected a number >= 0"):
        check_number(bad, "rate", low=0)


def test_check_number_ranges_and_integers() -> None:
    from precimark._validation import check_bool, check_number, check_probability

    assert check_number(np.int64(3), "n", low=1, integer=True) == 3.0
    with pytest.raises(DataValidationError, match=r"expected a whole number >= 1"):
        check_number(2.5, "n", low=1, integer=True)
    with pytest.raises(DataValidationError, match=r"expected a number > 0"):
        check_number(0, "x", low=0, inclusive="neither")
    with pytest.raises(DataValidationError, match=r"from 0.0 to 1.0"):
        check_probability(1.5, "p")
    assert check_bool(np.bool_(True), "flag") is True
    with pytest.raises(DataValidationError, match=r"argument 'flag': 1 \(a int\)"):
        check_bool(1, "flag")


def test_one_duration_parser() -> None:
    from precimark._validation import to_days, to_duration_units
    from precimark.clv.models import horizon_in_units

    assert to_duration_units("91D", "W", "horizon") == 13.0
    assert to_duration_units(pd.Timedelta(hours=36), "D", "horizon") == 1.5
    assert horizon_in_units("13W", "D") == 91.0
    assert to_days("13W", "horizon", minimum=1) == 91
    with pytest.raises(DataValidationError, match=r"'D', a unit without a number.*lifetimes"):
        to_duration_units("D", "W", "horizon")
    with pytest.raises(DataValidationError, match=r"'1M', which has no fixed length"):
        to_duration_units("1M", "W", "horizon")
    with pytest.raises(DataValidationError, match=r"a whole number of days"):
        to_days("36h", "gap")
    with pytest.raises(DataValidationError, match=r"at least 1 days"):
        to_days(0, "horizon", minimum=1)
