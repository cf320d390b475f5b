"""Coverage of CLV intervals in simulation with known truth (issue 16; numbers in docs/clv.md).

Each base is drawn by :func:`precimark.datasets.make_transactions` from known BG/NBD +
Gamma-Gamma parameters (CDNOW's), split with :func:`precimark.calibration_holdout_split`
into a calibration period and a 180-day holdout, and fitted on the calibration period
(BG/NBD + Gamma-Gamma). Then the 90% intervals of the undiscounted holdout spend are compared
with the realised spend (purchase-day totals over the holdout, as the summary counts them):

- per customer: the share of customers whose realised spend lies in their own interval, for
  ``interval_kind="predictive"`` and ``"expectation"`` (the latter covers the *expected*
  spend, so it should cover almost no realised one);
- segment totals: the share of bases (and of four random segments per base) whose realised
  total lies in the :func:`precimark.clv.segment_value` interval.

Usage (defaults: 5 bases of 20,000 customers; 200 bases of 2,000 for the totals)::

    python benchmarks/coverage_clv_intervals.py [n_customers reps total_customers total_reps]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

import precimark as pm
from precimark.clv import segment_value
from precimark.datasets import make_transactions

HOLDOUT_DAYS = 180
ARGS = {
    "horizon": f"{HOLDOUT_DAYS}D",
    "discount_period": f"{HOLDOUT_DAYS}D",
    "discount_rate": 0.0,
    "confidence": 0.9,
    "time_unit": "D",
}


def base(
    n: int, random_state: int
) -> tuple[pm.BetaGeoModel, pm.GammaGammaModel, pd.DataFrame, pd.Series]:
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
    purchase = pm.BetaGeoModel().fit(calibration, time_unit="D")
    spend = pm.GammaGammaModel().fit(calibration)
    return purchase, spend, calibration, realised


def share(hits: list[bool] | list[float], n: int) -> str:
    value = float(np.mean(hits))
    return f"{value:.3f} (binomial s.e. {np.sqrt(0.09 / n):.3f}, n = {n:,})"


def main(n: int = 20_000, reps: int = 5, total_n: int = 2_000, total_reps: int = 200) -> None:
    start = time.perf_counter()
    predictive: list[float] = []
    expectation: list[float] = []
    for rep in range(reps):
        purchase, spend, calibration, realised = base(n, rep)
        for kind, store in (("predictive", predictive), ("expectation", expectation)):
            band = pm.customer_lifetime_value(
                purchase, spend, calibration, interval_kind=kind, random_state=rep, **ARGS
            )
            store.append(float(realised.between(band["clv_lower"], band["clv_upper"]).mean()))
        print(f"base {rep}: predictive {predictive[-1]:.4f}, expectation {expectation[-1]:.4f}")
    whole: list[bool] = []
    segments: list[bool] = []
    for rep in range(total_reps):
        purchase, spend, calibration, realised = base(total_n, 10_000 + rep)
        labels = pd.Series(
            np.random.default_rng(rep).integers(0, 4, len(calibration)), index=calibration.index
        )
        for groups, store in ((None, whole), (labels, segments)):
            totals = segment_value(
                purchase, spend, calibration, groups=groups, random_state=rep, **ARGS
            )
            actual = realised.groupby(labels).sum() if groups is not None else realised.sum()
            inside = (totals["clv_lower"] <= actual) & (actual <= totals["clv_upper"])
            store.extend(bool(v) for v in np.atleast_1d(np.asarray(inside)))
    elapsed = time.perf_counter() - start
    print(f"\n90% intervals of the realised {HOLDOUT_DAYS}-day spend (BG/NBD + Gamma-Gamma):")
    print(f"per customer, predictive : {share(predictive, n * reps)} over {reps} bases of {n:,}")
    print(f"per customer, expectation: {share(expectation, n * reps)}")
    print(f"base total, predictive   : {share(whole, total_reps)} over bases of {total_n:,}")
    print(f"segment totals (4 random): {share(segments, len(segments))}")
    print(f"{elapsed:.0f} s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
