"""rfm_summary / calibration_holdout_split: published counts, lifetimes parity, properties."""

from __future__ import annotations

import datetime
import importlib.metadata
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import precimark as pm
from precimark import DataValidationError
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END
from precimark.schema import CALIBRATION_HOLDOUT_COLUMNS, RFM_COLUMNS


def _lifetimes_utils():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import utils
    return utils


def test_cdnow_calibration_counts_match_the_papers(cdnow_sample: pd.DataFrame) -> None:
    rfm = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
    assert list(rfm.columns) == list(RFM_COLUMNS)
    assert len(rfm) == 2357
    assert int((rfm["frequency"] == 0).sum()) == 1411
    assert int((rfm["frequency"] > 0).sum()) == 946  # the Gamma-Gamma note's repeat buyers
    assert rfm["T"].max() == pytest.approx(272 / 7)


def test_cdnow_matches_the_published_summary_file(cdnow_sample: pd.DataFrame) -> None:
    """lifetimes ships the papers' calibration summary (weeks, rounded to 2 decimals)."""
    dist = importlib.metadata.distribution("lifetimes")
    path = dist.locate_file("lifetimes/datasets/cdnow_customers_summary.csv")
    published = pd.read_csv(str(path)).set_index("ID")
    rfm = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
    assert (rfm.index.to_numpy() == published.index.to_numpy()).all()
    np.testing.assert_array_equal(rfm["frequency"], published["frequency"])
    np.testing.assert_allclose(rfm["recency"], published["recency"], atol=0.006)
    np.testing.assert_allclose(rfm["T"], published["T"], atol=0.006)


@pytest.mark.parametrize("end", ["1997-09-30", "1998-06-30", None])
def test_parity_with_lifetimes_summary(cdnow_sample: pd.DataFrame, end: str | None) -> None:
    expected = _lifetimes_utils().summary_data_from_transaction_data(
        cdnow_sample,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=end or cdnow_sample["date"].max(),
        freq="D",
    )
    got = pm.rfm_summary(cdnow_sample, observation_end=end)
    assert (got.index.to_numpy() == expected.index.to_numpy()).all()
    for column in RFM_COLUMNS:
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-12, err_msg=column)
    weeks = pm.rfm_summary(cdnow_sample, observation_end=end, time_unit="W")
    np.testing.assert_allclose(weeks["T"], expected["T"] / 7, rtol=1e-12)


# lifetimes assigns to a slice; pandas 2 (no copy-on-write) warns about it.
@pytest.mark.filterwarnings(r"ignore:\s*A value is trying to be set on a copy of a slice")
def test_parity_with_lifetimes_calibration_holdout(cdnow_sample: pd.DataFrame) -> None:
    expected = _lifetimes_utils().calibration_and_holdout_data(
        cdnow_sample,
        "customer_id",
        "date",
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq="D",
        monetary_value_col="amount",
    )
    got = pm.calibration_holdout_split(
        cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30"
    )
    assert list(got.columns) == list(CALIBRATION_HOLDOUT_COLUMNS)
    assert (got.index.to_numpy() == expected.index.to_numpy()).all()
    for column in CALIBRATION_HOLDOUT_COLUMNS:
        if column == "monetary_value_holdout":
            continue  # lifetimes averages raw holdout rows; we merge same-day rows as in calibration
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-12, err_msg=column)
    # Where no holdout day has two rows, the two definitions agree.
    days = cdnow_sample[cdnow_sample["date"] > "1997-09-30"].groupby("customer_id")["date"]
    single = (days.nunique() == days.size()).reindex(got.index, fill_value=True)
    np.testing.assert_allclose(
        got.loc[single, "monetary_value_holdout"],
        expected.loc[single, "monetary_value_holdout"],
        rtol=1e-12,
    )
    assert not single.all()  # and the test data do hold same-day holdout rows


def test_calibration_columns_equal_rfm_summary_at_calibration_end(
    cdnow_sample: pd.DataFrame,
) -> None:
    split = pm.calibration_holdout_split(
        cdnow_sample,
        calibration_end=CDNOW_CALIBRATION_END,
        observation_end=CDNOW_OBSERVATION_END,
        time_unit="W",
    )
    rfm = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
    for column in RFM_COLUMNS:
        pd.testing.assert_series_equal(split[f"{column}_cal"], rfm[column], check_names=False)
    assert split["duration_holdout"].iloc[0] == pytest.approx(273 / 7)
    # Holdout purchases are counted on distinct days, like the calibration frequency.
    whole = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_OBSERVATION_END, time_unit="W")
    np.testing.assert_array_equal(
        split["frequency_cal"] + split["frequency_holdout"], whole.loc[split.index, "frequency"]
    )


