"""Conditional purchase-count probabilities and P(alive) at a future date (issue 16).

Oracles: lifetimes where it has the quantity (Pareto/NBD's conditional P(X = n), every model's
P(alive) today), and otherwise a simulation with known parameters: customers drawn from the
prior are weighted by the likelihood of a given history (self-normalised importance sampling
of the exact posterior, no conjugacy used) and their purchases after T are simulated from the
individual-level process (Poisson purchases, coin-flip or exponential dropout).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.clv import _formulas, _lifetimes
from precimark.exceptions import DataValidationError

CASES = [
    (pm.BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    (pm.ModifiedBetaGeoModel, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    (pm.ParetoNBDModel, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
]
IDS = ["BG/NBD", "MBG/NBD", "Pareto/NBD"]


def _model(cls: type, params: dict[str, float], unit: str = "W") -> Any:
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


def _frame(rows: list[tuple[float, float, float]], unit: str = "W") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["frequency", "recency", "T"])
    frame.index = pd.Index(range(1, len(rows) + 1), name="customer_id")
    frame.attrs["time_unit"] = unit
    return frame


def _data(rfm: pd.DataFrame) -> list[np.ndarray]:
    return [rfm[c].to_numpy(np.float64) for c in ("frequency", "recency", "T")]


# ------------------------------------------------------------------------------ lifetimes


def test_pareto_conditional_pmf_equals_lifetimes(cdnow_rfm_weeks: pd.DataFrame) -> None:
    model = _model(*CASES[2])
    fitter = model.to_lifetimes()
    x, tx, T = _data(cdnow_rfm_weeks)
    for n in range(6):
        ours = model.purchase_count_probability(cdnow_rfm_weeks, n, 39).to_numpy()
        with _lifetimes.quiet():
            reference = np.asarray(
                fitter.conditional_probability_of_n_purchases_up_to_time(n, 39.0, x, tx, T)
            )
        np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize(("cls", "params"), CASES, ids=IDS)
def test_alive_today_unchanged_and_equal_to_lifetimes(
    cdnow_rfm_weeks: pd.DataFrame, cls: type, params: dict[str, float]
) -> None:
    model = _model(cls, params)
    x, tx, T = _data(cdnow_rfm_weeks)
    with _lifetimes.quiet():
        reference = np.asarray(model.to_lifetimes().conditional_probability_alive(x, tx, T))
    today = model.probability_alive(cdnow_rfm_weeks)
    np.testing.assert_allclose(today.to_numpy(), reference, rtol=1e-6)
    pd.testing.assert_series_equal(model.probability_alive(cdnow_rfm_weeks, at=0), today)
    pd.testing.assert_series_equal(model.probability_alive(cdnow_rfm_weeks, at="0D"), today)


# ------------------------------------------------------------------------------ consistency


@pytest.mark.parametrize(("cls", "params"), CASES, ids=IDS)
def test_probabilities_are_a_distribution_with_the_expected_mean(
    cdnow_rfm_weeks: pd.DataFrame, cls: type, params: dict[str, float]
) -> None:
    model = _model(cls, params)
    rfm = cdnow_rfm_weeks.iloc[::6]  # 393 customers, from x = 0 to the heaviest buyers
    probabilities = np.column_stack(
        [model.purchase_count_probability(rfm, n, 39).to_numpy() for n in range(201)]
    )
    assert (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-8)
    mean = probabilities @ np.arange(201)
    np.testing.assert_allclose(mean, model.expected_purchases(rfm, 39).to_numpy(), rtol=1e-7)
    none = model.probability_no_purchase(rfm, "273D")
    assert none.name == "probability_no_purchase"
    np.testing.assert_array_equal(none.to_numpy(), probabilities[:, 0])


@pytest.mark.parametrize(("cls", "params"), CASES, ids=IDS)
def test_alive_later_is_at_most_alive_now_and_falls(
    cdnow_rfm_weeks: pd.DataFrame, cls: type, params: dict[str, float]
) -> None:
    model = _model(cls, params)
    curve = np.column_stack(
        [model.probability_alive(cdnow_rfm_weeks, at=t).to_numpy() for t in (0, 1, 13, 52, 520)]
    )
    assert (np.diff(curve, axis=1) <= 1e-15).all()
    assert (curve[:, -1] < curve[:, 0]).all()
    assert (curve >= 0).all()
    # Whoever is alive at T + t made no purchase, or is alive: P(no purchase) >= P(dead at T).
    dead_now = 1.0 - curve[:, 0]
    assert (model.probability_no_purchase(cdnow_rfm_weeks, 13).to_numpy() >= dead_now - 1e-12).all()


def test_pmf_of_new_customers_is_never_negative() -> None:
    """The closed form's difference of two hypergeometric terms went below zero (issue 16)."""
    grid = [
        [0.553, 10.578, 0.606, 11.669],
        [0.553, 10.578, 0.606, 5.0],
        [2.0, 8.0, 1.5, 30.0],
        [0.3, 1.0, 0.5, 100.0],
        [0.3, 100.0, 0.5, 1.0],
    ]
    t = np.array([0.01, 1.0, 5.0, 39.0, 78.0])
    for params in grid:
        model = _model(
            pm.ParetoNBDModel, dict(zip(("r", "alpha", "s", "beta"), params, strict=True))
        )
        pmf = np.array([[model.purchase_count_pmf(n, h) for h in t] for n in range(80)])
        assert (pmf >= 0).all(), params
        assert pmf[:, :2].sum(axis=0) == pytest.approx(1.0, abs=1e-10), params  # short t: no tail
    for cls, params in CASES[:2]:
        model = _model(cls, params)
        pmf = np.array([[model.purchase_count_pmf(n, h) for h in t] for n in range(80)])
        assert (pmf >= 0).all()


