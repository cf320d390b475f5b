"""JSON documents of fitted estimators: a tree of their state, with classes named, never code.

Estimators that wrap scikit-learn models (and the profiler, which holds per-customer
aggregates) cannot be written as a handful of parameters. :func:`encode` writes an object's
pickled state as a strict-JSON tree instead, and :func:`decode` rebuilds it:

- JSON scalars, lists and string-keyed dicts are written as themselves;
- everything else is a dict tagged with ``"$"``: ``tuple``, ``dict`` (other keys), ``int``
  (beyond 2**53), ``float`` (NaN and infinities), ``bytes``, ``slice``, ``ndarray`` (dtype,
  shape and the little-endian bytes in base64; object arrays as a list of items),
  ``masked_array``, ``scalar``, ``dtype``, ``generator``/``random_state`` (numpy random
  state), pandas ``timestamp``, ``timedelta``, ``nat``, ``na``, ``index``, ``series``, ``dataframe``
  and ``extension_array``, ``name`` (a class or function) and ``object`` (an instance of an
  allowed class, built as pickle builds it and given its pickled state).

Names are resolved by :mod:`precimark.persistence._allowlist`, which allows precimark and
scikit-learn classes, numpy scalar types and ufuncs, and a few functions, and nothing else.
Decoding builds objects without running their ``__init__``; only scikit-learn's compiled types
(trees, losses), which pickle through their constructor, are built by calling it.

This keeps a document from naming code to run, but it is not a security boundary: a crafted
document can still, for example, give a compiled tree node indices that crash ``predict``.
Load documents you trust, as you would a pickle.
"""

from __future__ import annotations

import base64
import copyreg
import math
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd

from precimark._validation import fail
from precimark.persistence._allowlist import name_of, reference, resolve, unwritable
from precimark.persistence._header import header, read_header, reading

__all__ = ["JSONStateMixin", "decode", "encode"]

_BIG = 2**53  # JSON readers outside Python lose integers beyond this
_TAG = "$"
#: pandas 2.2 spells strings missing as NaN ``StringDtype("pyarrow_numpy")``; later, na_value.
_PANDAS_2_2 = tuple(int(p) for p in pd.__version__.split(".")[:2]) < (2, 3)
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


# ---------------------------------------------------------------------------------- encode


def encode(value: Any, path: str = "state") -> Any:
    """Return ``value`` as a strict-JSON tree (see the module docstring).

    Raises
    ------
    DataValidationError
        Naming the attribute path of the first value that has no JSON form (a lambda, an open
        file, an object of a class outside the allowlist).
    """
    if value is None or type(value) in (bool, str):  # not numpy.str_, a "scalar" below
        return value
    if type(value) is int:  # not numpy integers, which keep their dtype as a "scalar"
        return value if abs(value) < _BIG else {_TAG: "int", "value": str(value)}
    if type(value) is float:
        return value if math.isfinite(value) else {_TAG: "float", "value": repr(value)}
    if type(value) is list:
        return [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if type(value) is tuple:
        return {_TAG: "tuple", "items": [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]}
    if type(value) is dict:
        return _encode_dict(value, path)
    for kind, test, writer in _WRITERS:
        if test(value):
            return {_TAG: kind, **writer(value, path)}
    return _encode_object(value, path)


def _encode_dict(value: dict[Any, Any], path: str) -> Any:
    if all(type(k) is str for k in value) and _TAG not in value:
        return {k: encode(v, f"{path}.{k}") for k, v in value.items()}
    items = [[encode(k, path), encode(v, f"{path}[{k!r}]")] for k, v in value.items()]
    return {_TAG: "dict", "items": items}


def _array(value: np.ndarray[Any, Any], path: str) -> dict[str, Any]:
    shape = list(value.shape)
    if value.dtype.hasobject:
        if value.dtype.names:
            raise unwritable(path, "a structured array with object fields")
        items = [encode(v, f"{path}[{i}]") for i, v in enumerate(value.ravel().tolist())]
        return {"dtype": "object", "shape": shape, "items": items}
    # Fortran order is kept: BLAS takes other paths for it, so predictions could differ.
    fortran = value.flags.f_contiguous and not value.flags.c_contiguous
    order: Literal["C", "F"] = "F" if fortran else "C"
    data = value.astype(value.dtype.newbyteorder("<"), copy=False).tobytes(order=order)
    out = {"dtype": _descr(value.dtype), "shape": shape, "data": base64.b64encode(data).decode()}
    return out if order == "C" else {**out, "order": "F"}


def _masked_array(value: np.ma.MaskedArray[Any, Any], path: str) -> dict[str, Any]:
    return {  # masked slots are written as the fill value, not as whatever memory held
        "data": encode(np.asarray(value.filled()), path),
        "mask": encode(np.ma.getmaskarray(value), path),
        "fill_value": encode(np.asarray(value.fill_value), path),
    }


def _descr(dtype: np.dtype[Any]) -> Any:
    """Describe ``dtype`` as numpy does, with lists for tuples (as JSON returns them)."""

    def lists(part: Any) -> Any:
        return [lists(p) for p in part] if isinstance(part, (list, tuple)) else part

    return lists(np.lib.format.dtype_to_descr(dtype))


def _extension_array(value: Any, path: str) -> dict[str, Any]:
    dtype = value.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "dtype": "category",
            "categories": encode(value.categories, path),
            "ordered": bool(value.ordered),
            "codes": encode(np.asarray(value.codes), path),
        }
    items = encode([None if v is pd.NA or v is pd.NaT else v for v in value.tolist()], path)
    if isinstance(dtype, pd.StringDtype):
        na = "nan" if dtype.na_value is not pd.NA else "NA"
        storage = str(dtype.storage).replace("pyarrow_numpy", "pyarrow")  # pandas 2.2
        return {"dtype": "string", "storage": storage, "na": na, "items": items}
    return {"dtype": str(dtype), "items": items}


