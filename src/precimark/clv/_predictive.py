"""Simulated futures of known customers: predictive intervals for purchases and value (private).

A predictive interval covers what will be *observed* (a customer's purchases or spend over the
next periods), not only the model's expectation of it. Each draw takes one set of parameters
from the normal approximation of the fit (:func:`draw_params`) and then simulates every
customer's future under the model given their history (frequency, recency, T):

- alive at T with the model's P(alive | history);
- if alive, the purchase rate from its posterior ``Gamma(r + x, alpha + T)`` and the dropout
  process from its posterior: BG/NBD a dropout probability ``Beta(a, b + x)`` (MBG/NBD
  ``Beta(a, b + x + 1)``) after each purchase; Pareto/NBD a dropout rate ``Gamma(s, beta + T)``
  and an exponential remaining lifetime (memoryless);
- purchases per discount period from the Poisson process until dropout;
- spend (Gamma-Gamma): the customer's ``nu`` from its posterior ``Gamma(q + p x, v + x m)``,
  and ``k`` purchases cost ``Gamma(k p, nu)`` (a sum of ``k`` per-purchase ``Gamma(p, nu)``).

Given alive, the likelihood of (frequency, recency, T) factorises into a rate part and a dropout
part, so the posteriors above are exact (Fader, Hardie & Lee 2005, section 3; Schmittlein,
Morrison & Colombo 1987). Customers are processed in chunks so that memory stays bounded.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from precimark._validation import check_number, fail
from precimark.clv._base import _Model, _PurchaseModel
from precimark.clv.models import BetaGeoModel, GammaGammaModel, ParetoNBDModel

Array: TypeAlias = npt.NDArray[np.float64]

INTERVAL_KINDS = ("expectation", "predictive")
_CELLS = 2_000_000  # draws x customers simulated at once (a few arrays of this many floats)
_PER_TAIL = 5  # a predictive bound needs at least this many draws beyond it


def draw_params(model: _Model, n: int, rng: np.random.Generator) -> Array:
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


def check_predictive_draws(n_draws: object, confidence: float) -> int:
    """Return ``n_draws`` if it leaves at least five draws beyond each bound of the interval."""
    draws = int(check_number(n_draws, "n_draws", low=20, integer=True))
    needed = int(np.ceil(_PER_TAIL / ((1.0 - confidence) / 2.0) - 1e-9))
    if draws < needed:
        raise fail(
            "argument 'n_draws'",
            f"{draws} for a {confidence:g} predictive interval ({draws * (1 - confidence) / 2:.3g}"
            " draws beyond each bound)",
            f"at least {needed} ({_PER_TAIL} draws beyond each bound)",
            f"Pass n_draws={needed} or more, or a lower confidence.",
        )
    return draws


def check_simulable(purchase_model: object, spend_model: object | None = None) -> None:
    """Refuse models whose futures this module cannot simulate."""
    if not isinstance(purchase_model, BetaGeoModel | ParetoNBDModel):
        raise fail(
            "argument 'purchase_model'",
            f"a {type(purchase_model).__name__} for interval_kind='predictive'",
            "a BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel",
        )
    if spend_model is not None and not isinstance(spend_model, GammaGammaModel):
        raise fail(
            "argument 'spend_model'",
            f"a {type(spend_model).__name__} for interval_kind='predictive'",
            "a GammaGammaModel (its posterior spend distribution is simulated)",
        )


def with_params(model: _PurchaseModel, vector: Array) -> _PurchaseModel:
    """Return a copy of a fitted purchase model with other parameters (one bootstrap draw)."""
    clone = copy.copy(model)  # shallow: the fitted arrays are shared, never written
    clone.params_ = dict(zip(model._param_names, (float(v) for v in vector), strict=True))
    return clone


def simulate(
    purchase_model: _PurchaseModel,
    spend_model: GammaGammaModel | None,
    rows: tuple[Array, Array, Array, Array],
    *,
    step: float,
    discount: Array,
    n_draws: int,
    rng: np.random.Generator,
) -> Iterator[tuple[slice, Array]]:
    """Yield (customer slice, simulated values of shape (n_draws, chunk)) chunk by chunk.

    ``rows`` are frequency, recency, T and mean spend per customer (the spend is read only with
    a ``spend_model``). A value is the discounted sum over ``len(discount)`` periods of length
    ``step`` of the purchases (without ``spend_model``) or of their spend. Draw ``i`` uses the
    same parameters for every customer, so sums over customers keep the correlation that
    shared parameters induce.
    """
    x, tx, t_age, spend = rows
    purchase_draws = draw_params(purchase_model, n_draws, rng)
    spend_draws = None if spend_model is None else draw_params(spend_model, n_draws, rng)
    models = [with_params(purchase_model, v) for v in purchase_draws]
    chunk = max(1, _CELLS // n_draws)
    pareto = isinstance(purchase_model, ParetoNBDModel)
    shift = 1.0 if getattr(purchase_model, "_modified", False) else 0.0
    for start in range(0, len(x), chunk):
        part = slice(start, min(start + chunk, len(x)))
        xc, txc, tc = x[part], tx[part], t_age[part]
        with np.errstate(all="ignore"):
            alive_probability = np.stack([m._probability_alive(xc, txc, tc) for m in models])
        alive = rng.random(alive_probability.shape) < alive_probability
        r, alpha, c, d = (purchase_draws[:, j, None] for j in range(4))
        rate = rng.gamma(r + xc) / (alpha + tc)
        first = np.broadcast_to(c, rate.shape)
        if pareto:  # c, d = s, beta: remaining lifetime ~ Exp(mu), mu ~ Gamma(s, beta + T)
            lifetime = rng.exponential(1.0, rate.shape) / (rng.gamma(first) / (d + tc))
            purchases_left = None
        else:  # c, d = a, b: purchases until dropout ~ Geometric(p), p ~ Beta(a, b + x (+1))
            lifetime = None
            dropout = rng.beta(first, d + xc + shift)
            purchases_left = rng.geometric(np.clip(dropout, 1e-300, 1.0))
        if spend_draws is not None:
            p, q, v = (spend_draws[:, j, None] for j in range(3))
            nu = rng.gamma(q + p * xc) / (v + xc * spend[part])
        value = np.zeros(rate.shape)
        made = np.zeros(rate.shape, dtype=np.int64)
        for k, weight in enumerate(discount):
            if lifetime is None:
                assert purchases_left is not None
                counts = np.minimum(rng.poisson(rate * step), purchases_left - made)
            else:
                exposure = np.clip(lifetime - k * step, 0.0, step)
                counts = rng.poisson(rate * exposure)
            counts = np.where(alive, counts, 0)
            made += counts
            if spend_draws is None:
                value += weight * counts
            else:
                value += weight * rng.gamma(p * counts) / nu
        yield part, value


def bounds(samples: Array, confidence: float) -> tuple[Array, Array]:
    """Per-column predictive bounds from simulated values, honest at the atom at zero.

    Equal-tailed quantiles, except where the share of zeros (no purchase at all) reaches the
    lower tail: there the lower bound is 0 and the upper one the ``confidence`` quantile, so the
    interval covers ``confidence`` instead of ``confidence`` plus the lower tail. Quantiles are
    simulated values (``inverted_cdf``), so count bounds are whole numbers.
    """
    tail = (1.0 - confidence) / 2.0
    lower, upper, upper_from_zero = np.quantile(
        samples, [tail, 1.0 - tail, confidence], axis=0, method="inverted_cdf"
    )
    at_zero = np.mean(samples <= 0.0, axis=0) >= tail
    return np.where(at_zero, 0.0, lower), np.where(at_zero, upper_from_zero, upper)
