"""Predictive intervals: expected purchases, CLV and segment totals (issue 16).

The simulation of each customer's future is checked against the closed forms it must agree
with (its mean is the conditional expectation; BG/NBD's chance of no purchase is known), and
the intervals against simulated bases with known truth: per-customer and segment-total
coverage of the realised holdout spend.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.clv import ModifiedBetaGeoModel, ParetoNBDModel, _predictive, segment_value
from precimark.clv._base import _PurchaseModel
from precimark.datasets import DEFAULT_SIMULATION_PARAMS, make_transactions
from precimark.exceptions import DataValidationError
from precimark.schema import CLV

HOLDOUT_DAYS = 180
# The simulator's BG/NBD parameters (per day): a start the fit leaves quickly if it is wrong.
TRUTH = {k: DEFAULT_SIMULATION_PARAMS[k] for k in ("r", "alpha", "a", "b")}


def _copies(copies: int, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each history repeated ``copies`` times (rows h * copies ... (h + 1) * copies - 1)."""
    return tuple(np.repeat(np.asarray(c, dtype=np.float64), copies) for c in columns)


def _per_history(values: np.ndarray, copies: int) -> np.ndarray:
    """All simulated values of each history: shape (histories, draws * copies)."""
    n_draws = values.shape[0]
    return values.reshape(n_draws, -1, copies).transpose(1, 0, 2).reshape(-1, n_draws * copies)


def _exact(model: _PurchaseModel) -> _PurchaseModel:
    """The model with a zero covariance: every draw is the fitted parameters."""
    out = copy.copy(model)
    out.covariance_ = np.zeros_like(model.covariance_)
    return out


@pytest.fixture(scope="module")
def weekly_models(
    cdnow_rfm_weeks: pd.DataFrame,
) -> dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]]:
    spend = pm.GammaGammaModel().fit(cdnow_rfm_weeks)
    return {
        model.__name__: (model().fit(cdnow_rfm_weeks), spend)
        for model in (pm.BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel)
    }


# Histories (frequency, recency, T) in weeks: new, dormant, regular, heavy and recent.
HISTORIES = np.array(
    [[0, 0, 30], [1, 2, 38], [3, 20, 35], [8, 36, 37], [2, 30, 31], [14, 38.5, 38.5]],
    dtype=np.float64,
)


@pytest.mark.parametrize("name", ["BetaGeoModel", "ModifiedBetaGeoModel", "ParetoNBDModel"])
def test_simulated_purchases_average_to_the_conditional_expectation(
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]], name: str
) -> None:
    model, _ = weekly_models[name]
    copies, horizon = 2_000, 26.0
    x, tx, age = HISTORIES.T
    rows = (*_copies(copies, x, tx, age), np.zeros(len(x) * copies))
    rng = np.random.default_rng(1)
    [(_, simulated)] = _predictive.simulate(
        _exact(model), None, rows, step=horizon / 2, discount=np.ones(2), n_draws=20, rng=rng
    )
    counts = _per_history(simulated, copies)  # 40,000 futures per history
    expected = model._conditional_expected(horizon, x, tx, age)
    standard_error = counts.std(axis=1) / np.sqrt(counts.shape[1])
    assert np.all(np.abs(counts.mean(axis=1) - expected) < 4.5 * standard_error + 1e-12)


def test_bgnbd_chance_of_no_purchase_matches_the_closed_form(
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
) -> None:
    # Given alive, dropout happens only at a purchase: no purchase in t has probability
    # 1 - P(alive) + P(alive) ((alpha + T) / (alpha + T + t))^(r + x).
    model, _ = weekly_models["BetaGeoModel"]
    r, alpha = model.params_["r"], model.params_["alpha"]
    x, tx, age = HISTORIES.T
    copies, horizon = 2_000, 26.0
    [(_, simulated)] = _predictive.simulate(
        _exact(model),
        None,
        (*_copies(copies, x, tx, age), np.zeros(len(x) * copies)),
        step=horizon,
        discount=np.ones(1),
        n_draws=20,
        rng=np.random.default_rng(2),
    )
    draws = 20 * copies
    alive = model._probability_alive(x, tx, age)
    closed = 1 - alive + alive * ((alpha + age) / (alpha + age + horizon)) ** (r + x)
    observed = (_per_history(simulated, copies) == 0).mean(axis=1)
    assert np.all(np.abs(observed - closed) < 4.5 * np.sqrt(closed * (1 - closed) / draws) + 1e-9)