def _pandas_values(values: Any, path: str) -> Any:
    """Encode the values of an index or column: a numpy array where pandas keeps one."""
    if type(values) is pd.arrays.NumpyExtensionArray or isinstance(values.dtype, np.dtype):
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
    out = {"name": encode(value.name, path), "values": _pandas_values(value.array, path)}
    if getattr(value, "freq", None) is not None:
        out["freq"] = value.freqstr  # type: ignore[attr-defined]
    return out


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
        "attrs": encode(dict(value.attrs), f"{path}.attrs"),
    }


def _generator(value: np.random.Generator, path: str) -> dict[str, Any]:
    bit_generator = value.bit_generator
    seed = bit_generator.seed_seq
    seed_seq = None
    if isinstance(seed, np.random.SeedSequence):  # spawn() continues from it
        seed_seq = {
            "entropy": encode(seed.entropy, path),
            "spawn_key": encode(seed.spawn_key, path),
            "pool_size": seed.pool_size,
            "n_children_spawned": seed.n_children_spawned,
        }
    return {
        "bit_generator": type(bit_generator).__name__,
        "seed_seq": seed_seq,
        "state": encode(bit_generator.state, path),
    }


def _random_state(value: np.random.RandomState, path: str) -> dict[str, Any]:
    state = value.get_state(legacy=False)
    if state["bit_generator"] != "MT19937":
        raise unwritable(path, f"a RandomState over {state['bit_generator']}")
    return {"state": encode(state, path)}


def _time(value: pd.Timestamp | pd.Timedelta, path: str) -> dict[str, Any]:
    out = {"value": encode(int(value.asm8.view(np.int64)), path), "unit": value.unit}
    if isinstance(value, pd.Timestamp):
        out["tz"] = None if value.tz is None else str(value.tz)
        if out["tz"] is not None and _read_tz(out["tz"]) is None:
            raise unwritable(path, f"a time zone {out['tz']!r} without an IANA name")
    return out


_WRITERS: list[tuple[str, Any, Any]] = [
    ("bytes", lambda v: type(v) is bytes, lambda v, p: {"data": base64.b64encode(v).decode()}),
    (
        "slice",
        lambda v: type(v) is slice,
        lambda v, p: {"items": encode([v.start, v.stop, v.step], p)},
    ),
    ("ndarray", lambda v: type(v) is np.ndarray, _array),
    ("masked_array", lambda v: type(v) is np.ma.MaskedArray, _masked_array),
    ("scalar", lambda v: isinstance(v, np.generic), lambda v, p: _array(np.asarray(v), p)),
    ("dtype", lambda v: isinstance(v, np.dtype), lambda v, p: {"descr": _descr(v)}),
    ("generator", lambda v: type(v) is np.random.Generator, _generator),
    ("random_state", lambda v: type(v) is np.random.RandomState, _random_state),
    ("nat", lambda v: v is pd.NaT, lambda v, p: {}),
    ("na", lambda v: v is pd.NA, lambda v, p: {}),
    ("timestamp", lambda v: type(v) is pd.Timestamp, _time),
    ("timedelta", lambda v: type(v) is pd.Timedelta, _time),
    ("dataframe", lambda v: type(v) is pd.DataFrame, _frame),
    ("series", lambda v: type(v) is pd.Series, _series),
    ("index", lambda v: isinstance(v, pd.Index), _index),
    (
        "extension_array",
        lambda v: isinstance(v, pd.api.extensions.ExtensionArray),
        _extension_array,
    ),
    (
        "name",
        lambda v: isinstance(v, type | np.ufunc) or (callable(v) and hasattr(v, "__qualname__")),
        reference,
    ),
]


