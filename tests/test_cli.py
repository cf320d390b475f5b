"""The command line: the demo's report and outputs, the file subcommands, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from precimark.cli import main
from precimark.datasets import load_cdnow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "precimark", "demo", "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout, out


def test_demo_report_matches_the_documented_cdnow_results(demo_run: tuple[str, Path]) -> None:
    report, _ = demo_run
    for step in range(1, 6):
        assert f"[{step}/5]" in report
    assert "alpha      4.414" in report  # BG/NBD as published
    assert "log-likelihood -9582.4" in report
    assert "p 6.25, q 3.74, v 15.44" in report
    assert "champions" in report
    assert "AUC 0." in report
    assert "Why:" in report and "What would change it:" in report
    assert "conversion_difference" in report


def test_demo_writes_per_customer_results_and_a_chart(demo_run: tuple[str, Path]) -> None:
    _, out = demo_run
    for name in ("profile", "clv", "scores", "decisions"):
        frame = pd.read_csv(out / f"{name}.csv", index_col=0)
        assert len(frame) == 2357, name
    assert (out / "overview.png").stat().st_size > 10_000


@pytest.fixture(scope="module")
def transactions_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "tx.csv"
    tx = load_cdnow(sample=True).rename(
        columns={"customer_id": "user", "date": "ts", "amount": "paid"}
    )
    tx.to_csv(path, index=False)
    return path


COLUMNS = ["--customer-col", "user", "--date-col", "ts", "--amount-col", "paid"]


@pytest.mark.parametrize(
    ("command", "extra", "expected_column"),
    [
        ("profile", [], "segment"),
        ("clv", ["--periods", "6"], "customer_lifetime_value"),
        ("price", ["--list-price", "15"], "final_price"),
        ("score", ["--training-cutoffs", "2"], "propensity_90d"),
    ],
)
def test_file_subcommands_write_one_row_per_customer(
    transactions_csv: Path, tmp_path: Path, command: str, extra: list[str], expected_column: str
) -> None:
    out = tmp_path / f"{command}.csv"
    assert main([command, str(transactions_csv), *COLUMNS, *extra, "--output", str(out)]) == 0
    frame = pd.read_csv(out, index_col="user")
    assert len(frame) == 2357
    assert expected_column in frame.columns


def test_price_without_consent_data_gives_everyone_the_list_price(
    transactions_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "price.csv"
    assert (
        main(["price", str(transactions_csv), *COLUMNS, "--list-price", "15", "--output", str(out)])
        == 0
    )
    decisions = pd.read_csv(out)
    assert (decisions["final_price"] == 15).all()
    assert (decisions["reason_codes"] == "no consent").all()


def test_errors_are_one_line_with_exit_status_2(
    transactions_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clv", "/nonexistent/tx.csv"]) == 2
    assert (
        capsys.readouterr().err.strip() == "precimark clv: error: /nonexistent/tx.csv: no such file"
    )
    assert main(["clv", str(transactions_csv)]) == 2  # default column names are absent
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing columns 'customer_id', 'date', 'amount'" in err
    assert "Traceback" not in err


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "precimark", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert all(name in done.stdout for name in ("demo", "profile", "clv", "score", "price"))


@pytest.fixture(scope="module")
def european_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CDNOW with day-first date strings ("08/03/1997" is 8 March)."""
    path = tmp_path_factory.mktemp("european") / "tx.csv"
    tx = load_cdnow(sample=True)
    tx.assign(date=tx["date"].dt.strftime("%d/%m/%Y")).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("profile", []),
        ("clv", ["--periods", "2"]),
        ("price", ["--list-price", "15"]),
        ("score", ["--training-cutoffs", "1"]),
    ],
)
def test_date_format_reads_day_first_dates(
    european_csv: Path, tmp_path: Path, command: str, extra: list[str]
) -> None:
    out = tmp_path / f"{command}.csv"
    args = [command, str(european_csv), *extra, "--date-format", "%d/%m/%Y", "--output", str(out)]
    assert main(args) == 0
    assert len(pd.read_csv(out, index_col="customer_id")) == 2357


def test_date_format_gives_the_dates_written(european_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "profile.csv"
    args = ["profile", str(european_csv), "--date-format", "%d/%m/%Y", "--output", str(out)]
    assert main(args) == 0
    profile = pd.read_csv(out, index_col="customer_id", parse_dates=["last_purchase"])
    expected = load_cdnow(sample=True).groupby("customer_id")["date"].max()
    pd.testing.assert_series_equal(
        profile["last_purchase"], expected.reindex(profile.index), check_names=False
    )


def test_a_wrong_date_format_is_a_one_line_error(
    european_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clv", str(european_csv), "--date-format", "%Y-%m-%d"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "column 'date'" in err and "unparseable date" in err
