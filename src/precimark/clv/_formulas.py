"""Closed-form BTYD and Gamma-Gamma formulas, vectorised over rows of sufficient statistics.

Log-likelihoods come with analytic gradients (for the ``native`` engine); every formula is
cross-checked against lifetimes in the tests. Notation follows the papers: ``x`` repeat
purchases, ``tx`` recency, ``T`` age, ``t`` a future horizon, ``m`` mean repeat spend.

References
----------
Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2).
Batislam, Denizel & Filiztekin (2007), MBG/NBD, IJRM 24(3); Wagner & Hoppe (2008).
Fader & Hardie (2013), "The Gamma-Gamma model of monetary value" (note).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.special import (
    betainc,
    betaincinv,
    betaln,
    digamma,
    gammaincinv,
    gammaln,
    hyp2f1,
    hyperu,
    logsumexp,
    roots_jacobi,
)

__all__ = [
    "BGRows",
    "Factor",
    "GGRows",
    "bg_rows",
    "bgnbd_discounted_expected",
    "factor",
    "gg_rows",
    "bgnbd_conditional_expected",
    "bgnbd_expected_new",
    "bgnbd_loglik",
    "bgnbd_pmf",
    "bgnbd_probability_alive",
    "gg_expected_spend",
    "gg_loglik",
]

Array = npt.NDArray[np.float64]
ScalarOrArray = Array | float  # broadcast against the rows


class Factor(NamedTuple):
    """A column as its distinct values plus, per row, the position of the row's value."""

    values: Array
    codes: npt.NDArray[np.intp]


def factor(column: Array) -> Factor:
    """Factor a column (special functions are then evaluated once per distinct value)."""
    values, index = np.unique(column, return_inverse=True)
    return Factor(values, index.reshape(-1))


class BGRows(NamedTuple):
    """BG/NBD data prepared for repeated likelihood evaluation (see :func:`bg_rows`)."""

    x: Array
    f_frequency: Factor
    f_recency: Factor
    f_age: Factor


def bg_rows(x: Array, tx: Array, T: Array) -> BGRows:
    """Prepare (frequency, recency, T) rows: x, tx and T take few distinct values each."""
    return BGRows(x, factor(x), factor(tx), factor(T))


def _mix(modified: bool, a: float, b: float, x: Array) -> tuple[Array, npt.NDArray[np.bool_]]:
    """Log-weight of the 'dropped out after the last purchase' branch, and where it exists.

    BG/NBD: ``a / (b + x - 1)`` for x > 0 only; MBG/NBD: ``a / (b + x)`` for every x.
    """
    has = np.ones(x.shape, dtype=bool) if modified else x > 0
    shift = 0.0 if modified else 1.0
    log_mix: Array = np.log(a) - np.log(np.where(has, b + x - shift, 1.0))
    return log_mix, has


def _log_rising(z: float, n: Array) -> Array:
    """``log(Gamma(z + n) / Gamma(z))`` for whole numbers ``n >= 0``, as sums of ``log(z + j)``.

    Exact where ``gammaln(z + n) - gammaln(z)`` cancels (z in the millions on a likelihood
    ridge); ``n`` are the few distinct frequencies.
    """
    steps = np.concatenate([[0.0], np.cumsum(np.log(z + np.arange(int(np.max(n, initial=0)))))])
    out: Array = steps[n.astype(np.intp)]
    return out


def _rising_digamma(z: float, n: Array) -> Array:
    """``digamma(z + n) - digamma(z)`` for whole numbers ``n >= 0``: sums of ``1 / (z + j)``."""
    steps = np.concatenate([[0.0], np.cumsum(1.0 / (z + np.arange(int(np.max(n, initial=0)))))])
    out: Array = steps[n.astype(np.intp)]
    return out


