"""Conditional probabilities and DERT (issue 16) against lifetimes and against expected_purchases.

Pareto/NBD ``purchase_count_probability`` (n = 0..5) against lifetimes'
``conditional_probability_of_n_purchases_up_to_time`` on the same customers (the values are
checked to agree first); the other new methods against ``expected_purchases`` of the same model
measured in the same run (lifetimes has no DERT, no P(alive) at a future date and no BG/NBD
conditional probabilities). Medians of several runs; the ratio is the result (absolute times
on a shared machine are noise).

    python benchmarks/bench_clv_probabilities.py [copies] [repeats]

``copies`` stacks the CDNOW sample (2,357 customers) that many times: the cost follows the
distinct (frequency, recency, T) rows, not the customers.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import precimark as pm
from precimark.clv import _lifetimes
from precimark.datasets import CDNOW_CALIBRATION_END, load_cdnow


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(copies: int = 40, repeats: int = 3) -> None:
    rfm = pm.rfm_summary(
        load_cdnow(sample=True), observation_end=CDNOW_CALIBRATION_END, time_unit="W"
    )
    big = pd.concat([rfm] * copies, ignore_index=True)
    big.index.name = "customer_id"
    big.attrs["time_unit"] = "W"
    print(f"{len(big):,} customers ({copies} copies of CDNOW), load {os.getloadavg()[0]:.1f}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pareto = pm.ParetoNBDModel().fit(rfm)
        bgnbd = pm.BetaGeoModel().fit(rfm)

    fitter = pareto.to_lifetimes()
    for frame in (rfm, big):
        x, tx, T = (frame[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))

        def theirs(x: np.ndarray = x, tx: np.ndarray = tx, T: np.ndarray = T) -> list[np.ndarray]:
            with _lifetimes.quiet():
                return [
                    np.asarray(
                        fitter.conditional_probability_of_n_purchases_up_to_time(n, 39.0, x, tx, T)
                    )
                    for n in range(6)
                ]

        def ours(frame: pd.DataFrame = frame) -> list[np.ndarray]:
            return [pareto.purchase_count_probability(frame, n, 39).to_numpy() for n in range(6)]

        for a, b in zip(ours(), theirs(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)
        t_ours, t_theirs = median_time(ours, repeats), median_time(theirs, repeats)
        print(
            f"Pareto/NBD P(X = n | history), n = 0..5, {len(frame):,} customers: precimark "
            f"{t_ours:.3f} s, lifetimes {t_theirs:.3f} s, ratio {t_theirs / t_ours:.1f}x"
        )

    for name, model in (("Pareto/NBD", pareto), ("BG/NBD", bgnbd)):
        base = median_time(lambda m=model: m.expected_purchases(big, 39), repeats)
        rows = {
            "probability_no_purchase(90D)": lambda m=model: m.probability_no_purchase(big, "90D"),
            "purchase_count_probability(2, 39)": lambda m=model: m.purchase_count_probability(
                big, 2, 39
            ),
            "probability_alive(at=26)": lambda m=model: m.probability_alive(big, at=26),
            "discounted_expected_transactions": lambda m=model: m.discounted_expected_transactions(
                big, np.log(1.1) / 52
            ),
        }
        print(f"{name}, {len(big):,} customers: expected_purchases(39) {base:.3f} s (baseline)")
        for label, fn in rows.items():
            seconds = median_time(fn, repeats)
            print(f"  {label}: {seconds:.3f} s, {seconds / base:.1f}x the baseline")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
