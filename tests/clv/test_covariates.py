"""Time-invariant covariates of BG/NBD, MBG/NBD and Pareto/NBD (issue 16).

Checked against: a by-hand per-customer evaluation of the papers' likelihoods (different code:
Python's math module, and numerical integration for Pareto/NBD's 'died' term), the
no-covariate formulas at zero coefficients, recovery of known coefficients in simulation,
and the size and power of the likelihood-ratio test in a small simulation.
"""

from __future__ import annotations

import json
import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import precimark as pm
from precimark import DataValidationError
from precimark.clv import _covariates, _formulas
from precimark.datasets import make_transactions

EFFECTS = {"alpha": {"x1": 0.5}, "a": {"x2": 0.4}, "b": {"x2": -0.3}}


def _rfm(sim: object, columns: list[str]) -> pd.DataFrame:
    rfm = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end, time_unit="W")  # type: ignore[attr-defined]
    return rfm.assign(**{c: sim.customers[c] for c in columns})  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def bg_data() -> tuple[pd.DataFrame, dict[str, float]]:
    sim = make_transactions(20_000, random_state=11, covariate_effects=EFFECTS)
    truth = {**sim.params, "alpha": sim.params["alpha"] / 7.0}  # per week
    return _rfm(sim, ["x1", "x2"]), truth


@pytest.fixture(scope="module")
def bg_model(bg_data: tuple[pd.DataFrame, dict[str, float]]) -> pm.BetaGeoModel:
    return pm.BetaGeoModel(purchase_covariates=["x1"], dropout_covariates=["x2"]).fit(bg_data[0])


def _simulate_pareto(
    n: int, params: dict[str, float], gamma_alpha: float, gamma_beta: float, seed: int
) -> pd.DataFrame:
    """Pareto/NBD (x, tx, T) rows with known covariate effects (Schmittlein et al. 1987)."""
    rng = np.random.default_rng(seed)
    x1, z1 = rng.standard_normal(n), rng.standard_normal(n)
    alpha = params["alpha"] * np.exp(-gamma_alpha * x1)
    beta = params["beta"] * np.exp(-gamma_beta * z1)
    lam = rng.gamma(params["r"], 1.0 / alpha)
    mu = rng.gamma(params["s"], 1.0 / beta)
    T = rng.uniform(30.0, 78.0, n)
    active = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * active)
    # the last of x uniform purchase times on (0, active)
    tx = np.where(x > 0, active * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    frame = pd.DataFrame(
        {"frequency": x.astype(float), "recency": tx, "T": T, "x1": x1, "z1": z1},
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )
    frame.attrs["time_unit"] = "W"
    return frame


@pytest.fixture(scope="module")
def pareto_data() -> pd.DataFrame:
    return _simulate_pareto(4_000, PARETO_TRUTH, 0.6, -0.5, seed=3)


PARETO_TRUTH = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0}


@pytest.fixture(scope="module")
def pareto_model(pareto_data: pd.DataFrame) -> pm.ParetoNBDModel:
    return pm.ParetoNBDModel(purchase_covariates=["x1"], dropout_covariates=["z1"]).fit(pareto_data)


# ---------------------------------------------------------------------------- by hand


def _bg_by_hand(r: float, alpha: float, a: float, b: float, x: int, tx: float, T: float) -> float:
    """log L of one customer, Fader, Hardie & Lee (2005) eq. 6, written with math."""

    def log_beta(p: float, q: float) -> float:
        return math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)

    head = math.lgamma(r + x) + r * math.log(alpha) - math.lgamma(r)
    first = math.exp(log_beta(a, b + x) - log_beta(a, b) + head - (r + x) * math.log(alpha + T))
    second = 0.0
    if x > 0:
        second = math.exp(
            log_beta(a + 1, b + x - 1) - log_beta(a, b) + head - (r + x) * math.log(alpha + tx)
        )
    return math.log(first + second)


