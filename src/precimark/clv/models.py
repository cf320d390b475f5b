"""BTYD purchase models and the Gamma-Gamma spend model, scikit-learn style.

Each model fits on an :func:`~precimark.rfm_summary` frame (or an
:class:`~precimark.clv.RFMHistogram`), compresses identical rows into weighted rows first,
and keeps only a small dict of parameters: never the data, never a lifetimes fitter. It
pickles to a few KB, round-trips through :meth:`to_dict`/:meth:`from_dict`, and
:meth:`to_lifetimes` rebuilds a lifetimes fitter for existing code and plots.

Two engines fit the parameters:

- ``"lifetimes"`` (default): lifetimes' own fitters, with a retry ladder (other starting
  points, rescaled time, a tiny penalizer as the last resort; each retry warns);
- ``"native"`` (BG/NBD, MBG/NBD, Gamma-Gamma): vectorised numpy log-likelihoods with
  closed-form gradients and L-BFGS-B, an order of magnitude faster on large bases, checked
  against lifetimes in the tests.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from precimark._typing import TimeUnit
from precimark._validation import check_choice, check_time_unit, fail, fail_rows, validate_rfm
from precimark.clv import _formulas, _lifetimes
from precimark.clv.stats import COUNT, RFMHistogram, resolve_time_unit
from precimark.exceptions import ConvergenceError, ConvergenceWarning, DataQualityWarning
from precimark.persistence._header import header, read_header, reading
from precimark.schema import FREQUENCY, MONETARY_VALUE, RECENCY, T

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "HorizonLike",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
]

Array: TypeAlias = npt.NDArray[np.float64]
Engine: TypeAlias = Literal["lifetimes", "native"]
HorizonLike: TypeAlias = float | int | str | pd.Timedelta | np.timedelta64 | pd.DateOffset
"""A horizon: a number in the model's time unit, or a fixed duration (``"30D"``,
``pd.Timedelta(weeks=4)``) that is converted to it."""

_FORMAT_VERSION = 1
_DAYS = {"D": 1.0, "W": 7.0}


def horizon_in_units(horizon: HorizonLike, time_unit: TimeUnit, name: str = "horizon") -> float:
    """Convert a horizon to the model's time unit; refuse what has no fixed length."""
    if isinstance(horizon, bool):
        raise fail(f"argument '{name}'", repr(horizon), "a positive number or a duration")
    if isinstance(horizon, int | float | np.integer | np.floating):
        value = float(horizon)
    else:
        try:
            delta = pd.Timedelta(horizon)  # type: ignore[arg-type]
        except (TypeError, ValueError) as err:
            raise fail(
                f"argument '{name}'",
                f"{horizon!r}, which has no fixed length",
                "a number in the model's time unit or a fixed duration such as '30D' or "
                "pd.Timedelta(weeks=4)",
                "Calendar months and years vary in length: say pd.Timedelta(days=30) explicitly.",
            ) from err
        value = delta / pd.Timedelta(days=_DAYS[time_unit])
    if not (np.isfinite(value) and value > 0):
        raise fail(f"argument '{name}'", repr(horizon), "a positive, finite horizon")
    return value


