"""Contract renewals with the shifted-beta-geometric model, and tracking a purchase model.

Part 1 fits Fader & Hardie's (2007) sBG model to their two cohorts, projects the survivors
and values customers who have renewed 0, 3 and 10 times. Part 2 tracks a BG/NBD model's
expected repeat transactions against the actual ones on CDNOW, week by week (Fader, Hardie &
Lee 2005, Fig. 3).

Run: python examples/contractual.py
"""

from __future__ import annotations

import pandas as pd

import precimark as pm
from precimark.clv import ShiftedBetaGeoModel, tracking
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]

print("sBG fitted on years 1-8 (Fader & Hardie 2007: regular 0.704, 1.182; high end 0.668, 3.806)")
for name, counts in [("regular", REGULAR), ("high end", HIGH_END)]:
    model = ShiftedBetaGeoModel().fit(counts[:8])
    print(f"\n{name}:")
    print(model.summary_.round(3).to_string())
    projection = pd.DataFrame(
        {"actual": counts, "projected": model.survival(range(13)).mul(1000).round(1).to_numpy()}
    )
    print("survivors per year, years 9-13 projected:")
    print(projection.T.to_string())
    renewals = pd.Series([0, 3, 10], index=["renewed 0x", "renewed 3x", "renewed 10x"])
    values = model.discounted_value(100.0, 0.1, renewals=renewals).round(2)
    print(
        f"value at $100/year, 10% discount: new customer {model.discounted_value(100.0, 0.1):.2f};"
    )
    print(values.to_string())

log = load_cdnow(sample=True)
rfm = pm.rfm_summary(log, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
bgnbd = pm.BetaGeoModel().fit(rfm)
weekly = tracking(bgnbd, log, CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, period="7D")
print("\nCDNOW tracking, BG/NBD fitted on weeks 1-39 (every 13th week):")
print(weekly.iloc[12::13].to_string(index=False, float_format="%.1f"))
