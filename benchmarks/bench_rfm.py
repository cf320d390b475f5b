"""rfm_summary vs lifetimes' summary_data_from_transaction_data on simulated customers.

Prints the median of several runs of each and their ratio (absolute times on shared machines
are noise; the ratio is the result). Values are checked to be identical first.

    python benchmarks/bench_rfm.py [n_customers] [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np

import precimark as pm
from precimark.datasets import make_transactions


def main(n_customers: int = 1_000_000, repeats: int = 3) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import summary_data_from_transaction_data

    sim = make_transactions(n_customers, random_state=2024)
    tx = sim.transactions
    end = sim.observation_end
    print(f"{n_customers:,} customers, {len(tx):,} transactions")

    def ours():  # type: ignore[no-untyped-def]
        return pm.rfm_summary(tx, observation_end=end)

    def theirs():  # type: ignore[no-untyped-def]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return summary_data_from_transaction_data(
                tx,
                "customer_id",
                "date",
                monetary_value_col="amount",
                observation_period_end=end,
                freq="D",
            )

    a, b = ours(), theirs()
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-9, err_msg=column)
    print("values identical to lifetimes (rtol 1e-9)")

    timings = {}
    for name, fn in (("precimark", ours), ("lifetimes", theirs)):
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        timings[name] = statistics.median(runs)
        print(f"{name:>10}: median {timings[name]:.2f} s over {repeats} runs")
    ratio = timings["lifetimes"] / timings["precimark"]
    print(f"speed-up: {ratio:.1f}x (target >= 5x)")
    return ratio


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