def _distinct(columns: Sequence[Array]) -> tuple[list[Array], npt.NDArray[np.intp]]:
    """Distinct rows of several aligned columns, and the inverse map back to the rows."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column)
        key = key * len(uniques) + codes
    codes, _ = pd.factorize(key)
    first = np.zeros(int(codes.max()) + 1, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return [np.asarray(c)[first] for c in columns], codes


def _weights(weights: object, n: int, index: pd.Index) -> Array:
    if weights is None:
        return np.ones(n)
    if isinstance(weights, pd.Series):
        weights = weights.reindex(index)
    values = np.asarray(weights, dtype=np.float64)
    if values.shape != (n,):
        raise fail("argument 'weights'", f"shape {values.shape}", f"one weight per row ({n})")
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        raise fail_rows(
            "argument 'weights'", bad, index, "missing or non-positive weight", "weights > 0"
        )
    return values


class _Model(BaseEstimator):  # type: ignore[misc]
    """Shared machinery: parameters, fit bookkeeping, serialisation."""

    _lifetimes_key: ClassVar[str]
    _param_names: ClassVar[tuple[str, ...]]
    _native: ClassVar[bool] = False
    _time_scaled: ClassVar[tuple[str, ...]] = ()  # parameters measured in units of time

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        engine: Engine = "lifetimes",
        initial_params: Mapping[str, float] | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.penalizer = penalizer
        self.engine = engine
        self.initial_params = initial_params
        self.random_state = random_state

    # ------------------------------------------------------------------ likelihood

    def _prepare(self, data: Sequence[Array]) -> Any:
        """Return the data in the form :meth:`_loglik` evaluates fastest (native models)."""
        return data

    def _loglik(self, params: Array, prepared: Any, grad: bool) -> tuple[Array, Array | None]:
        """Return per-row log-likelihood (and gradient rows when the model is native)."""
        return _lifetimes.log_likelihood(self._lifetimes_key, params.tolist(), prepared), None

    # ------------------------------------------------------------------ fitting

    def _check_hyper_parameters(self) -> None:
        check_choice(self.engine, "engine", ("lifetimes", "native"))
        if self.engine == "native" and not self._native:
            raise fail(
                "argument 'engine'",
                f"'native' for {type(self).__name__}",
                "'lifetimes' (the native engine covers BetaGeoModel, ModifiedBetaGeoModel and "
                "GammaGammaModel)",
            )
        if not (
            isinstance(self.penalizer, int | float)
            and np.isfinite(self.penalizer)
            and self.penalizer >= 0
        ):
            raise fail("argument 'penalizer'", repr(self.penalizer), "a number >= 0")
        if self.initial_params is not None and set(self.initial_params) != set(self._param_names):
            raise fail(
                "argument 'initial_params'",
                f"keys {sorted(self.initial_params)}",
                f"exactly the keys {list(self._param_names)}",
            )

    def _fit_compressed(self, data: Sequence[Array], weights: Array) -> None:
        """Fit on compressed rows; set params_, log_likelihood_, covariance_, summary_."""
        self._check_hyper_parameters()
        attempts = self._attempts()
        failures: list[str] = []
        params: dict[str, float] | None = None
        for label, start, scale, penalizer in attempts:
            try:
                params = self._fit_once(data, weights, start, scale, penalizer)
            except (ArithmeticError, ValueError, RuntimeError, np.linalg.LinAlgError) as err:
                failures.append(f"{label}: {type(err).__name__}: {str(err).strip()[:120]}")
                continue
            values = np.array(list(params.values()))
            if np.all(np.isfinite(values)) and np.all(values > 0):
                if failures:
                    warnings.warn(
                        f"{type(self).__name__}: the fit succeeded with '{label}' after "
                        f"{len(failures)} failed attempt(s): " + "; ".join(failures),
                        ConvergenceWarning,
                        stacklevel=3,
                    )
                break
            failures.append(f"{label}: parameters {params} are not all finite and positive")
            params = None
        if params is None:
            raise ConvergenceError(
                f"{type(self).__name__} did not converge after {len(attempts)} attempts: "
                + "; ".join(failures)
                + ". Check the data (recency <= T, the time unit) or set a penalizer."
            )
        self.params_ = params
        vector = np.array([params[k] for k in self._param_names])
        prepared = self._prepare(data)
        self.log_likelihood_ = float(
            np.einsum("i,i->", weights, self._loglik(vector, prepared, False)[0])
        )
        self.n_customers_ = round(float(weights.sum()))
        self.covariance_ = self._covariance(vector, prepared, weights)
        self._set_summary()

    def _attempts(self) -> list[tuple[str, Array | None, float, float]]:
        """Return the retry ladder: (label, log-start, time scale, penalizer) per attempt."""
        k = len(self._param_names)
        rng = np.random.default_rng(self.random_state)
        start = None
        if self.initial_params is not None:
            start = np.log([float(self.initial_params[n]) for n in self._param_names])
        ladder: list[tuple[str, Array | None, float, float]] = [
            ("default start", start, 1.0, self.penalizer),
            ("start at all parameters = 1", np.zeros(k), 1.0, self.penalizer),
            ("seeded random start", rng.normal(0.0, 1.0, k), 1.0, self.penalizer),
        ]
        if self._time_scaled:
            ladder.append(("time rescaled by 1/7", np.zeros(k), 1.0 / 7.0, self.penalizer))
        ladder.append(
            ("tiny penalizer 1e-6 (last resort)", np.zeros(k), 1.0, max(self.penalizer, 1e-6))
        )
        return ladder

    def _fit_once(
        self,
        data: Sequence[Array],
        weights: Array,
        log_start: Array | None,
        scale: float,
        penalizer: float,
    ) -> dict[str, float]:
        scaled = self._rescale_data(data, scale)
        if self.engine == "native":
            fitted = self._fit_native(scaled, weights, log_start, penalizer)
        else:
            fitted = _lifetimes.fit(
                self._lifetimes_key,
                scaled,
                weights,
                penalizer=penalizer,
                initial_params=self._lifetimes_start(log_start),
                names=self._param_names,
            )
        return {k: (v / scale if k in self._time_scaled else v) for k, v in fitted.items()}

    def _lifetimes_start(self, log_start: Array | None) -> Array | None:
        """Translate a log-parameter start into what the lifetimes fitter expects (log-params)."""
        return log_start

    def _rescale_data(self, data: Sequence[Array], scale: float) -> list[Array]:
        return list(data)

    def _native_time_scale(self, data: Sequence[Array]) -> float:
        """Return the time scale lifetimes fits on (it rescales some models to max(T) = 1)."""
        return 1.0

    def _fit_native(
        self, data: Sequence[Array], weights: Array, log_start: Array | None, penalizer: float
    ) -> dict[str, float]:
        scale = self._native_time_scale(data)
        prepared = self._prepare(self._rescale_data(data, scale))
        total = weights.sum()
        timed = np.array([n in self._time_scaled for n in self._param_names])

        def objective(theta: Array) -> tuple[float, Array]:
            params = np.exp(theta)
            ll, g = self._loglik(params, prepared, True)
            assert g is not None
            value = -float(np.einsum("i,i->", weights, ll)) / total + penalizer * float(
                np.sum(params**2)
            )
            grad = (-np.einsum("i,ij->j", weights, g) / total + 2.0 * penalizer * params) * params
            return value, grad

        start = np.zeros(len(self._param_names)) if log_start is None else log_start
        with np.errstate(all="ignore"):
            result = minimize(
                objective,
                start,
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-9},
            )
        if not np.isfinite(result.fun) or np.max(np.abs(result.jac)) > 1e-4:
            raise ArithmeticError(f"L-BFGS-B stopped at {result.message} (gradient {result.jac})")
        params = np.exp(result.x)
        params[timed] = params[timed] / scale
        return dict(zip(self._param_names, params.tolist(), strict=True))

    def _covariance(self, params: Array, prepared: Any, weights: Array) -> Array:
        """Inverse observed information in parameter space (NaN where it is singular).

        The Hessian of the log-likelihood in log-parameters is taken by central differences:
        of the analytic gradient for native models, of the likelihood otherwise.
        """
        theta = np.log(params)
        k = len(params)
        step = 1e-4
        eye = np.eye(k) * step

        def total(th: Array, grad: bool) -> Any:
            ll, g = self._loglik(np.exp(th), prepared, grad)
            if g is None:
                return float(np.einsum("i,i->", weights, ll))
            gradient: Array = np.einsum("i,ij->j", weights, g) * np.exp(th)
            return gradient

        if self._native:
            rows = [
                (total(theta + eye[i], True) - total(theta - eye[i], True)) / (2 * step)
                for i in range(k)
            ]
            hess = np.array(rows)
            hess = (hess + hess.T) / 2
        else:
            base = total(theta, False)
            hess = np.empty((k, k))
            for i in range(k):
                for j in range(i, k):
                    if i == j:
                        value = (
                            total(theta + eye[i], False) - 2 * base + total(theta - eye[i], False)
                        ) / step**2
                    else:
                        value = (
                            total(theta + eye[i] + eye[j], False)
                            - total(theta + eye[i] - eye[j], False)
                            - total(theta - eye[i] + eye[j], False)
                            + total(theta - eye[i] - eye[j], False)
                        ) / (4 * step**2)
                    hess[i, j] = hess[j, i] = value
        try:
            cov_theta = np.linalg.inv(-hess)
        except np.linalg.LinAlgError:
            return np.full((k, k), np.nan)
        jac = np.diag(params)
        cov: Array = jac @ cov_theta @ jac
        return cov

    def _set_summary(self) -> None:
        names = list(self._param_names)
        coef = np.array([self.params_[n] for n in names])
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(self.covariance_))
        k = len(names)
        self.aic_ = float(2 * k - 2 * self.log_likelihood_)
        self.bic_ = float(k * np.log(max(self.n_customers_, 1)) - 2 * self.log_likelihood_)
        self.summary_ = pd.DataFrame(
            {
                "coef": coef,
                "se": se,
                "lower_95": coef - 1.959963984540054 * se,
                "upper_95": coef + 1.959963984540054 * se,
            },
            index=pd.Index(names, name="parameter"),
        )

    def _vector(self, params: Mapping[str, float] | None = None) -> Array:
        source = self.params_ if params is None else params
        return np.array([source[n] for n in self._param_names], dtype=np.float64)

    # ------------------------------------------------------------------ portability

    def to_lifetimes(self) -> Any:
        """Return a lifetimes fitter carrying the fitted parameters (no data attached).

        Use it for lifetimes' plots and existing code; precimark itself never needs it.
        """
        check_is_fitted(self, "params_")
        return _lifetimes.build_fitter(self._lifetimes_key, dict(self.params_), self.penalizer)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe description of the fitted model (see :meth:`from_dict`)."""
        check_is_fitted(self, "params_")
        return {
            **header(type(self), _FORMAT_VERSION),
            "hyper_parameters": {
                k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.get_params().items()
            },
            "params": {k: float(v) for k, v in self.params_.items()},
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "covariance": [
                [v if np.isfinite(v) else None for v in row] for row in self.covariance_.tolist()
            ],
            "time_unit": getattr(self, "time_unit_", None),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a fitted model from :meth:`to_dict` output.

        Raises
        ------
        DataValidationError
            If ``data`` describes another model or another format version. Parameters mean
            the same in every precimark version, so only the format version must match.
        """
        read_header(data, cls, _FORMAT_VERSION)
        with reading(cls):
            model = cls(**data["hyper_parameters"])
            model.params_ = {k: float(data["params"][k]) for k in cls._param_names}
            model.log_likelihood_ = float(data["log_likelihood"])
            model.n_customers_ = int(data["n_customers"])
            model.covariance_ = np.array(
                [[np.nan if v is None else v for v in row] for row in data["covariance"]],
                dtype=np.float64,
            )
            if data.get("time_unit") is not None:
                model.time_unit_ = check_time_unit(data["time_unit"])
            model._set_summary()
        return model

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags


class _PurchaseModel(_Model):
    """A continuous-time BTYD model of (frequency, recency, T)."""

    _time_scaled: ClassVar[tuple[str, ...]] = ("alpha",)

    def fit(
        self,
        rfm: pd.DataFrame | RFMHistogram,
        y: None = None,
        *,
        weights: npt.ArrayLike | pd.Series | None = None,
        time_unit: TimeUnit | None = None,
    ) -> Self:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        rfm : DataFrame or RFMHistogram
            An :func:`~precimark.rfm_summary` frame (columns ``frequency``, ``recency``,
            ``T``), or a histogram of such rows.
        y : None
            Ignored (scikit-learn API).
        weights : array-like, optional
            Number of customers each row stands for (frame input only).
        time_unit : {"D", "W"}, optional
            Unit of ``recency`` and ``T``; read from ``rfm.attrs`` (set by
            :func:`~precimark.rfm_summary`) when not given.

        Returns
        -------
        self
        """
        if isinstance(rfm, RFMHistogram):
            if weights is not None:
                raise fail(
                    "argument 'weights'",
                    "weights with an RFMHistogram",
                    "no weights (the counts are the weights)",
                )
            if time_unit is not None and time_unit != rfm.time_unit:
                raise fail(
                    "argument 'time_unit'",
                    repr(time_unit),
                    f"the histogram's unit {rfm.time_unit!r}",
                )
            counts = rfm.counts
            columns = [counts[c].to_numpy(np.float64) for c in (FREQUENCY, RECENCY, T)]
            w = counts[COUNT].to_numpy(np.float64)
            unit = rfm.time_unit
        else:
            frame = validate_rfm(rfm)
            unit = resolve_time_unit(frame, time_unit)
            raw = [frame[c].to_numpy(np.float64) for c in (FREQUENCY, RECENCY, T)]
            row_weights = _weights(weights, len(frame), frame.index)
            columns, inverse = _distinct(raw)
            w = np.bincount(inverse, weights=row_weights).astype(np.float64)
        self.time_unit_ = unit
        self._fit_compressed(columns, w)
        return self

    def _rescale_data(self, data: Sequence[Array], scale: float) -> list[Array]:
        x, tx, t = data
        return [x, tx * scale, t * scale]

    def _rows(self, rfm: pd.DataFrame) -> tuple[pd.DataFrame, list[Array], npt.NDArray[np.intp]]:
        check_is_fitted(self, "params_")
        frame = validate_rfm(rfm)
        recorded = frame.attrs.get("time_unit")
        if recorded is not None and recorded != self.time_unit_:
            raise fail(
                "argument 'rfm'",
                f"a frame in time unit {recorded!r}",
                f"the unit the model was fitted in ({self.time_unit_!r})",
                "Rebuild the summary with the same time_unit.",
            )
        raw = [frame[c].to_numpy(np.float64) for c in (FREQUENCY, RECENCY, T)]
        distinct, inverse = _distinct(raw)
        return frame, distinct, inverse

    def _per_row(
        self, rfm: pd.DataFrame, name: str, fn: Callable[[list[Array]], Array]
    ) -> pd.Series:
        frame, distinct, inverse = self._rows(rfm)
        with np.errstate(all="ignore"):
            values = fn(distinct)
        out = values[inverse]
        if not np.all(np.isfinite(out)):
            bad = ~np.isfinite(out)
            raise fail_rows(
                f"{type(self).__name__}.{name}",
                bad,
                frame.index,
                "non-finite prediction",
                "finite predictions",
                "The parameters may be extreme (a -> 1 makes BG/NBD expectations diverge).",
            )
        return pd.Series(out, index=frame.index, name=name)

    def expected_purchases(self, rfm: pd.DataFrame, horizon: HorizonLike) -> pd.Series:
        """Predict the number of purchases in the next ``horizon``, per customer.

        Parameters
        ----------
        rfm : DataFrame
            Summary frame (``frequency``, ``recency``, ``T``) in the model's time unit.
        horizon : float or duration
            A number in the model's time unit, or a fixed duration (``"90D"``).

        Returns
        -------
        Series
            ``expected_purchases``, indexed like ``rfm``.
        """
        t = horizon_in_units(horizon, self.time_unit_)
        return self._per_row(rfm, "expected_purchases", lambda d: self._conditional_expected(t, *d))

    def probability_alive(self, rfm: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of their history.

        Returns
        -------
        Series
            ``probability_alive``, indexed like ``rfm``.
        """
        return self._per_row(rfm, "probability_alive", lambda d: self._probability_alive(*d))

    def expected_purchases_new_customer(self, horizon: HorizonLike) -> float:
        """Predict the repeat purchases within ``horizon`` of a newly acquired customer.

        Returns
        -------
        float
        """
        check_is_fitted(self, "params_")
        t = horizon_in_units(horizon, self.time_unit_)
        return float(self._expected_new(np.asarray(t, dtype=np.float64)))

    def purchase_count_pmf(self, n: int, horizon: HorizonLike) -> float:
        """Probability that a newly acquired customer makes exactly ``n`` repeat purchases.

        Returns
        -------
        float
        """
        check_is_fitted(self, "params_")
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise fail("argument 'n'", repr(n), "a whole number >= 0")
        t = horizon_in_units(horizon, self.time_unit_)
        return float(self._pmf(int(n), np.asarray([t], dtype=np.float64))[0])

    def _discounted_expected(
        self, times: Array, discount: Array, distinct: Sequence[Array]
    ) -> Array:
        """Per distinct row: sum over periods of discount * expected purchases in the period."""
        with np.errstate(all="ignore"):
            cumulative = np.column_stack([self._conditional_expected(t, *distinct) for t in times])
        result: Array = np.einsum("ij,j->i", np.diff(cumulative, axis=1, prepend=0.0), discount)
        return result

    # The model-specific formulas, vectorised over distinct rows.
    def _pmf(self, n: int, t: Array) -> Array:
        """P(X(t) = n) for each age in ``t`` (used by the calibration-fit check)."""
        raise NotImplementedError

    def _conditional_expected(self, t: float | Array, x: Array, tx: Array, T_: Array) -> Array:
        raise NotImplementedError

    def _probability_alive(self, x: Array, tx: Array, T_: Array) -> Array:
        raise NotImplementedError

    def _expected_new(self, t: Array) -> Array:
        raise NotImplementedError


class BetaGeoModel(_PurchaseModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While active a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)``; after each
    repeat purchase they become inactive with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``, same scale).
    engine : {"lifetimes", "native"}, default "lifetimes"
        Optimiser: lifetimes' fitter, or precimark's vectorised likelihood with analytic
        gradients (much faster on large bases; same optimum).
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
        ``coef``, ``se``, ``lower_95``, ``upper_95`` per parameter.
    aic_, bic_ : float
        Information criteria.
    time_unit_ : {"D", "W"}
        Unit of the data; horizons are read in it.

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
    _native = True
    _modified: ClassVar[bool] = False

    def _prepare(self, data: Sequence[Array]) -> _formulas.BGRows:
        return _formulas.bg_rows(*data)

    def _loglik(
        self, params: Array, prepared: _formulas.BGRows, grad: bool
    ) -> tuple[Array, Array | None]:
        return _formulas.bgnbd_loglik(params, prepared, modified=self._modified, grad=grad)

    def _discounted_expected(
        self, times: Array, discount: Array, distinct: Sequence[Array]
    ) -> Array:
        return _formulas.bgnbd_discounted_expected(
            self._vector(), times, discount, *distinct, modified=self._modified
        )

    def _native_time_scale(self, data: Sequence[Array]) -> float:
        return 1.0 / float(np.max(data[2]))

    def _conditional_expected(self, t: float | Array, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.bgnbd_conditional_expected(
            self._vector(), np.asarray(t), x, tx, T_, modified=self._modified
        )

    def _probability_alive(self, x: Array, tx: Array, T_: Array) -> Array:
        return _formulas.bgnbd_probability_alive(self._vector(), x, tx, T_, modified=self._modified)

    def _expected_new(self, t: Array) -> Array:
        return _formulas.bgnbd_expected_new(self._vector(), t, modified=self._modified)

    def _pmf(self, n: int, t: Array) -> Array:
        return _formulas.bgnbd_pmf(self._vector(), n, t, modified=self._modified)


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
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), fitted with lifetimes.

    Conditional predictions use lifetimes' formulas at the fitted parameters; the purchase
    count distribution is precimark's (Fader & Hardie's note on P(X(t) = x)).

    Purchases at Poisson rate ``lambda ~ Gamma(r, alpha)``; an exponential lifetime with rate
    ``mu ~ Gamma(s, beta)``. Attributes and methods as :class:`BetaGeoModel`; ``params_``
    holds ``r``, ``alpha``, ``s``, ``beta`` (alpha and beta in ``time_unit_``).

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

    def _lifetimes_start(self, log_start: Array | None) -> Array:
        # lifetimes' Pareto/NBD optimises raw parameters and, given no start, draws one from
        # numpy's *global* random state: always pass one, so fits are reproducible.
        return np.ones(4) if log_start is None else np.exp(log_start)

    def _pmf(self, n: int, t: Array) -> Array:
        return _formulas.pareto_pmf(self._vector(), n, t)

    def _conditional_expected(self, t: float | Array, x: Array, tx: Array, T_: Array) -> Array:
        fitter = self.to_lifetimes()
        with _lifetimes.quiet():
            values = fitter.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T_)
        return np.asarray(values, dtype=np.float64)

    def _probability_alive(self, x: Array, tx: Array, T_: Array) -> Array:
        fitter = self.to_lifetimes()
        with _lifetimes.quiet():
            return np.asarray(fitter.conditional_probability_alive(x, tx, T_), dtype=np.float64)

    def _expected_new(self, t: Array) -> Array:
        fitter = self.to_lifetimes()
        with _lifetimes.quiet():
            return np.asarray(fitter.expected_number_of_purchases_up_to_time(t), dtype=np.float64)


class GammaGammaModel(_Model):
    """Gamma-Gamma model of average spend per purchase (Fader & Hardie 2013 note).

    Fitted on repeat customers (``frequency > 0``). Assumes spend is independent of purchase
    frequency: ``fit`` warns when the two are correlated.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (lifetimes' scale).
    engine : {"lifetimes", "native"}, default "lifetimes"
        Optimiser.
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
    _native = True

    def _prepare(self, data: Sequence[Array]) -> _formulas.GGRows:
        return _formulas.gg_rows(*data)

    def _loglik(
        self, params: Array, prepared: _formulas.GGRows, grad: bool
    ) -> tuple[Array, Array | None]:
        return _formulas.gg_loglik(params, prepared, grad=grad)

    def fit(
        self,
        rfm: pd.DataFrame,
        y: None = None,
        *,
        weights: npt.ArrayLike | pd.Series | None = None,
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
        weights : array-like, optional
            Number of customers each row stands for.

        Returns
        -------
        self
        """
        frame = validate_rfm(rfm, require_monetary=True)
        row_weights = _weights(weights, len(frame), frame.index)
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

    def expected_spend(self, rfm: pd.DataFrame) -> pd.Series:
        """Predict the average spend per future purchase, per customer.

        A customer with ``frequency == 0`` gets the population mean ``p * v / (q - 1)``.

        Returns
        -------
        Series
            ``expected_spend``, indexed like ``rfm``.
        """
        check_is_fitted(self, "params_")
        frame = validate_rfm(rfm, require_monetary=True)
        x = frame[FREQUENCY].to_numpy(np.float64)
        m = np.where(x > 0, frame[MONETARY_VALUE].to_numpy(np.float64), 0.0)
        values = _formulas.gg_expected_spend(self._vector(), x, m)
        return pd.Series(values, index=frame.index, name="expected_spend")


class BetaGeoBetaBinomModel(_Model):
    """BG/BB model for discrete-time data (Fader, Hardie & Shang 2010), fitted with lifetimes.

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

    def fit(
        self, rfm: pd.DataFrame, y: None = None, *, weights: npt.ArrayLike | pd.Series | None = None
    ) -> Self:
        """Fit on (frequency, recency, T = opportunities) rows.

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
                "fractional recency or T",
                "whole numbers of periods",
            )
        columns, inverse = _distinct(data)
        self._fit_compressed(
            columns,
            np.bincount(inverse, weights=_weights(weights, len(frame), frame.index)).astype(
                np.float64
            ),
        )
        return self

    def expected_purchases(self, rfm: pd.DataFrame, horizon: int) -> pd.Series:
        """Predict the transactions in the next ``horizon`` periods, per customer.

        Returns
        -------
        Series
            ``expected_purchases``, indexed like ``rfm``.
        """
        check_is_fitted(self, "params_")
        frame = validate_rfm(rfm)
        fitter = self.to_lifetimes()
        with _lifetimes.quiet():
            values = fitter.conditional_expected_number_of_purchases_up_to_time(
                horizon, frame[FREQUENCY].to_numpy(), frame[RECENCY].to_numpy(), frame[T].to_numpy()
            )
        return pd.Series(
            np.asarray(values, dtype=np.float64), index=frame.index, name="expected_purchases"
        )

    def probability_alive(self, rfm: pd.DataFrame) -> pd.Series:
        """Probability each customer is alive at the next opportunity.

        Returns
        -------
        Series
            ``probability_alive``, indexed like ``rfm``.
        """
        check_is_fitted(self, "params_")
        frame = validate_rfm(rfm)
        fitter = self.to_lifetimes()
        with _lifetimes.quiet():
            values = fitter.conditional_probability_alive(
                0, frame[FREQUENCY].to_numpy(), frame[RECENCY].to_numpy(), frame[T].to_numpy()
            )
        return pd.Series(
            np.asarray(values, dtype=np.float64), index=frame.index, name="probability_alive"
        )
