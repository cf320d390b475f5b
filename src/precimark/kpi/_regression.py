"""Least squares with the covariances the quasi-experiments need (plain, HAC, clustered).

Private: :mod:`precimark.kpi.quasi` is the only user. Each function is checked against
statsmodels in ``tests/kpi/test_quasi_regression.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from precimark._validation import fail

__all__ = ["LeastSquares", "cluster_meat", "fit", "group_sums", "hac_meat", "newey_west_lags"]

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
    gram = x.T @ x
    scale = np.sqrt(np.diag(gram))
    if (scale == 0).any():
        smallest = 0.0
    else:
        smallest = float(np.linalg.eigvalsh(gram / np.outer(scale, scale))[0])
    if smallest < 1e-10:  # the correlation matrix of the terms is (nearly) singular
        raise fail(
            what,
            f"collinear terms among {k} coefficients",
            "terms that the data can tell apart",
            "Drop a seasonal or trend term, or give a longer pre-period.",
        )
    xtx_inv = np.asarray(np.linalg.inv(gram), dtype=np.float64)
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


def group_sums(codes: npt.NDArray[np.intp], n_groups: int, values: FloatArray) -> FloatArray:
    """Column sums of ``values`` per group ``codes`` (0..n_groups-1), as a sparse product."""
    indicator = sparse.csr_matrix(
        (np.ones(codes.size), (codes, np.arange(codes.size))), shape=(n_groups, codes.size)
    )
    result: FloatArray = np.asarray(indicator @ values, dtype=np.float64)
    return result


def cluster_meat(x: FloatArray, resid: FloatArray, groups: npt.NDArray[np.intp]) -> FloatArray:
    """``sum_g (X_g' e_g)(X_g' e_g)'`` over clusters ``groups`` (codes 0..G-1)."""
    sums = group_sums(groups, int(groups.max()) + 1, x * resid[:, None])
    result: FloatArray = sums.T @ sums
    return result