def bgnbd_loglik(
    params: Array, rows: BGRows, *, modified: bool = False, grad: bool = False
) -> tuple[Array, Array | None]:
    """Per-row log-likelihood of BG/NBD (or MBG/NBD), and optionally its gradient rows.

    Returns ``(ll, g)`` where ``g`` has shape ``(n_rows, 4)`` (d/dr, d/dalpha, d/da, d/db) or
    is None. Functions of x, tx or T alone are evaluated once per distinct value. Written so
    that no two large terms cancel when r, alpha or a, b run to infinity together:
    ``r log(alpha / (alpha + T))`` as ``-r log1p(T / alpha)``, gamma and beta function ratios
    as sums of logs.
    """
    r, alpha, a, b = (float(v) for v in params)
    shift = 1.0 if modified else 0.0
    xu, xi = rows.f_frequency
    log_mix_u, has_u = _mix(modified, a, b, xu)
    log_mix_u = np.where(has_u, log_mix_u, -np.inf)  # no 'dropped out' branch at x = 0
    ages, recencies = rows.f_age.values, rows.f_recency.values
    l_t = np.log1p(ages / alpha)[rows.f_age.codes]
    gap = l_t - np.log1p(recencies / alpha)[rows.f_recency.codes]  # >= 0: tx <= T
    rx = r + rows.x
    # tail = logaddexp(-rx l_t, log_mix - rx l_tx) = -rx l_t + logaddexp(0, odds), where
    # odds = log_mix + rx (l_t - l_tx) is the log-odds of the 'dropped out' branch.
    odds = log_mix_u[xi] + rx * gap
    small = np.exp(-np.abs(odds))  # one exponential serves both log(1 + e^odds) and its weight
    soft = np.maximum(odds, 0.0) + np.log1p(small)
    n = xu + shift
    const_u = _log_rising(r, xu) - xu * np.log(alpha) + _log_rising(b, n) - _log_rising(a + b, n)
    ll = const_u[xi] - rx * l_t + soft
    if not grad:
        return ll, None
    # Weight of the 'dropped out' branch, e^odds / (1 + e^odds): exactly 0 at x = 0.
    w2 = np.where(odds > 0.0, 1.0, small) / (1.0 + small)
    rise_ab = _rising_digamma(a + b, n)
    inv_u = np.where(has_u, 1.0 / np.where(has_u, b + xu - 1.0 + shift, 1.0), 0.0)
    d_t = (ages / (alpha * (alpha + ages)))[rows.f_age.codes]
    d_gap = d_t - (recencies / (alpha * (alpha + recencies)))[rows.f_recency.codes]
    g = np.empty((4, rows.x.shape[0]))  # one contiguous row per parameter, returned transposed
    g[0] = _rising_digamma(r, xu)[xi] - l_t + w2 * gap
    g[1] = -(xu / alpha)[xi] + rx * (d_t - w2 * d_gap)
    g[2] = -rise_ab[xi] + w2 / a
    g[3] = (_rising_digamma(b, n) - rise_ab)[xi] - w2 * inv_u[xi]
    return ll, g.T


def bgnbd_probability_alive(
    params: Array, x: Array, tx: Array, T: Array, *, modified: bool = False
) -> Array:
    """P(alive | x, tx, T)."""
    r, alpha, a, b = (float(v) for v in params)
    log_mix, has = _mix(modified, a, b, x)
    log_odds = log_mix + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(has, 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0))), 1.0)


def bgnbd_conditional_expected(
    params: Array, t: Array, x: Array, tx: Array, T: Array, *, modified: bool = False
) -> Array:
    """E[purchases in (T, T + t] | x, tx, T]; ``t`` broadcasts against the rows."""
    r, alpha, a, b = (float(v) for v in params)
    shift = 1.0 if modified else 0.0
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x + shift, a + b + x - 1.0 + shift, z)
    head = (a + b + x - 1.0 + shift) / (a - 1.0)
    body = 1.0 - hyp * ((alpha + T) / (alpha + T + t)) ** (r + x)
    log_mix, has = _mix(modified, a, b, x)
    odds = np.where(has, np.exp(log_mix + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))), 0.0)
    out: Array = head * body / (1.0 + odds)
    return out


def bgnbd_discounted_expected(
    params: Array,
    times: Array,
    discount: Array,
    x: Array,
    tx: Array,
    T: Array,
    *,
    modified: bool = False,
) -> Array:
    """Sum over periods k of ``discount[k] * (E[X(times[k])] - E[X(times[k-1])])`` per row.

    The conditional expectation factorises as ``head(x) * body(x, T, t) / (1 + odds(x, tx, T))``
    where only ``body`` depends on t, and through (x, T) alone: it is evaluated once per
    distinct (x, T) pair and period, then combined with the per-row odds.
    """
    r, alpha, a, b = (float(v) for v in params)
    shift = 1.0 if modified else 0.0
    at_age = pairs(x, T)
    xp, Tp, inverse = at_age.x[:, None], at_age.y[:, None], at_age.codes
    t = np.asarray(times, dtype=np.float64)[None, :]
    hyp = hyp2f1(r + xp, b + xp + shift, a + b + xp - 1.0 + shift, t / (alpha + Tp + t))
    body = 1.0 - hyp * ((alpha + Tp) / (alpha + Tp + t)) ** (r + xp)
    per_pair = np.einsum("ij,j->i", np.diff(body, axis=1, prepend=0.0), discount)
    head = (a + b + x - 1.0 + shift) / (a - 1.0)
    log_mix, has = _mix(modified, a, b, x)
    odds = np.where(has, np.exp(log_mix + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))), 0.0)
    out: Array = head * per_pair[inverse] / (1.0 + odds)
    return out


