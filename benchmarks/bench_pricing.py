"""PricingPolicy.decide on 1M customers vs a row-by-row Python implementation of the same policy.

The template policy (sensitivity discount with uplift, loyalty tiers, wallet discount, list
price; best offer; 20% cap; new-customer parity; consent gate) prices every customer. The
baseline loops over customers in plain Python building the same decision record (price,
reasons, rules fired and applied, features used, expiry, hints); it runs on a subsample (rows
are independent, so its time scales linearly) and must give the same prices and reasons there.
Prints medians and the ratio.

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


def row_by_row(customers: pd.DataFrame, list_price: float) -> list[dict[str, object]]:
    """The template policy, one customer at a time, with the same decision record fields."""
    tiers = [("Silver", 5, 0.05), ("Gold", 10, 0.1), ("VIP", 20, 0.15)]
    at = pd.Timestamp(AT)
    out: list[dict[str, object]] = []
    for row in customers.itertuples():
        record: dict[str, object] = {
            "customer_id": row.Index,
            "policy": "differentiated_pricing",
            "list_price": list_price,
            "reference_price": list_price,
            "probability": 1.0,
            "decided_at": at,
        }
        if not row.consent_personalised_pricing:
            record.update(
                final_price=list_price, reason_codes="no consent", rules_fired="",
                personalised=False, features_used="", valid_until=None,
                what_would_change="consent to personalised pricing",
            )  # fmt: skip
            out.append(record)
            continue

        def offers(orders: float, row=row) -> list[tuple[float, str, str, str]]:  # type: ignore[no-untyped-def]
            found = []
            if row.price_sensitivity > 0.6 and row.uplift > 0:
                found.append((0.1, "sensitivity_discount", "price sensitivity above 0.6: "
                              "10% off for 7 days", "price_sensitivity, uplift"))  # fmt: skip
            held = [t for t in tiers if orders >= t[1]]
            if held:
                name, _, discount = held[-1]
                found.append((discount, "loyalty_tiers", f"loyalty tier {name}: {discount:.0%} off",
                              "orders_365d"))  # fmt: skip
            if row.channel == "wallet":
                found.append((0.03, "channel_discount", "paying with wallet: 3% off", "channel"))
            return found

        fired = offers(row.orders_365d)
        chosen = max(fired, key=lambda o: o[0]) if fired else (0.0, "", "list price", "")
        price = list_price * (1 - min(chosen[0], 0.2))
        new = offers(0)
        new_chosen = max(new, key=lambda o: o[0]) if new else (0.0, "", "list price", "")
        parity = list_price * (1 - min(new_chosen[0], 0.2)) < price
        if parity:
            chosen = new_chosen
            price = list_price * (1 - min(chosen[0], 0.2))
        hints = []
        if row.price_sensitivity <= 0.6:
            hints.append("price sensitivity above 0.6 → 10% off")
        nxt = [t for t in tiers if row.orders_365d < t[1]]
        if nxt:
            gap = nxt[0][1] - row.orders_365d
            hints.append(f"{gap} more orders within 365 days → {nxt[0][0]}: {nxt[0][2]:.0%} off")
        if row.channel != "wallet":
            hints.append("paying with wallet → 3% off")
        record.update(
            final_price=price,
            discount=list_price - price,
            rules_fired=", ".join(o[1] for o in fired),
            rules_applied=chosen[1],
            reason_codes=chosen[2],
            guardrails_applied="new_customer_parity" if parity else "",
            personalised=bool(chosen[1]),
            features_used=chosen[3],
            valid_until=at + pd.Timedelta(days=7) if chosen[1] == "sensitivity_discount" else None,
            what_would_change="; ".join(hints),
        )
        out.append(record)
    return out


def main(n_customers: int = 1_000_000, repeats: int = 3, n_baseline: int = 100_000) -> float:
    customers = make_customers(n_customers)
    policy = differentiated_pricing_policy()
    sample = customers.iloc[: min(n_baseline, n_customers)]
    print(f"{n_customers:,} customers; baseline on {len(sample):,} (scaled linearly)")

    ours = policy.decide(sample, 100.0, at=AT)
    theirs = row_by_row(sample, 100.0)
    np.testing.assert_allclose(ours["final_price"], [r["final_price"] for r in theirs], rtol=1e-12)
    assert ours["reason_codes"].astype(str).tolist() == [r["reason_codes"] for r in theirs]
    print("prices and reasons identical to the row-by-row baseline on the subsample")

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
