"""End-to-end CLV workload: precimark vs the plain lifetimes workflow, same data, same run.

transactions -> RFM summary -> BG/NBD fit -> Gamma-Gamma fit -> 12 x 30-day discounted CLV for
every customer. Each side runs in a fresh subprocess so that its peak memory (ru_maxrss) is its
own; the simulated transactions are written once to a .npz file both read. Load and import
time are excluded; peak memory is the largest resident set size sampled during the workload
minus the resident size before it (i.e. the workload's own extra memory).

    python benchmarks/bench_clv.py [n_customers] [repeats] [--precimark-only]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np
import pandas as pd


def _load(path: str) -> pd.DataFrame:
    data = np.load(path)
    return pd.DataFrame(
        {"customer_id": data["customer_id"], "date": data["date"], "amount": data["amount"]}
    )


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class _PeakRSS(threading.Thread):
    """Samples the resident set size every 5 ms; ``peak`` is the largest seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, _rss_mb())

    def stop(self) -> float:
        self._done.set()
        self.join()
        return max(self.peak, _rss_mb())


def run_precimark(tx: pd.DataFrame, end: pd.Timestamp) -> dict[str, object]:
    import precimark as pm

    rfm = pm.rfm_summary(tx, observation_end=end, time_unit="D")
    bgf = pm.BetaGeoModel(engine="native").fit(rfm)
    ggf = pm.GammaGammaModel(engine="native").fit(rfm)
    clv = pm.customer_lifetime_value(
        bgf, ggf, rfm, horizon="360D", discount_period="30D", discount_rate=0.01
    )
    return {
        "bgnbd": bgf.params_,
        "gg": ggf.params_,
        "clv_sum": float(clv.sum()),
        "clv_head": clv.iloc[:1000].tolist(),
    }


def run_lifetimes(tx: pd.DataFrame, end: pd.Timestamp) -> dict[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, GammaGammaFitter
        from lifetimes.utils import summary_data_from_transaction_data

        rfm = summary_data_from_transaction_data(
            tx,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end=end,
            freq="D",
        )
        bgf = BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
        repeat = rfm[rfm["frequency"] > 0]
        ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        clv = ggf.customer_lifetime_value(
            bgf,
            rfm["frequency"],
            rfm["recency"],
            rfm["T"],
            rfm["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq="D",
        )
    return {
        "bgnbd": bgf.params_.to_dict(),
        "gg": ggf.params_.to_dict(),
        "clv_sum": float(clv.sum()),
        "clv_head": clv.iloc[:1000].tolist(),
    }


def child(which: str, path: str, end: str) -> None:
    tx = _load(path)
    import precimark  # noqa: F401  (import cost is not part of the workload)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes  # noqa: F401
    baseline = _rss_mb()
    sampler = _PeakRSS()
    sampler.start()
    start = time.perf_counter()
    result = (run_precimark if which == "precimark" else run_lifetimes)(tx, pd.Timestamp(end))
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = sampler.stop() - baseline
    print(json.dumps(result))


def _spawn(which: str, path: str, end: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, path, end],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(n_customers: int, repeats: int, precimark_only: bool) -> None:
    from precimark.datasets import make_transactions

    sim = make_transactions(n_customers, random_state=2024)
    tx = sim.transactions
    print(f"{n_customers:,} customers, {len(tx):,} transactions")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "tx.npz")
        np.savez(
            path,
            customer_id=tx["customer_id"].to_numpy(),
            date=tx["date"].to_numpy(),
            amount=tx["amount"].to_numpy(),
        )
        del sim, tx
        end = "2025-06-30"
        results: dict[str, list[dict[str, object]]] = {"precimark": [], "lifetimes": []}
        for _ in range(repeats):
            for which in ["precimark"] if precimark_only else ["precimark", "lifetimes"]:
                results[which].append(_spawn(which, path, end))
    ours = results["precimark"]
    t_ours = statistics.median(float(r["seconds"]) for r in ours)  # type: ignore[arg-type]
    m_ours = statistics.median(float(r["peak_mb"]) for r in ours)  # type: ignore[arg-type]
    print(f" precimark: median {t_ours:.2f} s, peak +{m_ours:.0f} MB over {repeats} runs")
    if precimark_only:
        return
    theirs = results["lifetimes"]
    t_theirs = statistics.median(float(r["seconds"]) for r in theirs)  # type: ignore[arg-type]
    m_theirs = statistics.median(float(r["peak_mb"]) for r in theirs)  # type: ignore[arg-type]
    print(f" lifetimes: median {t_theirs:.2f} s, peak +{m_theirs:.0f} MB over {repeats} runs")
    a, b = ours[0], theirs[0]
    worst = max(
        abs(a[k][name] / b[k][name] - 1)  # type: ignore[index]
        for k in ("bgnbd", "gg")
        for name in b[k]  # type: ignore[attr-defined]
    )
    clv_rel = np.max(np.abs(np.array(a["clv_head"]) / np.array(b["clv_head"]) - 1))
    print(f" parameters: max relative difference {worst:.2e} (target <= 1e-3)")
    print(f" CLV of the first 1,000 customers: max relative difference {clv_rel:.2e}")
    print(
        f"speed-up: {t_theirs / t_ours:.1f}x (target >= 10x); peak memory ratio: {m_ours / m_theirs:.2f} (target <= 0.5)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        main(
            int(args[0]) if args else 1_000_000,
            int(args[1]) if len(args) > 1 else 1,
            "--precimark-only" in sys.argv,
        )
