"""Time-invariant covariates for the BG/NBD, MBG/NBD and Pareto/NBD models (private).

Parameterisation of Fader & Hardie (2007), "Incorporating time-invariant covariates into the
Pareto/NBD and BG/NBD models" (note 019), as in CLVTools' ``pnbd``/``bgnbd`` with static
covariates. With purchase covariates ``x_i`` and dropout covariates ``z_i`` (rows of the
summary frame):

- purchase process (every model): ``alpha_i = alpha * exp(-gamma_alpha' x_i)``, so a positive
  coefficient raises the mean purchase rate ``r / alpha_i``;
- Pareto/NBD dropout: ``beta_i = beta * exp(-gamma_beta' z_i)``, a positive coefficient raises
  the mean dropout rate ``s / beta_i``;
- BG/NBD and MBG/NBD dropout: ``a_i = a * exp(gamma_a' z_i)`` and ``b_i = b * exp(gamma_b' z_i)``
  with *separate* coefficients (Fader & Hardie's note; CLVTools ties them, ``gamma_a =
  gamma_b``, which moves only the spread of ``p``, not its mean ``a_i / (a_i + b_i)``).

``params_`` of a model with covariates are the baseline parameters (every covariate 0); the
coefficients live in ``coefficients_``, indexed by (parameter, covariate). The fit starts from
the model fitted without covariates (the native engine's multi-start search) with every
coefficient 0, standardises the covariates internally, maximises the full likelihood with
L-BFGS-B (analytic gradients for BG/NBD; central differences for the hypergeometric term of
Pareto/NBD), and takes standard errors from the inverse observed information. The
no-covariate fit is the null model of ``lr_test_``.

The per-row formulas here are the closed forms of :mod:`precimark.clv._formulas` with one
parameter set per row: those functions take one scalar parameter vector (they cache special
functions per distinct value of x, recency and T), so they cannot broadcast per-row
parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

from precimark._validation import check_number, fail, fail_rows
from precimark.clv._formulas import _log_growth, _log_hyp2f1_laguerre
from precimark.exceptions import ConvergenceWarning

if TYPE_CHECKING:
    from precimark.clv._base import _PurchaseModel

Array = npt.NDArray[np.float64]

__all__ = [
    "Links",
    "coefficient_rows",
    "covariate_columns",
    "fit",
    "from_document",
    "individual",
    "profile",
    "refuse_shared_parameters",
    "start_fit",
    "to_document",
]

# (parameter, process, sign): parameter_i = parameter * exp(sign * gamma' covariates_i)
Links = tuple[tuple[str, str, float], ...]
_PROCESSES = ("purchase", "dropout")
_Z95 = 1.959963984540054


# ---------------------------------------------------------------------------- specification


def _names(model: _PurchaseModel, process: str) -> tuple[str, ...]:
    """Return the validated covariate names of one process (empty when the hyper-parameter is None)."""
    argument = f"{process}_covariates"
    value = getattr(model, argument, None)
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise fail(
            f"argument '{argument}'",
            f"{value!r}",
            "a list of column names",
            f"Write {argument}=[{value!r}] for one column." if isinstance(value, str) else None,
        )
    names = tuple(value)
    bad = [v for v in names if not isinstance(v, str) or not v]
    if bad or not names or len(set(names)) != len(names):
        raise fail(
            f"argument '{argument}'",
            f"{list(names)!r}",
            "a non-empty list of distinct column names (strings)",
        )
    return names


def covariate_columns(model: _PurchaseModel) -> tuple[str, ...]:
    """Every covariate column the model reads, purchase first, each once."""
    return tuple(dict.fromkeys(_names(model, "purchase") + _names(model, "dropout")))


def has_covariates(model: _PurchaseModel) -> bool:
    """Return True for a model fitted (or loaded) with covariates."""
    return getattr(model, "coefficients_", None) is not None


def _links(model: _PurchaseModel) -> list[tuple[str, float, tuple[str, ...]]]:
    """(parameter, sign, its covariate names) for every parameter that carries covariates."""
    out = []
    for parameter, process, sign in model._covariate_links:
        names = _names(model, process)
        if names:
            out.append((parameter, sign, names))
    return out


def _matrix(frame: pd.DataFrame, columns: Sequence[str], owner: str) -> Array:
    """Return the covariate columns of ``frame`` as a float matrix, every value checked."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise fail(
            "argument 'rfm'",
            f"no column {missing[0]!r} ({len(missing)} of the covariate columns missing)",
            f"the covariate columns {list(columns)} of {owner}",
            "Join the customer attributes onto the summary frame (on the customer id) first.",
        )
    out = np.empty((len(frame), len(columns)))
    for j, column in enumerate(columns):
        series = frame[column]
        if not (
            pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
        ):
            raise fail(
                f"column '{column}'",
                f"values of dtype {series.dtype}",
                "numbers (a covariate is numeric)",
                "Encode a categorical covariate as 0/1 indicators, e.g. "
                f"pd.get_dummies(rfm[{column!r}], drop_first=True, dtype=float).",
            )
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            raise fail_rows(
                f"column '{column}'",
                bad,
                frame.index,
                "missing or infinite value",
                "a finite number per customer (a covariate)",
                "Impute or drop those customers before fitting or scoring.",
            )
        out[:, j] = values
    return out


