"""The self-contained HTML report of a shop's transaction log, with one campaign's results.

Builds ``precimark.report.build`` on the CDNOW sample (calibration to 1997-09-30, holdout to
1998-06-30) with a roster that records consent and a simulated, randomised mailing to half the
customers, writes ``report.html`` and checks that it is self-contained: no script and every image
an inline PNG. Open the file in any browser, offline.

Run: python examples/report.py [OUTPUT_DIR]   (default: a new temporary folder)
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from precimark import report
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow
from precimark.kpi import evaluate_campaign

folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="precimark-"))
folder.mkdir(parents=True, exist_ok=True)

transactions = load_cdnow(sample=True)
ids = pd.Index(transactions["customer_id"].unique(), name="customer_id")
rng = np.random.default_rng(2024)

# The roster: 95% agreed to profiling, 80% to marketing (simulated: CDNOW has no consent data).
customers = pd.DataFrame(
    {
        "consent_profiling": rng.random(len(ids)) < 0.95,
        "consent_marketing": rng.random(len(ids)) < 0.8,
    },
    index=ids,
)

# A randomised mailing: one row per customer in the test, non-buyers included (simulated).
treated = rng.random(len(ids)) < 0.5
revenue = np.where(
    rng.random(len(ids)) < np.where(treated, 0.24, 0.2), rng.gamma(2.0, 15.0, len(ids)), 0.0
)
outcomes = pd.DataFrame({"treated": treated, "revenue": revenue}, index=ids)
mailing = evaluate_campaign(
    outcomes, treatment="treated", revenue_column="revenue", name="spring mailing"
)

page = report.build(
    transactions,
    customers=customers,
    campaigns=[mailing],
    calibration_end=CDNOW_CALIBRATION_END,
    observation_end=CDNOW_OBSERVATION_END,
    title="CDNOW sample: customer report",
)
target = folder / "report.html"
target.write_text(page, encoding="utf-8")

images = re.findall(r'<img [^>]*src="([^"]{0,30})', page)
assert "<script" not in page and images
assert all(src.startswith("data:image/png;base64,") for src in images)
print(f"wrote {target} ({len(page) / 1e6:.1f} MB, {len(images)} inline charts)")
increment = mailing.estimates["incremental_revenue"]
print(f"the report's mailing: incremental revenue {increment}")
