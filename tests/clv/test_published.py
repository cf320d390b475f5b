"""Fits reproduce the published CDNOW results (Fader, Hardie & Lee 2005; Fader & Hardie's notes)."""

from __future__ import annotations

import pandas as pd
import pytest

import precimark as pm

# Published values are given to 3 decimals (log-likelihoods to 1): we match them to that precision.
BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


@pytest.mark.parametrize("engine", ["lifetimes", "native"])
def test_bgnbd_cdnow(cdnow_rfm_weeks: pd.DataFrame, engine: str) -> None:
    model = pm.BetaGeoModel(engine=engine).fit(cdnow_rfm_weeks)  # type: ignore[arg-type]
    for name, value in BGNBD.items():
        assert model.params_[name] == pytest.approx(value, abs=6e-4), name
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert model.n_customers_ == 2357
    assert model.time_unit_ == "W"


def test_pareto_nbd_cdnow(cdnow_rfm_weeks: pd.DataFrame) -> None:
    model = pm.ParetoNBDModel().fit(cdnow_rfm_weeks)
    for name, value in PARETO.items():
        assert model.params_[name] == pytest.approx(value, abs=1.5e-3), name
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


@pytest.mark.parametrize("engine", ["lifetimes", "native"])
def test_gamma_gamma_cdnow(cdnow_rfm_weeks: pd.DataFrame, engine: str) -> None:
    model = pm.GammaGammaModel(engine=engine).fit(cdnow_rfm_weeks)  # type: ignore[arg-type]
    assert model.n_customers_ == 946
    for name, value in GAMMA_GAMMA.items():
        assert model.params_[name] == pytest.approx(value, abs=6e-3), name
    assert abs(model.frequency_spend_correlation_) < 0.3


def test_bgnbd_standard_errors_are_sensible(cdnow_rfm_weeks: pd.DataFrame) -> None:
    """lifetimes' Hessian-based standard errors are an independent oracle (autograd)."""
    from precimark.clv import _lifetimes

    model = pm.BetaGeoModel().fit(cdnow_rfm_weeks)
    with _lifetimes.quiet():
        fitter = _lifetimes.fitter_class("BetaGeo")().fit(
            cdnow_rfm_weeks["frequency"], cdnow_rfm_weeks["recency"], cdnow_rfm_weeks["T"]
        )
        reference = fitter.summary["se(coef)"]
    for name in BGNBD:
        assert model.summary_.loc[name, "se"] == pytest.approx(reference[name], rel=0.02), name
    assert model.aic_ == pytest.approx(2 * 4 + 2 * 9582.43, abs=0.2)
