"""How often does a 95% relative-lift interval miss, and on which side? A simulation.

At 500 customers per arm, a relative lift ``treated / control - 1`` is a ratio of two noisy
means: its sampling distribution is skewed, so an interval symmetric on the ratio scale
misses low far more often than high. precimark's interval is symmetric on the log scale
(delta method on ``log(treated / control)``, Welch degrees of freedom, as tea-tasting), which
balances the two tails. This script prints the table shown in docs/kpi.md.

Run: python examples/kpi_lift_coverage.py
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from precimark.kpi.intervals import relative_difference_from_moments

N_PER_ARM = 500
REPLICATIONS = 4_000
LIFT = 0.10
rng = np.random.default_rng(2024)


def conversion(size: tuple[int, int], scale: float) -> np.ndarray:
    return (rng.random(size) < 0.05 * scale).astype(float)


def revenue(size: tuple[int, int], scale: float) -> np.ndarray:
    # 20% of customers buy; spend Gamma(2, 25): mean revenue per customer 10 (control)
    return (rng.random(size) < 0.2 * scale) * rng.gamma(2.0, 25.0, size)


def heavy_tailed(size: tuple[int, int], scale: float) -> np.ndarray:
    return rng.lognormal(0.0, 1.5, size) * scale


SCENARIOS = {
    "conversion 5% -> 5.5%": conversion,
    "revenue, 20% buyers": revenue,
    "revenue, lognormal (sigma 1.5)": heavy_tailed,
}

print(f"{N_PER_ARM} customers per arm, true lift +{LIFT:.0%}, {REPLICATIONS} replications")
print(f"(binomial standard error of a 2.5% tail: {math.sqrt(0.025 * 0.975 / REPLICATIONS):.2%})\n")
print("| outcome | interval | misses low | misses high | coverage |")
print("|---|---|---:|---:|---:|")
z = stats.norm.ppf(0.975)
for name, draw in SCENARIOS.items():
    t = draw((REPLICATIONS, N_PER_ARM), 1.0 + LIFT)
    c = draw((REPLICATIONS, N_PER_ARM), 1.0)
    mt, mc = t.mean(axis=1), c.mean(axis=1)
    vt, vc = t.var(axis=1, ddof=1), c.var(axis=1, ddof=1)
    usable = mc > 0
    # the symmetric interval on the ratio scale (precimark < 0.2, and most dashboards)
    se = np.sqrt(vt / N_PER_ARM / mc**2 + mt**2 * vc / N_PER_ARM / mc**4)
    sym_low, sym_high = mt / mc - 1 - z * se, mt / mc - 1 + z * se
    log_low, log_high = np.empty(REPLICATIONS), np.empty(REPLICATIONS)
    for k in range(REPLICATIONS):
        est = relative_difference_from_moments(
            N_PER_ARM, mt[k], vt[k], N_PER_ARM, mc[k], vc[k], confidence=0.95
        )
        log_low[k], log_high[k] = est.ci_low, est.ci_high
    for label, low, high in (
        ("symmetric, ratio scale", sym_low, sym_high),
        ("log scale (precimark)", log_low, log_high),
    ):
        below = float(np.mean((high < LIFT)[usable]))  # interval entirely below the truth
        above = float(np.mean((low > LIFT)[usable]))
        print(f"| {name} | {label} | {below:.1%} | {above:.1%} | {1 - below - above:.1%} |")
