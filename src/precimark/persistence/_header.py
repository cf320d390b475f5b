"""The header every precimark JSON document starts with, and the checks made on reading it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from precimark._validation import fail
from precimark.exceptions import PrecimarkError

__all__ = ["header", "read_header", "reading", "series"]


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
    if not isinstance(data, Mapping):
        raise fail("argument 'data'", f"a {type(data).__name__}", f"a {cls.__name__} document")
    kind = data.get("type", data.get("model"))  # CLV documents of precimark 0.1.0 say "model"
    if kind != cls.__name__:
        raise fail("argument 'data'", f"a document of type {kind!r}", f"a {cls.__name__} document")
    if data.get("format_version") != format_version:
        found = f"format_version {data.get('format_version')!r}"
        raise _incompatible(cls, data, found, f"format_version {format_version}")
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


@contextmanager
def reading(cls: type) -> Iterator[None]:
    """Turn any failure while rebuilding a ``cls`` from a document into one clear error.

    A document that passed :func:`read_header` but lacks a key or holds a value of the wrong
    type would otherwise fail deep inside pandas or scikit-learn.
    """
    try:
        yield
    except PrecimarkError:
        raise
    except Exception as err:  # whatever a malformed value makes pandas or sklearn raise
        raise fail(
            "argument 'data'",
            f"a malformed {cls.__name__} document ({type(err).__name__}: {err})",
            "the unaltered output of to_dict",
        ) from err
