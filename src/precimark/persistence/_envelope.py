r"""The pickle envelope: a signed header, then the pickled object.

Layout (format 2), three lines and the payload::

    precimark-object/2\n
    {"format_version": 2, "precimark_version": "0.2.0", "signed": true, "type": "..."}\n
    <64 hex digits of HMAC-SHA256(key, header line + b"\n" + payload), or "-" if unsigned>\n
    <pickle bytes>

Everything that decides whether the payload may be unpickled (the magic line, the format and
precimark versions, the signature) is read and checked before :func:`pickle.loads` runs. Format
1 (precimark 0.1) was a pickle of a dict: nothing could be checked before unpickling, so it
loads only with ``trusted=True``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
from typing import Any

from precimark._validation import fail
from precimark.persistence._header import series

__all__ = ["FORMAT_VERSION", "MIN_KEY_BYTES", "dump_bytes", "load", "load_bytes", "save"]

FORMAT_VERSION = 2
MIN_KEY_BYTES = 16
"""Shortest signing key accepted (16 bytes = 128 bits; use ``secrets.token_bytes(32)``)."""
_MAGIC = b"precimark-object/2"
_LEGACY_MAGIC = "precimark-object"  # format 1: a pickled dict carrying this "magic" value
_UNSIGNED = b"-"
_HOW_TO_TRUST = (
    "Pass the signing key it was saved with (key=...), or trusted=True if you wrote the file "
    "yourself or got it from someone you trust: unpickling runs code."
)


def _version() -> str:
    from precimark import __version__

    return __version__


def _key_bytes(key: bytes | str) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes):
        raise fail("argument 'key'", f"a {type(key).__name__}", "bytes or str")
    if len(key) < MIN_KEY_BYTES:
        raise fail(
            "argument 'key'",
            f"a key of {len(key)} bytes",
            f"at least {MIN_KEY_BYTES} bytes",
            "Generate one with secrets.token_bytes(32) and keep it outside the code.",
        )
    return key


def _signature(key: bytes, header: bytes, payload: bytes) -> bytes:
    return hmac.new(key, header + b"\n" + payload, hashlib.sha256).hexdigest().encode("ascii")


def dump_bytes(obj: object, *, key: bytes | str | None = None) -> bytes:
    """Serialise ``obj`` with the precimark version that wrote it, signed with ``key``.

    Parameters
    ----------
    obj : object
        Any picklable object (fitted models, policies, reports).
    key : bytes or str, optional
        Secret of at least :data:`MIN_KEY_BYTES` bytes (a str is encoded as UTF-8). The
        envelope then carries an HMAC-SHA256 of its header and payload, and :func:`load_bytes`
        given the same key unpickles it only if the signature matches. Without a key the
        envelope is unsigned and loads only with ``trusted=True``.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import secrets
    >>> from precimark.persistence import dump_bytes, load_bytes
    >>> key = secrets.token_bytes(32)
    >>> load_bytes(dump_bytes({"threshold": 0.5}, key=key), key=key)
    {'threshold': 0.5}
    """
    secret = None if key is None else _key_bytes(key)
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    header = json.dumps(
        {
            "format_version": FORMAT_VERSION,
            "precimark_version": _version(),
            "signed": secret is not None,
            "type": f"{type(obj).__module__}.{type(obj).__qualname__}",
        },
        sort_keys=True,
    ).encode("utf-8")
    mac = _UNSIGNED if secret is None else _signature(secret, header, payload)
    return b"\n".join([_MAGIC, header, mac, payload])


def load_bytes(data: bytes, *, key: bytes | str | None = None, trusted: bool = False) -> Any:
    """Load an object written by :func:`dump_bytes`, checking signature and version first.

    Parameters
    ----------
    data : bytes
        The output of :func:`dump_bytes` (or the content of a file :func:`save` wrote).
    key : bytes or str, optional
        The key the envelope was signed with. The signature is checked before anything is
        unpickled; a mismatch (a tampered payload or header, another key) is refused.
    trusted : bool, default False
        Skip the signature check: load an unsigned envelope, a signed one without its key, or a
        precimark 0.1 pickle. Only for files you wrote yourself or got from someone you trust,
        since unpickling runs whatever the file holds. With a ``key`` the signature is checked
        regardless.

    Returns
    -------
    object

    Raises
    ------
    DataValidationError
        If ``data`` is not a precimark envelope; if it is unsigned, signed without the key at
        hand, or its signature does not match, and ``trusted`` is False; if it was written by
        another ``major.minor`` version of precimark or another envelope format.

    Examples
    --------
    >>> from precimark.persistence import dump_bytes, load_bytes
    >>> load_bytes(dump_bytes([1, 2]), trusted=True)
    [1, 2]
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise fail("argument 'data'", f"a {type(data).__name__}", "bytes")
    if not isinstance(trusted, bool):
        raise fail("argument 'trusted'", f"a {type(trusted).__name__}", "True or False")
    secret = None if key is None else _key_bytes(key)
    data = bytes(data)
    if not data.startswith(_MAGIC + b"\n"):
        return _load_legacy(data, trusted=trusted and secret is None)
    parts = data.split(b"\n", 3)
    if len(parts) != 4:
        raise fail("argument 'data'", "a truncated precimark envelope", "output of dump_bytes")
    _, header_line, mac, payload = parts
    try:
        header = json.loads(header_line)
    except ValueError as err:
        raise fail(
            "argument 'data'", "an envelope with an unreadable header", "output of dump_bytes"
        ) from err
    if not isinstance(header, dict):
        raise fail(
            "argument 'data'", "an envelope with an unreadable header", "output of dump_bytes"
        )
    if secret is not None:
        if mac == _UNSIGNED:
            raise fail(
                "argument 'data'",
                "an unsigned envelope",
                "one signed with the key given",
                "Save it with precimark.persistence.save(obj, path, key=key).",
            )
        if not hmac.compare_digest(mac, _signature(secret, header_line, payload)):
            raise fail(
                "argument 'data'",
                "an envelope whose signature does not match the key given (altered, or signed "
                "with another key)",
                "one signed with this key",
                "Nothing was unpickled.",
            )
    elif not trusted:
        found = "an unsigned envelope" if mac == _UNSIGNED else "a signed envelope and no key"
        raise fail("argument 'data'", found, "a signature checked with key=", _HOW_TO_TRUST)
    _check_version(header)
    try:
        return pickle.loads(payload)  # the signature matched, or the caller trusts the bytes
    except Exception as err:  # whatever a corrupt payload makes the unpickler raise
        raise fail(
            "argument 'data'",
            f"a payload that does not unpickle ({type(err).__name__})",
            "output of dump_bytes",
        ) from err


