from __future__ import annotations

import subprocess
import sys

import pytest

from precimark.cli import main


def test_demo_prints_the_cdnow_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "2,357 customers" in out
    assert "frequency" in out


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "precimark", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "demo" in done.stdout
