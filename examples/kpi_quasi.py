"""Campaigns without a hold-out: synthetic control, interrupted time series and an event study.

A shop ran three things it could not randomise (simulated data, so the truth is known):

1. a billboard campaign in one region from week 30 (true effect +3 per week): a synthetic
   control from the other 39 regions, its placebo-in-space p-value and interval, and a
   placebo-in-time check on the pre-period;
2. a new checkout for everyone from January 2024 (true effect +25 orders a month): an
   interrupted time series with monthly seasonality, plain and Newey-West errors;
3. a store promotion rolled out in three waves (weeks 4, 6 and 8) to 45 of 60 stores (true
   effect 1 + 0.5 per week since the start): a staggered difference-in-differences with its
   event study (Sun & Abraham's estimator; the naive pooled TWFE would be biased);

and writes every result as JSON, ready for a dashboard, and the two usual charts if matplotlib
(the ``plot`` extra) is installed.

Run: python examples/kpi_quasi.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from precimark.kpi import difference_in_differences, interrupted_time_series, synthetic_control

rng = np.random.default_rng(2024)

# --- 1. a regional campaign: synthetic control ------------------------------------------------
weeks = pd.date_range("2024-01-01", periods=40, freq="W-MON")
factors = np.cumsum(rng.normal(0, 1, (40, 2)), axis=0)
regions = pd.DataFrame(
    100 + factors @ rng.uniform(0.5, 1.5, (2, 40)) + rng.normal(0, 0.5, (40, 40)),
    index=weeks,
    columns=[f"region_{i:02d}" for i in range(39)] + ["north"],
)
launch = weeks[30]
regions.loc[launch:, "north"] += 3.0

sc = synthetic_control(regions, treated_unit="north", intervention=launch)
print("1. Billboards in the north (synthetic control from 39 regions)")
print("   weights:", sc.unit_weights.head(4).round(3).to_dict())
print(f"   pre-period RMSPE {sc.pre_rmspe:.2f} (weekly revenue is about 100)")
print(f"   average effect per week: {sc.average_effect}")
print(f"   total over {sc.n_post} weeks: {sc.cumulative_effect}")
print(f"   placebo-in-space rank p-value: {sc.p_value:.3f} (the smallest possible is 1/40)")
fake = synthetic_control(regions.loc[: weeks[29]], treated_unit="north", intervention=weeks[22])
print(f"   placebo in time (fake start in week 22): {fake.average_effect.value:+.2f} per week")

# --- 2. a new checkout for everyone: interrupted time series ----------------------------------
months = pd.date_range("2019-01-31", periods=72, freq="ME")
noise = np.zeros(72)
for t in range(1, 72):  # autocorrelated noise, as real sales are
    noise[t] = 0.4 * noise[t - 1] + rng.normal(0, 10)
orders = pd.Series(
    500 + 4 * np.arange(72) + 40 * np.sin(2 * np.pi * months.month / 12) + noise, index=months
)
orders[months >= "2024-01-01"] += 25.0

print("\n2. New checkout (interrupted time series, monthly dummies)")
for errors in ("iid", "hac"):
    its = interrupted_time_series(
        orders, intervention="2024-01-01", seasonality="month", errors=errors
    )
    print(f"   errors={errors!r}: {its.average_effect}")
    for note in its.average_effect.warnings:
        print(f"     warning: {note}")
print(f"   total over 2024: {its.cumulative_effect}")

# --- 3. a promotion in three waves: staggered difference-in-differences -----------------------
store = np.repeat(np.arange(60), 10)
week = np.tile(np.arange(10), 60)
start = np.repeat([99, 4, 6, 8], 15)[store]  # 99: never promoted
lift = np.where(week >= start, 1 + 0.5 * (week - start), 0.0)
panel = pd.DataFrame(
    {
        "store": store,
        "week": week,
        "sales": rng.normal(20, 3, 60)[store] + 0.3 * week + lift + rng.normal(0, 1, 600),
        "promo": (week >= start).astype(int),
    }
)
did = difference_in_differences(
    panel, unit_column="store", period_column="week", metric_column="sales", treatment="promo"
)
truth = lift[week >= start].mean()
print(f"\n3. Promotion in three waves ({did.estimator})")
print(f"   average effect on promoted store-weeks: {did.average_effect} (truth {truth:.2f})")
print(f"   pre-trend test p = {did.pretrend_p_value:.2f}")
print(did.to_frame().round(2).to_string())

# --- JSON for a dashboard ---------------------------------------------------------------------
folder = Path(tempfile.mkdtemp(prefix="precimark-quasi-"))
for name, result in (("synthetic_control", sc), ("its", its), ("event_study", did)):
    (folder / f"{name}.json").write_text(json.dumps(result.to_dict(), allow_nan=False))
print(f"\nJSON results in {folder}")

# --- charts (the ``plot`` extra) --------------------------------------------------------------
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib not installed: no charts)")
else:
    path = sc.to_frame()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(path.index, path["observed"], label="north")
    left.plot(path.index, path["synthetic"], "--", label="synthetic north")
    left.axvline(launch, color="grey", lw=0.8)
    left.set_title("Synthetic control")
    left.legend()
    study = did.to_frame()
    right.errorbar(
        study.index,
        study["value"],
        yerr=[study["value"] - study["ci_low"], study["ci_high"] - study["value"]],
        fmt="o",
    )
    right.axhline(0, color="grey", lw=0.8)
    right.axvline(-0.5, color="grey", lw=0.8, ls=":")
    right.set_title("Event study (reference: week -1)")
    fig.tight_layout()
    fig.savefig(folder / "quasi.png")
    plt.close(fig)
    print(f"charts in {folder / 'quasi.png'}")
