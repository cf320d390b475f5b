"""Discounted expected residual transactions (DERT, issue 16).

Oracles: the defining integral computed by scipy's ``quad`` from the models' closed-form
conditional expectation (``DERT = delta * integral_0^inf exp(-delta t) E[X(T, T + t)] dt``,
by parts), Fader, Hardie & Lee (2005b) eq. 2 assembled by hand with lifetimes' likelihood, and
bounds any discounted purchase count must satisfy, on CDNOW.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import gammaln, hyperu

import precimark as pm
from precimark.clv import _lifetimes
from precimark.exceptions import DataValidationError

CASES = [
    (pm.BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    (pm.ModifiedBetaGeoModel, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    (pm.ParetoNBDModel, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
    (pm.BetaGeoModel, {"r": 1.5, "alpha": 20.0, "a": 2.5, "b": 8.0}),
    (pm.ParetoNBDModel, {"r": 2.0, "alpha": 8.0, "s": 1.5, "beta": 30.0}),
]
IDS = ["BG/NBD", "MBG/NBD", "Pareto/NBD", "BG/NBD a>1", "Pareto/NBD s>1"]
WEEKLY_15 = np.log(1.15) / 52  # Fader, Hardie & Lee (2005b): 15% a year, per week


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


HISTORIES = [
    (0.0, 0.0, 39.0),
    (1.0, 30.0, 39.0),
    (2.0, 10.0, 39.0),
    (5.0, 38.0, 39.0),
    (20.0, 38.5, 39.0),
]


@pytest.mark.parametrize(("cls", "params"), CASES, ids=IDS)
@pytest.mark.parametrize("delta", [WEEKLY_15, 0.05])
def test_dert_equals_the_discounted_integral(
    cls: type, params: dict[str, float], delta: float
) -> None:
    model = _model(cls, params)
    rfm = _frame(HISTORIES)
    ours = model.discounted_expected_transactions(rfm, delta)
    assert ours.name == "discounted_expected_transactions"
    for i, history in enumerate(HISTORIES):
        x, tx, T = (np.array([value]) for value in history)

        def expected(v: float, x: Any = x, tx: Any = tx, T: Any = T) -> float:
            # the closed form behind expected_purchases (tested against lifetimes elsewhere)
            return float(model._conditional_expected(v / delta, x, tx, T)[0])

        reference = quad(
            lambda v: expected(v) * np.exp(-v), 0, np.inf, epsabs=0, epsrel=1e-10, limit=200
        )[0]
        assert float(ours.iloc[i]) == pytest.approx(reference, rel=1e-6)


def test_pareto_dert_is_the_papers_equation_2(cdnow_rfm_weeks: pd.DataFrame) -> None:
    """FHL (2005b) eq. 2 with lifetimes' likelihood L(r, alpha, s, beta | x, tx, T)."""
    params = CASES[2][1]
    model = _model(pm.ParetoNBDModel, params)
    r, alpha, s, beta = (params[k] for k in ("r", "alpha", "s", "beta"))
    x, tx, T = (cdnow_rfm_weeks[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    log_l = _lifetimes.log_likelihood("ParetoNBD", [r, alpha, s, beta], [x, tx, T])
    delta = WEEKLY_15
    by_hand = np.exp(
        r * np.log(alpha)
        + s * np.log(beta)
        + (s - 1) * np.log(delta)
        + gammaln(r + x + 1)
        + np.log(hyperu(s, s, delta * (beta + T)))
        - gammaln(r)
        - (r + x + 1) * np.log(alpha + T)
        - log_l
    )
    ours = model.discounted_expected_transactions(cdnow_rfm_weeks, delta)
    np.testing.assert_allclose(ours.to_numpy(), by_hand, rtol=1e-9)


@pytest.fixture(scope="module")
def fitted(cdnow_rfm_weeks: pd.DataFrame) -> list[Any]:
    return [cls().fit(cdnow_rfm_weeks) for cls in (pm.BetaGeoModel, pm.ParetoNBDModel)]


def test_cdnow_dert_is_bounded_like_any_discounted_count(
    fitted: list[Any], cdnow_rfm_weeks: pd.DataFrame
) -> None:
    rfm = cdnow_rfm_weeks
    for model in fitted:
        dert = model.discounted_expected_transactions(rfm, WEEKLY_15)
        # At least the purchases of the next year, each discounted a full year.
        floor = np.exp(-WEEKLY_15 * 52) * model.expected_purchases(rfm, 52)
        assert (dert >= floor).all()
        # At most the undiscounted purchases of a long horizon plus what follows it, discounted.
        assert (dert <= model.expected_purchases(rfm, 5200) + 1e-9).all()
        # A higher rate discounts more.
        assert (model.discounted_expected_transactions(rfm, 2 * WEEKLY_15) < dert).all()
    # Pareto/NBD: never more than an active customer's rate over delta (alive for ever).
    pareto = fitted[1]
    r, alpha = pareto.params_["r"], pareto.params_["alpha"]
    ceiling = (
        pareto.probability_alive(rfm) * (r + rfm["frequency"]) / (alpha + rfm["T"]) / WEEKLY_15
    )
    assert (pareto.discounted_expected_transactions(rfm, WEEKLY_15) <= ceiling).all()
    # Customer 1 (2 repeats, last at week 30.4 of 38.9): about 6.5 discounted purchases.
    assert float(pareto.discounted_expected_transactions(rfm, WEEKLY_15).iloc[0]) == pytest.approx(
        6.5, abs=0.05
    )


@pytest.mark.parametrize(("cls", "params"), CASES[:3], ids=IDS[:3])
def test_the_rate_is_per_model_time_unit(cls: type, params: dict[str, float]) -> None:
    scaled = {k: v * 7 if k in ("alpha", "beta") else v for k, v in params.items()}
    daily, weekly = _model(cls, scaled, "D"), _model(cls, params)
    days = _frame([(h[0], h[1] * 7, h[2] * 7) for h in HISTORIES], "D")
    np.testing.assert_allclose(
        daily.discounted_expected_transactions(days, WEEKLY_15 / 7).to_numpy(),
        weekly.discounted_expected_transactions(_frame(HISTORIES), WEEKLY_15).to_numpy(),
        rtol=1e-9,
    )


@pytest.mark.parametrize(("cls", "params"), CASES[:3], ids=IDS[:3])
def test_bad_rates_and_units_are_refused(cls: type, params: dict[str, float]) -> None:
    model = _model(cls, params)
    rfm = _frame(HISTORIES)
    for bad in (0.0, -0.01, np.nan, np.inf, True, "10%", None):
        with pytest.raises(DataValidationError, match="argument 'continuous_discount_rate'"):
            model.discounted_expected_transactions(rfm, bad)
    with pytest.raises(DataValidationError, match="argument 'time_unit'"):
        model.discounted_expected_transactions(rfm, 0.01, time_unit="D")
    assert rfm.attrs == {"time_unit": "W"}


def test_pareto_dert_equals_clvtools_printed_value() -> None:
    """CLVTools' README (apparel cohort of 250, 40-week estimation, weekly unit) prints the
    Pareto/NBD fit r 0.7866, alpha 5.3349, s 0.3570, beta 11.6152 and, for the customers
    without repeat purchases (x = 0, T = 40 weeks: ids 1, 122, 1220), PAlive 0.3571791,
    CET (39.85714 weeks) 0.2212506 and DERT 0.05848859; that version's discount factor was 0.1
    per week. Only these printed numbers are used (the data are GPL): the parameters are
    rounded to 4 digits, hence 5e-4."""
    params = {"r": 0.7866, "alpha": 5.3349, "s": 0.3570, "beta": 11.6152}
    model = _model(pm.ParetoNBDModel, params)
    rfm = _frame([(0.0, 0.0, 40.0)])
    assert float(model.probability_alive(rfm).iloc[0]) == pytest.approx(0.3571791, rel=5e-4)
    assert float(model.expected_purchases(rfm, 39.85714).iloc[0]) == pytest.approx(
        0.2212506, rel=5e-4
    )
    assert float(model.discounted_expected_transactions(rfm, 0.1).iloc[0]) == pytest.approx(
        0.05848859, rel=5e-4
    )


def test_fits_on_the_boundary_give_the_limits() -> None:
    """Parameters in the millions (a likelihood supremum on the boundary) have limits to meet:
    b -> infinity is 'never drops out', a Gamma with s, beta -> infinity is a point mass."""
    rfm = _frame(HISTORIES)
    delta = WEEKLY_15
    x, T = rfm["frequency"].to_numpy(), rfm["T"].to_numpy()
    never = _model(pm.BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 1e12})
    alive = never.probability_alive(rfm)
    np.testing.assert_allclose(never.probability_alive(rfm, at=52), alive, rtol=1e-9)
    np.testing.assert_allclose(
        never.discounted_expected_transactions(rfm, delta),
        alive * (0.243 + x) / (4.414 + T) / delta,
        rtol=1e-6,
    )
    fixed = _model(pm.BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 1e8, "b": 9e8})
    assert np.isfinite(fixed.discounted_expected_transactions(rfm, delta)).all()
    assert (fixed.probability_alive(rfm, at=52) < fixed.probability_alive(rfm)).all()
    point = _model(pm.ParetoNBDModel, {"r": 0.55, "alpha": 10.6, "s": 1e6, "beta": 1e7})
    np.testing.assert_allclose(
        point.discounted_expected_transactions(rfm, delta),
        point.probability_alive(rfm) * (0.55 + x) / (10.6 + T) / (delta + 0.1),
        rtol=1e-4,
    )
