"""clv.tracking vs lifetimes' expected_cumulative_transactions on the full CDNOW log.

Daily tracking (546 days) of a day-unit BG/NBD fitted on the 39-week calibration period, the
defaults a user types on both sides. Prints the median of several runs and the ratio
(absolute times on shared machines are noise; the ratio is the result). The expected curves
are checked first: lifetimes' is precimark's one day later (it ages customers one day more).

    python benchmarks/bench_tracking.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

import precimark as pm
from precimark.clv import _lifetimes, tracking
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow


def main(repeats: int = 3) -> float:
    log = load_cdnow()
    rfm = pm.rfm_summary(log, observation_end=CDNOW_CALIBRATION_END, time_unit="D")
    model = pm.BetaGeoModel().fit(rfm)
    print(f"CDNOW: {len(rfm):,} customers, {len(log):,} transactions")

    def ours():  # type: ignore[no-untyped-def]
        return tracking(model, log, CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, period="1D")

    def theirs():  # type: ignore[no-untyped-def]
        with _lifetimes.quiet():
            from lifetimes.utils import expected_cumulative_transactions

            return expected_cumulative_transactions(
                model.to_lifetimes(), log, "date", "customer_id", t=546, freq="D"
            )

    a, b = ours(), theirs()
    np.testing.assert_array_equal(a["actual_cumulative"], b["actual"])
    np.testing.assert_allclose(
        a["expected_cumulative"].to_numpy()[1:], b["predicted"].to_numpy()[:-1], rtol=1e-9
    )
    print("actual identical; expected equal to lifetimes' one day later (rtol 1e-9)")

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
    print(f"precimark is {ratio:.1f}x faster")
    return ratio


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
