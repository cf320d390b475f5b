from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources

import pytest

import precimark


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
    runtime = sorted(
        r.split(">")[0].split("<")[0].split("=")[0].strip().lower()
        for r in requires
        if "extra ==" not in r
    )
    assert runtime == ["lifetimes", "numpy", "pandas", "scikit-learn", "scipy", "typing-extensions"]


def test_exceptions_hierarchy() -> None:
    from precimark import exceptions as ex

    assert issubclass(ex.DataValidationError, ex.PrecimarkError)
    assert issubclass(ex.DataValidationError, ValueError)
    assert issubclass(ex.ConvergenceError, RuntimeError)
    assert issubclass(ex.DataQualityWarning, ex.PrecimarkWarning)
    assert issubclass(ex.PrecimarkWarning, UserWarning)
    from sklearn.exceptions import NotFittedError

    assert ex.NotFittedError is NotFittedError
