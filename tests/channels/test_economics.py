from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precimark import channels
from precimark.datasets import make_journeys
from precimark.exceptions import DataValidationError


def _data() -> tuple[pd.DataFrame, pd.DataFrame]:
    touches = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3, 4, 5],
            "timestamp": pd.to_datetime(
                [
                    "2024-03-01 08:00",
                    "2024-03-02 08:00",
                    "2024-03-01 09:00",
                    "2024-03-03 09:00",
                    "2024-03-02 10:00",
                    "2024-03-02 11:00",
                    "2024-03-04 11:00",
                ]
            ),
            "channel": ["social", "search", "search", "search", "social", "email", "social"],
            "cost": [0.5, 2.0, 2.0, 2.0, 0.5, 0.1, 0.5],
        }
    )
    orders = pd.DataFrame(
        {
            "customer_id": [1, 2, 4],
            "date": pd.to_datetime(["2024-03-05", "2024-03-05", "2024-03-05"]),
            "amount": [30.0, 20.0, 10.0],
        }
    )
    return touches, orders


def test_economics_by_hand() -> None:
    touches, orders = _data()
    paths = channels.journeys(touches, orders)
    table = channels.channel_economics(touches, paths, model="last", random_state=0)
    value = table["value"]
    assert value[("search", "reach")] == 2
    assert value[("search", "frequency")] == 1.5
    assert value[("search", "cost")] == 6.0
    assert value[("search", "conversions")] == 2.0
    assert value[("search", "revenue")] == 50.0
    assert value[("search", "cac")] == 3.0
    assert value[("search", "roas")] == pytest.approx(50 / 6)
    assert value[("social", "reach")] == 3
    assert value[("email", "roas")] == pytest.approx(100.0)
    assert value[(channels.TOTAL, "cost")] == pytest.approx(7.6)
    # social never closes under last touch: its CAC is undefined, not 0 or infinite
    assert np.isnan(value[("social", "cac")])
    assert "denominator" in table.loc[("social", "cac"), "warnings"]
    attributed = channels.attribute(paths, "last")
    assert value.xs("conversions", level="kpi").drop(channels.TOTAL).to_dict() == pytest.approx(
        attributed["conversions"].to_dict()
    )
    for _, row in table.iterrows():
        assert row["ci_low"] <= row["value"] <= row["ci_high"] or np.isnan(row["value"])


def test_holdout_gives_incremental_customers() -> None:
    sim = make_journeys(6000, holdout_share=0.3, organic_rate=0.05, random_state=2)
    paths = channels.journeys(sim.touchpoints, sim.transactions, customers=sim.customers)
    table = channels.channel_economics(
        sim.touchpoints,
        paths,
        model="linear",
        customers=sim.customers,
        holdout_column="holdout",
        random_state=0,
    )
    row = table.loc[(channels.TOTAL, "incremental_customers")]
    consented = sim.customers[sim.customers["consent_marketing"]]
    treated = consented.index[~consented["holdout"]]
    # truth: converting treated customers minus their expected organic converters
    buyers = set(sim.transactions["customer_id"])
    organic_only = len(treated) * sim.true_organic_rate
    truth = sum(c in buyers for c in treated) - organic_only
    assert row["ci_low"] - 30 <= truth <= row["ci_high"] + 30
    cost = table.loc[(channels.TOTAL, "cost"), "value"]
    assert table.loc[(channels.TOTAL, "cost_per_incremental_customer"), "value"] == pytest.approx(
        cost / row["value"]
    )


def test_bad_input_is_refused() -> None:
    touches, orders = _data()
    paths = channels.journeys(touches, orders)
    with pytest.raises(DataValidationError, match="no cost column 'cost'"):
        channels.channel_economics(touches.drop(columns="cost"), paths)
    with pytest.raises(DataValidationError, match="column 'cost': 1 negative cost"):
        channels.channel_economics(touches.assign(cost=[1, 1, 1, 1, 1, 1, -1.0]), paths)
    with pytest.raises(DataValidationError, match="argument 'model'"):
        channels.channel_economics(touches, paths, model="time_decay")
    roster = pd.DataFrame(
        {"consent_marketing": True, "holdout": False}, index=pd.Index([1, 2, 3, 4, 5])
    )
    with pytest.raises(DataValidationError, match="one group only"):
        channels.channel_economics(touches, paths, customers=roster, holdout_column="holdout")


def test_marginal_roas_recovers_a_known_elasticity() -> None:
    rng = np.random.default_rng(0)
    rows, orders = [], []
    customer = 0
    for week in range(20):
        for name, elasticity in (("search", 0.5), ("email", 0.9)):
            spend = float(rng.uniform(50, 400))
            revenue = 20 * spend**elasticity
            n = 10
            for _ in range(n):
                day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * week + 1)
                rows.append((customer, day, name, spend / n))
                orders.append((customer, day + pd.Timedelta(hours=1), revenue / n))
                customer += 1
    touches = pd.DataFrame(rows, columns=["customer_id", "timestamp", "channel", "cost"])
    conv = pd.DataFrame(orders, columns=["customer_id", "date", "amount"])
    paths = channels.journeys(touches, conv, lookback="1D")
    view = channels.marginal_roas(touches, paths, period="7D")
    assert view.loc["search", "elasticity"].value == pytest.approx(0.5, abs=1e-6)
    assert view.loc["email", "elasticity"].value == pytest.approx(0.9, abs=1e-6)
    mroas = view.loc["email", "marginal_roas"].value
    assert mroas == pytest.approx(0.9 * view.loc["email", "roas"])
    assert list(view.index) == ["email", "search"]  # highest marginal ROAS first


def test_channel_results_puts_the_models_side_by_side() -> None:
    touches, orders = _data()
    paths = channels.journeys(touches, orders)
    table = channels.channel_results(paths, models=["last", "markov"], touchpoints=touches)
    assert (
        table["conversions_last"].to_dict()
        == channels.attribute(paths, "last")["conversions"].to_dict()
    )
    assert table.loc["search", "cost"] == 6.0
    assert table.loc["search", "roas_last"] == pytest.approx(50 / 6)
    assert table["conversions_markov"].sum() == pytest.approx(3)
    with pytest.raises(DataValidationError, match="argument 'models'"):
        channels.channel_results(paths, models="markov")