@pytest.mark.parametrize("name", ["BetaGeoModel", "ParetoNBDModel"])
def test_simulated_value_averages_to_the_discounted_clv(
    cdnow_rfm_weeks: pd.DataFrame,
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
    name: str,
) -> None:
    model, spend = weekly_models[name]
    rfm = cdnow_rfm_weeks.iloc[[0, 1, 5, 17, 52, 210]]
    kwargs = {"horizon": "360D", "discount_period": "30D", "discount_rate": 0.05}
    point = pm.customer_lifetime_value(model, spend, rfm, **kwargs)  # type: ignore[arg-type]
    exact_spend = copy.copy(spend)
    exact_spend.covariance_ = np.zeros_like(spend.covariance_)
    x = rfm["frequency"].to_numpy(np.float64)
    copies = 2_000
    rows = _copies(
        copies,
        x,
        rfm["recency"].to_numpy(np.float64),
        rfm["T"].to_numpy(np.float64),
        np.where(x > 0, rfm["monetary_value"].to_numpy(np.float64), 0.0),
    )
    [(_, simulated)] = _predictive.simulate(
        _exact(model),
        exact_spend,
        (rows[0], rows[1], rows[2], rows[3]),
        step=30 / 7,
        discount=1.05 ** -np.arange(1, 13),
        n_draws=20,
        rng=np.random.default_rng(3),
    )
    values = _per_history(simulated, copies)
    standard_error = values.std(axis=1) / np.sqrt(values.shape[1])
    assert np.all(np.abs(values.mean(axis=1) - point.to_numpy()) < 4.5 * standard_error)