def _encode_object(value: Any, path: str) -> dict[str, Any]:
    cls = type(value)
    try:
        reduced = value.__reduce_ex__(2)
    except TypeError as err:
        raise unwritable(path, f"a {cls.__module__}.{cls.__qualname__} ({err})") from err
    if isinstance(reduced, str):
        raise unwritable(path, f"a {cls.__module__}.{cls.__qualname__} that pickles as a global")
    build, args, state, list_items, dict_items = (*reduced, None, None, None)[:5]
    new = build is copyreg.__newobj__  # type: ignore[attr-defined]
    if new:
        build, args = args[0], args[1:]
    where = f"a {cls.__module__}.{cls.__qualname__}"
    compiled = isinstance(build, type) and str(name_of(build)[0]).startswith("sklearn.")
    if not isinstance(build, type) or not (compiled or (new and not args)):
        raise unwritable(path, f"{where} rebuilt by {build!r} from arguments")
    return {
        _TAG: "object",
        "class": reference(build, path),
        "construct": "new" if new else "call",  # cls.__new__(cls, *args) or cls(*args)
        "args": encode(tuple(args), path),
        "state": encode(state, path),
        "list_items": None if list_items is None else encode(list(list_items), path),
        "dict_items": None if dict_items is None else encode(dict(dict_items), path),
    }


# ---------------------------------------------------------------------------------- decode


