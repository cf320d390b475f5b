"""Discounted customer lifetime value from a purchase model and a spend model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from precimark._typing import SeedLike
from precimark._validation import fail, fail_rows, validate_rfm
from precimark.clv import _formulas
from precimark.clv.models import GammaGammaModel, HorizonLike, _PurchaseModel, horizon_in_units
from precimark.schema import FREQUENCY, MONETARY_VALUE

__all__ = ["CLV", "CLV_LOWER", "CLV_UPPER", "customer_lifetime_value"]

CLV = "customer_lifetime_value"
CLV_LOWER = "clv_lower"
CLV_UPPER = "clv_upper"

Array: TypeAlias = npt.NDArray[np.float64]
_Value: TypeAlias = Callable[[_PurchaseModel, Array], Array]


class _Spend(Protocol):
    def expected_spend(self, rfm: pd.DataFrame) -> pd.Series: ...


def customer_lifetime_value(
    purchase_model: _PurchaseModel,
    spend_model: GammaGammaModel | _Spend,
    rfm: pd.DataFrame,
    *,
    horizon: int,
    freq: HorizonLike,
    discount_rate: float,
    margin: float | pd.Series = 1.0,
    interval: float | None = None,
    n_draws: int = 200,
    random_state: SeedLike = None,
) -> pd.Series | pd.DataFrame:
    """Discounted expected margin over the next ``horizon`` periods of length ``freq``.

    For each customer::

        CLV = margin * E[spend per purchase] * sum_{k=1..horizon} (E[X(k f)] - E[X((k-1) f)]) / (1 + d)^k

    where ``E[X(t)]`` is the purchase model's conditional expected number of purchases by time
    ``t`` and ``d`` is ``discount_rate`` *per period* ``f = freq``. With ``freq="30D"`` and a
    monthly rate this is lifetimes' ``customer_lifetime_value(time=12, freq="D")``. All periods
    are evaluated at once on the distinct (frequency, recency, T) rows, then broadcast.

    Parameters
    ----------
    purchase_model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        Fitted purchase model.
    spend_model : GammaGammaModel
        Fitted spend model (anything with ``expected_spend(rfm)``).
    rfm : DataFrame
        Summary frame (frequency, recency, T, monetary_value) in the purchase model's unit.
    horizon : int
        Number of periods.
    freq : duration
        Length of one period, which is also the period of ``discount_rate`` (``"30D"``,
        ``pd.Timedelta(weeks=1)``, or a number in the model's time unit). No default: the
        rate's period must be stated.
    discount_rate : float
        Discount rate per period (e.g. 0.01 per 30 days), >= 0.
    margin : float or Series, default 1.0
        Profit margin on spend, one number or one per customer (indexed like ``rfm``).
    interval : float, optional
        If given (e.g. 0.9), also return a percentile interval from a parametric bootstrap of
        both models' parameters (multivariate normal on the log-parameters, from their
        covariance). Costs ``n_draws`` times the point estimate.
    n_draws : int, default 200
        Bootstrap draws for ``interval``.
    random_state : int or Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    Series or DataFrame
        ``customer_lifetime_value`` indexed like ``rfm``; with ``interval``, a frame with
        ``customer_lifetime_value``, ``clv_lower`` and ``clv_upper``.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> bgnbd = pm.BetaGeoModel().fit(rfm)
    >>> gg = pm.GammaGammaModel().fit(rfm)
    >>> clv = pm.customer_lifetime_value(bgnbd, gg, rfm, horizon=12, freq="30D", discount_rate=0.01)
    >>> round(float(clv.loc[1]), 2)
    35.87
    """
    check_is_fitted(purchase_model, "params_")
    if not isinstance(horizon, int | np.integer) or isinstance(horizon, bool) or horizon < 1:
        raise fail("argument 'horizon'", repr(horizon), "a whole number of periods >= 1")
    if not (
        isinstance(discount_rate, int | float) and np.isfinite(discount_rate) and discount_rate >= 0
    ):
        raise fail("argument 'discount_rate'", repr(discount_rate), "a rate per period >= 0")
    step = horizon_in_units(freq, purchase_model.time_unit_, "freq")
    frame = validate_rfm(rfm, require_monetary=True)
    margins = _margins(margin, frame.index)
    spend = spend_model.expected_spend(frame).to_numpy(np.float64)
    _, distinct, inverse = purchase_model._rows(frame)
    times = step * np.arange(1, horizon + 1, dtype=np.float64)
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon + 1, dtype=np.float64)

    def value(model: _PurchaseModel, spend_values: Array) -> Array:
        with np.errstate(all="ignore"):
            per_row = model._discounted_expected(times, discount, distinct)
        return margins * spend_values * per_row[inverse]

    point = value(purchase_model, spend)
    _check_finite(point, frame.index)
    if interval is None:
        return pd.Series(point, index=frame.index, name=CLV)
    if not (isinstance(interval, float) and 0 < interval < 1):
        raise fail("argument 'interval'", repr(interval), "a level between 0 and 1, e.g. 0.9")
    draws = _bootstrap(purchase_model, spend_model, frame, n_draws, random_state, value)
    tail = (1 - interval) / 2
    lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0)
    return pd.DataFrame({CLV: point, CLV_LOWER: lower, CLV_UPPER: upper}, index=frame.index)


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
    if not (isinstance(margin, int | float) and np.isfinite(margin)):
        raise fail("argument 'margin'", repr(margin), "a finite number or a Series by customer")
    return np.full(len(index), float(margin))


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
    if not isinstance(n_draws, int) or n_draws < 20:
        raise fail("argument 'n_draws'", repr(n_draws), "a whole number >= 20")
    rng = np.random.default_rng(random_state)
    purchase_draws = _draw_params(purchase_model, n_draws, rng)
    spend_draws = _draw_params(spend_model, n_draws, rng)
    x = frame[FREQUENCY].to_numpy(np.float64)
    m = np.where(x > 0, frame[MONETARY_VALUE].to_numpy(np.float64), 0.0)
    out = np.empty((n_draws, len(frame)))
    for i in range(n_draws):
        model = purchase_model.__sklearn_clone__()
        model.params_ = dict(zip(purchase_model._param_names, purchase_draws[i], strict=True))
        model.time_unit_ = purchase_model.time_unit_
        out[i] = value(model, _formulas.gg_expected_spend(spend_draws[i], x, m))
    return out
