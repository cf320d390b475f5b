from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources

import pytest
from packaging.requirements import Requirement

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
