"""End-to-end CLV workload: precimark vs the plain lifetimes workflow, same data, same run.

transactions -> RFM summary -> BG/NBD fit -> Gamma-Gamma fit -> 12 x 30-day discounted CLV for
every customer, with the defaults a user types (``pm.BetaGeoModel()``, ``pm.GammaGammaModel()``;
lifetimes' ``BetaGeoFitter()``, ``GammaGammaFitter()``). Each run is a fresh subprocess reading
the same simulated transactions from a .npz file; the time covers the workload (not the
imports), the memory is the child's whole-process peak resident set (``ru_maxrss``: input,
imports and workload included; ``VmHWM``, see :func:`_peak_mb`). Medians of ``repeats`` runs (default 3).
The CPU time of the workload (``time.process_time``) is printed too: on a shared machine it
moves less with the load than the wall time.

A second part fits Pareto/NBD on the same RFM summary: ``pm.ParetoNBDModel()`` against
lifetimes' ``ParetoNBDFitter()``, the fit alone. Then precimark alone at 10x the size, with the
time ratio against its own 1x run (linear growth gives 10).

    python benchmarks/bench_clv.py                 # 1M customers (+ 10M precimark), 3 repeats
    python benchmarks/bench_clv.py --quick         # 100k customers (+ 1M), 1 repeat
    python benchmarks/bench_clv.py --no-pareto --no-scale N REPEATS
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

END = "2025-06-30"


def _load(path: str) -> pd.DataFrame:
    data = np.load(path)
    return pd.DataFrame(
        {"customer_id": data["customer_id"], "date": data["date"], "amount": data["amount"]}
    )


def run_precimark(tx: pd.DataFrame, end: pd.Timestamp) -> dict[str, object]:
    import precimark as pm

    rfm = pm.rfm_summary(tx, observation_end=end, time_unit="D")
    bgf = pm.BetaGeoModel().fit(rfm)
    ggf = pm.GammaGammaModel().fit(rfm)
    clv = pm.customer_lifetime_value(
        bgf, ggf, rfm, horizon="360D", discount_period="30D", discount_rate=0.01
    )
    return {"params": {**bgf.params_, **ggf.params_}, "clv_head": clv.iloc[:1000].tolist()}


def run_lifetimes(tx: pd.DataFrame, end: pd.Timestamp) -> dict[str, object]:
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    rfm = summary_data_from_transaction_data(
        tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=end, freq="D"
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
        "params": {**bgf.params_.to_dict(), **ggf.params_.to_dict()},
        "clv_head": clv.iloc[:1000].tolist(),
    }


def _rfm_for_pareto(tx: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    import precimark as pm

    return pm.rfm_summary(tx, observation_end=end, time_unit="D")


def run_precimark_pareto(tx: pd.DataFrame, end: pd.Timestamp) -> dict[str, object]:
    import precimark as pm

    rfm = _rfm_for_pareto(tx, end)
    start = time.perf_counter()
    model = pm.ParetoNBDModel().fit(rfm)
    return {
        "fit_seconds": time.perf_counter() - start,
        "params": model.params_,
        "log_likelihood": model.log_likelihood_,
    }


def run_lifetimes_pareto(tx: pd.DataFrame, end: pd.Timestamp) -> dict[str, object]:
    from lifetimes import ParetoNBDFitter

    rfm = _rfm_for_pareto(tx, end)
    start = time.perf_counter()
    fitter = ParetoNBDFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    seconds = time.perf_counter() - start
    params = fitter.params_.to_dict()
    ll = fitter._conditional_log_likelihood(
        fitter._unload_params("r", "alpha", "s", "beta"), rfm["frequency"], rfm["recency"], rfm["T"]
    )
    return {"fit_seconds": seconds, "params": params, "log_likelihood": float(np.sum(ll))}


RUNNERS = {
    "precimark": run_precimark,
    "lifetimes": run_lifetimes,
    "precimark-pareto": run_precimark_pareto,
    "lifetimes-pareto": run_lifetimes_pareto,
}


def child(which: str, path: str) -> None:
    tx = _load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes  # noqa: F401  (import cost is not part of the workload)

        # precimark imports its names on first use: load the ones the workloads use here.
        import precimark.clv
        import precimark.profiling.rfm  # noqa: F401

        start, cpu = time.perf_counter(), time.process_time()
        result = RUNNERS[which](tx, pd.Timestamp(END))
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = time.process_time() - cpu
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


def _peak_mb() -> float:
    """Return this process's peak resident set in MB.

    ``VmHWM``, the high-water mark of this process's own memory map: Linux folds the parent's
    peak into ``ru_maxrss`` across fork and exec, so a child spawned by a parent holding the
    generated data would report the parent's size.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _spawn(which: str, path: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, path], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"{which} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _write(n_customers: int, directory: str) -> tuple[str, int]:
    from precimark.datasets import make_transactions

    tx = make_transactions(n_customers, random_state=2024).transactions
    path = os.path.join(directory, f"tx_{n_customers}.npz")
    np.savez(
        path,
        customer_id=tx["customer_id"].to_numpy(),
        date=tx["date"].to_numpy(),
        amount=tx["amount"].to_numpy(),
    )
    return path, len(tx)


