from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from precimark import channels
from precimark.cli import main
from precimark.datasets import make_journeys


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path, pd.DataFrame, pd.DataFrame]:
    sim = make_journeys(800, random_state=4)
    touches, orders = tmp_path / "touches.csv", tmp_path / "orders.csv"
    roster = tmp_path / "customers.csv"
    sim.touchpoints.to_csv(touches, index=False)
    sim.transactions.to_csv(orders, index=False)
    sim.customers.to_csv(roster)
    return touches, orders, roster, sim.touchpoints, sim.transactions


def test_attribute_writes_the_library_result(
    files: tuple[Path, Path, Path, pd.DataFrame, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    touches, orders, _, tp, tx = files
    out = tmp_path / "credit.csv"
    code = main(
        [
            "attribute",
            str(touches),
            "--conversions",
            str(orders),
            "--model",
            "linear",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "consent not checked (no --customers roster)" in err
    assert "left unattributed" in err
    written = pd.read_csv(out, index_col="channel")
    paths = channels.journeys(tp, tx)
    expected = channels.attribute(paths[paths["path"].str.len() > 0], "linear")
    assert written["conversions"].to_numpy() == pytest.approx(expected["conversions"].to_numpy())


def test_attribute_applies_marketing_consent(
    files: tuple[Path, Path, Path, pd.DataFrame, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    touches, orders, roster, _, _ = files
    assert (
        main(["attribute", str(touches), "--conversions", str(orders), "--customers", str(roster)])
        == 0
    )
    captured = capsys.readouterr()
    assert "consent checked in column 'consent_marketing'" in captured.err
    assert captured.out.startswith("channel,conversions,revenue,removal_effect")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.assign(cost=-1.0), "column 'cost': "),
        (lambda t: t.drop(columns="channel"), "missing column 'channel'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    files: tuple[Path, Path, Path, pd.DataFrame, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: object,
    message: str,
) -> None:
    _, orders, _, tp, _ = files
    bad = tmp_path / "bad.csv"
    change(tp).to_csv(bad, index=False)  # type: ignore[operator]
    assert main(["attribute", str(bad), "--conversions", str(orders)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("precimark attribute: error: ") and message in err[0]


def test_bad_lookback_exits_2(
    files: tuple[Path, Path, Path, pd.DataFrame, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    touches, orders, _, _, _ = files
    assert main(["attribute", str(touches), "--conversions", str(orders), "--lookback", "1M"]) == 2
    assert "argument 'lookback'" in capsys.readouterr().err
