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


TIERS = [("Silver", 5, 0.05), ("Gold", 10, 0.1), ("VIP", 20, 0.15)]


def offers(
    orders: float, sensitivity: float, uplift: float, channel: str
) -> list[tuple[float, str, str, str]]:
    """The template's rules for one customer: (discount, rule, reason, features) that fire."""
    found = []
    if sensitivity > 0.6 and uplift > 0:
        found.append((0.1, "sensitivity_discount", "price sensitivity above 0.6 (offer valid 7 days)",
                      "price_sensitivity, uplift"))  # fmt: skip
    held = [t for t in TIERS if orders >= t[1]]
    if held:
        found.append((held[-1][2], "loyalty_tiers", f"loyalty tier {held[-1][0]}", "orders_365d"))
    if channel == "wallet":
        found.append((0.03, "channel_discount", "paying with wallet", "channel"))
    return found


def decide_one(
    orders: float, sensitivity: float, uplift: float, channel: str, list_price: float
) -> tuple[float, tuple[float, str, str, str], list[tuple[float, str, str, str]], bool]:
    """Best offer, 20% cap, rounded to the cent, new-customer parity: price, chosen, fired."""
    fired = offers(orders, sensitivity, uplift, channel)
    chosen = max(fired, key=lambda o: o[0]) if fired else (0.0, "", "list price", "")
    price = round(list_price * (1 - min(chosen[0], 0.2)), 2)
    new = offers(0, sensitivity, uplift, channel)
    new_chosen = max(new, key=lambda o: o[0]) if new else (0.0, "", "list price", "")
    new_price = round(list_price * (1 - min(new_chosen[0], 0.2)), 2)
    parity = new_price < price
    if parity:
        chosen, price = new_chosen, new_price
    return price, chosen, fired, parity


def row_by_row(customers: pd.DataFrame, list_price: float) -> list[dict[str, object]]:
    """The template policy, one customer at a time, with the same decision record fields.

    Hints are checked the same way: each change is re-decided and shown with its price only
    when it lowers the price.
    """
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
        orders, s, u, channel = row.orders_365d, row.price_sensitivity, row.uplift, row.channel
        price, chosen, fired, parity = decide_one(orders, s, u, channel, list_price)
        hints = []
        if s <= 0.6:
            p = decide_one(orders, np.nextafter(0.6, 1.0), u, channel, list_price)[0]
            if p < price:
                hints.append(f"price sensitivity above 0.6 → price {p:.2f}")
        for name, threshold, _ in TIERS:
            if orders < threshold:
                p = decide_one(threshold, s, u, channel, list_price)[0]
                if p < price:
                    gap = threshold - orders
                    unit = "order" if gap == 1 else "orders"
                    hints.append(
                        f"{gap:g} more {unit} within 365 days (tier {name}) → price {p:.2f}"
                    )
                    break
        if channel != "wallet":
            p = decide_one(orders, s, u, "wallet", list_price)[0]
            if p < price:
                hints.append(f"paying with wallet → price {p:.2f}")
        rate = 1 - price / list_price
        reasons = [f"{rate * 100:.1f}".removesuffix(".0") + "% off"] if price < list_price else []
        reasons.append(chosen[2])
        record.update(
            final_price=price,
            discount=list_price - price,
            rules_fired=", ".join(o[1] for o in fired),
            rules_applied=chosen[1],
            reason_codes="; ".join(reasons),
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
    hints = ours["what_would_change"].astype(str).tolist()
    assert hints == [r["what_would_change"] for r in theirs]
    print("prices, reasons and hints identical to the row-by-row baseline on the subsample")

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