def _pareto_by_hand(
    r: float, alpha: float, s: float, beta: float, x: int, tx: float, T: float
) -> float:
    """log L of one customer (Fader & Hardie 2005 note 009, eq. 9) by numerical integration."""
    head = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) + s * math.log(beta)
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    died, _ = integrate.quad(
        lambda u: s * (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1.0),
        tx,
        T,
        epsabs=0,
        epsrel=1e-12,
    )
    return head + math.log(alive + died)


def test_bg_log_likelihood_equals_a_by_hand_evaluation(
    bg_data: tuple[pd.DataFrame, dict[str, float]], bg_model: pm.BetaGeoModel
) -> None:
    rfm = bg_data[0]
    p, coef = bg_model.params_, bg_model.coefficients_["coef"]
    rows = rfm.iloc[::10]  # 2,000 customers by hand
    hand = []
    for row in rows.itertuples():
        alpha = p["alpha"] * math.exp(-coef[("alpha", "x1")] * row.x1)
        a = p["a"] * math.exp(coef[("a", "x2")] * row.x2)
        b = p["b"] * math.exp(coef[("b", "x2")] * row.x2)
        hand.append(_bg_by_hand(p["r"], alpha, a, b, int(row.frequency), row.recency, row.T))
    columns = [rows[c].to_numpy() for c in ("frequency", "recency", "T")]
    per_row = _covariates.individual(bg_model, [rows["x1"].to_numpy(), rows["x2"].to_numpy()])
    mine, _ = _covariates.bg_loglik(per_row, *columns, modified=False)
    np.testing.assert_allclose(mine, hand, rtol=1e-10)
    # the fitted total is the sum over every customer at the fitted parameters
    full = _covariates.individual(bg_model, [rfm["x1"].to_numpy(), rfm["x2"].to_numpy()])
    ll, _ = _covariates.bg_loglik(
        full, *(rfm[c].to_numpy() for c in ("frequency", "recency", "T")), modified=False
    )
    assert bg_model.log_likelihood_ == pytest.approx(float(ll.sum()), rel=1e-12)


def test_pareto_log_likelihood_equals_a_by_hand_evaluation(
    pareto_data: pd.DataFrame, pareto_model: pm.ParetoNBDModel
) -> None:
    rng = np.random.default_rng(0)
    rows = pareto_data.iloc[rng.choice(len(pareto_data), 60, replace=False)]
    p, coef = pareto_model.params_, pareto_model.coefficients_["coef"]
    alpha = p["alpha"] * np.exp(-coef[("alpha", "x1")] * rows["x1"].to_numpy())
    beta = p["beta"] * np.exp(-coef[("beta", "z1")] * rows["z1"].to_numpy())
    x, tx, T = (rows[c].to_numpy() for c in ("frequency", "recency", "T"))
    mine, _ = _covariates.pareto_loglik(
        {"r": p["r"], "alpha": alpha, "s": p["s"], "beta": beta}, x, tx, T
    )
    hand = [
        _pareto_by_hand(p["r"], alpha[i], p["s"], beta[i], int(x[i]), tx[i], T[i])
        for i in range(len(rows))
    ]
    np.testing.assert_allclose(mine, hand, rtol=1e-9)
    # and the fitted total is the sum of the per-customer terms at the fitted parameters
    full = pareto_data
    pf = _covariates.individual(pareto_model, [full["x1"].to_numpy(), full["z1"].to_numpy()])
    ll, _ = _covariates.pareto_loglik(
        pf, *(full[c].to_numpy() for c in ("frequency", "recency", "T"))
    )
    assert pareto_model.log_likelihood_ == pytest.approx(float(ll.sum()), rel=1e-12)


