"""CustomerProfiler vs the same archive written as plain pandas groupbys, on simulated customers.

Checks that both give the same archive, then prints the median time and the peak traced
memory (tracemalloc) of each, and their ratios (absolute numbers on shared machines are noise;
the ratios are the result). The tests use :func:`naive_archive` as an independent oracle.

    python benchmarks/bench_profile.py [n_customers] [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from precimark.datasets import make_transactions
from precimark.profiling import BehaviouralSegmenter, CustomerProfiler, rfm_segments


def naive_archive(tx: pd.DataFrame, end: pd.Timestamp, top_band: float) -> pd.DataFrame:
    """The archive's core columns with straightforward pandas groupbys (no consent, no CLV)."""
    tx = tx[tx["date"] < pd.Timestamp(end).normalize() + pd.Timedelta(days=1)].copy()
    tx["day"] = tx["date"].dt.normalize()
    days = tx.groupby(["customer_id", "day"], sort=True)["amount"].sum().reset_index()
    per_day = days.groupby("customer_id").agg(
        purchase_days=("day", "size"),
        first=("day", "min"),
        last=("day", "max"),
        first_day_spend=("amount", "first"),
    )
    g = tx.groupby("customer_id")
    orders = g.size()
    total = g["amount"].sum()
    frequency = per_day["purchase_days"] - 1
    end_day = pd.Timestamp(end).normalize()
    repeat = total - per_day["first_day_spend"]
    rfm = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (per_day["last"] - per_day["first"]).dt.days.astype(float),
            "T": (end_day - per_day["first"]).dt.days.astype(float),
            "monetary_value": (repeat / frequency).where(frequency > 0, 0.0),
        }
    )
    out = pd.concat([rfm, rfm_segments(rfm)], axis=1)
    out["orders"] = orders
    out["total_spend"] = total
    out["average_order_value"] = total / orders
    out["aov_percentile"] = out["average_order_value"].round(6).rank(method="max", pct=True) * 100
    out["spend_percentile"] = total.round(6).rank(method="max", pct=True) * 100
    out["top_band_share"] = (tx["list_price"] >= top_band).groupby(tx["customer_id"]).mean()
    discounted = tx["amount"] < tx["list_price"]
    out["discount_order_share"] = discounted.groupby(tx["customer_id"]).mean()
    out["discount_spend_share"] = (
        tx["amount"].where(discounted, 0.0).groupby(tx["customer_id"]).sum() / total
    )
    spend = tx.pivot_table(
        index="customer_id",
        columns="category",
        values="amount",
        aggfunc="sum",
        fill_value=0.0,
        observed=False,
    )
    # Sorted by name: ties in the top category / preferred channel go to the first name.
    spend.columns = spend.columns.astype(str)
    shares = spend.div(total, axis=0).sort_index(axis=1)
    for category in shares.columns:
        out[f"spend_share_{category}"] = shares[category]
    out["top_category"] = shares.idxmax(axis=1).astype(str)
    out["category_concentration"] = (shares**2).sum(axis=1)
    channels = tx.groupby(["customer_id", "channel"], observed=False).size().unstack(fill_value=0)
    channels.columns = channels.columns.astype(str)
    channels = channels.sort_index(axis=1)
    for channel in channels.columns:
        out[f"channel_share_{channel}"] = channels[channel] / orders
    out["preferred_channel"] = channels.idxmax(axis=1).astype(str)
    return out


def _measure(fn, repeats: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(runs), peak / 2**20


def main(n_customers: int = 1_000_000, repeats: int = 3) -> None:
    sim = make_transactions(n_customers, random_state=2024)
    tx, end = sim.transactions, sim.observation_end
    print(f"{n_customers:,} customers, {len(tx):,} transactions")
    profiler = CustomerProfiler()

    def ours() -> pd.DataFrame:
        return profiler.fit_transform(tx, observation_end=end)

    def naive() -> pd.DataFrame:
        return naive_archive(tx, end, profiler.top_band_threshold_)

    a = ours()
    b = naive()
    shared = [c for c in b.columns if c not in ("top_category", "preferred_channel", "segment")]
    np.testing.assert_allclose(a[shared].to_numpy(float), b[shared].to_numpy(float), rtol=1e-9)
    assert (a["top_category"].astype(str) == b["top_category"]).all()
    assert (a["preferred_channel"].astype(str) == b["preferred_channel"]).all()
    assert (a["segment"] == b["segment"]).all()
    print(f"archives agree on {len(shared) + 3} columns (rtol 1e-9)")

    results = {name: _measure(fn, repeats) for name, fn in (("precimark", ours), ("pandas", naive))}
    for name, (seconds, mib) in results.items():
        print(f"{name:>10}: median {seconds:.2f} s over {repeats} runs, peak {mib:,.0f} MiB traced")
    speed = results["pandas"][0] / results["precimark"][0]
    memory = results["precimark"][1] / results["pandas"][1]
    print(f"speed-up {speed:.1f}x; peak memory {memory:.2f}x the pandas groupby version")
    start = time.perf_counter()
    profiler.fit(
        tx[tx["date"] < end - pd.Timedelta(days=29)], observation_end=end - pd.Timedelta(days=30)
    )
    refit = time.perf_counter() - start
    start = time.perf_counter()
    profiler.update(tx[tx["date"] >= end - pd.Timedelta(days=29)], observation_end=end)
    incremental = time.perf_counter() - start
    print(f"update with the last 30 days: {incremental:.2f} s (fit on the rest: {refit:.2f} s)")
    features = a[["orders", "average_order_value", "days_since_last_purchase", "top_band_share"]]
    start = time.perf_counter()
    seg = BehaviouralSegmenter(random_state=0).fit(features)
    print(
        f"BehaviouralSegmenter on {len(features):,} customers: {time.perf_counter() - start:.2f} s,"
        f" k={seg.n_clusters_} (silhouettes {seg.silhouette_scores_})"
    )


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
