"""The one pre-check of the data given to the estimators that wrap scikit-learn.

:func:`check_fit_data` runs before any scikit-learn call of a ``fit``, so a bad input is a
:class:`~precimark.exceptions.DataValidationError` naming the column (or argument), the count
and the first customer (the frame's index, else the row position) instead of a numpy or
scikit-learn error from deep inside: features finite and numeric, labels present, at least
two classes where a classifier needs them, sample weights finite and >= 0 with at least one
non-zero. Weights of 0 are allowed: in scikit-learn a zero weight means "leave the row out"
(``check_estimator`` checks exactly that).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.utils.validation import _check_sample_weight, validate_data

from precimark._validation import check_seed, fail, fail_rows

__all__ = ["check_classes", "check_fit_data", "cloned_classifier"]

FloatArray = npt.NDArray[np.float64]


def _row_ids(data: Any, n: int) -> npt.NDArray[Any]:
    return data.index.to_numpy() if isinstance(data, pd.Series | pd.DataFrame) else np.arange(n)


def _check_features(X: Any) -> None:
    """Refuse a frame column that is not numeric, naming it (arrays: scikit-learn's check)."""
    if not isinstance(X, pd.DataFrame):
        if isinstance(X, np.ndarray) and X.dtype.kind in "USM":
            raise fail("argument 'X'", f"an array of dtype {X.dtype}", "numeric features")
        return
    for column in X.columns:
        dtype = X[column].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        if not numeric:
            raise fail(
                f"column '{column}' of X",
                f"values of dtype {dtype}",
                "numeric features",
                "Encode categories first (e.g. sklearn.preprocessing.OneHotEncoder in a "
                "Pipeline) and convert numbers stored as text with pd.to_numeric.",
            )


def _check_finite(X: FloatArray, original: Any, names: Any) -> None:
    bad = ~np.isfinite(X)
    if not bad.any():
        return
    rows = np.asarray(bad.any(axis=1), dtype=bool)
    column = int(np.argmax(bad[int(np.argmax(rows))]))
    where = (
        f"column '{names[column]}' of X" if names is not None else f"argument 'X' (column {column})"
    )
    raise fail_rows(
        where,
        rows,
        _row_ids(original, X.shape[0]),
        "row with a missing (NaN) or infinite feature",
        "finite features",
        "Impute or drop missing values first (e.g. sklearn.impute.SimpleImputer in a "
        "Pipeline), or use a model that accepts them.",
    )


def _check_labels(y: Any) -> None:
    values = np.asarray(y)
    if values.ndim != 1:
        return  # scikit-learn's shape check words this case
    missing = np.zeros(values.size, dtype=bool)
    if values.dtype.kind in "fcOmM":
        missing = np.asarray(pd.isna(values), dtype=bool)
    if values.dtype.kind in "fc":
        missing = missing | np.isinf(values)
    if missing.any():
        raise fail_rows(
            "argument 'y'",
            missing,
            _row_ids(y, values.size),
            "missing (NaN) or infinite label",
            "a finite outcome on every row",
            "Drop rows whose outcome is unknown before fitting.",
            plural="missing (NaN) or infinite labels",
        )


def _check_weights(sample_weight: Any, X: FloatArray) -> FloatArray:
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise fail(
            "argument 'sample_weight'",
            f"a {type(sample_weight).__name__} that is not numeric",
            "one number >= 0 per row",
        ) from err
    if w.shape == (X.shape[0],):
        ids = _row_ids(sample_weight, w.size)
        where = "argument 'sample_weight'"
        if (bad := ~np.isfinite(w)).any():
            raise fail_rows(where, bad, ids, "missing or infinite weight", "finite weights")
        if (negative := w < 0).any():
            raise fail_rows(where, negative, ids, "negative weight", "weights >= 0")
        if not w.any():
            raise fail(where, "every weight is zero", "at least one non-zero weight")
    checked: FloatArray = _check_sample_weight(w if w.ndim else sample_weight, X, dtype=np.float64)
    return checked


def check_fit_data(
    estimator: Any,
    X: Any,
    y: Any,
    sample_weight: Any = None,
    *,
    y_numeric: bool = False,
) -> tuple[FloatArray, npt.NDArray[Any], FloatArray | None]:
    """Validate ``fit``'s data once, then call scikit-learn's ``validate_data`` on it.

    The estimator's ``random_state`` (a scikit-learn seed: None or an int) and its
    ``estimator`` / ``effect_estimator`` (None or a scikit-learn estimator) are checked too.
    Returns the feature array, the label array and the weights (None when not given).
    """
    check_seed(getattr(estimator, "random_state", None), generator=False)
    for name in ("estimator", "effect_estimator"):
        model = getattr(estimator, name, None)
        if model is not None and not hasattr(model, "fit"):
            raise fail(
                f"argument '{name}'",
                f"a {type(model).__name__}",
                "None (precimark's default) or a scikit-learn estimator",
            )
    _check_features(X)
    _check_labels(y)
    names = list(X.columns) if isinstance(X, pd.DataFrame) else None
    X_arr, y_arr = validate_data(estimator, X, y, y_numeric=y_numeric, ensure_all_finite=False)
    _check_finite(np.asarray(X_arr, dtype=np.float64), X, names)
    weights = None if sample_weight is None else _check_weights(sample_weight, X_arr)
    return X_arr, y_arr, weights


def check_classes(y: npt.NDArray[Any], where: str = "argument 'y'", arm: str = "") -> None:
    """Refuse labels with fewer than two classes (a classifier cannot be fitted on one)."""
    classes = np.unique(y)
    if len(classes) < 2:
        shown = "no rows" if not len(classes) else f"only one class ({classes[0].item()!r})"
        raise fail(
            where,
            f"{shown}{arm}",
            "at least two classes (e.g. buyers and non-buyers)",
            "A constant outcome carries no signal to learn: check the label window, or fit "
            "on a longer period.",
        )


def cloned_classifier(estimator: Any) -> Any:
    """Return a clone of ``estimator``; refuse it by name unless a classifier with predict_proba."""
    try:  # scikit-learn reads tags, which an object outside its API may lack
        classifier = hasattr(estimator, "predict_proba") and is_classifier(estimator)
    except (AttributeError, TypeError):
        classifier = False
    if not classifier:
        raise fail(
            "argument 'estimator'",
            f"a {type(estimator).__name__}",
            "a scikit-learn classifier with predict_proba",
        )
    return clone(estimator)
