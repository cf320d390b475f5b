"""make_snapshots: leak-free features (hypothesis), labels by hand, population, attributes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import precimark as pm
from precimark.datasets import SimulatedBase
from precimark.privacy import ConsentPolicy
from precimark.propensity import LABEL, SNAPSHOT_FEATURES, make_snapshots

START = pd.Timestamp("2024-01-01")


def _log(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    """Transactions from (customer, day offset, amount) tuples."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": [START + pd.Timedelta(days=r[1]) for r in rows],
            "amount": [r[2] for r in rows],
        }
    )


# --- the leak-free guarantee ---------------------------------------------------------------------

_events = st.lists(
    st.tuples(st.integers(1, 6), st.integers(0, 120), st.floats(0, 500, allow_nan=False)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(
    events=_events,
    cutoff=st.integers(0, 100),
    lookback=st.none() | st.integers(1, 60),
    edits=st.lists(
        st.tuples(st.integers(0, 1000), st.sampled_from(["delete", "move", "amount", "add"])),
        max_size=5,
    ),
)
def test_changing_or_deleting_events_after_the_cutoff_leaves_its_features_unchanged(
    events: list[tuple[int, int, float]],
    cutoff: int,
    lookback: int | None,
    edits: list[tuple[int, str]],
) -> None:
    rows = list(events)
    if not any(day <= cutoff for _, day, _ in rows):
        return  # nobody born by the cutoff: refused (tested elsewhere)
    changed = list(rows)
    for position, action in edits:
        later = [i for i, r in enumerate(changed) if r[1] > cutoff]
        if action == "add":
            changed.append((position % 9 + 1, cutoff + 1 + position % 30, float(position)))
        elif later:
            i = later[position % len(later)]
            customer, day, amount = changed[i]
            if action == "delete":
                del changed[i]
            elif action == "move":
                changed[i] = (customer, cutoff + 1 + (day + position) % 40, amount)
            else:
                changed[i] = (customer, day, amount + position)
    if not changed:
        return
    kwargs = {"cutoffs": START + pd.Timedelta(days=cutoff), "horizon": 30, "lookback": lookback}
    before = make_snapshots(_log(rows), labels=False, **kwargs)  # type: ignore[arg-type]
    after = make_snapshots(_log(changed), labels=False, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(before, after)


# --- features and labels against independent computations --------------------------------------


def test_features_match_rfm_summary_at_each_cutoff(cdnow_sample: pd.DataFrame) -> None:
    cutoffs = ["1997-03-31", "1997-09-30", "1998-01-15"]
    snaps = make_snapshots(cdnow_sample, cutoffs=cutoffs, horizon=90)
    for cutoff in cutoffs:
        rfm = pm.rfm_summary(cdnow_sample, observation_end=cutoff)
        snap = snaps.xs(pd.Timestamp(cutoff), level="cutoff")
        assert snap.index.equals(rfm.index)
        for column in ("frequency", "recency", "T", "monetary_value"):
            np.testing.assert_allclose(snap[column], rfm[column], err_msg=column)
        np.testing.assert_allclose(snap["days_since_last"], rfm["T"] - rfm["recency"])


def test_labels_and_totals_match_a_plain_pandas_computation(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    cutoff, horizon, gap, lookback = pd.Timestamp("2024-06-30"), 60, 14, 90
    snaps = make_snapshots(
        tx, cutoffs=cutoff, horizon=horizon, gap=gap, lookback=f"{lookback}D"
    ).xs(cutoff, level="cutoff")
    day = tx["date"].dt.normalize()
    born = tx[day <= cutoff]["customer_id"].unique()
    window = tx[
        (day > cutoff + pd.Timedelta(days=gap)) & (day <= cutoff + pd.Timedelta(days=gap + horizon))
    ]
    expected_label = pd.Series(
        np.isin(born, window["customer_id"].unique()).astype(int), index=born
    )
    recent = tx[(day <= cutoff) & (day > cutoff - pd.Timedelta(days=lookback))]
    spend = recent.groupby("customer_id")["amount"].sum().reindex(born, fill_value=0.0)
    days = (
        recent.assign(day=day).groupby("customer_id")["day"].nunique().reindex(born, fill_value=0)
    )
    assert set(snaps.index) == set(born)
    pd.testing.assert_series_equal(
        snaps[LABEL], expected_label.reindex(snaps.index), check_names=False
    )
    np.testing.assert_allclose(snaps["total_spend"], spend.reindex(snaps.index))
    np.testing.assert_allclose(snaps["n_purchases"], days.reindex(snaps.index))
    assert 0.05 < snaps[LABEL].mean() < 0.6


def test_small_log_by_hand() -> None:
    tx = _log([(1, 0, 10.0), (1, 0, 5.0), (1, 9, 20.0), (2, 4, 5.0), (1, 40, 7.0), (3, 35, 1.0)])
    snaps = make_snapshots(
        tx, cutoffs=["2024-01-20", "2024-02-05"], horizon=20, gap=5, observation_end="2024-03-31"
    )
    first = snaps.xs(pd.Timestamp("2024-01-20"), level="cutoff")
    assert first.index.tolist() == [1, 2]  # customer 3 is born on day 35
    assert first.loc[1, "n_purchases"] == 2  # two purchases on day 0 are one purchase day
    assert first.loc[1, "total_spend"] == 35.0
    assert first.loc[1, "monetary_value"] == 20.0
    # label window (Jan 25, Feb 14]: customer 1 buys on Feb 10 (day 40); customer 3's
    # first purchase (Feb 5) is in it too, but 3 is not in the population yet
    assert first[LABEL].tolist() == [1, 0]
    second = snaps.xs(pd.Timestamp("2024-02-05"), level="cutoff")
    assert second.index.tolist() == [1, 2, 3]
    assert second[LABEL].tolist() == [0, 0, 0]  # window (Feb 10, Mar 1]: day 40 is Feb 10
    assert list(snaps.columns) == [*SNAPSHOT_FEATURES, LABEL]
    assert snaps.index.names == ["customer_id", "cutoff"]


def test_inputs_are_not_modified(sim_small: SimulatedBase) -> None:
    tx, customers = sim_small.transactions.copy(), sim_small.customers.copy()
    make_snapshots(
        sim_small.transactions,
        cutoffs="2024-05-01",
        horizon=30,
        customers=sim_small.customers,
        as_of_column="signup_date",
        attribute_columns=["price_sensitivity"],
        consent="consent_marketing",
    )
    pd.testing.assert_frame_equal(sim_small.transactions, tx)
    pd.testing.assert_frame_equal(sim_small.customers, customers)


# --- population, attributes, consent ---------------------------------------------------------------


def test_roster_customers_not_yet_acquired_are_left_out_with_a_warning() -> None:
    tx = _log([(1, 0, 10.0), (1, 19, 5.0), (2, 15, 4.0)])  # day 19 = Jan 20, end of the window
    roster = pd.DataFrame(
        {"tier": [1, 2, 3], "consent_marketing": True},
        index=pd.Index([1, 2, 3], name="customer_id"),
    )
    with pytest.warns(pm.DataQualityWarning, match=r"2 roster customers.*as_of_column=") as record:
        snaps = make_snapshots(
            tx, cutoffs="2024-01-10", horizon=10, customers=roster, attribute_columns=["tier"]
        )
    assert len(record) == 1
    # 2 buys only on Jan 16, 3 never: neither is a customer yet on Jan 10
    assert snaps.index.get_level_values(0).tolist() == [1]
    assert snaps[LABEL].tolist() == [1]
    assert snaps["tier"].tolist() == [1]


def test_prospects_enter_with_the_rosters_acquisition_date() -> None:
    tx = _log([(1, 0, 10.0), (1, 19, 5.0)])
    roster = pd.DataFrame(
        {
            "signup": pd.to_datetime(["2023-12-01", "2024-01-02", "2024-01-15"]),
            "consent_marketing": True,
        },
        index=pd.Index([1, 2, 3], name="customer_id"),
    )
    snaps = make_snapshots(
        tx, cutoffs="2024-01-10", horizon=10, customers=roster, as_of_column="signup"
    )
    assert snaps.index.get_level_values(0).tolist() == [1, 2]  # 3 signs up after the cutoff
    assert snaps[LABEL].tolist() == [1, 0]
    assert (snaps.loc[2, list(SNAPSHOT_FEATURES)].to_numpy() == 0).all()


def test_not_yet_acquired_customers_do_not_get_label_rate_one(sim_small: SimulatedBase) -> None:
    """Regression: a roster without as_of put future customers into early cutoffs.

    Every roster customer with no purchase on or before an early cutoff but one soon after
    got label 1, so the rows without history had a label rate of 1.000 and a model trained on
    them predicted P = 1.0 for anyone without history.
    """
    tx = sim_small.transactions
    cutoff = (tx["date"].min() + pd.Timedelta(days=30)).normalize()
    with pytest.warns(pm.DataQualityWarning, match="not acquired yet"):
        snaps = make_snapshots(tx, cutoffs=cutoff, horizon=30, customers=sim_small.customers)
    first = tx.groupby("customer_id")["date"].min().dt.normalize()
    ids = snaps.index.get_level_values(0)
    assert (first.reindex(ids).to_numpy() <= cutoff).all()  # acquired by the cutoff
    assert (snaps["n_purchases"] > 0).all()  # no lookback: everyone has some history
    assert 0.0 < snaps[LABEL].mean() < 0.9


def test_attributes_and_population_are_taken_as_of_the_cutoff() -> None:
    tx = _log([(1, 0, 10.0), (2, 15, 5.0), (1, 40, 1.0)])
    history = pd.DataFrame(
        {
            "valid_from": pd.to_datetime(["2023-12-01", "2024-01-15", "2024-01-12", "2024-02-01"]),
            "tier": [1, 2, 1, 3],
            "consent_marketing": [True, True, True, True],
        },
        index=pd.Index([1, 1, 2, 2], name="customer_id"),
    )
    snaps = make_snapshots(
        tx,
        cutoffs=["2024-01-10", "2024-01-20", "2024-02-05"],
        horizon=5,
        customers=history,
        as_of_column="valid_from",
        attribute_columns=["tier"],
        observation_end="2024-03-01",
    )
    tiers = snaps["tier"].unstack("customer_id")
    assert tiers.loc[pd.Timestamp("2024-01-10")].tolist()[:1] == [1]
    assert np.isnan(tiers.loc[pd.Timestamp("2024-01-10"), 2])  # not on the roster yet
    assert tiers.loc[pd.Timestamp("2024-01-20")].tolist() == [2, 1]
    assert tiers.loc[pd.Timestamp("2024-02-05")].tolist() == [2, 3]


def test_as_of_and_attributes_are_deprecated_aliases() -> None:
    tx = _log([(1, 0, 10.0), (2, 15, 5.0), (1, 40, 1.0)])
    history = pd.DataFrame(
        {
            "valid_from": pd.to_datetime(["2023-12-01", "2024-01-15", "2024-01-12"]),
            "tier": [1, 2, 1],
            "consent_marketing": True,
        },
        index=pd.Index([1, 1, 2], name="customer_id"),
    )
    cutoffs = ["2024-01-10", "2024-01-20"]
    expected = make_snapshots(
        tx,
        cutoffs=cutoffs,
        horizon=5,
        customers=history,
        as_of_column="valid_from",
        attribute_columns=["tier"],
    )
    with pytest.warns(FutureWarning, match=r"make_snapshots\((as_of|attributes)=") as caught:
        old = make_snapshots(  # type: ignore[call-arg]
            tx,
            cutoffs=cutoffs,
            horizon=5,
            customers=history,
            as_of="valid_from",
            attributes=["tier"],
        )
    assert sorted(str(w.message).split("use ")[1] for w in caught) == [
        "as_of_column=... instead.",
        "attribute_columns=... instead.",
    ]
    pd.testing.assert_frame_equal(old, expected)
    with pytest.raises(TypeError, match="both as_of="):
        make_snapshots(  # type: ignore[call-arg]
            tx, cutoffs=cutoffs, horizon=5, customers=history, as_of="x", as_of_column="x"
        )


def test_consent_keeps_only_customers_whose_current_row_consents() -> None:
    tx = _log([(1, 0, 10.0), (2, 1, 5.0), (3, 2, 1.0)])
    history = pd.DataFrame(
        {
            "since": pd.to_datetime(["2023-12-01", "2023-12-01", "2024-02-01", "2023-12-01"]),
            "ok": [True, True, False, False],
        },
        index=pd.Index([1, 2, 2, 3], name="customer_id"),
    )
    snaps = make_snapshots(
        tx,
        cutoffs="2024-01-05",
        horizon=5,
        customers=history,
        as_of_column="since",
        consent=ConsentPolicy(columns={"marketing": "ok"}),
        observation_end="2024-03-01",
    )
    # customer 2 withdrew on Feb 1: left out of every cutoff, even earlier ones
    assert snaps.index.get_level_values(0).tolist() == [1]


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cutoffs": "2024-02-20", "horizon": 30}, "label window ends after the end of the data"),
        ({"cutoffs": "2023-12-01", "horizon": 5}, "nobody in the population"),
        ({"cutoffs": "2024-01-05", "horizon": 0}, "'horizon'"),
        ({"cutoffs": "2024-01-05", "horizon": "36h"}, "whole number of days"),
        ({"cutoffs": ["2024-01-05", "2024-01-05"], "horizon": 5}, "distinct cutoff"),
        (
            {"cutoffs": "2024-01-05", "horizon": 5, "consent": "consent_marketing"},
            "customer roster",
        ),
        ({"cutoffs": "not a date", "horizon": 5}, "'cutoffs'"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], match: str) -> None:
    tx = _log([(1, 0, 10.0), (1, 50, 5.0)])
    with pytest.raises(pm.DataValidationError, match=match):
        make_snapshots(tx, **kwargs)  # type: ignore[arg-type]


def test_unlabelled_scoring_rows_may_look_past_the_data() -> None:
    tx = _log([(1, 0, 10.0), (1, 50, 5.0)])
    snaps = make_snapshots(tx, cutoffs="2024-02-20", horizon=30, labels=False)
    assert LABEL not in snaps.columns
    assert snaps.loc[(1, pd.Timestamp("2024-02-20")), "frequency"] == 1


def test_non_numeric_attribute_is_refused() -> None:
    tx = _log([(1, 0, 10.0)])
    roster = pd.DataFrame({"city": ["Paris"]}, index=pd.Index([1], name="customer_id"))
    with pytest.raises(pm.DataValidationError, match=r"column 'city'.*one-hot"):
        make_snapshots(
            tx,
            cutoffs="2024-01-01",
            horizon=1,
            customers=roster,
            attribute_columns=["city"],
            labels=False,
        )


def test_a_roster_sharing_no_id_with_the_log_is_refused() -> None:
    tx = _log([(1, 0, 10.0), (2, 3, 5.0)])
    roster = pd.DataFrame({"tier": [1, 2]}, index=pd.Index(["1", "2"], name="customer_id"))
    with pytest.raises(pm.DataValidationError, match=r"no customer id in common.*'1'"):
        make_snapshots(tx, cutoffs="2024-01-05", horizon=1, customers=roster, labels=False)


@pytest.mark.parametrize("horizon", ["30D", pd.Timedelta(days=30), np.int64(30)])
def test_horizon_is_a_length_of_time_in_any_spelling(horizon: object) -> None:
    tx = _log([(1, 0, 10.0), (1, 30, 5.0), (2, 3, 4.0), (2, 31, 1.0)])
    expected = make_snapshots(tx, cutoffs="2024-01-01", horizon=30)
    got = make_snapshots(tx, cutoffs="2024-01-01", horizon=horizon)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got, expected)
    assert expected[LABEL].tolist() == [1]  # day 30 is in (day 0, day 30]; 2 not acquired yet


def test_snapshot_day_totals_do_not_depend_on_row_order(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    shuffled = tx.sample(frac=1.0, random_state=0)
    a = make_snapshots(tx, cutoffs=["2024-06-30", "2024-12-31"], horizon=90)
    b = make_snapshots(shuffled, cutoffs=["2024-06-30", "2024-12-31"], horizon=90)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
