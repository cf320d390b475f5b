"""Discounted CLV: parity with lifetimes, unit handling, margins, bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark import DataValidationError
from precimark.clv import _lifetimes


@pytest.fixture(scope="module")
def models_days(cdnow_rfm_days: pd.DataFrame) -> tuple[pm.BetaGeoModel, pm.GammaGammaModel]:
    return pm.BetaGeoModel().fit(cdnow_rfm_days), pm.GammaGammaModel().fit(cdnow_rfm_days)


@pytest.mark.parametrize("cls", [pm.BetaGeoModel, pm.ModifiedBetaGeoModel, pm.ParetoNBDModel])
def test_clv_equals_lifetimes(cdnow_rfm_days: pd.DataFrame, cls: type) -> None:
    purchase = cls().fit(cdnow_rfm_days)
    spend = pm.GammaGammaModel().fit(cdnow_rfm_days)
    ours = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon=12, freq="30D", discount_rate=0.01
    )
    with _lifetimes.quiet():
        reference = spend.to_lifetimes().customer_lifetime_value(
            purchase.to_lifetimes(),
            cdnow_rfm_days["frequency"],
            cdnow_rfm_days["recency"],
            cdnow_rfm_days["T"],
            cdnow_rfm_days["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq="D",
        )
    assert ours.name == "customer_lifetime_value"
    np.testing.assert_allclose(ours.to_numpy(), reference.to_numpy(), rtol=1e-6)


def test_weekly_model_with_the_same_period_gives_the_same_clv(
    cdnow_rfm_days: pd.DataFrame,
    cdnow_rfm_weeks: pd.DataFrame,
    models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel],
) -> None:
    """A 30-day period is 30/7 weeks for a weekly model: no silent unit mix-up."""
    daily, spend = models_days
    weekly = pm.BetaGeoModel.from_dict(
        {
            **daily.to_dict(),
            "params": {**daily.params_, "alpha": daily.params_["alpha"] / 7},
            "time_unit": "W",
        }
    )
    a = pm.customer_lifetime_value(
        daily, spend, cdnow_rfm_days, horizon=6, freq="30D", discount_rate=0.02
    )
    b = pm.customer_lifetime_value(
        weekly, spend, cdnow_rfm_weeks, horizon=6, freq=pd.Timedelta(days=30), discount_rate=0.02
    )
    np.testing.assert_allclose(a, b, rtol=1e-9)
    c = pm.customer_lifetime_value(
        weekly, spend, cdnow_rfm_weeks, horizon=6, freq=30 / 7, discount_rate=0.02
    )
    np.testing.assert_allclose(b, c, rtol=1e-12)


def test_clv_structure(
    cdnow_rfm_days: pd.DataFrame, models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_days
    base = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon=12, freq="30D", discount_rate=0.0
    )
    discounted = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon=12, freq="30D", discount_rate=0.05
    )
    longer = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon=24, freq="30D", discount_rate=0.0
    )
    assert (discounted < base).all() and (longer > base).all()
    # Undiscounted CLV is expected purchases over the whole horizon times expected spend.
    expected = purchase.expected_purchases(cdnow_rfm_days, 360) * spend.expected_spend(
        cdnow_rfm_days
    )
    np.testing.assert_allclose(base, expected, rtol=1e-9)
    margin = pd.Series(0.3, index=cdnow_rfm_days.index)
    margin.iloc[0] = 0.5
    with_margin = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon=12, freq="30D", discount_rate=0.0, margin=margin
    )
    np.testing.assert_allclose(with_margin, base * margin, rtol=1e-12)


def test_clv_intervals_are_seeded_and_bracket_the_point(
    cdnow_rfm_days: pd.DataFrame, models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_days
    kwargs = {"horizon": 12, "freq": "30D", "discount_rate": 0.01, "interval": 0.9, "n_draws": 60}
    a = pm.customer_lifetime_value(purchase, spend, cdnow_rfm_days, random_state=3, **kwargs)  # type: ignore[arg-type]
    b = pm.customer_lifetime_value(purchase, spend, cdnow_rfm_days, random_state=3, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["customer_lifetime_value", "clv_lower", "clv_upper"]
    assert (a["clv_lower"] <= a["customer_lifetime_value"] * 1.0001).all()
    assert (a["clv_upper"] >= a["customer_lifetime_value"] * 0.9999).all()
    width = (a["clv_upper"] - a["clv_lower"]) / a["customer_lifetime_value"]
    assert 0.01 < width.median() < 1.0


def test_clv_bad_arguments(
    cdnow_rfm_days: pd.DataFrame, models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_days
    call = pm.customer_lifetime_value
    with pytest.raises(DataValidationError, match="argument 'horizon'"):
        call(purchase, spend, cdnow_rfm_days, horizon=0, freq="30D", discount_rate=0.01)
    with pytest.raises(DataValidationError, match="argument 'discount_rate'"):
        call(purchase, spend, cdnow_rfm_days, horizon=12, freq="30D", discount_rate=-0.1)
    with pytest.raises(DataValidationError, match=r"argument 'freq'.*no fixed length"):
        call(purchase, spend, cdnow_rfm_days, horizon=12, freq="1M", discount_rate=0.01)
    with pytest.raises(TypeError):
        call(purchase, spend, cdnow_rfm_days, horizon=12, discount_rate=0.01)  # type: ignore[call-arg]
    partial = pd.Series(0.3, index=cdnow_rfm_days.index[:10])
    with pytest.raises(
        DataValidationError, match=r"argument 'margin': 2347 missing margins \(first customer: 11\)"
    ):
        call(
            purchase,
            spend,
            cdnow_rfm_days,
            horizon=12,
            freq="30D",
            discount_rate=0.01,
            margin=partial,
        )
