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

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, gammaln, hyp2f1

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


def bgnbd_loglik(
    params: Array, rows: BGRows, *, modified: bool = False, grad: bool = False
) -> tuple[Array, Array | None]:
    """Per-row log-likelihood of BG/NBD (or MBG/NBD), and optionally its gradient rows.

    Returns ``(ll, g)`` where ``g`` has shape ``(n_rows, 4)`` (d/dr, d/dalpha, d/da, d/db) or
    is None. Functions of x, tx or T alone are evaluated once per distinct value.
    """
    r, alpha, a, b = (float(v) for v in params)
    shift = 1.0 if modified else 0.0
    xu, xi = rows.f_frequency
    log_mix_u, has_u = _mix(modified, a, b, xu)
    has = has_u[xi]
    log_at = np.log(alpha + rows.f_age.values)[rows.f_age.codes]
    log_atx = np.log(alpha + rows.f_recency.values)[rows.f_recency.codes]
    rx = r + rows.x
    a1 = -rx * log_at
    a2 = np.where(has, log_mix_u[xi] - rx * log_atx, -np.inf)
    tail = np.logaddexp(a1, a2)
    const_u = (
        gammaln(r + xu) - gammaln(r) + r * np.log(alpha) + betaln(a, b + xu + shift) - betaln(a, b)
    )
    ll = const_u[xi] + tail
    if not grad:
        return ll, None
    w1 = np.exp(a1 - tail)
    w2 = np.where(has, 1.0 - w1, 0.0)
    psi_abx = digamma(a + b + xu + shift)
    inv_u = np.where(has_u, 1.0 / np.where(has_u, b + xu - 1.0 + shift, 1.0), 0.0)
    inv_at = (1.0 / (alpha + rows.f_age.values))[rows.f_age.codes]
    inv_atx = (1.0 / (alpha + rows.f_recency.values))[rows.f_recency.codes]
    g = np.empty((rows.x.shape[0], 4))
    g[:, 0] = (digamma(r + xu) - digamma(r) + np.log(alpha))[xi] - w1 * log_at - w2 * log_atx
    g[:, 1] = r / alpha - rx * (w1 * inv_at + w2 * inv_atx)
    g[:, 2] = (digamma(a + b) - psi_abx)[xi] + w2 / a
    g[:, 3] = (digamma(b + xu + shift) - psi_abx - digamma(b) + digamma(a + b))[xi] - w2 * inv_u[xi]
    return ll, g


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
    pairs, inverse = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
    xp, Tp = pairs[:, :1], pairs[:, 1:]
    t = np.asarray(times, dtype=np.float64)[None, :]
    hyp = hyp2f1(r + xp, b + xp + shift, a + b + xp - 1.0 + shift, t / (alpha + Tp + t))
    body = 1.0 - hyp * ((alpha + Tp) / (alpha + Tp + t)) ** (r + xp)
    per_pair = np.einsum("ij,j->i", np.diff(body, axis=1, prepend=0.0), discount)
    head = (a + b + x - 1.0 + shift) / (a - 1.0)
    log_mix, has = _mix(modified, a, b, x)
    odds = np.where(has, np.exp(log_mix + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))), 0.0)
    out: Array = head * per_pair[inverse.reshape(-1)] / (1.0 + odds)
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


def bgnbd_pmf(params: Array, n: int, t: Array, *, modified: bool = False) -> Array:
    """P(X(t) = n) for a customer just acquired (Fader, Hardie & Lee 2005, eq. 8)."""
    r, alpha, a, b = (float(v) for v in params)
    shift = 1.0 if modified else 0.0
    log_p = np.log(alpha / (alpha + t))
    log_q = np.log(t / (alpha + t)) if n > 0 else np.zeros_like(t)
    log_nb = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0) + r * log_p + n * log_q
    first = np.exp(betaln(a, b + n + shift) - betaln(a, b) + log_nb)
    if n == 0 and not modified:
        out: Array = first
        return out
    j = np.arange(n, dtype=np.float64)
    terms = np.exp(
        gammaln(r + j)
        - gammaln(r)
        - gammaln(j + 1.0)
        + np.multiply.outer(np.log(t / (alpha + t)), j)
    )
    cdf = np.exp(r * log_p) * terms.sum(axis=-1)
    second = np.exp(betaln(a + 1.0, b + n - 1.0 + shift) - betaln(a, b)) * (1.0 - cdf)
    out = first + second
    return out