def prediction_columns(model: _PurchaseModel, frame: pd.DataFrame) -> list[Array]:
    """Return the covariate columns a prediction reads from ``frame`` ([] without covariates)."""
    if not has_covariates(model):
        return []
    columns = covariate_columns(model)
    matrix = _matrix(frame, columns, f"the fitted {type(model).__name__}")
    return [matrix[:, j] for j in range(len(columns))]


def profile(model: _PurchaseModel, covariates: Mapping[str, float] | None) -> list[Array]:
    """Return the covariate values of one new customer, as one-element columns."""
    columns = covariate_columns(model) if has_covariates(model) else ()
    if covariates is None and not columns:
        return []
    if not columns:
        raise fail(
            "argument 'covariates'",
            "covariate values for a model fitted without covariates",
            "no covariates",
        )
    if not isinstance(covariates, Mapping) or set(covariates) != set(columns):
        if isinstance(covariates, Mapping):
            given = f"values for {sorted(covariates)}"
        else:
            given = "none" if covariates is None else f"a {type(covariates).__name__}"
        raise fail(
            "argument 'covariates'",
            given,
            f"a mapping with exactly the keys {list(columns)}",
            "Pass the new customer's covariate values, e.g. covariates={"
            + ", ".join(f"{c!r}: 0.0" for c in columns)
            + "}.",
        )
    return [np.array([check_number(covariates[c], f"covariates[{c!r}]")]) for c in columns]


def refuse_shared_parameters(model: _PurchaseModel) -> None:
    """Refuse a one-parameter-set computation on a model with covariates."""
    if has_covariates(model):
        raise fail(
            f"{type(model).__name__}",
            "a model with covariates (each customer has their own parameters)",
            "a model without covariates for this computation",
            "expected_purchases, probability_alive, expected_purchases_new_customer(covariates=) "
            "and customer_lifetime_value (without confidence=) use the covariates; this method "
            "does not yet. Refit without purchase_covariates/dropout_covariates for it.",
        )


def individual(model: _PurchaseModel, covariates: Sequence[Array]) -> dict[str, Array | float]:
    """Each row's parameters (r, alpha, ...) from its covariate columns (in covariate_columns order)."""
    position = {c: j for j, c in enumerate(covariate_columns(model))}
    out: dict[str, Array | float] = {k: float(v) for k, v in model.params_.items()}
    table = model.coefficients_["coef"]
    for parameter, sign, names in _links(model):
        gamma = table.loc[parameter].reindex(list(names)).to_numpy(np.float64)
        score = sum(g * covariates[position[c]] for g, c in zip(gamma, names, strict=True))
        out[parameter] = float(model.params_[parameter]) * np.exp(sign * np.asarray(score))
    return out


# ---------------------------------------------------------------------------- BG/NBD per row


