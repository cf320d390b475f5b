"""Which classes and functions a JSON document may name, and how a name is resolved.

A document names the classes of the objects in an estimator's state and the functions they
hold (a ``FunctionTransformer``'s ``func``). :func:`resolve` turns a name back into the object
and refuses anything outside this allowlist; a module is imported only after its name passed:

- precimark classes, scikit-learn estimators (``BaseEstimator`` subclasses), and the internal
  scikit-learn types fitted estimators hold (:data:`_SKLEARN_INTERNALS`: trees, losses, CV
  splitters, scorers, ...), none from tests, command-line entry points, vendored code,
  callbacks, datasets or text feature extraction, and none with a ``__del__``;
- numpy's scalar types and ufuncs, and the builtin scalar types;
- the public scoring functions of ``sklearn.metrics`` (``*_score``, ``*_error``, ``*_loss``;
  scorers hold them) and the precimark functions listed in :data:`_FUNCTIONS`.

A name must resolve to an object that carries exactly that ``__module__`` and ``__qualname__``:
no re-exports (``numpy.os.system``) and no attribute walks (``numpy.load.__globals__``).
Functions of numpy, scipy and pandas other than ufuncs are refused, because an estimator calls
what it holds with arguments the document also controls.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from precimark._validation import fail

__all__ = ["name_of", "reference", "resolve", "unwritable"]

_PACKAGES = ("precimark", "sklearn")
_EXCLUDED_PARTS = frozenset(
    {
        "conftest",
        "estimator_checks",
        "_mocking",
        "_build_utils",
        "externals",
        "callback",
        "datasets",
        "feature_extraction",
        "cli",
        "_demo",
    }
)
_FUNCTIONS = frozenset({"precimark.profiling.clusters._signed_log1p"})
#: Non-estimator scikit-learn classes found in fitted states, by module ("*": every class).
_SKLEARN_INTERNALS: dict[str, frozenset[str] | str] = {
    "sklearn._loss._loss": "*",
    "sklearn._loss.link": "*",
    "sklearn._loss.loss": "*",
    "sklearn.linear_model._sgd_fast": "*",
    "sklearn.model_selection._split": "*",
    "sklearn.neural_network._stochastic_optimizers": "*",
    "sklearn.tree._tree": frozenset({"Tree"}),
    "sklearn.ensemble._hist_gradient_boosting.predictor": frozenset({"TreePredictor"}),
    "sklearn.calibration": frozenset({"_CalibratedClassifier"}),
    "sklearn.metrics._scorer": frozenset({"_Scorer", "_PassthroughScorer", "_MultimetricScorer"}),
    "sklearn.utils._bunch": frozenset({"Bunch"}),
    "sklearn.utils._metadata_requests": frozenset(
        {"MetadataRequest", "MethodMetadataRequest", "MetadataRouter", "MethodMapping"}
    ),
}
_METRIC_SUFFIXES = ("_score", "_error", "_loss", "_deviance")
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType)


def name_of(value: Any) -> tuple[object, object]:
    """Return the ``(__module__, __qualname__)`` a document names ``value`` by.

    Two kinds of objects are named as recent releases name them, so documents do not depend
    on the installed versions: numpy's own ufuncs are ``("numpy", name)`` (numpy gives them
    ``__module__`` and ``__qualname__`` only from 2.2 on), and the compiled loss classes of
    ``sklearn._loss._loss`` (whose ``__module__`` is ``"_loss"`` before scikit-learn 1.9).
    """
    name = getattr(value, "__name__", None)
    if isinstance(value, np.ufunc) and isinstance(name, str) and getattr(np, name, None) is value:
        return "numpy", name
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if module == "_loss" and isinstance(value, type) and isinstance(qualname, str):
        losses = sys.modules.get("sklearn._loss._loss")
        if getattr(losses, qualname, None) is value:
            return "sklearn._loss._loss", qualname
    return module, qualname


def _static() -> dict[tuple[object, object], Any]:
    """Map (module, qualname) to the allowed objects outside precimark and scikit-learn."""
    objects: list[Any] = [bool, int, float, complex, str, bytes, object]
    objects += [t for t in set(np.sctypeDict.values()) if issubclass(t, np.generic)]
    objects += [v for v in vars(np).values() if isinstance(v, np.ufunc)]
    return {name_of(o): o for o in objects}


_STATIC = _static()


def _allowed_module(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[0] in _PACKAGES
        and all(p.isidentifier() and not p.startswith("__") and "test" not in p for p in parts)
        and not _EXCLUDED_PARTS.intersection(parts)
    )


@functools.cache
def _metric_functions() -> frozenset[Any]:
    import sklearn.metrics

    names = [n for n in sklearn.metrics.__all__ if n.endswith(_METRIC_SUFFIXES)]
    return frozenset(getattr(sklearn.metrics, n) for n in [*names, "matthews_corrcoef"])


def _allowed_class(cls: type, module: str, qualname: str) -> bool:
    if getattr(cls, "__del__", None) is not None:
        return False
    if module.startswith("precimark.") or issubclass(cls, BaseEstimator):
        return True
    internal = _SKLEARN_INTERNALS.get(module, frozenset())
    return internal == "*" or qualname in internal


def _allowed(value: Any) -> bool:
    module, qualname = name_of(value)
    if not isinstance(module, str) or not isinstance(qualname, str):
        return False
    if _STATIC.get((module, qualname)) is value:
        return True
    if not _allowed_module(module):
        return False
    if isinstance(value, type):
        return _allowed_class(value, module, qualname)
    if isinstance(value, _FUNCTION_TYPES):
        return f"{module}.{qualname}" in _FUNCTIONS or value in _metric_functions()
    return False


def reference(value: Any, path: str) -> dict[str, str]:
    """Return the name of an allowed class or function, for a document.

    Raises
    ------
    DataValidationError
        Naming ``path``, if ``value`` is not allowed or not importable under its own name.
    """
    module, qualname = name_of(value)
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
    if name_of(value) != (module, qualname) or not _allowed(value):
        raise _refused(f"a reference to {module}.{qualname}")
    return value


def _refused(found: str) -> Exception:
    return fail(
        "JSON document",
        found,
        "precimark classes, scikit-learn estimators and their internal types, numpy scalar "
        "types and ufuncs, and scoring functions only",
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
