"""ItemItemRecommender at catalogue scale, against implicit's CosineRecommender in the same run.

Simulates ``datasets.make_baskets`` (default 1,000,000 customers x 100,000 products, about 20
million purchase lines), then times, with the defaults a user types:

- ``ItemItemRecommender().fit(transactions)`` (from the log: factorising ids, the binary matrix,
  20 neighbours per product), with its peak traced memory (tracemalloc) and the process's peak
  resident memory;
- ``recommend(all customers, n=10)``, including each row's specific ``reason`` (the bought
  product that contributed most, and its similarity), which implicit does not compute;
- implicit's ``CosineRecommender(K=21)`` (each item is among its own K neighbours there) on the
  same binary matrix, fit and ``recommend(all users, N=10)``, when implicit is installed (the
  ``test`` extra); its time excludes building the matrix, which it needs given.

- ``item_similarity`` alone on the fitted matrix (the kernel: what implicit's ``fit`` does,
  which starts from the matrix);

Prints medians of wall-clock and of CPU time (all threads of the process; on a shared machine
the CPU time is the steadier of the two) and the ratios to implicit.

    python benchmarks/bench_recommend.py [--quick] [n_customers] [n_products] [repeats]

``--quick``: 100,000 customers x 10,000 products, for development.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from precimark.datasets import make_baskets
from precimark.profiling import ItemItemRecommender, item_similarity


def timed(step: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall-clock and CPU seconds of ``step`` and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = step()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def implicit_run(
    model: ItemItemRecommender, repeats: int
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    try:
        from implicit.nearest_neighbours import CosineRecommender
    except ImportError:
        print("implicit is not installed (pip install implicit): no ratio")
        return None
    x = model._bought.astype(np.float64).tocsr()
    users = np.arange(x.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implicit's own CSR-conversion and thread notices

        def fit() -> Any:
            theirs = CosineRecommender(K=int(model.n_neighbors) + 1)
            theirs.fit(x, show_progress=False)
            return theirs

        fit_wall, fit_cpu, theirs = timed(fit, repeats)
        rec_wall, rec_cpu, _ = timed(lambda: theirs.recommend(users, x, N=10), repeats)
    return (fit_wall, fit_cpu), (rec_wall, rec_cpu)


def main(n_customers: int = 1_000_000, n_products: int = 100_000, repeats: int = 1) -> None:
    sim = make_baskets(n_customers, n_products, random_state=0)
    tx = sim.transactions
    print(f"{n_customers:,} customers x {n_products:,} products, {len(tx):,} purchase lines")
    model = ItemItemRecommender()
    tracemalloc.start()
    model.fit(tx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    fit_wall, fit_cpu, model = timed(lambda: ItemItemRecommender().fit(tx), repeats)
    ids = sim.customers.index
    rec_wall, rec_cpu, recs = timed(lambda: model.recommend(ids, n=10), repeats)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"precimark fit:       median {fit_wall:6.1f} s wall, {fit_cpu:6.1f} s CPU over {repeats} "
          f"(peak traced {peak / 2**30:.2f} GiB; process peak RSS {rss:.2f} GiB incl. the data)")  # fmt: skip
    print(f"precimark recommend: median {rec_wall:6.1f} s wall, {rec_cpu:6.1f} s CPU for "
          f"{len(ids):,} customers x 10 ({len(recs):,} rows)")  # fmt: skip
    kernel_wall, kernel_cpu, _ = timed(
        lambda: item_similarity(model._bought, n_neighbors=model.n_neighbors), repeats
    )
    print(f"precimark kernel:    median {kernel_wall:6.1f} s wall, {kernel_cpu:6.1f} s CPU "
          "(item_similarity on the fitted matrix: the part implicit's fit does)")  # fmt: skip
    other = implicit_run(model, repeats)
    if other is not None:
        (iw, ic), (rw, rc) = other
        print(f"implicit fit:        median {iw:6.1f} s wall, {ic:6.1f} s CPU (ratio precimark/"
              f"implicit: wall {fit_wall / iw:.2f}, CPU {fit_cpu / ic:.2f}; kernel only: "
              f"wall {kernel_wall / iw:.2f}, CPU {kernel_cpu / ic:.2f})")  # fmt: skip
        print(f"implicit recommend:  median {rw:6.1f} s wall, {rc:6.1f} s CPU (ratio precimark/"
              f"implicit: wall {rec_wall / rw:.2f}, CPU {rec_cpu / rc:.2f})")  # fmt: skip


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    args = [int(a) for a in sys.argv[1:] if a != "--quick"]
    main(*(args or ([100_000, 10_000] if quick else [])))
