"""docs/channels.md: its Python blocks run as written and print what the text says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "channels.md"


def test_page_code_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(
        r"```python(?: [^\n]*)?\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S
    )
    assert len(blocks) == 4
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)
    out = capsys.readouterr().out
    assert "removal_effect" in out
    lines = {line.split(":")[0]: line for line in out.splitlines() if "ranking" in line}
    assert (
        lines["true ranking"].split(":")[1].strip() == lines["markov ranking"].split(":")[1].strip()
    )
    assert "poisson rate ratio (exact conditional, weekday-adjusted)" in out
