"""The pickle envelope: an object wrapped with the precimark version that wrote it."""

from __future__ import annotations

import os
import pickle
from typing import Any

from precimark._validation import fail
from precimark.persistence._header import series

__all__ = ["FORMAT_VERSION", "dump_bytes", "load", "load_bytes", "save"]

FORMAT_VERSION = 1
_MAGIC = "precimark-object"


def _version() -> str:
    from precimark import __version__

    return __version__


def dump_bytes(obj: object) -> bytes:
    """Serialise ``obj`` with the precimark version that wrote it.

    Parameters
    ----------
    obj : object
        Any picklable object (fitted models, policies, reports).

    Returns
    -------
    bytes

    Examples
    --------
    >>> from precimark.persistence import dump_bytes, load_bytes
    >>> load_bytes(dump_bytes({"threshold": 0.5}))
    {'threshold': 0.5}
    """
    envelope = {
        "magic": _MAGIC,
        "format_version": FORMAT_VERSION,
        "precimark_version": _version(),
        "type": f"{type(obj).__module__}.{type(obj).__qualname__}",
        "object": obj,
    }
    return pickle.dumps(envelope, protocol=pickle.HIGHEST_PROTOCOL)


def load_bytes(data: bytes) -> Any:
    """Load an object written by :func:`dump_bytes`, refusing incompatible versions.

    Raises
    ------
    DataValidationError
        If ``data`` is not a precimark envelope, or was written by another major.minor version
        of precimark or another envelope format.
    """
    try:
        envelope = pickle.loads(data)  # documented: load only trusted files
    except (
        pickle.UnpicklingError,
        EOFError,
        TypeError,
        AttributeError,
        ModuleNotFoundError,
    ) as err:
        raise fail(
            "argument 'data'",
            f"bytes that do not unpickle ({type(err).__name__})",
            "output of dump_bytes",
        ) from err
    if not isinstance(envelope, dict) or envelope.get("magic") != _MAGIC:
        raise fail(
            "argument 'data'",
            "a pickle that is not a precimark envelope",
            "output of dump_bytes/save",
        )
    written = str(envelope.get("precimark_version"))
    if envelope.get("format_version") != FORMAT_VERSION or series(written) != series(_version()):
        raise fail(
            "argument 'data'",
            f"a {envelope.get('type')} written by precimark {written} "
            f"(envelope format {envelope.get('format_version')})",
            f"an object written by precimark {series(_version())}.x",
            f"Install precimark=={written} to load it, or refit and save it with this version.",
        )
    return envelope["object"]


def save(obj: object, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` to ``path`` (see :func:`dump_bytes`)."""
    with open(path, "wb") as file:
        file.write(dump_bytes(obj))


def load(path: str | os.PathLike[str]) -> Any:
    """Read an object written by :func:`save` (see :func:`load_bytes`)."""
    with open(path, "rb") as file:
        return load_bytes(file.read())