def bgnbd_expected_new(params: Array, t: Array, *, modified: bool = False) -> Array:
    """E[X(t)] for a customer just acquired (time 0 = first purchase)."""
    r, alpha, a, b = (float(v) for v in params)
    ratio = (alpha / (alpha + t)) ** r
    z = t / (alpha + t)
    if modified:
        out: Array = b / (a - 1.0) * (1.0 - hyp2f1(r, b + 1.0, a + b, z) * ratio)
        return out
    out = (a + b - 1.0) / (a - 1.0) * (1.0 - ratio * hyp2f1(r, b, a + b - 1.0, z))
    return out


def bg_future_pmf(
    r: ScalarOrArray, alpha: ScalarOrArray, a: float, b: ScalarOrArray, n: int, t: ScalarOrArray
) -> Array:
    """P(n purchases in the next ``t``) of a BG/NBD customer alive now; arguments broadcast.

    The customer buys at rate ``lambda ~ Gamma(r, alpha)`` and drops out after each purchase
    with probability ``p ~ Beta(a, b)``: a new BG/NBD customer (Fader, Hardie & Lee 2005,
    eq. 8), or, with the posterior parameters, a known one alive at T. The negative binomial
    tail is the regularised incomplete beta function (``betainc``), never ``1 - cdf``: every
    term is positive.
    """
    q = t / (alpha + t)
    log_nb = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0) - r * np.log1p(t / alpha)
    if n > 0:
        log_nb = log_nb + n * np.log(q)
    out: Array = np.exp(betaln(a, b + n) - betaln(a, b) + log_nb)
    if n > 0:
        out = out + np.exp(betaln(a + 1.0, b + n - 1.0) - betaln(a, b)) * betainc(n, r, q)
    return out


def bgnbd_pmf(params: Array, n: int, t: Array, *, modified: bool = False) -> Array:
    """P(X(t) = n) for a customer just acquired (Fader, Hardie & Lee 2005, eq. 8).

    MBG/NBD: the customer drops out at the first purchase with probability ``a / (a + b)``;
    otherwise a BG/NBD customer with ``p ~ Beta(a, b + 1)`` follows.
    """
    r, alpha, a, b = (float(v) for v in params)
    if not modified:
        return bg_future_pmf(r, alpha, a, b, n, t)
    future = bg_future_pmf(r, alpha, a, b + 1.0, n, t)
    out: Array = b / (a + b) * future + (a / (a + b) if n == 0 else 0.0)
    return out


def _bg_posterior(
    params: Array, x: Array, tx: Array, T: Array, modified: bool
) -> tuple[Array, Array, Array, float, Array]:
    """P(alive at T) and the parameters (r', alpha', a, b') of the purchases after T if alive.

    Given alive at T, ``lambda ~ Gamma(r + x, alpha + T)`` and ``p ~ Beta(a, b + x)``
    (MBG/NBD: ``b + x + 1``, the first purchase survived too); from T on the customer is a
    BG/NBD customer with these parameters (dropout only after purchases).
    """
    r, alpha, a, b = (float(v) for v in params)
    alive = bgnbd_probability_alive(params, x, tx, T, modified=modified)
    return alive, r + x, alpha + T, a, b + x + (1.0 if modified else 0.0)


def bgnbd_conditional_pmf(
    params: Array, n: int, t: float, x: Array, tx: Array, T: Array, *, modified: bool = False
) -> Array:
    """P(n purchases in (T, T + t] | x, tx, T) under BG/NBD (or MBG/NBD).

    ``n = 0`` is ``1 - P(alive) * (1 - (alpha'/(alpha' + t))^r')``: alive customers who buy
    nothing plus the dead.
    """
    alive, r1, alpha1, a, b1 = _bg_posterior(params, x, tx, T, modified)
    if n == 0:
        buys = -np.expm1(-r1 * np.log1p(t / alpha1))
        out: Array = 1.0 - alive * buys
        return out
    out = alive * bg_future_pmf(r1, alpha1, a, b1, n, t)
    return out


def bgnbd_probability_alive_at(
    params: Array, t: float, x: Array, tx: Array, T: Array, *, modified: bool = False
) -> Array:
    """P(alive at T + t | x, tx, T) under BG/NBD (or MBG/NBD).

    Alive at T and no dropout after any purchase in (T, T + t]: given (lambda, p),
    ``exp(-lambda p t)``; averaged over lambda, ``(1 + p t / alpha')^-r'``; averaged over
    ``p ~ Beta(a, b')`` by quadrature (:func:`_beta_nodes`; the closed form
    ``(1 - z)^a 2F1(a + b' - r', a; a + b'; z)`` is NaN in scipy for parameters in the millions).
    """
    alive, r1, alpha1, a, b1 = _bg_posterior(params, x, tx, T, modified)

    def survive(p: Array, r: Array, alpha: Array) -> Array:
        out: Array = np.exp(-r * np.log1p(p * t / alpha))
        return out

    out: Array = alive * _beta_average(survive, a, r1, alpha1, b1)
    return out


_BETA_NODES = 64


