"""NextBestAction on 1,000,000 customers x 10 actions, against the LP relaxation (HiGHS).

Ten actions over four channels (e-mail, SMS, push, app) with costs, channel consent for SMS
and push, a contact cap, a capacity on every channel and a total budget. Times ``decide`` with
the defaults a user types (``method="auto"``, which takes the Lagrangian method at this size)
and prints its gap to its own dual bound. The baseline, in the same run, is the linear
programming relaxation of the same problem solved by HiGHS (``scipy.optimize.linprog``) on a
subsample (capacities and budget scaled with it), where the plan's total is also compared with
the LP optimum; the ratio is HiGHS' time over ours on that subsample.

    python benchmarks/bench_actions.py [--quick] [n_customers] [repeats] [lp_customers]

``--quick``: 100,000 customers, LP on 10,000.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
from scipy import optimize, sparse

from precimark.actions import Action, NextBestAction

CHANNELS = {"email": 0.05, "sms": 0.4, "push": 0.02, "app": 0.0}


def make_problem(n: int, seed: int = 7) -> tuple[list[Action], pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    actions = []
    for j in range(10):
        channel = list(CHANNELS)[j % 4]
        voucher = [0.0, 2.0, 5.0][j % 3]
        actions.append(
            Action(
                f"a{j}_{channel}",
                cost=CHANNELS[channel] + 0.3 * voucher,
                channel=channel,
                consent_column=f"consent_{channel}" if channel in ("sms", "push") else None,
                margin=1.0 - voucher / 50.0,
            )
        )
    ids = pd.Index(np.arange(n), name="customer_id")
    roster = pd.DataFrame(
        {
            "customer_lifetime_value": rng.gamma(2.0, 60.0, n),
            "consent_marketing": rng.random(n) < 0.8,
            "consent_sms": rng.random(n) < 0.5,
            "consent_push": rng.random(n) < 0.6,
            "contacts_in_period": rng.poisson(1.5, n),
        },
        index=ids,
    )
    base = rng.normal(0.01, 0.01, (n, 1))
    uplift = pd.DataFrame(
        base + rng.normal(0.0, 0.01, (n, 10)) + 0.002 * (np.arange(10) % 3),
        index=ids,
        columns=[a.name for a in actions],
    )
    return actions, roster, uplift


def policy(n: int, actions: list[Action]) -> NextBestAction:
    share = n / 1_000_000
    capacity = {"email": int(300_000 * share), "sms": int(40_000 * share),
                "push": int(150_000 * share), "app": int(200_000 * share)}  # fmt: skip
    return NextBestAction(actions, capacity=capacity, budget=60_000 * share, max_contacts=3)


def lp_relaxation(nba: NextBestAction, roster: pd.DataFrame, uplift: pd.DataFrame) -> float:
    """The LP relaxation of the same problem, built from the plan's own allowed pairs."""
    actions = list(nba.actions)
    value = roster["customer_lifetime_value"].to_numpy()
    margin = np.array([a.margin for a in actions])
    cost = np.array([a.cost for a in actions])
    ev = uplift.to_numpy() * value[:, None] * margin - cost
    ok = (
        roster["consent_marketing"].to_numpy()[:, None]
        & (roster["contacts_in_period"].to_numpy() < 3)[:, None]
    )
    ok = ok & np.column_stack(
        [roster[a.consent_column].to_numpy() if a.consent_column else np.ones(len(roster), bool)
         for a in actions]
    )  # fmt: skip
    rows, cols = np.nonzero(ok & (ev > 0))
    m = len(rows)
    a_rows = [sparse.csr_matrix((np.ones(m), (rows, np.arange(m))), shape=(len(roster), m))]
    b = [np.ones(len(roster))]
    assert nba.capacity is not None and nba.budget is not None
    for channel, cap in nba.capacity.items():
        mask = np.array([actions[c].channel == channel for c in cols], dtype=float)
        a_rows.append(sparse.csr_matrix(mask[None, :]))
        b.append(np.array([cap]))
    a_rows.append(sparse.csr_matrix(cost[cols][None, :]))
    b.append(np.array([nba.budget]))
    res = optimize.linprog(
        -ev[rows, cols], A_ub=sparse.vstack(a_rows, format="csr"), b_ub=np.concatenate(b),
        bounds=(0, 1), method="highs",
    )  # fmt: skip
    return float(-res.fun)


def main(n_customers: int = 1_000_000, repeats: int = 3, n_lp: int = 50_000) -> None:
    actions, roster, uplift = make_problem(n_customers)
    nba = policy(n_customers, actions)
    print(f"{n_customers:,} customers x {len(actions)} actions")
    runs, cpus = [], []
    plan = None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        plan = nba.decide(roster, uplift)
        runs.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    assert plan is not None
    tracemalloc.start()
    nba.decide(roster, uplift)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"decide: median {statistics.median(runs):.1f} s wall, {statistics.median(cpus):.1f} s "
          f"CPU over {repeats} (method {plan.method}, "
          f"peak traced {peak / 2**30:.2f} GiB)")  # fmt: skip
    print(f"  total {plan.total_value:,.0f}, dual bound {plan.bound:,.0f}, gap {plan.gap:.4%}")
    print(plan.usage.to_string())

    actions, roster, uplift = make_problem(n_lp, seed=8)
    small = policy(n_lp, actions)
    ours, theirs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        result = NextBestAction(
            actions, capacity=small.capacity, budget=small.budget, max_contacts=3,
            method="lagrangian",
        ).decide(roster, uplift)  # fmt: skip
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        lp = lp_relaxation(small, roster, uplift)
        theirs.append(time.perf_counter() - start)
    print(f"{n_lp:,} customers: Lagrangian {statistics.median(ours):.2f} s, "
          f"LP relaxation (HiGHS) {statistics.median(theirs):.2f} s, ratio "
          f"{statistics.median(theirs) / statistics.median(ours):.1f}x; plan total / LP optimum "
          f"{result.total_value / lp:.5f}, dual bound / LP optimum {result.bound / lp:.5f}")  # fmt: skip


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    args = [int(a) for a in sys.argv[1:] if a != "--quick"]
    main(*(args or ([100_000, 1, 10_000] if quick else [])))