def bg_loglik(
    p: Mapping[str, Array | float],
    x: Array,
    tx: Array,
    T: Array,
    *,
    modified: bool,
    grad: bool = False,
) -> tuple[Array, Array | None]:
    """Per-row BG/NBD (MBG/NBD) log-likelihood with per-row parameters, and d/d(r, alpha, a, b)."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    shift = 1.0 if modified else 0.0
    n = x + shift
    has = np.ones(x.shape, dtype=bool) if modified else x > 0
    denom = np.where(has, b + x - 1.0 + shift, 1.0)
    l_t, l_tx = np.log1p(T / alpha), np.log1p(tx / alpha)
    rx = r + x
    a1 = -rx * l_t
    a2 = np.where(has, np.log(a) - np.log(denom) - rx * l_tx, -np.inf)
    tail = np.logaddexp(a1, a2)
    const = (
        gammaln(r + x)
        - gammaln(r)
        - x * np.log(alpha)
        + gammaln(b + n)
        - gammaln(b)
        - gammaln(a + b + n)
        + gammaln(a + b)
    )
    ll: Array = const + tail
    if not grad:
        return ll, None
    w1 = np.exp(a1 - tail)
    w2 = np.where(has, 1.0 - w1, 0.0)
    rise_ab = digamma(a + b + n) - digamma(a + b)
    g = np.empty((x.shape[0], 4))
    g[:, 0] = digamma(r + x) - digamma(r) - w1 * l_t - w2 * l_tx
    g[:, 1] = -x / alpha + rx * (w1 * T / (alpha * (alpha + T)) + w2 * tx / (alpha * (alpha + tx)))
    g[:, 2] = -rise_ab + w2 / a
    g[:, 3] = digamma(b + n) - digamma(b) - rise_ab - w2 / denom
    return ll, g


def _bg_odds(
    p: Mapping[str, Array | float], x: Array, tx: Array, T: Array, modified: bool
) -> Array:
    """Odds of 'dropped out after the last purchase' against 'alive at T' (0 where impossible)."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    shift = 1.0 if modified else 0.0
    has = np.ones(x.shape, dtype=bool) if modified else x > 0
    log_odds = (
        np.log(a)
        - np.log(np.where(has, b + x - 1.0 + shift, 1.0))
        + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    )
    out: Array = np.where(has, np.exp(np.minimum(log_odds, 700.0)), 0.0)
    return out


def bg_probability_alive(
    p: Mapping[str, Array | float], x: Array, tx: Array, T: Array, *, modified: bool
) -> Array:
    """P(alive | x, tx, T) with per-row parameters."""
    out: Array = 1.0 / (1.0 + _bg_odds(p, x, tx, T, modified))
    return out


def bg_conditional_expected(
    p: Mapping[str, Array | float],
    t: float | Array,
    x: Array,
    tx: Array,
    T: Array,
    *,
    modified: bool,
) -> Array:
    """E[purchases in (T, T + t] | x, tx, T] with per-row parameters."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    shift = 1.0 if modified else 0.0
    hyp = hyp2f1(r + x, b + x + shift, a + b + x - 1.0 + shift, t / (alpha + T + t))
    body = 1.0 - hyp * ((alpha + T) / (alpha + T + t)) ** (r + x)
    head = (a + b + x - 1.0 + shift) / (a - 1.0)
    out: Array = head * body / (1.0 + _bg_odds(p, x, tx, T, modified))
    return out


def bg_expected_new(p: Mapping[str, Array | float], t: Array, *, modified: bool) -> Array:
    """E[X(t)] for a customer just acquired, with per-row parameters."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    ratio = (alpha / (alpha + t)) ** r
    z = t / (alpha + t)
    if modified:
        out: Array = b / (a - 1.0) * (1.0 - hyp2f1(r, b + 1.0, a + b, z) * ratio)
        return out
    out = (a + b - 1.0) / (a - 1.0) * (1.0 - ratio * hyp2f1(r, b, a + b - 1.0, z))
    return out


# ---------------------------------------------------------------------------- Pareto/NBD per row


def _log_tail(
    k: Array, c_alpha: Array, c_beta: Array, alpha: Array, beta: Array, tau: Array
) -> Array:
    """``log(k * integral_tau^inf (alpha+u)^-c_alpha (beta+u)^-c_beta du)``, ``k = c_alpha + c_beta - 1``.

    Per row, the hypergeometric argument ``|alpha - beta| / (max(alpha, beta) + tau)`` stays
    in [0, 1) (as ``_formulas._log_tail_integral``, whose alpha and beta are scalars).
    """
    alpha_big = alpha >= beta
    big = np.where(alpha_big, alpha, beta)
    c = np.where(alpha_big, c_beta, c_alpha)
    z = np.abs(alpha - beta) / (big + tau)
    with np.errstate(all="ignore"):
        log_f = np.log(hyp2f1(k, c, k + 1.0, z))
    bad = ~np.isfinite(log_f)
    if bad.any():
        log_f[bad] = _log_hyp2f1_laguerre(k[bad], c[bad], z[bad])
    out: Array = log_f - k * np.log(big + tau)
    return out