class GGRows(NamedTuple):
    """Gamma-Gamma data prepared for repeated likelihood evaluation (see :func:`gg_rows`)."""

    x: Array
    xm: Array
    log_m: Array
    log_x: Array
    f_frequency: Factor


def gg_rows(x: Array, m: Array) -> GGRows:
    """Prepare (frequency, mean spend) rows of repeat customers."""
    return GGRows(x, x * m, np.log(m), np.log(x), factor(x))


def gg_loglik(params: Array, rows: GGRows, *, grad: bool = False) -> tuple[Array, Array | None]:
    """Per-row Gamma-Gamma log-likelihood of mean spend over ``x`` repeat purchases."""
    p, q, v = (float(val) for val in params)
    xu, xi = rows.f_frequency
    px = p * rows.x
    log_xmv = np.log(rows.xm + v)
    const_u = gammaln(p * xu + q) - gammaln(p * xu) - gammaln(q) + q * np.log(v)
    ll = const_u[xi] + (px - 1.0) * rows.log_m + px * rows.log_x - (px + q) * log_xmv
    if not grad:
        return ll, None
    psi_u = digamma(p * xu + q)
    g = np.empty((rows.x.shape[0], 3))
    g[:, 0] = rows.x * ((psi_u - digamma(p * xu))[xi] + rows.log_m + rows.log_x - log_xmv)
    g[:, 1] = (psi_u - digamma(q))[xi] + np.log(v) - log_xmv
    g[:, 2] = q / v - (px + q) / (rows.xm + v)
    return ll, g


def gg_expected_spend(params: Array, x: Array, m: Array) -> Array:
    """E[mean spend | x, m]: a credibility-weighted mix of ``m`` and the population mean."""
    p, q, v = (float(val) for val in params)
    out: Array = p * (v + x * m) / (p * x + q - 1.0)
    return out


def pareto_pmf(params: Array, n: int, t: Array) -> Array:
    """P(X(t) = n) under Pareto/NBD for a customer just acquired.

    Fader & Hardie (2005), "Deriving an expression for P(X(t) = x) under the Pareto/NBD
    model" (note 012), with the hypergeometric terms arranged for whichever of alpha, beta is
    larger so that the argument stays in [0, 1).
    """
    r, alpha, s, beta = (float(v) for v in params)
    t = np.asarray(t, dtype=np.float64)
    log_first = (
        gammaln(r + n)
        - gammaln(r)
        - gammaln(n + 1.0)
        + r * np.log(alpha / (alpha + t))
        + n * np.log(t / (alpha + t))
        + s * np.log(beta / (beta + t))
    )
    if alpha >= beta:
        big, c = alpha, s + 1.0
    else:
        big, c = beta, r + n
    gap = abs(alpha - beta)
    head = r * np.log(alpha) + s * np.log(beta) + betaln(r + n, s + 1.0) - betaln(r, s)
    b1 = np.exp(head - (r + s) * np.log(big)) * hyp2f1(r + s, c, r + s + n + 1.0, gap / big)
    j = np.arange(n + 1, dtype=np.float64)
    log_big_t = np.log(big + t)[..., None]
    log_terms = (
        head
        + gammaln(r + s + j)
        - gammaln(r + s)
        - gammaln(j + 1.0)
        + j * np.log(t)[..., None]
        - (r + s + j) * log_big_t
    )
    b2 = (
        np.exp(log_terms) * hyp2f1(r + s + j, c, r + s + n + 1.0, gap / (big + t)[..., None])
    ).sum(axis=-1)
    out: Array = np.exp(log_first) + (b1 - b2)
    return out
