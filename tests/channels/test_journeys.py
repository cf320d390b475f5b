from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precimark import channels
from precimark.datasets import make_journeys
from precimark.exceptions import DataValidationError
from precimark.schema import Columns, TouchpointColumns


def _touches() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 1, 1, 2, 3],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 00:00",  # outside the 30-day window of the first order
                    "2024-03-01 00:00",
                    "2024-03-04 10:00",
                    "2024-03-06 00:00",
                    "2024-03-07 09:00",
                    "2024-03-09 00:00",  # after the last order
                    "2024-03-02 00:00",
                    "2024-03-03 00:00",
                ]
            ),
            "channel": ["tv", "social", "search", "email", "search", "video", "email", "social"],
            "cost": [1.0, 0.1, 0.5, 0.0, 0.5, 0.2, 0.0, 0.1],
        }
    )


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 4],
            "date": pd.to_datetime(["2024-03-05 00:00", "2024-03-07 12:00", "2024-03-01 00:00"]),
            "amount": [40.0, 10.0, 5.0],
        }
    )


def test_journeys_by_hand() -> None:
    result = channels.journeys(_touches(), _orders(), lookback="30D")
    assert list(result.columns) == ["customer_id", *channels.JOURNEY_COLUMNS]
    expected = [
        (1, ("tv",), False, 0.0),
        (1, ("social", "search"), True, 40.0),
        (1, ("email", "search"), True, 10.0),
        (1, ("video",), False, 0.0),
        (2, ("email",), False, 0.0),
        (3, ("social",), False, 0.0),
        (4, (), True, 5.0),
    ]
    got = list(result[["customer_id", "path", "converted", "revenue"]].itertuples(index=False))
    assert [tuple(row) for row in got] == expected
    # days from each touch to the conversion (12:00 on 7 March) or to the last touch
    assert result.loc[2, "days_before"] == pytest.approx((1.5, 0.125))
    assert result.loc[0, "days_before"] == (0.0,)
    assert result.loc[1, "conversion_time"] == pd.Timestamp("2024-03-05")


def test_a_date_without_time_is_the_end_of_the_day() -> None:
    touches = pd.DataFrame(
        {"customer_id": [1], "timestamp": ["2024-03-05 18:00"], "channel": ["search"]}
    )
    orders = pd.DataFrame({"customer_id": [1], "date": ["2024-03-05"], "amount": [9.0]})
    result = channels.journeys(touches, orders)
    assert result["converted"].tolist() == [True]
    assert result["conversion_time"][0] == pd.Timestamp("2024-03-05 23:59:59.999999999")


def test_lookback_shortens_the_window() -> None:
    result = channels.journeys(_touches(), _orders(), lookback="2D")
    converting = result[result["converted"]]["path"].tolist()
    assert converting == [("search",), ("email", "search"), ()]


def test_input_is_not_modified() -> None:
    touches, orders = _touches(), _orders()
    before = touches.copy(), orders.copy()
    channels.journeys(touches, orders)
    pd.testing.assert_frame_equal(touches, before[0])
    pd.testing.assert_frame_equal(orders, before[1])


def test_consent_excludes_touches_and_conversions() -> None:
    roster = pd.DataFrame(
        {"consent_marketing": [False, True, True, True]},
        index=pd.Index([1, 2, 3, 4], name="customer_id"),
    )
    result = channels.journeys(_touches(), _orders(), customers=roster)
    assert 1 not in set(result["customer_id"])
    assert result.attrs["data_usage"][0]["column"] == "consent_marketing"
    opted_out = channels.journeys(_touches(), _orders(), customers=roster, consent=False)
    assert 1 in set(opted_out["customer_id"])
    with pytest.raises(DataValidationError, match="no consent column 'consent_marketing'"):
        channels.journeys(_touches(), _orders(), customers=roster.rename(columns=str.upper))