def _beta_nodes(a: float, b: float) -> tuple[Array, Array]:
    """Nodes and weights of ``E[f(p)]`` for ``p ~ Beta(a, b)``.

    Gauss-Jacobi (exact for the Beta weight, so endpoint behaviour costs nothing); where its
    nodes or weights overflow (a or b in the thousands or more: fits on the boundary),
    Gauss-Legendre on the quantile scale, ``p = I^-1(u; a, b)``.
    """
    with np.errstate(all="ignore"):
        nodes, weights = roots_jacobi(_BETA_NODES, b - 1.0, a - 1.0)
        weights = weights / weights.sum()
    p = (1.0 + nodes) / 2.0
    if np.all(np.isfinite(p)) and np.all(np.isfinite(weights)) and np.all(weights >= 0):
        return p, weights
    u, w = np.polynomial.legendre.leggauss(_BETA_NODES)
    quantiles: Array = betaincinv(a, b, (1.0 + u) / 2.0)
    return quantiles, w / 2.0


def _beta_average(
    f: Callable[[Array, Array, Array], Array], a: float, r: Array, alpha: Array, b: Array
) -> Array:
    """Per row ``E[f(p, r, alpha)]`` with ``p ~ Beta(a, b)``, once per distinct (r, alpha, b)."""
    rows, inverse = np.unique(np.column_stack([r, alpha, b]), axis=0, return_inverse=True)
    per_row = np.empty(len(rows))
    for b_value in np.unique(rows[:, 2]):
        p, weights = _beta_nodes(a, float(b_value))
        use = rows[:, 2] == b_value
        per_row[use] = f(p[None, :], rows[use, :1], rows[use, 1:2]) @ weights
    out: Array = per_row[inverse.reshape(-1)]
    return out


def bgnbd_dert(
    params: Array, delta: float, x: Array, tx: Array, T: Array, *, modified: bool = False
) -> Array:
    """Discounted expected residual transactions under BG/NBD (or MBG/NBD), per row.

    ``DERT = integral_0^inf exp(-delta t) d/dt E[X(T, T + t) | x, tx, T] dt``. Given alive at
    T with (lambda, p) the purchase rate at T + t is ``lambda exp(-lambda p t)``; its
    discounted integral averaged over lambda is ``r' U(1, 1 - r', delta alpha' / p) / p``
    (``U`` the confluent hypergeometric function), and the average over ``p ~ Beta(a, b')`` is
    a quadrature (:func:`_beta_nodes`). Every term is positive.
    """
    alive, r1, alpha1, a, b1 = _bg_posterior(params, x, tx, T, modified)

    def discounted(p: Array, r: Array, alpha: Array) -> Array:
        out: Array = r * hyperu(1.0, 1.0 - r, delta * alpha / p) / p
        return out

    out: Array = alive * _beta_average(discounted, a, r1, alpha1, b1)
    return out


class GGRows(NamedTuple):
    """Gamma-Gamma data prepared for repeated likelihood evaluation (see :func:`gg_rows`)."""

    x: Array
    xm: Array
    log_m: Array
    f_frequency: Factor


def gg_rows(x: Array, m: Array) -> GGRows:
    """Prepare (frequency, mean spend) rows of repeat customers."""
    return GGRows(x, x * m, np.log(m), factor(x))


def gg_loglik(params: Array, rows: GGRows, *, grad: bool = False) -> tuple[Array, Array | None]:
    """Per-row Gamma-Gamma log-likelihood of mean spend over ``x`` repeat purchases.

    Arranged so that no two large terms cancel when p grows without bound (the limit where
    every customer always spends the same): ``-betaln(px, q)`` for the gamma-function ratio,
    ``-px * log1p(v / (x m))`` for the rest.
    """
    p, q, v = (float(val) for val in params)
    xu, xi = rows.f_frequency
    px = p * rows.x
    shrink = np.log1p(v / rows.xm)
    log_xmv = (np.log(xu)[xi] + rows.log_m) + shrink  # log(x m + v), one logarithm per row
    ll = -betaln(p * xu, q)[xi] + q * np.log(v) - rows.log_m - px * shrink - q * log_xmv
    if not grad:
        return ll, None
    psi_u = digamma(p * xu + q)
    g = np.empty((3, rows.x.shape[0]))  # one contiguous row per parameter, returned transposed
    g[0] = rows.x * ((psi_u - digamma(p * xu))[xi] - shrink)
    g[1] = (psi_u - digamma(q))[xi] + np.log(v) - log_xmv
    g[2] = q / v - (px + q) / (rows.xm + v)
    return ll, g.T


def gg_expected_spend(params: Array, x: Array, m: Array) -> Array:
    """E[mean spend | x, m]: a credibility-weighted mix of ``m`` and the population mean."""
    p, q, v = (float(val) for val in params)
    # p * (v + x * m) / (p * x + q - 1.0), in place: the same operations, two arrays.
    out: Array = x * m
    out += v
    out *= p
    denominator = p * x
    denominator += q
    denominator -= 1.0
    out /= denominator
    return out


