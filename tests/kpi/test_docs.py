"""The KPI user-guide page's code runs as written and prints what the text says."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "kpi.md"


def test_user_guide_code_blocks_run(capsys) -> None:  # type: ignore[no-untyped-def]
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 7
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "Estimate(0.15, 95% CI [0.114032, 0.194818], method='wilson', n=300)" in out
    assert "method='cuped-welch'" in out
    assert "### Campaign report: spring mailing" in out
    assert "method='descriptive'" in out and "method='diff-in-diff (welch)'" in out
    assert "method='wald'" in out
    assert "CUPED removed" in out