def _pareto_dead(p: Mapping[str, Array | float], x: Array, tx: Array, T: Array) -> Array:
    """Per row: log of s * integral over (tx, T] of (alpha+u)^-(r+x) (beta+u)^-(s+1) du."""
    r, s = p["r"], p["s"]
    alpha = np.broadcast_to(p["alpha"], x.shape)
    beta = np.broadcast_to(p["beta"], x.shape)
    k = np.broadcast_to(r + s + x, x.shape).astype(np.float64)
    ca = np.broadcast_to(r + x, x.shape).astype(np.float64)
    cb = np.broadcast_to(s + 1.0, x.shape).astype(np.float64)
    h_rec = _log_tail(k, ca, cb, alpha, beta, tx)
    h_age = _log_tail(k, ca, cb, alpha, beta, T)
    with np.errstate(divide="ignore"):
        dead = h_rec + np.log(-np.expm1(np.minimum(h_age - h_rec, 0.0)))
    out: Array = np.log(s) - np.log(k) + dead
    return out


def _pareto_terms(
    p: Mapping[str, Array | float], x: Array, tx: Array, T: Array
) -> tuple[Array, Array, Array]:
    """Per row: the constant, 'alive at T' and 'died in (tx, T]' log-terms."""
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
    const = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    return const, alive, _pareto_dead(p, x, tx, T)


def pareto_loglik(
    p: Mapping[str, Array | float], x: Array, tx: Array, T: Array, *, grad: bool = False
) -> tuple[Array, Array | None]:
    """Per-row Pareto/NBD log-likelihood with per-row parameters, and d/d(r, alpha, s, beta).

    The derivatives of the 'died' term are central differences in the log-parameters
    (relative step 1e-5), as in :func:`precimark.clv._formulas.pareto_loglik`.
    """
    const, alive, dead = _pareto_terms(p, x, tx, T)
    tail = np.logaddexp(alive, dead)
    ll: Array = const + tail
    if not grad:
        return ll, None
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
    w_alive = np.exp(alive - tail)
    w_dead = 1.0 - w_alive
    g = np.empty((x.shape[0], 4))
    g[:, 0] = digamma(r + x) - digamma(r) + np.log(alpha) - w_alive * np.log(alpha + T)
    g[:, 1] = r / alpha - w_alive * (r + x) / (alpha + T)
    g[:, 2] = np.log(beta) - w_alive * np.log(beta + T)
    g[:, 3] = s / beta - w_alive * s / (beta + T)
    step = 1e-5
    for j, name in enumerate(("r", "alpha", "s", "beta")):
        up, down = dict(p), dict(p)
        up[name] = p[name] * np.exp(step)
        down[name] = p[name] * np.exp(-step)
        with np.errstate(invalid="ignore"):
            d_dead = (_pareto_dead(up, x, tx, T) - _pareto_dead(down, x, tx, T)) / (
                2 * step * np.asarray(p[name])
            )
        g[:, j] += w_dead * np.where(w_dead > 0, d_dead, 0.0)  # tx = T: the term is zero
    return ll, g


def pareto_probability_alive(
    p: Mapping[str, Array | float], x: Array, tx: Array, T: Array
) -> Array:
    """P(alive at T | x, tx, T) with per-row parameters: exactly 1 when tx = T."""
    _, alive, dead = _pareto_terms(p, x, tx, T)
    out: Array = np.minimum(np.exp(alive - np.logaddexp(alive, dead)), 1.0)
    return out


