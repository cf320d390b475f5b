"""Verify P(alive), expected purchases and DERT against CLVTools' printed Pareto/NBD predictions.

CLVTools' README of v0.7 (2020) fits Pareto/NBD on its apparel cohort (250 customers whose first
purchase was on 2005-01-03, weekly unit, ``estimation.split = 40``) and prints ``predict()`` for
ten customers: PAlive, CET over the 39.857-week holdout and DERT, the latter at that version's
default ``continuous.discount.factor = 0.1`` per week. The data are GPL-licensed and ship with
CLVTools, so this script is not part of the test suite and the data are not in this repository.
Take ``data/apparelTrans.rda`` from the commit that README describes and read it with
``pyreadr`` (not a precimark dependency)::

    git -C CLVTools show 57628d2:data/apparelTrans.rda > apparelTrans_2020.rda
    pip install pyreadr
    python benchmarks/verify_dert_apparel.py apparelTrans_2020.rda

It prints precimark's fit next to CLVTools' and, for the ten customers, precimark's values at
its own fit and at CLVTools' (4-digit) parameters, with the largest relative differences.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

import precimark as pm

CLVTOOLS_PARAMS = {"r": 0.7866, "alpha": 5.3349, "s": 0.3570, "beta": 11.6152}
CLVTOOLS_LL = -2879.4699
HOLDOUT_WEEKS = 39.85714
DISCOUNT = 0.1  # CLVTools v0.7's default continuous.discount.factor (later versions: log(1.1))
# Id: (PAlive, CET, DERT) as printed by CLVTools' README (v0.7)
PRINTED = {
    "1": (0.3571791, 0.2212506, 0.05848859),
    "10": (0.4225636, 0.9272819, 0.24513121),
    "100": (0.9155479, 13.5448630, 3.58064629),
    "1000": (0.9967780, 13.1766970, 3.48331993),
    "1001": (0.5098134, 3.5275846, 0.93253307),
    "1219": (0.9579241, 3.6108002, 0.95453149),
    "122": (0.3571791, 0.2212506, 0.05848859),
    "1220": (0.3571791, 0.2212506, 0.05848859),
    "1221": (0.9434302, 4.2991096, 1.13648922),
    "1222": (0.4136156, 0.5819279, 0.15383529),
}


def load(path: str) -> pd.DataFrame:
    import pyreadr

    frame = next(iter(pyreadr.read_r(path).values()))
    return pd.DataFrame(
        {
            "customer_id": frame["Id"].astype(str),
            "date": pd.to_datetime(frame["Date"]),
            "amount": frame["Price"].astype(float),
        }
    )


def predictions(model: pm.ParetoNBDModel, rfm: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "PAlive": model.probability_alive(rfm),
            "CET": model.expected_purchases(rfm, HOLDOUT_WEEKS),
            "DERT": model.discounted_expected_transactions(rfm, DISCOUNT),
        }
    )


def main(path: str) -> None:
    tx = load(path)
    end = tx["date"].min() + pd.Timedelta(weeks=40)
    rfm = pm.rfm_summary(tx, observation_end=end, time_unit="W")
    print(f"{len(rfm)} customers, estimation end {end.date()}, T from {rfm['T'].min():.2f}")
    fitted = pm.ParetoNBDModel().fit(rfm)
    print("precimark:", {k: round(v, 4) for k, v in fitted.params_.items()}, end=" ")
    print(f"LL {fitted.log_likelihood_:.4f}")
    print("CLVTools: ", CLVTOOLS_PARAMS, f"LL {CLVTOOLS_LL}")
    at_clvtools = pm.ParetoNBDModel.from_dict(
        {**fitted.to_dict(), "params": CLVTOOLS_PARAMS, "covariance": np.eye(4).tolist()}
    )
    printed = pd.DataFrame.from_dict(PRINTED, orient="index", columns=["PAlive", "CET", "DERT"])
    rows = rfm.loc[printed.index]
    for label, model in (("precimark's fit", fitted), ("CLVTools' parameters", at_clvtools)):
        ours = predictions(model, rows)
        print(f"\nAt {label}:")
        print(pd.concat({"precimark": ours, "CLVTools": printed}, axis=1).round(6).to_string())
        worst = (ours / printed - 1).abs().max()
        print("largest relative difference:", {k: f"{v:.1e}" for k, v in worst.items()})


if __name__ == "__main__":
    main(sys.argv[1])
