"""Array helpers shared by the pricing modules (private)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._validation import fail, fail_rows

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Labels: TypeAlias = tuple[IntArray, list[str]]
"""Per-row texts as codes into a list of labels (code -1: none)."""


def numeric_column(
    frame: pd.DataFrame, column: str, who: str = "on every row", *, allow_bool: bool = False
) -> FloatArray:
    """Return ``frame[column]`` as floats, refusing non-numeric, missing or infinite values."""
    series = frame[column]
    is_bool = pd.api.types.is_bool_dtype(series.dtype)
    if (is_bool and not allow_bool) or not (is_bool or pd.api.types.is_numeric_dtype(series.dtype)):
        raise fail(f"column '{column}'", f"values of dtype {series.dtype}", "numbers")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise fail_rows(
            f"column '{column}'", bad, frame.index, "missing or infinite value", f"a number {who}"
        )
    return values


def check_probabilities(
    values: FloatArray, where: str, ids: npt.ArrayLike, *, low: float = 0.0, what: str = "value"
) -> FloatArray:
    """Return ``values`` if every one lies in ``[low, 1]``; else refuse, never clip.

    ``low=-1`` for an uplift (a difference of two probabilities). A NaN is refused too.
    """
    bad = ~((values >= low) & (values <= 1.0))
    if bad.any():
        raise fail_rows(
            where,
            bad,
            ids,
            f"{what} outside [{low:g}, 1]",
            f"probabilities from {low:g} to 1",
            "Probabilities are refused, not clipped: check the model that produced them "
            "(e.g. a score or a percentage given as a probability).",
        )
    return values


def unique_inverse(key: IntArray) -> tuple[IntArray, IntArray]:
    """``np.unique(key, return_inverse=True)``, in linear time when the keys are few and small."""
    if key.size and key.min() >= 0 and key.max() < max(4 * key.size, 1 << 16):
        present = np.zeros(int(key.max()) + 1, dtype=bool)
        present[key] = True
        uniq = np.flatnonzero(present)
        position = np.cumsum(present) - 1
        return uniq.astype(np.int64), position[key].astype(np.int64)
    inverse, uniq = pd.factorize(key, sort=True)  # hashing: linear, sorts the uniques only
    return np.asarray(uniq, dtype=np.int64), np.asarray(inverse, dtype=np.int64)
