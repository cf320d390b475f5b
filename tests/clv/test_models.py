"""Model mechanics: compression, histograms, units, serialisation, retries, warnings, recovery."""

from __future__ import annotations

import io
import json
import pickle
import re
import warnings

import cloudpickle
import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import precimark as pm
from precimark import ConvergenceError, DataQualityWarning, DataValidationError
from precimark.clv import BetaGeoBetaBinomModel, RFMHistogram, _lifetimes
from precimark.datasets import make_transactions
from precimark.exceptions import ConvergenceWarning


def _close(a: dict[str, float], b: dict[str, float], rtol: float) -> None:
    for key in b:
        assert a[key] == pytest.approx(b[key], rel=rtol), key


# ------------------------------------------------------------------ engines agree


@pytest.mark.parametrize("cls", [pm.BetaGeoModel, pm.ModifiedBetaGeoModel, pm.GammaGammaModel])
def test_native_engine_reaches_lifetimes_optimum(cdnow_rfm_weeks: pd.DataFrame, cls: type) -> None:
    native = cls(engine="native").fit(cdnow_rfm_weeks)
    reference = cls(engine="lifetimes").fit(cdnow_rfm_weeks)
    _close(native.params_, reference.params_, rtol=1e-5)
    assert native.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)


def test_native_and_lifetimes_agree_with_a_penalizer(cdnow_rfm_weeks: pd.DataFrame) -> None:
    native = pm.BetaGeoModel(engine="native", penalizer=0.01).fit(cdnow_rfm_weeks)
    reference = pm.BetaGeoModel(penalizer=0.01).fit(cdnow_rfm_weeks)
    _close(native.params_, reference.params_, rtol=1e-4)
    plain = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    assert native.params_["a"] != pytest.approx(plain.params_["a"], rel=1e-3)  # it does bite


def test_unfitted_lifetimes_fit_on_raw_rows_matches_compressed(
    cdnow_rfm_weeks: pd.DataFrame,
) -> None:
    with _lifetimes.quiet():
        fitter = _lifetimes.fitter_class("BetaGeo")().fit(
            cdnow_rfm_weeks["frequency"], cdnow_rfm_weeks["recency"], cdnow_rfm_weeks["T"]
        )
    ours = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    _close(ours.params_, fitter.params_.to_dict(), rtol=1e-3)


# ------------------------------------------------------------------ weights and histograms

_rows = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 20), st.integers(20, 30)), min_size=8, max_size=40
)


