"""Hostile input (issue 22): each class of failure a user hit, pinned by a test.

Signed pickles are in ``test_persistence.py``; Spark identifier quoting in
``distributed/test_partitions.py`` and ``distributed/test_spark.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark._validation import to_day
from precimark.cli import main
from precimark.privacy import Pseudonymizer
from precimark.privacy._gate import resolve_consent

KEY = b"k" * 32


@pytest.mark.parametrize("value", [1748736000, 1748736000.0, np.int64(1748736000)])
def test_a_number_is_not_read_as_a_timestamp(value: object) -> None:
    with pytest.raises(pm.DataValidationError, match=r"argument 'at': the number .*unit='s'"):
        to_day(value, "at")  # type: ignore[arg-type]
    assert to_day(pd.Timestamp(1748736000, unit="s"), "at") == np.datetime64("2025-06-01")


def test_a_number_as_observation_end_is_refused() -> None:
    tx = pd.DataFrame(
        {"customer_id": [1, 1], "date": ["2024-01-01", "2024-02-01"], "amount": [5.0, 6.0]}
    )
    with pytest.raises(pm.DataValidationError, match="argument 'observation_end': the number"):
        pm.rfm_summary(tx, observation_end=20240301)  # type: ignore[arg-type]


def test_an_email_column_mapped_as_the_date_is_not_quoted() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "email": ["ann@example.com", "bob@example.com"],
            "amount": [5.0, 6.0],
        }
    )
    with pytest.raises(pm.DataValidationError, match="2 unparseable dates") as err:
        pm.rfm_summary(tx, columns=pm.Columns(date="email"))
    message = str(err.value)
    assert "example.com" not in message and "ann" not in message
    assert "not shown: 15 characters" in message and "first customer: 1" in message


def test_a_date_like_cell_is_still_quoted_to_help() -> None:
    tx = pd.DataFrame({"customer_id": [1], "date": ["2024-13-45"], "amount": [5.0]})
    with pytest.raises(pm.DataValidationError, match="first value: '2024-13-45'"):
        pm.rfm_summary(tx)


def test_a_float_id_in_an_object_column_is_refused_by_the_pseudonymizer() -> None:
    frame = pd.DataFrame({"customer_id": pd.Series([42, 42.0, "a"], dtype=object)})
    with pytest.raises(pm.DataValidationError, match="ids of type float among") as err:
        Pseudonymizer(KEY).pseudonymize(frame, "customer_id")
    assert "42" not in str(err.value)
    text_and_ints = pd.DataFrame({"customer_id": pd.Series([42, "a"], dtype=object)})
    out = Pseudonymizer(KEY).pseudonymize(text_and_ints, "customer_id")
    ints = Pseudonymizer(KEY).pseudonymize(pd.DataFrame({"customer_id": [42]}), "customer_id")
    assert out["customer_id"].iloc[0] == ints["customer_id"].iloc[0]  # joins the int table


def _roster(index: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"consent_marketing": [True] * len(index)}, index=pd.Index(index))


@pytest.mark.parametrize(
    ("roster_ids", "data_ids", "message"),
    [
        (["1", "2"], [1, 2], "numbers in the data but text in the roster"),
        ([1, 2], ["1", "2"], "text in the data but numbers in the roster"),
    ],
)
def test_ids_of_another_type_in_the_roster_are_refused_not_all_excluded(
    roster_ids: list[object], data_ids: list[object], message: str
) -> None:
    gate = resolve_consent(_roster(roster_ids), "marketing", None, used_by="test")
    with pytest.raises(pm.DataValidationError, match=message):
        gate.mask(pd.Index(data_ids))


def test_ids_of_the_same_kind_and_other_widths_match() -> None:
    gate = resolve_consent(
        _roster([1, 2]).set_axis(pd.Index([1, 2], dtype="int32")), "marketing", None, used_by="t"
    )
    assert gate.mask(pd.Index([2, 3], dtype="int64")).tolist() == [True, False]


def test_select_targets_with_text_roster_ids_and_int_scores_refuses() -> None:
    uplift = pd.Series([0.3, 0.1], index=pd.Index([1, 2], name="customer_id"))
    with pytest.raises(pm.DataValidationError, match="one id type in both"):
        pm.propensity.select_targets(
            uplift,
            cost_per_contact=0.01,
            value_per_conversion=10.0,
            customers=_roster(["1", "2"]),
            budget=1,
        )


def _csv(tmp_path: Path) -> str:
    path = tmp_path / "tx.csv"
    pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "when": ["2024-01-01", "2024-02-01", "2024-01-05"],
            "amount": [5, 7, 3],
        }
    ).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("command", ["score", "clv", "profile", "price"])
def test_cli_a_missing_column_exits_2_with_one_line_naming_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    extra = ["--list-price", "10"] if command == "price" else []
    assert main([command, _csv(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing column 'date'" in err[0] and "--date-col" in err[0]


def test_cli_a_number_as_observation_end_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["score", _csv(tmp_path), "--date-col", "when", "--observation-end", "1748736000"]
    assert main(args) == 2
    assert "argument 'observation_end': '1748736000'; expected a date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("seed", "found"),
    [("abc", "'abc' (a str)"), (1.5, "1.5 (a float)"), (True, "a value (a bool)"), (-1, "-1")],
)
def test_a_seed_that_is_not_a_seed_is_refused(seed: object, found: str) -> None:
    from precimark._validation import to_rng

    with pytest.raises(
        pm.DataValidationError, match=re.escape(f"argument 'random_state': {found}")
    ):
        to_rng(seed)
    generator = np.random.default_rng(3)
    assert to_rng(generator) is generator


def test_a_log_mixing_int_and_text_ids_is_refused_naming_the_first() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series([1, np.int64(2), "3"], dtype=object),
            "date": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "amount": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(pm.DataValidationError, match=r"1 id of another type .*first customer: 3"):
        pm.rfm_summary(tx)


@pytest.mark.parametrize(
    "call",
    [
        lambda seed: pm.datasets.make_transactions(10, random_state=seed),
        lambda seed: pm.datasets.make_uplift_data(10, random_state=seed),
        lambda seed: pm.kpi.bootstrap(
            lambda a: np.mean(a, axis=-1), np.arange(10.0), random_state=seed
        ),
    ],
    ids=["make_transactions", "make_uplift_data", "kpi.bootstrap"],
)
def test_public_functions_refuse_a_string_seed_naming_it(call: Callable[[object], object]) -> None:
    with pytest.raises(pm.DataValidationError, match=r"argument 'random_state': 'abc' \(a str\)"):
        call("abc")


def test_bootstrap_refuses_a_statistic_that_does_not_reduce_per_row() -> None:
    with pytest.raises(pm.DataValidationError, match=r"returned shape \(\) .*axis=-1"):
        pm.kpi.bootstrap(np.mean, np.arange(10.0), random_state=0)
