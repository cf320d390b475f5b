from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precimark import channels, kpi
from precimark.datasets import make_posts
from precimark.exceptions import DataValidationError

statsmodels = pytest.importorskip("statsmodels")
from statsmodels.stats import rates  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402


def _posts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "brand": ["ours", "ours", "theirs", "theirs", "theirs"],
            "platform": ["weibo", "douyin", "weibo", "weibo", "douyin"],
            "impressions": [100, 300, 200, 100, 100],
            "likes": [5, 10, 4, 1, 0],
            "shares": [1, 2, 0, 0, 0],
            "comments": [0, 2, 1, 0, 0],
            "sentiment": [0.6, -0.2, 0.0, 0.01, -0.9],
        }
    )


def test_engagement_is_a_wilson_interval() -> None:
    table = channels.engagement(_posts())
    assert table["value"].to_dict() == {"ours": 20 / 400, "theirs": 6 / 400}
    low, high = proportion_confint(20, 400, alpha=0.05, method="wilson")
    assert (table.loc["ours", "ci_low"], table.loc["ours", "ci_high"]) == pytest.approx((low, high))
    assert table.loc["ours", "engagements"] == 20
    by_platform = channels.engagement(_posts(), group_columns=["brand", "platform"])
    assert by_platform.loc[("theirs", "weibo"), "value"] == pytest.approx(6 / 300)


def test_engagement_refuses_bad_counts() -> None:
    with pytest.raises(DataValidationError, match="column 'likes': 1 negative value"):
        channels.engagement(_posts().assign(likes=[1, 1, 1, 1, -1]))
    with pytest.raises(DataValidationError, match="506 engagements on 400 impressions"):
        channels.engagement(_posts().assign(likes=[500, 1, 1, 1, 1]))
    with pytest.raises(DataValidationError, match="missing column 'comments'"):
        channels.engagement(_posts().drop(columns="comments"))


def test_share_of_voice() -> None:
    table = channels.share_of_voice(_posts(), brand="ours")
    assert list(table.index) == ["ours", "theirs"]
    assert table["value"].tolist() == pytest.approx([0.4, 0.6])
    low, _ = proportion_confint(2, 5, method="wilson")
    assert table.loc["ours", "ci_low"] == pytest.approx(low)
    per_platform = channels.share_of_voice(_posts(), brand="ours", group_columns="platform")
    assert per_platform.loc[("weibo", "ours"), "value"] == pytest.approx(1 / 3)
    with pytest.raises(DataValidationError, match="argument 'brand'"):
        channels.share_of_voice(_posts(), brand="nobody")


def test_net_sentiment_scores_and_labels() -> None:
    table = channels.net_sentiment(_posts())
    # ours: +1 (0.6), -1 (-0.2) -> 0; theirs: 0, 0 (0.01 <= 0.05), -1 -> -1/3
    assert table["value"].to_dict() == pytest.approx({"ours": 0.0, "theirs": -1 / 3})
    labels = _posts().assign(sentiment=["positive", "negative", "neutral", "neutral", "Negative"])
    pd.testing.assert_series_equal(
        channels.net_sentiment(labels)["value"], table["value"], check_exact=False
    )
    p, m, n = 1 / 3 * 0, 1 / 3, 3
    se = np.sqrt((p + m - (p - m) ** 2) / n)
    assert table.loc["theirs", "ci_high"] == pytest.approx(-1 / 3 + 1.959964 * se, rel=1e-5)
    with pytest.raises(DataValidationError, match="unknown sentiment label"):
        channels.net_sentiment(labels.assign(sentiment="great"))
    with pytest.raises(DataValidationError, match="out-of-range score"):
        channels.net_sentiment(_posts().assign(sentiment=[2.0, 0, 0, 0, 0]))


def _daily(counts: list[int], start: str = "2024-01-01") -> pd.DataFrame:
    days = pd.date_range(start, periods=len(counts), freq="D")
    return pd.DataFrame({"date": np.repeat(days, counts)})


def test_campaign_response_equals_the_exact_conditional_test() -> None:
    posts = _daily([10] * 20 + [16] * 5)
    lift = channels.campaign_response(posts, start="2024-01-21", end="2024-01-25")
    assert lift.value == pytest.approx((80 / 5) / (200 / 20))
    reference = rates.test_poisson_2indep(80, 5, 200, 20, method="exact-cond")
    assert lift.p_value == pytest.approx(reference.pvalue, rel=1e-6)
    share_low, share_high = proportion_confint(80, 280, alpha=0.05, method="beta")
    assert lift.ci_low == pytest.approx(share_low / (1 - share_low) * 20 / 5)
    assert lift.ci_high == pytest.approx(share_high / (1 - share_high) * 20 / 5)


