"""Treatment assignment: arm labels, propensity scores, overlap and covariate balance.

A campaign assigns each customer to the control group or to one of ``k`` treatment arms. In a
randomised campaign the assignment probabilities (propensities) are known constants; in an
observational one they depend on the customer, and the uplift learners need them
(``propensity=``) to remove the confounding. :func:`balance_table` shows how different the
arms are before and after inverse-propensity weighting (standardised mean differences,
Austin 2009); the learners and the inverse-propensity-weighted metrics warn with a
:class:`~precimark.exceptions.DataQualityWarning` when overlap is poor (a probability below
:data:`OVERLAP_BOUND`, i.e. a weight above 100).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import norm
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from precimark._validation import fail
from precimark.exceptions import DataQualityWarning

__all__ = ["OVERLAP_BOUND", "SMD_THRESHOLD", "balance_table"]

FloatArray = npt.NDArray[np.float64]

OVERLAP_BOUND = 0.01
"""Assignment probabilities below this (inverse-probability weights above 100) draw a warning."""
SMD_THRESHOLD = 0.1
"""An absolute standardised mean difference above this is a meaningful imbalance (Austin 2009)."""


@dataclass(frozen=True)
class _Arms:
    """Arm codes of the rows: 0 for control, ``1 ... k`` for ``labels[1:]``."""

    codes: npt.NDArray[np.intp]
    labels: npt.NDArray[Any]  # [control, *arms]

    @property
    def k(self) -> int:
        return len(self.labels) - 1


def _arms(treated: Any, n: int, control: Any) -> _Arms:
    """Validate the treatment labels; the control label comes first, then the sorted arms."""
    t = np.asarray(treated)
    if t.shape != (n,):
        raise fail("argument 'treated'", f"shape {t.shape}", f"one value per row ({n},)")
    if t.dtype.kind == "f":
        bad = ~np.isfinite(t) | (t != np.round(t))
        if bad.any():
            raise fail(
                "argument 'treated'",
                f"{int(bad.sum())} missing or non-integer value(s) (first at row "
                f"{int(np.argmax(bad))})",
                "0 (control) / 1 (treated), or arm labels (integers or strings)",
            )
        t = t.astype(np.int64)
    elif t.dtype.kind == "b":
        t = t.astype(np.int64)
    elif t.dtype.kind == "O":
        missing = pd.isna(t)
        if missing.any():
            raise fail(
                "argument 'treated'",
                f"{int(missing.sum())} missing value(s) (first at row {int(np.argmax(missing))})",
                "an arm label on every row",
            )
        t = t.astype(str)
    labels = np.unique(t)
    if control not in set(labels.tolist()):
        shown = ", ".join(repr(v) for v in labels.tolist()[:5])
        raise fail(
            "argument 'treated'",
            f"no row with the control label {control!r} (labels: {shown})",
            "control rows",
            "Name the control label, e.g. control='control'.",
        )
    if len(labels) < 2:
        raise fail("argument 'treated'", "only control rows", "treated and control rows")
    arms = labels[labels != control]
    ordered = np.concatenate((np.asarray([control], dtype=labels.dtype), arms))
    codes = np.searchsorted(labels, t)
    position = np.empty(len(labels), dtype=np.intp)
    position[np.searchsorted(labels, ordered)] = np.arange(len(labels))
    return _Arms(codes=position[codes], labels=ordered)


def _assignment(
    propensity: Any,
    X: Any,
    arms: _Arms,
    sample_weight: FloatArray | None,
    random_state: int | None,
) -> tuple[FloatArray, bool]:
    """Return each row's probability of each arm, shape (n, k + 1), and whether it is constant.

    ``propensity``: None (randomised: the weighted arm shares), a probability of treatment
    (one arm), an array of shape (n,) (one arm) or (n, k + 1), or a classifier of the arm
    labels (used as is if fitted, else fitted out of fold).
    """
    n, width = len(arms.codes), arms.k + 1  # X (as given to fit) is read by a model only
    if propensity is None:
        w = np.ones(n) if sample_weight is None else sample_weight
        shares = np.bincount(arms.codes, weights=w, minlength=width) / np.sum(w)
        return np.tile(shares, (n, 1)), True
    if _is_classifier(propensity):
        matrix = _check_probabilities(
            _model_probabilities(propensity, X, arms, sample_weight, random_state)
        )
        constant = False
    else:
        matrix = _probability_matrix(propensity, n, width)
        constant = np.ndim(propensity) == 0
    _warn_overlap(matrix)
    return matrix, constant


def _is_classifier(propensity: Any) -> bool:
    return hasattr(propensity, "predict_proba") and hasattr(propensity, "fit")


def _probability_matrix(propensity: Any, n: int, width: int) -> FloatArray:
    """Validate given probabilities: a number or shape (n,) (one arm), or shape (n, width)."""
    values = np.asarray(propensity)
    if values.dtype.kind not in "biuf":
        raise fail(
            "argument 'propensity'",
            f"a {type(propensity).__name__}",
            "probabilities (a number or an array) or a scikit-learn classifier",
        )
    values = values.astype(np.float64)
    if values.ndim <= 1 and width != 2:
        raise fail(
            "argument 'propensity'",
            f"shape {values.shape} for {width - 1} arms",
            f"shape ({n}, {width}): one column per label, control first",
        )
    if values.ndim == 0:
        values = np.full(n, float(values))
    if values.ndim == 1:
        if values.shape != (n,):
            raise fail("argument 'propensity'", f"shape {values.shape}", f"({n},)")
        values = np.column_stack((1.0 - values, values))
    if values.shape != (n, width):
        raise fail("argument 'propensity'", f"shape {values.shape}", f"({n}, {width})")
    return _check_probabilities(values)


def _check_probabilities(values: FloatArray) -> FloatArray:
    """Refuse probabilities that are missing, 0 or 1, or rows that do not sum to 1."""
    bad = ~np.isfinite(values).all(axis=1) | (values <= 0).any(axis=1) | (values >= 1).any(axis=1)
    if bad.any():
        raise fail(
            "argument 'propensity'",
            f"{int(bad.sum())} row(s) with a probability that is missing, 0 or 1 (first at row "
            f"{int(np.argmax(bad))})",
            "probabilities strictly between 0 and 1 (every customer could get every arm)",
            "Leave out the customers who could never be treated (or never be left out).",
        )
    if np.abs(values.sum(axis=1) - 1.0).max() > 1e-6:
        raise fail("argument 'propensity'", "rows that do not sum to 1", "probabilities per row")
    return values


def _model_probabilities(
    model: Any,
    X: Any,
    arms: _Arms,
    sample_weight: FloatArray | None,
    random_state: int | None,
) -> FloatArray:
    """Return a fitted model's probabilities; fit an unfitted one out of fold (3 folds).

    Each fold's clone is fitted with the rows' ``sample_weight`` when there are weights (the
    outcome models see them too), passed as :func:`~precimark.propensity.models._fit_estimator`
    passes them, so a ``Pipeline`` and metadata routing work as for the outcome models.
    """
    # models imports metrics, which imports this module: import the fitting helper here
    from precimark.propensity.models import _fit_estimator

    try:
        check_is_fitted(model)
    except NotFittedError:
        proba = np.empty((len(arms.codes), arms.k + 1))
        folds = StratifiedKFold(3, shuffle=True, random_state=random_state)
        for train, test in folds.split(np.zeros(len(arms.codes)), arms.codes):
            weights = None if sample_weight is None else sample_weight[train]
            fold = _fit_estimator(
                clone(model), _safe_indexing(X, train), arms.codes[train], weights
            )
            proba[test] = _fitted_probabilities(
                fold, _safe_indexing(X, test), np.arange(arms.k + 1)
            )
        return proba
    return _fitted_probabilities(model, X, arms.labels)


def _fitted_probabilities(model: Any, X: Any, labels: npt.NDArray[Any]) -> FloatArray:
    """Return a fitted classifier's probability of each label (control first), (n, k + 1)."""
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    classes = list(model.classes_)
    missing = [label for label in labels.tolist() if label not in classes]
    if missing:
        raise fail(
            "argument 'propensity'",
            f"a classifier without the label(s) {missing!r} (its classes: {classes!r})",
            "a classifier fitted on the same treatment labels",
        )
    return proba[:, [classes.index(label) for label in labels.tolist()]]