def pareto_conditional_expected(
    p: Mapping[str, Array | float], t: float | Array, x: Array, tx: Array, T: Array
) -> Array:
    """E[purchases in (T, T + t] | x, tx, T] with per-row parameters."""
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
    log_alive = np.log(pareto_probability_alive(p, x, tx, T))
    log_rate = np.log(r + x) + np.log(beta + T) - np.log(alpha + T)
    growth = _log_growth(float(s), np.asarray(beta + T, dtype=np.float64), np.asarray(t))
    out: Array = np.exp(log_alive + log_rate + growth)
    return out


def pareto_expected_new(p: Mapping[str, Array | float], t: Array) -> Array:
    """E[X(t)] for a customer just acquired, with per-row parameters."""
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
    base = np.asarray(beta, dtype=np.float64) + np.zeros_like(t)
    out: Array = r * beta / alpha * np.exp(_log_growth(float(s), base, t))
    return out


# ---------------------------------------------------------------------------- fitting


def start_fit(model: _PurchaseModel, rfm: object) -> pd.DataFrame | None:
    """Check the covariate hyper-parameters, drop an earlier fit's coefficients.

    Returns the frame to read the covariates from, or None for a model without covariates.
    """
    for name in ("coefficients_", "lr_test_"):
        if name in model.__dict__:
            delattr(model, name)
    columns = covariate_columns(model)
    if not columns:
        return None
    owner = type(model).__name__
    if not isinstance(rfm, pd.DataFrame):
        raise fail(
            "argument 'rfm'",
            f"a {type(rfm).__name__} for a {owner} with covariates",
            "a summary frame holding the covariate columns",
            "An RFMHistogram has no covariates: fit on the frame.",
        )
    if model.engine != "native" or float(model.penalizer) != 0.0:
        raise fail(
            f"{owner}(engine={model.engine!r}, penalizer={model.penalizer!r})",
            "covariates with the lifetimes engine or a penalty",
            "engine='native' and penalizer=0 (lifetimes has no covariates; the standard errors "
            "and the likelihood-ratio test assume the unpenalised likelihood)",
        )
    _matrix(rfm, columns, f"{owner}'s purchase_covariates/dropout_covariates")  # fail early
    return rfm


def _distinct_rows(columns: list[Array]) -> tuple[list[Array], npt.NDArray[np.intp]]:
    stacked = np.column_stack(columns)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return [unique[:, j].copy() for j in range(unique.shape[1])], inverse.reshape(-1)


