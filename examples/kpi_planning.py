"""Plan a test, watch it every day, read it once: precimark.kpi from design to decision.

A shop wants to know whether free shipping raises conversion (10% today) and average order
value. We

1. size the test: customers needed for +10% conversion, with and without CUPED, and the
   smallest effect a fixed budget can detect;
2. simulate the test (known truth) and monitor it daily with a confidence sequence, which may
   be watched every day without inflating false positives;
3. read the final result: conversion (Newcombe), average order value (a ratio metric, delta
   method), the lift's log-scale interval, and the top spenders' revenue (bootstrap);
4. run a three-arm follow-up against one control with Holm's correction across the arms.

Run: python examples/kpi_planning.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from precimark.kpi import (
    campaign_effect,
    compare_arms,
    confidence_sequence,
    minimum_detectable_effect,
    quantile_difference,
    sample_size,
)

rng = np.random.default_rng(19)

# --- 1. plan
plan = sample_size(metric="proportion", baseline=0.10, relative_effect=0.10, power=0.8)
print(f"+10% conversion (10% -> 11%), 80% power, 5% two-sided: {plan.n:,} customers")
one_sided = sample_size(
    metric="proportion", baseline=0.10, relative_effect=0.10, alternative="greater"
)
print(f"  one-sided (only an increase matters, decided now): {one_sided.n:,}")
revenue_plan = sample_size(metric="mean", baseline=6.0, std=25.0, relative_effect=0.10)
cuped_plan = sample_size(
    metric="mean", baseline=6.0, std=25.0, relative_effect=0.10, correlation=0.45
)
print(
    f"+10% revenue per customer (mean 6, sd 25): {revenue_plan.n:,}; with CUPED "
    f"(pre-period correlation 0.45): {cuped_plan.n:,}"
)
budget = minimum_detectable_effect(metric="proportion", baseline=0.10, n=20_000, ratio=1.0)
print(f"with 20,000 customers the smallest detectable lift is {budget.relative_effect:+.1%}\n")

# --- 2. the test, customers arriving over 28 days, monitored every evening
n = plan.n
day = np.sort(rng.integers(0, 28, n))
treated = rng.random(n) < 0.5
bought = rng.random(n) < 0.10 * (1.0 + 0.12 * treated)  # the truth: +12%
orders = np.where(bought, rng.poisson(0.4, n) + 1, 0)
revenue = np.where(bought, rng.gamma(2.0 * orders.clip(1), 20.0 * (1.0 + 0.05 * treated)), 0.0)
evenings = np.searchsorted(day, np.arange(1, 29))  # customers seen by the end of each day
evenings = evenings[evenings >= 100]
seq = confidence_sequence(bought.astype(float), treated, planned_n=n, looks=evenings)
print("daily monitoring of the conversion difference (always-valid vs fixed-horizon):")
print(seq.table[["difference", "cs_low", "cs_high", "ci_low", "ci_high"]].iloc[::7].round(4))
stop = seq.first_exclusion()
print(
    f"first evening whose sequence excludes 0: after {stop:,} customers\n"
    if stop
    else "the sequence never excluded 0: keep the test running to its planned size\n"
)

# --- 3. the final read, once
test = pd.DataFrame(
    {"treated": treated, "bought": bought.astype(int), "orders": orders, "revenue": revenue},
    index=pd.Index(np.arange(n), name="customer_id"),
)
conversion = campaign_effect(test, treatment="treated", metric_column="bought")
print("conversion difference:", conversion.difference)
print("conversion lift (log-scale interval, the difference's p-value):", conversion.relative_lift)
# Average order value over *all* randomised customers (non-buyers add 0 to both sums):
# restricting to buyers would compare groups the treatment itself selected (and fails the
# sample-ratio check when the treatment changes who buys).
aov = campaign_effect(
    test, treatment="treated", metric_column="revenue", denominator_column="orders"
)
print("average order value, treated - control (delta method):", aov.difference)
print(
    "95th percentile of revenue per customer, treated - control (bootstrap):",
    quantile_difference(
        test.loc[test["treated"], "revenue"],
        test.loc[~test["treated"], "revenue"],
        quantile=0.95,
        random_state=0,
    ),
)
mde = conversion.minimum_detectable_effect
if mde is not None:
    print(f"this test could detect {mde.relative_effect:+.1%} with 80% power\n")

# --- 4. three arms against one control
labels = np.array(["control", "free shipping", "5 EUR voucher"])
arm = rng.permutation(np.resize(labels, 15_000))
rate = np.select([arm == "free shipping", arm == "5 EUR voucher"], [0.115, 0.102], 0.10)
arms = pd.DataFrame({"arm": arm, "bought": (rng.random(15_000) < rate).astype(int)})
result = compare_arms(arms, arm_column="arm", control="control", metric_column="bought")
print("three-arm test, each arm vs control (Holm across arms):")
print(result.to_frame()[["value", "ci_low", "ci_high", "p_value", "p_value_adjusted"]].round(4))
