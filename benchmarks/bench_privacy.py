"""pseudonymize vs a plain Python HMAC loop, on a customer table and a transaction log.

Workloads: ``n`` distinct integer ids (a customer table), ``n`` distinct string ids, and a
transaction log of about 2.8 rows per customer (ids repeat, so hashing each distinct id once
pays off). The baseline is the obvious loop
``[hmac.new(key, str(v).encode(), hashlib.sha256).hexdigest() for v in ids]``. Values are
checked to be identical first; prints the median of several runs of each and their ratio
(absolute times on shared machines are noise; the ratio is the result).

    python benchmarks/bench_privacy.py [n_customers] [repeats]
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from precimark.privacy import pseudonymize

KEY = b"benchmark-key-0123456789abcdef"


def _median(fn: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _compare(name: str, frame: pd.DataFrame, repeats: int) -> float:
    def ours() -> pd.DataFrame:
        return pseudonymize(frame, "customer_id", key=KEY)

    def loop() -> list[str]:
        return [
            hmac.new(KEY, str(v).encode(), hashlib.sha256).hexdigest()
            for v in frame["customer_id"].tolist()
        ]

    assert ours()["customer_id"].tolist() == loop(), name
    t_ours, t_loop = _median(ours, repeats), _median(loop, repeats)
    ratio = t_loop / t_ours
    print(
        f"{name:<34} {len(frame):>10,} rows  precimark {t_ours:6.2f} s  "
        f"loop {t_loop:6.2f} s  speed-up {ratio:4.1f}x"
    )
    return ratio


def main(n_customers: int = 1_000_000, repeats: int = 3) -> dict[str, float]:
    rng = np.random.default_rng(2024)
    ids = rng.permutation(n_customers).astype(np.int64) + 1_000_000
    per_customer = rng.geometric(1 / 2.8, size=n_customers)
    workloads = {
        "customer table, integer ids": pd.DataFrame({"customer_id": ids}),
        "customer table, string ids": pd.DataFrame(
            {"customer_id": pd.Series(ids).map("C{:09d}".format)}
        ),
        "transaction log, integer ids": pd.DataFrame(
            {"customer_id": rng.permutation(np.repeat(ids, per_customer))}
        ),
    }
    print(f"median of {repeats} runs; values identical to hmac.new(...).hexdigest()")
    return {name: _compare(name, frame, repeats) for name, frame in workloads.items()}


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