_LEGENDRE = np.polynomial.legendre.leggauss(128)


def _pareto_integral(log_integrand: Callable[[Array], Array], alpha: Array, t: Array) -> Array:
    """``log of integral_0^w(t) exp(log_integrand(w)) dw`` with ``w(t) = t / (alpha + t)``.

    Gauss-Legendre quadrature (128 nodes) in log-space of a positive integrand: the result is
    positive whatever the cancellation in the closed form would be.
    """
    nodes, weights = _LEGENDRE
    half = (t / (alpha + t))[..., None] / 2.0
    w = half * (1.0 + nodes)
    out: Array = logsumexp(log_integrand(w), axis=-1, b=half * weights)
    return out


def pareto_future_pmf(
    r: ScalarOrArray, alpha: ScalarOrArray, s: float, beta: ScalarOrArray, n: int, t: ScalarOrArray
) -> Array:
    """P(n purchases in the next ``t``) of a Pareto/NBD customer alive now; arguments broadcast.

    ``lambda ~ Gamma(r, alpha)``, ``mu ~ Gamma(s, beta)``: a new customer, or, with the
    posterior parameters (r + x, alpha + T, s, beta + T), a known one alive at T (Fader &
    Hardie note 028). Alive throughout ``t`` and n purchases, plus dead at some u <= t after n
    purchases: the second term is ``integral_0^t E[mu e^(-mu u)] P(N(u) = n) du``, which with
    ``w = u / (alpha + u)`` is ``s beta^s alpha Gamma(r+n) / (Gamma(r) n!)`` times
    ``integral_0^w(t) w^n (1-w)^(r+s-1) (beta (1-w) + alpha w)^-(s+1) dw``, a positive
    integral computed by quadrature (the hypergeometric closed form is a difference of two
    near-equal numbers at short horizons: tiny negative probabilities). ``n = 0`` is one minus
    the probability of a first purchase before dropout, again a positive integral:
    ``r beta^s integral_0^w(t) (1-w)^(r+s-1) (beta (1-w) + alpha w)^-s dw``.
    """
    r, alpha, beta, t = (
        np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(r, alpha, beta, t)
    )
    if n == 0:
        log_buy = (
            np.log(r)
            + s * np.log(beta)
            + _pareto_integral(
                lambda w: (
                    (r[..., None] + s - 1.0) * np.log1p(-w)
                    - s * np.log(beta[..., None] * (1.0 - w) + alpha[..., None] * w)
                ),
                alpha,
                t,
            )
        )
        out: Array = -np.expm1(log_buy)
        return out
    log_nb = (
        gammaln(r + n)
        - gammaln(r)
        - gammaln(n + 1.0)
        - r * np.log1p(t / alpha)
        + n * np.log(t / (alpha + t))
    )
    alive = log_nb - s * np.log1p(t / beta)
    dead = (
        np.log(s)
        + s * np.log(beta)
        + np.log(alpha)
        + gammaln(r + n)
        - gammaln(r)
        - gammaln(n + 1.0)
        + _pareto_integral(
            lambda w: (
                n * np.log(w)
                + (r[..., None] + s - 1.0) * np.log1p(-w)
                - (s + 1.0) * np.log(beta[..., None] * (1.0 - w) + alpha[..., None] * w)
            ),
            alpha,
            t,
        )
    )
    out = np.exp(np.logaddexp(alive, dead))
    return out


def pareto_pmf(params: Array, n: int, t: Array) -> Array:
    """P(X(t) = n) under Pareto/NBD for a customer just acquired (see :func:`pareto_future_pmf`)."""
    r, alpha, s, beta = (float(v) for v in params)
    return pareto_future_pmf(r, alpha, s, beta, n, np.asarray(t, dtype=np.float64))


def pareto_conditional_pmf(params: Array, n: int, t: float, x: Array, tx: Array, T: Array) -> Array:
    """P(n purchases in (T, T + t] | x, tx, T) under Pareto/NBD (Fader & Hardie note 028)."""
    r, alpha, s, beta = (float(v) for v in params)
    alive = pareto_probability_alive(params, x, tx, T)
    # The future depends on (x, T) only: one quadrature per distinct pair.
    at_age = pairs(x, T)
    xp, Tp = at_age.x, at_age.y
    future = pareto_future_pmf(r + xp, alpha + Tp, s, beta + Tp, n, np.full_like(xp, t))
    future = future[at_age.codes]
    out: Array = 1.0 - alive * (1.0 - future) if n == 0 else alive * future
    return out


def pareto_probability_alive_at(params: Array, t: float, x: Array, tx: Array, T: Array) -> Array:
    """P(alive at T + t | x, tx, T) under Pareto/NBD: ``P(alive at T) ((beta+T)/(beta+T+t))^s``."""
    _, _, s, beta = (float(v) for v in params)
    out: Array = pareto_probability_alive(params, x, tx, T) * np.exp(-s * np.log1p(t / (beta + T)))
    return out


