"""Next-best-action: uplift scores, CLV and a personal price become one contact plan."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from precimark.actions import Action, NextBestAction
from precimark.pricing import differentiated_pricing_policy


def main() -> None:
    rng = np.random.default_rng(0)
    n = 2_000
    customers = pd.DataFrame(
        {
            "customer_lifetime_value": rng.gamma(2.0, 50.0, n),
            "orders_365d": rng.poisson(5, n),
            "price_sensitivity": rng.beta(2, 5, n),
            "uplift": rng.normal(0.02, 0.03, n),
            "channel": pd.Categorical(rng.choice(["card", "wallet"], n)),
            "consent_marketing": rng.random(n) < 0.85,
            "consent_personalised_pricing": rng.random(n) < 0.6,
            "consent_sms": rng.random(n) < 0.5,
            "contacts_in_period": rng.poisson(1.0, n),
        },
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )
    # A personal price from the pricing engine: its discount lowers the margin kept.
    prices = differentiated_pricing_policy().decide(customers, 100.0, at="2025-01-01")
    actions = [
        Action("email_voucher", cost=1.5, channel="email", margin=0.9),
        Action("sms_reminder", cost=0.3, channel="sms", consent_column="consent_sms"),
        Action("app_personal_price", cost=0.0, channel="app", purpose="personalised_pricing"),
    ]
    # Uplift scores per action, as an uplift model's predict() would give them.
    uplift = pd.DataFrame(
        {
            "email_voucher": rng.normal(0.03, 0.02, n),
            "sms_reminder": rng.normal(0.015, 0.01, n),
            "app_personal_price": 0.4 * prices["discount_rate"].to_numpy(),
        },
        index=customers.index,
    )
    nba = NextBestAction(actions, capacity={"sms": 200, "email": 600}, budget=700.0, max_contacts=2)
    plan = nba.decide(
        customers,
        uplift,
        margins=pd.DataFrame({"app_personal_price": 1 - prices["discount_rate"]}),
        eligibility=pd.DataFrame({"app_personal_price": prices["personalised"]}),
    )
    print(plan.decisions.head(6).to_string())
    print(plan.decisions["action"].value_counts().to_string())
    print(plan.decisions["binding_constraint"].value_counts().to_string())
    print(plan.usage.round(3).to_string())
    print(
        f"total {plan.total_value:.1f}, bound {plan.bound:.1f}, gap {plan.gap:.2%} ({plan.method})"
    )
    print(plan.contact_plan().head(3).to_string(index=False))
    print(json.dumps(plan.to_records()[0]))


if __name__ == "__main__":
    main()
