"""JSON documents of fitted estimators: an allowlisted tree of their state, never code.

Estimators that wrap scikit-learn models (and the profiler, which holds per-customer
aggregates) cannot be written as a handful of parameters. :func:`encode` writes an object's
state as a strict-JSON tree instead, and :func:`decode` rebuilds it:

- JSON scalars, lists and string-keyed dicts are written as themselves;
- everything else is a dict tagged with ``"$"``: ``tuple``, ``dict`` (other keys), ``int``
  (beyond 2**53), ``float`` (NaN and infinities), ``bytes``, ``ndarray`` (dtype, shape and the
  little-endian bytes in base64; object arrays as a list of items), ``scalar``, ``dtype``,
  ``generator``/``random_state`` (numpy random state), pandas ``timestamp``, ``timedelta``,
  ``index``, ``series``, ``dataframe`` and ``extension_array``, ``name`` (a class or function
  by import path) and ``object`` (an allowlisted class, built as pickle builds it and given its
  pickled state).

Decoding imports classes only from :data:`ALLOWED_MODULES`, calls no function, and builds
objects without running their ``__init__``; only scikit-learn's compiled types (trees, losses),
which pickle through their constructor, are built by calling it. So a document cannot run code
the way a pickle can, nor make numpy open a file. It can still build an allowed object with any
state, so load documents you trust.
"""

from __future__ import annotations

import base64
import copyreg
import importlib
import math
import types
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from precimark._validation import fail
from precimark.exceptions import PrecimarkError

__all__ = ["ALLOWED_MODULES", "JSONStateMixin", "decode", "encode", "header", "read_header"]

#: Top-level packages whose classes a document may name.
ALLOWED_MODULES = ("precimark", "sklearn", "numpy", "scipy", "pandas")
_BUILTIN_TYPES = {t.__name__: t for t in (bool, int, float, complex, str, bytes, object)}
_BIG = 2**53  # JSON readers outside Python lose integers beyond this
_TAG = "$"
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType)


# ---------------------------------------------------------------------------------- encode