def _check_version(header: dict[str, Any]) -> None:
    written = str(header.get("precimark_version"))
    if header.get("format_version") != FORMAT_VERSION or series(written) != series(_version()):
        raise fail(
            "argument 'data'",
            f"a {header.get('type')} written by precimark {written} "
            f"(envelope format {header.get('format_version')})",
            f"an object written by precimark {series(_version())}.x",
            f"Install precimark=={written} to load it, or refit and save it with this version.",
        )


def _load_legacy(data: bytes, *, trusted: bool) -> Any:
    """Read a format-1 envelope (precimark 0.1: a pickled dict), only when trusted."""
    if not data.startswith(b"\x80"):  # every pickle of protocol >= 2 starts with PROTO
        raise fail(
            "argument 'data'", "bytes that are not a precimark envelope", "output of dump_bytes"
        )
    if not trusted:
        raise fail(
            "argument 'data'",
            "a pickle that is not a signed precimark envelope (precimark 0.1 wrote unsigned "
            "pickles)",
            "an envelope whose signature can be checked before unpickling",
            "Load it once with trusted=True if you trust its source, then save it again with a key.",
        )
    try:
        envelope = pickle.loads(data)  # the caller said trusted=True
    except Exception as err:  # whatever corrupt bytes make the unpickler raise
        raise fail(
            "argument 'data'",
            f"bytes that do not unpickle ({type(err).__name__})",
            "output of dump_bytes",
        ) from err
    if not isinstance(envelope, dict) or envelope.get("magic") != _LEGACY_MAGIC:
        raise fail(
            "argument 'data'",
            "a pickle that is not a precimark envelope",
            "output of dump_bytes/save",
        )
    written = str(envelope.get("precimark_version"))
    if series(written) != series(_version()):
        raise fail(
            "argument 'data'",
            f"a {envelope.get('type')} written by precimark {written} (envelope format 1)",
            f"an object written by precimark {series(_version())}.x",
            f"Install precimark=={written} to load it, or refit and save it with this version.",
        )
    return envelope["object"]


def save(obj: object, path: str | os.PathLike[str], *, key: bytes | str | None = None) -> None:
    """Write ``obj`` to ``path``, signed with ``key`` (see :func:`dump_bytes`).

    Examples
    --------
    >>> import secrets, tempfile, pathlib
    >>> from precimark.persistence import load, save
    >>> key = secrets.token_bytes(32)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "policy.pkl"
    >>> save({"vip_discount": 0.1}, path, key=key)
    >>> load(path, key=key)
    {'vip_discount': 0.1}
    """
    with open(path, "wb") as file:
        file.write(dump_bytes(obj, key=key))


def load(
    path: str | os.PathLike[str], *, key: bytes | str | None = None, trusted: bool = False
) -> Any:
    """Read an object written by :func:`save` (see :func:`load_bytes`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from precimark.persistence import load, save
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "own.pkl"
    >>> save([1, 2, 3], path)
    >>> load(path, trusted=True)
    [1, 2, 3]
    """
    with open(path, "rb") as file:
        return load_bytes(file.read(), key=key, trusted=trusted)