def test_same_day_purchases_merge_and_later_ones_are_excluded() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b"],
            "date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 18:00",
                    "2024-01-03 00:00",
                    "2024-02-01 00:00",
                    "2024-01-02 00:00",
                ]
            ),
            "amount": [1.0, 2.0, 4.0, 100.0, 3.0],
        }
    )
    rfm = pm.rfm_summary(tx, observation_end="2024-01-10")
    assert rfm.loc["a"].to_dict() == {
        "frequency": 1,
        "recency": 2.0,
        "T": 9.0,
        "monetary_value": 4.0,
    }
    assert rfm.loc["b"].to_dict() == {
        "frequency": 0,
        "recency": 0.0,
        "T": 8.0,
        "monetary_value": 0.0,
    }


def test_custom_column_names_and_input_not_mutated() -> None:
    tx = pd.DataFrame(
        {"user": [2, 1, 1], "ts": ["2024-01-05", "2024-01-01", "2024-01-04"], "paid": [1, 2, 3]}
    )
    before = tx.copy()
    rfm = pm.rfm_summary(tx, columns=pm.Columns(customer_id="user", date="ts", amount="paid"))
    pd.testing.assert_frame_equal(tx, before)
    assert rfm.index.name == "user"
    assert rfm.index.tolist() == [1, 2]
    assert rfm.loc[1, "recency"] == 3.0
    assert rfm.loc[1, "T"] == 4.0


def test_timezone_aware_dates_use_their_local_calendar_day() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "date": pd.to_datetime(["2024-01-01 23:30", "2024-01-02 00:30"]).tz_localize(
                "Europe/Berlin"
            ),
            "amount": [1.0, 1.0],
        }
    )
    rfm = pm.rfm_summary(tx)
    assert rfm.loc[1, "frequency"] == 1
    assert rfm.loc[1, "recency"] == 1.0


# ----------------------------------------------------------------------------- properties

_transactions = st.lists(
    st.tuples(
        st.integers(0, 6),  # customer
        st.integers(0, 60),  # day
        st.floats(0, 500, allow_nan=False, allow_infinity=False),  # amount
    ),
    min_size=1,
    max_size=60,
)


def _frame(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    customer, day, amount = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": list(customer),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(list(day), unit="D"),
            "amount": list(amount),
        }
    )


@settings(max_examples=150, deadline=None)
@given(rows=_transactions, unit=st.sampled_from(["D", "W"]), extra_days=st.integers(0, 30))
def test_rfm_invariants(rows: list[tuple[int, int, float]], unit: str, extra_days: int) -> None:
    tx = _frame(rows)
    end = tx["date"].max() + pd.Timedelta(days=extra_days)
    rfm = pm.rfm_summary(tx, observation_end=end, time_unit=unit)  # type: ignore[arg-type]
    assert rfm.index.is_unique and rfm.index.is_monotonic_increasing
    assert set(rfm.index) == set(tx["customer_id"])
    assert (rfm["recency"] >= 0).all()
    assert (rfm["recency"] <= rfm["T"]).all()
    none = rfm["frequency"] == 0
    assert (rfm.loc[none, "recency"] == 0).all()
    assert (rfm.loc[none, "monetary_value"] == 0).all()
    distinct_days = tx.groupby("customer_id")["date"].nunique()
    np.testing.assert_array_equal(rfm["frequency"], distinct_days.loc[rfm.index] - 1)


@settings(max_examples=100, deadline=None)
@given(rows=_transactions, buckets=st.integers(1, 4))
def test_partitions_of_whole_customers_give_the_same_rows(
    rows: list[tuple[int, int, float]], buckets: int
) -> None:
    tx = _frame(rows)
    end = pd.Timestamp("2024-03-15")
    whole = pm.rfm_summary(tx, observation_end=end)
    parts = [
        pm.rfm_summary(part, observation_end=end)
        for _, part in tx.groupby(tx["customer_id"] % buckets)
    ]
    pd.testing.assert_frame_equal(pd.concat(parts).sort_index(), whole)


@settings(max_examples=60, deadline=None)
@given(rows=_transactions, cal_day=st.integers(0, 59))
def test_split_equals_two_summaries(rows: list[tuple[int, int, float]], cal_day: int) -> None:
    tx = _frame(rows)
    cal_end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=cal_day)
    if tx["date"].min() > cal_end:
        return
    end = pd.Timestamp("2024-03-01")
    split = pm.calibration_holdout_split(tx, calibration_end=cal_end, observation_end=end)
    cal = pm.rfm_summary(tx, observation_end=cal_end)
    whole = pm.rfm_summary(tx, observation_end=end).loc[cal.index]
    np.testing.assert_array_equal(split.index, cal.index)
    np.testing.assert_array_equal(split["frequency_holdout"], whole["frequency"] - cal["frequency"])
    holdout_spend = split["frequency_holdout"] * split["monetary_value_holdout"]
    np.testing.assert_allclose(
        holdout_spend + cal["frequency"] * cal["monetary_value"],
        whole["frequency"] * whole["monetary_value"],
        rtol=1e-9,
        atol=1e-9,
    )


