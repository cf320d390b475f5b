"""Verify the native engine on the apparel retailer data against CLVTools' optimum.

The data (600 customers, 3,187 transactions from 2005-01-02) ship inside the R package
CLVTools under the GPL: they are not ours to redistribute, so this script is not part of the
test suite and the data are not in this repository. Get ``data/apparelTrans.rda`` from a copy of
https://github.com/bachmannpatrick/CLVTools and read it with ``pyreadr`` (not a precimark
dependency)::

    pip install pyreadr
    python benchmarks/verify_apparel.py path/to/CLVTools/data/apparelTrans.rda

CLVTools splits at the first transaction date plus ``estimation.split`` weeks; so does this
script. For each split (104, 52 and 40 weeks) it fits Pareto/NBD and BG/NBD with both engines
and prints the estimates, the log-likelihoods and what each engine warned. CLVTools' Pareto/NBD
optimum on 104 weeks (Meierer et al., JSS): r 1.4489768, alpha 48.6360845, s 0.5612598,
beta 46.8843633, LL -5848.0978.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

import precimark as pm

CLVTOOLS_PARETO_104 = {"r": 1.4489768, "alpha": 48.6360845, "s": 0.5612598, "beta": 46.8843633}
CLVTOOLS_LL_104 = -5848.0978


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


def fit(cls: type, engine: str, rfm: pd.DataFrame) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = cls(engine=engine).fit(rfm)
        except Exception as err:  # report, do not stop: this is a verification script
            return None, [f"{type(err).__name__}: {err}"]
    return model, [f"{w.category.__name__}: {str(w.message)[:160]}" for w in caught]


def main(path: str) -> None:
    tx = load(path)
    first = tx["date"].min()
    print(f"{tx['customer_id'].nunique()} customers, {len(tx)} transactions from {first.date()}")
    for weeks in (104, 52, 40):
        end = first + pd.Timedelta(weeks=weeks)
        rfm = pm.rfm_summary(tx[tx["date"] <= end], observation_end=end, time_unit="W")
        last_day = int(((rfm["recency"] == rfm["T"]) & (rfm["frequency"] > 0)).sum())
        print(
            f"\n{weeks}-week calibration ({end.date()}): {len(rfm)} customers, {last_day} "
            "with their last purchase on the calibration end day"
        )
        for cls in (pm.ParetoNBDModel, pm.BetaGeoModel):
            for engine in ("native", "lifetimes"):
                model, notes = fit(cls, engine, rfm)
                name = f"  {cls.__name__:>15} {engine:>9}:"
                if model is None:
                    print(name, "failed:", notes[0][:200])
                    continue
                params = ", ".join(f"{k} {v:.7g}" for k, v in model.params_.items())  # type: ignore[attr-defined]
                print(name, params, f"LL {model.log_likelihood_:.4f}")  # type: ignore[attr-defined]
                try:
                    alive = model.probability_alive(rfm)  # type: ignore[attr-defined]
                except Exception as err:
                    print(f"      probability_alive raised {type(err).__name__}: {str(err)[:160]}")
                    alive = np.zeros(1)
                if not np.all(np.isfinite(alive)):
                    print("      probability_alive has non-finite values")
                for note in notes:
                    print("      warned:", note)
                if cls is pm.ParetoNBDModel and weeks == 104 and engine == "native":
                    worst = max(
                        abs(model.params_[k] / v - 1)  # type: ignore[attr-defined]
                        for k, v in CLVTOOLS_PARETO_104.items()
                    )
                    print(
                        f"      vs CLVTools: max relative parameter difference {worst:.1e}, "
                        f"LL difference {model.log_likelihood_ - CLVTOOLS_LL_104:+.4f}"  # type: ignore[attr-defined]
                    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "apparelTrans.rda")