def pareto_dert(params: Array, delta: float, x: Array, tx: Array, T: Array) -> Array:
    """Discounted expected residual transactions under Pareto/NBD (Fader, Hardie & Lee 2005b).

    ``P(alive) (r + x) / (alpha + T) E[1 / (delta + mu)]`` with ``mu ~ Gamma(s, beta + T)``:
    ``(beta + T)^s delta^(s-1) U(s, s; delta (beta + T))``, their eq. 2 written with P(alive).
    """
    r, alpha, s, beta = (float(v) for v in params)
    alive = pareto_probability_alive(params, x, tx, T)
    z = delta * (beta + T)
    with np.errstate(all="ignore"):
        life = np.exp(s * np.log(beta + T) + (s - 1.0) * np.log(delta) + np.log(hyperu(s, s, z)))
    bad = ~np.isfinite(life)
    if bad.any():  # s in the thousands (a fit on the boundary): quadrature on quantiles of mu
        u, w = np.polynomial.legendre.leggauss(_BETA_NODES)
        mu = gammaincinv(s, (1.0 + u) / 2.0)[None, :] / (beta + T[bad])[:, None]
        life[bad] = (1.0 / (delta + mu)) @ (w / 2.0)
    out: Array = alive * (r + x) / (alpha + T) * life
    return out


# ---------------------------------------------------------------------------- Pareto/NBD


class Pairs(NamedTuple):
    """Distinct (x, y) pairs of two aligned columns and, per row, the position of its pair."""

    x: Array
    y: Array
    codes: npt.NDArray[np.intp]


