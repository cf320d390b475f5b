"""Fitting machinery shared by the BTYD models (private).

:class:`_Model` holds what every model shares: hyper-parameters, the retry ladder, the
native L-BFGS-B engine and lifetimes' fitters, the observed-information covariance, the
summary table and serialisation. :class:`_PurchaseModel` adds what the continuous-time purchase
models share: fitting on (frequency, recency, T) rows or an :class:`~precimark.clv.RFMHistogram`,
establishing the time unit, and prediction per distinct row. The concrete models live in
:mod:`precimark.clv.models`; the public protocol they satisfy is
:class:`precimark.clv.PurchaseModel`.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self, TypeAlias, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from precimark._deprecation import deprecated_alias
from precimark._inplace import BLOCK, remap
from precimark._typing import HorizonLike, SeedLike, TimeUnit
from precimark._validation import (
    check_choice,
    check_number,
    check_probability,
    check_time_unit,
    fail,
    fail_rows,
    resolve_time_unit,
    to_duration_units,
    to_rng,
    validate_rfm,
)
from precimark.clv import _covariates, _lifetimes
from precimark.clv.stats import COUNT, RFMHistogram
from precimark.exceptions import ConvergenceError, ConvergenceWarning
from precimark.persistence._header import header, read_header, reading
from precimark.schema import (
    EXPECTED_PURCHASES,
    EXPECTED_PURCHASES_LOWER,
    EXPECTED_PURCHASES_UPPER,
    FREQUENCY,
    PROBABILITY_ALIVE,
    PROBABILITY_ALIVE_LOWER,
    PROBABILITY_ALIVE_UPPER,
    RECENCY,
    T,
)

__all__ = ["HorizonLike", "horizon_in_units"]

Array: TypeAlias = npt.NDArray[np.float64]
Engine: TypeAlias = Literal["lifetimes", "native"]
_FORMAT_VERSION = 1
_logger = logging.getLogger(__name__)


def horizon_in_units(
    horizon: HorizonLike, time_unit: TimeUnit | None, name: str = "horizon"
) -> float:
    """Convert a horizon to the model's time unit; refuse what has no fixed length.

    Kept for the import path ``precimark.clv.models.horizon_in_units``; it is
    :func:`precimark._validation.to_duration_units`. A unit of None (a model loaded from an
    older document without one) is refused: the unit is never guessed.
    """
    if time_unit is None:
        raise fail(
            "argument 'time_unit'",
            "none: the model records no time unit (saved by an older version)",
            "'D' or 'W'",
            "Pass time_unit= to the model's methods, or refit.",
        )
    return to_duration_units(horizon, time_unit, name)


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Return the BLAS libraries loaded in this process (found once: the search costs 0.1 s)."""
    return ThreadpoolController()


def _factorized(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], int]:
    """``pd.factorize(values, sort=True)``: codes and how many distinct values.

    Its hash table grows with the distinct values, never one sized for every row, and the
    codes are sorted in place: half the memory at a million customers, and no slower.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False, size_hint=min(len(values), BLOCK))
    rank = np.empty(len(uniques), dtype=codes.dtype)
    rank[np.argsort(uniques, kind="stable")] = np.arange(len(uniques))
    remap(codes, rank)  # codes in order of appearance -> codes in sorted order, in place
    return codes, len(uniques)


def _ordered_codes(column: Array) -> tuple[npt.NDArray[np.int64], int]:
    """Codes that order like the values, and a bound above them.

    Whole numbers in a short range (frequency, recency and T in days) are their own codes,
    shifted to start at 0: no hashing pass.
    """
    values = np.asarray(column)
    if values.dtype.kind in "iu" and len(values):
        low_int, high_int = int(values.min()), int(values.max())
        if high_int - low_int < 2**31:
            return np.subtract(values, low_int, dtype=np.int64), high_int - low_int + 1
    if values.dtype.kind == "f" and len(values):
        low, high = float(values.min()), float(values.max())
        if low > -(2.0**53) and high < 2.0**53 and high - low < 2**31:
            codes = values.astype(np.int64)
            if np.array_equal(codes, values):  # whole numbers
                codes -= int(low)
                return codes, int(high - low) + 1
    codes, count = _factorized(values)
    return codes.astype(np.int64, copy=False), count


def _distinct(columns: Sequence[Array]) -> tuple[list[Array], npt.NDArray[np.intp]]:
    """Distinct rows of several aligned columns, and the inverse map back to the rows.

    The distinct rows come sorted lexicographically (first column first), the order
    :meth:`_Model._fit_compressed` sums in, so it need not sort them again.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    bound = 1
    for column in columns:
        codes, count = _ordered_codes(column)
        if bound * count >= 2**62:  # many columns (covariates): renumber, never overflow
            key, bound = _factorized(key)
        key *= count
        key += codes
        bound *= count
        del codes
    inverse, _ = _factorized(key)
    del key
    first = np.zeros(int(inverse.max()) + 1, dtype=np.intp)
    first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
    return [np.asarray(c)[first].astype(np.float64, copy=False) for c in columns], inverse


def _rfm_columns(frame: pd.DataFrame) -> list[npt.NDArray[Any]]:
    """``frequency``, ``recency`` and ``T`` as arrays, each without a copy where it can be.

    An integer frequency (as :func:`~precimark.rfm_summary` makes it) stays an integer array
    instead of becoming a float64 copy of every row; :func:`_distinct` returns float64.
    """
    return [
        frame[c].to_numpy(np.int64 if frame[c].dtype.kind in "iu" else np.float64)
        for c in (FREQUENCY, RECENCY, T)
    ]


def _lexsorted(columns: Sequence[Array]) -> bool:
    """Whether the rows are in lexicographic order (first column first), ties allowed."""
    if len(columns[0]) < 2:
        return True
    ahead = np.zeros(len(columns[0]) - 1, dtype=bool)  # decided: strictly ahead of the next
    for column in columns:
        values = np.asarray(column)
        later, earlier = values[1:], values[:-1]
        if np.any(~ahead & (earlier > later)):
            return False
        ahead |= earlier < later
    return True


def _weights(weights: object, n: int, index: pd.Index) -> Array:
    if weights is None:
        return np.ones(n)
    if isinstance(weights, pd.Series):
        weights = weights.reindex(index)
    values = np.asarray(weights, dtype=np.float64)
    if values.shape != (n,):
        raise fail("argument 'sample_weight'", f"shape {values.shape}", f"one weight per row ({n})")
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        raise fail_rows(
            "argument 'sample_weight'", bad, index, "missing or non-positive weight", "weights > 0"
        )
    return values


