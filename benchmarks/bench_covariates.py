"""Cost of covariates: BG/NBD and Pareto/NBD fits and predictions with and without them.

Same simulated base (``make_transactions(covariate_effects=...)``), same run, the defaults a user
types: ``pm.BetaGeoModel()`` is the baseline; ``pm.BetaGeoModel(purchase_covariates=[...],
dropout_covariates=[...])`` the contender. Medians of ``repeats`` runs; the ratio is contender
time over the baseline measured in the same run (a covariate fit includes the baseline fit it
starts from). Continuous covariates make every customer a distinct row; a 0/1 covariate (an
acquisition channel) keeps the compression on (frequency, recency, T, covariate).

    python benchmarks/bench_covariates.py            # 20,000 customers (Pareto/NBD 5,000), 3 repeats
    python benchmarks/bench_covariates.py N REPEATS
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import precimark as pm
from precimark.datasets import make_transactions


def _median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(n: int, repeats: int) -> None:
    sim = make_transactions(
        n, random_state=0, covariate_effects={"alpha": {"x1": 0.5}, "a": {"x2": 0.4}}
    )
    rfm = pm.rfm_summary(sim.transactions, observation_end=sim.observation_end, time_unit="W")
    rfm = rfm.assign(
        x1=sim.customers["x1"],
        x2=sim.customers["x2"],
        web=(sim.customers["x1"] > 0).astype(float),
    )
    print(f"{n:,} customers, load average {os.getloadavg()[0]:.1f}, medians of {repeats}")
    base = _median(lambda: pm.BetaGeoModel().fit(rfm), repeats)
    rows = [("BG/NBD fit, no covariates (baseline)", base, 1.0)]
    for label, kwargs in [
        (
            "BG/NBD fit, x1 + x2 (continuous)",
            {"purchase_covariates": ["x1"], "dropout_covariates": ["x2"]},
        ),
        (
            "BG/NBD fit, web (0/1) on both",
            {"purchase_covariates": ["web"], "dropout_covariates": ["web"]},
        ),
    ]:
        t = _median(lambda kwargs=kwargs: pm.BetaGeoModel(**kwargs).fit(rfm), repeats)
        rows.append((label, t, t / base))
    plain = pm.BetaGeoModel().fit(rfm)
    covariate = pm.BetaGeoModel(purchase_covariates=["x1"], dropout_covariates=["x2"]).fit(rfm)
    predict = _median(lambda: plain.expected_purchases(rfm, 13), repeats)
    rows.append(("expected_purchases, no covariates (baseline)", predict, 1.0))
    t = _median(lambda: covariate.expected_purchases(rfm, 13), repeats)
    rows.append(("expected_purchases, x1 + x2", t, t / predict))
    small = rfm.iloc[: max(n // 4, 1)]
    pareto = _median(lambda: pm.ParetoNBDModel().fit(small), 1)
    rows.append((f"Pareto/NBD fit on {len(small):,}, no covariates (baseline)", pareto, 1.0))
    t = _median(
        lambda: pm.ParetoNBDModel(purchase_covariates=["x1"], dropout_covariates=["x2"]).fit(small),
        1,
    )
    rows.append((f"Pareto/NBD fit on {len(small):,}, x1 + x2", t, t / pareto))
    width = max(len(r[0]) for r in rows)
    for label, seconds, ratio in rows:
        print(f"{label:<{width}}  {seconds:8.3f} s  ratio {ratio:6.2f}")
    gap = np.max(np.abs(covariate.coefficients_["coef"].to_numpy() - [0.5, 0.4, 0.0]))
    print(f"largest coefficient error against the truth: {gap:.3f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 20_000, args[1] if len(args) > 1 else 3)
