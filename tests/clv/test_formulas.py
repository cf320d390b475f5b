"""Native likelihoods, gradients and predictions against lifetimes at fixed parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.clv import _formulas, _lifetimes

POINTS = {
    "BetaGeo": np.array([0.243, 4.414, 0.793, 2.426]),
    "ModifiedBetaGeo": np.array([0.525, 6.183, 0.891, 1.614]),
}


def _central_gradient(f, p: np.ndarray, rel: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.empty_like(p)
    for i in range(len(p)):
        h = np.zeros_like(p)
        h[i] = rel * p[i]
        out[i] = (f(p + h) - f(p - h)) / (2 * h[i])
    return out


def _data(rfm: pd.DataFrame) -> list[np.ndarray]:
    return [rfm[c].to_numpy(np.float64) for c in ("frequency", "recency", "T")]


@pytest.mark.parametrize("key", ["BetaGeo", "ModifiedBetaGeo"])
def test_bgnbd_loglik_equals_lifetimes(cdnow_rfm_weeks: pd.DataFrame, key: str) -> None:
    x, tx, T = _data(cdnow_rfm_weeks)
    params = POINTS[key]
    ours, _ = _formulas.bgnbd_loglik(
        params, _formulas.bg_rows(x, tx, T), modified=key == "ModifiedBetaGeo"
    )
    cls = _lifetimes.fitter_class(key)
    weights = np.ones_like(x)
    with _lifetimes.quiet():
        nll = cls._negative_log_likelihood(np.log(params), x, tx, T, weights, 0.0)
    assert ours.sum() == pytest.approx(-nll * len(x), rel=1e-12)


def test_gamma_gamma_loglik_equals_lifetimes(cdnow_rfm_weeks: pd.DataFrame) -> None:
    repeat = cdnow_rfm_weeks[cdnow_rfm_weeks["frequency"] > 0]
    x, m = repeat["frequency"].to_numpy(np.float64), repeat["monetary_value"].to_numpy()
    params = np.array([6.25, 3.74, 15.44])
    ours, _ = _formulas.gg_loglik(params, _formulas.gg_rows(x, m))
    cls = _lifetimes.fitter_class("GammaGamma")
    with _lifetimes.quiet():
        nll = cls._negative_log_likelihood(np.log(params), x, m, np.ones_like(x), 0.0)
    assert ours.sum() == pytest.approx(-nll * len(x), rel=1e-12)


@pytest.mark.parametrize("modified", [False, True])
def test_bgnbd_gradient_matches_finite_differences(
    cdnow_rfm_weeks: pd.DataFrame, modified: bool
) -> None:
    x, tx, T = _data(cdnow_rfm_weeks)
    params = np.array([0.4, 5.0, 0.9, 2.0])
    rows = _formulas.bg_rows(x, tx, T)
    _, grad = _formulas.bgnbd_loglik(params, rows, modified=modified, grad=True)
    assert grad is not None

    def total(p: np.ndarray) -> float:
        return float(_formulas.bgnbd_loglik(p, rows, modified=modified)[0].sum())

    numeric = _central_gradient(total, params)
    np.testing.assert_allclose(grad.sum(axis=0), numeric, rtol=1e-6)


def test_gamma_gamma_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, 300).astype(float)
    m = rng.gamma(5, 6, 300)
    params = np.array([5.0, 3.0, 12.0])
    rows = _formulas.gg_rows(x, m)
    _, grad = _formulas.gg_loglik(params, rows, grad=True)
    assert grad is not None
    numeric = _central_gradient(lambda p: float(_formulas.gg_loglik(p, rows)[0].sum()), params)
    np.testing.assert_allclose(grad.sum(axis=0), numeric, rtol=1e-6)


def _model(cls: type, params: dict[str, float], unit: str = "W") -> object:
    return cls.from_dict(
        {
            "type": cls.__name__,
            "format_version": 1,
            "hyper_parameters": {},
            "params": params,
            "log_likelihood": 0.0,
            "n_customers": 1,
            "covariance": np.eye(len(params)).tolist(),
            "time_unit": unit,
        }
    )


CASES = [
    (pm.BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    (pm.ModifiedBetaGeoModel, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    (pm.ParetoNBDModel, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
]


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_predictions_equal_lifetimes(
    cdnow_rfm_weeks: pd.DataFrame, cls: type, params: dict[str, float]
) -> None:
    model = _model(cls, params)
    fitter = model.to_lifetimes()  # type: ignore[attr-defined]
    x, tx, T = _data(cdnow_rfm_weeks)
    with _lifetimes.quiet():
        expected = fitter.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T)
        alive = fitter.conditional_probability_alive(x, tx, T)
        new = fitter.expected_number_of_purchases_up_to_time(52.0)
    np.testing.assert_allclose(
        model.expected_purchases(cdnow_rfm_weeks, 39).to_numpy(), expected, rtol=1e-6
    )  # type: ignore[attr-defined]
    np.testing.assert_allclose(
        model.probability_alive(cdnow_rfm_weeks).to_numpy(), alive, rtol=1e-6
    )  # type: ignore[attr-defined]
    assert model.expected_purchases_new_customer(52) == pytest.approx(float(new), rel=1e-6)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cls", "params"), CASES[:2])
def test_pmf_equals_lifetimes(cls: type, params: dict[str, float]) -> None:
    model = _model(cls, params)
    fitter = model.to_lifetimes()  # type: ignore[attr-defined]
    for n in range(6):
        with _lifetimes.quiet():
            reference = float(fitter.probability_of_n_purchases_up_to_time(39.0, n))
        assert model.purchase_count_pmf(n, 39) == pytest.approx(reference, rel=1e-6)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "params", [[0.553, 10.578, 0.606, 11.669], [0.553, 10.578, 0.606, 5.0], [2.0, 8.0, 1.5, 30.0]]
)
def test_pareto_pmf_is_a_distribution_with_the_known_mean(params: list[float]) -> None:
    """No lifetimes oracle exists for it: check it sums to 1 and has the closed-form mean."""
    r, alpha, s, beta = params
    t = np.array([5.0, 39.0, 78.0])
    pmf = np.array([_formulas.pareto_pmf(np.array(params), n, t) for n in range(200)])
    assert (pmf > -1e-12).all()
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, atol=1e-6)
    mean = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
    np.testing.assert_allclose((np.arange(200)[:, None] * pmf).sum(axis=0), mean, rtol=1e-4)


def test_gamma_gamma_expected_spend_equals_lifetimes(cdnow_rfm_weeks: pd.DataFrame) -> None:
    model = _model(pm.GammaGammaModel, {"p": 6.25, "q": 3.74, "v": 15.44})
    with _lifetimes.quiet():
        reference = model.to_lifetimes().conditional_expected_average_profit(  # type: ignore[attr-defined]
            cdnow_rfm_weeks["frequency"], cdnow_rfm_weeks["monetary_value"]
        )
    np.testing.assert_allclose(model.expected_spend(cdnow_rfm_weeks), reference, rtol=1e-10)  # type: ignore[attr-defined]
