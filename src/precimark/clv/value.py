"""Discounted customer lifetime value from a purchase model and a spend model."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Literal, NamedTuple, Protocol, TypeAlias, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from precimark._deprecation import deprecated_alias
from precimark._typing import HorizonLike, PurchaseModel, SeedLike, TimeUnit
from precimark._validation import (
    check_choice,
    check_number,
    check_probability,
    check_unique_index,
    fail,
    fail_rows,
    resolve_time_unit,
    to_duration_units,
    to_rng,
    validate_rfm,
)
from precimark.clv import _formulas, _predictive
from precimark.clv._base import _PurchaseModel
from precimark.clv._predictive import draw_params as _draw_params
from precimark.clv.models import GammaGammaModel
from precimark.schema import (
    CLV,
    CLV_LOWER,
    CLV_UPPER,
    FREQUENCY,
    MONETARY_VALUE,
    N_CUSTOMERS,
    RECENCY,
    T,
)

__all__ = ["CLV", "CLV_LOWER", "CLV_UPPER", "customer_lifetime_value", "segment_value"]

Array: TypeAlias = npt.NDArray[np.float64]
IntervalKind: TypeAlias = Literal["expectation", "predictive"]

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
    interval_kind: IntervalKind = ...,
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
    interval_kind: IntervalKind = ...,
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
    interval_kind: IntervalKind = "expectation",
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
        If given (e.g. 0.9), also return an interval at this level, of the kind
        ``interval_kind`` says. Costs ``n_draws`` times the point estimate.
    interval_kind : {"expectation", "predictive"}, default "expectation"
        What the interval is for. ``"expectation"``: the model's *expected* CLV, from a
        parametric bootstrap of both models' parameters (multivariate normal on the
        log-parameters, from their covariance) — it narrows as the fit sharpens and does
        not cover what a customer will actually spend. ``"predictive"``: the value that will
        be *observed* — each draw takes parameters as above, then simulates the customer's
        future given their history (alive or not, purchase rate and dropout from their
        posterior, spend per purchase from the Gamma-Gamma posterior), discounted per
        period as the point estimate; the bounds are equal-tailed quantiles of the draws,
        except that the lower bound is 0 and the upper one the ``confidence`` quantile when
        the chance of no purchase at all reaches the lower tail. Needs ``confidence``, a
        BG/NBD, MBG/NBD or Pareto/NBD model and a :class:`~precimark.GammaGammaModel`.
    n_draws : int, default 200
        Draws for ``confidence`` (>= 20; for ``"predictive"`` at least 5 beyond each bound,
        i.e. ``n_draws >= 10 / (1 - confidence)``: 100 for 0.9).
    random_state : int or Generator, optional
        Seed of the draws.
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
        ``horizon`` is not a whole number of ``discount_period``, for lifetimes' spelling, or
        for an ``interval_kind`` that is not one of the two, ``"predictive"`` without
        ``confidence``, too few ``n_draws``, or models it cannot simulate.

    See Also
    --------
    segment_value : the same value summed over groups of customers, with an interval.

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

    The predictive interval covers what customer 1 will actually be worth; the expectation
    interval only the model's uncertainty about the average:

    >>> kinds = {kind: pm.customer_lifetime_value(
    ...     bgnbd, gg, rfm, horizon="360D", discount_period="30D", discount_rate=0.01,
    ...     confidence=0.9, interval_kind=kind, random_state=0).loc[1]
    ...     for kind in ("expectation", "predictive")}
    >>> bool(kinds["predictive"]["clv_upper"] > 2 * kinds["expectation"]["clv_upper"])
    True
    >>> float(kinds["predictive"]["clv_lower"])  # no purchase at all is likely enough
    0.0
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
    _check_spend_model(spend_model)
    kind = _interval_kind(interval_kind, confidence)
    if isinstance(purchase_model, _PurchaseModel):
        setup = _valuation(
            purchase_model,
            spend_model,
            rfm,
            horizon,
            discount_rate,
            discount_period,
            margin,
            time_unit,
            freq,
        )
        point = setup.value(purchase_model, setup.spend)
        _check_finite(point, setup.frame.index)
        if confidence is None:  # the values are the Series' own: no copy
            return pd.Series(point, index=setup.frame.index, name=CLV, copy=False)
        level = check_probability(confidence, "confidence", inclusive="neither")
        lower, upper = np.empty_like(point), np.empty_like(point)
        draws = _value_draws(kind, level, purchase_model, spend_model, setup, n_draws, random_state)
        for part, values in draws:
            lower[part], upper[part] = _bounds(kind, values, level)
        return pd.DataFrame(
            {CLV: point, CLV_LOWER: lower, CLV_UPPER: upper}, index=setup.frame.index
        )
    if not isinstance(purchase_model, PurchaseModel):
        raise fail(
            "argument 'purchase_model'",
            f"a {type(purchase_model).__name__}",
            "a fitted purchase model (precimark.clv.PurchaseModel)",
        )
    rate = check_number(discount_rate, "discount_rate", low=0.0)
    frame = validate_rfm(rfm, require_monetary=True)
    unit = resolve_time_unit(
        frame,
        time_unit,
        expected=purchase_model.time_unit_,
        owner=f"the fitted {type(purchase_model).__name__}",
    )
    step, n_periods = _periods(horizon, discount_period, freq, unit)
    margins = _margins(margin, frame.index)
    spend = spend_model.expected_spend(frame).to_numpy(np.float64)
    times = step * np.arange(1, n_periods + 1, dtype=np.float64)
    discount = (1.0 + rate) ** -np.arange(1, n_periods + 1, dtype=np.float64)
    cumulative = np.column_stack(
        [
            purchase_model.expected_purchases(frame, float(t), time_unit=unit).to_numpy(np.float64)
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


def _check_spend_model(spend_model: object) -> None:
    """Refuse a spend model without ``expected_spend`` (a name given as text, say) by name."""
    if not callable(getattr(spend_model, "expected_spend", None)):
        raise fail(
            "argument 'spend_model'",
            f"a {type(spend_model).__name__}",
            "a fitted spend model with expected_spend(rfm) (precimark.GammaGammaModel)",
        )


def segment_value(
    purchase_model: _PurchaseModel,
    spend_model: GammaGammaModel,
    rfm: pd.DataFrame,
    *,
    groups: pd.Series | None = None,
    horizon: HorizonLike,
    discount_rate: float,
    discount_period: HorizonLike,
    margin: float | pd.Series = 1.0,
    confidence: float = 0.9,
    interval_kind: IntervalKind = "predictive",
    n_draws: int = 200,
    random_state: SeedLike = None,
    time_unit: TimeUnit | None = None,
) -> pd.DataFrame:
    """Total customer lifetime value of each group of customers, with an interval.

    The point total of a group is the sum of its customers'
    :func:`~precimark.customer_lifetime_value`. The interval is for the sum over the group:
    each draw sums the group's simulated (``"predictive"``) or expected (``"expectation"``)
    values under one draw of the parameters, so the correlation that shared parameters
    induce between customers is kept (a group total is far less certain than independent
    customer intervals would suggest).

    Parameters
    ----------
    purchase_model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        Fitted purchase model.
    spend_model : GammaGammaModel
        Fitted spend model.
    rfm : DataFrame
        Summary frame (frequency, recency, T, monetary_value) in the purchase model's unit.
    groups : Series, optional
        Group label of each customer (a segment, a channel, a cohort), indexed like ``rfm``;
        every customer needs one. Without it, one group ``"all"`` of every customer.
    horizon : float or duration
        A length of time, a whole number of ``discount_period`` (as in
        :func:`~precimark.customer_lifetime_value`).
    discount_rate : float
        Discount rate per ``discount_period``, >= 0.
    discount_period : float or duration
        The period of ``discount_rate`` and the step of the sum.
    margin : float or Series, default 1.0
        Profit margin on spend, one number or one per customer.
    confidence : float, default 0.9
        Level of the interval of each group's total.
    interval_kind : {"predictive", "expectation"}, default "predictive"
        ``"predictive"``: an interval for the total that will be *observed*;
        ``"expectation"``: for the model's expected total (parameter uncertainty only). See
        :func:`~precimark.customer_lifetime_value`.
    n_draws : int, default 200
        Draws (>= 20; for ``"predictive"`` at least ``10 / (1 - confidence)``).
    random_state : int or Generator, optional
        Seed of the draws.
    time_unit : {"D", "W"}, optional
        Unit of ``rfm`` when the frame does not record it (checked against the model's).

    Returns
    -------
    DataFrame
        One row per group (indexed by label, sorted), columns ``n_customers``,
        ``customer_lifetime_value`` (the point total), ``clv_lower`` and ``clv_upper``.

    Raises
    ------
    DataValidationError
        As :func:`~precimark.customer_lifetime_value`; also for a customer without a group.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.clv import segment_value
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> bgnbd = pm.BetaGeoModel().fit(rfm)
    >>> gg = pm.GammaGammaModel().fit(rfm)
    >>> repeat = (rfm["frequency"] > 0).map({True: "repeat", False: "one-off"})
    >>> totals = segment_value(bgnbd, gg, rfm, groups=repeat, horizon="360D",
    ...                        discount_period="30D", discount_rate=0.01, random_state=0)
    >>> totals.columns.tolist()
    ['n_customers', 'customer_lifetime_value', 'clv_lower', 'clv_upper']
    >>> totals["n_customers"].tolist()
    [1411, 946]
    >>> bool((totals["clv_lower"] < totals["customer_lifetime_value"]).all())
    True
    """
    if not isinstance(purchase_model, _PurchaseModel):
        raise fail(
            "argument 'purchase_model'",
            f"a {type(purchase_model).__name__}",
            "a fitted BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel",
        )
    check_is_fitted(purchase_model, "params_")
    _check_spend_model(spend_model)
    kind = _interval_kind(interval_kind, confidence)
    level = check_probability(confidence, "confidence", inclusive="neither")
    setup = _valuation(
        purchase_model,
        spend_model,
        rfm,
        horizon,
        discount_rate,
        discount_period,
        margin,
        time_unit,
        None,
    )
    point = setup.value(purchase_model, setup.spend)
    _check_finite(point, setup.frame.index)
    codes, labels = _group_codes(groups, setup.frame.index)
    n_groups = len(labels)
    draws = _value_draws(kind, level, purchase_model, spend_model, setup, n_draws, random_state)
    totals = np.zeros((0, n_groups))
    for part, values in draws:  # per draw, the sum of each group's values in this chunk
        cells = (np.arange(len(values))[:, None] * n_groups + codes[part]).ravel()
        summed = np.bincount(cells, weights=values.ravel(), minlength=len(values) * n_groups)
        chunk = np.asarray(summed, dtype=np.float64).reshape(len(values), n_groups)
        totals = chunk if totals.size == 0 else totals + chunk
    lower, upper = _bounds(kind, totals, level)
    return pd.DataFrame(
        {
            N_CUSTOMERS: np.bincount(codes, minlength=n_groups),
            CLV: np.bincount(codes, weights=point, minlength=n_groups),
            CLV_LOWER: lower,
            CLV_UPPER: upper,
        },
        index=labels,
    )


class _Valuation(NamedTuple):
    """A validated CLV call on a precimark purchase model: rows, periods, margins, spend."""

    frame: pd.DataFrame
    distinct: list[Array]
    inverse: npt.NDArray[np.intp]
    step: float
    discount: Array
    margins: Array
    spend: Array

    def value(self, model: _PurchaseModel, spend_values: Array) -> Array:
        """Per customer: margin x spend x discounted expected purchases under ``model``."""
        times = self.step * np.arange(1, len(self.discount) + 1, dtype=np.float64)
        with np.errstate(all="ignore"):
            per_row = model._discounted_expected(times, self.discount, self.distinct)
        values = self.margins * spend_values
        values *= per_row[self.inverse]
        return values


def _valuation(
    purchase_model: _PurchaseModel,
    spend_model: GammaGammaModel | _Spend,
    rfm: pd.DataFrame,
    horizon: object,
    discount_rate: object,
    discount_period: object,
    margin: float | pd.Series,
    time_unit: TimeUnit | None,
    freq: object,
) -> _Valuation:
    rate = check_number(discount_rate, "discount_rate", low=0.0)
    frame = validate_rfm(rfm, require_monetary=True)
    _, unit, distinct, inverse = purchase_model._rows(frame, time_unit)
    step, n_periods = _periods(horizon, discount_period, freq, unit)
    return _Valuation(
        frame=frame,
        distinct=distinct,
        inverse=inverse,
        step=step,
        discount=(1.0 + rate) ** -np.arange(1, n_periods + 1, dtype=np.float64),
        margins=_margins(margin, frame.index),
        spend=spend_model.expected_spend(frame).to_numpy(np.float64),
    )


def _interval_kind(interval_kind: object, confidence: object) -> IntervalKind:
    check_choice(interval_kind, "interval_kind", _predictive.INTERVAL_KINDS)
    if interval_kind == "predictive" and confidence is None:
        raise fail(
            "argument 'interval_kind'",
            "'predictive' without confidence",
            "confidence= with it (the level of the interval)",
            "Pass confidence=0.9 (for example) as well.",
        )
    return "predictive" if interval_kind == "predictive" else "expectation"


def _value_draws(
    kind: IntervalKind,
    level: float,
    purchase_model: _PurchaseModel,
    spend_model: object,
    setup: _Valuation,
    n_draws: object,
    random_state: SeedLike,
) -> Iterator[tuple[slice, Array]]:
    """Yield (customer slice, draws x customers) of expected or simulated values."""
    if not isinstance(spend_model, GammaGammaModel):
        raise fail(
            "argument 'spend_model'", type(spend_model).__name__, "a GammaGammaModel for intervals"
        )
    if kind == "expectation":
        draws = int(check_number(n_draws, "n_draws", low=20, integer=True))
        yield slice(None), _bootstrap(purchase_model, spend_model, setup, draws, random_state)
        return
    _predictive.check_simulable(purchase_model, spend_model)
    draws = _predictive.check_predictive_draws(n_draws, level)
    frame = setup.frame
    x = frame[FREQUENCY].to_numpy(np.float64)
    rows = (
        x,
        frame[RECENCY].to_numpy(np.float64),
        frame[T].to_numpy(np.float64),
        np.where(x > 0, frame[MONETARY_VALUE].to_numpy(np.float64), 0.0),
    )
    simulated = _predictive.simulate(
        purchase_model,
        spend_model,
        rows,
        step=setup.step,
        discount=setup.discount,
        n_draws=draws,
        rng=to_rng(random_state),
    )
    for part, values in simulated:
        yield part, values * setup.margins[part]


def _bounds(kind: IntervalKind, values: Array, level: float) -> tuple[Array, Array]:
    if kind == "predictive":
        return _predictive.bounds(values, level)
    tail = (1 - level) / 2
    lower, upper = np.quantile(values, [tail, 1 - tail], axis=0)
    return lower, upper


def _group_codes(groups: object, index: pd.Index) -> tuple[npt.NDArray[np.intp], pd.Index]:
    if groups is None:
        return np.zeros(len(index), dtype=np.intp), pd.Index(["all"], name="group")
    if not isinstance(groups, pd.Series):
        raise fail(
            "argument 'groups'",
            f"a {type(groups).__name__}",
            "a Series of group labels indexed like rfm",
        )
    check_unique_index(groups.to_frame(), "groups")
    aligned = groups.reindex(index)
    missing = aligned.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            "argument 'groups'",
            missing,
            index,
            "customer without a group",
            "a group label for every customer of rfm",
            plural="customers without a group",
        )
    codes, labels = pd.factorize(aligned, sort=True)
    return codes.astype(np.intp), pd.Index(labels, name=groups.name or "group")


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
        check_unique_index(margin.to_frame(), "margin")
        numbers = pd.to_numeric(margin, errors="coerce")  # text is a missing margin, refused
        aligned = numbers.reindex(index).to_numpy(dtype=np.float64, na_value=np.nan)
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
    # One number for every customer: a read-only view that takes no memory per customer.
    return np.broadcast_to(np.float64(check_number(margin, "margin")), len(index))


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


def _bootstrap(
    purchase_model: _PurchaseModel,
    spend_model: GammaGammaModel,
    setup: _Valuation,
    draws: int,
    random_state: SeedLike,
) -> Array:
    """Return expected values (draws x customers) under bootstrap draws of both models."""
    rng = to_rng(random_state)
    purchase_draws = _draw_params(purchase_model, draws, rng)
    spend_draws = _draw_params(spend_model, draws, rng)
    x = setup.frame[FREQUENCY].to_numpy(np.float64)
    m = np.where(x > 0, setup.frame[MONETARY_VALUE].to_numpy(np.float64), 0.0)
    out = np.empty((draws, len(setup.frame)))
    for i in range(draws):
        model = _predictive.with_params(purchase_model, purchase_draws[i])
        out[i] = setup.value(model, _formulas.gg_expected_spend(spend_draws[i], x, m))
    return out
