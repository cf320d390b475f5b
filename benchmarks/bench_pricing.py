"""PricingPolicy.decide on 1M customers vs a row-by-row Python implementation of the same policy.

The template policy (sensitivity discount with uplift, loyalty tiers, wallet discount, list
price; best offer; 20% cap; new-customer parity; consent gate) prices every customer. The
baseline loops over customers in plain Python; it runs on a subsample (rows are independent,
so its time scales linearly) and must give the same prices there. Prints medians and the ratio.

    python benchmarks/bench_pricing.py [n_customers] [repeats] [baseline_customers]
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from precimark.pricing import differentiated_pricing_policy

AT = "2025-01-01"


def make_customers(n: int, seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "orders_365d": rng.poisson(4, n),
            "price_sensitivity": rng.beta(2, 5, n),
            "uplift": rng.normal(0.02, 0.03, n),
            "channel": pd.Categorical(rng.choice(["card", "wallet", "paypal"], n)),
            "consent_personalised_pricing": rng.random(n) < 0.6,
        },
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )


def row_by_row(customers: pd.DataFrame, list_price: float) -> list[tuple[float, str]]:
    """The template policy, one customer at a time."""
    tiers = [("VIP", 20, 0.15), ("Gold", 10, 0.1), ("Silver", 5, 0.05)]
    out = []
    for row in customers.itertuples():
        if not row.consent_personalised_pricing:
            out.append((list_price, "no consent"))
            continue

        def best(orders: float, row=row) -> tuple[float, str]:  # type: ignore[no-untyped-def]
            offers = []
            if row.price_sensitivity > 0.6 and row.uplift > 0:
                offers.append((0.1, "price sensitivity above 0.6: 10% off for 7 days"))
            for name, threshold, discount in tiers:
                if orders >= threshold:
                    offers.append((discount, f"loyalty tier {name}: {discount:.0%} off"))
                    break
            if row.channel == "wallet":
                offers.append((0.03, "paying with wallet: 3% off"))
            if not offers:
                return list_price, "list price"
            discount, reason = max(offers, key=lambda o: o[0])  # first of the largest
            return list_price * (1 - min(discount, 0.2)), reason

        price, reason = best(row.orders_365d)
        new_price, new_reason = best(0)
        if new_price < price:
            price, reason = new_price, new_reason
        out.append((price, reason))
    return out


def main(n_customers: int = 1_000_000, repeats: int = 3, n_baseline: int = 100_000) -> float:
    customers = make_customers(n_customers)
    policy = differentiated_pricing_policy()
    sample = customers.iloc[: min(n_baseline, n_customers)]
    print(f"{n_customers:,} customers; baseline on {len(sample):,} (scaled linearly)")

    ours = policy.decide(sample, 100.0, at=AT)
    theirs = row_by_row(sample, 100.0)
    np.testing.assert_allclose(ours["final_price"], [p for p, _ in theirs], rtol=1e-12)
    print("prices identical to the row-by-row baseline on the subsample")

    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        policy.decide(customers, 100.0, at=AT)
        runs.append(time.perf_counter() - start)
    vectorised = statistics.median(runs)
    base_runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        row_by_row(sample, 100.0)
        base_runs.append(time.perf_counter() - start)
    baseline = statistics.median(base_runs) * n_customers / len(sample)
    tracemalloc.start()
    policy.decide(customers, 100.0, at=AT)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  precimark: median {vectorised:.2f} s over {repeats} runs (peak {peak / 1e6:.0f} MB)")
    print(f"row-by-row: {baseline:.2f} s (median over {repeats} runs, scaled to {n_customers:,})")
    ratio = baseline / vectorised
    print(f"speed-up: {ratio:.1f}x")
    return ratio


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