def fit(model: _PurchaseModel, frame: pd.DataFrame, raw: Sequence[Array], weights: Array) -> None:
    """Refit ``model`` (already fitted without covariates) with its covariates."""
    columns = covariate_columns(model)
    matrix = _matrix(frame, columns, type(model).__name__)
    spread = matrix.std(axis=0)
    if np.any(spread == 0):
        constant = columns[int(np.argmax(spread == 0))]
        raise fail(
            f"column '{constant}'",
            "the same value for every customer",
            "a covariate that varies across customers",
            "A constant covariate cannot be told apart from the baseline parameters: drop it.",
        )
    center = np.average(matrix, axis=0, weights=weights)
    rows, inverse = _distinct_rows([*raw, *((matrix - center) / spread).T])
    w = np.bincount(inverse, weights=weights).astype(np.float64)
    data, standard = rows[:3], np.column_stack(rows[3:])
    links = _links(model)
    position = {c: j for j, c in enumerate(columns)}
    blocks = [(name, sign, [position[c] for c in names]) for name, sign, names in links]
    base_names = list(model._param_names)
    scale = model._native_time_scale(data)
    scaled = model._rescale_data(data, scale)
    timed = np.array([n in model._time_scaled for n in base_names])
    base = np.array([model.params_[n] for n in base_names])
    base[timed] *= scale
    k0 = len(base_names)
    sizes = [len(idx) for _, _, idx in blocks]
    theta0 = np.concatenate([np.log(base), np.zeros(sum(sizes))])
    total = float(w.sum())
    loglik = model._covariate_loglik

    def unpack(theta: Array) -> dict[str, Array | float]:
        p: dict[str, Array | float] = {n: float(np.exp(theta[j])) for j, n in enumerate(base_names)}
        offset = k0
        for (name, sign, idx), size in zip(blocks, sizes, strict=True):
            gamma = theta[offset : offset + size]
            p[name] = p[name] * np.exp(sign * (standard[:, idx] @ gamma))
            offset += size
        return p

    def gradient_rows(theta: Array) -> tuple[Array, Array]:
        p = unpack(theta)
        ll, g = loglik(p, *scaled, grad=True)
        assert g is not None
        out = np.empty((len(ll), len(theta)))
        for j, n in enumerate(base_names):
            out[:, j] = g[:, j] * p[n]  # d/d log(parameter)
        offset = k0
        for (name, sign, idx), size in zip(blocks, sizes, strict=True):
            j = base_names.index(name)
            out[:, offset : offset + size] = sign * out[:, [j]] * standard[:, idx]
            offset += size
        return ll, out

    def objective(theta: Array) -> tuple[float, Array]:
        with np.errstate(all="ignore"):
            ll, g = gradient_rows(theta)
        value = -float(w @ ll) / total
        grad = -(w @ g) / total
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros_like(theta)
        return value, grad

    bounds = [(-30.0, 30.0)] * k0 + [(None, None)] * sum(sizes)
    result = minimize(
        objective,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-9},
    )
    theta = result.x
    _, grad = objective(theta)
    if result.fun >= 1e300 or np.max(np.abs(grad)) > 1e-5 or np.any(np.abs(theta[:k0]) > 29.0):
        warnings.warn(
            f"{type(model).__name__}: the fit with covariates stopped with gradient norm "
            f"{np.max(np.abs(grad)):.1e} (> 1e-5) or a parameter at the edge of the search: the "
            "estimates may not be at the optimum (covariates nearly collinear, or a covariate "
            "effect too large for these data).",
            ConvergenceWarning,
            stacklevel=4,
        )
    # Observed information: central differences of the analytic gradient.
    step = 1e-4
    size = len(theta)

    def total_gradient(th: Array) -> Array:
        with np.errstate(all="ignore"):
            _, g = gradient_rows(th)
        out: Array = w @ g
        return out

    hess = np.array(
        [
            (total_gradient(theta + step * e) - total_gradient(theta - step * e)) / (2 * step)
            for e in np.eye(size)
        ]
    )
    hess = (hess + hess.T) / 2
    try:
        cov_std = np.linalg.inv(-hess) if np.all(np.isfinite(hess)) else None
    except np.linalg.LinAlgError:
        cov_std = None
    if cov_std is not None and not np.all(np.diag(cov_std) > 0):
        cov_std = None
    # Back to the original covariates and time unit: a linear map of theta.
    jac = np.eye(size)
    offset = k0
    for (name, sign, idx), block in zip(blocks, sizes, strict=True):
        j = base_names.index(name)
        jac[offset : offset + block, offset : offset + block] = np.diag(1.0 / spread[idx])
        jac[j, offset : offset + block] = -sign * center[idx] / spread[idx]
        offset += block
    theta_orig = jac @ theta
    theta_orig[:k0][timed] -= np.log(scale)
    cov = jac @ cov_std @ jac.T if cov_std is not None else np.full((size, size), np.nan)
    params = np.exp(theta_orig[:k0])
    model.params_ = dict(zip(base_names, params.tolist(), strict=True))
    model.boundary_ = {}
    null = float(model.log_likelihood_)
    model.coefficients_ = coefficient_frame(
        [(name, columns[i]) for name, _, idx in blocks for i in idx],
        theta_orig[k0:],
        np.sqrt(np.diag(cov)[k0:]),
    )
    original = [standard[:, j] * spread[j] + center[j] for j in range(len(columns))]
    with np.errstate(all="ignore"):
        ll_rows, _ = loglik(individual(model, original), *data, grad=False)
    model.log_likelihood_ = float(w @ ll_rows)  # on the original time scale and covariates
    jac_params = np.diag(np.concatenate([params, np.ones(size - k0)]))
    full = jac_params @ cov @ jac_params
    model.covariance_ = full[:k0, :k0].copy()
    dof = size - k0
    statistic = max(2.0 * (model.log_likelihood_ - null), 0.0)
    model.lr_test_ = {
        "statistic": statistic,
        "dof": dof,
        "p_value": float(stats.chi2.sf(statistic, dof)),
        "log_likelihood_without_covariates": null,
    }
    if cov_std is None:
        warnings.warn(
            f"{type(model).__name__}: the observed information with covariates is singular: the "
            "standard errors are undefined (collinear covariates, or a covariate that does not "
            "vary within a process).",
            ConvergenceWarning,
            stacklevel=4,
        )
    model._set_summary()


