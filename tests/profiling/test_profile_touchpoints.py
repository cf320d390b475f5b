from __future__ import annotations

import pickle

import pandas as pd
import pytest

from precimark import channels
from precimark.datasets import make_transactions
from precimark.exceptions import DataValidationError
from precimark.profiling import CustomerProfiler


def _touches(ids: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [ids[0], ids[0], ids[0], ids[1], ids[1]],
            "timestamp": pd.to_datetime(
                ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-01", "2099-01-01"]
            ),
            "channel": ["email", "search", "search", "social", "email"],
        }
    )


def test_channel_preference_by_hand() -> None:
    result = channels.channel_preference(_touches([1, 2]))
    assert result.loc[1, "touch_share_search"] == pytest.approx(2 / 3)
    assert result.loc[1, "preferred_touch_channel"] == "search"
    assert result.loc[2, "touches"] == 2
    # a tie (email 1, social 1) goes to the first name in sorted order
    assert result.loc[2, "preferred_touch_channel"] == "email"
    clicks = _touches([1, 2]).assign(
        interaction=["click", "impression", "impression", "impression", "impression"]
    )
    assert channels.channel_preference(clicks).loc[1, "preferred_touch_channel"] == "email"


def test_channel_preference_applies_consent() -> None:
    roster = pd.DataFrame({"consent_marketing": [True, False]}, index=pd.Index([1, 2]))
    result = channels.channel_preference(_touches([1, 2]), customers=roster)
    assert list(result.index) == [1]


def test_archive_gets_the_channel_preference() -> None:
    sim = make_transactions(200, random_state=3)
    profiler = CustomerProfiler(consent=False)
    plain = profiler.fit_transform(sim.transactions)
    ids = list(plain.index[:2])
    archive = CustomerProfiler(consent=False).fit_transform(
        sim.transactions, touchpoints=_touches(ids)
    )
    pd.testing.assert_frame_equal(archive[plain.columns], plain)
    assert archive.loc[ids[0], "preferred_touch_channel"] == "search"
    # the 2099 touch is after the profile date: not read
    assert archive.loc[ids[1], "touches"] == 1
    never = archive.index[5]
    assert archive.loc[never, "touches"] == 0
    assert archive.loc[never, "touch_share_email"] == 0.0
    assert archive.loc[never, "preferred_touch_channel"] is None
    fitted = CustomerProfiler(consent=False).fit(sim.transactions)
    again = fitted.transform(sim.transactions, touchpoints=_touches(ids))
    pd.testing.assert_frame_equal(again, archive)
    # nothing of the touchpoints is kept: the pickle is the plain profiler's
    assert set(vars(fitted)) == set(vars(pickle.loads(pickle.dumps(fitted))))
    assert not any("touch" in name for name in vars(fitted))


def test_bad_touchpoints_are_refused() -> None:
    sim = make_transactions(50, random_state=3)
    with pytest.raises(DataValidationError, match="missing column 'channel'"):
        CustomerProfiler(consent=False).fit_transform(
            sim.transactions, touchpoints=_touches([1, 2]).drop(columns="channel")
        )