@pytest.mark.parametrize("modified", [False, True])
def test_zero_coefficients_give_exactly_the_no_covariate_likelihood(
    bg_data: tuple[pd.DataFrame, dict[str, float]], modified: bool
) -> None:
    rfm = bg_data[0].iloc[:3000]
    x, tx, T = (rfm[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    params = np.array([0.3, 5.0, 0.8, 2.5])
    plain, g_plain = _formulas.bgnbd_loglik(
        params, _formulas.bg_rows(x, tx, T), modified=modified, grad=True
    )
    rows = {"r": 0.3, "alpha": np.full(len(x), 5.0), "a": np.full(len(x), 0.8), "b": 2.5}
    mine, g_mine = _covariates.bg_loglik(rows, x, tx, T, modified=modified, grad=True)
    np.testing.assert_allclose(mine, plain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g_mine, g_plain, rtol=1e-9, atol=1e-12)
    pareto = np.array([0.5, 10.0, 0.6, 12.0])
    plain_p, g_plain_p = _formulas.pareto_loglik(pareto, _formulas.pareto_rows(x, tx, T), grad=True)
    mine_p, g_mine_p = _covariates.pareto_loglik(
        {"r": 0.5, "alpha": np.full(len(x), 10.0), "s": 0.6, "beta": np.full(len(x), 12.0)},
        x,
        tx,
        T,
        grad=True,
    )
    np.testing.assert_allclose(mine_p, plain_p, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g_mine_p, g_plain_p, rtol=1e-6, atol=1e-8)


def test_analytic_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(4)
    n = 50
    x = rng.integers(0, 6, n).astype(float)
    T = rng.uniform(10, 40, n)
    tx = np.where(x > 0, T * rng.random(n), 0.0)
    p = {"r": 0.4, "alpha": rng.uniform(2, 8, n), "a": rng.uniform(0.5, 2, n), "b": 2.0}
    _, g = _covariates.bg_loglik(p, x, tx, T, modified=False, grad=True)
    assert g is not None
    for j, name in enumerate(("r", "alpha", "a", "b")):
        up, down = dict(p), dict(p)
        up[name] = p[name] + 1e-6
        down[name] = p[name] - 1e-6
        numeric = (
            _covariates.bg_loglik(up, x, tx, T, modified=False)[0]
            - _covariates.bg_loglik(down, x, tx, T, modified=False)[0]
        ) / 2e-6
        np.testing.assert_allclose(g[:, j], numeric, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------- recovery


def test_bg_recovers_known_coefficients(
    bg_data: tuple[pd.DataFrame, dict[str, float]], bg_model: pm.BetaGeoModel
) -> None:
    table = bg_model.coefficients_
    assert table.index.names == ["parameter", "covariate"]
    assert list(table.index) == [("alpha", "x1"), ("a", "x2"), ("b", "x2")]
    for (parameter, covariate), row in table.iterrows():
        true = EFFECTS[parameter][covariate]
        assert abs(row["coef"] - true) < 3.0 * row["se"], (parameter, row["coef"], row["se"])
        assert 0 < row["se"] < 0.2
    truth = bg_data[1]
    for name, value in bg_model.params_.items():
        se = float(bg_model.summary_.loc[name, "se"])
        assert abs(value - truth[name]) < 3.0 * se, (name, value, truth[name], se)
    # the likelihood-ratio test against the model without covariates rejects clearly
    test = bg_model.lr_test_
    assert test["dof"] == 3
    assert test["p_value"] < 1e-10
    plain = pm.BetaGeoModel().fit(bg_data[0])
    assert test["log_likelihood_without_covariates"] == pytest.approx(plain.log_likelihood_)
    assert test["statistic"] == pytest.approx(
        2 * (bg_model.log_likelihood_ - plain.log_likelihood_)
    )
    # the summary lists the coefficients below the baseline parameters, and k counts them
    assert bg_model.summary_.index.tolist()[4:] == ["alpha[x1]", "a[x2]", "b[x2]"]
    assert bg_model.aic_ == pytest.approx(2 * 7 - 2 * bg_model.log_likelihood_)


def test_pareto_recovers_known_coefficients(pareto_model: pm.ParetoNBDModel) -> None:
    table = pareto_model.coefficients_
    truth = {("alpha", "x1"): 0.6, ("beta", "z1"): -0.5}
    for key, row in table.iterrows():
        assert abs(row["coef"] - truth[key]) < 3.0 * row["se"], (key, row["coef"], row["se"])
    for name, value in pareto_model.params_.items():
        se = float(pareto_model.summary_.loc[name, "se"])
        assert abs(value - PARETO_TRUTH[name]) < 3.0 * se, (name, value, se)
    assert pareto_model.lr_test_["dof"] == 2
    assert pareto_model.lr_test_["p_value"] < 1e-6


def test_lr_test_has_about_nominal_size_and_wald_intervals_cover() -> None:
    """16 null bases of 400 customers with a pure-noise covariate.

    Under the null the p-values are uniform: their mean is 0.5 with standard error
    0.289 / sqrt(16) = 0.072, so it must lie in [0.28, 0.72] (3 standard errors). At most 3 of
    16 rejections at 5% (P(>= 4) = 0.007 under the nominal size), and the 95% Wald interval
    of the null coefficient covers 0 in at least 13 of 16 (P(<= 12) = 0.007 at 95% coverage).
    """
    p_values, covered = [], 0
    for seed in range(16):
        sim = make_transactions(400, random_state=100 + seed, covariate_effects={"a": {"x1": 0.0}})
        rfm = _rfm(sim, ["x1"])
        model = pm.BetaGeoModel(purchase_covariates=["x1"]).fit(rfm)
        p_values.append(model.lr_test_["p_value"])
        row = model.coefficients_.loc[("alpha", "x1")]
        covered += int(row["lower_95"] <= 0.0 <= row["upper_95"])
    assert 0.28 <= float(np.mean(p_values)) <= 0.72
    assert sum(p < 0.05 for p in p_values) <= 3
    assert covered >= 13


# ---------------------------------------------------------------------------- predictions


def test_predictions_use_each_customers_own_parameters(bg_model: pm.BetaGeoModel) -> None:
    rfm = pd.DataFrame(
        {
            "frequency": [2.0, 2.0, 0.0, 5.0],
            "recency": [20.0, 20.0, 0.0, 30.0],
            "T": [40.0, 40.0, 35.0, 38.0],
            "x1": [1.0, -1.0, 0.3, 0.0],
            "x2": [0.0, 0.0, -0.2, 1.5],
        },
        index=pd.Index([7, 8, 9, 10], name="customer_id"),
    )
    rfm.attrs["time_unit"] = "W"
    expected = bg_model.expected_purchases(rfm, 13)
    alive = bg_model.probability_alive(rfm)
    p, coef = bg_model.params_, bg_model.coefficients_["coef"]
    for i, row in enumerate(rfm.itertuples()):
        vector = np.array(
            [
                p["r"],
                p["alpha"] * np.exp(-coef[("alpha", "x1")] * row.x1),
                p["a"] * np.exp(coef[("a", "x2")] * row.x2),
                p["b"] * np.exp(coef[("b", "x2")] * row.x2),
            ]
        )
        one = [np.array([v]) for v in (row.frequency, row.recency, row.T)]
        assert expected.iloc[i] == pytest.approx(
            float(_formulas.bgnbd_conditional_expected(vector, np.asarray(13.0), *one)[0]),
            rel=1e-12,
        )
        assert alive.iloc[i] == pytest.approx(
            float(_formulas.bgnbd_probability_alive(vector, *one)[0]), rel=1e-12
        )
    # the same history buys more with a higher purchase covariate (positive coefficient)
    assert expected.loc[7] > expected.loc[8]
    new = bg_model.expected_purchases_new_customer(13, covariates={"x1": 1.0, "x2": 0.0})
    vector = np.array([p["r"], p["alpha"] * np.exp(-coef[("alpha", "x1")]), p["a"], p["b"]])
    assert new == pytest.approx(float(_formulas.bgnbd_expected_new(vector, np.asarray(13.0))))


def test_pareto_predictions_use_each_customers_own_parameters(
    pareto_model: pm.ParetoNBDModel, pareto_data: pd.DataFrame
) -> None:
    rows = pareto_data.iloc[:5]
    expected = pareto_model.expected_purchases(rows, 10)
    alive = pareto_model.probability_alive(rows)
    p, coef = pareto_model.params_, pareto_model.coefficients_["coef"]
    for i, row in enumerate(rows.itertuples()):
        vector = np.array(
            [
                p["r"],
                p["alpha"] * np.exp(-coef[("alpha", "x1")] * row.x1),
                p["s"],
                p["beta"] * np.exp(-coef[("beta", "z1")] * row.z1),
            ]
        )
        one = [np.array([v]) for v in (row.frequency, row.recency, row.T)]
        assert expected.iloc[i] == pytest.approx(
            float(_formulas.pareto_conditional_expected(vector, np.asarray(10.0), *one)[0]),
            rel=1e-9,
        )
        assert alive.iloc[i] == pytest.approx(
            float(_formulas.pareto_probability_alive(vector, *one)[0]), rel=1e-9
        )
    new = pareto_model.expected_purchases_new_customer(10, covariates={"x1": 0.0, "z1": 1.0})
    vector = np.array([p["r"], p["alpha"], p["s"], p["beta"] * np.exp(-coef[("beta", "z1")])])
    assert new == pytest.approx(float(_formulas.pareto_expected_new(vector, np.asarray(10.0))))


def test_customer_lifetime_value_uses_the_covariates(
    bg_data: tuple[pd.DataFrame, dict[str, float]], bg_model: pm.BetaGeoModel
) -> None:
    rfm = bg_data[0].iloc[:500]
    spend = pm.GammaGammaModel().fit(bg_data[0])
    clv = pm.customer_lifetime_value(
        bg_model, spend, rfm, horizon="84D", discount_period="28D", discount_rate=0.01
    )
    cumulative = np.column_stack(
        [bg_model.expected_purchases(rfm, t).to_numpy() for t in (4.0, 8.0, 12.0)]
    )
    by_period = np.diff(cumulative, axis=1, prepend=0.0) @ (1.01 ** -np.arange(1, 4))
    np.testing.assert_allclose(
        clv.to_numpy(), spend.expected_spend(rfm).to_numpy() * by_period, rtol=1e-10
    )
    with pytest.raises(DataValidationError, match="covariates"):
        pm.customer_lifetime_value(
            bg_model,
            spend,
            rfm,
            horizon="84D",
            discount_period="28D",
            discount_rate=0.01,
            confidence=0.9,
        )


def test_bad_covariate_columns_are_refused_naming_column_count_and_customer(
    bg_model: pm.BetaGeoModel, bg_data: tuple[pd.DataFrame, dict[str, float]]
) -> None:
    rfm = bg_data[0].iloc[:50]
    with pytest.raises(DataValidationError, match="no column 'x2'"):
        bg_model.expected_purchases(rfm.drop(columns="x2"), 10)
    broken = rfm.copy()
    broken.loc[broken.index[[3, 7]], "x1"] = np.nan
    first = rfm.index[3]
    with pytest.raises(
        DataValidationError,
        match=rf"column 'x1': 2 missing or infinite values \(first customer: {first}\)",
    ):
        bg_model.probability_alive(broken)
    broken = rfm.copy()
    broken["x2"] = "web"
    with pytest.raises(DataValidationError, match=r"column 'x2'.*get_dummies"):
        bg_model.expected_purchases(broken, 10)
    with pytest.raises(DataValidationError, match=r"column 'x1'.*first customer"):
        pm.BetaGeoModel(purchase_covariates=["x1"]).fit(
            rfm.assign(x1=np.where(np.arange(50) == 5, np.inf, 0.0))
        )
    with pytest.raises(DataValidationError, match="covariates"):
        bg_model.expected_purchases_new_customer(10)
    with pytest.raises(DataValidationError, match="covariates"):
        bg_model.expected_purchases_new_customer(10, covariates={"x1": 0.0})
    assert rfm.columns.tolist() == ["frequency", "recency", "T", "monetary_value", "x1", "x2"]


def test_bad_hyper_parameters_are_refused(bg_data: tuple[pd.DataFrame, dict[str, float]]) -> None:
    rfm = bg_data[0].iloc[:2000]
    with pytest.raises(DataValidationError, match=r"purchase_covariates.*\['x1'\]"):
        pm.BetaGeoModel(purchase_covariates="x1").fit(rfm)
    with pytest.raises(DataValidationError, match="distinct"):
        pm.BetaGeoModel(dropout_covariates=["x1", "x1"]).fit(rfm)
    with pytest.raises(DataValidationError, match="engine='native'"):
        pm.BetaGeoModel(purchase_covariates=["x1"], engine="lifetimes").fit(rfm)
    with pytest.raises(DataValidationError, match="RFMHistogram"):
        pm.BetaGeoModel(purchase_covariates=["x1"]).fit(pm.clv.RFMHistogram.from_rfm(rfm))
    with pytest.raises(DataValidationError, match="same value for every customer"):
        pm.BetaGeoModel(purchase_covariates=["x1"]).fit(rfm.assign(x1=1.0))


def test_without_covariates_nothing_changes(
    bg_data: tuple[pd.DataFrame, dict[str, float]],
) -> None:
    rfm = bg_data[0].iloc[:3000]
    plain = pm.BetaGeoModel().fit(rfm)
    assert not hasattr(plain, "coefficients_")
    assert "covariates" not in plain.to_dict()
    assert plain.summary_.index.tolist() == ["r", "alpha", "a", "b"]
    # refitting without covariates drops an earlier fit's coefficients
    model = pm.BetaGeoModel(purchase_covariates=["x1"]).fit(rfm)
    model.set_params(purchase_covariates=None).fit(rfm)
    assert not hasattr(model, "coefficients_")
    assert model.params_ == plain.params_
    pd.testing.assert_series_equal(
        model.expected_purchases(rfm, 10), plain.expected_purchases(rfm, 10)
    )


def test_methods_without_covariate_support_refuse(bg_model: pm.BetaGeoModel) -> None:
    with pytest.raises(DataValidationError, match="covariates"):
        bg_model.purchase_count_pmf(1, 10)
    with pytest.raises(DataValidationError, match="covariates"):
        bg_model.to_lifetimes()


def test_modified_bg_with_covariates_fits(
    bg_data: tuple[pd.DataFrame, dict[str, float]],
) -> None:
    rfm = bg_data[0].iloc[:5000]
    model = pm.ModifiedBetaGeoModel(purchase_covariates=["x1"]).fit(rfm)
    assert abs(model.coefficients_.loc[("alpha", "x1"), "coef"] - 0.5) < 4 * float(
        model.coefficients_.loc[("alpha", "x1"), "se"]
    )
    assert model.probability_alive(rfm).between(0, 1).all()


# ---------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("which", ["bg", "pareto"])
def test_json_and_pickle_round_trip(
    which: str,
    bg_model: pm.BetaGeoModel,
    pareto_model: pm.ParetoNBDModel,
    bg_data: tuple[pd.DataFrame, dict[str, float]],
    pareto_data: pd.DataFrame,
) -> None:
    model, rfm = (bg_model, bg_data[0]) if which == "bg" else (pareto_model, pareto_data)
    rfm = rfm.iloc[:200]
    document = json.loads(json.dumps(model.to_dict()))
    loaded = type(model).from_dict(document)
    pd.testing.assert_frame_equal(loaded.coefficients_, model.coefficients_)
    assert loaded.lr_test_ == model.lr_test_
    pd.testing.assert_frame_equal(loaded.summary_, model.summary_)
    pd.testing.assert_series_equal(
        loaded.expected_purchases(rfm, 10), model.expected_purchases(rfm, 10)
    )
    unpickled = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(unpickled.probability_alive(rfm), model.probability_alive(rfm))
    # domain checks on load
    bad = json.loads(json.dumps(document))
    bad["covariates"]["coefficients"][0]["coef"] = None
    with pytest.raises(DataValidationError, match="coefficient"):
        type(model).from_dict(bad)
    bad = json.loads(json.dumps(document))
    bad["covariates"]["coefficients"][0]["covariate"] = "other"
    with pytest.raises(DataValidationError, match="coefficients for"):
        type(model).from_dict(bad)
    bad = json.loads(json.dumps(document))
    del bad["covariates"]
    with pytest.raises(DataValidationError, match="no coefficients"):
        type(model).from_dict(bad)
    bad = json.loads(json.dumps(document))
    bad["covariates"]["coefficients"][0]["se"] = -1.0
    with pytest.raises(DataValidationError, match="se of"):
        type(model).from_dict(bad)


def test_simulator_option_draws_covariates_and_leaves_default_unchanged() -> None:
    plain = make_transactions(300, random_state=5)
    again = make_transactions(300, random_state=5, covariate_effects=None)
    pd.testing.assert_frame_equal(plain.transactions, again.transactions)
    sim = make_transactions(3000, random_state=5, covariate_effects={"alpha": {"x1": 1.0}})
    assert "x1" in sim.customers.columns
    # lambda ~ Gamma(r, alpha e^{-x}): E[lambda | x] = r e^{x} / alpha
    rate = sim.truth["purchase_rate"]
    slope = stats.linregress(sim.customers["x1"], np.log(rate)).slope
    assert slope == pytest.approx(1.0, abs=0.3)  # log Gamma(0.243) has sd 4.3: se 0.08
    with pytest.raises(DataValidationError, match="covariate_effects"):
        make_transactions(10, random_state=0, covariate_effects={"s": {"x1": 1.0}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_transactions(10, random_state=0, covariate_effects={"b": {"z": -0.2}})


def test_weighted_fit_equals_fit_on_repeated_rows(
    bg_data: tuple[pd.DataFrame, dict[str, float]],
) -> None:
    rfm = bg_data[0].iloc[:1500]
    weights = np.random.default_rng(2).integers(1, 4, len(rfm))
    repeated = rfm.loc[rfm.index.repeat(weights)].reset_index(drop=True)
    repeated.attrs["time_unit"] = "W"
    spec = {"purchase_covariates": ["x1"], "dropout_covariates": ["x2"]}
    weighted = pm.BetaGeoModel(**spec).fit(rfm, sample_weight=weights)
    exploded = pm.BetaGeoModel(**spec).fit(repeated)
    pd.testing.assert_frame_equal(
        weighted.coefficients_, exploded.coefficients_, rtol=1e-5, atol=1e-7
    )
    assert weighted.log_likelihood_ == pytest.approx(exploded.log_likelihood_, rel=1e-9)


def test_distinct_rows_of_many_columns_do_not_overflow() -> None:
    from precimark.clv._base import _distinct

    rng = np.random.default_rng(0)
    columns = [rng.standard_normal(50_000) for _ in range(5)]  # 50,000^5 > 2^63 row keys
    columns.append(columns[0].copy())
    doubled = [np.concatenate([c, c[:1000]]) for c in columns]
    distinct, inverse = _distinct(doubled)
    assert len(distinct[0]) == 50_000
    for column, values in zip(doubled, distinct, strict=True):
        np.testing.assert_array_equal(values[inverse], column)


def test_history_probabilities_and_dert_refuse_a_model_with_covariates(
    bg_model: pm.BetaGeoModel, bg_data: tuple[pd.DataFrame, dict[str, float]]
) -> None:
    # Their formulas take one parameter set; with covariates each customer has their own, so
    # they refuse by name rather than answer for the baseline customer.
    rfm = bg_data[0].head(50)
    calls = {
        "probability_no_purchase": lambda: bg_model.probability_no_purchase(rfm, 13),
        "purchase_count_probability": lambda: bg_model.purchase_count_probability(rfm, 1, 13),
        "discounted_expected_transactions": lambda: bg_model.discounted_expected_transactions(
            rfm, 0.01
        ),
        "probability_alive(at=)": lambda: bg_model.probability_alive(rfm, at=13),
    }
    for call in calls.values():
        with pytest.raises(DataValidationError, match="a model with covariates"):
            call()
    assert bg_model.probability_alive(rfm, at=0).equals(bg_model.probability_alive(rfm))
