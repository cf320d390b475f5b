"""verbose= on the partition functions: one line per partition on stderr, the time logged."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from precimark.distributed import rfm_partition_fn
from precimark.exceptions import DataValidationError

TX = pd.DataFrame(
    {
        "customer_id": [1, 1, 2],
        "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-05"]),
        "amount": [10.0, 20.0, 7.0],
    }
)


def test_verbose_partition_writes_one_line_per_partition(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    quiet = rfm_partition_fn(observation_end="2024-01-15")
    loud = rfm_partition_fn(observation_end="2024-01-15", verbose=True)
    with caplog.at_level(logging.INFO, logger="precimark"):
        pd.testing.assert_frame_equal(quiet(TX), loud(TX))
        assert capsys.readouterr().err.count("\n") == 1  # only the verbose one wrote
        list(loud(iter([TX, TX.iloc[:1]])))
    err = capsys.readouterr().err.splitlines()
    assert err == [line for line in err if line.startswith("rfm_partition_fn partition: 1/1")]
    assert [line.split(" (")[0] for line in err] == [
        "rfm_partition_fn partition: 1/1 3 rows in, 2 out",
        "rfm_partition_fn partition: 1/1 1 rows in, 1 out",
    ]
    assert sum("rfm_partition_fn partition: done in" in r.getMessage() for r in caplog.records) == 4


def test_verbose_must_be_a_bool() -> None:
    with pytest.raises(DataValidationError, match="verbose"):
        rfm_partition_fn(observation_end="2024-01-15", verbose="yes")  # type: ignore[arg-type]