_BOUND = 30.0  # log-parameters are searched in [-30, 30]: parameters within e^-30 .. e^30
_RIDGE = 0.05  # two optima this far apart in a log-parameter, at one value, mark a flat ridge
_FAR = np.log(1e4)  # a scaled log-parameter beyond +-log(1e4) is tested for a boundary supremum
_Z95 = 1.959963984540054
_ROWS = 1 << 16  # distinct rows per likelihood evaluation: bounds the fit's working memory


class _Model(BaseEstimator):  # type: ignore[misc]
    """Shared machinery: parameters, fit bookkeeping, serialisation."""

    _lifetimes_key: ClassVar[str]
    _param_names: ClassVar[tuple[str, ...]]
    _time_scaled: ClassVar[tuple[str, ...]] = ()  # parameters measured in units of time
    _has_time_unit: ClassVar[bool] = False  # parameters depend on the unit of recency and T

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        engine: Engine = "native",
        initial_params: Mapping[str, float] | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.penalizer = penalizer
        self.engine = engine
        self.initial_params = initial_params
        self.random_state = random_state

    # ------------------------------------------------------------------ likelihood

    def _prepare(self, data: Sequence[Array]) -> Any:
        """Return the data in the form :meth:`_loglik` evaluates fastest."""
        raise NotImplementedError

    def _loglik(self, params: Array, prepared: Any, grad: bool) -> tuple[Array, Array | None]:
        """Return per-row log-likelihood and, with ``grad``, its gradient rows."""
        raise NotImplementedError

    def _chunks(self, data: Sequence[Array], weights: Array) -> list[tuple[Any, Array]]:
        """Return the rows prepared in blocks of at most ``_ROWS``, each with its weights.

        Each likelihood evaluation then holds one block's temporaries, not every row's; data
        of at most ``_ROWS`` distinct rows are one block, summed exactly as one array.
        """
        return [
            (self._prepare([np.asarray(c)[s : s + _ROWS] for c in data]), weights[s : s + _ROWS])
            for s in range(0, max(len(weights), 1), _ROWS)
        ]

    def _weighted_loglik(
        self, params: Array, chunks: list[tuple[Any, Array]], grad: bool
    ) -> tuple[float, Array | None]:
        """Return the weighted log-likelihood and, with ``grad``, its weighted gradient."""
        total, gradient = 0.0, None
        for prepared, weights in chunks:
            ll, g = self._loglik(params, prepared, grad)
            total += float(np.einsum("i,i->", weights, ll))
            if g is not None:
                block = np.einsum("i,ij->j", weights, g)
                gradient = block if gradient is None else gradient + block
        return total, gradient

    def _data_start(self, data: Sequence[Array], weights: Array) -> Array:
        """Return a data-driven starting point (parameters on the fitting scale)."""
        return np.ones(len(self._param_names))

    def _check_identifiable(self, data: Sequence[Array], weights: Array) -> None:
        """Refuse data that cannot identify the model (hook; purchase models check repeats)."""

    # ------------------------------------------------------------------ fitting

    def _check_hyper_parameters(self) -> None:
        check_choice(self.engine, "engine", ("lifetimes", "native"))
        check_number(self.penalizer, "penalizer", low=0.0)
        if self.initial_params is not None and set(self.initial_params) != set(self._param_names):
            raise fail(
                "argument 'initial_params'",
                f"keys {sorted(self.initial_params)}",
                f"exactly the keys {list(self._param_names)}",
            )
        if self.initial_params is not None:
            for key in self._param_names:
                check_number(
                    self.initial_params[key], f"initial_params[{key!r}]", low=0, inclusive="neither"
                )

    def _fit_compressed(self, data: Sequence[Array], weights: Array) -> None:
        """Fit on compressed rows; set params_, log_likelihood_, covariance_, summary_, ..."""
        self._check_hyper_parameters()
        self._check_identifiable(data, weights)
        # One canonical row order: the same rows (a frame, a histogram, merged histograms)
        # then give bit-identical sums and so the same optimum, whatever order they came in.
        if not _lexsorted(data):
            order = np.lexsort(tuple(reversed(data)))
            data, weights = [np.asarray(c)[order] for c in data], weights[order]
        started = time.perf_counter()
        # scipy's L-BFGS-B and the Hessian's differences call BLAS on vectors of 3-4 numbers:
        # with BLAS threads on a busy machine each call costs milliseconds (10x the whole
        # fit), so one thread while fitting.
        with _blas_controller().limit(limits=1, user_api="blas"):
            if self.engine == "native":
                params, boundary = self._fit_native(data, weights)
            else:
                params, boundary = self._fit_ladder(data, weights), {}
            vector = np.array([params[k] for k in self._param_names])
            chunks = self._chunks(data, weights)
            with np.errstate(all="ignore"):
                self.log_likelihood_ = self._weighted_loglik(vector, chunks, False)[0]
                self.covariance_ = self._covariance(vector, chunks)
        self.params_ = params
        self.boundary_ = boundary
        self.n_customers_ = round(float(weights.sum()))
        self._set_summary()
        _logger.info(
            "%s fitted (engine %s) on %d customers, %d distinct rows, in %.3f s: %s, log-likelihood %.4f",
            type(self).__name__,
            self.engine,
            self.n_customers_,
            len(weights),
            time.perf_counter() - started,
            ", ".join(f"{k} {v:.6g}" for k, v in params.items()),
            self.log_likelihood_,
        )
        self._warn_about_uncertainty()

    def _fit_ladder(self, data: Sequence[Array], weights: Array) -> dict[str, float]:
        """engine='lifetimes': lifetimes' fitter with a retry ladder (each retry warns)."""
        attempts = self._attempts()
        failures: list[str] = []
        for label, start, scale, penalizer in attempts:
            try:
                params = self._fit_once(data, weights, start, scale, penalizer)
            except (ArithmeticError, ValueError, RuntimeError, np.linalg.LinAlgError) as err:
                failures.append(f"{label}: {type(err).__name__}: {str(err).strip()[:120]}")
                _logger.info(
                    "%s: fit attempt '%s' failed: %s", type(self).__name__, label, failures[-1]
                )
                continue
            values = np.array(list(params.values()))
            if np.all(np.isfinite(values)) and np.all(values > 0):
                if failures:
                    warnings.warn(
                        f"{type(self).__name__}: the fit succeeded with '{label}' after "
                        f"{len(failures)} failed attempt(s): " + "; ".join(failures),
                        ConvergenceWarning,
                        stacklevel=4,
                    )
                return params
            failures.append(f"{label}: parameters {params} are not all finite and positive")
        raise ConvergenceError(
            f"{type(self).__name__} did not converge after {len(attempts)} attempts: "
            + "; ".join(failures)
            + ". Check the data (recency <= T, the time unit) or set a penalizer."
        )

    def _attempts(self) -> list[tuple[str, Array | None, float, float]]:
        """Return the retry ladder: (label, log-start, time scale, penalizer) per attempt."""
        k = len(self._param_names)
        rng = to_rng(self.random_state)
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
        """Return the time scale the native engine fits on (max(T) = 1 where lifetimes does)."""
        return 1.0

    def _fit_native(
        self, data: Sequence[Array], weights: Array
    ) -> tuple[dict[str, float], dict[str, str]]:
        """Several starts of L-BFGS-B on log-parameters; the best kept; boundaries detected.

        Starts: ``initial_params`` (if given), a data-driven one, all ones, then seeded random
        ones; the search stops once two starts reach the same optimum. A parameter far out
        (beyond 1e4 or below 1e-4 on the fitting scale) is pushed further with the others
        re-optimised: if the likelihood does not fall, its supremum is on the boundary.
        """
        return self._search_native(data, weights)

    def _search_native(
        self, data: Sequence[Array], weights: Array
    ) -> tuple[dict[str, float], dict[str, str]]:
        scale = self._native_time_scale(data)
        scaled = self._rescale_data(data, scale)
        chunks = self._chunks(scaled, weights)
        total = weights.sum()
        penalizer = float(self.penalizer)
        k = len(self._param_names)

        def objective(theta: Array, pen: float = penalizer) -> tuple[float, Array]:
            params = np.exp(theta)
            with np.errstate(all="ignore"):
                ll, g = self._weighted_loglik(params, chunks, True)
            assert g is not None
            value = -ll / total + pen * float(np.sum(params**2))
            grad = (-g / total + 2.0 * pen * params) * params
            if not (np.isfinite(value) and np.all(np.isfinite(grad))):
                return 1e300, np.zeros(k)  # outside where the likelihood can be evaluated
            return value, grad

        def search(
            start: Array,
            bounds: list[tuple[float, float]],
            pen: float = penalizer,
            ftol: float = 1e-15,
        ) -> Any:
            return minimize(
                objective,
                np.clip(start, -_BOUND, _BOUND),
                args=(pen,),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 2000, "ftol": ftol, "gtol": 1e-10},
            )

        def not_worse(new: float, old: float) -> bool:
            return new <= old + 1e-12 * (1 + abs(old))

        def explore(theta: Array, value: float, ridge: Array) -> tuple[Array, float]:
            """Push far-out parameters further and move on along a flat ridge.

            Far-out parameters are pushed with the others re-optimised, then the search moves
            along the ridge two starts revealed; every step where the fit does not fall is kept.
            """
            for j in np.flatnonzero(np.abs(theta) > _FAR):
                direction = 1.0 if theta[j] >= 0 else -1.0
                for _ in range(3):
                    if abs(theta[j]) >= _BOUND:
                        break
                    trial = theta.copy()
                    trial[j] = np.clip(trial[j] + 3.0 * direction, -_BOUND, _BOUND)
                    fixed = list(free)
                    fixed[j] = (trial[j], trial[j])
                    pushed = search(trial, fixed)
                    if not not_worse(pushed.fun, value):
                        break  # the likelihood falls further out: an interior (if far) optimum
                    theta, value = pushed.x.copy(), float(pushed.fun)
            if np.max(np.abs(ridge)) > _RIDGE:
                step = 3.0 * ridge / np.max(np.abs(ridge))
                for _ in range(3):
                    pushed = search(theta + step, free)
                    if not not_worse(pushed.fun, value):
                        break
                    theta, value = pushed.x.copy(), float(pushed.fun)
            return theta, value

        free = [(-_BOUND, _BOUND)] * k
        best: Any = None
        ridge = np.zeros(k)
        starts = list(self._starts(scaled, weights))
        for number, start in enumerate(starts, start=1):
            # A start after the first only has to confirm (or beat) its optimum to 1e-4 in the
            # total log-likelihood: it stops at a relative reduction of 1e-12, since the last
            # digits cost L-BFGS-B most of its line-search evaluations (BG/NBD at 1M customers:
            # 0.22 s of a 0.41 s fit). One that ends below the first, or away from it, is
            # then converged fully: the starts compared and kept are always fully converged.
            confirming = best is not None
            result = search(start, free, ftol=1e-12 if confirming else 1e-15)
            _logger.debug(
                "%s: start %d of %d: objective %.10g after %d iterations (%s)",
                type(self).__name__,
                number,
                len(starts),
                result.fun,
                result.nit,
                result.message,
            )
            if result.fun >= 1e300:
                continue
            if confirming and (
                result.fun < best.fun - 1e-12 * (1 + abs(best.fun))
                or np.max(np.abs(result.x - best.x)) > _RIDGE
            ):
                # It went further, or elsewhere (along a flat ridge, maybe to the boundary,
                # which only a full-precision search follows as far as it goes): converge it.
                result = search(result.x, free)
            if confirming and abs(result.fun - best.fun) * total < 1e-4:
                # Two starts agree on the optimum's value (to 1e-4 in the total
                # log-likelihood): done, keeping the better, fully converged one. Where they
                # disagree on a parameter, the likelihood is flat along it (a ridge, maybe to
                # the boundary), pointing from the worse end to the better.
                better, worse = (result, best) if result.fun < best.fun else (best, result)
                ridge, best = better.x - worse.x, better
                break
            if best is None or result.fun < best.fun:
                best = result
        if best is None:
            raise ConvergenceError(
                f"{type(self).__name__}: the log-likelihood could not be evaluated from any "
                "starting point. Check the data (recency <= T, the time unit)."
            )
        origin = best.x.copy()
        theta, value = explore(best.x.copy(), float(best.fun), ridge)
        if penalizer == 0 and (np.any(np.abs(theta) > _FAR) or np.any(np.abs(theta - origin) > 1)):
            # On the boundary there may be several ridges (BG/NBD: a -> 0 with b -> infinity
            # or with b -> 0). From every start, a tiny penalty keeps the search finite and
            # lands near one; follow each unpenalised and keep the best.
            for start in starts:
                probe = search(start, free, 1e-6)
                polished = search(probe.x, free)
                if polished.fun < value - 1e-12 * (1 + abs(value)):
                    other, other_value = explore(
                        polished.x.copy(), float(polished.fun), np.zeros(k)
                    )
                    theta, value, origin = other, other_value, probe.x.copy()
        # On a ridge to the boundary the parameters that moved with the pushes run off too;
        # so does one already far out that the pushes did not bring back.
        moved = np.abs(theta - origin)
        on_ridge = bool(np.any(moved > 1.0) or np.any(np.abs(theta) >= _BOUND - 1.0))
        boundary = {
            name: ("infinity" if theta[j] > 0 else "zero")
            for j, name in enumerate(self._param_names)
            if on_ridge and (moved[j] > 1.0 or abs(theta[j]) > _FAR)
        }
        _, grad = objective(theta)
        interior = [j for j, n in enumerate(self._param_names) if n not in boundary]
        if interior and np.max(np.abs(grad[interior])) > 1e-5:
            warnings.warn(
                f"{type(self).__name__}: L-BFGS-B stopped with gradient norm "
                f"{np.max(np.abs(grad[interior])):.1e} (> 1e-5) in the log-parameters: the "
                "estimates may not be at the optimum. Try initial_params= or check the data.",
                ConvergenceWarning,
                stacklevel=4,
            )
        params = np.exp(theta)
        timed = np.array([n in self._time_scaled for n in self._param_names])
        params[timed] = params[timed] / scale
        if boundary:
            where = ", ".join(
                f"{n} -> {'infinity' if v == 'infinity' else '0'}" for n, v in boundary.items()
            )
            _logger.info("%s: boundary fit (%s)", type(self).__name__, where)
            warnings.warn(
                f"{type(self).__name__}: the likelihood has no interior maximum on these data; "
                f"its supremum lies on the boundary ({where}). The reported parameters are where "
                "the likelihood stops improving (it rises by less than 1e-12 relative further "
                "out); their standard errors are undefined. The data cannot identify "
                + ", ".join(repr(n) for n in boundary)
                + ": use a longer calibration window, more customers, or another model.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return dict(zip(self._param_names, params.tolist(), strict=True)), boundary

    def _starts(self, data: Sequence[Array], weights: Array) -> Iterator[Array]:
        """Yield log-parameter starts: given, data-driven, all ones, then seeded random."""
        if self.initial_params is not None:
            given = np.array([float(self.initial_params[n]) for n in self._param_names])
            timed = np.array([n in self._time_scaled for n in self._param_names])
            given[timed] = given[timed] * self._native_time_scale(data)
            yield np.log(given)
        driven = np.log(self._data_start(data, weights))
        yield driven
        yield np.zeros(len(self._param_names))
        rng = to_rng(self.random_state)
        for _ in range(3):
            yield driven + rng.normal(0.0, 1.0, len(driven))

    def _covariance(self, params: Array, chunks: list[tuple[Any, Array]]) -> Array:
        """Inverse observed information in parameter space (NaN where it is singular).

        The Hessian of the log-likelihood in log-parameters is taken by central differences
        of the analytic gradient.
        """
        theta = np.log(params)
        k = len(params)
        step = 1e-4
        eye = np.eye(k) * step

        def gradient(th: Array) -> Array:
            _, g = self._weighted_loglik(np.exp(th), chunks, True)
            assert g is not None
            out: Array = g * np.exp(th)
            return out

        rows = [
            (gradient(theta + eye[i]) - gradient(theta - eye[i])) / (2 * step) for i in range(k)
        ]
        hess = np.array(rows)
        hess = (hess + hess.T) / 2
        if not np.all(np.isfinite(hess)):
            return np.full((k, k), np.nan)
        try:
            cov_theta = np.linalg.inv(-hess)
        except np.linalg.LinAlgError:
            return np.full((k, k), np.nan)
        jac = np.diag(params)
        cov: Array = jac @ cov_theta @ jac
        return cov

    def _set_summary(self) -> None:
        names = list(self._param_names)
        boundary = getattr(self, "boundary_", {})
        coef = np.array([self.params_[n] for n in names])
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(self.covariance_))
        se = np.where([n in boundary for n in names], np.nan, se)
        k = len(names)
        self.aic_ = float(2 * k - 2 * self.log_likelihood_)
        self.bic_ = float(k * np.log(max(self.n_customers_, 1)) - 2 * self.log_likelihood_)
        # Wald intervals of positive parameters on the log scale: coef * exp(+-z se / coef).
        with np.errstate(invalid="ignore", over="ignore"):
            spread = np.exp(_Z95 * se / coef)
        self.summary_ = pd.DataFrame(
            {
                "coef": coef,
                "se": se,
                "lower_95": coef / spread,
                "upper_95": coef * spread,
                "boundary": [boundary.get(n, "interior") for n in names],
            },
            index=pd.Index(names, name="parameter"),
        )

    def _warn_about_uncertainty(self) -> None:
        """Warn when standard errors are zero, undefined or absurd, and say why."""
        problems = []
        for name, row in self.summary_.iterrows():
            if row["boundary"] != "interior":
                continue  # already reported by the boundary warning
            se, coef = float(row["se"]), float(row["coef"])
            if not np.isfinite(se):
                problems.append(
                    f"{name}: undefined (the observed information is singular or not positive "
                    "definite there: the data do not identify it)"
                )
            elif se == 0.0:
                problems.append(f"{name}: zero (the likelihood is not curved in it)")
            elif se > 10.0 * coef:
                problems.append(
                    f"{name}: {se:.3g} for an estimate of {coef:.3g} (more than 10 times the "
                    "estimate: barely identified by these data)"
                )
        if problems:
            warnings.warn(
                f"{type(self).__name__}: standard errors are not usable for "
                + "; ".join(problems)
                + ". Do not read the summary's intervals as certainty; use more data.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _vector(self, params: Mapping[str, float] | None = None) -> Array:
        if params is None and isinstance(self, _PurchaseModel):
            _covariates.refuse_shared_parameters(self)  # each customer has own parameters
        source = self.params_ if params is None else params
        return np.array([source[n] for n in self._param_names], dtype=np.float64)

    # ------------------------------------------------------------------ portability

    def to_lifetimes(self) -> Any:
        """Return a lifetimes fitter carrying the fitted parameters (no data attached).

        Use it for lifetimes' plots and existing code; precimark itself never needs it.
        """
        check_is_fitted(self, "params_")
        if isinstance(self, _PurchaseModel):
            _covariates.refuse_shared_parameters(self)  # lifetimes has no covariates
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
            "boundary": dict(getattr(self, "boundary_", {})),
            **_covariates.to_document(self),
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
            # Every parameter of these models is a positive, finite number: a document that
            # says otherwise (r = -0.5) would predict negative purchases, so it is refused.
            model.params_ = {
                k: check_number(data["params"][k], f"params['{k}']", low=0, inclusive="neither")
                for k in cls._param_names
            }
            model.log_likelihood_ = float(data["log_likelihood"])
            model.n_customers_ = int(
                check_number(data["n_customers"], "n_customers", low=1, integer=True)
            )
            model.covariance_ = np.array(
                [[np.nan if v is None else v for v in row] for row in data["covariance"]],
                dtype=np.float64,
            )
            size = len(cls._param_names)
            if model.covariance_.shape != (size, size):
                raise fail(
                    "argument 'data'",
                    f"a covariance of shape {model.covariance_.shape}",
                    f"a {size} x {size} covariance of the parameters",
                )
            if data.get("time_unit") is not None:
                model.time_unit_ = check_time_unit(data["time_unit"])
            elif cls._has_time_unit:
                # An older document without a unit: it loads, but every call that reads a
                # frame or a horizon must then say the unit (time_unit=); it is never guessed.
                model.time_unit_ = None
            # Documents written before boundaries were reported have none: an interior fit.
            boundary = data.get("boundary") or {}
            for key, value in boundary.items():
                if key not in cls._param_names or value not in ("infinity", "zero"):
                    raise fail(
                        "argument 'data'",
                        f"boundary {{{key!r}: {value!r}}}",
                        f"parameters of {cls.__name__} mapped to 'infinity' or 'zero'",
                    )
            model.boundary_ = dict(boundary)
            if isinstance(model, _PurchaseModel):
                _covariates.from_document(model, data)
            model._set_summary()
        return model

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags


class _PurchaseModel(_Model):
    """A continuous-time BTYD model of (frequency, recency, T)."""

    _time_scaled: ClassVar[tuple[str, ...]] = ("alpha",)
    _has_time_unit: ClassVar[bool] = True
    time_unit_: TimeUnit | None

    @deprecated_alias(weights="sample_weight")
    def fit(
        self,
        rfm: pd.DataFrame | RFMHistogram,
        y: None = None,
        *,
        sample_weight: npt.ArrayLike | pd.Series | None = None,
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
        sample_weight : array-like, optional
            Number of customers each row stands for (frame input only).
        time_unit : {"D", "W"}, optional
            Unit of ``recency`` and ``T``; read from ``rfm.attrs`` (set by
            :func:`~precimark.rfm_summary`) when not given. A frame that carries no unit
            (after a merge, a CSV or a parquet file from elsewhere) is refused without it.

        Other Parameters
        ----------------
        weights : array-like, optional
            Deprecated since 0.2.0 (removed in 0.3.0); use ``sample_weight``.

        Returns
        -------
        self
        """
        design = _covariates.start_fit(self, rfm)  # None for a model without covariates
        if isinstance(rfm, RFMHistogram):
            if sample_weight is not None:
                raise fail(
                    "argument 'sample_weight'",
                    "weights with an RFMHistogram",
                    "no sample_weight (the counts are the weights)",
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
            raw = _rfm_columns(frame)
            # Each row's weight is only needed when weights are given or covariates are fitted.
            row_weights = (
                None
                if sample_weight is None and design is None
                else _weights(sample_weight, len(frame), frame.index)
            )
            columns, inverse = _distinct(raw)
            w = np.bincount(inverse, weights=row_weights).astype(np.float64)
            del inverse  # the fit reads the distinct rows; only a covariate fit reads each row
            if design is None:
                del raw, row_weights
        self.time_unit_ = unit
        self._fit_compressed(columns, w)
        if design is not None:
            assert row_weights is not None  # built above whenever there is a design
            _covariates.fit(self, design, raw, row_weights)
        return self

    def _set_summary(self) -> None:
        super()._set_summary()
        rows = _covariates.coefficient_rows(self)
        if rows is not None:  # the coefficients below the baseline parameters; k counts them
            self.summary_ = pd.concat([self.summary_, rows])
            k = len(self.summary_)
            self.aic_ = float(2 * k - 2 * self.log_likelihood_)
            self.bic_ = float(k * np.log(max(self.n_customers_, 1)) - 2 * self.log_likelihood_)

    def _rescale_data(self, data: Sequence[Array], scale: float) -> list[Array]:
        x, tx, t = data
        return [x, tx * scale, t * scale]

    def _native_time_scale(self, data: Sequence[Array]) -> float:
        return 1.0 / float(np.max(data[2]))

    def _check_identifiable(self, data: Sequence[Array], weights: Array) -> None:
        repeat = float(weights[data[0] > 0].sum())
        if repeat == 0:
            raise fail(
                "column 'frequency'",
                f"no repeat purchase among {round(float(weights.sum())):,} customers",
                "some customers with frequency > 0",
                f"Without repeat purchases {', '.join(self._param_names)} are not identified: "
                "use a longer observation window or more customers.",
            )

    def _purchase_rate(self, data: Sequence[Array], weights: Array) -> float:
        """Return repeat purchases per unit of time across all customers (a start for r/alpha)."""
        x, _, t = data
        return max(float(weights @ x) / max(float(weights @ t), 1e-12), 1e-6)

    def _fitted_unit(self) -> TimeUnit | None:
        """Return the fitting unit (None for an old document or pickle without one)."""
        check_is_fitted(self, "params_")
        unit: TimeUnit | None = getattr(self, "time_unit_", None)
        return unit

    def _owner(self) -> str:
        unit = self._fitted_unit()
        return f"the fitted {type(self).__name__}" + ("" if unit is None else f" ({unit!r})")

    def _call_unit(self, time_unit: object) -> TimeUnit:
        """Return the unit of a call without a frame (the model's; ``time_unit`` for old ones)."""
        unit = self._fitted_unit()
        if time_unit is None:
            if unit is None:
                raise fail(
                    "argument 'time_unit'",
                    f"no time unit given, and {self._owner()} records none (saved by an older "
                    "version)",
                    "time_unit= on this call",
                    "Pass time_unit='D' or 'W' (the unit the model was fitted in), or refit.",
                )
            return unit
        given = check_time_unit(time_unit)
        if unit is not None and given != unit:
            raise fail(
                "argument 'time_unit'",
                repr(given),
                f"the unit of {self._owner()}",
                f"Drop time_unit= (horizons are read in {unit!r}) or refit in {given!r}.",
            )
        return given

    def _rows(
        self, rfm: pd.DataFrame, time_unit: object = None
    ) -> tuple[pd.DataFrame, TimeUnit, list[Array], npt.NDArray[np.intp]]:
        """Validate a frame, establish its unit against the model's; distinct rows + inverse."""
        check_is_fitted(self, "params_")
        frame = validate_rfm(rfm)
        unit = resolve_time_unit(
            frame, time_unit, expected=self._fitted_unit(), owner=self._owner()
        )
        raw = _rfm_columns(frame)
        raw += _covariates.prediction_columns(self, frame)  # each customer's own parameters
        distinct, inverse = _distinct(raw)
        return frame, unit, distinct, inverse

    def _per_row(
        self,
        frame: pd.DataFrame,
        distinct: list[Array],
        inverse: npt.NDArray[np.intp],
        name: str,
        fn: Callable[[list[Array]], Array],
    ) -> pd.Series:
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

    @overload
    def expected_purchases(
        self,
        rfm: pd.DataFrame,
        horizon: HorizonLike,
        *,
        confidence: None = ...,
        interval_kind: Literal["expectation", "predictive"] = ...,
        n_draws: int = ...,
        random_state: SeedLike = ...,
        time_unit: TimeUnit | None = ...,
    ) -> pd.Series: ...

    @overload
    def expected_purchases(
        self,
        rfm: pd.DataFrame,
        horizon: HorizonLike,
        *,
        confidence: float,
        interval_kind: Literal["expectation", "predictive"] = ...,
        n_draws: int = ...,
        random_state: SeedLike = ...,
        time_unit: TimeUnit | None = ...,
    ) -> pd.DataFrame: ...

    def expected_purchases(
        self,
        rfm: pd.DataFrame,
        horizon: HorizonLike,
        *,
        confidence: float | None = None,
        interval_kind: Literal["expectation", "predictive"] = "expectation",
        n_draws: int = 200,
        random_state: SeedLike = None,
        time_unit: TimeUnit | None = None,
    ) -> pd.Series | pd.DataFrame:
        """Predict the number of purchases in the next ``horizon``, per customer.

        Parameters
        ----------
        rfm : DataFrame
            Summary frame (``frequency``, ``recency``, ``T``) in the model's time unit.
        horizon : float or duration
            A length of time: a number in the model's time unit, or a fixed duration
            (``"90D"``, ``pd.Timedelta(weeks=13)``).
        confidence : float, optional
            If given (e.g. 0.9), also return an interval at this level, of the kind
            ``interval_kind`` says.
        interval_kind : {"expectation", "predictive"}, default "expectation"
            ``"expectation"``: an interval for the expected number, from a parametric
            bootstrap of the parameters (normal on the log scale, from ``covariance_``).
            ``"predictive"``: an interval for the number that will be *observed*: each draw
            takes parameters as above and simulates the customer's future given their history
            (alive or not, purchase rate and dropout from their posterior). Its bounds are
            whole numbers: equal-tailed quantiles of the draws, except that the interval starts
            at 0 and ends at the ``confidence`` quantile when no purchase at all is at least as
            likely as the lower tail. Counts are discrete, so it covers at least
            ``confidence``. Needs ``confidence``.
        n_draws : int, default 200
            Draws for ``confidence`` (>= 20; for ``"predictive"`` at least 5 beyond each
            bound, i.e. ``n_draws >= 10 / (1 - confidence)``).
        random_state : int or Generator, optional
            Seed of the draws.
        time_unit : {"D", "W"}, optional
            Unit of ``rfm`` when the frame does not record it (``rfm.attrs["time_unit"]``
            is lost by a merge or a CSV). It must be the model's unit: it is checked, not
            converted.

        Returns
        -------
        Series or DataFrame
            ``expected_purchases``, indexed like ``rfm``; with ``confidence``, a frame with
            ``expected_purchases``, ``expected_purchases_lower`` and
            ``expected_purchases_upper``.

        Raises
        ------
        DataValidationError
            If the unit of ``rfm`` cannot be established or differs from the model's, or for
            an ``interval_kind`` that is not one of the two, ``"predictive"`` without
            ``confidence`` or too few ``n_draws``.

        Examples
        --------
        >>> import precimark as pm
        >>> from precimark.datasets import load_cdnow
        >>> rfm = pm.rfm_summary(
        ...     load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
        >>> model = pm.BetaGeoModel().fit(rfm)
        >>> round(float(model.expected_purchases(rfm, 39).loc[1]), 3)
        1.226
        >>> band = model.expected_purchases(
        ...     rfm, 39, confidence=0.9, interval_kind="predictive", random_state=0)
        >>> [round(v, 3) for v in band.loc[1]]  # customer 1: 0 to 3 purchases in 39 weeks
        [1.226, 0.0, 3.0]
        """
        # Imported here: _predictive builds on the concrete models, which build on this module.
        from precimark.clv import _predictive

        check_choice(interval_kind, "interval_kind", _predictive.INTERVAL_KINDS)
        if interval_kind == "predictive" and confidence is None:
            raise fail(
                "argument 'interval_kind'",
                "'predictive' without confidence",
                "confidence= with it (the level of the interval)",
                "Pass confidence=0.9 (for example) as well.",
            )
        frame, unit, distinct, inverse = self._rows(rfm, time_unit)
        t = to_duration_units(horizon, unit, "horizon")
        point = self._per_row(
            frame,
            distinct,
            inverse,
            EXPECTED_PURCHASES,
            lambda d: self._conditional_expected(t, *d),
        )
        if confidence is None:
            return point
        level = check_probability(confidence, "confidence", inclusive="neither")
        rng = to_rng(random_state)
        if interval_kind == "expectation":
            draws = int(check_number(n_draws, "n_draws", low=20, integer=True))
            with np.errstate(all="ignore"):
                values = np.stack(
                    [
                        _predictive.with_params(self, v)._conditional_expected(t, *distinct)
                        for v in _predictive.draw_params(self, draws, rng)
                    ]
                )[:, inverse]
            lower, upper = np.quantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
        else:
            _predictive.check_simulable(self)
            draws = _predictive.check_predictive_draws(n_draws, level)
            x, tx, age = (frame[c].to_numpy(np.float64) for c in (FREQUENCY, RECENCY, T))
            lower, upper = np.empty(len(frame)), np.empty(len(frame))
            simulated = _predictive.simulate(
                self,
                None,
                (x, tx, age, np.zeros(len(frame))),
                step=t,
                discount=np.ones(1),
                n_draws=draws,
                rng=rng,
            )
            for part, counts in simulated:
                lower[part], upper[part] = _predictive.bounds(counts, level)
        return pd.DataFrame(
            {
                EXPECTED_PURCHASES: point,
                EXPECTED_PURCHASES_LOWER: lower,
                EXPECTED_PURCHASES_UPPER: upper,
            },
            index=frame.index,
        )

    @overload
    def probability_alive(
        self,
        rfm: pd.DataFrame,
        *,
        at: HorizonLike | None = ...,
        confidence: None = ...,
        n_draws: int = ...,
        random_state: SeedLike = ...,
        time_unit: TimeUnit | None = ...,
    ) -> pd.Series: ...

    @overload
    def probability_alive(
        self,
        rfm: pd.DataFrame,
        *,
        at: HorizonLike | None = ...,
        confidence: float,
        n_draws: int = ...,
        random_state: SeedLike = ...,
        time_unit: TimeUnit | None = ...,
    ) -> pd.DataFrame: ...

    def probability_alive(
        self,
        rfm: pd.DataFrame,
        *,
        at: HorizonLike | None = None,
        confidence: float | None = None,
        n_draws: int = 200,
        random_state: SeedLike = None,
        time_unit: TimeUnit | None = None,
    ) -> pd.Series | pd.DataFrame:
        """Probability that each customer is still active at the end of their history.

        Parameters
        ----------
        rfm : DataFrame
            Summary frame in the model's time unit.
        at : float or duration, optional
            A length of time after the end of each history (a number in the model's time
            unit, or a fixed duration such as ``"90D"``): the probability of being active at
            ``T + at`` given the history. None or 0 gives the probability at ``T``.
        confidence : float, optional
            If given (e.g. 0.9), also return an interval at this level for the probability:
            percentiles over ``n_draws`` parameter draws from the fit's normal approximation
            (on the log scale). Being alive is never observed, so this is the only kind of
            interval there is: the uncertainty of the estimate.
        n_draws : int, default 200
            Parameter draws for ``confidence`` (>= 20).
        random_state : int or Generator, optional
            Seed of the draws.
        time_unit : {"D", "W"}, optional
            Unit of ``rfm`` when the frame does not record it (checked, not converted).

        Returns
        -------
        Series or DataFrame
            ``probability_alive``, indexed like ``rfm``; with ``confidence``, a frame with
            ``probability_alive``, ``probability_alive_lower`` and ``probability_alive_upper``.

        Examples
        --------
        >>> import precimark as pm
        >>> from precimark.datasets import load_cdnow
        >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
        >>> model = pm.BetaGeoModel().fit(rfm)
        >>> now = model.probability_alive(rfm)
        >>> later = model.probability_alive(rfm, at="182D")
        >>> bool((later <= now).all()), round(float(now.iloc[0]), 3), round(float(later.iloc[0]), 3)
        (True, 0.727, 0.61)
        >>> band = model.probability_alive(rfm, confidence=0.9, random_state=0)
        >>> bool((band["probability_alive_lower"] <= band["probability_alive"]).all())
        True
        """
        frame, unit, distinct, inverse = self._rows(rfm, time_unit)
        t = 0.0 if at is None else to_duration_units(at, unit, "at", positive=False)
        if t != 0.0:
            _covariates.refuse_shared_parameters(self)  # per-customer parameters: not yet

        def alive(model: _PurchaseModel, d: list[Array]) -> Array:
            return model._probability_alive(*d) if t == 0.0 else model._probability_alive_at(t, *d)

        point = self._per_row(frame, distinct, inverse, PROBABILITY_ALIVE, lambda d: alive(self, d))
        if confidence is None:
            return point
        # Imported here: _predictive builds on the concrete models, which build on this module.
        from precimark.clv import _predictive

        level = check_probability(confidence, "confidence", inclusive="neither")
        draws = int(check_number(n_draws, "n_draws", low=20, integer=True))
        rng = to_rng(random_state)
        with np.errstate(all="ignore"):
            values = np.stack(
                [
                    alive(_predictive.with_params(self, v), distinct)
                    for v in _predictive.draw_params(self, draws, rng)
                ]
            )[:, inverse]
        lower, upper = np.quantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
        return pd.DataFrame(
            {
                PROBABILITY_ALIVE: point,
                PROBABILITY_ALIVE_LOWER: lower,
                PROBABILITY_ALIVE_UPPER: upper,
            },
            index=frame.index,
        )

    def expected_purchases_new_customer(
        self,
        horizon: HorizonLike,
        *,
        time_unit: TimeUnit | None = None,
        covariates: Mapping[str, float] | None = None,
    ) -> float:
        """Predict the repeat purchases within ``horizon`` of a newly acquired customer.

        Parameters
        ----------
        horizon : float or duration
            A number in the model's time unit, or a fixed duration (``"90D"``).
        time_unit : {"D", "W"}, optional
            Needed only for a model loaded from an older document without a unit.
        covariates : Mapping[str, float], optional
            The new customer's value of every covariate of a model fitted with
            ``purchase_covariates``/``dropout_covariates`` (required then; refused otherwise).

        Returns
        -------
        float
        """
        t = to_duration_units(horizon, self._call_unit(time_unit), "horizon")
        values = _covariates.profile(self, covariates)
        return float(np.ravel(self._expected_new(np.asarray(t, dtype=np.float64), *values))[0])

    def purchase_count_pmf(
        self, n: int, horizon: HorizonLike, *, time_unit: TimeUnit | None = None
    ) -> float:
        """Probability that a newly acquired customer makes exactly ``n`` repeat purchases.

        Parameters
        ----------
        n : int
            Number of repeat purchases (>= 0).
        horizon : float or duration
            A number in the model's time unit, or a fixed duration (``"90D"``).
        time_unit : {"D", "W"}, optional
            Needed only for a model loaded from an older document without a unit.

        Returns
        -------
        float
        """
        unit = self._call_unit(time_unit)
        count = int(check_number(n, "n", low=0, integer=True))
        t = to_duration_units(horizon, unit, "horizon")
        return float(self._pmf(count, np.asarray([t], dtype=np.float64))[0])

    def probability_no_purchase(
        self, rfm: pd.DataFrame, horizon: HorizonLike, *, time_unit: TimeUnit | None = None
    ) -> pd.Series:
        """Probability that each customer makes no purchase in the next ``horizon``.

        ``P(X(T, T + horizon] = 0 | frequency, recency, T)``: the customers who are no longer
        active plus the active ones who buy nothing in the window. The usual churn trigger
        ("no order in the next 90 days").

        Parameters
        ----------
        rfm : DataFrame
            Summary frame (``frequency``, ``recency``, ``T``) in the model's time unit.
        horizon : float or duration
            A length of time: a number in the model's time unit, or a fixed duration
            (``"90D"``, ``pd.Timedelta(weeks=13)``).
        time_unit : {"D", "W"}, optional
            Unit of ``rfm`` when the frame does not record it (checked, not converted).

        Returns
        -------
        Series
            ``probability_no_purchase``, indexed like ``rfm``; equal to
            :meth:`purchase_count_probability` with ``n=0``.

        Raises
        ------
        DataValidationError
            If the horizon is not a positive, finite length of time, or the unit of ``rfm``
            cannot be established or differs from the model's.

        Examples
        --------
        >>> import precimark as pm
        >>> from precimark.datasets import load_cdnow
        >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
        >>> model = pm.ParetoNBDModel().fit(rfm)
        >>> quiet = model.probability_no_purchase(rfm, "91D")
        >>> quiet.name, round(float(quiet.iloc[0]), 3)
        ('probability_no_purchase', 0.633)
        """
        _covariates.refuse_shared_parameters(self)  # per-customer parameters: not yet
        frame, unit, distinct, inverse = self._rows(rfm, time_unit)
        t = to_duration_units(horizon, unit, "horizon")
        return self._per_row(
            frame,
            distinct,
            inverse,
            "probability_no_purchase",
            lambda d: self._conditional_pmf(0, t, *d),
        )

    def purchase_count_probability(
        self,
        rfm: pd.DataFrame,
        n: int,
        horizon: HorizonLike,
        *,
        time_unit: TimeUnit | None = None,
    ) -> pd.Series:
        """Probability that each customer makes exactly ``n`` purchases in the next ``horizon``.

        ``P(X(T, T + horizon] = n | frequency, recency, T)``, conditional on each customer's
        history (:meth:`purchase_count_pmf` is the same for a newly acquired customer). Over
        ``n = 0, 1, 2, ...`` the probabilities sum to 1 and their mean is
        :meth:`expected_purchases`; every term is computed as a positive quantity, so none is
        negative.

        Parameters
        ----------
        rfm : DataFrame
            Summary frame (``frequency``, ``recency``, ``T``) in the model's time unit.
        n : int
            Number of purchases (a whole number >= 0).
        horizon : float or duration
            A length of time: a number in the model's time unit, or a fixed duration
            (``"90D"``, ``pd.Timedelta(weeks=13)``).
        time_unit : {"D", "W"}, optional
            Unit of ``rfm`` when the frame does not record it (checked, not converted).

        Returns
        -------
        Series
            ``purchase_count_probability``, indexed like ``rfm``.

        Raises
        ------
        DataValidationError
            If ``n`` is not a whole number >= 0, the horizon is not a positive, finite length
            of time, or the unit of ``rfm`` cannot be established or differs from the model's.

        References
        ----------
        Fader & Hardie (2006), "Deriving an expression for P(X(t) = x) under the Pareto/NBD
        model" and note 028 (its conditional form); Fader, Hardie & Lee (2005), eq. 8, for
        BG/NBD, applied to the posterior of an active customer.

        Examples
        --------
        >>> import precimark as pm
        >>> from precimark.datasets import load_cdnow
        >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
        >>> model = pm.BetaGeoModel().fit(rfm)
        >>> [round(float(model.purchase_count_probability(rfm, n, 39).iloc[0]), 3) for n in range(4)]
        [0.445, 0.239, 0.144, 0.081]
        """
        count = int(check_number(n, "n", low=0, integer=True))
        _covariates.refuse_shared_parameters(self)  # per-customer parameters: not yet
        frame, unit, distinct, inverse = self._rows(rfm, time_unit)
        t = to_duration_units(horizon, unit, "horizon")
        return self._per_row(
            frame,
            distinct,
            inverse,
            "purchase_count_probability",
            lambda d: self._conditional_pmf(count, t, *d),
        )

    def discounted_expected_transactions(
        self,
        rfm: pd.DataFrame,
        continuous_discount_rate: float,
        *,
        time_unit: TimeUnit | None = None,
    ) -> pd.Series:
        """Discounted expected residual transactions (DERT) of each customer.

        ``integral_0^inf exp(-delta t) dE[X(T, T + t) | frequency, recency, T]``: the expected
        number of future purchases, each discounted continuously to today, over an unbounded
        horizon. Times the expected margin per purchase it is the customer's residual
        lifetime value (Fader, Hardie & Lee 2005b).

        Parameters
        ----------
        rfm : DataFrame
            Summary frame (``frequency``, ``recency``, ``T``) in the model's time unit.
        continuous_discount_rate : float
            ``delta`` > 0, per unit of the model's time (``time_unit_``): a purchase ``t``
            units from now counts ``exp(-delta t)``. An annual rate ``d`` (e.g. 10%) is
            ``delta = ln(1 + d)`` per year, so ``ln(1.1) / 52`` per week or
            ``ln(1.1) / 365`` per day. CLVTools' default ``log(1.1)`` is per period of its
            time unit: with weekly data it means 10% per *week*.
        time_unit : {"D", "W"}, optional
            Unit of ``rfm`` when the frame does not record it (checked, not converted).

        Returns
        -------
        Series
            ``discounted_expected_transactions``, indexed like ``rfm``.

        Raises
        ------
        DataValidationError
            If the rate is not a positive, finite number, or the unit of ``rfm`` cannot be
            established or differs from the model's.

        References
        ----------
        Fader, Hardie & Lee (2005b), "RFM and CLV: using iso-value curves for customer base
        analysis", JMR 42(4), eq. 2 (Pareto/NBD, with the confluent hypergeometric function
        of the second kind). BG/NBD and MBG/NBD: the same integral of the posterior purchase
        rate, averaged over the dropout probability by Gauss-Jacobi quadrature.

        Examples
        --------
        >>> import numpy as np
        >>> import precimark as pm
        >>> from precimark.datasets import load_cdnow
        >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
        >>> model = pm.ParetoNBDModel().fit(rfm)
        >>> dert = model.discounted_expected_transactions(rfm, np.log(1.15) / 52)  # 15% a year
        >>> dert.name, round(float(dert.iloc[0]), 2)
        ('discounted_expected_transactions', 6.5)
        """
        delta = check_number(
            continuous_discount_rate, "continuous_discount_rate", low=0, inclusive="neither"
        )
        _covariates.refuse_shared_parameters(self)  # per-customer parameters: not yet
        frame, _, distinct, inverse = self._rows(rfm, time_unit)
        return self._per_row(
            frame,
            distinct,
            inverse,
            "discounted_expected_transactions",
            lambda d: self._dert(delta, *d),
        )

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

    def _conditional_expected(
        self, t: float | Array, x: Array, tx: Array, T_: Array, *covariates: Array
    ) -> Array:
        raise NotImplementedError

    def _probability_alive(self, x: Array, tx: Array, T_: Array, *covariates: Array) -> Array:
        raise NotImplementedError

    def _expected_new(self, t: Array, *covariates: Array) -> Array:
        raise NotImplementedError

    # Models with covariates (see precimark.clv._covariates): links and per-row likelihood.
    _covariate_links: ClassVar[_covariates.Links] = ()

    def _covariate_loglik(
        self, p: Mapping[str, Array | float], x: Array, tx: Array, T_: Array, *, grad: bool
    ) -> tuple[Array, Array | None]:
        raise NotImplementedError

    def _conditional_pmf(self, n: int, t: float, x: Array, tx: Array, T_: Array) -> Array:
        """P(n purchases in (T, T + t] | x, tx, T) per distinct row."""
        raise NotImplementedError

    def _probability_alive_at(self, t: float, x: Array, tx: Array, T_: Array) -> Array:
        """P(alive at T + t | x, tx, T) per distinct row."""
        raise NotImplementedError

    def _dert(self, delta: float, x: Array, tx: Array, T_: Array) -> Array:
        """Discounted expected residual transactions at continuous rate delta per row."""
        raise NotImplementedError