def decode(node: Any) -> Any:
    """Rebuild the value :func:`encode` wrote.

    Raises
    ------
    DataValidationError
        If the tree names a class or function outside the allowlist, or is not a tree
        :func:`encode` writes. Other malformations raise ``KeyError``, ``TypeError`` or
        ``ValueError``; callers turn them into one error with ``_header.reading``.
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
    data = base64.b64decode(node["data"], validate=True)  # little-endian, whatever the dtype
    flat = np.frombuffer(data, dtype=dtype.newbyteorder("<")).astype(dtype)
    return flat.reshape(shape, order="F" if node.get("order") == "F" else "C")


def _read_masked_array(node: Mapping[str, Any]) -> np.ma.MaskedArray[Any, Any]:
    fill_value = decode(node["fill_value"])[()]
    return np.ma.MaskedArray(decode(node["data"]), mask=decode(node["mask"]), fill_value=fill_value)


def _read_dtype(descr: Any) -> np.dtype[Any]:
    def fields(part: Any) -> Any:  # [name, format, shape?] lists back to numpy's tuples
        if isinstance(part, str):
            return part
        return [
            (name if isinstance(name, str) else tuple(name), fields(fmt), *map(tuple, shape))
            for name, fmt, *shape in part
        ]

    return np.lib.format.descr_to_dtype(fields(descr))


def _read_object(node: Mapping[str, Any]) -> Any:
    cls = resolve(node["class"]["module"], node["class"]["qualname"])
    if not isinstance(cls, type):
        raise fail("JSON document", f"{cls!r} in place of a class", "a class")
    args = decode(node["args"])
    construct = node["construct"]
    if construct not in ("new", "call") or (
        (construct == "call" or args) and not str(name_of(cls)[0]).startswith("sklearn.")
    ):
        raise fail(
            "JSON document",
            f"a {cls.__module__}.{cls.__qualname__} built from arguments",
            "arguments for scikit-learn's compiled types only",
            "The document was not written by precimark, or was altered.",
        )
    obj = cls.__new__(cls, *args) if construct == "new" else cls(*args)
    for item in decode(node.get("list_items")) or ():
        obj.append(item)
    for key, item in (decode(node.get("dict_items")) or {}).items():
        obj[key] = item
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


def _read_values(node: Any) -> Any:
    """Decode index or column values (an array, or a pandas extension array)."""
    values = decode(node)
    if not isinstance(values, np.ndarray | pd.api.extensions.ExtensionArray):
        raise TypeError(f"values of type {type(values).__name__}, not an array")
    return values


def _column(values: Any, index: pd.Index[Any] | None = None) -> pd.Series[Any]:
    """Wrap values with their own dtype: pandas would infer ``str`` for object strings."""
    column: pd.Series[Any] = pd.Series(values, index=index, dtype=values.dtype, copy=False)
    return column


def _read_index(node: Mapping[str, Any]) -> pd.Index[Any]:
    if "range" in node:
        start, stop, step = node["range"]
        return pd.RangeIndex(start, stop, step, name=decode(node["name"]))
    if "levels" in node:
        levels = [pd.Index(_column(_read_values(level))) for level in node["levels"]]
        index: pd.Index[Any] = pd.MultiIndex.from_arrays(levels, names=decode(node["names"]))
        return index
    values = _read_values(node["values"])
    plain: pd.Index[Any] = pd.Index(values, dtype=values.dtype, name=decode(node["name"]))
    if node.get("freq") is not None:
        plain = pd.DatetimeIndex(plain, freq=node["freq"])
    return plain


def _read_extension_array(node: Mapping[str, Any]) -> Any:
    if node["dtype"] == "category":
        categories = decode(node["categories"])
        if not isinstance(categories, pd.Index):
            raise fail(
                "JSON document", f"categories of type {type(categories).__name__}", "an index"
            )
        dtype = pd.CategoricalDtype(categories, ordered=node["ordered"])
        return pd.Categorical.from_codes(decode(node["codes"]), dtype=dtype)
    if node["dtype"] == "string":
        return pd.array(decode(node["items"]), dtype=_read_string_dtype(node))
    name = str(node["dtype"])
    if name.startswith("datetime64[") and "," in name:  # pandas would open a dateutil path
        tz = name.split(",", 1)[1].rstrip("]").strip()
        if _read_tz(tz) is None:
            raise fail("JSON document", f"a dtype {name!r}", "an IANA time zone name")
    return pd.array(decode(node["items"]), dtype=name)


def _read_string_dtype(node: Mapping[str, Any]) -> Any:
    storage: Any = node["storage"]
    if node["na"] == "NA":
        return pd.StringDtype(storage)
    if _PANDAS_2_2:  # no na_value argument: its NaN-missing strings are "pyarrow_numpy"
        if node["storage"] != "pyarrow":
            raise fail(
                "JSON document", f"{node['storage']} strings missing as NaN", "pandas >= 2.3"
            )
        return pd.StringDtype("pyarrow_numpy")
    return pd.StringDtype(storage, na_value=np.nan)


def _read_frame(node: Mapping[str, Any]) -> pd.DataFrame:
    index = decode(node["index"])
    data = {i: _column(_read_values(values), index) for i, values in enumerate(node["data"])}
    frame = pd.DataFrame(data, index=index, copy=False)
    frame.columns = decode(node["columns"])
    frame.attrs.update(decode(node["attrs"]))
    return frame


def _read_series(node: Mapping[str, Any]) -> pd.Series[Any]:
    index, name = decode(node["index"]), decode(node["name"])
    series = _column(_read_values(node["values"]), index).rename(name)
    series.attrs.update(decode(node.get("attrs", {})))
    return series


def _read_generator(node: Mapping[str, Any]) -> np.random.Generator:
    name = node["bit_generator"]
    if name not in _BIT_GENERATORS:
        raise fail("JSON document", f"a bit generator {name!r}", f"one of {_BIT_GENERATORS}")
    seed = node.get("seed_seq")
    seed_seq = None
    if seed is not None:
        if not 1 <= seed["pool_size"] <= 64:
            raise fail("JSON document", f"a seed pool of {seed['pool_size']!r} words", "1 to 64")
        seed_seq = np.random.SeedSequence(
            decode(seed["entropy"]),
            spawn_key=decode(seed["spawn_key"]),
            pool_size=seed["pool_size"],
            n_children_spawned=seed["n_children_spawned"],
        )
    bit_generator = getattr(np.random, name)(seed_seq)
    bit_generator.state = decode(node["state"])
    return np.random.Generator(bit_generator)


def _read_random_state(node: Mapping[str, Any]) -> np.random.RandomState:
    random_state = np.random.RandomState()
    random_state.set_state(decode(node["state"]))
    return random_state


def _read_tz(name: str) -> Any:
    """Return a time zone for an IANA name or fixed offset, or None (no file paths)."""
    if name.startswith("dateutil") or "/." in name or name.startswith("/"):
        return None
    try:
        return pd.Timestamp(0, tz=name).tz
    except (ValueError, KeyError, OSError):  # zoneinfo raises KeyError subclasses
        return None


def _read_time(node: Mapping[str, Any]) -> pd.Timestamp | pd.Timedelta:
    value, unit = decode(node["value"]), node["unit"]
    if "tz" not in node:
        return pd.Timedelta(np.timedelta64(value, unit))
    stamp = pd.Timestamp(np.datetime64(value, unit))  # UTC wall time if tz-aware
    if node["tz"] is None:
        return stamp
    tz = _read_tz(node["tz"])
    if tz is None:
        raise fail("JSON document", f"a time zone {node['tz']!r}", "an IANA time zone name")
    return stamp.tz_localize("UTC").tz_convert(tz)


_READERS: dict[str, Any] = {
    "tuple": lambda n: tuple(decode(v) for v in n["items"]),
    "dict": lambda n: {_hashable(decode(k)): decode(v) for k, v in n["items"]},
    "int": lambda n: int(n["value"]),
    "float": lambda n: float(n["value"]),
    "bytes": lambda n: base64.b64decode(n["data"], validate=True),
    "slice": lambda n: slice(*decode(n["items"])),
    "ndarray": _read_array,
    "masked_array": _read_masked_array,
    "scalar": lambda n: _read_array(n)[()],
    "dtype": lambda n: _read_dtype(n["descr"]),
    "generator": _read_generator,
    "random_state": _read_random_state,
    "nat": lambda n: pd.NaT,
    "na": lambda n: pd.NA,
    "timestamp": _read_time,
    "timedelta": _read_time,
    "dataframe": _read_frame,
    "series": _read_series,
    "index": _read_index,
    "extension_array": _read_extension_array,
    "name": lambda n: resolve(n["module"], n["qualname"]),
    "object": _read_object,
}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


# ---------------------------------------------------------------------------------- estimators


class JSONStateMixin:
    """``to_dict``/``from_dict`` for estimators whose fitted state is more than parameters."""

    _json_format_version: ClassVar[int] = 1

    def to_dict(self) -> dict[str, Any]:
        """Return the fitted estimator as a strict-JSON document.

        The document records the precimark and scikit-learn versions that wrote it, and holds
        the estimator's full state (wrapped scikit-learn models included) as a tree of
        numbers, strings, base64 arrays and named classes; it has no code in it.
        ``json.dumps(..., allow_nan=False)`` accepts it. Load documents you trust: like a
        pickle, a crafted one can make a compiled scikit-learn tree crash.

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
            If part of the state has no JSON form (a function of your own, a nearest-neighbour
            tree); the message names the attribute. Such estimators still pickle.
        """
        import sklearn
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        state = encode(self.__getstate__())
        try:  # a document that cannot be read back must fail now, not in the service
            decode(state)
        except Exception as err:
            raise unwritable(
                "state", f"a value that reads back as {type(err).__name__}: {err}"
            ) from err
        return {
            **header(type(self), self._json_format_version),
            "sklearn_version": sklearn.__version__,
            "state": state,
        }

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        """Return a decoded state with attributes renamed since an older release (hook)."""
        return state

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
            If ``data`` describes another class, was written by another ``major.minor``
            version of precimark or scikit-learn (whose internal state may differ), names a
            class or function outside the allowlist, or is malformed.
        """
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        read_header(data, cls, cls._json_format_version, same_series=("precimark", "sklearn"))
        obj = cls.__new__(cls)
        with reading(cls):
            state = decode(data["state"])
            if not isinstance(state, dict) or any(str(k).startswith("__") for k in state):
                raise TypeError("a state that is not an object of attribute names")
            state = cls._upgrade_state(state)
            missing = set(obj._get_param_names()) - set(state)  # type: ignore[attr-defined]
            if missing:
                raise KeyError(f"parameters {sorted(missing)}")
            obj.__setstate__(state)  # type: ignore[attr-defined]
            try:
                check_is_fitted(obj)
            except NotFittedError as err:
                raise fail(
                    "argument 'data'",
                    f"a {cls.__name__} document of an unfitted estimator",
                    "a fitted one",
                ) from err
        return obj