def _simulated_holdout(n: int, random_state: int) -> tuple[pd.DataFrame, pd.Series]:
    """Calibration summary (days) and realised holdout spend of a base with known truth."""
    sim = make_transactions(n, random_state=random_state)
    end = sim.observation_end
    split = pm.calibration_holdout_split(
        sim.transactions,
        calibration_end=end - pd.Timedelta(days=HOLDOUT_DAYS),
        observation_end=end,
        time_unit="D",
    )
    calibration = split[["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]]
    calibration = calibration.set_axis(["frequency", "recency", "T", "monetary_value"], axis=1)
    realised = split["frequency_holdout"] * split["monetary_value_holdout"]
    return calibration, realised


HOLDOUT = {
    "horizon": f"{HOLDOUT_DAYS}D",
    "discount_period": f"{HOLDOUT_DAYS}D",
    "discount_rate": 0.0,
    "confidence": 0.9,
    "time_unit": "D",
}


def test_per_customer_predictive_intervals_cover_the_realised_spend() -> None:
    # 3 bases of 2,000 customers drawn from known BG/NBD + Gamma-Gamma parameters; fit on
    # the calibration period, 90% intervals of the undiscounted 180-day holdout spend.
    # Acceptance (issue 16): 88-92% coverage; the expectation interval covers almost nobody.
    predictive, expectation = [], []
    for rep in range(3):
        calibration, realised = _simulated_holdout(2_000, rep)
        purchase = pm.BetaGeoModel(initial_params=TRUTH).fit(calibration, time_unit="D")
        spend = pm.GammaGammaModel().fit(calibration)
        for kind, store in (("predictive", predictive), ("expectation", expectation)):
            band = pm.customer_lifetime_value(
                purchase,
                spend,
                calibration,
                interval_kind=kind,  # type: ignore[arg-type]
                n_draws=100,
                random_state=rep,
                **HOLDOUT,  # type: ignore[arg-type]
            )
            store.append(realised.between(band["clv_lower"], band["clv_upper"]).mean())
    assert 0.88 <= np.mean(predictive) <= 0.92, predictive
    assert np.mean(expectation) < 0.05, expectation


def test_segment_total_intervals_cover_the_realised_total() -> None:
    # 20 bases of 1,000 customers: the 90% interval of the base's total holdout spend. Under
    # 90% coverage, 15 or fewer of 20 has probability 0.043 (binomial); the two-sided 85-95%
    # check over many more bases is benchmarks/coverage_clv_intervals.py (docs/clv.md).
    covered = []
    for rep in range(20):
        calibration, realised = _simulated_holdout(1_000, 100 + rep)
        purchase = pm.BetaGeoModel(initial_params=TRUTH).fit(calibration, time_unit="D")
        spend = pm.GammaGammaModel().fit(calibration)
        total = segment_value(
            purchase,
            spend,
            calibration,
            n_draws=100,
            random_state=rep,
            **HOLDOUT,  # type: ignore[arg-type]
        ).loc["all"]
        covered.append(total["clv_lower"] <= realised.sum() <= total["clv_upper"])
    assert sum(covered) >= 16, covered


# ------------------------------------------------------------------ the API


def test_expected_purchases_intervals_of_both_kinds(
    cdnow_rfm_weeks: pd.DataFrame,
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
) -> None:
    model, _ = weekly_models["ParetoNBDModel"]
    point = model.expected_purchases(cdnow_rfm_weeks, "91D")
    columns = ["expected_purchases", "expected_purchases_lower", "expected_purchases_upper"]
    bands = {}
    for kind in ("expectation", "predictive"):
        band = model.expected_purchases(
            cdnow_rfm_weeks,
            "91D",
            confidence=0.9,
            interval_kind=kind,  # type: ignore[arg-type]
            random_state=4,
        )
        assert band.columns.tolist() == columns
        pd.testing.assert_series_equal(band["expected_purchases"], point)
        again = model.expected_purchases(
            cdnow_rfm_weeks,
            "91D",
            confidence=0.9,
            interval_kind=kind,
            random_state=4,  # type: ignore[arg-type]
        )
        pd.testing.assert_frame_equal(band, again)
        bands[kind] = band
    expectation, predictive = bands["expectation"], bands["predictive"]
    assert (expectation["expected_purchases_lower"] <= point * 1.0001).all()
    assert (expectation["expected_purchases_upper"] >= point * 0.9999).all()
    # Predictive bounds are purchase counts: whole numbers, far wider than the expectation's.
    assert np.array_equal(predictive["expected_purchases_upper"] % 1, np.zeros(len(point)))
    assert (predictive["expected_purchases_lower"] == 0).mean() > 0.9
    # The upper bound is below the mean only where no purchase at all is likelier than 90%.
    upper = predictive["expected_purchases_upper"]
    assert ((upper >= expectation["expected_purchases_upper"]) | (upper == 0)).all()
    assert (upper == 0).mean() > 0.2
    heavy = (cdnow_rfm_weeks["frequency"] >= 10) & (point > 1)
    assert (predictive.loc[heavy, "expected_purchases_upper"] > point[heavy] + 1).all()


def test_a_duration_horizon_is_read_in_the_model_unit(
    cdnow_rfm_weeks: pd.DataFrame,
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
) -> None:
    model, _ = weekly_models["ModifiedBetaGeoModel"]
    rfm = cdnow_rfm_weeks.iloc[:300]
    kwargs = {"confidence": 0.9, "interval_kind": "predictive", "random_state": 8}
    in_days = model.expected_purchases(rfm, "91D", **kwargs)  # type: ignore[call-overload]
    in_weeks = model.expected_purchases(rfm, 13, **kwargs)  # type: ignore[call-overload]
    pd.testing.assert_frame_equal(in_days, in_weeks)
    with pytest.raises(DataValidationError, match="time_unit"):
        model.expected_purchases(rfm, 13, time_unit="D", **kwargs)  # type: ignore[call-overload]


def test_predictive_clv_scales_with_margin_and_brackets_zero_for_one_off_customers(
    cdnow_rfm_weeks: pd.DataFrame,
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
) -> None:
    model, spend = weekly_models["BetaGeoModel"]
    kwargs = {
        "horizon": "360D",
        "discount_period": "30D",
        "discount_rate": 0.01,
        "confidence": 0.8,
        "interval_kind": "predictive",
        "random_state": 5,
    }
    full = pm.customer_lifetime_value(model, spend, cdnow_rfm_weeks, **kwargs)  # type: ignore[arg-type]
    half = pm.customer_lifetime_value(model, spend, cdnow_rfm_weeks, margin=0.5, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(half.to_numpy(), full.to_numpy() * 0.5, rtol=1e-12)
    assert full.columns.tolist() == ["customer_lifetime_value", "clv_lower", "clv_upper"]
    assert (full["clv_lower"] <= full["customer_lifetime_value"]).all()
    # Skewed values: the upper bound is often, not always, above the mean.
    assert (full["clv_upper"] >= full["clv_lower"]).all()
    positive = full["clv_upper"] > 0
    assert (full.loc[positive, "clv_upper"] / full.loc[positive, CLV]).median() > 1.5
    one_off = cdnow_rfm_weeks["frequency"] == 0
    assert (full.loc[one_off, "clv_lower"] == 0).all()
    assert (full.loc[~one_off, "clv_upper"] > 0).mean() > 0.5


def test_chunks_bound_the_memory_and_give_the_same_kind_of_answer(
    cdnow_rfm_weeks: pd.DataFrame,
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, _ = weekly_models["BetaGeoModel"]
    kwargs = {"confidence": 0.9, "interval_kind": "predictive", "random_state": 6}
    whole = model.expected_purchases(cdnow_rfm_weeks, 39, **kwargs)  # type: ignore[call-overload]
    monkeypatch.setattr(_predictive, "_CELLS", 200 * 97)  # chunks of 97 customers
    chunked = model.expected_purchases(cdnow_rfm_weeks, 39, **kwargs)  # type: ignore[call-overload]
    # Other random numbers, the same distribution: bounds agree for most customers.
    same = chunked["expected_purchases_upper"] == whole["expected_purchases_upper"]
    assert same.mean() > 0.8
    mean_upper = whole["expected_purchases_upper"].mean()
    assert abs(chunked["expected_purchases_upper"].mean() - mean_upper) < 0.05 * mean_upper


def test_segment_value_sums_customers_and_keeps_shared_parameter_uncertainty(
    cdnow_rfm_weeks: pd.DataFrame,
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
) -> None:
    model, spend = weekly_models["BetaGeoModel"]
    kwargs = {"horizon": "360D", "discount_period": "90D", "discount_rate": 0.03}
    clv = pm.customer_lifetime_value(model, spend, cdnow_rfm_weeks, **kwargs)  # type: ignore[arg-type]
    groups = pd.Series(
        np.where(cdnow_rfm_weeks["frequency"] > 0, "repeat", "one-off"),
        index=cdnow_rfm_weeks.index,
        name="buyer",
    ).iloc[::-1]  # aligned by customer id, not by position
    totals = segment_value(model, spend, cdnow_rfm_weeks, groups=groups, random_state=7, **kwargs)  # type: ignore[arg-type]
    assert totals.index.tolist() == ["one-off", "repeat"]
    assert totals.index.name == "buyer"
    assert totals.columns.tolist() == [
        "n_customers",
        "customer_lifetime_value",
        "clv_lower",
        "clv_upper",
    ]
    repeat = cdnow_rfm_weeks["frequency"] > 0
    assert totals["n_customers"].tolist() == [int((~repeat).sum()), int(repeat.sum())]
    np.testing.assert_allclose(
        totals["customer_lifetime_value"], [clv[~repeat].sum(), clv[repeat].sum()], rtol=1e-12
    )
    assert (totals["clv_lower"] < totals["customer_lifetime_value"]).all()
    assert (totals["clv_upper"] > totals["customer_lifetime_value"]).all()
    # One group of everybody; the expectation interval is narrower than the predictive one.
    whole = segment_value(model, spend, cdnow_rfm_weeks, random_state=7, **kwargs)  # type: ignore[arg-type]
    assert whole.index.tolist() == ["all"]
    np.testing.assert_allclose(whole["customer_lifetime_value"], clv.sum(), rtol=1e-12)
    expected = segment_value(
        model,
        spend,
        cdnow_rfm_weeks,
        interval_kind="expectation",
        random_state=7,
        **kwargs,  # type: ignore[arg-type]
    )
    width = (whole["clv_upper"] - whole["clv_lower"]).iloc[0]
    expected_width = (expected["clv_upper"] - expected["clv_lower"]).iloc[0]
    assert expected_width < width
    # Shared parameters: the total is far less certain than independent customers would be,
    # whose predictive spread adds in quadrature (the parameter spread adds linearly).
    band = pm.customer_lifetime_value(
        model,
        spend,
        cdnow_rfm_weeks,
        confidence=0.9,
        random_state=7,
        **kwargs,  # type: ignore[arg-type]
    )
    independent = np.sqrt(((band["clv_upper"] - band["clv_lower"]) ** 2).sum())
    assert expected_width > 3 * independent


def _bad_kwargs() -> dict[str, object]:
    return {"horizon": "360D", "discount_period": "30D", "discount_rate": 0.01}


def test_bad_interval_arguments_are_refused(
    cdnow_rfm_weeks: pd.DataFrame,
    weekly_models: dict[str, tuple[_PurchaseModel, pm.GammaGammaModel]],
) -> None:
    model, spend = weekly_models["BetaGeoModel"]
    rfm = cdnow_rfm_weeks
    clv = pm.customer_lifetime_value
    with pytest.raises(DataValidationError, match="argument 'interval_kind': 'posterior'"):
        clv(model, spend, rfm, confidence=0.9, interval_kind="posterior", **_bad_kwargs())  # type: ignore[call-overload]
    with pytest.raises(DataValidationError, match="'predictive' without confidence"):
        clv(model, spend, rfm, interval_kind="predictive", **_bad_kwargs())  # type: ignore[call-overload]
    with pytest.raises(DataValidationError, match=r"argument 'n_draws': 50 .* at least 100"):
        clv(
            model,
            spend,
            rfm,
            confidence=0.9,
            interval_kind="predictive",
            n_draws=50,
            **_bad_kwargs(),
        )  # type: ignore[call-overload]
    with pytest.raises(DataValidationError, match="at least 1000"):
        clv(model, spend, rfm, confidence=0.99, interval_kind="predictive", **_bad_kwargs())  # type: ignore[call-overload]

    class MeanSpend:
        def expected_spend(self, rfm: pd.DataFrame) -> pd.Series:
            return pd.Series(20.0, index=rfm.index)

    with pytest.raises(DataValidationError, match=r"argument 'spend_model'.*GammaGammaModel"):
        clv(model, MeanSpend(), rfm, confidence=0.9, interval_kind="predictive", **_bad_kwargs())  # type: ignore[call-overload]
    assert clv(model, MeanSpend(), rfm, **_bad_kwargs()).notna().all()  # type: ignore[call-overload]

    with pytest.raises(DataValidationError, match="argument 'interval_kind'"):
        model.expected_purchases(rfm, 10, confidence=0.9, interval_kind="both")  # type: ignore[call-overload]
    with pytest.raises(DataValidationError, match="'predictive' without confidence"):
        model.expected_purchases(rfm, 10, interval_kind="predictive")
    with pytest.raises(DataValidationError, match="argument 'n_draws'"):
        model.expected_purchases(rfm, 10, confidence=0.9, interval_kind="predictive", n_draws=99)
    with pytest.raises(DataValidationError, match="argument 'confidence'"):
        model.expected_purchases(rfm, 10, confidence=1.5)

    with pytest.raises(DataValidationError, match="argument 'interval_kind'"):
        segment_value(model, spend, rfm, interval_kind="total", **_bad_kwargs())  # type: ignore[arg-type]
    partial = pd.Series("a", index=rfm.index[2:])
    with pytest.raises(
        DataValidationError,
        match=r"argument 'groups': 2 customers without a group \(first customer: 1\)",
    ):
        segment_value(model, spend, rfm, groups=partial, **_bad_kwargs())  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'groups': a list"):
        segment_value(model, spend, rfm, groups=["a"] * len(rfm), **_bad_kwargs())  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'spend_model'"):
        segment_value(model, MeanSpend(), rfm, **_bad_kwargs())  # type: ignore[arg-type]


def test_a_purchase_model_it_cannot_simulate_is_refused(
    cdnow_rfm_weeks: pd.DataFrame,
) -> None:
    class Custom(pm.BetaGeoModel):
        pass

    with pytest.raises(DataValidationError, match="argument 'purchase_model'"):
        _predictive.check_simulable(object())
    _predictive.check_simulable(Custom())  # a subclass keeps the BG/NBD future


def _bgnbd_alive_by_hand(p: dict[str, float], x: float, tx: float, t: float) -> float:
    """BG/NBD P(alive | x, tx, T), Fader, Hardie & Lee (2005a) eq. (A1), written out."""
    if x == 0:
        return 1.0
    odds = p["a"] / (p["b"] + x - 1) * ((p["alpha"] + t) / (p["alpha"] + tx)) ** (p["r"] + x)
    return 1.0 / (1.0 + odds)


def test_probability_alive_interval_covers_the_true_probability_in_simulation() -> None:
    # 20 bases from known BG/NBD parameters; for four fixed histories the 90% interval from
    # parameter draws should hold the probability at the true parameters about 90% of the
    # time. 80 cells, correlated within a base: >= 60 is a loose floor (expected 72).
    truth = {k: DEFAULT_SIMULATION_PARAMS[k] for k in ("r", "alpha", "a", "b")}
    histories = pd.DataFrame(
        {"frequency": [1.0, 3.0, 6.0, 2.0], "recency": [30.0, 200.0, 300.0, 400.0], "T": 500.0}
    )
    histories.attrs["time_unit"] = "D"
    want = [_bgnbd_alive_by_hand(truth, *row) for row in histories.itertuples(index=False)]
    covered, width = 0, []
    for seed in range(20):
        sim = make_transactions(3000, random_state=seed)
        rfm = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end, time_unit="D")
        model = pm.BetaGeoModel().fit(rfm)
        band = model.probability_alive(histories, confidence=0.9, random_state=seed)
        assert band["probability_alive"].equals(model.probability_alive(histories))
        inside = (band["probability_alive_lower"] <= want) & (
            want <= band["probability_alive_upper"]
        )
        covered += int(inside.sum())
        width.append(
            float((band["probability_alive_upper"] - band["probability_alive_lower"]).mean())
        )
    assert covered >= 60
    assert 0.0 < np.mean(width) < 0.5  # a real interval, not a degenerate or a [0, 1] one


def test_probability_alive_interval_rejects_bad_arguments() -> None:
    sim = make_transactions(500, random_state=1)
    rfm = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end, time_unit="D")
    model = pm.BetaGeoModel().fit(rfm)
    with pytest.raises(DataValidationError, match="n_draws"):
        model.probability_alive(rfm, confidence=0.9, n_draws=5)
    with pytest.raises(DataValidationError, match="confidence"):
        model.probability_alive(rfm, confidence=1.5)
    later = model.probability_alive(rfm, at=30, confidence=0.8, n_draws=50, random_state=0)
    assert (later["probability_alive"] <= model.probability_alive(rfm) + 1e-12).all()
    assert (later["probability_alive_lower"] <= later["probability_alive_upper"]).all()