def test_string_and_sparse_integer_ids_give_the_same_summary(cdnow_sample: pd.DataFrame) -> None:
    """Integer ids are sorted directly, other ids are factorised: both paths agree."""
    base = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_OBSERVATION_END)
    as_text = cdnow_sample.assign(customer_id=cdnow_sample["customer_id"].map("c{:05d}".format))
    text = pm.rfm_summary(as_text, observation_end=CDNOW_OBSERVATION_END)
    assert text.index[0] == "c00001"
    np.testing.assert_array_equal(text.to_numpy(), base.to_numpy())
    huge = cdnow_sample.assign(customer_id=cdnow_sample["customer_id"] * 10**15)
    sparse = pm.rfm_summary(huge, observation_end=CDNOW_OBSERVATION_END)
    np.testing.assert_array_equal(sparse.index.to_numpy(), base.index.to_numpy() * 10**15)
    np.testing.assert_array_equal(sparse.to_numpy(), base.to_numpy())
    split = pm.calibration_holdout_split(
        as_text, calibration_end=CDNOW_CALIBRATION_END, observation_end=CDNOW_OBSERVATION_END
    )
    split_int = pm.calibration_holdout_split(
        cdnow_sample, calibration_end=CDNOW_CALIBRATION_END, observation_end=CDNOW_OBSERVATION_END
    )
    np.testing.assert_array_equal(split.to_numpy(), split_int.to_numpy())


def test_day_totals_do_not_depend_on_row_order() -> None:
    """Same-day amounts whose float sum depends on the order they are added in."""
    amounts = [0.1, 0.2, 0.3, 0.7, 1e-3, 3.3]
    tx = pd.DataFrame(
        {
            "customer_id": [1] * 6 + [1],
            "date": pd.to_datetime(["2024-01-02"] * 6 + ["2024-01-01"]),
            "amount": [*amounts, 0.0],
        }
    )
    reference = pm.rfm_summary(tx)
    rng = np.random.default_rng(0)
    assert len({sum(rng.permutation(amounts)) for _ in range(50)}) > 1  # order matters
    for _ in range(20):
        shuffled = tx.iloc[rng.permutation(len(tx))]
        pd.testing.assert_frame_equal(pm.rfm_summary(shuffled), reference, check_exact=True)


def test_crowded_days_anywhere_in_the_log_are_summed_in_amount_order() -> None:
    """Days with three or more purchases before, between and after ordinary ones."""
    rng = np.random.default_rng(3)
    rows = []
    for customer in range(1, 6):
        for day in range(1, 6):
            crowd = 3 + (customer + day) % 3 if (customer + day) % 2 else 1
            rows += [(customer, f"2024-01-{day:02d}", float(a)) for a in rng.random(crowd)]
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    tx["date"] = pd.to_datetime(tx["date"])
    reference = pm.rfm_summary(tx)
    for _ in range(10):
        shuffled = tx.iloc[rng.permutation(len(tx))]
        pd.testing.assert_frame_equal(pm.rfm_summary(shuffled), reference, check_exact=True)
    for customer, group in tx.groupby("customer_id"):
        days = [sorted(g["amount"]) for _, g in group.groupby("date")]
        repeat = [sum(amounts) for amounts in days[1:]]  # left to right, smallest first
        assert reference.loc[customer, "monetary_value"] == pytest.approx(
            sum(repeat) / len(repeat), rel=1e-15
        )


def test_dates_past_2262_in_seconds_keep_their_day() -> None:
    # pandas stores these in seconds; a detour through nanoseconds would wrap them into 1915
    dates = np.array(["2300-01-01", "2300-03-01", "2300-03-31"], dtype="datetime64[s]")
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": dates, "amount": [5.0, 7.0, 1.0]})
    rfm = pm.rfm_summary(tx, observation_end="2300-04-10")
    assert rfm.loc[1, "recency"] == 59.0  # 2300 is not a leap year
    assert rfm.loc[1, "T"] == 99.0
    assert rfm.loc[2, "T"] == 10.0


@pytest.mark.parametrize("kind", ["text", "python datetimes"])
def test_dates_past_2262_as_text_keep_their_day_or_are_refused(kind: str) -> None:
    # pandas 3 parses these into microseconds; pandas 2 cannot hold them and they are refused
    # as unparseable. Never a wrong day (the detour through nanoseconds wrapped them).
    text = ["2300-01-01", "2300-01-03", "2300-01-02"]
    dates = text if kind == "text" else [datetime.datetime.fromisoformat(d) for d in text]
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": dates, "amount": [1.0, 2.0, 3.0]})
    try:
        rfm = pm.rfm_summary(tx, observation_end="2300-02-01")
    except DataValidationError as err:
        assert "unparseable date" in str(err)
    else:
        assert rfm.loc["a", "T"] == 31.0 and rfm.loc["a", "recency"] == 2.0
        assert rfm.loc["b", "T"] == 30.0


