from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
import inspect
import re

import pytest
from packaging.requirements import Requirement

import precimark
from precimark import schema


def test_version_comes_from_installed_metadata() -> None:
    assert precimark.__version__ == importlib.metadata.version("precimark")


def test_package_is_typed() -> None:
    assert (importlib.resources.files("precimark") / "py.typed").is_file()


@pytest.mark.parametrize("name", precimark.__all__)
def test_every_exported_name_exists_and_is_documented(name: str) -> None:
    obj = getattr(precimark, name)
    if name != "__version__":
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_runtime_dependencies_are_exactly_the_documented_set() -> None:
    requires = importlib.metadata.requires("precimark") or []
    parsed = [Requirement(r) for r in requires]
    # A dependency may appear once per Python with its own floor (environment markers).
    runtime = sorted({r.name.lower() for r in parsed if "extra" not in str(r.marker)})
    assert runtime == ["lifetimes", "numpy", "pandas", "scikit-learn", "scipy", "typing-extensions"]
    for requirement in parsed:
        if "extra" not in str(requirement.marker):
            assert any(s.operator == ">=" for s in requirement.specifier), requirement


def test_exceptions_hierarchy() -> None:
    from precimark import exceptions as ex

    assert issubclass(ex.DataValidationError, ex.PrecimarkError)
    assert issubclass(ex.DataValidationError, ValueError)
    assert issubclass(ex.ConvergenceError, RuntimeError)
    assert issubclass(ex.DataQualityWarning, ex.PrecimarkWarning)
    assert issubclass(ex.PrecimarkWarning, UserWarning)
    from sklearn.exceptions import NotFittedError

    assert ex.NotFittedError is NotFittedError


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("precimark.clv.value", ["CLV", "CLV_LOWER", "CLV_UPPER"]),
        ("precimark.clv.stats", ["COUNT"]),
        ("precimark.distributed", ["PROBABILITY_ALIVE", "EXPECTED_PURCHASES", "EXPECTED_SPEND"]),
        ("precimark.propensity.models", ["PROPENSITY"]),
        (
            "precimark.profiling.scores",
            ["R_SCORE", "F_SCORE", "M_SCORE", "RFM_SCORE", "RFM_SCORE_COLUMNS"],
        ),
        ("precimark.profiling.segments", ["SEGMENT"]),
        ("precimark.propensity.snapshots", ["LABEL", "CUTOFF"]),
    ],
)
def test_output_column_names_live_in_schema_and_keep_their_old_import_paths(
    module: str, names: list[str]
) -> None:
    """Issue 14, item 8: one definition in schema.py, re-exported where it used to live."""
    old = importlib.import_module(module)
    source = inspect.getsource(old)
    for name in names:
        assert name in schema.__all__
        assert name in old.__all__
        assert getattr(old, name) == getattr(schema, name)
        assert not re.search(rf"^{name}\b.*=", source, flags=re.MULTILINE), (
            f"{module} defines {name}"
        )


def test_license_and_project_urls_are_declared() -> None:
    """Issue 21: a LICENSE file matching the declared license, and the project's URLs."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    text = (root / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "precimark developers" in text
    assert sorted(project["urls"]) == ["Documentation", "Homepage", "Issues", "Source"]
    assert all(url.startswith("https://") for url in project["urls"].values())
