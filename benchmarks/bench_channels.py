"""Touchpoint attribution at scale: precimark vs the ChannelAttribution package, same run.

Simulates a touchpoint log (default 10M touches of 1M customers over 12 channels, 90 days)
and a conversion log, then times, with the defaults a user types:

- precimark: ``channels.journeys(touchpoints, conversions)`` then ``channels.attribute`` with
  every heuristic model (first, last, linear, position, time_decay) and the first-order
  Markov model;
- ChannelAttribution (when installed): ``heuristic_models`` and ``markov_model`` (order 1,
  its defaults) on the same journeys, as the distinct ``" > "``-joined paths with their
  conversion, null and value counts that it takes (the aggregation is not timed against it).

precimark's ``attribute`` codes a journeys frame's paths once and reuses the coding for the
next calls on the same frame; the attribute-only timing starts from an empty cache, so it
includes that coding once, as a user's first call does.

It prints the median of ``repeats`` runs of each, the peak resident memory of the process
after each phase, the load (``os.getloadavg``) and the ratio. Absolute times on a shared
machine are noise; the ratio measured in the same run is the result.

    python benchmarks/bench_channels.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import statistics
import time

import numpy as np
import pandas as pd

from precimark import channels
from precimark.channels import attribution

HEURISTICS = ("first", "last", "linear", "position", "time_decay")


def simulate(
    n_customers: int, n_touches: int, n_channels: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touchpoints and conversions: Poisson touches per customer, 20% of customers convert."""
    rng = np.random.default_rng(seed)
    per_customer = rng.poisson(n_touches / n_customers, n_customers)
    customer = np.repeat(np.arange(n_customers), per_customer)
    popularity = rng.dirichlet(np.full(n_channels, 2.0))
    channel = rng.choice(n_channels, size=len(customer), p=popularity)
    names = np.array([f"channel_{i:02d}" for i in range(n_channels)])
    start = np.datetime64("2024-01-01T00:00:00", "s")
    seconds = rng.integers(0, 90 * 86_400, len(customer))
    touchpoints = pd.DataFrame(
        {
            "customer_id": customer,
            "timestamp": (start + seconds).astype("datetime64[ns]"),
            "channel": pd.Categorical.from_codes(channel, categories=names),
            "cost": np.round(rng.gamma(1.0, 0.05, len(customer)), 4),
        }
    )
    buyers = np.flatnonzero(rng.random(n_customers) < 0.2)
    conversions = pd.DataFrame(
        {
            "customer_id": buyers,
            "date": (start + rng.integers(0, 90 * 86_400, len(buyers))).astype("datetime64[ns]"),
            "amount": np.round(rng.gamma(3.0, 20.0, len(buyers)), 2),
        }
    )
    return touchpoints, conversions


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run_precimark(
    touchpoints: pd.DataFrame, conversions: pd.DataFrame
) -> tuple[float, float, pd.DataFrame]:
    start = time.perf_counter()
    paths = channels.journeys(touchpoints, conversions)
    built = time.perf_counter() - start
    paths = paths[paths["path"].str.len() > 0]
    for model in HEURISTICS:
        channels.attribute(paths, model)
    channels.attribute(paths, "markov")
    return built, time.perf_counter() - start, paths


def aggregated(paths: pd.DataFrame) -> pd.DataFrame:
    """The journeys as ChannelAttribution takes them: distinct paths with their counts."""
    frame = pd.DataFrame(
        {
            "path": paths["path"].map(" > ".join),
            "conv": paths["converted"].astype(int),
            "null": (~paths["converted"]).astype(int),
            "value": paths["revenue"],
        }
    )
    return frame.groupby("path", as_index=False).sum()


def run_channelattribution(data: pd.DataFrame) -> float:
    import ChannelAttribution

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        ChannelAttribution.heuristic_models(data, "path", "conv", var_value="value", flg_pro=False)
        ChannelAttribution.markov_model(
            data, "path", "conv", var_value="value", var_null="null", verbose=False, flg_pro=False
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M touches of 100k customers")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n_customers, n_touches = (100_000, 1_000_000) if args.quick else (1_000_000, 10_000_000)
    touchpoints, conversions = simulate(n_customers, n_touches, 12)
    print(
        f"{len(touchpoints):,} touchpoints, {touchpoints['customer_id'].nunique():,} customers, "
        f"12 channels, {len(conversions):,} conversions; load {os.getloadavg()}"
    )
    mine, builds = [], []
    paths = pd.DataFrame()
    for _ in range(args.repeats):
        built, total, paths = run_precimark(touchpoints, conversions)
        builds.append(built)
        mine.append(total)
    print(
        f"precimark journeys + 5 heuristics + Markov(1): median {statistics.median(mine):.1f} s "
        f"(journeys {statistics.median(builds):.1f} s, {len(paths):,} journeys); "
        f"peak RSS {peak_rss_gb():.2f} GB"
    )
    try:
        import ChannelAttribution  # noqa: F401
    except ImportError:
        print("ChannelAttribution is not installed: no ratio (pip install ChannelAttribution)")
        return
    data = aggregated(paths)
    theirs = [run_channelattribution(data) for _ in range(args.repeats)]
    attribute_only = []
    for _ in range(args.repeats):
        attribution._LAST_INDEX.clear()  # cold: the first call codes the paths, as for a user
        start = time.perf_counter()
        for model in HEURISTICS:
            channels.attribute(paths, model)
        channels.attribute(paths, "markov")
        attribute_only.append(time.perf_counter() - start)
    print(
        f"ChannelAttribution heuristic_models + markov_model: median "
        f"{statistics.median(theirs):.1f} s on {len(data):,} distinct paths; "
        f"peak RSS {peak_rss_gb():.2f} GB"
    )
    print(
        f"precimark attribute (same journeys, 5 heuristics + Markov): median "
        f"{statistics.median(attribute_only):.1f} s; ratio ChannelAttribution / precimark = "
        f"{statistics.median(theirs) / statistics.median(attribute_only):.2f}; "
        f"load {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