def _pareto_pmf_by_quad(params: tuple[float, float, float, float], n: int, t: float) -> float:
    """Alive throughout t with n purchases, plus dead at u <= t after n (scipy quad)."""
    from scipy.integrate import quad
    from scipy.special import gammaln

    r, alpha, s, beta = params

    def log_nb(u: float) -> float:
        return float(
            gammaln(r + n)
            - gammaln(r)
            - gammaln(n + 1)
            + r * np.log(alpha / (alpha + u))
            + n * np.log(u / (alpha + u))
        )

    def dead(u: float) -> float:
        return float(np.exp(np.log(s) + s * np.log(beta) - (s + 1) * np.log(beta + u) + log_nb(u)))

    integral = quad(dead, 0, t, epsabs=0, epsrel=1e-12, limit=200)[0]
    return float(np.exp(log_nb(t)) * (beta / (beta + t)) ** s + integral)


def test_pareto_pmf_equals_its_defining_integral() -> None:
    for params in [(0.553, 10.578, 0.606, 11.669), (0.3, 1.0, 0.5, 100.0)]:
        for t in (0.01, 39.0):
            for n in (0, 1, 5):
                ours = _formulas.pareto_pmf(np.array(params), n, np.array([t]))[0]
                assert ours == pytest.approx(_pareto_pmf_by_quad(params, n, t), rel=1e-8)


# ------------------------------------------------------------------------------ simulation


