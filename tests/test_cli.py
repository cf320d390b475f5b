"""The command line: the demo's report and outputs, the file subcommands, one-line errors."""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import precimark
from precimark import kpi
from precimark.cli import _parser, main
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


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")
def test_demo_writes_the_html_report(demo_run: tuple[str, Path]) -> None:
    _, out = demo_run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "2,357 customers" in page
    assert "Campaign report: simulated holdout offer" in page
    assert page.count('src="data:image/png;base64,') == 10


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


# --- issue 21: --version, help for every flag, --delimiter, output by extension, kpi, channel ---


def _actions(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [(f"{parser.prog} {a.dest}", a) for a in action._choices_actions]
            for sub in action.choices.values():
                found += _actions(sub)
        else:
            found.append((parser.prog, action))
    return found


def test_every_flag_and_command_has_help() -> None:
    actions = _actions(_parser())
    assert len(actions) > 60
    missing = [f"{prog}: {action.option_strings or action.dest}" for prog, action in actions]
    missing = [name for name, (_, action) in zip(missing, actions, strict=True) if not action.help]
    assert missing == []


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"precimark {precimark.__version__}"


def test_a_usage_error_is_one_line_with_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["kpi", "outcomes.csv", "--no-such-flag"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--no-such-flag" in err


@pytest.fixture(scope="module")
def campaign_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(3)
    treated = rng.permutation(np.arange(1_000) < 500)
    revenue = rng.gamma(2.0, 25.0, 1_000) * (rng.random(1_000) < 0.2 + 0.05 * treated)
    outcomes = pd.DataFrame(
        {"treated": treated.astype(int), "revenue": revenue},
        index=pd.Index(np.arange(1_000) + 100, name="customer_id"),
    )
    path = tmp_path_factory.mktemp("kpi") / "outcomes.csv"
    outcomes.to_csv(path, sep=";")
    return path, outcomes


def test_kpi_writes_the_campaign_report_table_and_document(
    campaign_csv: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    path, outcomes = campaign_csv
    expected = kpi.evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", cost=400.0, margin=0.3
    )
    args = ["kpi", str(path), "--delimiter", ";", "--cost", "400", "--margin", "0.3"]
    assert main([*args, "--output", str(tmp_path / "kpi.csv")]) == 0
    table = pd.read_csv(tmp_path / "kpi.csv", sep=";", index_col="kpi")  # written as read
    pd.testing.assert_frame_equal(
        table[["value", "ci_low", "ci_high", "p_value_adjusted"]],
        expected.to_frame()[["value", "ci_low", "ci_high", "p_value_adjusted"]],
        rtol=1e-12,
    )
    assert "roi" in table.index
    assert main([*args, "--output", str(tmp_path / "kpi.json")]) == 0
    document = json.loads((tmp_path / "kpi.json").read_text())
    assert document == json.loads(json.dumps(expected.to_dict()))


def test_kpi_names_the_flag_of_a_missing_column(
    campaign_csv: tuple[Path, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = campaign_csv
    assert main(["kpi", str(path), "--delimiter", ";", "--revenue-col", "sales"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no column 'sales'" in err and "--revenue-col" in err


def test_delimiter_reads_semicolon_files(transactions_csv: Path, tmp_path: Path) -> None:
    semicolon = tmp_path / "tx.csv"
    pd.read_csv(transactions_csv).to_csv(semicolon, sep=";", index=False)
    out = tmp_path / "profile.csv"
    assert (
        main(["profile", str(semicolon), *COLUMNS, "--delimiter", ";", "--output", str(out)]) == 0
    )
    profile = pd.read_csv(out, sep=";", index_col="user")
    assert len(profile) == 2357 and "segment" in profile.columns


def test_output_format_follows_the_extension(transactions_csv: Path, tmp_path: Path) -> None:
    written = {}
    for suffix in ("csv", "json"):
        out = tmp_path / f"profile.{suffix}"
        assert main(["profile", str(transactions_csv), *COLUMNS, "--output", str(out)]) == 0
        written[suffix] = out
    csv = pd.read_csv(written["csv"], index_col="user")
    records = json.loads(written["json"].read_text())
    assert len(records) == 2357 and next(iter(records[0])) == "user"
    from_json = pd.DataFrame(records).set_index("user")
    np.testing.assert_allclose(from_json["total_spend"], csv["total_spend"])
    assert from_json["last_purchase"].iloc[0].startswith(csv["last_purchase"].iloc[0][:10])
    # pyarrow may be installed but unusable (it needs numpy 2): then the parquet case is the
    # refusal tested below.
    pytest.importorskip("pyarrow", exc_type=ImportError)
    out = tmp_path / "profile.parquet"
    assert main(["profile", str(transactions_csv), *COLUMNS, "--output", str(out)]) == 0
    pd.testing.assert_series_equal(
        pd.read_parquet(out)["total_spend"], csv["total_spend"], check_exact=False
    )


@pytest.mark.parametrize(
    ("output", "message"),
    [("out.xlsx", "unknown output format '.xlsx'"), ("out", "(no extension)")],
)
def test_an_unknown_output_format_is_refused_before_any_work(
    transactions_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    output: str,
    message: str,
) -> None:
    assert main(["profile", str(transactions_csv), "--output", str(tmp_path / output)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not (tmp_path / output).exists()


def test_parquet_output_without_pyarrow_is_refused(
    transactions_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now raises ImportError
    assert main(["profile", str(transactions_csv), "--output", str(tmp_path / "p.parquet")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "writing Parquet needs pyarrow (pip install pyarrow)" in err
    assert not (tmp_path / "p.parquet").exists()


@pytest.fixture(scope="module")
def channel_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("channel")
    tx = load_cdnow(sample=True)
    tx["pay"] = np.where(tx["customer_id"] % 2 == 0, "wallet", "card")
    tx.to_csv(folder / "tx.csv", index=False)
    roster = pd.DataFrame(
        {"customer_id": tx["customer_id"].unique(), "consent_personalised_pricing": True}
    )
    roster.to_csv(folder / "customers.csv", index=False)
    return folder / "tx.csv", folder / "customers.csv"


def test_price_reads_the_preferred_channel_of_the_named_column(
    channel_files: tuple[Path, Path], tmp_path: Path
) -> None:
    tx, roster = channel_files
    out = tmp_path / "decisions.csv"
    args = ["price", str(tx), "--list-price", "15", "--customers", str(roster)]
    assert main([*args, "--channel-col", "pay", "--output", str(out)]) == 0
    decisions = pd.read_csv(out, index_col="customer_id")
    fired = decisions["rules_fired"].str.contains("channel_discount")
    assert (fired == (decisions.index % 2 == 0)).all()
    plain = decisions.loc[fired & ~decisions["rules_fired"].str.contains("loyalty")]
    assert len(plain) > 100 and (plain["final_price"] == 14.55).all()  # 3% wallet reduction


def test_price_refuses_a_missing_channel_column(
    channel_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tx, _ = channel_files
    assert main(["price", str(tx), "--list-price", "15", "--channel-col", "paid_with"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no channel column 'paid_with'" in err


def test_verbose_shows_progress_and_the_library_log_on_stderr(
    transactions_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "profile.csv"
    args = ["profile", str(transactions_csv), *COLUMNS, "--output", str(out)]
    assert main(args) == 0
    quiet = capsys.readouterr().err
    assert "CustomerProfiler" not in quiet
    assert main([*args, "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "CustomerProfiler.fit_transform: 4/4 archive of 2,357 customers" in err
    assert "precimark: CustomerProfiler.fit_transform: done in " in err
    assert not logging.getLogger("precimark").handlers[1:]  # the handler is removed again
