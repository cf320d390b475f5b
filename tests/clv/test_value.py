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
        purchase, spend, cdnow_rfm_days, horizon="360D", discount_period="30D", discount_rate=0.01
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
        daily, spend, cdnow_rfm_days, horizon="180D", discount_period="30D", discount_rate=0.02
    )
    b = pm.customer_lifetime_value(
        weekly,
        spend,
        cdnow_rfm_weeks,
        horizon=pd.Timedelta(days=180),
        discount_period=pd.Timedelta(days=30),
        discount_rate=0.02,
    )
    np.testing.assert_allclose(a, b, rtol=1e-9)
    c = pm.customer_lifetime_value(
        weekly, spend, cdnow_rfm_weeks, horizon=180 / 7, discount_period=30 / 7, discount_rate=0.02
    )
    np.testing.assert_allclose(b, c, rtol=1e-12)


def test_clv_structure(
    cdnow_rfm_days: pd.DataFrame, models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_days
    base = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon="360D", discount_period="30D", discount_rate=0.0
    )
    discounted = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon="360D", discount_period="30D", discount_rate=0.05
    )
    longer = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon="720D", discount_period="30D", discount_rate=0.0
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
        purchase,
        spend,
        cdnow_rfm_days,
        horizon="360D",
        discount_period="30D",
        discount_rate=0.0,
        margin=margin,
    )
    np.testing.assert_allclose(with_margin, base * margin, rtol=1e-12)


def test_clv_intervals_are_seeded_and_bracket_the_point(
    cdnow_rfm_days: pd.DataFrame, models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_days
    kwargs = {
        "horizon": "360D",
        "discount_period": "30D",
        "discount_rate": 0.01,
        "confidence": 0.9,
        "n_draws": 60,
    }
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
        call(
            purchase, spend, cdnow_rfm_days, horizon="0D", discount_period="30D", discount_rate=0.01
        )
    with pytest.raises(DataValidationError, match="argument 'discount_rate'"):
        call(
            purchase,
            spend,
            cdnow_rfm_days,
            horizon="360D",
            discount_period="30D",
            discount_rate=-0.1,
        )
    with pytest.raises(DataValidationError, match=r"argument 'discount_period'.*no fixed length"):
        call(
            purchase,
            spend,
            cdnow_rfm_days,
            horizon="360D",
            discount_period="1M",
            discount_rate=0.01,
        )
    with pytest.raises(DataValidationError, match=r"argument 'discount_period': none given"):
        call(purchase, spend, cdnow_rfm_days, horizon="360D", discount_rate=0.01)
    with pytest.raises(TypeError, match="unexpected keyword argument 'periods'"):
        call(purchase, spend, cdnow_rfm_days, horizon="360D", discount_rate=0.01, periods=3)
    partial = pd.Series(0.3, index=cdnow_rfm_days.index[:10])
    with pytest.raises(
        DataValidationError, match=r"argument 'margin': 2347 missing margins \(first customer: 11\)"
    ):
        call(
            purchase,
            spend,
            cdnow_rfm_days,
            horizon="360D",
            discount_period="30D",
            discount_rate=0.01,
            margin=partial,
        )


# ---------------------------------------------------------------- issue 14: horizon is a length


@pytest.fixture(scope="module")
def models_weeks(cdnow_rfm_weeks: pd.DataFrame) -> tuple[pm.BetaGeoModel, pm.GammaGammaModel]:
    return pm.BetaGeoModel().fit(cdnow_rfm_weeks), pm.GammaGammaModel().fit(cdnow_rfm_weeks)


def test_new_spelling_is_the_old_result_and_freq_warns(
    cdnow_rfm_weeks: pd.DataFrame, models_weeks: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_weeks
    new = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_weeks, horizon="360D", discount_period="30D", discount_rate=0.01
    )
    assert round(float(new.loc[1]), 2) == 35.87
    with pytest.warns(
        FutureWarning, match=r"Write horizon='360D', discount_period='30D' \(same result\)"
    ):
        old = pm.customer_lifetime_value(
            purchase, spend, cdnow_rfm_weeks, horizon=12, freq="30D", discount_rate=0.01
        )
    np.testing.assert_array_equal(old.to_numpy(), new.to_numpy())
    with pytest.raises(DataValidationError, match="both freq= and discount_period="):
        pm.customer_lifetime_value(
            purchase,
            spend,
            cdnow_rfm_weeks,
            horizon=12,
            freq="30D",
            discount_period="30D",
            discount_rate=0.01,
        )


def test_horizon_must_be_whole_discount_periods(
    cdnow_rfm_weeks: pd.DataFrame, models_weeks: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_weeks
    # horizon=12 is 12 weeks here: 2.8 periods of 30 days, refused, naming both arguments.
    with pytest.raises(
        DataValidationError,
        match=r"argument 'horizon': 12 \(12 weeks\), which is 2\.8 times "
        r"discount_period='30D'.*write horizon='360D'",
    ):
        pm.customer_lifetime_value(
            purchase, spend, cdnow_rfm_weeks, horizon=12, discount_period="30D", discount_rate=0.01
        )
    # 52 weeks in 4-week periods: 13 periods, as a number or a duration.
    a = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_weeks, horizon=52, discount_period=4, discount_rate=0.01
    )
    b = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_weeks, horizon="364D", discount_period="28D", discount_rate=0.01
    )
    np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("freq", ["D", "W", "M", "H"])