def _simulate(
    cls: type, params: dict[str, float], history: tuple[float, float, float], t: float, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, counts in (T, T + t] and alive-at-T+t of customers drawn from the prior."""
    rng = np.random.default_rng(20261201)
    x, tx, T = history
    if cls is pm.ParetoNBDModel:
        lam = rng.gamma(params["r"], 1.0 / params["alpha"], size)
        mu = rng.gamma(params["s"], 1.0 / params["beta"], size)
        log_alive = x * np.log(lam) - (lam + mu) * T
        rate = lam + mu
        log_dead = (
            x * np.log(lam) + np.log(mu / rate) - rate * tx + np.log(-np.expm1(-rate * (T - tx)))
        )
        alive = rng.random(size) < 1.0 / (1.0 + np.exp(log_dead - log_alive))
        remaining = rng.exponential(1.0 / mu)
        counts = np.where(alive, rng.poisson(lam * np.minimum(remaining, t)), 0)
        alive_later = alive & (remaining > t)
    else:
        modified = cls is pm.ModifiedBetaGeoModel
        lam = rng.gamma(params["r"], 1.0 / params["alpha"], size)
        p = rng.beta(params["a"], params["b"], size)
        extra = 1.0 if modified else 0.0
        log_alive = (x + extra) * np.log1p(-p) + x * np.log(lam) - lam * T
        if x > 0 or modified:
            log_dead = np.log(p) + (x - 1 + extra) * np.log1p(-p) + x * np.log(lam) - lam * tx
        else:
            log_dead = np.full(size, -np.inf)
        alive = rng.random(size) < 1.0 / (1.0 + np.exp(log_dead - log_alive))
        potential = rng.poisson(lam * t)
        first_dropout = rng.geometric(p)  # the purchase after which the customer drops out
        counts = np.where(alive, np.minimum(potential, first_dropout), 0)
        alive_later = alive & (first_dropout > potential)
    log_weight = np.logaddexp(log_alive, log_dead)
    weights = np.exp(log_weight - log_weight.max())
    return weights / weights.sum(), counts, alive_later


@pytest.mark.parametrize(("cls", "params"), CASES, ids=IDS)
@pytest.mark.parametrize("history", [(0.0, 0.0, 39.0), (2.0, 30.0, 39.0), (3.0, 8.0, 39.0)])
def test_probabilities_match_simulation(
    cls: type, params: dict[str, float], history: tuple[float, float, float]
) -> None:
    """Within 4.5 standard errors of the importance-sampling estimate (a false alarm rate of
    about 1e-5 per comparison); the effective sample size is at least 5,000."""
    t = 26.0
    weights, counts, alive_later = _simulate(cls, params, history, t, 300_000)
    ess = 1.0 / float(np.sum(weights**2))
    assert ess > 5_000
    model = _model(cls, params)
    rfm = _frame([history])

    def check(indicator: np.ndarray, ours: float) -> None:
        estimate = float(weights @ indicator)
        se = float(np.sqrt(np.sum(weights**2 * (indicator - estimate) ** 2)))
        assert abs(ours - estimate) <= 4.5 * se + 1e-4, (ours, estimate, se)

    for n in range(3):
        check(counts == n, float(model.purchase_count_probability(rfm, n, t).iloc[0]))
    check(counts == 0, float(model.probability_no_purchase(rfm, t).iloc[0]))
    check(alive_later, float(model.probability_alive(rfm, at=t).iloc[0]))


# ------------------------------------------------------------------------------ units, bad input


def test_horizons_in_other_units_are_converted(cdnow_rfm_weeks: pd.DataFrame) -> None:
    model = _model(*CASES[0])
    pd.testing.assert_series_equal(
        model.purchase_count_probability(cdnow_rfm_weeks, 1, "91D"),
        model.purchase_count_probability(cdnow_rfm_weeks, 1, 13),
    )
    pd.testing.assert_series_equal(
        model.probability_alive(cdnow_rfm_weeks, at=pd.Timedelta(weeks=4)),
        model.probability_alive(cdnow_rfm_weeks, at=4),
    )
    daily = _model(pm.BetaGeoModel, {**CASES[0][1], "alpha": CASES[0][1]["alpha"] * 7}, "D")
    days = _frame([(2.0, 30.0 * 7, 39.0 * 7)], "D")
    weeks = _frame([(2.0, 30.0, 39.0)])
    assert float(daily.probability_no_purchase(days, 91).iloc[0]) == pytest.approx(
        float(model.probability_no_purchase(weeks, 13).iloc[0]), rel=1e-12
    )


@pytest.mark.parametrize(("cls", "params"), CASES, ids=IDS)
def test_bad_arguments_are_refused_by_name(cls: type, params: dict[str, float]) -> None:
    model = _model(cls, params)
    rfm = _frame([(2.0, 30.0, 39.0), (0.0, 0.0, 20.0)])
    for bad in (-1.0, 0.0, np.nan, np.inf, True, "1M", "W"):
        with pytest.raises(DataValidationError, match="argument 'horizon'"):
            model.probability_no_purchase(rfm, bad)
        with pytest.raises(DataValidationError, match="argument 'horizon'"):
            model.purchase_count_probability(rfm, 1, bad)
    for bad_at in (-1.0, np.nan, np.inf, "1M", True):
        with pytest.raises(DataValidationError, match="argument 'at'"):
            model.probability_alive(rfm, at=bad_at)
    for bad_n in (-1, 2.5, True, "2", None, np.nan):
        with pytest.raises(DataValidationError, match="argument 'n'"):
            model.purchase_count_probability(rfm, bad_n, 13)
    with pytest.raises(DataValidationError, match="argument 'time_unit'"):
        model.probability_no_purchase(rfm.assign(T=rfm["T"]), 13, time_unit="D")
    unitless = rfm.copy()
    unitless.attrs = {}
    with pytest.raises(DataValidationError, match="time unit"):
        model.purchase_count_probability(unitless, 0, 13)
    # Inputs are not mutated.
    assert rfm.attrs == {"time_unit": "W"}
    assert rfm["frequency"].tolist() == [2.0, 0.0]


@pytest.mark.parametrize("cls", [pm.BetaGeoModel, pm.ParetoNBDModel], ids=["BG/NBD", "Pareto/NBD"])
def test_a_json_round_trip_predicts_the_same(cdnow_rfm_weeks: pd.DataFrame, cls: Any) -> None:
    import json

    rfm = cdnow_rfm_weeks.iloc[::25]
    model = cls().fit(cdnow_rfm_weeks)
    loaded = cls.from_dict(json.loads(json.dumps(model.to_dict())))
    for method, args in [
        ("probability_no_purchase", ("90D",)),
        ("purchase_count_probability", (2, 13)),
        ("discounted_expected_transactions", (0.002,)),
    ]:
        pd.testing.assert_series_equal(
            getattr(loaded, method)(rfm, *args), getattr(model, method)(rfm, *args)
        )
    pd.testing.assert_series_equal(
        loaded.probability_alive(rfm, at="30D"), model.probability_alive(rfm, at="30D")
    )


def test_heavy_buyers_stay_finite_and_consistent() -> None:
    """CLVTools' test case for a P(alive) that once gave NaN: 161-254 purchases in 100 weeks."""
    model = _model(pm.ParetoNBDModel, {"r": 0.5143, "alpha": 2.8845, "s": 0.2856, "beta": 14.1087})
    rfm = _frame(
        [
            (221.0, 103.42857, 103.57143),
            (254.0, 97.14286, 97.28571),
            (161.0, 94.71429, 98.0),
            (204.0, 98.57143, 99.42857),
        ]
    )
    probabilities = np.column_stack(
        [model.purchase_count_probability(rfm, n, 4).to_numpy() for n in range(120)]
    )
    assert (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-8)
    np.testing.assert_allclose(
        probabilities @ np.arange(120), model.expected_purchases(rfm, 4).to_numpy(), rtol=1e-7
    )
    later = model.probability_alive(rfm, at=26)
    assert (later < model.probability_alive(rfm)).all()
    assert np.isfinite(model.discounted_expected_transactions(rfm, np.log(1.1) / 52)).all()
