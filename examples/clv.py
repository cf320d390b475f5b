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

# Covariates (issue 16): a simulated base where x1 raises the purchase rate and x2 the dropout.
from precimark.datasets import make_transactions  # noqa: E402

sim = make_transactions(
    5_000, random_state=7, covariate_effects={"alpha": {"x1": 0.5}, "a": {"x2": 0.4}}
)
rfm_cov = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end, time_unit="W")
rfm_cov = rfm_cov.assign(x1=sim.customers["x1"], x2=sim.customers["x2"])
with_covariates = pm.BetaGeoModel(purchase_covariates=["x1"], dropout_covariates=["x2"]).fit(
    rfm_cov
)
print("\nBG/NBD with covariates (truth: alpha[x1] 0.5, a[x2] 0.4, b[x2] 0):")
print(with_covariates.coefficients_.round(3).to_string())
print("likelihood-ratio test against no covariates:", with_covariates.lr_test_)
print(
    "13-week purchases of a new customer with x1 = +1 vs -1:",
    round(with_covariates.expected_purchases_new_customer(13, covariates={"x1": 1, "x2": 0}), 3),
    round(with_covariates.expected_purchases_new_customer(13, covariates={"x1": -1, "x2": 0}), 3),
)

# Churn-window probabilities and DERT (issue 16), conditional on each customer's history.
churn = pd.DataFrame(
    {
        "no_order_90d": bgnbd.probability_no_purchase(rfm, "90D"),
        "alive_in_26w": bgnbd.probability_alive(rfm, at=26),
        "exactly_1_order_13w": bgnbd.purchase_count_probability(rfm, 1, 13),
        # 10% a year as a continuous rate per week (the model's unit): ln(1.1) / 52
        "dert_10pct": bgnbd.discounted_expected_transactions(rfm, 0.0953102 / 52),
    }
)
print("\nChurn triggers: the 5 customers most likely to order nothing in the next 90 days")
print(churn.sort_values("no_order_90d", ascending=False).head().round(3).to_string())

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
