"""Every user-guide page's Python code runs as written and prints what the text says.

Not run here: scale-out (needs Spark or Dask: its example runs in those sessions), and the
privacy and propensity pages, whose blocks are fragments of their runnable examples
(examples/privacy.py and examples/propensity.py, run by `nox -s examples`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# page -> (number of python blocks, strings the output must contain)
PAGES: dict[str, tuple[int, tuple[str, ...]]] = {
    "README.md": (1, ("What would change it", "### Campaign report")),
    "docs/index.md": (1, ()),
    "docs/clv.md": (
        1 + 1 + 2 + 1,  # the tour; covariates; sBG and tracking; churn-window probabilities
        (
            "'r': 0.24",
            "frequency_cal",
            "ParetoNBDModel",
            "alpha     x1",
            "high end: {'alpha': 0.668, 'beta': 3.806}",
            "{8: 220.1, 9: 204.4, 10: 191.2, 11: 179.9, 12: 170.0}",
            "2457               2494.0",
            "4339               4160.6",
            "probability_alive_182d",
            "sums to 1: True",
        ),
    ),
    "docs/profiling.md": (1, ()),
    "docs/plot.md": (1, ("time since the first purchase (weeks)",)),
    "docs/pricing.md": (
        3,
        ("15% off; loyalty tier VIP", "no consent", "What would change it", "elasticity"),
    ),
    "docs/kpi.md": (
        11 + 3,  # + 3: the quasi-experiments section
        (
            "Estimate(0.15, 95% CI [0.114032, 0.194818], method='wilson', n=300)",
            "method='cuped-welch'",
            "### Campaign report: spring mailing",
            "method='descriptive'",
            "method='diff-in-diff (welch)'",
            "method='wald'",
            "CUPED removed",
            "method='synthetic control (placebo-in-space)', n=40, p=0.025)",
            "method='interrupted time series (ols, iid)'",
            "interaction-weighted (Sun & Abraham 2021)",
            "12562",
            "method='delta-welch'",
            "p_value_adjusted",
            "first look that excludes 0:",
        ),
    ),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_code_runs(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    count, expected = PAGES[page]
    path = ROOT / page
    blocks = re.findall(
        r"```python(?: [^\n]*)?\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S
    )
    assert len(blocks) == count
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, text
