"""Quasi-experiments: a campaign's effect when there was no randomised hold-out.

A regional campaign, a marketplace launch or a price change for everyone cannot be compared with
a random control group. Three designs estimate its effect from what the untreated data say
would have happened:

- :func:`synthetic_control`: one treated unit (a region, a store) against a weighted average of
  untreated units, weights on the simplex fitted to the pre-period (Abadie, Diamond & Hainmueller
  2010); inference by placebo-in-space (every control unit in turn plays "treated").
- :func:`interrupted_time_series`: one series, its pre-period trend and seasonality projected
  into the post-period by OLS, with a prediction interval for the counterfactual path and the
  cumulative effect (plain or Newey-West errors).
- :func:`difference_in_differences`: a panel of units over many periods with two-way fixed
  effects and an event-study frame (leads and lags around adoption, reference period -1);
  staggered adoption uses the interaction-weighted estimator of Sun & Abraham (2021), never the
  naive pooled TWFE coefficient, whose weights can be negative (Goodman-Bacon 2021).

Every result is a frozen dataclass with :class:`~precimark.kpi.Estimate` effects,
``to_frame()`` (the per-period path, ready to plot) and ``to_dict()`` (strict JSON).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, stats

from precimark._display import html_block
from precimark._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_number,
    fail,
    to_day,
    to_duration_units,
)
from precimark.exceptions import ConvergenceError
from precimark.kpi import _regression
from precimark.kpi.campaign import _assignment
from precimark.kpi.estimates import Estimate, check_confidence, estimates_frame

__all__ = [
    "DifferenceInDifferences",
    "InterruptedTimeSeries",
    "SyntheticControl",
    "difference_in_differences",
    "interrupted_time_series",
    "synthetic_control",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# ----------------------------------------------------------------------------------------------
# Shared: periods, the intervention split, JSON labels
# ----------------------------------------------------------------------------------------------


def _check_periods(index: pd.Index[Any], name: str) -> pd.Index[Any]:
    """Check a period index: dates or numbers, no missing, unique, increasing."""
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is not None:
            index = index.tz_localize(None)
        if index.hasnans:
            raise fail(f"argument '{name}' index", "a missing date (NaT)", "one date per period")
    elif pd.api.types.is_numeric_dtype(index.dtype) and not pd.api.types.is_bool_dtype(index.dtype):
        if not np.isfinite(index.to_numpy(dtype=np.float64)).all():
            raise fail(f"argument '{name}' index", "a missing period", "one number per period")
    else:
        raise fail(
            f"argument '{name}' index",
            f"an index of dtype {index.dtype}",
            "dates (a DatetimeIndex) or numbered periods",
            "Set the period column as the index: frame.set_index(pd.to_datetime(frame['date'])).",
        )
    if index.has_duplicates:
        first = index[index.duplicated()][0]
        raise fail(f"argument '{name}' index", f"period {first} repeated", "one row per period")
    if not index.is_monotonic_increasing:
        raise fail(
            f"argument '{name}' index", "periods out of order", "increasing periods", "Sort it."
        )
    return index


def _post_mask(
    index: pd.Index[Any], intervention: object, date_format: str | None, name: str
) -> BoolArray:
    """Return True for the periods from ``intervention`` (the first treated period) on."""
    if isinstance(index, pd.DatetimeIndex):
        day = to_day(intervention, "intervention", date_format=date_format)  # type: ignore[arg-type]
        post: BoolArray = np.asarray(index >= pd.Timestamp(day), dtype=bool)
    else:
        if not isinstance(intervention, int | float | np.integer | np.floating):
            raise fail(
                "argument 'intervention'",
                repr(intervention),
                f"a number: the first treated period of '{name}' (its index is numbered)",
            )
        cut = check_number(intervention, "intervention")
        post = np.asarray(index.to_numpy(dtype=np.float64) >= cut, dtype=bool)
    n_post = int(post.sum())
    n_pre = post.size - n_post
    if n_pre < 2 or n_post < 1:
        raise fail(
            "argument 'intervention'",
            f"{n_pre} pre-period and {n_post} post-period observations in '{name}'",
            "at least 2 periods before the intervention and 1 from it on",
        )
    return post


def _label(value: object) -> Any:
    """Return a period or unit label as a JSON value (ISO date, int, float or str)."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value)
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as JSON-safe dicts, the index as ``period``/``unit``/``event_time``."""
    index_name = frame.index.name or "index"
    rows: list[dict[str, Any]] = []
    for key, row in frame.iterrows():
        record: dict[str, Any] = {str(index_name): _label(key)}
        for column, value in row.items():
            if isinstance(value, bool | np.bool_):
                record[str(column)] = bool(value)
            elif isinstance(value, int | np.integer):
                record[str(column)] = int(value)
            elif isinstance(value, float | np.floating):
                number = float(value)
                record[str(column)] = number if math.isfinite(number) else None
            else:
                record[str(column)] = _label(value)
        rows.append(record)
    return rows


def _t_estimate(
    value: float, se: float, df: float, level: float, method: str, n: int, warnings: tuple[str, ...]
) -> Estimate:
    """Build a t-based Estimate with its two-sided p-value against 0."""
    quantile = float(stats.t.ppf(0.5 + level / 2.0, df))
    p_value = float(2.0 * stats.t.sf(abs(value) / se, df)) if se > 0 else float(value == 0)
    return Estimate(
        value,
        value - quantile * se,
        value + quantile * se,
        confidence=level,
        method=method,
        n=n,
        p_value=p_value,
        warnings=warnings,
    )


# ----------------------------------------------------------------------------------------------
# Synthetic control
# ----------------------------------------------------------------------------------------------


def _simplex_weights(target: FloatArray, donors: FloatArray) -> FloatArray:
    """``argmin ||target - donors @ w||^2`` over ``w >= 0, sum(w) = 1``.

    Lawson-Hanson NNLS (an exact active-set method, at ease when the weights are not unique)
    with the constraint ``sum(w) = 1`` as a heavily weighted extra row; the constraint then
    holds to about 1e-10 and the weights are rescaled to sum to 1 exactly.
    """
    n_donors = donors.shape[1]
    if n_donors == 1:
        return np.ones(1)
    scale = float(np.abs(donors).max()) or 1.0
    a, b = donors / scale, target / scale
    penalty = 1e3 * max(float(np.linalg.norm(a)), 1.0)
    augmented = np.vstack([a, np.full((1, n_donors), penalty)])
    try:
        weights, _ = optimize.nnls(augmented, np.append(b, penalty), maxiter=100 * n_donors)
    except RuntimeError as err:  # iteration limit
        raise ConvergenceError(f"synthetic control weights did not converge: {err}") from err
    total = float(weights.sum())
    if not abs(total - 1.0) < 1e-6:
        raise ConvergenceError(f"synthetic control weights sum to {total:.6g}, not 1")
    result: FloatArray = weights / total
    return result


def _rmspe(gaps: FloatArray) -> float:
    return float(np.sqrt(np.mean(gaps**2)))


def _order_interval(
    value: float, placebo: FloatArray, level: float
) -> tuple[float, float, tuple[str, ...]]:
    """``value`` minus the placebo statistics' order-statistic quantiles (test inversion)."""
    n = placebo.size
    k = math.floor((n + 1) * (1.0 - level) / 2.0 + 1e-9)  # 20 * 0.1 is 1.9999999999999996
    if k < 1:
        needed = math.ceil(2.0 / (1.0 - level)) - 1
        note = (
            f"{n} placebo units cannot bound a {level:g} interval (needs at least {needed}); "
            "the interval is unbounded, rely on the rank p-value"
        )
        return -math.inf, math.inf, (note,)
    ordered = np.sort(placebo)
    return value - float(ordered[n - k]), value - float(ordered[k - 1]), ()


