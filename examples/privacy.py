"""Privacy by design with precimark: consent, minimisation, pseudonymisation, transparency.

A simulated shop exports its customer table with contact details and its transaction log.
Before profiling, we

1. keep only the customers who consented to profiling (missing consent = no consent),
2. drop the direct identifiers (names, emails, phones, ...) the analysis does not need,
3. replace customer ids by keyed pseudonyms, identically in both tables so they still join,
4. summarise purchases (RFM) on the pseudonymised data,
5. print which columns were read, and for what, for the privacy notice.

Run: python examples/privacy.py
"""

from __future__ import annotations

import os
import secrets

import numpy as np

import precimark as pm
from precimark.datasets import make_transactions
from precimark.privacy import (
    ConsentPolicy,
    DataUse,
    Pseudonymizer,
    data_usage_report,
    drop_pii,
)

# --- the shop's export: transactions, and customers with consent flags and contact details
sim = make_transactions(3_000, random_state=11)
transactions = sim.transactions
customers = sim.customers.copy()
rng = np.random.default_rng(11)
customers["FirstName"] = rng.choice(["Ann", "Bo", "Chen", "Dara"], size=len(customers))
customers["contact"] = [f"customer{i}@example.com" for i in customers.index]
customers["mobile"] = [f"+31 6 {i:08d}" for i in customers.index]
print(f"{len(customers):,} customers, {len(transactions):,} transactions")

# --- 1. consent gate: profiling needs consent_profiling; no record means no consent
policy = ConsentPolicy({"profiling": "consent_profiling"})
consent = policy.require(customers, "profiling")
print(f"\n{consent}")
customers = customers.loc[consent.allowed]
transactions = transactions[transactions["customer_id"].isin(consent.allowed)]

# --- 2. data minimisation: drop direct identifiers, and say which and why
customers, dropped = drop_pii(customers)
print("\nDropped columns:")
print(dropped.to_string(index=False))

# --- 3. pseudonymisation: the key comes from a secret store (here: an environment variable)
key = os.environ.get("PRECIMARK_PSEUDONYM_KEY") or secrets.token_hex(32)
pseudonymizer = Pseudonymizer(key, output="int")
customers = pseudonymizer.pseudonymize(customers, "customer_id")  # the index
transactions = pseudonymizer.pseudonymize(transactions, "customer_id")
print(f"\n{pseudonymizer!r}")

# --- 4. the analysis runs on pseudonymised data; the tables still join
rfm = pm.rfm_summary(transactions, observation_end=sim.observation_end)
assert rfm.index.isin(customers.index).all()
print("\nRFM summary on pseudonymised ids:")
print(rfm.head(3).round(1).to_string())

# --- 5. transparency: what was read, and for what
report = data_usage_report(
    [policy, pm.Columns(), DataUse("signup_date", "profiling", "cohort report")]
)
print("\nData usage:")
print(report.to_string(index=False))