def _rfm(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    f, r, t = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    r = np.where(f == 0, 0.0, np.minimum(r, t))
    frame = pd.DataFrame({"frequency": f.astype(int), "recency": r, "T": t})
    frame.attrs["time_unit"] = "D"
    return frame


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_fit_equals_fit_on_exploded_rows(cdnow_rfm_weeks: pd.DataFrame, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rfm = cdnow_rfm_weeks.sample(400, random_state=seed)
    weights = rng.integers(1, 5, len(rfm))
    exploded = rfm.loc[rfm.index.repeat(weights)].reset_index(drop=True)
    exploded.attrs["time_unit"] = "W"
    for model in (pm.BetaGeoModel(), pm.BetaGeoModel(engine="lifetimes")):
        a = clone(model).fit(rfm, sample_weight=weights)
        b = clone(model).fit(exploded)
        _close(a.params_, b.params_, rtol=1e-6)
        assert a.n_customers_ == b.n_customers_ == weights.sum()
        assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-9)
    with warnings.catch_warnings():
        # seed 1 draws a sample whose Gamma-Gamma supremum is at p -> infinity, v -> 0
        warnings.simplefilter("ignore", ConvergenceWarning)
        gg_a = pm.GammaGammaModel().fit(rfm, sample_weight=weights)
        gg_b = pm.GammaGammaModel().fit(exploded)
    assert gg_a.boundary_ == gg_b.boundary_
    assert gg_a.log_likelihood_ == pytest.approx(gg_b.log_likelihood_, rel=1e-9)
    if not gg_a.boundary_:
        _close(gg_a.params_, gg_b.params_, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(a=_rows, b=_rows, c=_rows)
def test_histogram_merge_laws(
    a: list[tuple[int, int, int]], b: list[tuple[int, int, int]], c: list[tuple[int, int, int]]
) -> None:
    ha, hb, hc = (RFMHistogram.from_rfm(_rfm(rows)) for rows in (a, b, c))
    assert ha + hb == hb + ha
    assert (ha + hb) + hc == ha + (hb + hc)
    whole = pd.concat([_rfm(a), _rfm(b)], ignore_index=True)
    whole.attrs["time_unit"] = "D"
    assert ha + hb == RFMHistogram.from_rfm(whole)
    assert (ha + hb).n_customers == len(a) + len(b)


def test_fit_on_histogram_equals_fit_on_frame(cdnow_rfm_weeks: pd.DataFrame) -> None:
    histogram = RFMHistogram.from_rfm(cdnow_rfm_weeks)
    assert histogram.time_unit == "W"
    assert len(histogram.counts) < len(cdnow_rfm_weeks) / 2
    a = pm.BetaGeoModel().fit(histogram)
    b = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    _close(a.params_, b.params_, rtol=1e-9)
    assert a.n_customers_ == 2357


def test_histogram_from_spark_style_counts(cdnow_rfm_weeks: pd.DataFrame) -> None:
    """A groupBy().count() result, possibly split in pieces, then toPandas()."""
    counts = (
        cdnow_rfm_weeks.groupby(["frequency", "recency", "T"]).size().rename("count").reset_index()
    )
    doubled = pd.concat([counts.assign(count=1), counts.assign(count=counts["count"] - 1)])
    doubled = doubled[doubled["count"] > 0]
    histogram = RFMHistogram.from_counts(doubled, time_unit="W")
    assert histogram == RFMHistogram.from_rfm(cdnow_rfm_weeks)
    with pytest.raises(DataValidationError, match="column 'count'"):
        RFMHistogram.from_counts(counts.assign(count=0.5), time_unit="W")
    with pytest.raises(DataValidationError, match="time units 'W' and 'D'"):
        _ = histogram + RFMHistogram.from_counts(counts, time_unit="D")


# ------------------------------------------------------------------ units and horizons


def test_time_unit_is_required_and_checked(
    cdnow_rfm_weeks: pd.DataFrame, cdnow_rfm_days: pd.DataFrame
) -> None:
    bare = pd.DataFrame(cdnow_rfm_weeks)
    bare.attrs = {}
    with pytest.raises(DataValidationError, match="no time unit given"):
        pm.BetaGeoModel().fit(bare)
    with pytest.raises(DataValidationError, match="'D', but the frame records 'W'"):
        pm.BetaGeoModel().fit(cdnow_rfm_weeks, time_unit="D")
    weekly = pm.BetaGeoModel().fit(bare, time_unit="W")
    with pytest.raises(DataValidationError, match="a frame in time unit 'D'"):
        weekly.expected_purchases(cdnow_rfm_days, 4)


def _through_csv(frame: pd.DataFrame) -> pd.DataFrame:
    buffer = io.StringIO()
    frame.to_csv(buffer)
    buffer.seek(0)
    return pd.read_csv(buffer, index_col=0)


def test_a_frame_that_lost_its_unit_is_refused_not_misread(
    cdnow_rfm_weeks: pd.DataFrame, cdnow_rfm_days: pd.DataFrame
) -> None:
    # Regression (issue 14): a weekly BG/NBD scored a day frame read back from a CSV as if it
    # were in weeks: 101.3 expected purchases in 13 weeks instead of 628.0.
    weekly = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    assert round(float(weekly.expected_purchases(cdnow_rfm_weeks, 13).sum()), 1) == 628.0
    days_csv = _through_csv(cdnow_rfm_days)
    merged = pd.merge(
        cdnow_rfm_days,
        pd.DataFrame({"segment": "x"}, index=cdnow_rfm_days.index),
        left_index=True,
        right_index=True,
    )
    assert days_csv.attrs == {} and merged.attrs == {}
    for lost in (days_csv, merged):
        with pytest.raises(
            DataValidationError,
            match=r"argument 'time_unit': no time unit given and none recorded on 'rfm'.*"
            r"Pass time_unit=.*rfm_summary\(\.\.\., time_unit=\.\.\.\)",
        ):
            weekly.expected_purchases(lost, 13)
        with pytest.raises(DataValidationError, match="no time unit given"):
            weekly.probability_alive(lost)
        # Stating the (true) unit does not convert it: a day frame is refused by a week model.
        with pytest.raises(
            DataValidationError,
            match=r"a frame in time unit 'D' \(days\); expected the unit of the fitted "
            r"BetaGeoModel \('W'\): 'W' \(weeks\)",
        ):
            weekly.expected_purchases(lost, 13, time_unit="D")
    weeks_csv = _through_csv(cdnow_rfm_weeks)
    stated = weekly.expected_purchases(weeks_csv, 13, time_unit="W")
    assert round(float(stated.sum()), 1) == 628.0
    with pytest.raises(DataValidationError, match="'D', but the frame records 'W'"):
        weekly.probability_alive(cdnow_rfm_weeks, time_unit="D")


def test_every_prediction_takes_time_unit(cdnow_rfm_weeks: pd.DataFrame) -> None:
    import inspect

    for cls in (pm.BetaGeoModel, pm.ModifiedBetaGeoModel, pm.ParetoNBDModel):
        for method in (
            "fit",
            "expected_purchases",
            "probability_alive",
            "expected_purchases_new_customer",
            "purchase_count_pmf",
        ):
            assert "time_unit" in inspect.signature(getattr(cls, method)).parameters
    for fn in (pm.GammaGammaModel.fit, pm.GammaGammaModel.expected_spend):
        assert "time_unit" in inspect.signature(fn).parameters
    from precimark.clv import compare_models, evaluate

    for fn in (evaluate, compare_models, pm.customer_lifetime_value):
        assert "time_unit" in inspect.signature(fn).parameters


def test_old_documents_and_pickles_without_unit_need_time_unit(
    cdnow_rfm_weeks: pd.DataFrame,
) -> None:
    weekly = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    document = weekly.to_dict()
    assert document["time_unit"] == "W"
    old = {k: v for k, v in document.items() if k != "time_unit"}
    loaded = pm.BetaGeoModel.from_dict(old)
    assert loaded.time_unit_ is None
    with pytest.raises(DataValidationError, match=r"records none \(saved by an older version\)"):
        loaded.expected_purchases(cdnow_rfm_weeks, 13)  # even though the frame records 'W'
    with pytest.raises(DataValidationError, match="time_unit= on this call"):
        loaded.expected_purchases_new_customer("91D")
    assert round(float(loaded.expected_purchases(cdnow_rfm_weeks, 13, time_unit="W").sum()), 1) == (
        628.0
    )
    assert loaded.expected_purchases_new_customer("91D", time_unit="W") == pytest.approx(
        weekly.expected_purchases_new_customer(13), rel=1e-12
    )
    # A pickle from before time_unit_ existed behaves the same.
    state = pickle.loads(pickle.dumps(weekly))
    del state.time_unit_
    with pytest.raises(DataValidationError, match="records none"):
        state.probability_alive(cdnow_rfm_weeks)
    # And a current pickle carries its unit.
    again = pickle.loads(pickle.dumps(weekly))
    assert again.time_unit_ == "W"
    with pytest.raises(DataValidationError, match="a frame in time unit 'D'"):
        again.probability_alive(_through_csv(cdnow_rfm_weeks), time_unit="D")


def test_histogram_fit_checks_the_unit(cdnow_rfm_weeks: pd.DataFrame) -> None:
    histogram = RFMHistogram.from_rfm(cdnow_rfm_weeks)
    assert RFMHistogram.from_dict(histogram.to_dict()).time_unit == "W"
    with pytest.raises(DataValidationError, match="no time unit given"):
        RFMHistogram.from_rfm(_through_csv(cdnow_rfm_weeks))
    model = pm.BetaGeoModel().fit(histogram)
    assert model.time_unit_ == "W"
    with pytest.raises(DataValidationError, match="the histogram's unit 'W'"):
        pm.BetaGeoModel().fit(histogram, time_unit="D")


def test_bgbb_horizon_counts_opportunities() -> None:
    rfm = pd.DataFrame({"frequency": [0, 1, 3, 6, 2], "recency": [0, 1, 5, 6, 4], "T": [6] * 5})
    model = BetaGeoBetaBinomModel().fit(rfm)
    assert model.expected_purchases(rfm, 5).notna().all()
    with pytest.raises(DataValidationError, match=r"'90D', a duration.*opportunities"):
        model.expected_purchases(rfm, "90D")
    for bad in (2.5, 0, True):
        with pytest.raises(DataValidationError, match="argument 'horizon'"):
            model.expected_purchases(rfm, bad)  # type: ignore[arg-type]


def test_horizons_convert_between_units(
    cdnow_rfm_weeks: pd.DataFrame, cdnow_rfm_days: pd.DataFrame
) -> None:
    weekly = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    daily = pm.BetaGeoModel.from_dict(
        {
            **weekly.to_dict(),
            "params": {**weekly.params_, "alpha": weekly.params_["alpha"] * 7},
            "time_unit": "D",
        }
    )
    a = weekly.expected_purchases(cdnow_rfm_weeks, "28D")
    b = weekly.expected_purchases(cdnow_rfm_weeks, 4)
    c = daily.expected_purchases(cdnow_rfm_days, pd.Timedelta(weeks=4))
    np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(a, c, rtol=1e-10)
    with pytest.raises(DataValidationError, match="no fixed length"):
        weekly.expected_purchases(cdnow_rfm_weeks, "1M")
    with pytest.raises(DataValidationError, match="a positive, finite length of time"):
        weekly.expected_purchases(cdnow_rfm_weeks, -3)


# ------------------------------------------------------------------ portability


def test_fitted_model_is_small_and_round_trips(cdnow_rfm_weeks: pd.DataFrame) -> None:
    model = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    expected = model.expected_purchases(cdnow_rfm_weeks, 10)
    for dumps, loads in ((pickle.dumps, pickle.loads), (cloudpickle.dumps, pickle.loads)):
        blob = dumps(model)
        assert len(blob) < 5_000
        pd.testing.assert_series_equal(
            loads(blob).expected_purchases(cdnow_rfm_weeks, 10), expected
        )
    restored = pm.BetaGeoModel.from_dict(json.loads(json.dumps(model.to_dict())))
    pd.testing.assert_series_equal(restored.expected_purchases(cdnow_rfm_weeks, 10), expected)
    pd.testing.assert_frame_equal(restored.summary_, model.summary_)
    assert not any(
        isinstance(v, pd.DataFrame | np.ndarray) and v.size > 100 for v in vars(model).values()
    )


@pytest.mark.parametrize(
    ("key", "value", "argument"),
    [
        ("r", -0.5, "params['r']"),  # would predict negative purchases
        ("a", 0.0, "params['a']"),
        ("b", float("nan"), "params['b']"),
        ("alpha", "4.4", "params['alpha']"),
        ("n_customers", 0, "n_customers"),
        ("covariance", [[1.0]], "data"),
    ],
)
def test_a_document_outside_the_parameter_domain_is_refused(
    cdnow_rfm_weeks: pd.DataFrame, key: str, value: object, argument: str
) -> None:
    document = pm.BetaGeoModel().fit(cdnow_rfm_weeks).to_dict()
    if key in document["params"]:
        document["params"][key] = value
    else:
        document[key] = value
    with pytest.raises(pm.DataValidationError, match=re.escape(f"argument '{argument}'")):
        pm.BetaGeoModel.from_dict(document)


def test_joblib_round_trip(tmp_path: object, cdnow_rfm_weeks: pd.DataFrame) -> None:
    model = pm.GammaGammaModel().fit(cdnow_rfm_weeks)
    path = f"{tmp_path}/gg.joblib"
    joblib.dump(model, path)
    assert joblib.load(path).params_ == model.params_


def test_from_dict_refuses_other_models_and_versions(cdnow_rfm_weeks: pd.DataFrame) -> None:
    data = pm.BetaGeoModel().fit(cdnow_rfm_weeks).to_dict()
    with pytest.raises(
        DataValidationError, match="type 'BetaGeoModel'; expected a ParetoNBDModel document"
    ):
        pm.ParetoNBDModel.from_dict(data)
    with pytest.raises(DataValidationError, match="format_version 99"):
        pm.BetaGeoModel.from_dict({**data, "format_version": 99})


def test_to_lifetimes_carries_the_parameters(cdnow_rfm_weeks: pd.DataFrame) -> None:
    model = pm.ParetoNBDModel().fit(cdnow_rfm_weeks)
    fitter = model.to_lifetimes()
    assert fitter.params_.to_dict() == model.params_
    assert type(fitter).__name__ == "ParetoNBDFitter"


def test_unfitted_model_raises_not_fitted(cdnow_rfm_weeks: pd.DataFrame) -> None:
    with pytest.raises(NotFittedError):
        pm.BetaGeoModel().probability_alive(cdnow_rfm_weeks)
    with pytest.raises(NotFittedError):
        pm.BetaGeoModel().to_dict()


def test_clone_and_params_follow_sklearn() -> None:
    model = pm.BetaGeoModel(penalizer=0.1, engine="native")
    assert clone(model).get_params() == model.get_params()
    assert model.get_params()["penalizer"] == 0.1


def test_bad_hyper_parameters(cdnow_rfm_weeks: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="argument 'engine'"):
        pm.BetaGeoModel(engine="fast").fit(cdnow_rfm_weeks)  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'penalizer'"):
        pm.BetaGeoModel(penalizer=-1).fit(cdnow_rfm_weeks)
    with pytest.raises(DataValidationError, match="argument 'initial_params'"):
        pm.BetaGeoModel(initial_params={"r": 1.0}).fit(cdnow_rfm_weeks)


# ------------------------------------------------------------------ retries


def test_retry_ladder_warns_and_recovers(
    monkeypatch: pytest.MonkeyPatch, cdnow_rfm_weeks: pd.DataFrame
) -> None:
    real_fit = _lifetimes.fit
    calls = []

    def flaky(*args: object, **kwargs: object) -> dict[str, float]:
        calls.append(kwargs)
        if len(calls) < 3:
            raise ValueError("The model did not converge.")
        return real_fit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_lifetimes, "fit", flaky)
    with pytest.warns(
        ConvergenceWarning, match="succeeded with 'seeded random start' after 2 failed"
    ):
        model = pm.BetaGeoModel(engine="lifetimes").fit(cdnow_rfm_weeks)
    assert model.params_["r"] == pytest.approx(0.243, abs=1e-3)


def test_all_attempts_failing_raise_convergence_error(
    monkeypatch: pytest.MonkeyPatch, cdnow_rfm_weeks: pd.DataFrame
) -> None:
    def broken(*args: object, **kwargs: object) -> dict[str, float]:
        raise ValueError("boom")

    monkeypatch.setattr(_lifetimes, "fit", broken)
    with pytest.raises(
        ConvergenceError, match=r"did not converge after 5 attempts.*tiny penalizer"
    ):
        pm.BetaGeoModel(engine="lifetimes").fit(cdnow_rfm_weeks)


# ------------------------------------------------------------------ Gamma-Gamma assumptions


def test_gamma_gamma_warns_about_zero_spend_and_correlation() -> None:
    rng = np.random.default_rng(1)
    n = 400
    frequency = rng.integers(1, 10, n)
    spend = rng.gamma(6.0, 5.0, n)
    rfm = pd.DataFrame(
        {"frequency": frequency, "recency": 5.0, "T": 10.0, "monetary_value": spend},
        index=pd.RangeIndex(1, n + 1, name="customer_id"),
    )
    rfm.loc[[7, 9], "monetary_value"] = 0.0
    with pytest.warns(
        DataQualityWarning,
        match=r"2 repeat customers with zero spend were excluded \(first customer: 7\)",
    ):
        model = pm.GammaGammaModel(engine="native").fit(rfm)
    assert model.n_customers_ == n - 2
    correlated = rfm.assign(monetary_value=spend * frequency)
    with pytest.warns(DataQualityWarning, match=r"correlated \(Pearson r = 0\.[6-9]"):
        pm.GammaGammaModel(engine="native").fit(correlated)


# ------------------------------------------------------------------ recovery of known truth


def test_fits_recover_simulated_parameters() -> None:
    """30,000 simulated customers; tolerance: 15% on each BG/NBD and Gamma-Gamma parameter.

    Same-day purchases are merged by the summary, which biases rates slightly down; 15% covers
    that and sampling error (the standard errors are ~3-8% at this size).
    """
    sim = make_transactions(30_000, random_state=11)
    rfm = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end, time_unit="D")
    bgnbd = pm.BetaGeoModel(engine="native").fit(rfm)
    gg = pm.GammaGammaModel(engine="native").fit(rfm)
    for name in ("r", "alpha", "a", "b"):
        assert bgnbd.params_[name] == pytest.approx(sim.params[name], rel=0.15), name
    # Gamma-Gamma is identified only up to the ratio structure; check p and the mean spend.
    assert gg.params_["p"] == pytest.approx(sim.params["p"], rel=0.15)
    mean = gg.params_["p"] * gg.params_["v"] / (gg.params_["q"] - 1)
    true_mean = sim.params["p"] * sim.params["v"] / (sim.params["q"] - 1)
    assert mean == pytest.approx(true_mean, rel=0.05)