def coefficient_frame(index: Sequence[tuple[str, str]], coef: Array, se: Array) -> pd.DataFrame:
    """Build the ``coefficients_`` table: estimate, standard error, Wald z, p-value and 95% interval."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = coef / se
    return pd.DataFrame(
        {
            "coef": coef,
            "se": se,
            "z": z,
            "p_value": 2.0 * stats.norm.sf(np.abs(z)),
            "lower_95": coef - _Z95 * se,
            "upper_95": coef + _Z95 * se,
        },
        index=pd.MultiIndex.from_tuples(list(index), names=["parameter", "covariate"]),
    )


def coefficient_rows(model: _PurchaseModel) -> pd.DataFrame | None:
    """Return the coefficients as rows of ``summary_`` (``"alpha[channel_web]"``), or None."""
    if not has_covariates(model):
        return None
    table = model.coefficients_
    rows = pd.DataFrame(
        {
            "coef": table["coef"].to_numpy(),
            "se": table["se"].to_numpy(),
            "lower_95": table["lower_95"].to_numpy(),
            "upper_95": table["upper_95"].to_numpy(),
            "boundary": "interior",
        },
        index=pd.Index([f"{p}[{c}]" for p, c in table.index], name="parameter"),
    )
    return rows


# ---------------------------------------------------------------------------- JSON


def to_document(model: _PurchaseModel) -> dict[str, Any]:
    """Return the covariate part of ``to_dict`` ({} without covariates)."""
    if not has_covariates(model):
        return {}
    table = model.coefficients_
    return {
        "covariates": {
            "coefficients": [
                {
                    "parameter": p,
                    "covariate": c,
                    "coef": float(row["coef"]),
                    "se": float(row["se"]) if np.isfinite(row["se"]) else None,
                }
                for (p, c), row in table.iterrows()
            ],
            "lr_test": {k: float(v) for k, v in model.lr_test_.items()},
        }
    }


def from_document(model: _PurchaseModel, data: Mapping[str, Any]) -> None:
    """Restore (and check) the covariate part of a ``to_dict`` document."""
    part = data.get("covariates")
    expected = [(name, c) for name, _, names in _links(model) for c in names]
    if part is None:
        if expected:
            raise fail(
                "argument 'data'",
                "covariate hyper-parameters but no coefficients",
                "a 'covariates' entry with one coefficient per (parameter, covariate)",
            )
        return
    rows = part.get("coefficients") if isinstance(part, Mapping) else None
    if not isinstance(rows, list):
        raise fail("argument 'data'", "a malformed 'covariates' entry", "its coefficients list")
    found = [(row.get("parameter"), row.get("covariate")) for row in rows]
    if found != expected:
        raise fail(
            "argument 'data'",
            f"coefficients for {found}",
            f"exactly {expected} (the model's covariate hyper-parameters)",
        )
    coef = np.array(
        [
            check_number(row["coef"], f"coefficient {p}[{c}]")
            for row, (p, c) in zip(rows, found, strict=True)
        ]
    )
    se = np.array(
        [
            np.nan if row.get("se") is None else check_number(row["se"], f"se of {p}[{c}]", low=0.0)
            for row, (p, c) in zip(rows, found, strict=True)
        ]
    )
    model.coefficients_ = coefficient_frame(expected, coef, se)
    lr = part.get("lr_test") or {}
    keys = ("statistic", "dof", "p_value", "log_likelihood_without_covariates")
    if set(lr) != set(keys):
        raise fail("argument 'data'", f"lr_test keys {sorted(lr)}", f"the keys {list(keys)}")
    model.lr_test_ = {
        "statistic": check_number(lr["statistic"], "lr_test statistic", low=0.0),
        "dof": int(check_number(lr["dof"], "lr_test dof", low=1, integer=True)),
        "p_value": check_number(lr["p_value"], "lr_test p_value", low=0.0, high=1.0),
        "log_likelihood_without_covariates": check_number(
            lr["log_likelihood_without_covariates"], "lr_test log_likelihood_without_covariates"
        ),
    }
