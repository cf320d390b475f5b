"""Array work done in place, block by block, where a full-size temporary would double the memory.

A million-customer log makes arrays of tens of megabytes; an expression such as
``values[keep]`` or ``lookup[codes]`` allocates another of the same size. These helpers walk
the array in blocks of :data:`BLOCK` rows instead, so each temporary is a block's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BLOCK", "blocks", "compact", "remap"]

BLOCK = 1 << 16
"""Rows per block: small enough that a temporary is a fraction of a megabyte."""


def blocks(n: int) -> Iterator[slice]:
    """Return slices of :data:`BLOCK` rows covering ``range(n)``, in order.

    Examples
    --------
    >>> from precimark._inplace import blocks
    >>> [(s.start, s.stop) for s in blocks(5)]
    [(0, 65536)]
    """
    return (slice(start, start + BLOCK) for start in range(0, n, BLOCK))


def compact(values: npt.NDArray[Any], keep: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """Return ``values[keep]``, moved to the front of ``values``' own buffer (a view of it).

    Each block is copied out before anything is written over it, and writes only reach
    positions before the block's end. ``values`` is overwritten.

    Examples
    --------
    >>> import numpy as np
    >>> from precimark._inplace import compact
    >>> values = np.array([1, 2, 3, 4])
    >>> compact(values, np.array([True, False, True, True]))
    array([1, 3, 4])
    """
    end = 0
    for rows in blocks(len(values)):
        kept = values[rows][keep[rows]]
        values[end : end + len(kept)] = kept
        end += len(kept)
    return values[:end]


def remap(codes: npt.NDArray[np.integer[Any]], lookup: npt.NDArray[Any]) -> None:
    """Replace each code by ``lookup[code]``, in place (``lookup``'s values fit ``codes``' dtype).

    Examples
    --------
    >>> import numpy as np
    >>> from precimark._inplace import remap
    >>> codes = np.array([2, 0, 2])
    >>> remap(codes, np.array([5, 6, 7]))
    >>> codes
    array([7, 5, 7])
    """
    for rows in blocks(len(codes)):
        codes[rows] = lookup[codes[rows]]