def encode(value: Any, path: str = "state") -> Any:
    """Return ``value`` as a strict-JSON tree (see the module docstring).

    Raises
    ------
    DataValidationError
        Naming the attribute path of the first value that has no JSON form (a lambda, an open
        file, an object from a package outside :data:`ALLOWED_MODULES`).
    """
    if value is None or type(value) in (bool, str):  # not numpy.str_, a "scalar" below
        return value
    if type(value) is int:  # not numpy integers, which keep their dtype as a "scalar"
        return value if abs(value) < _BIG else {_TAG: "int", "value": str(value)}
    if type(value) is float:
        return value if math.isfinite(value) else {_TAG: "float", "value": repr(value)}
    if isinstance(value, list):
        return [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple) and type(value) is tuple:
        return {_TAG: "tuple", "items": [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict) and type(value) is dict:
        return _encode_dict(value, path)
    for kind, test, writer in _WRITERS:
        if test(value):
            return {_TAG: kind, **writer(value, path)}
    return _encode_object(value, path)


def _encode_dict(value: dict[Any, Any], path: str) -> Any:
    if all(isinstance(k, str) for k in value) and _TAG not in value:
        return {k: encode(v, f"{path}.{k}") for k, v in value.items()}
    items = [[encode(k, path), encode(v, f"{path}[{k!r}]")] for k, v in value.items()]
    return {_TAG: "dict", "items": items}


def _array(value: np.ndarray[Any, Any], path: str) -> dict[str, Any]:
    shape = list(value.shape)
    if value.dtype.hasobject:
        items = [encode(v, f"{path}[{i}]") for i, v in enumerate(value.ravel().tolist())]
        return {"dtype": "object", "shape": shape, "items": items}
    data = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes()
    return {"dtype": _descr(value.dtype), "shape": shape, "data": base64.b64encode(data).decode()}


def _descr(dtype: np.dtype[Any]) -> Any:
    """Describe ``dtype`` as numpy does, with lists for tuples (as JSON returns them)."""

    def lists(part: Any) -> Any:
        return [lists(p) for p in part] if isinstance(part, (list, tuple)) else part

    return lists(np.lib.format.dtype_to_descr(dtype))


def _name(value: Any, path: str) -> dict[str, Any]:
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if module == "builtins" and qualname in _BUILTIN_TYPES:
        return {"module": module, "qualname": qualname}
    if not isinstance(module, str) or not isinstance(qualname, str) or not _allowed(module):
        raise _unwritable(path, f"{module}.{qualname}")
    if _lookup(module, qualname) is not value:
        raise _unwritable(path, f"{module}.{qualname} (not importable under that name)")
    return {"module": module, "qualname": qualname}


def _extension_array(value: Any, path: str) -> dict[str, Any]:
    if isinstance(value.dtype, pd.CategoricalDtype):
        return {
            "dtype": "category",
            "categories": encode(value.categories, path),
            "ordered": bool(value.ordered),
            "codes": encode(np.asarray(value.codes), path),
        }
    items = [None if v is pd.NA or v is pd.NaT else v for v in value.tolist()]
    return {"dtype": str(value.dtype), "items": encode(items, path)}


def _pandas_values(values: Any, path: str) -> Any:
    """Encode the values of an index or column: a numpy array where pandas keeps one."""
    if isinstance(values, pd.arrays.NumpyExtensionArray) or isinstance(values.dtype, np.dtype):
        return encode(values.to_numpy(), path)
    return encode(values, path)  # an extension array: strings, categories, tz-aware times, ...


def _index(value: pd.Index[Any], path: str) -> dict[str, Any]:
    if isinstance(value, pd.RangeIndex):
        return {"name": encode(value.name, path), "range": [value.start, value.stop, value.step]}
    if isinstance(value, pd.MultiIndex):
        levels = [
            _pandas_values(value.get_level_values(i).array, path) for i in range(value.nlevels)
        ]
        return {"names": encode(list(value.names), path), "levels": levels}
    return {"name": encode(value.name, path), "values": _pandas_values(value.array, path)}


def _frame(value: pd.DataFrame, path: str) -> dict[str, Any]:
    return {
        "index": encode(value.index, f"{path}.index"),
        "columns": encode(value.columns, f"{path}.columns"),
        "data": [
            _pandas_values(value.iloc[:, i].array, f"{path}[{i}]") for i in range(value.shape[1])
        ],
        "attrs": encode(dict(value.attrs), f"{path}.attrs"),
    }


def _series(value: pd.Series[Any], path: str) -> dict[str, Any]:
    return {
        "name": encode(value.name, path),
        "index": encode(value.index, f"{path}.index"),
        "values": _pandas_values(value.array, path),
    }


def _generator(value: np.random.Generator, path: str) -> dict[str, Any]:
    bit_generator = value.bit_generator
    return {
        "bit_generator": type(bit_generator).__name__,
        "state": encode(bit_generator.state, path),
    }


_WRITERS: list[tuple[str, Any, Any]] = [
    ("bytes", lambda v: isinstance(v, bytes), lambda v, p: {"data": base64.b64encode(v).decode()}),
    ("ndarray", lambda v: isinstance(v, np.ndarray), _array),
    ("scalar", lambda v: isinstance(v, np.generic), lambda v, p: _array(np.asarray(v), p)),
    ("dtype", lambda v: isinstance(v, np.dtype), lambda v, p: {"descr": _descr(v)}),
    ("generator", lambda v: isinstance(v, np.random.Generator), _generator),
    (
        "random_state",
        lambda v: isinstance(v, np.random.RandomState),
        lambda v, p: {"state": encode(v.get_state(legacy=False), p)},
    ),
    (
        "timestamp",
        lambda v: isinstance(v, pd.Timestamp),
        lambda v, p: {"value": int(v.asm8.view(np.int64)), "unit": v.unit, "tz": _tz(v)},
    ),
    (
        "timedelta",
        lambda v: isinstance(v, pd.Timedelta),
        lambda v, p: {"value": int(v.asm8.view(np.int64)), "unit": v.unit},
    ),
    ("nat", lambda v: v is pd.NaT, lambda v, p: {}),
    ("dataframe", lambda v: isinstance(v, pd.DataFrame), _frame),
    ("series", lambda v: isinstance(v, pd.Series), _series),
    ("index", lambda v: isinstance(v, pd.Index), _index),
    (
        "extension_array",
        lambda v: isinstance(v, pd.api.extensions.ExtensionArray),
        _extension_array,
    ),
    ("name", lambda v: isinstance(v, (type, np.ufunc, *_FUNCTION_TYPES)), _name),
]


def _encode_object(value: Any, path: str) -> dict[str, Any]:
    cls = type(value)
    if not _allowed(cls.__module__):
        raise _unwritable(path, f"a {cls.__module__}.{cls.__qualname__}")
    try:
        reduced = value.__reduce_ex__(2)
    except TypeError as err:
        raise _unwritable(path, f"a {cls.__qualname__} ({err})") from err
    if isinstance(reduced, str) or (len(reduced) > 3 and any(r is not None for r in reduced[3:])):
        raise _unwritable(path, f"a {cls.__qualname__} that pickles as a global or a container")
    build, args = reduced[0], tuple(reduced[1])
    state = reduced[2] if len(reduced) > 2 else None
    new = build is copyreg.__newobj__  # type: ignore[attr-defined]
    if new:
        build, args = args[0], args[1:]
    if not isinstance(build, type):
        raise _unwritable(path, f"a {cls.__qualname__} rebuilt by {build!r}")
    return {
        _TAG: "object",
        "class": _name(build, path),
        "construct": "new" if new else "call",  # cls.__new__(cls, *args) or cls(*args)
        "args": encode(args, path),
        "state": encode(state, path),
    }


def _unwritable(path: str, what: str) -> Exception:
    return fail(
        f"attribute '{path}'",
        f"{what}, which has no JSON form",
        f"numbers, strings, arrays, frames and objects from {', '.join(ALLOWED_MODULES)}",
        "Save this object with precimark.persistence.save (pickle) instead.",
    )


# ---------------------------------------------------------------------------------- decode


def decode(node: Any) -> Any:
    """Rebuild the value :func:`encode` wrote.

    Raises
    ------
    DataValidationError
        If the tree names a class outside :data:`ALLOWED_MODULES` or is not an encoded tree.
    """
    if isinstance(node, list):
        return [decode(v) for v in node]
    if not isinstance(node, dict):
        return node
    kind = node.get(_TAG)
    if kind is None:
        return {k: decode(v) for k, v in node.items()}
    reader = _READERS.get(kind)
    if reader is None:
        raise fail("JSON document", f"an unknown node kind {kind!r}", f"one of {sorted(_READERS)}")
    return reader(node)


def _read_array(node: Mapping[str, Any]) -> np.ndarray[Any, Any]:
    shape = tuple(node["shape"])
    if node["dtype"] == "object":
        out = np.empty(len(node["items"]), dtype=object)
        out[:] = [decode(v) for v in node["items"]]
        return out.reshape(shape)
    dtype = _read_dtype(node["dtype"])
    data = base64.b64decode(node["data"])  # little-endian whatever the dtype's byte order
    return np.frombuffer(data, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)


def _read_dtype(descr: Any) -> np.dtype[Any]:
    def fields(part: Any) -> Any:  # [name, format, shape?] lists back to numpy's tuples
        if isinstance(part, str):
            return part
        return [
            (name if isinstance(name, str) else tuple(name), fields(fmt), *map(tuple, shape))
            for name, fmt, *shape in part
        ]

    return np.lib.format.descr_to_dtype(fields(descr))


def _read_name(node: Mapping[str, Any]) -> Any:
    module, qualname = node["module"], node["qualname"]
    if module == "builtins" and qualname in _BUILTIN_TYPES:
        return _BUILTIN_TYPES[qualname]
    if not _allowed(module):
        raise fail(
            "JSON document",
            f"a reference to {module}.{qualname}",
            f"classes from {', '.join(ALLOWED_MODULES)} only",
            "The document was not written by precimark, or was altered.",
        )
    return _lookup(module, qualname)


def _read_object(node: Mapping[str, Any]) -> Any:
    cls = _read_name(node["class"])
    if not isinstance(cls, type):
        raise fail("JSON document", f"{cls!r} in place of a class", "a class")
    args = decode(node["args"])
    if (node["construct"] != "new" or args) and cls.__module__.partition(".")[0] != "sklearn":
        raise fail(
            "JSON document",
            f"a {cls.__module__}.{cls.__qualname__} built from arguments",
            "arguments for scikit-learn's compiled types only",
            "The document was not written by precimark, or was altered.",
        )
    obj = cls.__new__(cls, *args) if node["construct"] == "new" else cls(*args)
    state = decode(node["state"])
    if state is None:
        return obj
    if hasattr(obj, "__setstate__"):
        obj.__setstate__(state)
    elif isinstance(state, tuple):  # (dict state, slot state), as pickle writes it
        for part in state:
            for key, value in (part or {}).items():
                object.__setattr__(obj, key, value)
    else:
        obj.__dict__.update(state)
    return obj


def _read_index(node: Mapping[str, Any]) -> pd.Index[Any]:
    if "range" in node:
        start, stop, step = node["range"]
        return pd.RangeIndex(start, stop, step, name=decode(node["name"]))
    if "levels" in node:
        levels = [decode(level) for level in node["levels"]]
        index: pd.Index[Any] = pd.MultiIndex.from_arrays(levels, names=decode(node["names"]))
        return index
    plain: pd.Index[Any] = pd.Index(decode(node["values"]), name=decode(node["name"]), copy=False)
    return plain


def _read_extension_array(node: Mapping[str, Any]) -> Any:
    if node["dtype"] == "category":
        dtype = pd.CategoricalDtype(decode(node["categories"]), ordered=node["ordered"])
        return pd.Categorical.from_codes(decode(node["codes"]), dtype=dtype)
    return pd.array(decode(node["items"]), dtype=node["dtype"])


def _read_frame(node: Mapping[str, Any]) -> pd.DataFrame:
    columns = decode(node["columns"])
    data = {i: decode(values) for i, values in enumerate(node["data"])}
    frame = pd.DataFrame(data, index=decode(node["index"]), copy=False)
    frame.columns = columns
    frame.attrs.update(decode(node["attrs"]))
    return frame


def _read_series(node: Mapping[str, Any]) -> pd.Series[Any]:
    index, name = decode(node["index"]), decode(node["name"])
    return pd.Series(decode(node["values"]), index=index, name=name, copy=False)


def _read_generator(node: Mapping[str, Any]) -> np.random.Generator:
    name = node["bit_generator"]
    if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise fail("JSON document", f"a bit generator {name!r}", "a numpy bit generator")
    bit_generator = getattr(np.random, name)()
    bit_generator.state = decode(node["state"])
    return np.random.Generator(bit_generator)


def _read_random_state(node: Mapping[str, Any]) -> np.random.RandomState:
    random_state = np.random.RandomState()
    random_state.set_state(decode(node["state"]))
    return random_state


def _tz(value: pd.Timestamp) -> str | None:
    return None if value.tz is None else str(value.tz)


def _read_timestamp(node: Mapping[str, Any]) -> pd.Timestamp:
    value = pd.Timestamp(np.datetime64(node["value"], node["unit"]))  # UTC wall time if tz-aware
    return value.tz_localize("UTC").tz_convert(node["tz"]) if node["tz"] else value


_READERS: dict[str, Any] = {
    "tuple": lambda n: tuple(decode(v) for v in n["items"]),
    "dict": lambda n: {_hashable(decode(k)): decode(v) for k, v in n["items"]},
    "int": lambda n: int(n["value"]),
    "float": lambda n: float(n["value"]),
    "bytes": lambda n: base64.b64decode(n["data"]),
    "ndarray": _read_array,
    "scalar": lambda n: _read_array(n)[()],
    "dtype": lambda n: _read_dtype(n["descr"]),
    "generator": _read_generator,
    "random_state": _read_random_state,
    "timestamp": _read_timestamp,
    "timedelta": lambda n: pd.Timedelta(np.timedelta64(n["value"], n["unit"])),
    "nat": lambda n: pd.NaT,
    "dataframe": _read_frame,
    "series": _read_series,
    "index": _read_index,
    "extension_array": _read_extension_array,
    "name": _read_name,
    "object": _read_object,
}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


# ---------------------------------------------------------------------------------- modules


def _allowed(module: str) -> bool:
    return module.partition(".")[0] in ALLOWED_MODULES


def _lookup(module: str, qualname: str) -> Any:
    try:
        value: Any = importlib.import_module(module)
        for part in qualname.split("."):
            value = getattr(value, part)
    except (ImportError, AttributeError) as err:
        raise fail(
            "JSON document",
            f"a reference to {module}.{qualname}, which this installation does not have",
            "classes of the installed precimark and scikit-learn",
        ) from err
    return value


# ---------------------------------------------------------------------------------- documents


def series(version: str) -> str:
    """Return the ``major.minor`` part of a version: the span within which formats are stable."""
    return ".".join(version.split(".")[:2])


def header(cls: type, format_version: int) -> dict[str, Any]:
    """Return the keys every precimark JSON document starts with."""
    from precimark import __version__

    return {
        "type": cls.__name__,
        "format_version": format_version,
        "precimark_version": __version__,
    }


def read_header(
    data: object, cls: type, format_version: int, *, same_series: tuple[str, ...] = ()
) -> Mapping[str, Any]:
    """Check that ``data`` is a document :func:`header` wrote for ``cls`` that this install can read.

    ``same_series`` names libraries (``"precimark"``, ``"sklearn"``) whose ``major.minor``
    version must equal the installed one, because the document holds their internal state.

    Raises
    ------
    DataValidationError
        Naming what the document is and which version wrote it.
    """
    if not isinstance(data, Mapping) or data.get("type") != cls.__name__:
        found = repr(data.get("type")) if isinstance(data, Mapping) else type(data).__name__
        raise fail("argument 'data'", f"a document of type {found}", f"a {cls.__name__} document")
    if data.get("format_version") != format_version:
        raise _incompatible(
            cls,
            data,
            f"format_version {data.get('format_version')!r}",
            f"format_version {format_version}",
        )
    for library in same_series:
        written = str(data.get(f"{library}_version"))
        installed = importlib.import_module(library).__version__
        if series(written) != series(installed):
            raise _incompatible(
                cls, data, f"{library} {written}", f"{library} {series(installed)}.x"
            )
    return data


def _incompatible(cls: type, data: Mapping[str, Any], found: str, expected: str) -> Exception:
    return fail(
        "argument 'data'",
        f"a {cls.__name__} document written with {found} "
        f"(by precimark {data.get('precimark_version')})",
        f"one written with {expected}",
        "Refit and save it with the installed versions, or load it where the versions that "
        "wrote it are installed.",
    )


class JSONStateMixin:
    """``to_dict``/``from_dict`` for estimators whose fitted state is more than parameters."""

    _json_format_version: ClassVar[int] = 1

    def to_dict(self) -> dict[str, Any]:
        """Return the fitted estimator as a strict-JSON document.

        The document records the precimark and scikit-learn versions that wrote it, and holds
        the estimator's full state (wrapped scikit-learn models included) as a tree of
        numbers, strings and base64 arrays; it has no code in it. ``json.dumps(...,
        allow_nan=False)`` accepts it.

        Returns
        -------
        dict
            Keys ``type``, ``format_version``, ``precimark_version``, ``sklearn_version`` and
            ``state``.

        Raises
        ------
        NotFittedError
            If the estimator has not been fitted.
        DataValidationError
            If part of the state has no JSON form (say, a lambda passed as a parameter); the
            message names the attribute. Such estimators still pickle.
        """
        import sklearn
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return {
            **header(type(self), self._json_format_version),
            "sklearn_version": sklearn.__version__,
            "state": encode(self.__getstate__()),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild an estimator from :meth:`to_dict` output (after a JSON round trip too).

        Parameters
        ----------
        data : dict
            A document written by :meth:`to_dict` of the same class.

        Returns
        -------
        estimator
            A fitted estimator that predicts exactly as the one that was saved.

        Raises
        ------
        DataValidationError
            If ``data`` describes another class, or was written by another ``major.minor``
            version of precimark or scikit-learn (whose internal state may differ), or names
            a class outside the allowed packages.
        """
        read_header(data, cls, cls._json_format_version, same_series=("precimark", "sklearn"))
        try:
            state = decode(data["state"])
        except PrecimarkError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
            raise fail(
                "argument 'data'",
                f"a malformed {cls.__name__} document ({type(err).__name__}: {err})",
                "the unaltered output of to_dict",
            ) from err
        obj = cls.__new__(cls)
        obj.__setstate__(state)  # type: ignore[attr-defined]
        return obj