@dataclass(frozen=True)
class SyntheticControl:
    """A synthetic-control estimate for one treated unit.

    Attributes
    ----------
    treated_unit : hashable
        The treated unit (a column label of the panel).
    unit_weights : Series
        Weight of each control unit (non-negative, summing to 1), largest first.
    path : DataFrame
        Indexed by period: ``observed``, ``synthetic``, ``effect`` (observed minus synthetic),
        ``effect_low``/``effect_high`` (placebo interval of the post-period effects: infinite
        when there are too few placebos; NaN, not applicable, before the intervention, where
        the gap is the fit's residual) and ``post``.
    placebos : DataFrame
        Indexed by unit (the treated unit first): ``pre_rmspe``, ``post_rmspe``,
        ``rmspe_ratio``, ``average_effect`` and ``treated``.
    average_effect, cumulative_effect : Estimate
        Mean and sum of the post-period effect; the interval inverts the placebo-in-space test
        (assumes the treated unit's estimation error is exchangeable with the placebos'), the
        p-value is :attr:`p_value`.
    pre_rmspe, post_rmspe : float
        Root mean squared gap before and after the intervention (the pre-period fit).
    p_value : float
        Rank p-value of the treated unit's post/pre RMSPE ratio among all units
        (Abadie et al. 2010): ``(1 + #placebos with a ratio >= the treated one) / (J + 1)``.
    n_pre, n_post : int
        Periods before and from the intervention.
    """

    treated_unit: Hashable
    unit_weights: pd.Series[float]
    path: pd.DataFrame
    placebos: pd.DataFrame
    average_effect: Estimate
    cumulative_effect: Estimate
    pre_rmspe: float
    post_rmspe: float
    p_value: float
    n_pre: int
    n_post: int

    def estimates(self) -> dict[str, Estimate]:
        """Return the effects by name (``average_effect``, ``cumulative_effect``)."""
        return {"average_effect": self.average_effect, "cumulative_effect": self.cumulative_effect}

    def to_frame(self) -> pd.DataFrame:
        """Return the per-period path (observed, synthetic, effect with its interval).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from precimark.kpi import synthetic_control
        >>> t = np.arange(12.0)
        >>> panel = pd.DataFrame({"a": t, "b": t + 2, "c": t + 4})
        >>> panel["treated"] = 0.5 * panel["a"] + 0.5 * panel["c"] + 3.0 * (t >= 8)
        >>> synthetic_control(panel, treated_unit="treated", intervention=8).to_frame().columns.tolist()
        ['observed', 'synthetic', 'effect', 'effect_low', 'effect_high', 'post']
        """
        return self.path.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict: weights, fit, p-value, effects, path and placebos."""
        return {
            "method": "synthetic control",
            "treated_unit": _label(self.treated_unit),
            "unit_weights": {str(_label(k)): float(v) for k, v in self.unit_weights.items()},
            "pre_rmspe": float(self.pre_rmspe),
            "post_rmspe": float(self.post_rmspe),
            "p_value": float(self.p_value),
            "n_pre": int(self.n_pre),
            "n_post": int(self.n_post),
            "estimates": {name: est.to_dict() for name, est in self.estimates().items()},
            "path": _records(self.path),
            "placebos": _records(self.placebos),
        }

    def _repr_html_(self) -> str:
        title = f"Synthetic control of {self.treated_unit!r} (placebo p = {self.p_value:.3g})"
        weights = self.unit_weights.rename("weight").to_frame()
        return html_block(title, {"effects": estimates_frame(self.estimates()), "weights": weights})


def synthetic_control(
    panel: pd.DataFrame,
    *,
    treated_unit: Hashable,
    intervention: object,
    control_units: list[Hashable] | None = None,
    date_format: str | None = None,
    confidence: float = 0.95,
) -> SyntheticControl:
    """Estimate one unit's post-intervention effect against a synthetic control.

    The synthetic control is the weighted average of control units (weights >= 0, summing to 1)
    closest to the treated unit over the pre-period (least squares on the outcome; Abadie,
    Diamond & Hainmueller 2010). The effect in each post period is observed minus synthetic.
    Inference is by placebo-in-space: every control unit in turn is treated as if it had been
    treated and gets its own synthetic control from the other controls.

    Parameters
    ----------
    panel : DataFrame
        Wide panel: one row per period (a sorted DatetimeIndex or numbered periods), one
        column per unit, the outcome in the cells, no missing values. From a long frame:
        ``long.pivot(index="week", columns="region", values="revenue")``.
    treated_unit : hashable
        Label of the treated unit among the panel's columns.
    intervention : date-like or number
        The first treated period: a date when the index holds dates (parsed with
        ``date_format`` when given), else a period number. Periods before it are the
        pre-period.
    control_units : list, optional
        The donor pool; default every other column. Leave out units the campaign may have
        reached (spill-over) and units unlike the treated one.
    date_format : str, optional
        strftime format of a string ``intervention`` (e.g. ``"%d/%m/%Y"``).
    confidence : float, default 0.95
        Confidence level of the placebo intervals.

    Returns
    -------
    SyntheticControl

    Notes
    -----
    The rank p-value can be no smaller than ``1 / (J + 1)`` with J control units, and the
    placebo interval is bounded only when ``J >= 2 / (1 - confidence) - 1`` (39 units at 95%).
    A poor pre-period fit (large ``pre_rmspe`` next to the outcome's scale) makes the
    counterfactual untrustworthy; the weights are not unique when the treated unit lies inside
    the controls' convex hull. For a placebo-in-time check, call the function again on the
    pre-period only with an earlier, fake intervention date: its effect should be near 0.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.kpi import synthetic_control
    >>> t = np.arange(12.0)
    >>> panel = pd.DataFrame({"a": t, "b": t + 2, "c": t + 4})
    >>> panel["treated"] = 0.5 * panel["a"] + 0.5 * panel["c"] + 3.0 * (t >= 8)
    >>> sc = synthetic_control(panel, treated_unit="treated", intervention=8)
    >>> round(sc.average_effect.value, 6), round(sc.pre_rmspe, 6)
    (3.0, 0.0)
    """
    level = check_confidence(confidence)
    frame = check_frame(panel, "panel")
    index = _check_periods(frame.index, "panel")
    if frame.columns.has_duplicates:
        first = frame.columns[frame.columns.duplicated()][0]
        raise fail("argument 'panel'", f"unit {first!r} in two columns", "one column per unit")
    if treated_unit not in frame.columns:
        raise fail(
            "argument 'treated_unit'",
            f"{treated_unit!r}, not a column of the panel",
            "the label of one unit (a column of the wide panel)",
        )
    donors = (
        [c for c in frame.columns if c != treated_unit]
        if control_units is None
        else list(control_units)
    )
    missing = [c for c in donors if c not in frame.columns]
    if missing:
        raise fail(
            "argument 'control_units'",
            f"{len(missing)} labels not in the panel (first: {missing[0]!r})",
            "columns of the panel",
        )
    if treated_unit in donors or len(set(donors)) < len(donors):
        raise fail(
            "argument 'control_units'",
            "the treated unit or a repeated unit",
            "distinct control units",
        )
    if len(donors) < 2:
        raise fail("argument 'control_units'", f"{len(donors)} unit(s)", "at least 2 units")
    values = frame[[treated_unit, *donors]]
    if not all(pd.api.types.is_numeric_dtype(t) for t in values.dtypes):
        raise fail("argument 'panel'", "a non-numeric unit column", "numeric outcomes")
    matrix = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(matrix)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise fail(
            "argument 'panel'",
            f"{int(bad.sum())} missing or infinite values (first: unit {values.columns[col]!r}, "
            f"period {index[row]})",
            "a complete panel",
            "Fill or drop the periods (or units) with gaps before the analysis.",
        )
    post = _post_mask(index, intervention, date_format, "panel")
    pre = ~post

    def gap_path(target: int, pool: list[int]) -> tuple[FloatArray, FloatArray]:
        weights = _simplex_weights(matrix[pre, target], matrix[pre][:, pool])
        return weights, matrix[:, target] - matrix[:, pool] @ weights

    weights, gaps = gap_path(0, list(range(1, matrix.shape[1])))
    n_donors = len(donors)
    placebo_gaps = np.empty((post.size, n_donors))
    for j in range(n_donors):
        pool = [k for k in range(1, n_donors + 1) if k != j + 1]
        placebo_gaps[:, j] = gap_path(j + 1, pool)[1]
    all_gaps = np.column_stack([gaps, placebo_gaps])
    pre_rmspe = np.sqrt(np.mean(all_gaps[pre] ** 2, axis=0))
    post_rmspe = np.sqrt(np.mean(all_gaps[post] ** 2, axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(pre_rmspe > 0, post_rmspe / pre_rmspe, np.inf)
    p_value = float((1 + np.sum(ratios[1:] >= ratios[0])) / (n_donors + 1))
    averages = all_gaps[post].mean(axis=0)

    method = "synthetic control (placebo-in-space)"
    n_post = int(post.sum())

    def effect(scale: float) -> Estimate:
        low, high, notes = _order_interval(scale * averages[0], scale * averages[1:], level)
        return Estimate(
            float(scale * averages[0]),
            low,
            high,
            confidence=level,
            method=method,
            n=n_donors + 1,
            p_value=p_value,
            warnings=notes,
        )

    effect_low = np.full(post.size, np.nan)
    effect_high = np.full(post.size, np.nan)
    for row in np.flatnonzero(post):
        effect_low[row], effect_high[row], _ = _order_interval(
            float(gaps[row]), placebo_gaps[row], level
        )
    path = pd.DataFrame(
        {
            "observed": matrix[:, 0],
            "synthetic": matrix[:, 0] - gaps,
            "effect": gaps,
            "effect_low": effect_low,
            "effect_high": effect_high,
            "post": post,
        },
        index=index.rename("period"),
    )
    placebos = pd.DataFrame(
        {
            "pre_rmspe": pre_rmspe,
            "post_rmspe": post_rmspe,
            "rmspe_ratio": ratios,
            "average_effect": averages,
            "treated": np.arange(n_donors + 1) == 0,
        },
        index=pd.Index([treated_unit, *donors], name="unit"),
    )
    order = np.argsort(-weights, kind="stable")
    return SyntheticControl(
        treated_unit=treated_unit,
        unit_weights=pd.Series(weights[order], index=pd.Index(donors)[order], name="weight"),
        path=path,
        placebos=placebos,
        average_effect=effect(1.0),
        cumulative_effect=effect(float(n_post)),
        pre_rmspe=float(pre_rmspe[0]),
        post_rmspe=float(post_rmspe[0]),
        p_value=p_value,
        n_pre=int(pre.sum()),
        n_post=n_post,
    )


# ----------------------------------------------------------------------------------------------
# Interrupted time series
# ----------------------------------------------------------------------------------------------

Seasonality = Literal["month", "weekday"]
Errors = Literal["iid", "hac"]


def _check_even_spacing(index: pd.Index[Any]) -> None:
    """Refuse a series whose observations are not evenly spaced (the trend counts steps)."""
    if len(index) < 3:
        return
    if isinstance(index, pd.DatetimeIndex):
        ticks = np.diff(index.to_numpy().astype("datetime64[ns]").astype(np.int64))
        months = np.diff(np.asarray(index.year * 12 + index.month))
        anchored = bool(index.is_month_end.all() or (index.day == index.day[0]).all())
        even = bool(
            (ticks == ticks[0]).all()
            or (anchored and months[0] > 0 and (months == months[0]).all())
        )
    else:
        steps = np.diff(index.to_numpy(dtype=np.float64))
        even = bool(np.allclose(steps, steps[0]))
    if not even:
        raise fail(
            "argument 'series' index",
            "unevenly spaced periods (a gap or a changing step)",
            "one observation per day, week, month, ... without gaps",
            "Resample first, e.g. series.resample('W').sum(), and fill true zeros explicitly.",
        )


def _design(
    index: pd.Index[Any],
    pre: BoolArray,
    seasonality: Seasonality | None,
    fourier_period: object,
    fourier_order: int,
) -> tuple[FloatArray, list[str]]:
    """Intercept, linear trend (in observations) and seasonal terms."""
    n = len(index)
    step = np.arange(n, dtype=np.float64)
    columns: list[FloatArray] = [np.ones(n), step]
    names = ["intercept", "trend"]
    if seasonality is not None:
        if not isinstance(index, pd.DatetimeIndex):
            raise fail(
                "argument 'seasonality'",
                f"{seasonality!r} with numbered periods",
                "a DatetimeIndex (or use fourier_period=)",
            )
        season = index.month if seasonality == "month" else index.day_of_week
        levels = np.unique(season)
        absent = sorted(set(levels) - set(np.unique(season[pre])))
        if absent:
            raise fail(
                "argument 'seasonality'",
                f"{seasonality} {absent[0]} never observed before the intervention",
                "every season in the pre-period",
                "Give a pre-period of at least one full cycle, or use fourier_period=.",
            )
        for level in levels[1:]:
            columns.append((season == level).astype(np.float64))
            names.append(f"{seasonality}_{level}")
    if fourier_period is not None:
        if isinstance(fourier_period, int | float | np.integer | np.floating) and not isinstance(
            fourier_period, bool
        ):
            period = check_number(fourier_period, "fourier_period", low=2.0)
        else:
            spacing = index.to_series().diff().dropna().unique()
            if not isinstance(index, pd.DatetimeIndex) or len(spacing) != 1:
                raise fail(
                    "argument 'fourier_period'",
                    repr(fourier_period),
                    "a number of observations (a duration needs evenly spaced dates)",
                )
            period = to_duration_units(fourier_period, "D", "fourier_period") / (
                pd.Timedelta(spacing[0]) / pd.Timedelta(days=1)
            )
        for k in range(1, fourier_order + 1):
            angle = 2.0 * np.pi * k * step / period
            columns += [np.sin(angle), np.cos(angle)]
            names += [f"sin_{k}", f"cos_{k}"]
    return np.column_stack(columns), names


@dataclass(frozen=True)
class InterruptedTimeSeries:
    """An interrupted-time-series estimate: the pre-period model projected past the intervention.

    Attributes
    ----------
    path : DataFrame
        Indexed by period: ``observed``, ``counterfactual`` (fitted before the intervention,
        predicted after it), ``counterfactual_low``/``counterfactual_high`` (prediction
        interval of a new observation), ``effect`` (observed minus counterfactual),
        ``effect_low``/``effect_high`` and ``post``.
    coefficients : Series
        The OLS coefficients fitted on the pre-period (intercept, trend per observation,
        seasonal terms).
    average_effect, cumulative_effect : Estimate
        Mean and sum of the post-period effect, with the prediction interval of the sum
        (coefficient uncertainty and the post-period noise).
    errors : {"iid", "hac"}
        The error model of the intervals.
    hac_lags : int or None
        Newey-West lags when ``errors="hac"``.
    residual_autocorrelation : float
        Lag-1 autocorrelation of the pre-period residuals.
    n_pre, n_post : int
        Observations before and from the intervention.
    """

    path: pd.DataFrame
    coefficients: pd.Series[float]
    average_effect: Estimate
    cumulative_effect: Estimate
    errors: Errors
    hac_lags: int | None
    residual_autocorrelation: float
    n_pre: int
    n_post: int

    def estimates(self) -> dict[str, Estimate]:
        """Return the effects by name (``average_effect``, ``cumulative_effect``)."""
        return {"average_effect": self.average_effect, "cumulative_effect": self.cumulative_effect}

    def to_frame(self) -> pd.DataFrame:
        """Return the per-period path (observed, counterfactual and effect with intervals).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from precimark.kpi import interrupted_time_series
        >>> y = pd.Series(10 + 0.5 * np.arange(24.0) + np.tile([0.3, -0.3], 12))
        >>> its = interrupted_time_series(y + 2.0 * (y.index >= 18), intervention=18)
        >>> its.to_frame().columns.tolist()[:3]
        ['observed', 'counterfactual', 'counterfactual_low']
        """
        return self.path.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict: coefficients, effects and the path."""
        return {
            "method": "interrupted time series (ols)",
            "errors": self.errors,
            "hac_lags": self.hac_lags,
            "residual_autocorrelation": float(self.residual_autocorrelation),
            "n_pre": int(self.n_pre),
            "n_post": int(self.n_post),
            "coefficients": {str(k): float(v) for k, v in self.coefficients.items()},
            "estimates": {name: est.to_dict() for name, est in self.estimates().items()},
            "path": _records(self.path),
        }

    def _repr_html_(self) -> str:
        title = f"Interrupted time series ({self.n_pre} pre, {self.n_post} post periods)"
        return html_block(title, estimates_frame(self.estimates()))


def interrupted_time_series(
    series: pd.Series[float],
    *,
    intervention: object,
    seasonality: Seasonality | None = None,
    fourier_period: object = None,
    fourier_order: int = 2,
    errors: Errors = "iid",
    hac_lags: int | None = None,
    date_format: str | None = None,
    confidence: float = 0.95,
) -> InterruptedTimeSeries:
    """Estimate an intervention's effect on one series from its own pre-period trend.

    OLS on the pre-period of ``y_t = a + b t + seasonal_t + e_t`` (``t`` counts observations),
    projected into the post-period as the counterfactual. The effect is observed minus
    counterfactual, per period and summed, with prediction intervals that include both the
    coefficients' uncertainty and the noise of the post-period observations.

    Parameters
    ----------
    series : Series
        The outcome, indexed by evenly spaced periods (a sorted DatetimeIndex or numbered
        periods), no missing values.
    intervention : date-like or number
        The first treated period: a date when the index holds dates (parsed with
        ``date_format`` when given), else a period number.
    seasonality : {"month", "weekday"}, optional
        Calendar dummies (month of year, day of week); each season must occur in the
        pre-period.
    fourier_period : float or duration, optional
        Add ``fourier_order`` sine/cosine pairs with this period: a number of observations
        (``12`` for monthly data) or a fixed length of time such as ``"7D"`` or ``"364D"``
        for evenly spaced dates.
    fourier_order : int, default 2
        Number of harmonics of ``fourier_period``.
    errors : {"iid", "hac"}, default "iid"
        ``"iid"``: independent errors (exact t intervals under normality). ``"hac"``:
        Newey-West covariance for the coefficients and Bartlett-weighted autocovariances for
        the sum of the post-period errors (for autocorrelated residuals; approximate).
    hac_lags : int, optional
        Lags of the Newey-West kernel; default ``floor(4 (n_pre / 100)^(2/9))``.
    date_format : str, optional
        strftime format of a string ``intervention``.
    confidence : float, default 0.95
        Level of the prediction intervals.

    Returns
    -------
    InterruptedTimeSeries

    Notes
    -----
    The counterfactual assumes the pre-period model would have continued: anything else that
    changed at the intervention (a price change, a competitor, a tracking change) is in the
    effect. Long post-periods extrapolate the trend far; read the widening interval. With
    ``errors="iid"`` a warning is attached when the residuals are autocorrelated
    (``|r1| > 2 / sqrt(n_pre)``): the intervals are then too narrow, use ``errors="hac"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.kpi import interrupted_time_series
    >>> dates = pd.date_range("2022-01-31", periods=36, freq="ME")
    >>> noise = np.random.default_rng(0).normal(0, 0.5, 36)
    >>> y = pd.Series(20 + 0.3 * np.arange(36) + 2 * np.sin(dates.month / 6 * np.pi) + noise,
    ...               index=dates)
    >>> y[dates >= "2024-07-01"] += 4.0
    >>> its = interrupted_time_series(y, intervention="2024-07-01", fourier_period=12)
    >>> its.average_effect.contains(4.0), its.n_post
    (True, 6)
    """
    level = check_confidence(confidence)
    if not isinstance(series, pd.Series):
        raise fail("argument 'series'", f"a {type(series).__name__}", "a pandas Series")
    if series.empty:
        raise fail("argument 'series'", "an empty Series", "at least one observation")
    check_choice(seasonality, "seasonality", (None, "month", "weekday"))
    check_choice(errors, "errors", ("iid", "hac"))
    order = int(check_number(fourier_order, "fourier_order", low=1, integer=True))
    index = _check_periods(series.index, "series")
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise fail("argument 'series'", f"values of dtype {series.dtype}", "numbers")
    y = np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    bad = ~np.isfinite(y)
    if bad.any():
        raise fail(
            "argument 'series'",
            f"{int(bad.sum())} missing or infinite values (first: period {index[bad][0]})",
            "a complete series",
        )
    _check_even_spacing(index)
    post = _post_mask(index, intervention, date_format, "series")
    pre = ~post
    x, names = _design(index, pre, seasonality, fourier_period, order)
    ls = _regression.fit(x[pre], y[pre], "the pre-period model")
    n_pre, n_post = int(pre.sum()), int(post.sum())
    resid = ls.resid
    r1 = float(resid[1:] @ resid[:-1] / (resid @ resid)) if resid @ resid > 0 else 0.0
    notes: tuple[str, ...] = ()
    lags: int | None = None
    if errors == "iid":
        cov = ls.sigma2 * ls.xtx_inv
        gamma = np.array([ls.sigma2])
        if abs(r1) > 2.0 / math.sqrt(n_pre):
            notes = (
                f"pre-period residuals are autocorrelated (lag-1 r = {r1:.2f}): the intervals "
                "are too narrow; use errors='hac'",
            )
    else:
        lags = (
            _regression.newey_west_lags(n_pre)
            if hac_lags is None
            else int(check_number(hac_lags, "hac_lags", low=0, integer=True))
        )
        if lags >= n_pre - 1:
            raise fail("argument 'hac_lags'", f"{lags} lags", f"fewer than {n_pre - 1}")
        correction = n_pre / ls.df_resid
        meat = _regression.hac_meat(x[pre], resid, lags)
        cov = correction * ls.xtx_inv @ meat @ ls.xtx_inv
        weights = np.concatenate([[1.0], 1.0 - np.arange(1, lags + 1) / (lags + 1.0)])
        raw = np.array([resid[k:] @ resid[: n_pre - k] / n_pre for k in range(lags + 1)])
        gamma = correction * weights * raw  # Bartlett-weighted autocovariances, lag 0..L
    fitted = x @ ls.coef
    effect = y - fitted
    noise_var = float(gamma[0])
    path_var = noise_var + np.einsum("ij,jk,ik->i", x, cov, x)
    quantile = float(stats.t.ppf(0.5 + level / 2.0, ls.df_resid))
    half = quantile * np.sqrt(path_var)
    path = pd.DataFrame(
        {
            "observed": y,
            "counterfactual": fitted,
            "counterfactual_low": fitted - half,
            "counterfactual_high": fitted + half,
            "effect": effect,
            "effect_low": effect - half,
            "effect_high": effect + half,
            "post": post,
        },
        index=index.rename("period"),
    )
    total_x = x[post].sum(axis=0)
    lagged = sum(2.0 * (n_post - k) * float(gamma[k]) for k in range(1, min(len(gamma), n_post)))
    sum_var = n_post * noise_var + lagged + float(total_x @ cov @ total_x)
    method = f"interrupted time series (ols, {errors})"
    total = float(effect[post].sum())
    se_total = math.sqrt(max(sum_var, 0.0))
    cumulative = _t_estimate(total, se_total, ls.df_resid, level, method, n_pre, notes)
    average = _t_estimate(
        total / n_post, se_total / n_post, ls.df_resid, level, method, n_pre, notes
    )
    return InterruptedTimeSeries(
        path=path,
        coefficients=pd.Series(ls.coef, index=pd.Index(names), name="coefficient"),
        average_effect=average,
        cumulative_effect=cumulative,
        errors=errors,
        hac_lags=lags,
        residual_autocorrelation=r1,
        n_pre=n_pre,
        n_post=n_post,
    )


# ----------------------------------------------------------------------------------------------
# Multi-period difference-in-differences and the event study
# ----------------------------------------------------------------------------------------------


def _two_way_demean(
    values: FloatArray, units: npt.NDArray[np.intp], periods: npt.NDArray[np.intp]
) -> FloatArray:
    """Remove unit and period means (alternating projections; exact in one pass if balanced)."""
    out = values.copy()
    n_units, n_periods = int(units.max()) + 1, int(periods.max()) + 1
    unit_n = np.bincount(units, minlength=n_units).astype(np.float64)
    period_n = np.bincount(periods, minlength=n_periods).astype(np.float64)
    scale = max(float(np.abs(values).max()), 1.0)
    for _ in range(10_000):
        before = out.copy()
        for codes, counts in ((units, unit_n), (periods, period_n)):
            out -= (_regression.group_sums(codes, counts.size, out) / counts[:, None])[codes]
        if np.abs(out - before).max() <= 1e-13 * scale:
            return out
    raise ConvergenceError("the two-way fixed-effects projection did not converge")


@dataclass(frozen=True)
class DifferenceInDifferences:
    """A multi-period difference-in-differences with its event study.

    Attributes
    ----------
    event_study : DataFrame
        Indexed by ``event_time`` (periods since adoption; -1 is the reference, fixed at 0):
        ``value``, ``ci_low``, ``ci_high``, ``p_value`` (NaN, not applicable, on the reference
        row), ``n_units`` (treated units observed at that event time) and ``reference``.
        Leads (negative event times) near 0 support parallel trends.
    average_effect : Estimate
        The average effect on the treated over all post-adoption unit-periods (ATT).
    pretrend_p_value : float or None
        Wald test that every lead (event time <= -2) is 0; None when there are no leads.
    estimator : str
        ``"two-way fixed effects"`` (one adoption period) or ``"interaction-weighted (Sun &
        Abraham 2021)"`` (staggered adoption); both are cohort-by-event-time regressions with
        unit and period fixed effects, never-treated units as the comparison group, and
        cluster-robust errors by unit.
    n_units, n_treated_units, n_cohorts : int
        Units, units ever treated, and distinct adoption periods.
    warnings : tuple of str
        Caveats (the parallel-trends assumption).
    """

    event_study: pd.DataFrame
    average_effect: Estimate
    pretrend_p_value: float | None
    estimator: str
    n_units: int
    n_treated_units: int
    n_cohorts: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """Return the event-study frame (one row per event time, the reference -1 included).

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.kpi import difference_in_differences
        >>> panel = pd.DataFrame({"store": [1, 1, 2, 2, 3, 3, 4, 4], "week": [1, 2] * 4,
        ...     "sales": [10.0, 14, 11, 16, 9, 10, 12, 12], "promo": [0, 1, 0, 1, 0, 0, 0, 0]})
        >>> did = difference_in_differences(panel, unit_column="store", period_column="week",
        ...                                 metric_column="sales", treatment="promo")
        >>> did.to_frame()["value"].tolist()
        [0.0, 4.0]
        """
        return self.event_study.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict: the ATT, the pre-trend test and the event study."""
        return {
            "method": "difference in differences",
            "estimator": self.estimator,
            "n_units": int(self.n_units),
            "n_treated_units": int(self.n_treated_units),
            "n_cohorts": int(self.n_cohorts),
            "pretrend_p_value": (
                None if self.pretrend_p_value is None else float(self.pretrend_p_value)
            ),
            "warnings": list(self.warnings),
            "estimates": {"average_effect": self.average_effect.to_dict()},
            "event_study": _records(self.event_study),
        }

    def _repr_html_(self) -> str:
        tables = {"average effect": estimates_frame({"average_effect": self.average_effect})}
        title = f"Difference in differences ({self.estimator})"
        return html_block(title, {**tables, "event study": self.event_study}, notes=self.warnings)


def difference_in_differences(
    panel: pd.DataFrame,
    *,
    unit_column: str,
    period_column: str,
    metric_column: str,
    treatment: str,
    confidence: float = 0.95,
) -> DifferenceInDifferences:
    """Multi-period difference-in-differences with an event study (leads and lags).

    Regresses the metric on unit and period fixed effects and one indicator per adoption
    cohort and event time (periods since the cohort's first treated period, all except -1),
    with units that are never treated as the comparison group. The cohort effects are averaged
    per event time with weights equal to each cohort's share of the units observed there
    (Sun & Abraham 2021). With a single adoption period this is the usual two-way
    fixed-effects event study; with staggered adoption it avoids the pooled TWFE coefficient,
    which compares later- with earlier-treated units and can have negative weights. Standard
    errors are cluster-robust by unit (CR1; the unit effects are nested in the clusters and
    not counted), with ``G - 1`` degrees of freedom for ``G`` units.

    Parameters
    ----------
    panel : DataFrame
        Long panel: one row per unit and period.
    unit_column : str
        Column of unit ids (customers, stores, regions).
    period_column : str
        Column of periods (dates or numbers); event time counts distinct periods.
    metric_column : str
        Column of the outcome.
    treatment : str
        Column of the 0/1 (or bool) indicator: 1 from a unit's first treated period on
        (treatment is absorbing: once 1, always 1). Units at 0 throughout are never treated.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    DifferenceInDifferences

    Notes
    -----
    With two periods and one cohort, the effect equals the two-period difference-in-
    differences of means (:func:`precimark.kpi.sales_growth` with ``control=`` on a
    transaction log). Causal only under parallel trends; the leads of the event study and
    :attr:`DifferenceInDifferences.pretrend_p_value` are the check.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import difference_in_differences
    >>> panel = pd.DataFrame({"store": [1, 1, 2, 2, 3, 3, 4, 4], "week": [1, 2] * 4,
    ...     "sales": [10.0, 14, 11, 16, 9, 10, 12, 12], "promo": [0, 1, 0, 1, 0, 0, 0, 0]})
    >>> did = difference_in_differences(panel, unit_column="store", period_column="week",
    ...                                 metric_column="sales", treatment="promo")
    >>> did.average_effect.value, did.estimator
    (4.0, 'two-way fixed effects')
    """
    level = check_confidence(confidence)
    frame = check_frame(panel, "panel")
    check_columns(frame, [unit_column, period_column, metric_column, treatment], "panel")
    for column in (unit_column, period_column):
        if frame[column].isna().any():
            raise fail(f"column '{column}'", "missing values", "a value in every row")
    key = frame[[unit_column, period_column]]
    repeated = key.duplicated().to_numpy()
    if repeated.any():
        first = frame[unit_column].to_numpy()[int(np.argmax(repeated))]
        raise fail(
            f"columns '{unit_column}', '{period_column}'",
            f"{int(repeated.sum())} repeated unit-periods (first unit: {first})",
            "one row per unit and period",
            "Aggregate to one row per unit and period first.",
        )
    if not pd.api.types.is_numeric_dtype(frame[metric_column].dtype):
        raise fail(f"column '{metric_column}'", f"dtype {frame[metric_column].dtype}", "numbers")
    y: FloatArray = frame[metric_column].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(y)
    if bad.any():
        first = frame[unit_column].to_numpy()[int(np.argmax(bad))]
        raise fail(
            f"column '{metric_column}'",
            f"{int(bad.sum())} missing or infinite values (first unit: {first})",
            "finite numbers",
        )
    treated = _assignment(frame.set_index(unit_column), treatment)
    unit_codes, unit_labels = pd.factorize(frame[unit_column], sort=True)
    period_codes, _ = pd.factorize(frame[period_column], sort=True)
    units = np.asarray(unit_codes, dtype=np.intp)
    periods = np.asarray(period_codes, dtype=np.intp)
    n_units = len(unit_labels)
    # Adoption period per unit (code of the first treated period), -1 for never treated.
    big = np.iinfo(np.intp).max
    first_treated = np.full(n_units, big, dtype=np.intp)
    np.minimum.at(first_treated, units[treated], periods[treated])
    first_seen = np.full(n_units, big, dtype=np.intp)
    np.minimum.at(first_seen, units, periods)
    ever = first_treated < big
    switched_back = ~treated & ever[units] & (periods >= first_treated[units])
    if switched_back.any():
        raise fail(
            f"column '{treatment}'",
            f"{int(switched_back.sum())} rows back at 0 after adoption "
            f"(first unit: {unit_labels[units[int(np.argmax(switched_back))]]})",
            "treatment that stays 1 from the first treated period on",
        )
    no_pre = ever & (first_treated <= first_seen)
    if no_pre.any():
        raise fail(
            f"column '{treatment}'",
            f"{int(no_pre.sum())} units treated from their first period "
            f"(first unit: {unit_labels[int(np.argmax(no_pre))]})",
            "a pre-period for every treated unit",
            "Drop those units or add earlier periods.",
        )
    if ever.all() or not ever.any():
        raise fail(
            f"column '{treatment}'",
            f"{int(ever.sum())} of {n_units} units ever treated",
            "some units treated and some never treated (the comparison group)",
        )
    cohort = np.where(ever, first_treated, -1)[units]
    event = periods - first_treated[units]
    in_cell = (cohort >= 0) & (event != -1)
    pairs, cell_of_row = np.unique(
        np.column_stack([cohort[in_cell], event[in_cell]]), axis=0, return_inverse=True
    )
    cells = [(int(g), int(e)) for g, e in pairs]
    dummies = np.zeros((y.size, len(cells)))
    dummies[np.flatnonzero(in_cell), np.ravel(cell_of_row)] = 1.0
    demeaned = _two_way_demean(np.column_stack([y, dummies]), units, periods)
    ls = _regression.fit(demeaned[:, 1:], demeaned[:, 0], "the event-study regression")
    n_obs = y.size
    n_params = len(cells) + int(periods.max()) + 1
    if n_obs <= n_params:
        raise fail("argument 'panel'", f"{n_obs} rows", f"more than {n_params} rows")
    factor = n_units / (n_units - 1) * (n_obs - 1) / (n_obs - n_params)
    meat = _regression.cluster_meat(demeaned[:, 1:], ls.resid, units)
    cov = factor * ls.xtx_inv @ meat @ ls.xtx_inv
    counts = dummies.sum(axis=0)
    # Units per cell = observations per cell (one row per unit and period).
    events = sorted({e for _, e in cells} | {-1})
    df = n_units - 1
    table: list[tuple[float, float, float, float, int, bool]] = []
    lead_weights: list[FloatArray] = []
    for e in events:
        if e == -1:
            n_ref = int(np.unique(units[(cohort >= 0) & (event == -1)]).size)
            table.append((0.0, 0.0, 0.0, math.nan, n_ref, True))
            continue
        w = np.array([counts[i] if cells[i][1] == e else 0.0 for i in range(len(cells))])
        w /= w.sum()
        value = float(w @ ls.coef)
        se = math.sqrt(max(float(w @ cov @ w), 0.0))
        est = _t_estimate(value, se, df, level, "event study", n_units, ())
        p_value = float(est.p_value) if est.p_value is not None else math.nan
        table.append((value, est.ci_low, est.ci_high, p_value, int(counts @ (w > 0)), False))
        if e <= -2:
            lead_weights.append(w)
    event_study = pd.DataFrame(
        table,
        columns=["value", "ci_low", "ci_high", "p_value", "n_units", "reference"],
        index=pd.Index(events, name="event_time"),
    )
    pretrend: float | None = None
    if lead_weights:
        lw = np.vstack(lead_weights)
        b = lw @ ls.coef
        v = lw @ cov @ lw.T
        stat = float(b @ np.linalg.pinv(v) @ b)
        pretrend = float(stats.chi2.sf(stat, lw.shape[0]))
    post_w = np.array([counts[i] if cells[i][1] >= 0 else 0.0 for i in range(len(cells))])
    post_w /= post_w.sum()
    n_cohorts = int(np.unique(first_treated[ever]).size)
    estimator = (
        "two-way fixed effects" if n_cohorts == 1 else "interaction-weighted (Sun & Abraham 2021)"
    )
    notes = ("assumes parallel trends: check the leads of the event study",)
    average = _t_estimate(
        float(post_w @ ls.coef),
        math.sqrt(max(float(post_w @ cov @ post_w), 0.0)),
        df,
        level,
        f"difference in differences ({estimator}, cluster-robust)",
        n_units,
        notes,
    )
    return DifferenceInDifferences(
        event_study=event_study,
        average_effect=average,
        pretrend_p_value=pretrend,
        estimator=estimator,
        n_units=n_units,
        n_treated_units=int(ever.sum()),
        n_cohorts=n_cohorts,
        warnings=notes,
    )
