"""Differentiated pricing with precimark: rules, guardrails, explanations and evaluation.

A simulated shop prices one product (list price 60, unit cost 35) for its customers:

1. build the features the rules read from the transaction log (orders in the last 365 days,
   favourite payment channel) plus a predicted uplift and purchase propensity;
2. price everybody with the template policy for the four customer types, under guardrails
   (at most 20% off, 20% minimum margin, a campaign budget), consent-gated;
3. explain a few decisions in plain words and export the decision log as JSON records;
4. compare the policy with list prices under a response model, estimate its value off-policy
   from a randomised log, audit it by a protected attribute it never reads, and measure the
   price elasticity from price variation.

Run: python examples/pricing.py
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from precimark.datasets import make_transactions
from precimark.pricing import (
    Guardrails,
    ListPrice,
    PricingPolicy,
    UpliftResponse,
    differentiated_pricing_policy,
    estimate_elasticity,
    evaluate_offline,
    explain,
    fairness_frame,
    simulate_policy,
    to_records,
)

rng = np.random.default_rng(42)
sim = make_transactions(20_000, random_state=42)
tx, end = sim.transactions, sim.observation_end

# 1. Features, one row per customer (indexed by customer id).
last_year = tx[tx["date"] > end - pd.Timedelta(days=365)]
customers = sim.customers.assign(
    orders_365d=last_year.groupby("customer_id").size().reindex(sim.customers.index, fill_value=0),
    channel=tx.groupby("customer_id", observed=True)["channel"].agg(lambda s: s.mode().iloc[0]),
    propensity=lambda c: np.clip(0.05 + 0.02 * c["orders_365d"], 0, 0.6),
    uplift=lambda c: 0.12 * c["price_sensitivity"] - 0.02,
)
prices = pd.DataFrame({"list_price": [60.0], "unit_cost": [35.0]}, index=["headphones"])

# 2. Decide.
policy = differentiated_pricing_policy(
    guardrails=Guardrails(max_discount=0.2, min_margin=0.2, budget=1_000.0),
    version="2025-06",
)
decisions = policy.decide(customers, prices, at=end)
print(decisions["reason_codes"].value_counts().head(8).to_string(), end="\n\n")
print("columns read:", [(u.column, u.used_by) for u in policy.data_usage_], end="\n\n")

# 3. Explain and export.
for reason in ("loyalty tier Gold", "price sensitivity", "no consent"):
    row = decisions[decisions["reason_codes"].astype(str).str.contains(reason)].iloc[0]
    print(explain(row), end="\n\n")
records = to_records(decisions.head(3))
print(json.dumps(records[0], ensure_ascii=False)[:300], "...\n")

# 4a. Expected outcome against list prices under an uplift response model.
flat = PricingPolicy([ListPrice()], name="list_prices")
comparison = pd.DataFrame(
    {
        p.name: simulate_policy(p, customers, UpliftResponse(), prices=prices, at=end)
        for p in (flat, policy)
    }
)
print(comparison.round(0).to_string(), end="\n\n")

# 4b. Off-policy value from a randomised log: last month an exploring version of a simpler
# policy priced everybody (60% of prices drawn at random from five discounts, each decision
# recording the probability of its price); would the template have done better?
exploring = PricingPolicy(
    [ListPrice()],
    name="explore",
    exploration=0.6,
    exploration_arms=(0.0, 0.03, 0.05, 0.1, 0.15),
    guardrails=Guardrails(max_discount=0.2),
)
logged = exploring.decide(customers, 60.0, at=end, random_state=7)
log = customers.join(logged[["discount_rate", "probability"]])
offered = log["discount_rate"] > 0
buy = log["propensity"] + np.where(offered, log["uplift"], 0.0)
bought = rng.random(len(log)) < np.clip(buy, 0, 1)
log["reward"] = bought * (60 * (1 - log["discount_rate"]) - 35)
no_budget = differentiated_pricing_policy(guardrails=Guardrails(max_discount=0.2))
for method in ("ips", "snips", "dr"):
    est = evaluate_offline(no_budget, log, prices=60.0, method=method, at=end)
    print(
        f"{method:>5}: template margin per customer {est.value:.3f} ± {1.96 * est.std_error:.3f} "
        f"(ESS {est.effective_sample_size:.0f}, max weight {est.max_weight:.0f})"
    )
print(f"logged policy's margin per customer: {log['reward'].mean():.3f}")

# 4c. Fairness audit by an attribute the policy never reads (here: signup quarter).
quarter = customers["signup_date"].dt.quarter.rename("signup_quarter")
fair = fairness_frame(decisions, quarter, n_resamples=200, random_state=1)
print(
    "\n"
    + fair.by_group[["n", "offer_rate", "offer_rate_ci_low", "offer_rate_ci_high"]]
    .round(3)
    .to_string()
)
print(
    fair.comparison[["ratio", "ratio_ci_low", "ratio_ci_high", "difference"]].round(3).to_string(),
    end="\n\n",
)

# 4d. Elasticity from weekly price variation, with promotions as a control.
weeks = 400
promo = rng.random(weeks) < 0.3
price = 60 * np.exp(-0.15 * promo + rng.normal(0, 0.05, weeks))
sales = np.exp(8 - 1.6 * np.log(price) + 0.3 * promo + rng.normal(0, 0.1, weeks))
market = pd.DataFrame({"price": price, "quantity": sales, "promo": promo})
print(estimate_elasticity(market, control_columns=["promo"]).round(3).to_string())
