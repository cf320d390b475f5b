"""Which channels earn the sales, and how did the campaign land on social media?

A simulated shop (known truth) markets through display, e-mail, search, social and short
video; a tenth of the customers are held out of every channel. We

1. build the journeys (30-day lookback, marketing consent applied);
2. compare the attribution models with the simulator's true removal effects;
3. report channel economics with bootstrap intervals and the budget view (marginal ROAS);
4. evaluate the social response: engagement, share of voice, net sentiment and the
   campaign's lift in mentions.

Run: python examples/channels.py
"""

from __future__ import annotations

import pandas as pd

from precimark import channels, kpi
from precimark.datasets import make_journeys, make_posts


def main() -> None:
    sim = make_journeys(20_000, random_state=3)
    paths = channels.journeys(sim.touchpoints, sim.transactions, customers=sim.customers)
    empty = paths["converted"] & (paths["path"].str.len() == 0)
    print(f"{len(paths):,} journeys; {int(empty.sum())} conversions without a touch (organic)")
    attributable = paths[~empty]

    print("\n## Attribution: share of conversions by model vs the true removal effects")
    truth = sim.true_removal_effect / sim.true_removal_effect.sum()
    shares = {"truth": truth}
    for model in channels.MODELS:
        credit = channels.attribute(attributable, model, random_state=0)["conversions"]
        shares[model] = credit / credit.sum()
    print(pd.DataFrame(shares).round(3).to_string())

    print("\n## Channel economics (Markov credit, 95% bootstrap intervals over customers)")
    table = channels.channel_economics(
        sim.touchpoints,
        paths,
        model="markov",
        customers=sim.customers,
        holdout_column="holdout",
        n_resamples=100,
        random_state=0,
    )
    wanted = ["reach", "cost", "conversions", "roas"]
    print(table.loc[(slice(None), wanted), ["value", "ci_low", "ci_high"]].round(2).to_string())
    print("\n## Budget view")
    view = channels.marginal_roas(sim.touchpoints, attributable)
    mroas = view["marginal_roas"].map(lambda e: round(e.value, 1))
    print(view[["spend", "roas"]].assign(marginal_roas=mroas).round(2).to_string())

    print("\n## Social response")
    social = make_posts(rate_ratio=1.5, random_state=0)
    print(channels.engagement(social.posts)[["value", "ci_low", "ci_high"]].round(4).to_string())
    sov = channels.share_of_voice(social.posts, brand="our_brand")
    print(sov[["value", "ci_low", "ci_high"]].round(3).to_string())
    print(channels.net_sentiment(social.posts)[["value", "ci_low", "ci_high"]].round(3).to_string())
    lift = channels.campaign_response(
        social.posts,
        start=social.campaign_start,
        end=social.campaign_end,
        brand="our_brand",
        weekly_seasonality=True,
    )
    print(f"campaign lift in mentions: {lift} (true ratio {social.true_rate_ratio})")
    daily = channels.daily_counts(social.posts, brand="our_brand")[: social.campaign_end]
    its = kpi.interrupted_time_series(
        daily, intervention=social.campaign_start, seasonality="weekday"
    )
    print(f"extra mentions per campaign day (interrupted time series): {its.average_effect}")


if __name__ == "__main__":
    main()