def pairs(x: Array, y: Array) -> Pairs:
    """Factor two aligned columns jointly (functions of (x, y) are then evaluated per pair)."""
    fx, fy = factor(x), factor(y)
    key = fx.codes.astype(np.int64) * len(fy.values) + fy.codes
    unique, codes = np.unique(key, return_inverse=True)
    return Pairs(
        fx.values[unique // len(fy.values)], fy.values[unique % len(fy.values)], codes.reshape(-1)
    )


class ParetoRows(NamedTuple):
    """Pareto/NBD data prepared for repeated likelihood evaluation (see :func:`pareto_rows`)."""

    x: Array
    f_frequency: Factor
    f_age: Factor
    at_recency: Pairs
    at_age: Pairs


def pareto_rows(x: Array, tx: Array, T: Array) -> ParetoRows:
    """Prepare (frequency, recency, T) rows: the hypergeometric terms depend on pairs only."""
    return ParetoRows(x, factor(x), factor(T), pairs(x, tx), pairs(x, T))


_LAGUERRE = np.polynomial.laguerre.laggauss(64)


def _log_hyp2f1_laguerre(k: Array, c: Array, z: Array) -> Array:
    """``log 2F1(k, c; k + 1; z)`` as ``log of integral_0^inf e^-v (1 - z e^(-v/k))^-c dv``.

    Gauss-Laguerre quadrature (64 nodes) of a smooth, bounded integrand: the fallback where
    scipy's ``hyp2f1`` gives no finite answer (k in the thousands, z near 1).
    """
    nodes, weights = _LAGUERRE
    log_h = -c[:, None] * np.log1p(-z[:, None] * np.exp(-nodes[None, :] / k[:, None]))
    out: Array = logsumexp(log_h, axis=1, b=weights[None, :])
    return out


def _log_tail_integral(p: Array, q: float, alpha: float, beta: float, tau: Array) -> Array:
    """``log of (r + s + x) * integral from tau to infinity of (alpha+u)^-p (beta+u)^-q du``.

    The identity ``integral = (M + tau)^-k 2F1(k, c; k + 1; |alpha - beta| / (M + tau)) / k``
    with ``k = p + q - 1``, ``M = max(alpha, beta)`` and ``c`` the exponent of the smaller of
    the two keeps the argument of the hypergeometric function in [0, 1).
    """
    k = p + q - 1.0
    if alpha >= beta:
        big, c = alpha, np.full_like(p, q)
    else:
        big, c = beta, p
    z = abs(alpha - beta) / (big + tau)
    with np.errstate(all="ignore"):
        log_f = np.log(hyp2f1(k, c, k + 1.0, z))
    bad = ~np.isfinite(log_f)
    if bad.any():
        log_f[bad] = _log_hyp2f1_laguerre(k[bad], c[bad], z[bad])
    out: Array = log_f - k * np.log(big + tau)
    return out


def _log_dead(params: Array, rows: ParetoRows) -> Array:
    """Per row: log of (r+s+x) * integral over (tx, T] of (alpha+u)^-(r+x) (beta+u)^-(s+1) du.

    Computed as ``log H(tx) + log(1 - H(T) / H(tx))`` with H the tail integral above: exact
    zero (log = -inf) when tx = T, never the difference of two rounded numbers.
    """
    r, alpha, s, beta = (float(v) for v in params)
    rec, age = rows.at_recency, rows.at_age
    h_rec = _log_tail_integral(r + rec.x, s + 1.0, alpha, beta, rec.y)[rec.codes]
    h_age = _log_tail_integral(r + age.x, s + 1.0, alpha, beta, age.y)[age.codes]
    with np.errstate(divide="ignore"):
        out: Array = h_rec + np.log(-np.expm1(np.minimum(h_age - h_rec, 0.0)))
    return out


def _pareto_dead(params: Array, rows: ParetoRows) -> Array:
    """Per row: the log-term of 'died in (tx, T]' (without the constant)."""
    r, _, s, _ = (float(v) for v in params)
    out: Array = np.log(s) - np.log(r + s + rows.x) + _log_dead(params, rows)
    return out


def _pareto_terms(params: Array, rows: ParetoRows) -> tuple[Array, Array, Array]:
    """Per row: the constant, the 'alive at T' and the 'died in (tx, T]' log-terms."""
    r, alpha, s, beta = (float(v) for v in params)
    xu, xi = rows.f_frequency
    const = (gammaln(r + xu) - gammaln(r))[xi] + r * np.log(alpha) + s * np.log(beta)
    log_at = np.log(alpha + rows.f_age.values)[rows.f_age.codes]
    log_bt = np.log(beta + rows.f_age.values)[rows.f_age.codes]
    alive = -(r + rows.x) * log_at - s * log_bt
    return const, alive, _pareto_dead(params, rows)


def pareto_loglik(
    params: Array, rows: ParetoRows, *, grad: bool = False
) -> tuple[Array, Array | None]:
    """Per-row Pareto/NBD log-likelihood (Fader & Hardie 2005 note 009, eq. 18-20).

    The gradient is analytic except for the derivatives of the hypergeometric 'died' term,
    which are central differences in the log-parameters (relative step 1e-5; error ~1e-10).
    """
    const, alive, dead = _pareto_terms(params, rows)
    tail = np.logaddexp(alive, dead)
    ll = const + tail
    if not grad:
        return ll, None
    r, alpha, s, beta = (float(v) for v in params)
    xu, xi = rows.f_frequency
    w_alive = np.exp(alive - tail)
    w_dead = 1.0 - w_alive
    ages = rows.f_age.values
    g = np.empty((rows.x.shape[0], 4))
    g[:, 0] = (digamma(r + xu) - digamma(r))[xi] + np.log(alpha)
    g[:, 1] = r / alpha
    g[:, 2] = np.log(beta)
    g[:, 3] = s / beta
    d_alive = np.column_stack(
        [
            -np.log(alpha + ages)[rows.f_age.codes],
            -((r + rows.x) / (alpha + ages[rows.f_age.codes])),
            -np.log(beta + ages)[rows.f_age.codes],
            -(s / (beta + ages))[rows.f_age.codes],
        ]
    )
    step = 1e-5
    for j in range(4):
        up, down = params.copy(), params.copy()
        up[j] *= np.exp(step)
        down[j] *= np.exp(-step)
        with np.errstate(invalid="ignore"):
            d_dead = (_pareto_dead(up, rows) - _pareto_dead(down, rows)) / (2 * step * params[j])
        d_dead = np.where(w_dead > 0, d_dead, 0.0)  # tx = T: the term is exactly zero
        g[:, j] += w_alive * d_alive[:, j] + w_dead * d_dead
    return ll, g


def pareto_probability_alive(params: Array, x: Array, tx: Array, T: Array) -> Array:
    """P(alive at T | x, tx, T) under Pareto/NBD: exactly 1 when tx = T."""
    _, alive, dead = _pareto_terms(params, pareto_rows(x, tx, T))
    out: Array = np.minimum(np.exp(alive - np.logaddexp(alive, dead)), 1.0)
    return out


def _log_growth(s: float, base: Array, t: Array) -> Array:
    """``log((1 - (base / (base + t))^(s - 1)) / (s - 1))``, continuous at s = 1."""
    span = np.log1p(t / base)
    if abs(s - 1.0) < 1e-12:
        return np.log(span)
    out: Array = np.log(-np.expm1(-(s - 1.0) * span) / (s - 1.0))
    return out


def pareto_conditional_expected(params: Array, t: Array, x: Array, tx: Array, T: Array) -> Array:
    """E[purchases in (T, T + t] | x, tx, T] under Pareto/NBD; ``t`` broadcasts."""
    r, alpha, s, beta = (float(v) for v in params)
    log_alive = np.log(pareto_probability_alive(params, x, tx, T))
    log_rate = np.log(r + x) + np.log(beta + T) - np.log(alpha + T)
    out: Array = np.exp(log_alive + log_rate + _log_growth(s, beta + T, t))
    return out


def pareto_expected_new(params: Array, t: Array) -> Array:
    """E[X(t)] under Pareto/NBD for a customer just acquired."""
    r, alpha, s, beta = (float(v) for v in params)
    t = np.asarray(t, dtype=np.float64)
    out: Array = r * beta / alpha * np.exp(_log_growth(s, np.full_like(t, beta), t))
    return out


# ---------------------------------------------------------------------------- BG/BB


class BBRows(NamedTuple):
    """BG/BB data: (x, tx, n) rows and the grid of 'dropped out after period tx + i' terms."""

    x: Array
    tx: Array
    n: Array
    i: Array  # shape (1, width): 0 .. max(n - tx) - 1
    live: npt.NDArray[np.bool_]  # shape (rows, width): i < n - tx


def bb_rows(x: Array, tx: Array, n: Array) -> BBRows:
    """Prepare (frequency, recency, opportunities) rows of BG/BB."""
    width = int(np.max(n - tx)) if len(n) else 0
    i = np.arange(max(width, 1), dtype=np.float64)[None, :]
    return BBRows(x, tx, n, i, i < (n - tx)[:, None])


def _bb_terms(params: Array, rows: BBRows) -> tuple[Array, list[Array]]:
    """Log-terms of the BG/BB likelihood: column 0 'alive through n', then one per dropout."""
    a, b, g, d = (float(v) for v in params)
    x, tx, n = rows.x[:, None], rows.tx[:, None], rows.n[:, None]
    m = tx + rows.i
    base = -betaln(a, b) - betaln(g, d)
    alive = betaln(a + x, b + n - x) + betaln(g, d + n) + base
    died = np.where(rows.live, betaln(a + x, b + m - x) + betaln(g + 1.0, d + m) + base, -np.inf)
    terms = np.concatenate([alive, died], axis=1)
    # d/d(a, b, g, d) of each term (psi = digamma)
    psi = digamma
    common = [
        psi(a + b) - psi(a),
        psi(a + b) - psi(b),
        psi(g + d) - psi(g),
        psi(g + d) - psi(d),
    ]
    d_alive = [
        psi(a + x) - psi(a + b + n) + common[0],
        psi(b + n - x) - psi(a + b + n) + common[1],
        psi(g) - psi(g + d + n) + common[2],
        psi(d + n) - psi(g + d + n) + common[3],
    ]
    d_died = [
        psi(a + x) - psi(a + b + m) + common[0],
        psi(b + m - x) - psi(a + b + m) + common[1],
        psi(g + 1.0) - psi(g + d + 1.0 + m) + common[2],
        psi(d + m) - psi(g + d + 1.0 + m) + common[3],
    ]
    derivs = [
        np.concatenate([np.broadcast_to(u, alive.shape), np.broadcast_to(v, rows.live.shape)], 1)
        for u, v in zip(d_alive, d_died, strict=True)
    ]
    return terms, derivs


def bb_loglik(params: Array, rows: BBRows, *, grad: bool = False) -> tuple[Array, Array | None]:
    """Per-row BG/BB log-likelihood (Fader, Hardie & Shang 2010, eq. 5), with its gradient."""
    terms, derivs = _bb_terms(params, rows)
    ll = logsumexp(terms, axis=1)
    if not grad:
        return ll, None
    weights = np.exp(terms - ll[:, None])
    g = np.column_stack([np.einsum("ij,ij->i", weights, d) for d in derivs])
    return ll, g


def bb_probability_alive(params: Array, m: float, x: Array, tx: Array, n: Array) -> Array:
    """P(alive at opportunity n + m | x, tx, n) under BG/BB."""
    a, b, g, d = (float(v) for v in params)
    ll, _ = bb_loglik(params, bb_rows(x, tx, n))
    log_num = betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n + m) - betaln(g, d)
    out: Array = np.minimum(np.exp(log_num - ll), 1.0)  # a ratio of terms <= 1: rounding only
    return out


def bb_conditional_expected(params: Array, m: float, x: Array, tx: Array, n: Array) -> Array:
    """E[transactions in opportunities n+1 .. n+m | x, tx, n] (Fader, Hardie & Shang, eq. 13)."""
    a, b, g, d = (float(v) for v in params)
    ll, _ = bb_loglik(params, bb_rows(x, tx, n))
    log_head = betaln(a + x + 1.0, b + n - x) - betaln(a, b) + gammaln(g + d) - gammaln(1.0 + d)
    far = gammaln(1.0 + d + n + m) - gammaln(g + d + n + m)
    near = gammaln(1.0 + d + n) - gammaln(g + d + n)
    # d / (g - 1) and 1 - exp(far - near) change sign together at g = 1
    out: Array = np.exp(log_head - ll + near) * (d / (g - 1.0)) * -np.expm1(far - near)
    return out
