"""Pseudonymisation: replace identifiers by a keyed hash (HMAC-SHA256, RFC 2104).

The same key gives the same pseudonym for the same id in every run, process and machine, so
pseudonymised tables still join; without the key the pseudonyms cannot be linked back to the
ids, nor to pseudonyms made with another key. Under the GDPR pseudonymised data are still
personal data (the key holder can re-identify): keep the key out of the data's reach.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal, NoReturn, SupportsIndex, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.extensions import ExtensionArray

from precimark._validation import check_choice, check_columns, fail

__all__ = ["MIN_KEY_BYTES", "Pseudonymizer", "pseudonymize"]

MIN_KEY_BYTES = 16
"""Shortest key accepted (128 bits). Use ``secrets.token_bytes(32)`` for a new key."""

PseudonymOutput: TypeAlias = Literal["hex", "int"]

_BLOCK = 64  # SHA-256 block size in bytes
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


class Pseudonymizer:
    """A keyed hash of customer ids (HMAC-SHA256), for reuse across frames.

    Parameters
    ----------
    key : bytes or str
        Secret key, at least 16 bytes (a ``str`` is UTF-8 encoded). Generate one with
        ``secrets.token_bytes(32)`` and keep it in a secret store, away from the data.
    output : {"hex", "int"}, default "hex"
        ``"hex"``: the 64-character hexadecimal HMAC-SHA256 digest (a string).
        ``"int"``: its first 63 bits as a non-negative ``int64`` (compact and fast to join;
        the chance that two of ``n`` ids share a pseudonym is about ``n**2 / 2**64``, 5e-6 for
        ten million ids).

    Notes
    -----
    Ids are hashed by their text form, so the integer ``42`` and the string ``"42"`` get the
    same pseudonym; floating-point ids are refused (``42.0`` would not match ``42``). Missing
    ids stay missing. Each distinct id is hashed once.

    The object does not keep the key, only the two keyed SHA-256 states HMAC derives from it.
    Neither appears in ``repr`` or ``str``, and the object **refuses to be pickled** (also by
    joblib and cloudpickle): rebuild it from the key in each process instead of shipping it.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.privacy import Pseudonymizer
    >>> pz = Pseudonymizer(b"0123456789abcdef-not-a-real-key", output="int")
    >>> pz
    Pseudonymizer(key=<hidden>, output='int')
    >>> tx = pd.DataFrame({"customer_id": [17, 42, 17], "amount": [5.0, 9.5, 3.0]})
    >>> out = pz.pseudonymize(tx, "customer_id")
    >>> bool(out["customer_id"].iloc[0] == out["customer_id"].iloc[2]), out["amount"].tolist()
    (True, [5.0, 9.5, 3.0])
    """

    __slots__ = ("_inner", "_outer", "_output")

    def __init__(self, key: bytes | str, *, output: PseudonymOutput = "hex") -> None:
        check_choice(output, "output", ("hex", "int"))
        raw = _key_bytes(key)
        if len(raw) > _BLOCK:  # RFC 2104: long keys are hashed first
            raw = hashlib.sha256(raw).digest()
        padded = raw.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(padded.translate(_IPAD))
        self._outer = hashlib.sha256(padded.translate(_OPAD))
        self._output: PseudonymOutput = output

    @property
    def output(self) -> PseudonymOutput:
        """The output kind, ``"hex"`` or ``"int"`` (read-only)."""
        return self._output

    def __repr__(self) -> str:
        return f"Pseudonymizer(key=<hidden>, output={self.output!r})"

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(
            "Pseudonymizer objects cannot be pickled: they hold key material. Rebuild one from "
            "the key (read from your secret store) in each process."
        )

    def __copy__(self) -> Pseudonymizer:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> Pseudonymizer:
        return self

    def hash_ids(self, ids: Any) -> pd.Index:
        """Return the pseudonyms of ``ids`` (array-like), in order; missing ids stay missing.

        Examples
        --------
        >>> from precimark.privacy import Pseudonymizer
        >>> pz = Pseudonymizer("a passphrase of 16+ bytes")
        >>> pz.hash_ids([42, None]).str.len().tolist()
        [64.0, nan]
        >>> bool(pz.hash_ids([42])[0] == pz.hash_ids(["42"])[0])
        True
        """
        values: pd.Index
        if isinstance(ids, pd.Index):
            values = ids
        elif isinstance(ids, pd.Series | np.ndarray | ExtensionArray):
            values = pd.Index(ids)
        else:  # a list: keep each id's own type (pandas would turn [42, None] into floats)
            values = pd.Index(list(ids), dtype=object)
        return pd.Index(self._pseudonyms(values, "argument 'ids'"), name=values.name)

    def pseudonymize(self, frame: pd.DataFrame, columns: str | Sequence[str]) -> pd.DataFrame:
        """Return a copy of ``frame`` with the identifier ``columns`` replaced by pseudonyms.

        See :func:`pseudonymize`; ``frame`` is not modified.

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.privacy import Pseudonymizer
        >>> customers = pd.DataFrame({"spend": [10.0]}, index=pd.Index([7], name="customer_id"))
        >>> Pseudonymizer(b"k" * 16, output="int").pseudonymize(customers, "customer_id")
                             spend
        customer_id
        ...                   10.0
        """
        if not isinstance(frame, pd.DataFrame):
            raise fail("argument 'frame'", f"a {type(frame).__name__}", "a pandas DataFrame")
        names = [columns] if isinstance(columns, str) else list(columns)
        if not names:
            raise fail("argument 'columns'", "no column", "at least one column name")
        if not frame.columns.is_unique:
            raise fail("argument 'frame'", "duplicated column names", "unique column names")
        single_index = not isinstance(frame.index, pd.MultiIndex)
        in_index = [
            n for n in names if n not in frame.columns and single_index and n == frame.index.name
        ]
        check_columns(frame, [n for n in names if n not in in_index], "frame")
        out = frame.copy(deep=False)
        for name in names:
            if name not in in_index:
                out[name] = self._pseudonyms(frame[name], f"column '{name}'")
        if in_index:
            out.index = pd.Index(
                self._pseudonyms(frame.index, f"index '{frame.index.name}'"),
                name=frame.index.name,
            )
        return out

    def _pseudonyms(
        self, values: pd.Series[Any] | pd.Index, where: str
    ) -> npt.NDArray[np.int64] | npt.NDArray[np.object_] | ExtensionArray:
        if values.dtype.kind in "fc":
            raise fail(
                where,
                f"floating-point ids (dtype {values.dtype})",
                "integer or string ids",
                "Convert with .astype('Int64') (or to strings) first.",
            )
        if values.dtype == object:
            _refuse_float_objects(values, where)
        codes, uniques = pd.factorize(values)
        missing = codes < 0
        digests = self._digests(uniques)
        if self._output == "int":
            head = np.frombuffer(b"".join(digests), dtype=">u8")[::4] >> np.uint64(1)
            ints = np.append(head.astype(np.int64), 0)[codes]  # code -1 -> the appended 0
            return pd.arrays.IntegerArray(ints, missing) if missing.any() else ints
        # an object array: pandas infers its string dtype (and keeps None missing) on wrapping
        return np.array([d.hex() for d in digests] + [None], dtype=object)[codes]

    def _digests(self, uniques: Any) -> list[bytes]:
        if uniques.dtype.kind in "iu":
            messages = np.asarray(uniques).astype("S").tolist()
        else:
            messages = [str(value).encode() for value in uniques]
        inner, outer = self._inner.copy, self._outer.copy
        digests = []
        for message in messages:
            h = inner()
            h.update(message)
            o = outer()
            o.update(h.digest())
            digests.append(o.digest())
        return digests


def _refuse_float_objects(values: pd.Series[Any] | pd.Index, where: str) -> None:
    """Refuse floats (and bools) inside an object column: ``42.0`` would not match ``42``.

    Checked before factorising, which would merge ``42.0`` into ``42``; only columns that
    are not all strings or all integers need the look at each value.
    """
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "integer", "empty"):
        return
    odd = (float, complex, bool, np.floating, np.bool_)
    kinds = {type(v).__name__ for v in values if isinstance(v, odd) and v == v}  # NaN: missing
    if kinds:
        raise fail(
            where,
            f"ids of type {', '.join(sorted(kinds))} among the column's values",
            "integer or string ids",
            "Convert the column to one id type first (e.g. .astype('Int64') or .astype(str) "
            "after fixing the float ids at the source).",
        )


def _key_bytes(key: object) -> bytes:
    # Messages name the key's type and length, never its content.
    if isinstance(key, str):
        raw = key.encode()
    elif isinstance(key, bytes | bytearray):
        raw = bytes(key)
    else:
        raise fail("argument 'key'", f"a {type(key).__name__}", "bytes or str")
    if len(raw) < MIN_KEY_BYTES:
        raise fail(
            "argument 'key'",
            f"a key of {len(raw)} bytes",
            f"at least {MIN_KEY_BYTES} bytes",
            "Generate one with secrets.token_bytes(32) and keep it in a secret store.",
        )
    return raw


def pseudonymize(
    frame: pd.DataFrame,
    columns: str | Sequence[str],
    *,
    key: bytes | str,
    output: PseudonymOutput = "hex",
) -> pd.DataFrame:
    """Replace identifier columns by a keyed hash (HMAC-SHA256).

    Parameters
    ----------
    frame : DataFrame
        Any frame; not modified. May be empty.
    columns : str or sequence of str
        Identifier columns to replace. A name that is not a column but is the name of the
        frame's index (e.g. ``customer_id`` on a customer table) replaces the index.
    key : bytes or str
        Secret key, at least 16 bytes. The same key gives the same pseudonyms in every run and
        process; pseudonyms made with different keys cannot be linked.
    output : {"hex", "int"}, default "hex"
        64-character hexadecimal strings, or non-negative 63-bit integers (``int64``;
        ``Int64`` when ids are missing). See :class:`Pseudonymizer`.

    Returns
    -------
    DataFrame
        A copy of ``frame`` with the given columns (or index) replaced; missing ids stay
        missing. The other columns are unchanged.

    Raises
    ------
    DataValidationError
        If the key is shorter than 16 bytes or not bytes/str, a column is missing, or ids are
        floating-point numbers. Messages never contain the key or an id.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.privacy import pseudonymize
    >>> tx = pd.DataFrame({"customer_id": ["C1", "C2"], "amount": [5.0, 9.5]})
    >>> out = pseudonymize(tx, "customer_id", key="use a secret of 16+ bytes")
    >>> out["customer_id"].str.len().tolist(), tx["customer_id"].tolist()
    ([64, 64], ['C1', 'C2'])
    """
    return Pseudonymizer(key, output=output).pseudonymize(frame, columns)
