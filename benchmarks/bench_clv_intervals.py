"""Cost of CLV intervals: predictive vs expectation vs the point estimate, same run.

A simulated base (``make_transactions``, default 50,000 customers), BG/NBD + Gamma-Gamma fitted
once; then the call a user types, ``customer_lifetime_value(..., horizon="360D",
discount_period="30D", discount_rate=0.01)``, without an interval, with
``confidence=0.9`` (expectation) and with ``interval_kind="predictive"`` (defaults otherwise:
``n_draws=200``). Prints the median of ``repeats`` runs, the ratios, and the peak memory the
predictive call allocates (tracemalloc)::

    python benchmarks/bench_clv_intervals.py [n_customers repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

import precimark as pm
from precimark.datasets import make_transactions


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(n: int = 50_000, repeats: int = 3) -> None:
    sim = make_transactions(n, random_state=0)
    rfm = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end, time_unit="D")
    purchase = pm.BetaGeoModel().fit(rfm)
    spend = pm.GammaGammaModel().fit(rfm)
    args = {"horizon": "360D", "discount_period": "30D", "discount_rate": 0.01}

    def point() -> object:
        return pm.customer_lifetime_value(purchase, spend, rfm, **args)

    def expectation() -> object:
        return pm.customer_lifetime_value(
            purchase, spend, rfm, confidence=0.9, random_state=0, **args
        )

    def predictive() -> object:
        return pm.customer_lifetime_value(
            purchase,
            spend,
            rfm,
            confidence=0.9,
            interval_kind="predictive",
            random_state=0,
            **args,
        )

    results = {fn.__name__: median_seconds(fn, repeats) for fn in (point, expectation, predictive)}
    tracemalloc.start()
    predictive()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{n:,} customers, 12 periods of 30 days, n_draws=200, median of {repeats} runs")
    for name, seconds in results.items():
        print(f"  {name:<12} {seconds:8.3f} s  {seconds / results['point']:8.1f}x the point")
    print(f"  predictive / expectation: {results['predictive'] / results['expectation']:.1f}x")
    print(f"  predictive peak allocation: {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
