"""BTYD purchase models and the Gamma-Gamma spend model, scikit-learn style.

Each model fits on an :func:`~precimark.rfm_summary` frame (or an
:class:`~precimark.clv.RFMHistogram`), compresses identical rows into weighted rows first,
and keeps only a small dict of parameters: never the data, never a lifetimes fitter. It
pickles to a few KB, round-trips through :meth:`to_dict`/:meth:`from_dict`, and
:meth:`to_lifetimes` rebuilds a lifetimes fitter for existing code and plots.

Two engines fit the parameters:

- ``"native"`` (default, every model): vectorised numpy log-likelihoods with analytic
  gradients, evaluated once per distinct sufficient-statistic row, maximised by L-BFGS-B on
  log-parameters from several starts (data-driven first); a supremum on the boundary of the
  parameter space is reported (``boundary_``, the summary's ``boundary`` column and a
  :class:`~precimark.exceptions.ConvergenceWarning`), never hidden behind a penalty;
- ``"lifetimes"``: lifetimes' own fitters, with a retry ladder (other starting points,
  rescaled time, a tiny penalizer as the last resort; each retry warns). It is the test
  oracle of the native engine.

Predictions are precimark's closed forms at the fitted parameters for both engines (equal to
lifetimes' to 1e-9 in the tests).
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Mapping, Sequence
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from precimark._deprecation import deprecated_alias
from precimark._typing import TimeUnit
from precimark._validation import (
    check_number,
    check_time_unit,
    fail,
    fail_rows,
    validate_rfm,
)
from precimark.clv import _covariates, _formulas
from precimark.clv._base import (
    Array,
    Engine,
    HorizonLike,
    _distinct,
    _Model,
    _weights,
)

# Re-exported: these import paths are used elsewhere (horizon_in_units is public).
from precimark.clv._base import _PurchaseModel as _PurchaseModel
from precimark.clv._base import horizon_in_units as horizon_in_units
from precimark.exceptions import DataQualityWarning, DataValidationError
from precimark.schema import FREQUENCY, MONETARY_VALUE, RECENCY, T

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "HorizonLike",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
]


class BetaGeoModel(_PurchaseModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While active a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)``; after each
    repeat purchase they become inactive with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    purchase_covariates : sequence of str, optional
        Numeric columns of the summary frame that move the purchase rate:
        ``alpha_i = alpha * exp(-gamma' x_i)`` (a positive coefficient means more purchases).
        Every frame the model scores must hold them. See "Covariates" in the CLV guide.
    dropout_covariates : sequence of str, optional
        Numeric columns that move the dropout probability ``p ~ Beta(a_i, b_i)``:
        ``a_i = a * exp(gamma_a' z_i)``, ``b_i = b * exp(gamma_b' z_i)`` (Fader & Hardie 2007,
        separate coefficients for a and b).
    penalizer : float, default 0.0
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``, same scale).
    engine : {"native", "lifetimes"}, default "native"
        Optimiser: precimark's vectorised likelihood with analytic gradients and several
        starts, or lifetimes' fitter (slower; kept as an option and as the reference).
    initial_params : Mapping[str, float], optional
        Starting values for r, alpha, a, b.
    random_state : int, optional
        Seed of the random restart in the retry ladder.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (in ``time_unit_``), ``a``, ``b``.
    log_likelihood_ : float
        Log-likelihood at the optimum, on the original time scale.
    n_customers_ : int
        Customers the model was fitted on.
    covariance_ : ndarray
        Inverse observed information of the parameters.
    summary_ : DataFrame
        ``coef``, ``se``, ``lower_95``, ``upper_95`` (Wald, on the log scale) and
        ``boundary`` (``"interior"``, or ``"infinity"``/``"zero"`` where the likelihood's
        supremum lies) per parameter.
    boundary_ : dict
        Parameters whose likelihood supremum is on the boundary, mapped to ``"infinity"`` or
        ``"zero"`` (empty for an interior optimum; a warning says so at fit time).
    aic_, bic_ : float
        Information criteria.
    coefficients_ : DataFrame
        Only with covariates: ``coef``, ``se``, ``z``, ``p_value``, ``lower_95``,
        ``upper_95`` (Wald) per (``parameter``, ``covariate``); ``params_`` then hold the
        baseline (every covariate 0) and ``summary_`` lists the coefficients below them.
    lr_test_ : dict
        Only with covariates: the likelihood-ratio test against the model without them,
        ``statistic``, ``dof``, ``p_value`` and ``log_likelihood_without_covariates``.
    time_unit_ : {"D", "W"}
        Unit of the data it was fitted on; horizons (numbers) are read in it, and every frame
        it scores must be in it (recorded in ``rfm.attrs`` or stated with ``time_unit=``).
        ``None`` only for a model loaded from an older document without a unit: then every
        call must pass ``time_unit=``.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> model = pm.BetaGeoModel().fit(rfm)
    >>> {k: round(v, 3) for k, v in model.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(model.log_likelihood_, 1)
    -9582.4
    """

    _lifetimes_key = "BetaGeo"
    _param_names = ("r", "alpha", "a", "b")
    _modified: ClassVar[bool] = False
    _covariate_links = (("alpha", "purchase", -1.0), ("a", "dropout", 1.0), ("b", "dropout", 1.0))
    # Class defaults: a model pickled before covariates existed reads as "no covariates".
    purchase_covariates: Sequence[str] | None = None
    dropout_covariates: Sequence[str] | None = None

    def __init__(
        self,
        *,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        penalizer: float = 0.0,
        engine: Engine = "native",
        initial_params: Mapping[str, float] | None = None,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(
            penalizer=penalizer,
            engine=engine,
            initial_params=initial_params,
            random_state=random_state,
        )
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates

    def _covariate_loglik(
        self, p: Mapping[str, Array | float], x: Array, tx: Array, T_: Array, *, grad: bool
    ) -> tuple[Array, Array | None]:
        return _covariates.bg_loglik(p, x, tx, T_, modified=self._modified, grad=grad)

    def _data_start(self, data: Sequence[Array], weights: Array) -> Array:
        return np.array([1.0, 1.0 / self._purchase_rate(data, weights), 1.0, 3.0])

    def _prepare(self, data: Sequence[Array]) -> _formulas.BGRows:
        return _formulas.bg_rows(*data)

    def _loglik(
        self, params: Array, prepared: _formulas.BGRows, grad: bool
    ) -> tuple[Array, Array | None]:
        return _formulas.bgnbd_loglik(params, prepared, modified=self._modified, grad=grad)

    def _discounted_expected(
        self, times: Array, discount: Array, distinct: Sequence[Array]
    ) -> Array:
        if len(distinct) > 3:  # with covariates: per period, from the per-row expectation
            return _PurchaseModel._discounted_expected(self, times, discount, distinct)
        return _formulas.bgnbd_discounted_expected(
            self._vector(), times, discount, *distinct, modified=self._modified
        )

    def _conditional_expected(
        self, t: float | Array, x: Array, tx: Array, T_: Array, *covariates: Array
    ) -> Array:
        if covariates:
            p = _covariates.individual(self, covariates)
            return _covariates.bg_conditional_expected(p, t, x, tx, T_, modified=self._modified)
        return _formulas.bgnbd_conditional_expected(
            self._vector(), np.asarray(t), x, tx, T_, modified=self._modified
        )

    def _probability_alive(self, x: Array, tx: Array, T_: Array, *covariates: Array) -> Array:
        if covariates:
            p = _covariates.individual(self, covariates)
            return _covariates.bg_probability_alive(p, x, tx, T_, modified=self._modified)
        return _formulas.bgnbd_probability_alive(self._vector(), x, tx, T_, modified=self._modified)

    def _expected_new(self, t: Array, *covariates: Array) -> Array:
        if covariates:
            p = _covariates.individual(self, covariates)
            return _covariates.bg_expected_new(p, t, modified=self._modified)
        return _formulas.bgnbd_expected_new(self._vector(), t, modified=self._modified)

    def _pmf(self, n: int, t: Array) -> Array:
        return _formulas.bgnbd_pmf(self._vector(), n, t, modified=self._modified)

    def _conditional_pmf(self, n: int, t: float, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.bgnbd_conditional_pmf(
            self._vector(), n, t, x, tx, T_, modified=self._modified
        )

    def _probability_alive_at(self, t: float, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.bgnbd_probability_alive_at(
            self._vector(), t, x, tx, T_, modified=self._modified
        )

    def _dert(self, delta: float, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.bgnbd_dert(self._vector(), delta, x, tx, T_, modified=self._modified)


class ModifiedBetaGeoModel(BetaGeoModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD with dropout at time 0 too.

    Same parameters, attributes and methods as :class:`BetaGeoModel`; a customer may become
    inactive right after the first purchase, so customers without repeat purchases are not
    assumed alive.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> model = pm.ModifiedBetaGeoModel().fit(rfm)
    >>> bool(model.probability_alive(rfm).iloc[2] < 1.0)  # customer 3 never came back
    True
    """

    _lifetimes_key = "ModifiedBetaGeo"
    _modified = True

    def _native_time_scale(self, data: Sequence[Array]) -> float:
        return 1.0  # lifetimes fits MBG/NBD on the unscaled time axis


class ParetoNBDModel(_PurchaseModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    The likelihood is Fader & Hardie's closed form (note 009) in log-space: the 'died between
    the last purchase and T' term is ``H(tx) * (1 - H(T) / H(tx))`` with ``H`` a tail integral
    evaluated by a hypergeometric function whose argument stays in [0, 1), so it is exactly
    zero when ``recency == T`` (then ``probability_alive`` is 1.0) and never NaN.

    Purchases at Poisson rate ``lambda ~ Gamma(r, alpha)``; an exponential lifetime with rate
    ``mu ~ Gamma(s, beta)``. Attributes and methods as :class:`BetaGeoModel`; ``params_``
    holds ``r``, ``alpha``, ``s``, ``beta`` (alpha and beta in ``time_unit_``).

    Parameters
    ----------
    purchase_covariates : sequence of str, optional
        Numeric columns of the summary frame that move the purchase rate:
        ``alpha_i = alpha * exp(-gamma' x_i)`` (a positive coefficient means more purchases).
    dropout_covariates : sequence of str, optional
        Numeric columns that move the dropout rate: ``beta_i = beta * exp(-gamma' z_i)`` (a
        positive coefficient means a shorter lifetime; Fader & Hardie 2007, CLVTools).
    penalizer, engine, initial_params, random_state
        As for :class:`BetaGeoModel` (initial_params: r, alpha, s, beta).

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> model = pm.ParetoNBDModel().fit(rfm)
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    """

    _lifetimes_key = "ParetoNBD"
    _param_names = ("r", "alpha", "s", "beta")
    _time_scaled: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    _covariate_links = (("alpha", "purchase", -1.0), ("beta", "dropout", -1.0))
    purchase_covariates: Sequence[str] | None = None  # as BetaGeoModel's class defaults
    dropout_covariates: Sequence[str] | None = None

    def __init__(
        self,
        *,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        penalizer: float = 0.0,
        engine: Engine = "native",
        initial_params: Mapping[str, float] | None = None,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(
            penalizer=penalizer,
            engine=engine,
            initial_params=initial_params,
            random_state=random_state,
        )
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates

    def _covariate_loglik(
        self, p: Mapping[str, Array | float], x: Array, tx: Array, T_: Array, *, grad: bool
    ) -> tuple[Array, Array | None]:
        return _covariates.pareto_loglik(p, x, tx, T_, grad=grad)

    def _lifetimes_start(self, log_start: Array | None) -> Array:
        # lifetimes' Pareto/NBD optimises raw parameters and, given no start, draws one from
        # numpy's *global* random state: always pass one, so fits are reproducible.
        return np.ones(4) if log_start is None else np.exp(log_start)

    def _data_start(self, data: Sequence[Array], weights: Array) -> Array:
        mean_age = float(weights @ data[2]) / float(weights.sum())
        return np.array([1.0, 1.0 / self._purchase_rate(data, weights), 1.0, mean_age])

    def _prepare(self, data: Sequence[Array]) -> _formulas.ParetoRows:
        return _formulas.pareto_rows(*data)

    def _loglik(
        self, params: Array, prepared: _formulas.ParetoRows, grad: bool
    ) -> tuple[Array, Array | None]:
        return _formulas.pareto_loglik(params, prepared, grad=grad)

    def _pmf(self, n: int, t: Array) -> Array:
        return _formulas.pareto_pmf(self._vector(), n, t)

    def _conditional_expected(
        self, t: float | Array, x: Array, tx: Array, T_: Array, *covariates: Array
    ) -> Array:
        if covariates:
            p = _covariates.individual(self, covariates)
            return _covariates.pareto_conditional_expected(p, t, x, tx, T_)
        return _formulas.pareto_conditional_expected(self._vector(), np.asarray(t), x, tx, T_)

    def _probability_alive(self, x: Array, tx: Array, T_: Array, *covariates: Array) -> Array:
        if covariates:
            return _covariates.pareto_probability_alive(
                _covariates.individual(self, covariates), x, tx, T_
            )
        return _formulas.pareto_probability_alive(self._vector(), x, tx, T_)

    def _expected_new(self, t: Array, *covariates: Array) -> Array:
        if covariates:
            return _covariates.pareto_expected_new(_covariates.individual(self, covariates), t)
        return _formulas.pareto_expected_new(self._vector(), t)

    def _conditional_pmf(self, n: int, t: float, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.pareto_conditional_pmf(self._vector(), n, t, x, tx, T_)

    def _probability_alive_at(self, t: float, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.pareto_probability_alive_at(self._vector(), t, x, tx, T_)

    def _dert(self, delta: float, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.pareto_dert(self._vector(), delta, x, tx, T_)


class GammaGammaModel(_Model):
    """Gamma-Gamma model of average spend per purchase (Fader & Hardie 2013 note).

    Fitted on repeat customers (``frequency > 0``). Assumes spend is independent of purchase
    frequency: ``fit`` warns when the two are correlated.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (lifetimes' scale).
    engine : {"native", "lifetimes"}, default "native"
        Optimiser (see :class:`BetaGeoModel`).
    initial_params : Mapping[str, float], optional
        Starting values for p, q, v.
    random_state : int, optional
        Seed of the random restart in the retry ladder.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``v``.
    log_likelihood_, n_customers_, covariance_, summary_, aic_, bic_
        As for :class:`BetaGeoModel`.
    frequency_spend_correlation_ : float
        Pearson correlation of frequency and mean spend among the fitted customers.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> model = pm.GammaGammaModel().fit(rfm)
    >>> model.n_customers_
    946
    >>> round(float(model.expected_spend(rfm).iloc[0]), 2)  # customer 1: 2 repeats, mean $22.35
    24.65
    """

    _lifetimes_key = "GammaGamma"
    _param_names = ("p", "q", "v")

    def _data_start(self, data: Sequence[Array], weights: Array) -> Array:
        # p = 1, q = 3: the population mean spend p * v / (q - 1) equals the observed one
        mean_spend = float(weights @ data[1]) / float(weights.sum())
        return np.array([1.0, 3.0, 2.0 * mean_spend])

    def _prepare(self, data: Sequence[Array]) -> _formulas.GGRows:
        return _formulas.gg_rows(*data)

    def _loglik(
        self, params: Array, prepared: _formulas.GGRows, grad: bool
    ) -> tuple[Array, Array | None]:
        return _formulas.gg_loglik(params, prepared, grad=grad)

    @deprecated_alias(weights="sample_weight")
    def fit(
        self,
        rfm: pd.DataFrame,
        y: None = None,
        *,
        sample_weight: npt.ArrayLike | pd.Series | None = None,
        time_unit: TimeUnit | None = None,
    ) -> Self:
        """Fit on the repeat customers of an RFM summary.

        Rows with ``frequency == 0`` carry no spend information and are skipped; rows with
        repeat purchases but zero spend are excluded with a :class:`DataQualityWarning`.

        Parameters
        ----------
        rfm : DataFrame
            Columns ``frequency`` and ``monetary_value`` (and ``recency``, ``T``).
        y : None
            Ignored.
        sample_weight : array-like, optional
            Number of customers each row stands for.
        time_unit : {"D", "W"}, optional
            Accepted for a uniform signature and checked against ``rfm.attrs``, but not
            needed: the Gamma-Gamma likelihood involves spend and frequency only, so its
            parameters do not depend on the unit of ``recency`` and ``T``.

        Other Parameters
        ----------------
        weights : array-like, optional
            Deprecated since 0.2.0 (removed in 0.3.0); use ``sample_weight``.

        Returns
        -------
        self
        """
        frame = validate_rfm(rfm, require_monetary=True)
        _check_stated_unit(frame, time_unit)
        row_weights = _weights(sample_weight, len(frame), frame.index)
        x = frame[FREQUENCY].to_numpy(np.float64)
        m = frame[MONETARY_VALUE].to_numpy(np.float64)
        zero_spend = (x > 0) & (m <= 0)
        if zero_spend.any():
            warnings.warn(
                f"GammaGammaModel: {int(zero_spend.sum())} repeat customers with zero spend were "
                f"excluded (first customer: {frame.index[int(np.argmax(zero_spend))]}).",
                DataQualityWarning,
                stacklevel=2,
            )
        use = (x > 0) & (m > 0)
        if use.sum() < 2:
            raise fail(
                "argument 'rfm'", f"{int(use.sum())} repeat customers with spend", "at least 2"
            )
        x, m, row_weights = x[use], m[use], row_weights[use]
        self.frequency_spend_correlation_ = (
            float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 and np.ptp(m) > 0 else 0.0
        )
        if abs(self.frequency_spend_correlation_) >= 0.3:
            warnings.warn(
                "GammaGammaModel: frequency and mean spend are correlated "
                f"(Pearson r = {self.frequency_spend_correlation_:.2f}); the model assumes they "
                "are independent, so expected spend may be biased.",
                DataQualityWarning,
                stacklevel=2,
            )
        (ux, um), inverse = _distinct([x, m])
        self._fit_compressed([ux, um], np.bincount(inverse, weights=row_weights).astype(np.float64))
        if self.params_["q"] <= 1.0:
            warnings.warn(
                f"GammaGammaModel: q = {self.params_['q']:.3f} <= 1, so the population mean spend "
                "p*v/(q-1) is undefined; expected_spend for new or one-off customers is meaningless.",
                DataQualityWarning,
                stacklevel=2,
            )
        return self

    def expected_spend(self, rfm: pd.DataFrame, *, time_unit: TimeUnit | None = None) -> pd.Series:
        """Predict the average spend per future purchase, per customer.

        A customer with ``frequency == 0`` gets the population mean ``p * v / (q - 1)``.

        Parameters
        ----------
        rfm : DataFrame
            Columns ``frequency`` and ``monetary_value`` (and ``recency``, ``T``).
        time_unit : {"D", "W"}, optional
            Checked against ``rfm.attrs`` when given; not needed (spend has no time unit).

        Returns
        -------
        Series
            ``expected_spend``, indexed like ``rfm``.
        """
        check_is_fitted(self, "params_")
        frame = validate_rfm(rfm, require_monetary=True)
        _check_stated_unit(frame, time_unit)
        x = frame[FREQUENCY].to_numpy(np.float64)
        m = frame[MONETARY_VALUE].to_numpy(np.float64)  # finite and >= 0: weight 0 when x is 0
        values = _formulas.gg_expected_spend(self._vector(), x, m)
        return pd.Series(values, index=frame.index, name="expected_spend", copy=False)


class BetaGeoBetaBinomModel(_Model):
    """BG/BB model for discrete-time data (Fader, Hardie & Shang 2010).

    For settings with fixed transaction opportunities (yearly donations, weekly issues):
    ``frequency`` is the number of repeat transactions, ``recency`` the period of the last one
    and ``T`` the number of opportunities (whole numbers). Horizons are numbers of periods.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta``, ``gamma``, ``delta``.
    log_likelihood_, n_customers_, covariance_, summary_, aic_, bic_
        As for :class:`BetaGeoModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.clv import BetaGeoBetaBinomModel
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 3, 6, 2], "recency": [0, 1, 5, 6, 4], "T": [6] * 5})
    >>> model = BetaGeoBetaBinomModel().fit(rfm)
    >>> sorted(model.params_)
    ['alpha', 'beta', 'delta', 'gamma']
    """

    _lifetimes_key = "BetaGeoBetaBinom"
    _param_names = ("alpha", "beta", "gamma", "delta")

    def _prepare(self, data: Sequence[Array]) -> _formulas.BBRows:
        return _formulas.bb_rows(*data)

    def _loglik(
        self, params: Array, prepared: _formulas.BBRows, grad: bool
    ) -> tuple[Array, Array | None]:
        return _formulas.bb_loglik(params, prepared, grad=grad)

    def _check_identifiable(self, data: Sequence[Array], weights: Array) -> None:
        if float(weights[data[0] > 0].sum()) == 0:
            raise fail(
                "column 'frequency'",
                f"no repeat transaction among {round(float(weights.sum())):,} customers",
                "some customers with frequency > 0",
                "Without repeat transactions alpha, beta, gamma, delta are not identified.",
            )

    def _columns(self, rfm: pd.DataFrame) -> list[Array]:
        frame = validate_rfm(rfm)
        return [frame[c].to_numpy(np.float64) for c in (FREQUENCY, RECENCY, T)]

    @deprecated_alias(weights="sample_weight")
    def fit(
        self,
        rfm: pd.DataFrame,
        y: None = None,
        *,
        sample_weight: npt.ArrayLike | pd.Series | None = None,
    ) -> Self:
        """Fit on (frequency, recency, T = opportunities) rows.

        Parameters
        ----------
        rfm : DataFrame
            Columns ``frequency``, ``recency`` and ``T`` in whole transaction opportunities.
        y : None
            Ignored.
        sample_weight : array-like, optional
            Number of customers each row stands for.

        Other Parameters
        ----------------
        weights : array-like, optional
            Deprecated since 0.2.0 (removed in 0.3.0); use ``sample_weight``.

        Returns
        -------
        self
        """
        frame = validate_rfm(rfm)
        data = [frame[c].to_numpy(np.float64) for c in (FREQUENCY, RECENCY, T)]
        fractional = (data[1] != np.round(data[1])) | (data[2] != np.round(data[2]))
        if fractional.any():
            raise fail_rows(
                "argument 'rfm'",
                fractional,
                frame.index,
                "row with fractional recency or T",
                "whole numbers of periods",
            )
        columns, inverse = _distinct(data)
        self._fit_compressed(
            columns,
            np.bincount(inverse, weights=_weights(sample_weight, len(frame), frame.index)).astype(
                np.float64
            ),
        )
        return self

    def expected_purchases(self, rfm: pd.DataFrame, horizon: HorizonLike) -> pd.Series:
        """Predict the transactions in the next ``horizon`` opportunities, per customer.

        Parameters
        ----------
        rfm : DataFrame
            ``frequency``, ``recency`` and ``T`` counted in transaction opportunities.
        horizon : int
            A length of time measured in the model's unit, which for BG/BB is the
            transaction opportunity: a whole number >= 1. A duration such as ``"90D"`` is
            refused, since the model does not know how long an opportunity lasts.

        Returns
        -------
        Series
            ``expected_purchases``, indexed like ``rfm``.

        Raises
        ------
        DataValidationError
            If ``horizon`` is a duration, negative, zero, fractional, NaN, infinite or not a
            number: BG/BB counts discrete transaction opportunities.
        """
        check_is_fitted(self, "params_")
        periods = _opportunities(horizon)
        values = _formulas.bb_conditional_expected(self._vector(), periods, *self._columns(rfm))
        return pd.Series(values, index=rfm.index, name="expected_purchases")

    def probability_alive(self, rfm: pd.DataFrame) -> pd.Series:
        """Probability each customer is alive at the next opportunity.

        Returns
        -------
        Series
            ``probability_alive``, indexed like ``rfm``.
        """
        check_is_fitted(self, "params_")
        values = _formulas.bb_probability_alive(self._vector(), 0, *self._columns(rfm))
        return pd.Series(values, index=rfm.index, name="probability_alive")


_OPPORTUNITIES = (
    "a whole number of transaction opportunities >= 1 (BG/BB counts discrete opportunities, "
    "not time)"
)


def _opportunities(horizon: object) -> int:
    """Return a BG/BB horizon as a whole number >= 1 of transaction opportunities."""
    if isinstance(horizon, str | datetime.timedelta | np.timedelta64 | pd.DateOffset):
        raise fail(
            "argument 'horizon'",
            f"{horizon!r}, a duration",
            _OPPORTUNITIES,
            "Divide the duration by the length of one opportunity (e.g. '364D' with "
            "weekly issues is horizon=52).",
        )
    try:
        return int(check_number(horizon, "horizon", low=1, integer=True))
    except DataValidationError:
        found = repr(horizon)
        if not isinstance(horizon, int | float | np.integer | np.floating) or isinstance(
            horizon, bool | np.bool_
        ):
            found += f" (a {type(horizon).__name__})"
        raise fail("argument 'horizon'", found, _OPPORTUNITIES) from None


def _check_stated_unit(frame: pd.DataFrame, time_unit: object) -> None:
    """Check a ``time_unit=`` given to a unit-free model against the frame's record."""
    if time_unit is None:
        return
    unit = check_time_unit(time_unit)
    recorded = frame.attrs.get("time_unit")
    if recorded is not None and recorded != unit:
        raise fail(
            "argument 'time_unit'",
            f"{unit!r}, but the frame records {recorded!r}",
            "the unit the frame was built in",
            f"Drop time_unit= or pass time_unit={recorded!r}.",
        )