# ------------------------------------------------------------------ BG/BB


def test_bgbb_reproduces_the_donations_paper() -> None:
    """Fader, Hardie & Shang (2010): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783."""
    import importlib.metadata

    path = importlib.metadata.distribution("lifetimes").locate_file(
        "lifetimes/datasets/donations.csv"
    )
    donations = pd.read_csv(str(path))
    rfm = donations.rename(columns={"periods": "T"})
    model = BetaGeoBetaBinomModel().fit(
        rfm[["frequency", "recency", "T"]], sample_weight=rfm["weights"]
    )
    published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=2e-3), name
    assert model.n_customers_ == 11104
    alive = model.probability_alive(rfm)
    assert alive.between(0, 1).all()
    # With the same recency and opportunities, more past transactions => more expected ones.
    full = rfm[(rfm["recency"] == 6) & (rfm["T"] == 6)].sort_values("frequency")
    expected = model.expected_purchases(full, 5)
    assert len(full) == 6
    assert expected.is_monotonic_increasing


def test_fitting_leaves_pandas_options_and_warnings_alone(cdnow_rfm_weeks: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = pd.get_option("mode.chained_assignment")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # lifetimes' own warnings must not leak
        pm.ParetoNBDModel().fit(cdnow_rfm_weeks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pd.get_option("mode.chained_assignment") == before


def test_scalar_hyper_parameters_use_one_wording(cdnow_rfm_weeks: pd.DataFrame) -> None:
    with pytest.raises(
        DataValidationError, match=r"argument 'penalizer': True \(a bool\); expected a number >= 0"
    ):
        pm.BetaGeoModel(penalizer=True).fit(cdnow_rfm_weeks)  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match=r"argument 'initial_params\['a'\]': 0.0"):
        pm.BetaGeoModel(initial_params={"r": 1.0, "alpha": 1.0, "a": 0.0, "b": 1.0}).fit(
            cdnow_rfm_weeks
        )
