"""Discounted customer lifetime value from a purchase model and a spend model."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Protocol, TypeAlias, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from precimark._deprecation import deprecated_alias
from precimark._typing import HorizonLike, PurchaseModel, SeedLike, TimeUnit
from precimark._validation import (
    check_number,
    check_probability,
    fail,
    fail_rows,
    resolve_time_unit,
    to_duration_units,
    to_rng,
    validate_rfm,
)
from precimark.clv import _formulas
from precimark.clv._base import _PurchaseModel
from precimark.clv.models import GammaGammaModel
from precimark.schema import CLV, CLV_LOWER, CLV_UPPER, FREQUENCY, MONETARY_VALUE

__all__ = ["CLV", "CLV_LOWER", "CLV_UPPER", "customer_lifetime_value"]

Array: TypeAlias = npt.NDArray[np.float64]
_Value: TypeAlias = Callable[[_PurchaseModel, Array], Array]

_DAYS_PER_UNIT = {"D": 1.0, "W": 7.0}
_LIFETIMES_UNIT = re.compile(r"\s*([DWHMYdwhmy]|min)\s*")
_REMOVED_IN = "0.3"  # freq= deprecated in 0.2, removed in 0.3 (one minor release)
_LIFETIMES_SPELLING = (
    "lifetimes' customer_lifetime_value(time=12, freq='D', discount_rate=d) (12 months, "
    "a monthly rate, T in days) is customer_lifetime_value(purchase_model, spend_model, rfm, "
    "horizon='360D', discount_period='30D', discount_rate=d) in precimark; the unit of T "
    "comes from the RFM summary and the model"
)


class _Spend(Protocol):
    def expected_spend(self, rfm: pd.DataFrame) -> pd.Series: ...


def _duration_text(days: float) -> str:
    """Spell a length of time in days as a precimark horizon argument."""
    if days == round(days):
        return f"'{round(days)}D'"
    return f"pd.Timedelta(days={days:g})"


def _lifetimes_style(name: str, value: object, fix: str) -> None:
    raise fail(
        f"argument '{name}'",
        f"{value!r}, lifetimes' spelling",
        "precimark's horizon= (a length of time) and discount_period= (the period of "
        "discount_rate)",
        fix,
    )


@overload
def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: GammaGammaModel | _Spend,
    rfm: pd.DataFrame,
    *,
    horizon: HorizonLike | None = ...,
    discount_rate: float,
    discount_period: HorizonLike | None = ...,
    margin: float | pd.Series = ...,
    confidence: None = ...,
    n_draws: int = ...,
    random_state: SeedLike = ...,
    time_unit: TimeUnit | None = ...,
    freq: HorizonLike | None = ...,
    **lifetimes_arguments: object,
) -> pd.Series: ...


@overload
def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: GammaGammaModel | _Spend,
    rfm: pd.DataFrame,
    *,
    horizon: HorizonLike | None = ...,
    discount_rate: float,
    discount_period: HorizonLike | None = ...,
    margin: float | pd.Series = ...,
    confidence: float,
    n_draws: int = ...,
    random_state: SeedLike = ...,
    time_unit: TimeUnit | None = ...,
    freq: HorizonLike | None = ...,
    **lifetimes_arguments: object,
) -> pd.DataFrame: ...


@deprecated_alias(interval="confidence")
def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: GammaGammaModel | _Spend,
    rfm: pd.DataFrame,
    *,
    horizon: HorizonLike | None = None,
    discount_rate: float,
    discount_period: HorizonLike | None = None,
    margin: float | pd.Series = 1.0,
    confidence: float | None = None,
    n_draws: int = 200,
    random_state: SeedLike = None,
    time_unit: TimeUnit | None = None,
    freq: HorizonLike | None = None,
    **lifetimes_arguments: object,
) -> pd.Series | pd.DataFrame:
    """Discounted expected margin over the next ``horizon``, discounted per ``discount_period``.

    With ``n = horizon / discount_period`` periods of length ``f = discount_period``, for each
    customer::

        CLV = margin * E[spend per purchase] * sum_{k=1..n} (E[X(k f)] - E[X((k-1) f)]) / (1 + d)^k

    where ``E[X(t)]`` is the purchase model's conditional expected number of purchases by time
    ``t`` and ``d`` is ``discount_rate`` *per period* ``f``. Purchases in period ``k`` are
    discounted by ``k`` whole periods, as in lifetimes. All periods are evaluated at once on the
    distinct (frequency, recency, T) rows, then broadcast.

    Parameters
    ----------
    purchase_model : PurchaseModel
        Fitted purchase model (:class:`~precimark.BetaGeoModel`, MBG/NBD, Pareto/NBD, or any
        :class:`~precimark.clv.PurchaseModel`).
    spend_model : GammaGammaModel
        Fitted spend model (anything with ``expected_spend(rfm)``).
    rfm : DataFrame
        Summary frame (frequency, recency, T, monetary_value) in the purchase model's unit.
    horizon : float or duration
        A length of time: a number in the model's time unit or a fixed duration
        (``"360D"``, ``pd.Timedelta(weeks=52)``). It must be a whole number (>= 1) of
        discount periods; anything else is refused, naming both arguments.
    discount_rate : float
        Discount rate per ``discount_period`` (e.g. 0.01 per 30 days), >= 0.
    discount_period : float or duration
        The period of ``discount_rate``, also the step of the sum (``"30D"`` for a monthly
        rate, ``"7D"``, or a number in the model's unit). Required: the rate's period must be
        stated.
    margin : float or Series, default 1.0
        Profit margin on spend, one number or one per customer (indexed like ``rfm``).
    confidence : float, optional
        If given (e.g. 0.9), also return a percentile interval at this level from a parametric
        bootstrap of
        both models' parameters (multivariate normal on the log-parameters, from their
        covariance). Costs ``n_draws`` times the point estimate.
    n_draws : int, default 200
        Bootstrap draws for ``confidence``.
    random_state : int or Generator, optional
        Seed of the bootstrap.
    time_unit : {"D", "W"}, optional
        Unit of ``rfm`` when the frame does not record it (``rfm.attrs["time_unit"]`` is lost
        by a merge or a CSV). It is checked against the model's unit, never converted.
    freq : duration, optional
        Deprecated alias (removed in precimark 0.3) of the old spelling, where ``horizon``
        was a *count* of periods of length ``freq``: ``horizon=12, freq="30D"`` warns with a
        :class:`FutureWarning` and gives the old result, which is
        ``horizon="360D", discount_period="30D"``. Refused because they are lifetimes'
        spelling, whose ``freq`` is the unit of T and whose ``time`` counts months: a bare
        unit letter (``freq="D"``, ``"W"``, ``"M"``, ``"H"``) and a period of exactly one
        hour, one day or one week (``freq="1D"``: with ``horizon=12`` it silently discounted
        12 days at a monthly rate). For daily discounting write ``discount_period="1D"``.
    **lifetimes_arguments
        Only to catch lifetimes' ``time=`` (months), which is refused with the precimark
        spelling; any other name is a TypeError.

    Other Parameters
    ----------------
    interval : float, optional
        Deprecated since 0.2.0 (removed in 0.3.0); use ``confidence``.

    Returns
    -------
    Series or DataFrame
        ``customer_lifetime_value`` indexed like ``rfm``; with ``confidence``, a frame with
        ``customer_lifetime_value``, ``clv_lower`` and ``clv_upper``.

    Raises
    ------
    DataValidationError
        If the unit of ``rfm`` cannot be established or differs from the model's, if
        ``horizon`` is not a whole number of ``discount_period``, or for lifetimes' spelling.

    Notes
    -----
    With ``horizon="360D"``, ``discount_period="30D"`` and a model in days the result equals
    lifetimes' ``customer_lifetime_value(time=12, freq="D")``. (lifetimes counts a month as 30
    days for ``freq="D"`` but 4.345 weeks for ``freq="W"``: for a model in weeks the same call
    is ``discount_period=pd.Timedelta(weeks=4.345)``.)

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> bgnbd = pm.BetaGeoModel().fit(rfm)
    >>> gg = pm.GammaGammaModel().fit(rfm)
    >>> clv = pm.customer_lifetime_value(
    ...     bgnbd, gg, rfm, horizon="360D", discount_period="30D", discount_rate=0.01)
    >>> round(float(clv.loc[1]), 2)
    35.87
    """
    if lifetimes_arguments:
        name = next(iter(lifetimes_arguments))
        if name != "time":
            raise TypeError(
                f"customer_lifetime_value() got an unexpected keyword argument {name!r}"
            )
        months = lifetimes_arguments["time"]
        days = 30 * months if isinstance(months, int) and not isinstance(months, bool) else None
        example = f"horizon='{days}D'" if days is not None else "horizon='360D'"
        _lifetimes_style(
            "time",
            months,
            f"Write {example}, discount_period='30D' ({_LIFETIMES_SPELLING}).",
        )
    if hasattr(purchase_model, "fit"):
        check_is_fitted(purchase_model, "params_")
    rate = check_number(discount_rate, "discount_rate", low=0.0)
    frame = validate_rfm(rfm, require_monetary=True)
    if isinstance(purchase_model, _PurchaseModel):
        _, unit, distinct, inverse = purchase_model._rows(frame, time_unit)
    elif isinstance(purchase_model, PurchaseModel):
        unit = resolve_time_unit(
            frame,
            time_unit,
            expected=purchase_model.time_unit_,
            owner=f"the fitted {type(purchase_model).__name__}",
        )
    else:
        raise fail(
            "argument 'purchase_model'",
            f"a {type(purchase_model).__name__}",
            "a fitted purchase model (precimark.clv.PurchaseModel)",
        )
    step, n_periods = _periods(horizon, discount_period, freq, unit)
    margins = _margins(margin, frame.index)
    spend = spend_model.expected_spend(frame).to_numpy(np.float64)
    times = step * np.arange(1, n_periods + 1, dtype=np.float64)
    discount = (1.0 + rate) ** -np.arange(1, n_periods + 1, dtype=np.float64)

    if not isinstance(purchase_model, _PurchaseModel):
        cumulative = np.column_stack(
            [
                purchase_model.expected_purchases(frame, float(t), time_unit=unit).to_numpy(
                    np.float64
                )
                for t in times
            ]
        )
        per_customer = np.diff(cumulative, axis=1, prepend=0.0) @ discount
        point = margins * spend * per_customer
        _check_finite(point, frame.index)
        if confidence is not None:
            raise fail(
                "argument 'confidence'",
                f"an interval for a {type(purchase_model).__name__}",
                "a BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel (the bootstrap draws "
                "their parameters)",
            )
        return pd.Series(point, index=frame.index, name=CLV)

    def value(model: _PurchaseModel, spend_values: Array) -> Array:
        with np.errstate(all="ignore"):
            per_row = model._discounted_expected(times, discount, distinct)
        return margins * spend_values * per_row[inverse]

    point = value(purchase_model, spend)
    _check_finite(point, frame.index)
    if confidence is None:
        return pd.Series(point, index=frame.index, name=CLV)
    level = check_probability(confidence, "confidence", inclusive="neither")
    draws = _bootstrap(purchase_model, spend_model, frame, n_draws, random_state, value)
    tail = (1 - level) / 2
    lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0)
    return pd.DataFrame({CLV: point, CLV_LOWER: lower, CLV_UPPER: upper}, index=frame.index)


def _periods(
    horizon: object, discount_period: object, freq: object, unit: TimeUnit
) -> tuple[float, int]:
    """Return (length of one discount period in ``unit``, number of periods)."""
    per_unit = _DAYS_PER_UNIT[unit]
    if freq is not None:
        return _legacy_periods(horizon, discount_period, freq, unit)
    if discount_period is None:
        raise fail(
            "argument 'discount_period'",
            "none given",
            "the period of discount_rate, e.g. discount_period='30D' for a monthly rate",
            "State it: the same rate means very different things per day and per month.",
        )
    if horizon is None:
        raise fail(
            "argument 'horizon'",
            "none given",
            "a length of time, e.g. horizon='360D' (12 periods of 30 days)",
        )
    step = to_duration_units(discount_period, unit, "discount_period")
    length = to_duration_units(horizon, unit, "horizon")
    ratio = length / step
    n_periods = round(ratio)
    if n_periods < 1 or abs(ratio - n_periods) > 1e-9 * max(1.0, ratio):
        hint = ""
        if isinstance(horizon, int | np.integer) and not isinstance(horizon, bool):
            hint = (
                f" If {horizon} was meant as a count of periods, write "
                f"horizon={_duration_text(int(horizon) * step * per_unit)}."
            )
        raise fail(
            "argument 'horizon'",
            f"{horizon!r} ({length:g} {'days' if unit == 'D' else 'weeks'}), which is "
            f"{ratio:.4g} times discount_period={discount_period!r}",
            "a whole number (>= 1) of discount periods: horizon = k x discount_period",
            "Change horizon or discount_period so that one divides the other." + hint,
        )
    return step, int(n_periods)


def _legacy_periods(
    horizon: object, discount_period: object, freq: object, unit: TimeUnit
) -> tuple[float, int]:
    """Read the deprecated spelling: ``horizon`` a count of periods of length ``freq``."""
    if discount_period is not None:
        raise fail(
            "argument 'freq'",
            "both freq= and discount_period=",
            "discount_period= only (freq= is its deprecated alias)",
        )
    count = horizon if isinstance(horizon, int | np.integer) else None
    count_text = repr(horizon) if count is not None else "12"
    if isinstance(freq, str) and _LIFETIMES_UNIT.fullmatch(freq):
        _lifetimes_style(
            "freq",
            freq,
            f"In lifetimes freq={freq!r} is the unit of T; here the unit comes from the model "
            f"({unit!r}) and the discount period is discount_period=. {_LIFETIMES_SPELLING}.",
        )
    step = to_duration_units(freq, unit, "freq")
    days = step * _DAYS_PER_UNIT[unit]
    if any(abs(days - one) < 1e-12 for one in (1.0 / 24.0, 1.0, 7.0)):
        months = f"horizon='{30 * count}D'" if count is not None else "horizon='360D'"
        _lifetimes_style(
            "freq",
            freq,
            f"A discount period of one {'hour' if days < 1 else 'day' if days == 1 else 'week'}"
            f" with horizon={count_text} looks like lifetimes' freq (the unit of T) and "
            f"time= (months). For {count_text} months at a monthly rate write {months}, "
            "discount_period='30D'; for discounting per day write "
            f"horizon={_duration_text((count or 12) * days)}, "
            f"discount_period={_duration_text(days)}.",
        )
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or int(horizon) < 1:
        raise fail(
            "argument 'horizon'",
            repr(horizon),
            "a whole number of periods >= 1 with the deprecated freq= (or a length of time "
            "with discount_period=)",
            "Write horizon='360D', discount_period='30D'.",
        )
    n_periods = int(horizon)
    new_horizon = _duration_text(n_periods * days)
    warnings.warn(
        f"customer_lifetime_value(horizon={n_periods}, freq={freq!r}) is deprecated and will "
        f"be removed in precimark {_REMOVED_IN}: horizon is now a length of time and the "
        f"period of discount_rate is discount_period=. Write horizon={new_horizon}, "
        f"discount_period={freq!r} (same result).",
        FutureWarning,
        stacklevel=4,
    )
    return step, n_periods


def _margins(margin: float | pd.Series, index: pd.Index) -> Array:
    if isinstance(margin, pd.Series):
        aligned = margin.reindex(index).to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(aligned)
        if bad.any():
            raise fail_rows(
                "argument 'margin'",
                bad,
                index,
                "missing margin",
                "a margin for every customer in rfm",
            )
        return aligned
    return np.full(len(index), check_number(margin, "margin"))


def _check_finite(values: Array, index: pd.Index) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise fail_rows(
            "customer_lifetime_value",
            bad,
            index,
            "non-finite value",
            "finite values",
            "Check the fitted parameters (BG/NBD with a <= 1 has no finite long-run expectation).",
        )


def _draw_params(
    model: GammaGammaModel | _PurchaseModel, n: int, rng: np.random.Generator
) -> Array:
    """Parameter draws from the normal approximation on the log scale."""
    vector = model._vector()
    cov = model.covariance_ / np.outer(vector, vector)
    if not np.all(np.isfinite(cov)):
        raise fail(
            f"{type(model).__name__}.covariance_",
            "a singular or missing covariance",
            "an invertible information matrix for the bootstrap",
        )
    return np.exp(rng.multivariate_normal(np.log(vector), cov, size=n))


def _bootstrap(
    purchase_model: _PurchaseModel,
    spend_model: object,
    frame: pd.DataFrame,
    n_draws: int,
    random_state: SeedLike,
    value: _Value,
) -> Array:
    if not isinstance(spend_model, GammaGammaModel):
        raise fail(
            "argument 'spend_model'", type(spend_model).__name__, "a GammaGammaModel for intervals"
        )
    draws = int(check_number(n_draws, "n_draws", low=20, integer=True))
    rng = to_rng(random_state)
    purchase_draws = _draw_params(purchase_model, draws, rng)
    spend_draws = _draw_params(spend_model, draws, rng)
    x = frame[FREQUENCY].to_numpy(np.float64)
    m = np.where(x > 0, frame[MONETARY_VALUE].to_numpy(np.float64), 0.0)
    out = np.empty((draws, len(frame)))
    for i in range(draws):
        model = purchase_model.__sklearn_clone__()
        model.params_ = dict(zip(purchase_model._param_names, purchase_draws[i], strict=True))
        model.time_unit_ = purchase_model.time_unit_
        out[i] = value(model, _formulas.gg_expected_spend(spend_draws[i], x, m))
    return out