def test_campaign_response_covers_the_true_ratio() -> None:
    # 80 simulated campaigns: the 95% interval should miss about 4 times (binomial sd 1.95);
    # more than 10 misses is 3 sd out.
    misses = 0
    for seed in range(80):
        sim = make_posts(rate_ratio=1.5, mentions_per_day=5.0, random_state=seed)
        lift = channels.campaign_response(
            sim.posts,
            start=sim.campaign_start,
            end=sim.campaign_end,
            brand="our_brand",
            weekly_seasonality=True,
        )
        misses += not lift.contains(sim.true_rate_ratio)
    assert misses <= 10


def test_weekday_adjustment_removes_a_weekend_bias() -> None:
    # weekends have twice the mentions; a window of weekend days shows no real lift
    counts = [20 if d.day_of_week >= 5 else 10 for d in pd.date_range("2024-01-01", periods=63)]
    posts = _daily(counts)
    window = {"start": "2024-03-02", "end": "2024-03-03"}  # a Saturday and a Sunday
    naive = channels.campaign_response(posts, **window)
    adjusted = channels.campaign_response(posts, **window, weekly_seasonality=True)
    assert naive.value > 1.5
    assert adjusted.value == pytest.approx(1.0)


def test_campaign_window_outside_the_data_is_refused() -> None:
    posts = _daily([10] * 20)
    with pytest.raises(DataValidationError, match="outside the data in column 'date'"):
        channels.campaign_response(posts, start="2024-01-15", end="2024-02-10")
    with pytest.raises(DataValidationError, match="no baseline day before"):
        channels.campaign_response(posts, start="2024-01-01", end="2024-01-05")
    with pytest.raises(DataValidationError, match="argument 'end'"):
        channels.campaign_response(posts, start="2024-01-10", end="2024-01-05")


def test_social_referred_customers_joins_the_log() -> None:
    sim = make_posts(random_state=1)
    referred = sim.posts["referral_id"].dropna().astype(int)
    orders = pd.DataFrame(
        {
            "customer_id": referred.to_numpy()[:5].repeat(2),
            "date": [pd.Timestamp("2023-01-01"), pd.Timestamp("2025-01-01")] * 5,
            "amount": 10.0,
        }
    )
    result = channels.social_referred_customers(sim.posts, orders)
    assert set(result.index) == set(referred)
    first_five = result.loc[referred.to_numpy()[:5]]
    assert (first_five["orders"] >= 1).all()  # the 2025 order counts, the 2023 one does not
    assert (first_five["revenue"] == 10.0 * first_five["orders"]).all()
    roster = pd.DataFrame({"consent_marketing": False}, index=pd.Index(referred.unique()))
    assert channels.social_referred_customers(sim.posts, orders, customers=roster).empty


def test_daily_counts_are_every_day_of_the_data_by_hand() -> None:
    posts = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-04", "2024-03-04"]),
            "platform": "x",
            "brand": ["ours", "theirs", "ours", "ours"],
            "impressions": 100,
            "likes": [1, 2, 3, 4],
            "shares": 0,
            "comments": [1, 0, 0, 1],
        }
    )
    mentions = channels.daily_counts(posts, brand="ours")
    assert list(mentions.index) == list(pd.date_range("2024-03-01", "2024-03-04"))
    assert mentions.tolist() == [1.0, 0.0, 0.0, 2.0]
    assert mentions.name == "mentions"
    engagements = channels.daily_counts(posts, metric="engagements")
    assert engagements.tolist() == [4.0, 0.0, 0.0, 8.0]
    with pytest.raises(DataValidationError, match="argument 'brand'"):
        channels.daily_counts(posts, brand="nobody")
    with pytest.raises(DataValidationError, match="argument 'metric'"):
        channels.daily_counts(posts, metric="likes")  # type: ignore[arg-type]


def test_daily_counts_give_an_interrupted_time_series_that_covers_the_true_lift() -> None:
    # make_posts: 20 mentions per weekday, weekends +30%, x1.5 on days 80..93 (two weeks, four
    # weekend days): the true extra mentions per campaign day are 0.5 * 20 * 15.2 / 14.
    truth = 0.5 * 20 * 15.2 / 14
    covered = 0
    reps = 60
    for seed in range(reps):
        sim = make_posts(rate_ratio=1.5, random_state=seed)
        daily = channels.daily_counts(sim.posts, brand="our_brand")[: sim.campaign_end]
        its = kpi.interrupted_time_series(
            daily, intervention=sim.campaign_start, seasonality="weekday"
        )
        covered += its.average_effect.contains(truth)
    # 95% intervals: 57 of 60 expected; binomial sd 1.7, so >= 52 is a 3-sd floor.
    assert covered >= 52
