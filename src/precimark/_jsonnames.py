"""Which classes and functions a JSON document may name, and how a name is resolved.

A document names the classes of the objects in an estimator's state and the functions they
hold (a ``FunctionTransformer``'s ``func``). :func:`resolve` turns a name back into the object
and refuses anything outside this allowlist, before importing anything:

- classes defined in precimark or scikit-learn (not in their tests, command-line entry points
  or vendored ``externals``), without a ``__del__``;
- numpy's scalar types and ufuncs, and the builtin scalar types;
- functions from ``sklearn.metrics`` (scorers hold them) and the few precimark functions
  listed in :data:`_FUNCTIONS`.

A name must resolve to an object that carries exactly that ``__module__`` and ``__qualname__``:
no re-exports (``numpy.os.system``) and no attribute walks (``numpy.load.__globals__``).
Functions of numpy, scipy and pandas other than ufuncs are refused, because an estimator calls
what it holds with arguments the document also controls.
"""

from __future__ import annotations

import importlib
import types
from typing import Any

import numpy as np

from precimark._validation import fail

__all__ = ["reference", "resolve", "unwritable"]

_PACKAGES = ("precimark", "sklearn")
_EXCLUDED_PARTS = frozenset(
    {"tests", "conftest", "_testing", "estimator_checks", "externals", "cli", "_demo"}
)
_FUNCTIONS = frozenset({"precimark.profiling.clusters._signed_log1p"})
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType)


def _static() -> dict[tuple[str, str], Any]:
    """Map (module, qualname) to the allowed objects outside precimark and scikit-learn."""
    objects: list[Any] = [bool, int, float, complex, str, bytes, object]
    objects += [t for t in set(np.sctypeDict.values()) if issubclass(t, np.generic)]
    objects += [v for v in vars(np).values() if isinstance(v, np.ufunc)]
    return {(o.__module__, o.__qualname__): o for o in objects}


_STATIC = _static()


def _allowed_module(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[0] in _PACKAGES
        and all(p.isidentifier() and not p.startswith("__") for p in parts)
        and not _EXCLUDED_PARTS.intersection(parts)
    )


def _allowed(value: Any) -> bool:
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        return False
    if _STATIC.get((module, qualname)) is value:
        return True
    if not _allowed_module(module):
        return False
    if isinstance(value, type):
        return getattr(value, "__del__", None) is None
    if isinstance(value, _FUNCTION_TYPES) or type(value).__name__ == "cython_function_or_method":
        return module.startswith("sklearn.metrics.") or f"{module}.{qualname}" in _FUNCTIONS
    return False


def reference(value: Any, path: str) -> dict[str, str]:
    """Return the name of an allowed class or function, for a document.

    Raises
    ------
    DataValidationError
        Naming ``path``, if ``value`` is not allowed or not importable under its own name.
    """
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not _allowed(value):
        raise unwritable(path, f"{module}.{qualname}")
    name = {"module": str(module), "qualname": str(qualname)}
    if resolve(name["module"], name["qualname"]) is not value:
        raise unwritable(path, f"{module}.{qualname} (not importable under that name)")
    return name


def resolve(module: object, qualname: object) -> Any:
    """Return the allowed class or function a document names.

    Raises
    ------
    DataValidationError
        If the name is outside the allowlist, or this installation does not have it.
    """
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise _refused(f"a name of types {type(module).__name__}/{type(qualname).__name__}")
    if (module, qualname) in _STATIC:
        return _STATIC[(module, qualname)]
    parts = qualname.split(".")
    if not _allowed_module(module) or not all(
        p.isidentifier() and not p.startswith("__") for p in parts
    ):
        raise _refused(f"a reference to {module}.{qualname}")
    try:
        value: Any = importlib.import_module(module)
        for part in parts:
            value = getattr(value, part)
    except (ImportError, AttributeError) as err:
        raise fail(
            "JSON document",
            f"a reference to {module}.{qualname}, which this installation does not have",
            "classes of the installed precimark and scikit-learn",
        ) from err
    own = (getattr(value, "__module__", None), getattr(value, "__qualname__", None))
    if own != (module, qualname) or not _allowed(value):
        raise _refused(f"a reference to {module}.{qualname}")
    return value


def _refused(found: str) -> Exception:
    return fail(
        "JSON document",
        found,
        "precimark and scikit-learn classes, numpy scalar types and ufuncs only",
        "The document was not written by precimark, or was altered.",
    )


def unwritable(path: str, what: str) -> Exception:
    """Build the error for a value in ``path`` that a document cannot hold (the caller raises)."""
    return fail(
        f"attribute '{path}'",
        f"{what}, which has no JSON form",
        "numbers, strings, arrays, frames, and precimark or scikit-learn objects",
        "Save this object with precimark.persistence.save (pickle) instead.",
    )
