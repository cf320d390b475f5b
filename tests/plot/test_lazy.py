"""matplotlib is imported only to draw, and its absence is a clear ImportError."""

from __future__ import annotations

import subprocess
import sys

import pytest

from precimark.plot import plot_lift


def test_importing_precimark_and_its_charts_does_not_import_matplotlib() -> None:
    code = (
        "import sys, precimark, precimark.kpi, precimark.plot; "
        "from precimark.kpi import plot_lift; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_without_matplotlib_a_chart_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from precimark.kpi import relative_difference

    lift = relative_difference([3, 4, 5, 6], [2, 4, 3, 5])
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'precimark\[plot\]'"):
        plot_lift({"revenue": lift})


def test_charts_leave_rcparams_alone() -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    from precimark.kpi import relative_difference

    plot_lift({"revenue": relative_difference([3, 4, 5, 6], [2, 4, 3, 5])})
    assert dict(matplotlib.rcParams) == before


def test_every_chart_takes_ax_and_returns_axes() -> None:
    import inspect

    import precimark.plot

    for name in precimark.plot.__all__:
        signature = inspect.signature(getattr(precimark.plot, name))
        ax = signature.parameters["ax"]
        assert ax.kind is inspect.Parameter.KEYWORD_ONLY and ax.default is None, name
        assert signature.return_annotation == "Axes", name
