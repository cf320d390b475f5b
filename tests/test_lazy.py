"""Names imported on first use: every lazy name resolves, agrees with its typed import, and a
CLV job does not load the rest of the library."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import precimark
from precimark._lazy import attach

PACKAGES = ["precimark", "precimark.profiling"]


def _typed_sources(package: str) -> dict[str, str]:
    """Each name imported under TYPE_CHECKING in the package's __init__, and its module."""
    module = importlib.import_module(package)
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    sources: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                for alias in statement.names:
                    base = statement.module
                    sources[alias.name] = f"{base}.{alias.name}" if base == package else str(base)
    return sources


@pytest.mark.parametrize("package", PACKAGES)
def test_lazy_names_are_the_typed_imports_and_all_are_exported(package: str) -> None:
    module = importlib.import_module(package)
    typed = _typed_sources(package)
    assert typed == module._SOURCES  # the run-time table and the type checkers' view agree
    submodules = {name for name, source in typed.items() if source == f"{package}.{name}"}
    assert set(typed) - submodules <= set(module.__all__)
    for name in module.__all__:
        assert name in dir(module)
        value = getattr(module, name)
        if name in typed and typed[name] != f"{package}.{name}":
            assert value is getattr(importlib.import_module(typed[name]), name)


def test_an_unknown_name_raises_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'precimark' has no attribute 'BetaGeoFitter'"):
        precimark.BetaGeoFitter  # noqa: B018
    lazy_getattr, lazy_dir = attach("precimark", {"Columns": "precimark.schema"})
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        lazy_getattr("missing")
    assert "Columns" in lazy_dir()


def test_a_clv_job_loads_neither_propensity_nor_clustering_code() -> None:
    script = (
        "import sys, pandas as pd, precimark as pm\n"
        "tx = pd.DataFrame({'customer_id': [1, 1, 2, 3, 3, 3], 'date': pd.to_datetime("
        "['2024-01-01', '2024-02-01', '2024-01-05', '2024-01-02', '2024-01-20', '2024-03-01']),"
        " 'amount': [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})\n"
        "rfm = pm.rfm_summary(tx, observation_end='2024-03-31')\n"
        "pm.BetaGeoModel().fit\n"
        "loaded = [m for m in ('precimark.propensity', 'precimark.pricing', "
        "'precimark.profiling.clusters', 'sklearn.ensemble', 'sklearn.cluster') "
        "if m in sys.modules]\n"
        "print(loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_dotted_paths_that_worked_after_a_bare_import_still_do() -> None:
    script = (
        "import precimark\n"
        "print(precimark.persistence.save.__name__, precimark.profiling.rfm.rfm_summary.__name__,"
        " precimark.profiling.clusters.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["save", "rfm_summary", "precimark.profiling.clusters"]
