"""Did the September mailing work? A campaign evaluated with precimark.kpi, every figure with
its confidence interval.

A simulated shop (known truth) runs a randomised test: among customers who consented to
marketing, half get a mailing with a 10% voucher on 1 September 2024, half are held out. We

1. build one outcome row per customer in the test (revenue in the 30 campaign days, revenue in
   the 90 days before, for CUPED), non-buyers included;
2. evaluate the campaign: conversion and revenue differences, lifts, incremental revenue, ROI,
   iROAS and cost per incremental customer, the sample-ratio check, Holm-adjusted p-values;
3. contrast the naive before/after sales growth with the difference-in-differences;
4. report retention, repeat purchase, AOV, NPS and a cohort matrix;
5. save the charts (if matplotlib is installed: the ``plot`` extra).

Run: python examples/kpi_campaign.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from precimark.datasets import make_transactions
from precimark.kpi import (
    average_order_value,
    campaign_cost,
    cohort_retention,
    cumulative_incremental_revenue,
    customer_activity,
    evaluate_campaign,
    nps_difference,
    repeat_purchase_rate,
    retention_rate,
    sales_growth,
)
from precimark.privacy import require_consent

START, END = pd.Timestamp("2024-09-01"), pd.Timestamp("2024-09-30")
PRE_START = START - pd.Timedelta(days=90)

# --- the shop: 20,000 simulated customers; only those with marketing consent enter the test
sim = make_transactions(20_000, random_state=3)
consent = require_consent(sim.customers, "marketing")
rng = np.random.default_rng(3)
eligible = consent.allowed.to_numpy()
treated_ids = pd.Index(rng.permutation(eligible)[: len(eligible) // 2], name="customer_id")
control_ids = pd.Index(np.setdiff1d(eligible, treated_ids), name="customer_id")
print(
    f"{len(sim.customers):,} customers, {consent.n_excluded:,} without marketing consent "
    f"(not contacted, not analysed); {len(treated_ids):,} treated, {len(control_ids):,} control"
)

# --- the simulated effect (the truth we hope to recover): 4% of treated customers place one
# extra order in September, paying 90% of the list price (the voucher)
responders = treated_ids[rng.random(len(treated_ids)) < 0.04]
list_price = np.round(rng.gamma(2.0, 30.0, len(responders)), 2)
extra = pd.DataFrame(
    {
        "customer_id": responders,
        "date": START + pd.to_timedelta(rng.integers(0, 30, len(responders)), unit="D"),
        "amount": np.round(0.9 * list_price, 2),
    }
)
transactions = pd.concat([sim.transactions[["customer_id", "date", "amount"]], extra])
print(
    f"true effect: +{len(responders) / len(treated_ids):.1%} conversion, "
    f"+{extra['amount'].sum() / len(treated_ids):.2f} revenue per treated customer "
    f"(before the voucher's effect on orders customers would have placed anyway)"
)

# --- one outcome row per customer in the test, non-buyers with revenue 0
in_test = treated_ids.append(control_ids)
during = customer_activity(transactions, start=START, end=END)["revenue"]
before = customer_activity(transactions, start=PRE_START, end=START - pd.Timedelta(days=1))
outcomes = pd.DataFrame(
    {
        "treated": in_test.isin(treated_ids),
        "revenue": during.reindex(in_test, fill_value=0.0),
        "pre_revenue": before["revenue"].reindex(in_test, fill_value=0.0),
    },
    index=in_test,
)

# --- cost: postage per contact, redeemed vouchers, and a fixed design cost
cost = campaign_cost(
    n_contacts=len(treated_ids),
    cost_per_contact=0.05,
    redeemed_discounts=float((list_price - extra["amount"]).sum()),
    fixed_cost=300.0,
)
arms = pd.Series(in_test.isin(treated_ids), index=in_test)
report = evaluate_campaign(
    outcomes,
    treatment="treated",
    revenue_column="revenue",
    pre_revenue_column="pre_revenue",
    cost=cost,
    margin=0.4,
    name="September mailing",
    cumulative=cumulative_incremental_revenue(transactions, treated=arms, start=START, end=END),
    cohorts=cohort_retention(transactions, freq="M", observation_end=END),
)
print(f"\ncampaign cost: {cost:,.2f}\n")
print(report.to_markdown())

# --- sales growth: naive before/after vs difference-in-differences
pre, post = (START - pd.Timedelta(days=30), START - pd.Timedelta(days=1)), (START, END)
print("sales growth, August -> September, all customers:")
print("  ", sales_growth(transactions, pre=pre, post=post))
print("difference-in-differences, revenue per customer, treated vs control:")
print(
    "  ", sales_growth(transactions, pre=pre, post=post, control=control_ids, treated=treated_ids)
)

# --- loyalty and satisfaction
print("\nretention, June-August -> September-November:")
print("  ", retention_rate(transactions, period_start="2024-06-01", period_end="2024-08-31"))
print("repeat purchase rate, first half of 2024:")
print("  ", repeat_purchase_rate(transactions, start="2024-01-01", end="2024-06-30"))
print("average order value, September (delta method over customers):")
print("  ", average_order_value(transactions, start=START, end=END))
survey_t = rng.choice(11, 400, p=[0.02, 0.01, 0.02, 0.03, 0.04, 0.06, 0.07, 0.15, 0.2, 0.2, 0.2])
survey_c = rng.choice(11, 380, p=[0.03, 0.02, 0.02, 0.03, 0.05, 0.07, 0.08, 0.15, 0.2, 0.18, 0.17])
print("NPS difference, treated minus control survey:")
print("  ", nps_difference(survey_t, survey_c))

# --- charts (the ``plot`` extra)
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\n(matplotlib not installed: no charts)")
else:
    folder = Path(tempfile.mkdtemp(prefix="precimark-kpi-"))
    for name, draw in (
        ("lift", report.plot_lift),
        ("cumulative", report.plot_cumulative),
        ("cohorts", report.plot_cohorts),
    ):
        ax = draw()
        ax.figure.savefig(folder / f"{name}.png", dpi=80, bbox_inches="tight")
        plt.close(ax.figure)
    print(f"\ncharts saved in {folder}")