def test_custom_column_names() -> None:
    touches = _touches().rename(columns={"customer_id": "user", "channel": "medium"})
    orders = _orders().rename(columns={"customer_id": "user", "amount": "paid"})
    result = channels.journeys(
        touches,
        orders,
        columns=TouchpointColumns(customer_id="user", channel="medium"),
        conversion_columns=Columns(customer_id="user", amount="paid"),
    )
    assert result.columns[0] == "user"
    assert len(result) == 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.assign(cost=[1.0, -0.1, 0, 0, 0, 0, 0, 0]),
            r"column 'cost': 1 negative cost \(first customer: 1\)",
        ),
        (
            lambda t: t.assign(channel=[None, *["a"] * 7]),
            r"column 'channel': 1 missing channel \(first customer: 1\)",
        ),
        (
            lambda t: t.assign(timestamp=[pd.NaT, *t["timestamp"][1:]]),
            r"column 'timestamp': 1 missing timestamp",
        ),
        (
            # numpy would wrap a second-resolution timestamp past 2262 into 1915 silently
            lambda t: t.assign(
                timestamp=np.array(["2300-01-01", *t["timestamp"][1:].astype(str)], "M8[s]")
            ),
            r"column 'timestamp': 1 timestamp outside the nanosecond range \(first customer: 1\)",
        ),
        (
            # as text: pandas 3 parses it (to microseconds), pandas 2 cannot: refused either way
            lambda t: t.assign(timestamp=["2300-01-01", *t["timestamp"][1:].astype(str)]),
            r"column 'timestamp': 1 (timestamp outside the nanosecond range|unparseable date)",
        ),
        (lambda t: t.drop(columns="channel"), r"missing column 'channel'"),
        (lambda t: t.assign(timestamp=np.arange(8)), "numbers of dtype int64"),
        (lambda t: t.assign(interaction="view"), r"8 interactions that are neither"),
    ],
)
def test_bad_touchpoints_are_refused(change: object, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        channels.journeys(change(_touches()), _orders())  # type: ignore[operator]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(DataValidationError, match="argument 'lookback'"):
        channels.journeys(_touches(), _orders(), lookback="0D")
    with pytest.raises(DataValidationError, match="argument 'lookback'"):
        channels.journeys(_touches(), _orders(), lookback="1M")
    with pytest.raises(DataValidationError, match="column 'amount': 1 negative value"):
        channels.journeys(_touches(), _orders().assign(amount=[1.0, -1.0, 2.0]))
    with pytest.raises(DataValidationError, match="argument 'conversions'"):
        channels.journeys(_touches(), _orders().iloc[:0])


def test_simulated_journeys_partition_every_touch() -> None:
    sim = make_journeys(3000, random_state=5)
    result = channels.journeys(sim.touchpoints, sim.transactions)
    assert result["path"].str.len().sum() == len(sim.touchpoints)
    assert result["converted"].sum() == len(sim.transactions)
    assert result["revenue"].sum() == pytest.approx(sim.transactions["amount"].sum())
    # a loop over customers gives the same paths
    lookback = pd.Timedelta(days=30)
    tx = sim.transactions.sort_values(["customer_id", "date"])
    first = tx.groupby("customer_id").head(1).set_index("customer_id")["date"]
    touches = sim.touchpoints
    for customer in touches["customer_id"].unique()[:60]:
        mine = touches[touches["customer_id"] == customer]
        got = result[result["customer_id"] == customer]
        if customer in first.index:
            when = first[customer]
            window = mine[(mine["timestamp"] <= when) & (mine["timestamp"] > when - lookback)]
            row = got[got["converted"]].iloc[0]
            assert row["path"] == tuple(window["channel"])
        else:
            assert got["path"].tolist() == [tuple(mine["channel"])]


def test_conversions_flagged_in_the_touchpoint_log() -> None:
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "timestamp": pd.to_datetime(
                ["2024-03-01 10:00", "2024-03-02 10:00", "2024-03-02 11:00", "2024-03-03 10:00"]
            ),
            "channel": ["social", "search", "checkout", "email"],
            "is_order": [False, False, True, False],
            "revenue": [0.0, 0.0, 25.0, 0.0],
        }
    )
    result = channels.journeys(log, conversion_column="is_order")
    assert result["path"].tolist() == [("social", "search"), ("email",)]
    assert result["revenue"].tolist() == [25.0, 0.0]
    with pytest.raises(DataValidationError, match="argument 'conversions'"):
        channels.journeys(log)
    with pytest.raises(DataValidationError, match="column 'is_order': values of dtype"):
        channels.journeys(log.assign(is_order=1), conversion_column="is_order")
    with pytest.raises(DataValidationError, match="argument 'conversion_column'"):
        channels.journeys(log, _orders(), conversion_column="is_order")


def test_event_order_is_lexsort() -> None:
    from precimark.channels._journeys import _event_order

    rng = np.random.default_rng(3)
    for n in (1, 2, 500):
        codes = rng.integers(0, 7, n)
        times = rng.integers(-5, 5, n) * 10**9 + 1_700_000_000 * 10**9  # ties on purpose
        is_conv = rng.random(n) < 0.3
        expected = np.lexsort((is_conv, times, codes))
        np.testing.assert_array_equal(_event_order(codes, times, is_conv), expected)
    huge = np.array([-(2**62), 2**62])  # a span that would overflow the packed key
    np.testing.assert_array_equal(
        _event_order(np.array([0, 0]), huge, np.array([False, True])), [0, 1]
    )
