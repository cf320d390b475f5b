"""Least squares with the covariances the quasi-experiments need (plain, HAC, clustered).

Private: :mod:`precimark.kpi.quasi` is the only user. Each function is checked against
statsmodels in ``tests/kpi/test_quasi_regression.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from precimark._validation import fail

__all__ = ["LeastSquares", "bartlett_long_run", "cluster_meat", "fit", "newey_west_lags"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LeastSquares:
    """An OLS fit: coefficients, residuals, ``(X'X)^-1`` and the residual variance."""

    coef: FloatArray
    resid: FloatArray
    xtx_inv: FloatArray
    sigma2: float
    df_resid: int


def fit(x: FloatArray, y: FloatArray, what: str) -> LeastSquares:
    """Ordinary least squares; refuses a rank-deficient design (naming ``what``)."""
    n, k = x.shape
    if n <= k:
        raise fail(what, f"{n} observations for {k} coefficients", f"more than {k} observations")
    rank = int(np.linalg.matrix_rank(x))
    if rank < k:
        raise fail(
            what,
            f"a design of rank {rank} for {k} coefficients (collinear terms)",
            "terms that the data can tell apart",
            "Drop a seasonal or trend term, or give a longer pre-period.",
        )
    xtx_inv = np.asarray(np.linalg.inv(x.T @ x), dtype=np.float64)
    coef = xtx_inv @ (x.T @ y)
    resid = y - x @ coef
    df_resid = n - k
    return LeastSquares(coef, resid, xtx_inv, float(resid @ resid) / df_resid, df_resid)


def newey_west_lags(n: int) -> int:
    """Return the usual automatic lag length ``floor(4 (n / 100)^(2/9))`` (Newey & West 1994)."""
    return int(np.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


def _bartlett(lags: int) -> FloatArray:
    return 1.0 - np.arange(1, lags + 1) / (lags + 1.0)


def hac_meat(x: FloatArray, resid: FloatArray, lags: int) -> FloatArray:
    """Newey-West ``S = sum_l w_l (Gamma_l + Gamma_l')`` of the scores ``x_t e_t``."""
    scores = x * resid[:, None]
    meat = scores.T @ scores
    for lag, weight in enumerate(_bartlett(lags), start=1):
        gamma = scores[lag:].T @ scores[:-lag]
        meat += weight * (gamma + gamma.T)
    result: FloatArray = meat
    return result


def bartlett_long_run(resid: FloatArray, lags: int) -> float:
    """Long-run variance of the errors, ``sum_l w_l gamma_l`` over lags ``-L..L`` (Bartlett)."""
    n = resid.size
    total = float(resid @ resid) / n
    for lag, weight in enumerate(_bartlett(lags), start=1):
        total += 2.0 * weight * float(resid[lag:] @ resid[:-lag]) / n
    return max(total, 0.0)


def cluster_meat(x: FloatArray, resid: FloatArray, groups: npt.NDArray[np.intp]) -> FloatArray:
    """``sum_g (X_g' e_g)(X_g' e_g)'`` over clusters ``groups`` (codes 0..G-1)."""
    n_groups = int(groups.max()) + 1
    sums = np.zeros((n_groups, x.shape[1]))
    np.add.at(sums, groups, x * resid[:, None])
    result: FloatArray = sums.T @ sums
    return result
