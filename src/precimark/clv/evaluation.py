"""Honest holdout evaluation of purchase models, and a model comparison table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from precimark._display import html_block
from precimark._typing import TimeUnit
from precimark._validation import (
    check_columns,
    check_frame,
    fail,
    fail_rows,
    resolve_time_unit,
)
from precimark.clv._base import _PurchaseModel
from precimark.clv.models import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel
from precimark.kpi.estimates import _finite_or_none
from precimark.schema import DURATION_HOLDOUT, FREQUENCY, FREQUENCY_HOLDOUT, RECENCY, T

__all__ = ["HoldoutEvaluation", "compare_models", "evaluate"]

_CAL = [f"{FREQUENCY}_cal", f"{RECENCY}_cal", f"{T}_cal"]
_MAX_BUCKET = 7  # counts 0..6 and "7+"


@dataclass(frozen=True)
class HoldoutEvaluation:
    """How well a purchase model fitted on a calibration period predicts the holdout.

    Attributes
    ----------
    per_frequency : DataFrame
        By calibration frequency (0..6, "7+"): ``n_customers``, ``actual`` and ``predicted``
        mean holdout purchases (Fader, Hardie & Lee 2005, Figure 4).
    calibration_fit : DataFrame
        Number of customers with 0..6 and 7+ calibration repeat purchases: ``actual`` and
        ``expected`` under the model (Figure 2), with each cell's chi-square contribution.
    chi_square, chi_square_dof, chi_square_pvalue : float, int, float
        Goodness of fit of ``calibration_fit`` (dof = cells - 1 - parameters).
    total_actual, total_predicted : float
        Holdout purchases of all customers, observed and predicted.
    mae, rmse : float
        Per-customer errors of predicted holdout purchases.
    spearman : float
        Rank correlation of predicted and actual holdout purchases.
    top_decile_capture : float
        Share of all actual holdout purchases made by the 10% of customers with the highest
        predictions (0.1 would be no better than random).
    """

    per_frequency: pd.DataFrame
    calibration_fit: pd.DataFrame
    chi_square: float
    chi_square_dof: int
    chi_square_pvalue: float
    total_actual: float
    total_predicted: float
    mae: float
    rmse: float
    spearman: float
    top_decile_capture: float

    def summary(self) -> pd.Series:
        """Return the scalar measures as one Series.

        Returns
        -------
        Series
        """
        return pd.Series(
            {
                "total_actual": self.total_actual,
                "total_predicted": self.total_predicted,
                "mae": self.mae,
                "rmse": self.rmse,
                "spearman": self.spearman,
                "top_decile_capture": self.top_decile_capture,
                "chi_square": self.chi_square,
                "chi_square_pvalue": self.chi_square_pvalue,
            },
            name="holdout_evaluation",
        )

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`per_frequency`, the holdout comparison by frequency.

        The scalar measures are in :meth:`summary` and :meth:`to_dict`, the calibration
        table in :attr:`calibration_fit`. Every row is a group of customers (by calibration
        frequency), never a single customer.

        Returns
        -------
        DataFrame
            Indexed by ``frequency_cal`` ("0".."6", "7+"): ``n_customers``, ``actual`` and
            ``predicted`` mean holdout purchases (NaN where a bucket has no customers).

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.clv import HoldoutEvaluation
        >>> table = pd.DataFrame({"n_customers": [3, 1], "actual": [0.5, 2.0],
        ...     "predicted": [0.4, 1.5]}, index=pd.Index(["0", "1"], name="frequency_cal"))
        >>> fit = pd.DataFrame({"actual": [3.0, 1.0], "expected": [2.9, 1.1],
        ...     "chi_square": [0.003, 0.009]}, index=table.index)
        >>> report = HoldoutEvaluation(table, fit, 0.012, 0, 1.0, 3.5, 2.7, 0.2, 0.3, 0.9, 0.5)
        >>> report.to_frame()
                       n_customers  actual  predicted
        frequency_cal
        0                        3     0.5        0.4
        1                        1     2.0        1.5
        """
        return self.per_frequency.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict: the scalar measures and both aggregate tables.

        Scalars are plain floats and ints; ``per_frequency`` and ``calibration_fit`` map each
        frequency label ("0".."6", "7+") to its row, ``{column: value}``. A NaN or infinite
        value (an empty frequency bucket, ``top_decile_capture`` without holdout purchases,
        an undefined ``spearman``) becomes None. Only aggregates are included: no customer
        id or per-customer value.

        Returns
        -------
        dict

        Examples
        --------
        >>> import json
        >>> import pandas as pd
        >>> from precimark.clv import HoldoutEvaluation
        >>> table = pd.DataFrame({"n_customers": [3, 0], "actual": [0.5, float("nan")],
        ...     "predicted": [0.4, float("nan")]},
        ...     index=pd.Index(["0", "1"], name="frequency_cal"))
        >>> fit = pd.DataFrame({"actual": [3.0, 0.0], "expected": [2.9, 0.1],
        ...     "chi_square": [0.003, 0.1]}, index=table.index)
        >>> report = HoldoutEvaluation(table, fit, 0.103, 0, 1.0, 1.5, 1.2, 0.2, 0.3, 0.9,
        ...                            float("nan"))
        >>> d = report.to_dict()
        >>> d["rmse"], d["top_decile_capture"], d["per_frequency"]["1"]
        (0.3, None, {'n_customers': 0, 'actual': None, 'predicted': None})
        >>> _ = json.dumps(d, allow_nan=False)
        """
        return {
            "total_actual": _finite_or_none(self.total_actual),
            "total_predicted": _finite_or_none(self.total_predicted),
            "mae": _finite_or_none(self.mae),
            "rmse": _finite_or_none(self.rmse),
            "spearman": _finite_or_none(self.spearman),
            "top_decile_capture": _finite_or_none(self.top_decile_capture),
            "chi_square": _finite_or_none(self.chi_square),
            "chi_square_dof": int(self.chi_square_dof),
            "chi_square_pvalue": _finite_or_none(self.chi_square_pvalue),
            "per_frequency": _table_dict(self.per_frequency),
            "calibration_fit": _table_dict(self.calibration_fit),
        }

    def _repr_html_(self) -> str:
        tables = {
            "measures": self.summary().to_frame(),
            "holdout purchases by calibration frequency": self.per_frequency,
            "calibration fit": self.calibration_fit,
        }
        return html_block("Holdout evaluation", tables)


def _table_dict(table: pd.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """``{row label: {column: value}}`` with integer columns as ints, NaN as None."""
    out: dict[str, dict[str, float | int | None]] = {}
    for label, row in zip(table.index, table.itertuples(index=False), strict=True):
        out[str(label)] = {
            str(column): int(value)
            if pd.api.types.is_integer_dtype(table[column].dtype)
            else _finite_or_none(value)
            for column, value in zip(table.columns, row, strict=True)
        }
    return out


# Column -> must it hold whole numbers, must it be > 0 (else >= 0)?
_SPLIT_RULES = {
    f"{FREQUENCY}_cal": (True, False),
    f"{RECENCY}_cal": (False, False),
    f"{T}_cal": (False, False),
    FREQUENCY_HOLDOUT: (True, False),
    DURATION_HOLDOUT: (False, True),
}


def _check_split(frame: object) -> pd.DataFrame:
    """Refuse a split whose counts or durations are not finite, negative or not whole.

    A NaN, negative or fractional holdout count would otherwise flow into NaN or meaningless
    metrics; each error names the column, the count and the first customer.
    """
    split = check_frame(frame, "calibration_holdout")
    check_columns(split, list(_SPLIT_RULES), "calibration_holdout")
    for column, (whole, positive) in _SPLIT_RULES.items():
        series = split[column]
        where = f"column '{column}'"
        if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(
            series.dtype
        ):
            raise fail(where, f"values of dtype {series.dtype}", "numbers")
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        checks = [
            (~np.isfinite(values), "missing or infinite value", "finite numbers"),
            (
                values <= 0 if positive else values < 0,
                "non-positive value" if positive else "negative value",
                "values > 0" if positive else "values >= 0",
            ),
            (
                (values != np.round(values)) if whole else np.zeros(len(values), dtype=bool),
                "non-integer value",
                "whole numbers of purchases",
            ),
        ]
        for mask, what, expected in checks:
            if mask.any():
                raise fail_rows(where, mask, split.index, what, expected)
    return split


def _calibration_rfm(split: pd.DataFrame) -> pd.DataFrame:
    rfm = split[_CAL].set_axis([FREQUENCY, RECENCY, T], axis=1)
    rfm.attrs = dict(split.attrs)
    return rfm


def evaluate(
    model: _PurchaseModel,
    calibration_holdout: pd.DataFrame,
    *,
    time_unit: TimeUnit | None = None,
) -> HoldoutEvaluation:
    """Evaluate a purchase model fitted on the calibration period against the holdout.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        Fitted on the calibration columns of ``calibration_holdout`` (or on the same period).
    calibration_holdout : DataFrame
        Output of :func:`~precimark.calibration_holdout_split`, in the model's time unit.
    time_unit : {"D", "W"}, optional
        Unit of ``calibration_holdout`` when it does not record it (``attrs["time_unit"]`` is
        lost by a merge or a CSV). Checked against the model's unit, never converted: the
        holdout length ``duration_holdout`` is read in it.

    Returns
    -------
    HoldoutEvaluation

    Raises
    ------
    DataValidationError
        If ``model`` is not a purchase model; if a count or duration column holds a missing,
        infinite, negative (a duration <= 0) or, for the frequencies, fractional value (the
        column, the count and the first customer are named); if the unit of the split cannot
        be established or differs from the model's.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.clv import evaluate
    >>> from precimark.datasets import load_cdnow
    >>> split = pm.calibration_holdout_split(load_cdnow(sample=True),
    ...     calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    >>> cal = split[["frequency_cal", "recency_cal", "T_cal"]].set_axis(
    ...     ["frequency", "recency", "T"], axis=1)
    >>> model = pm.BetaGeoModel().fit(cal, time_unit="W")
    >>> report = evaluate(model, split)
    >>> round(report.total_actual), round(report.total_predicted)
    (1882, 1653)
    """
    if not isinstance(model, _PurchaseModel):
        raise fail(
            "argument 'model'",
            f"a {type(model).__name__}",
            "a fitted BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel",
        )
    check_is_fitted(model, "params_")
    split = _check_split(calibration_holdout)
    rfm = _calibration_rfm(split)
    duration = split[DURATION_HOLDOUT].to_numpy(np.float64)
    if np.ptp(duration) > 0:
        raise fail(
            "column 'duration_holdout'",
            "different holdout lengths",
            "one holdout length for every customer",
        )
    predicted = model.expected_purchases(rfm, float(duration[0]), time_unit=time_unit).to_numpy()
    actual = split[FREQUENCY_HOLDOUT].to_numpy(np.float64)

    freq_cal = split[f"{FREQUENCY}_cal"].to_numpy(np.float64).astype(np.int64)
    bucket = np.minimum(freq_cal, _MAX_BUCKET)
    labels = [str(k) for k in range(_MAX_BUCKET)] + [f"{_MAX_BUCKET}+"]
    per_frequency = (
        pd.DataFrame({"bucket": bucket, "actual": actual, "predicted": predicted})
        .groupby("bucket")
        .agg(
            n_customers=("actual", "size"),
            actual=("actual", "mean"),
            predicted=("predicted", "mean"),
        )
        .reindex(range(_MAX_BUCKET + 1))
        .set_axis(pd.Index(labels, name="frequency_cal"))
    )
    per_frequency["n_customers"] = per_frequency["n_customers"].fillna(0).astype(np.int64)

    ages, age_counts = np.unique(rfm[T].to_numpy(np.float64), return_counts=True)
    probabilities = np.column_stack([model._pmf(k, ages) for k in range(_MAX_BUCKET)])
    expected = age_counts @ probabilities
    expected = np.append(expected, len(rfm) - expected.sum())
    observed = np.bincount(bucket, minlength=_MAX_BUCKET + 1).astype(np.float64)
    contribution = (observed - expected) ** 2 / expected
    chi_square = float(contribution.sum())
    dof = len(observed) - 1 - len(model.params_)
    calibration_fit = pd.DataFrame(
        {"actual": observed, "expected": expected, "chi_square": contribution},
        index=pd.Index(labels, name="frequency_cal"),
    )

    order = np.argsort(-predicted, kind="stable")
    top = order[: max(1, len(order) // 10)]
    total_actual = float(actual.sum())
    return HoldoutEvaluation(
        per_frequency=per_frequency,
        calibration_fit=calibration_fit,
        chi_square=chi_square,
        chi_square_dof=dof,
        chi_square_pvalue=float(stats.chi2.sf(chi_square, dof)),
        total_actual=total_actual,
        total_predicted=float(predicted.sum()),
        mae=float(np.mean(np.abs(predicted - actual))),
        rmse=float(np.sqrt(np.mean((predicted - actual) ** 2))),
        spearman=float(stats.spearmanr(predicted, actual).statistic),
        top_decile_capture=float(actual[top].sum() / total_actual)
        if total_actual > 0
        else float("nan"),
    )


def compare_models(
    calibration_holdout: pd.DataFrame,
    models: Sequence[_PurchaseModel] | None = None,
    *,
    time_unit: TimeUnit | None = None,
) -> pd.DataFrame:
    """Fit several purchase models on the calibration period and rank them.

    Parameters
    ----------
    calibration_holdout : DataFrame
        Output of :func:`~precimark.calibration_holdout_split` (its ``attrs`` carry the time
        unit).
    models : sequence of unfitted purchase models, optional
        Default: BG/NBD, MBG/NBD and Pareto/NBD with default settings. They are cloned, not
        modified.
    time_unit : {"D", "W"}, optional
        Unit of ``calibration_holdout`` when its ``attrs`` do not record it (after a merge or
        a CSV); refused without it.

    Returns
    -------
    DataFrame
        One row per model, sorted by holdout RMSE (best first): ``log_likelihood``, ``aic``,
        ``bic``, ``n_params``, ``total_predicted``, ``total_actual``, ``mae``, ``rmse``,
        ``spearman``, ``chi_square``.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.clv import compare_models
    >>> from precimark.datasets import load_cdnow
    >>> split = pm.calibration_holdout_split(load_cdnow(sample=True),
    ...     calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    >>> table = compare_models(split)
    >>> sorted(table.index)
    ['BetaGeoModel', 'ModifiedBetaGeoModel', 'ParetoNBDModel']
    """
    split = _check_split(calibration_holdout)
    rfm = _calibration_rfm(split)
    unit = resolve_time_unit(rfm, time_unit, name="calibration_holdout")
    candidates = (
        list(models)
        if models is not None
        else [BetaGeoModel(), ModifiedBetaGeoModel(), ParetoNBDModel()]
    )
    rows = {}
    for candidate in candidates:
        if not isinstance(candidate, _PurchaseModel):
            raise fail(
                "argument 'models'",
                f"a {type(candidate).__name__}",
                "unfitted purchase models such as BetaGeoModel()",
            )
        model = clone(candidate).fit(rfm, time_unit=unit)
        report = evaluate(model, split, time_unit=unit)
        rows[type(model).__name__] = {
            "log_likelihood": model.log_likelihood_,
            "aic": model.aic_,
            "bic": model.bic_,
            "n_params": len(model.params_),
            "total_predicted": report.total_predicted,
            "total_actual": report.total_actual,
            "mae": report.mae,
            "rmse": report.rmse,
            "spearman": report.spearman,
            "chi_square": report.chi_square,
        }
    table = pd.DataFrame.from_dict(rows, orient="index").sort_values("rmse")
    table.index.name = "model"
    return table