def test_lifetimes_unit_letter_freq_is_refused_with_the_precimark_spelling(
    cdnow_rfm_days: pd.DataFrame,
    models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel],
    freq: str,
) -> None:
    # Regression: freq="D" was refused with a message about durations, not about lifetimes.
    purchase, spend = models_days
    with pytest.raises(
        DataValidationError,
        match=rf"argument 'freq': '{freq}', lifetimes' spelling.*horizon='360D', "
        r"discount_period='30D'",
    ):
        pm.customer_lifetime_value(
            purchase, spend, cdnow_rfm_days, horizon=12, freq=freq, discount_rate=0.01
        )


def test_freq_of_one_day_no_longer_discounts_daily_silently(
    cdnow_rfm_days: pd.DataFrame, models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    # Regression: freq="1D", horizon=12 meant 12 days discounted daily at a monthly rate, a
    # CLV about 30 times too small, without a word.
    purchase, spend = models_days
    for freq in ("1D", pd.Timedelta(days=1), 1, "24h", "1W"):
        with pytest.raises(
            DataValidationError,
            match=r"argument 'freq'.*looks like lifetimes' freq.*write horizon='360D', "
            r"discount_period='30D'",
        ):
            pm.customer_lifetime_value(
                purchase, spend, cdnow_rfm_days, horizon=12, freq=freq, discount_rate=0.01
            )
    twelve_days = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon="12D", discount_period="1D", discount_rate=0.01
    )
    twelve_months = pm.customer_lifetime_value(
        purchase, spend, cdnow_rfm_days, horizon="360D", discount_period="30D", discount_rate=0.01
    )
    assert twelve_months.sum() > 15 * twelve_days.sum()


def test_lifetimes_time_argument_is_refused_with_the_precimark_spelling(
    cdnow_rfm_days: pd.DataFrame, models_days: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, spend = models_days
    with pytest.raises(
        DataValidationError,
        match=r"argument 'time': 6, lifetimes' spelling.*Write horizon='180D', discount_period='30D'",
    ):
        pm.customer_lifetime_value(purchase, spend, cdnow_rfm_days, time=6, discount_rate=0.01)


def test_clv_refuses_a_frame_without_unit(
    cdnow_rfm_weeks: pd.DataFrame,
    cdnow_rfm_days: pd.DataFrame,
    models_weeks: tuple[pm.BetaGeoModel, pm.GammaGammaModel],
) -> None:
    purchase, spend = models_weeks
    bare = cdnow_rfm_days.copy()
    bare.attrs = {}
    kwargs = {"horizon": "360D", "discount_period": "30D", "discount_rate": 0.01}
    with pytest.raises(DataValidationError, match=r"argument 'time_unit': no time unit given"):
        pm.customer_lifetime_value(purchase, spend, bare, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match=r"a frame in time unit 'D' \(days\)"):
        pm.customer_lifetime_value(purchase, spend, bare, time_unit="D", **kwargs)  # type: ignore[arg-type]
    weeks = cdnow_rfm_weeks.copy()
    weeks.attrs = {}
    stated = pm.customer_lifetime_value(purchase, spend, weeks, time_unit="W", **kwargs)  # type: ignore[arg-type]
    assert round(float(stated.loc[1]), 2) == 35.87


def test_clv_takes_any_purchase_model(
    cdnow_rfm_weeks: pd.DataFrame, models_weeks: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    from precimark.clv import PurchaseModel

    purchase, spend = models_weeks

    class Wrapped:
        """A model of one's own, seen only through the public PurchaseModel protocol."""

        time_unit_ = purchase.time_unit_
        params_ = purchase.params_

        def expected_purchases(
            self, rfm: pd.DataFrame, horizon: object, *, time_unit: object = None
        ) -> pd.Series:
            return purchase.expected_purchases(rfm, horizon, time_unit=time_unit)  # type: ignore[arg-type]

        def probability_alive(self, rfm: pd.DataFrame, *, time_unit: object = None) -> pd.Series:
            return purchase.probability_alive(rfm, time_unit=time_unit)  # type: ignore[arg-type]

        def expected_purchases_new_customer(
            self, horizon: object, *, time_unit: object = None
        ) -> float:
            return purchase.expected_purchases_new_customer(horizon, time_unit=time_unit)  # type: ignore[arg-type]

    wrapped = Wrapped()
    assert isinstance(wrapped, PurchaseModel)
    kwargs = {"horizon": "360D", "discount_period": "30D", "discount_rate": 0.01}
    a = pm.customer_lifetime_value(wrapped, spend, cdnow_rfm_weeks, **kwargs)  # type: ignore[arg-type]
    b = pm.customer_lifetime_value(purchase, spend, cdnow_rfm_weeks, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(a, b, rtol=1e-9)


def test_clv_refuses_a_spend_model_that_is_not_one(
    cdnow_rfm_weeks: pd.DataFrame, models_weeks: tuple[pm.BetaGeoModel, pm.GammaGammaModel]
) -> None:
    purchase, _ = models_weeks
    kwargs = {"horizon": "360D", "discount_period": "30D", "discount_rate": 0.01}
    with pytest.raises(DataValidationError, match=r"argument 'spend_model': a str"):
        pm.customer_lifetime_value(purchase, "gg", cdnow_rfm_weeks, **kwargs)  # type: ignore[arg-type]