def _median(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]


def _worst_relative(a: dict[str, float], b: dict[str, float]) -> float:
    return max(abs(a[k] / b[k] - 1) for k in b)


def main(n_customers: int, repeats: int, pareto: bool, scale: bool) -> None:
    with open("/proc/loadavg") as load:
        print(f"load average at start: {' '.join(load.read().split()[:3])} (2 cores)")
    with tempfile.TemporaryDirectory() as tmp:
        path, n_tx = _write(n_customers, tmp)
        print(f"{n_customers:,} customers, {n_tx:,} transactions; medians of {repeats} runs")
        ours = [_spawn("precimark", path) for _ in range(repeats)]
        theirs = [_spawn("lifetimes", path) for _ in range(repeats)]
        t_ours, t_theirs = _median(ours, "seconds"), _median(theirs, "seconds")
        m_ours, m_theirs = _median(ours, "peak_mb"), _median(theirs, "peak_mb")
        c_ours, c_theirs = _median(ours, "cpu_seconds"), _median(theirs, "cpu_seconds")
        print(
            f"  precimark end to end: {t_ours:7.2f} s ({c_ours:.2f} s CPU), peak RSS {m_ours:6.0f} MB"
        )
        print(
            f"  lifetimes end to end: {t_theirs:7.2f} s ({c_theirs:.2f} s CPU), "
            f"peak RSS {m_theirs:6.0f} MB"
        )
        worst = _worst_relative(ours[0]["params"], theirs[0]["params"])  # type: ignore[arg-type]
        clv_rel = np.max(
            np.abs(np.array(ours[0]["clv_head"]) / np.array(theirs[0]["clv_head"]) - 1)
        )
        print(f"  parameters: max relative difference {worst:.1e} (target <= 1e-4)")
        print(f"  CLV of the first 1,000 customers: max relative difference {clv_rel:.1e}")
        print(
            f"  speed-up {t_theirs / t_ours:.1f}x (target >= 20x; CPU {c_theirs / c_ours:.1f}x); "
            f"peak RSS ratio {m_ours / m_theirs:.2f} (target <= 0.5)"
        )
        if pareto:
            p_ours = [_spawn("precimark-pareto", path) for _ in range(repeats)]
            p_theirs = [_spawn("lifetimes-pareto", path) for _ in range(repeats)]
            f_ours, f_theirs = _median(p_ours, "fit_seconds"), _median(p_theirs, "fit_seconds")
            worst = _worst_relative(p_ours[0]["params"], p_theirs[0]["params"])  # type: ignore[arg-type]
            gain = float(p_ours[0]["log_likelihood"]) - float(p_theirs[0]["log_likelihood"])  # type: ignore[arg-type]
            print(f"  Pareto/NBD fit: precimark {f_ours:.2f} s, lifetimes {f_theirs:.2f} s")
            print(
                f"  Pareto/NBD speed-up {f_theirs / f_ours:.1f}x (target >= 10x); parameters "
                f"max relative difference {worst:.1e}; log-likelihood precimark - lifetimes "
                f"{gain:+.4f}"
            )
        if scale:
            big = 10 * n_customers
            big_path, big_tx = _write(big, tmp)
            large = [_spawn("precimark", big_path) for _ in range(repeats)]
            t_large, m_large = _median(large, "seconds"), _median(large, "peak_mb")
            print(f"{big:,} customers, {big_tx:,} transactions (precimark only)")
            print(
                f"  precimark end to end: {t_large:7.2f} s (target < 30 s at 10M), "
                f"peak RSS {m_large:6.0f} MB (target < 3,000 MB)"
            )
            print(
                f"  growth from {n_customers:,} to {big:,} customers: time x{t_large / t_ours:.1f}"
                f" for x{big_tx / n_tx:.1f} transactions (linear: about 10)"
            )
    with open("/proc/loadavg") as load:
        print(f"load average at end: {' '.join(load.read().split()[:3])}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        quick = "--quick" in sys.argv
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        main(
            int(args[0]) if args else (100_000 if quick else 1_000_000),
            int(args[1]) if len(args) > 1 else (1 if quick else 3),
            pareto="--no-pareto" not in sys.argv,
            scale="--no-scale" not in sys.argv,
        )
