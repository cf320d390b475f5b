"""Input checks shared by the KPI functions (samples, counts, money), in `_validation`'s wording."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._validation import check_number, fail, fail_rows

__all__ = ["as_sample", "check_count", "check_money", "check_positive"]


def as_sample(values: object, name: str, *, min_size: int = 1) -> npt.NDArray[np.float64]:
    """Return ``values`` (Series, array or list of numbers) as a finite float array.

    Errors name ``name``, the number of offending values and the first offending id (the
    Series index when given, else the position).
    """
    if isinstance(values, pd.DataFrame):
        raise fail(f"argument '{name}'", "a DataFrame", "a Series, array or list of numbers")
    ids: npt.NDArray[Any]
    array: npt.NDArray[np.float64]
    if isinstance(values, pd.Series):
        if pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype("float64")
        elif not pd.api.types.is_numeric_dtype(values.dtype):
            raise fail(f"argument '{name}'", f"values of dtype {values.dtype}", "numbers")
        array = np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        ids = values.index.to_numpy()
    else:
        try:
            array = np.asarray(values, dtype=np.float64).astype(np.float64, copy=False)
        except (TypeError, ValueError) as err:
            raise fail(f"argument '{name}'", f"a {type(values).__name__}", "numbers") from err
        if array.ndim != 1:
            raise fail(f"argument '{name}'", f"an array of shape {array.shape}", "a 1-d sample")
        ids = np.arange(array.size)
    if array.size < min_size:
        raise fail(
            f"argument '{name}'", f"{array.size} value(s)", f"at least {min_size} observations"
        )
    bad = ~np.isfinite(array)
    if bad.any():
        raise fail_rows(
            f"argument '{name}'",
            bad,
            ids,
            "missing or infinite value",
            "finite numbers",
            "Drop non-responses / missing outcomes explicitly before estimating.",
        )
    return array


def check_count(value: object, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an int if it is a whole number >= ``minimum``."""
    return int(check_number(value, name, low=minimum, integer=True))


def check_money(value: object, name: str) -> float:
    """Return ``value`` as a float if it is a finite number >= 0."""
    return check_number(value, name, low=0.0)


def check_positive(value: object, name: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0."""
    return check_number(value, name, low=0.0, inclusive="neither")
