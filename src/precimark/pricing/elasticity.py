"""Price elasticity of demand from observed price variation (log-log, controls, cross-fitted).

The model is ``log(quantity) = elasticity * log(price) + g(controls) + noise`` per segment.
Controls that move both price and demand (season, promotion, channel) would bias a plain
regression of log quantity on log price, so both are first predicted from the controls by a
regression fitted on the *other* folds (cross-fitting), and the elasticity is the slope of
the quantity residuals on the price residuals (the partialling-out estimator of double machine
learning), with a heteroskedasticity-robust standard error.

References
----------
Chernozhukov, V. et al. (2018). Double/debiased machine learning for treatment and structural
parameters. *The Econometrics Journal* 21(1), C1-C68.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold

from precimark._deprecation import deprecated_alias
from precimark._validation import (
    check_columns,
    check_frame,
    check_number,
    check_probability,
    check_seed,
    fail,
    fail_rows,
)
from precimark.pricing._arrays import FloatArray

__all__ = ["ELASTICITY_COLUMNS", "estimate_elasticity"]

ELASTICITY_COLUMNS: tuple[str, ...] = (
    "elasticity",
    "std_error",
    "ci_low",
    "ci_high",
    "n",
    "confidence",
    "method",
)
"""Columns of :func:`estimate_elasticity`, in order."""


_METHOD = "double-ml-hc0"
"""``method`` of every row of :func:`estimate_elasticity`: cross-fitted partialling-out, HC0."""


@deprecated_alias(
    quantity="quantity_column",
    price="price_column",
    controls="control_columns",
    segment="segment_column",
)
def estimate_elasticity(
    data: pd.DataFrame,
    *,
    quantity_column: str = "quantity",
    price_column: str = "price",
    control_columns: Sequence[str] = (),
    segment_column: str | None = None,
    model: Any = None,
    n_folds: int = 5,
    confidence: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Estimate the price elasticity of demand per segment, with confidence intervals.

    Parameters
    ----------
    data : DataFrame
        One row per observation (e.g. product x week, or customer x offer) with a positive
        quantity and price, the controls and the segment.
    quantity_column, price_column : str, default "quantity", "price"
        Column names of the quantity and the price (both must be > 0: the model is log-log).
    control_columns : sequence of str
        Columns that may drive both price and demand; categorical ones are one-hot encoded.
    segment_column : str, optional
        Column whose groups get their own elasticity (default: one for all rows, ``"all"``).
    model : scikit-learn regressor, optional
        Nuisance model predicting log price and log quantity from the controls (default
        :class:`~sklearn.linear_model.LinearRegression`). Cloned per fold.
    n_folds : int, default 5
        Cross-fitting folds.
    confidence : float, default 0.95
        Confidence level of the intervals.
    random_state : int, default 0
        Seed of the fold split.

    Other Parameters
    ----------------
    quantity, price, controls, segment : str or list of str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``quantity_column``,
        ``price_column``, ``control_columns`` and ``segment_column``.

    Returns
    -------
    DataFrame
        Indexed by segment: ``elasticity``, ``std_error`` (HC0), ``ci_low``, ``ci_high``,
        ``n``, ``confidence`` and ``method`` (:data:`ELASTICITY_COLUMNS`): one estimate per
        row, in the layout of :func:`precimark.kpi.estimates_frame` with the value named
        ``elasticity``.

    Raises
    ------
    DataValidationError
        On missing columns, non-positive or missing quantities or prices, or a segment with
        too few rows or no price variation left after the controls.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.pricing import estimate_elasticity
    >>> rng = np.random.default_rng(0)
    >>> promo = rng.random(2000) < 0.3
    >>> price = np.exp(np.log(20) - 0.2 * promo + rng.normal(0, 0.1, 2000))
    >>> quantity = np.exp(3 - 1.8 * np.log(price) + 0.5 * promo + rng.normal(0, 0.2, 2000))
    >>> df = pd.DataFrame({"price": price, "quantity": quantity, "promo": promo})
    >>> est = estimate_elasticity(df, control_columns=["promo"])
    >>> round(float(est.loc["all", "elasticity"]), 1), bool(est.loc["all", "ci_low"] < -1.8)
    (-1.8, True)
    """
    frame = check_frame(data, "data")
    needed = [quantity_column, price_column, *control_columns] + (
        [segment_column] if segment_column is not None else []
    )
    check_columns(frame, needed, "data")
    confidence = check_probability(confidence, "confidence", inclusive="neither")
    n_folds = int(check_number(n_folds, "n_folds", low=2, integer=True))
    check_seed(random_state, generator=False)
    log_q = _log_positive(frame, quantity_column)
    log_p = _log_positive(frame, price_column)
    design = (
        pd.get_dummies(frame[list(control_columns)], drop_first=True, dtype=np.float64).to_numpy(
            np.float64
        )
        if control_columns
        else np.zeros((len(frame), 0))
    )
    bad = np.asarray(~np.isfinite(design).all(axis=1), dtype=np.bool_)
    if bad.any():
        raise fail_rows(
            "argument 'control_columns'", bad, frame.index, "row with a missing control", "values"
        )
    if segment_column is None:
        codes, labels = np.zeros(len(frame), dtype=np.int64), pd.Index(["all"])
    else:
        missing = frame[segment_column].isna().to_numpy()
        if missing.any():
            raise fail_rows(
                f"column '{segment_column}'", missing, frame.index, "missing segment", "a segment"
            )
        codes, labels = pd.factorize(frame[segment_column], sort=True)
    nuisance = LinearRegression() if model is None else model
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows = []
    for k, label in enumerate(labels):
        idx = np.flatnonzero(codes == k)
        if idx.size < max(2 * n_folds, design.shape[1] + 3):
            raise fail(
                f"segment {label!r}",
                f"{idx.size} rows",
                f"at least {max(2 * n_folds, design.shape[1] + 3)} rows",
                "Merge small segments or use fewer controls.",
            )
        res_q = _residuals(design[idx], log_q[idx], nuisance, n_folds, random_state)
        res_p = _residuals(design[idx], log_p[idx], nuisance, n_folds, random_state)
        denom = float(res_p @ res_p)
        if denom <= 1e-12 * idx.size:
            raise fail(
                f"segment {label!r}",
                "no price variation left after the controls",
                "prices that vary independently of the controls",
            )
        theta = float(res_p @ res_q) / denom
        psi = (res_q - theta * res_p) * res_p
        se = float(np.sqrt(psi @ psi) / denom)
        rows.append((theta, se, theta - z * se, theta + z * se, idx.size, confidence, _METHOD))
    out = pd.DataFrame(rows, columns=list(ELASTICITY_COLUMNS), index=pd.Index(labels))
    out.index.name = segment_column if segment_column is not None else "segment"
    return out


def _log_positive(frame: pd.DataFrame, column: str) -> FloatArray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        raise fail_rows(
            f"column '{column}'",
            bad,
            frame.index,
            "missing, non-numeric or non-positive value",
            "numbers > 0 (the model is log-log)",
            "Drop zero-sale rows or aggregate to periods with sales.",
        )
    logs: FloatArray = np.log(values)
    return logs


def _residuals(
    design: FloatArray, target: FloatArray, model: Any, n_folds: int, random_state: int
) -> FloatArray:
    """Target minus its out-of-fold prediction from the controls (mean when none)."""
    residual = np.empty_like(target)
    folds = KFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    for train, test in folds.split(target):
        if design.shape[1] == 0:
            residual[test] = target[test] - target[train].mean()
        else:
            fitted = clone(model).fit(design[train], target[train])
            residual[test] = target[test] - fitted.predict(design[test])
    return residual
