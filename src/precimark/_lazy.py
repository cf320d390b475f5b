"""Names of a package imported on first use (PEP 562), so an import loads only what is used.

``import precimark`` followed by an RFM summary and a BG/NBD fit then never loads the
propensity, pricing or clustering code, nor the parts of scikit-learn they need (about 20 MB
and 200 modules fewer in a CLV job). A package lists its names in ``__all__`` and imports
them under ``typing.TYPE_CHECKING`` for type checkers and editors; at run time this module
supplies the package's ``__getattr__`` and ``__dir__``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(
    package: str, sources: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` for names imported on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    sources : mapping of str to str
        Each lazy name and the module it comes from; a name whose module is
        ``f"{package}.{name}"`` is that submodule itself.

    Returns
    -------
    tuple of callables
        ``(__getattr__, __dir__)``: the first imports a name once (then it is an ordinary
        attribute of the package); an unknown name raises ``AttributeError`` as usual.

    Examples
    --------
    >>> from precimark._lazy import attach
    >>> getattr_, dir_ = attach("precimark", {"Columns": "precimark.schema"})
    >>> getattr_("Columns").__name__
    'Columns'
    """

    def lazy_getattr(name: str) -> Any:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(source)
        value = module if source == f"{package}.{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def lazy_dir() -> list[str]:
        return sorted({*vars(sys.modules[package]), *sources})

    return lazy_getattr, lazy_dir
