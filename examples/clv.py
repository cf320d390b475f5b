"""CLV on the CDNOW sample: fit, predict, value, evaluate (runs in a few seconds)."""

from __future__ import annotations

import pandas as pd

import precimark as pm
from precimark.clv import compare_models, evaluate
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow

tx = load_cdnow(sample=True)
rfm = pm.rfm_summary(tx, observation_end=CDNOW_CALIBRATION_END, time_unit="W")

bgnbd = pm.BetaGeoModel().fit(rfm)
spend = pm.GammaGammaModel().fit(rfm)
print("BG/NBD parameters (Fader, Hardie & Lee 2005: 0.243, 4.414, 0.793, 2.426):")
print(bgnbd.summary_.round(3).to_string())
print(f"log-likelihood {bgnbd.log_likelihood_:.1f} (paper: -9582.4)")
print("Gamma-Gamma:", {k: round(v, 2) for k, v in spend.params_.items()})

scores = pd.DataFrame(
    {
        "probability_alive": bgnbd.probability_alive(rfm),
        "expected_purchases_13w": bgnbd.expected_purchases(rfm, 13),
        "clv_12x30d": pm.customer_lifetime_value(
            bgnbd, spend, rfm, horizon="360D", discount_period="30D", discount_rate=0.01, margin=0.3
        ),
    }
)
print("\nTop 5 customers by 12-period CLV (30% margin, 1% per 30 days):")
print(scores.sort_values("clv_12x30d", ascending=False).head().round(2).to_string())

split = pm.calibration_holdout_split(
    tx, calibration_end=CDNOW_CALIBRATION_END, observation_end=CDNOW_OBSERVATION_END, time_unit="W"
)
calibration = split[["frequency_cal", "recency_cal", "T_cal"]].set_axis(
    ["frequency", "recency", "T"], axis=1
)
report = evaluate(pm.BetaGeoModel().fit(calibration, time_unit="W"), split)
print("\nHoldout (weeks 40-78): actual vs predicted purchases by calibration frequency")
print(report.per_frequency.round(2).to_string())
print(report.summary().round(3).to_string())
print("\nModel comparison:")
print(compare_models(split).round(3).to_string())

# Intervals: "expectation" covers the model's average, "predictive" what will be observed.
band = pm.customer_lifetime_value(
    bgnbd,
    spend,
    rfm,
    horizon="360D",
    discount_period="30D",
    discount_rate=0.01,
    margin=0.3,
    confidence=0.9,
    interval_kind="predictive",
    random_state=0,
)
print("\n90% predictive CLV intervals of the top 5 customers:")
print(band.loc[scores.sort_values("clv_12x30d", ascending=False).index[:5]].round(2).to_string())
purchases_13w = bgnbd.expected_purchases(
    rfm, 13, confidence=0.9, interval_kind="predictive", random_state=0
)
print("\nPurchases in the next 13 weeks, 90% predictive interval (first 3 customers):")
print(purchases_13w.head(3).round(2).to_string())
buyer = (rfm["frequency"] > 0).map({True: "repeat buyer", False: "one purchase"})
print("\nSegment totals of the 12-period CLV (90% predictive intervals):")
print(
    pm.clv.segment_value(
        bgnbd,
        spend,
        rfm,
        groups=buyer.rename("segment"),
        horizon="360D",
        discount_period="30D",
        discount_rate=0.01,
        margin=0.3,
        random_state=0,
    )
    .round(0)
    .to_string()
)