@pytest.mark.parametrize("high", [2**20, 2**62])  # packed into one int64 / too wide: argsort
def test_the_sort_of_day_keys_gives_the_sorted_keys_and_a_stable_order(high: int) -> None:
    from precimark.profiling.rfm import _sort_with_order

    key = np.random.default_rng(1).integers(0, high, 5_000, dtype=np.int64)
    key[::7] = key[0]  # ties: kept in row order
    expected = np.argsort(key, kind="stable")
    reference = key[expected]
    keys, order = _sort_with_order(key.copy())
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_array_equal(keys, reference)


def test_customer_ids_far_apart_give_the_same_summary_as_close_ones() -> None:
    """Ids 2**57 apart times 9 days leave no room to pack the row number: the argsort path."""
    tx = pd.DataFrame(
        {
            "customer_id": [3, 3, 5, 5, 5],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-09", "2024-01-02", "2024-01-02", "2024-01-05"]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    far = tx.assign(customer_id=tx["customer_id"].replace({5: 2**57}))
    near, wide = pm.rfm_summary(tx), pm.rfm_summary(far)
    np.testing.assert_array_equal(wide.to_numpy(), near.to_numpy())
    assert list(wide.index) == [3, 2**57]


def _crowded_log(seed: int, n_customers: int = 40) -> pd.DataFrame:
    """A log where many customer-days hold one, two or several purchases, in random order."""
    rng = np.random.default_rng(seed)
    size = n_customers * 12
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, n_customers, size),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 9, size), "D"),
            "amount": rng.random(size).round(2) * 100,
        }
    ).iloc[rng.permutation(size)]


@pytest.mark.parametrize("seed", range(5))
def test_block_by_block_work_gives_the_same_summary_whatever_the_block(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from precimark import _inplace

    tx = _crowded_log(seed)
    reference = pm.rfm_summary(tx, observation_end="2024-01-20")
    split = pm.calibration_holdout_split(
        tx, calibration_end="2024-01-05", observation_end="2024-01-20"
    )
    monkeypatch.setattr(_inplace, "BLOCK", 5)  # every in-place step crosses many blocks
    pd.testing.assert_frame_equal(
        pm.rfm_summary(tx, observation_end="2024-01-20"), reference, check_exact=True
    )
    pd.testing.assert_frame_equal(
        pm.calibration_holdout_split(
            tx, calibration_end="2024-01-05", observation_end="2024-01-20"
        ),
        split,
        check_exact=True,
    )
    days = tx.assign(day=tx["date"].dt.normalize()).groupby(["customer_id", "day"])["amount"]
    totals = days.apply(lambda a: sum(sorted(a)))  # each day summed smallest first
    by_customer = totals.groupby(level=0)
    assert (reference["frequency"] == by_customer.size() - 1).all()
    repeat = by_customer.apply(lambda t: t.iloc[1:].mean() if len(t) > 1 else 0.0)
    np.testing.assert_allclose(reference["monetary_value"], repeat, rtol=1e-13)


def test_ids_too_far_apart_for_32_bit_codes_are_summarised_alike() -> None:
    """Codes beyond int32 take the int64 path: the same summary as small ids."""
    tx = _crowded_log(7)
    far = tx.assign(customer_id=tx["customer_id"] * 10**11)
    small = pm.rfm_summary(tx, observation_end="2024-01-20")
    large = pm.rfm_summary(far, observation_end="2024-01-20")
    assert large.index.max() > 2**31
    np.testing.assert_array_equal(large.index, small.index * 10**11)
    pd.testing.assert_frame_equal(
        large.reset_index(drop=True), small.reset_index(drop=True), check_exact=True
    )


def test_summary_working_memory_stays_within_two_arrays_of_the_log() -> None:
    """Beyond the summary it returns, rfm_summary holds at most about two arrays of the log's
    length at once (it held more than four before the work was done in place)."""
    import tracemalloc

    from precimark.datasets import make_transactions

    tx = make_transactions(20_000, random_state=1).transactions[["customer_id", "date", "amount"]]
    pm.rfm_summary(tx)  # imports and caches outside the measurement
    tracemalloc.start()
    try:
        rfm = pm.rfm_summary(tx)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    kept = rfm.memory_usage(deep=True).sum()
    assert (peak - kept) / (8 * len(tx)) < 2.5