def _warn_overlap(matrix: FloatArray) -> None:
    low: npt.NDArray[np.bool_] = np.asarray((matrix < OVERLAP_BOUND).any(axis=1))
    if low.any():
        warnings.warn(
            f"Poor overlap: {int(low.sum())} of {len(low)} rows (first at row "
            f"{int(np.argmax(low))}) have an assignment probability below {OVERLAP_BOUND} "
            f"(smallest {matrix.min():.2g}), so inverse-probability weights above "
            f"{1 / OVERLAP_BOUND:.0f} drive the estimates. Restrict the analysis to customers "
            "who could have received every arm, or use an outcome-model learner "
            "(TwoModelUplift).",
            DataQualityWarning,
            stacklevel=3,
        )


def _weighted_moments(x: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    mean = (w @ x) / w.sum()
    variance = (w @ (x - mean) ** 2) / w.sum()
    return mean, variance


def _differences(
    X: FloatArray, t: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Means, variances per arm and the standardised mean difference (Austin 2009)."""
    mean_t, var_t = _weighted_moments(X[t == 1], w[t == 1])
    mean_c, var_c = _weighted_moments(X[t == 0], w[t == 0])
    pooled = np.sqrt((var_t + var_c) / 2.0)
    smd = np.divide(mean_t - mean_c, pooled, out=np.zeros_like(pooled), where=pooled > 0)
    return mean_t, mean_c, var_t, var_c, smd


def _randomisation_check(X: FloatArray, t: FloatArray, w: FloatArray | None) -> str | None:
    """Describe the clearest sign that ``t`` depends on ``X``, or None.

    A feature is flagged when its absolute standardised mean difference exceeds
    :data:`SMD_THRESHOLD` *and* its two-sample z statistic is significant at 0.001 after a
    Bonferroni correction over the features: under randomisation the first is rare in large
    samples and the second in any sample.
    """
    weights = np.ones(len(t)) if w is None else w
    mean_t, mean_c, var_t, var_c, smd = _differences(X, t, weights)
    n_t, n_c = float(np.sum(t == 1)), float(np.sum(t == 0))
    se = np.sqrt(var_t / n_t + var_c / n_c)
    z = np.divide(mean_t - mean_c, se, out=np.zeros_like(se), where=se > 0)
    p_values = np.minimum(2.0 * norm.sf(np.abs(z)) * X.shape[1], 1.0)
    flagged = (np.abs(smd) > SMD_THRESHOLD) & (p_values < 1e-4)
    if not flagged.any():
        return None
    j = int(np.argmax(np.where(flagged, np.abs(smd), -1.0)))
    return f"feature {j} has a standardised mean difference of {smd[j]:+.2f} between the arms"


def balance_table(
    X: Any,
    treated: npt.ArrayLike,
    *,
    propensity: Any = None,
    sample_weight: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Covariate balance between treated and control rows, before and after weighting.

    Per feature: the mean in each arm, the standardised mean difference
    ``smd = (mean_treated - mean_control) / sqrt((var_treated + var_control) / 2)`` and the
    variance ratio (Austin 2009). With ``propensity``, the same after inverse-propensity
    weighting (treated rows weighted ``1 / e(x)``, control rows ``1 / (1 - e(x))``; weighted
    means and variances), which is what an IPW estimator compares: a good propensity model
    brings every ``abs(smd_weighted)`` below 0.1. A randomised campaign shows small
    differences before weighting already. Poor overlap (a probability below
    :data:`OVERLAP_BOUND`) draws a :class:`~precimark.exceptions.DataQualityWarning`.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        Numeric features (a DataFrame's column names label the rows of the result).
    treated : array-like of 0/1
        Treatment indicator: 1 for treated rows, 0 for control rows (both present).
    propensity : float, array-like or fitted classifier, optional
        Each row's probability of treatment, as for the uplift learners' ``fit``.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights (multiplying the inverse-propensity weights).

    Returns
    -------
    DataFrame
        Indexed by ``feature``: ``mean_treated``, ``mean_control``, ``smd``,
        ``variance_ratio`` and, with ``propensity``, ``mean_treated_weighted``,
        ``mean_control_weighted``, ``smd_weighted`` and ``variance_ratio_weighted``.

    References
    ----------
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
    covariates between treatment groups in propensity-score matched samples. *Statistics in
    Medicine* 28(25), 3083-3107.

    Examples
    --------
    >>> from precimark.datasets import make_observational_uplift_data
    >>> from precimark.propensity import balance_table
    >>> d = make_observational_uplift_data(20_000, random_state=0)
    >>> X = d.filter(like="x")
    >>> table = balance_table(X, d["treatment"], propensity=d["propensity"])
    >>> round(float(table.loc["x0", "smd"]), 1), bool(table["smd_weighted"].abs().max() < 0.1)
    (0.7, True)
    """
    names = (
        [str(c) for c in X.columns]
        if isinstance(X, pd.DataFrame)
        else [f"x{i}" for i in range(np.shape(X)[1])]
    )
    features = np.asarray(X, dtype=np.float64)
    if features.ndim != 2 or not np.isfinite(features).all():
        raise fail("argument 'X'", "missing, infinite or non-2-D values", "a finite 2-D array")
    arms = _arms(treated, len(features), 0)
    if arms.k != 1:
        raise fail("argument 'treated'", f"{arms.k} arms", "0/1 (one treatment arm)")
    t = (arms.codes == 1).astype(np.float64)
    w = (
        np.ones(len(t))
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    )
    if w.shape != t.shape or not np.isfinite(w).all() or (w < 0).any():
        raise fail("argument 'sample_weight'", "bad weights", "finite weights >= 0, one per row")
    columns: dict[str, FloatArray] = {}
    mean_t, mean_c, var_t, var_c, smd = _differences(features, t, w)
    ratio = np.divide(var_t, var_c, out=np.full_like(var_t, np.inf), where=var_c > 0)
    columns.update(mean_treated=mean_t, mean_control=mean_c, smd=smd, variance_ratio=ratio)
    if propensity is not None:
        matrix, _ = _assignment(propensity, X, arms, None, None)
        ipw = w / np.where(t == 1, matrix[:, 1], matrix[:, 0])
        mean_t, mean_c, var_t, var_c, smd = _differences(features, t, ipw)
        ratio = np.divide(var_t, var_c, out=np.full_like(var_t, np.inf), where=var_c > 0)
        columns.update(
            mean_treated_weighted=mean_t,
            mean_control_weighted=mean_c,
            smd_weighted=smd,
            variance_ratio_weighted=ratio,
        )
    return pd.DataFrame(columns, index=pd.Index(names, name="feature"))
