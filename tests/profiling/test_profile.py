"""CustomerProfiler: the archive against rfm_summary and a pandas groupby oracle, update ==
rebuild, consent, as-of attributes, optional columns, CLV columns, bad input."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import precimark as pm
from precimark.datasets import CDNOW_CALIBRATION_END, SimulatedBase, make_transactions
from precimark.privacy import ConsentPolicy, DataUse, data_usage_report
from precimark.profiling import CustomerProfiler

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_profile.py"


def _naive_archive():  # type: ignore[no-untyped-def]
    """The benchmark's plain-pandas version of the archive, used as the oracle."""
    spec = importlib.util.spec_from_file_location("bench_profile", _BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.naive_archive


@pytest.fixture(scope="module")
def sim() -> SimulatedBase:
    return make_transactions(2_000, random_state=11)


def test_archive_matches_rfm_summary_and_the_pandas_oracle(sim: SimulatedBase) -> None:
    tx, end = sim.transactions, sim.observation_end
    before = tx.copy()
    profiler = CustomerProfiler()
    archive = profiler.fit_transform(tx, observation_end=end)
    pd.testing.assert_frame_equal(tx, before)  # input not modified
    rfm = pm.rfm_summary(tx, observation_end=end)
    pd.testing.assert_frame_equal(archive[list(rfm.columns)], rfm, check_exact=False, rtol=1e-12)
    expected = _naive_archive()(tx, end, profiler.top_band_threshold_)
    numeric = [
        c for c in expected.columns if c not in ("segment", "top_category", "preferred_channel")
    ]
    np.testing.assert_allclose(
        archive[numeric].to_numpy(float), expected[numeric].to_numpy(float), rtol=1e-9
    )
    for column in ("segment", "top_category", "preferred_channel"):
        assert (archive[column].astype(str) == expected[column].astype(str)).all(), column
    assert archive["tenure_days"].equals(archive["T"].astype(np.int64))
    assert (archive["days_since_last_purchase"] == archive["T"] - archive["recency"]).all()
    concentration = archive.filter(like="spend_share_").pow(2).sum(axis=1)
    np.testing.assert_allclose(archive["category_concentration"], concentration)
    # The top band is the top 20% of order prices.
    top = (tx["list_price"] >= profiler.top_band_threshold_).mean()
    assert top == pytest.approx(0.2, abs=0.01)


def test_rfm_is_rfm_summary_exactly_and_row_order_does_not_matter(sim: SimulatedBase) -> None:
    # Three purchases on one day exercise the kernel's order-independent day totals.
    tx = sim.transactions
    crowded = tx.iloc[:3].assign(date=tx["date"].iloc[0], amount=[0.1, 0.2, 0.3])
    tx = pd.concat([tx, crowded], ignore_index=True)
    archive = CustomerProfiler().fit_transform(tx)
    rfm = pm.rfm_summary(tx)
    pd.testing.assert_frame_equal(archive[list(rfm.columns)], rfm, check_exact=True)
    shuffled = tx.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        CustomerProfiler().fit_transform(shuffled), archive, check_exact=True
    )
    # String ids sort differently from integers; the aggregates still line up.
    named = tx.assign(customer_id="c" + tx["customer_id"].astype(str))
    by_name = CustomerProfiler().fit_transform(named)
    by_name.index = by_name.index.str[1:].astype(np.int64)
    pd.testing.assert_frame_equal(
        by_name.sort_index(), archive, check_exact=True, check_index_type=False
    )


def test_price_sensitivity_tracks_the_planted_truth(sim: SimulatedBase) -> None:
    archive = CustomerProfiler().fit_transform(sim.transactions)
    assert archive["price_sensitivity"].between(0, 1).all()
    truth = sim.customers.loc[archive.index, "price_sensitivity"]
    enough = archive["orders"] >= 5  # 267 customers; fewer orders are mostly noise
    rho = stats.spearmanr(archive.loc[enough, "price_sensitivity"], truth[enough]).statistic
    assert rho > 0.5  # 0.59 with seed 11
    # The shrunk score ranks customers better than the raw share of discounted orders.
    shrunk = stats.spearmanr(archive["price_sensitivity"], truth).statistic
    raw = stats.spearmanr(archive["discount_order_share"], truth).statistic
    assert shrunk > raw
    # Discounts in the simulator are 10/15/20/30%.
    taken = archive.loc[archive["discount_order_share"] > 0, "average_discount"]
    assert taken.between(0.099, 0.301).all()
    # Shrinkage: one discounted order out of one is not a score of 1.
    assert archive["price_sensitivity"].max() < 1


def _split(sim: SimulatedBase, day: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    cut = pd.Timestamp(day)
    tx = sim.transactions
    return (
        tx[tx["date"] < cut + pd.Timedelta(days=1)],
        tx[tx["date"] >= cut + pd.Timedelta(days=1)],
        cut,
    )


def test_update_equals_rebuild(sim: SimulatedBase) -> None:
    old, new, cut = _split(sim, "2024-09-30")
    end = sim.observation_end
    kwargs = {"consent": "consent_profiling", "attribute_columns": ["signup_date"]}
    incremental = CustomerProfiler(**kwargs).fit(old, sim.customers, observation_end=cut)
    first_threshold = incremental.top_band_threshold_
    middle = pd.Timestamp("2025-02-01")
    incremental.update(new[new["date"] < middle], sim.customers)
    incremental.update(new[new["date"] >= middle], sim.customers, observation_end=end)
    assert incremental.top_band_threshold_ == first_threshold
    # The archive kept by update is the fitted profiler's transform of the whole log.
    fitted = CustomerProfiler(**kwargs).fit(old, sim.customers, observation_end=cut)
    whole = fitted.transform(sim.transactions, sim.customers, observation_end=end)
    pd.testing.assert_frame_equal(incremental.archive(), whole, check_exact=False, rtol=1e-12)
    rebuilt = CustomerProfiler(**kwargs).fit(sim.transactions, sim.customers, observation_end=end)
    assert incremental.excluded_.sort_values().equals(rebuilt.excluded_.sort_values())


def test_update_with_new_customers_and_categories() -> None:
    day = pd.Timestamp("2024-01-01")
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 1, 3, 3],
            "date": [day, day, day + pd.Timedelta(days=1), day + pd.Timedelta(days=5)]
            + [day + pd.Timedelta(days=6)] * 2,
            "amount": [10.0, 5.0, 8.0, 20.0, 7.0, 3.0],
            "category": ["a", "b", "a", "c", "c", "a"],
        }
    )
    profiler = CustomerProfiler(top_band_threshold=9.0)
    profiler.fit(tx.iloc[:3], observation_end=day + pd.Timedelta(days=2))
    profiler.update(tx.iloc[3:])
    first_part = CustomerProfiler(top_band_threshold=9.0).fit(
        tx.iloc[:3], observation_end=day + pd.Timedelta(days=2)
    )
    pd.testing.assert_frame_equal(profiler.archive(), first_part.transform(tx))
    archive = CustomerProfiler(top_band_threshold=9.0).fit_transform(tx)
    assert archive.loc[1, ["frequency", "recency", "monetary_value"]].tolist() == [1, 5.0, 20.0]
    assert archive.loc[1, "spend_share_a"] == pytest.approx(10 / 35)
    assert archive.loc[3, "top_category"] == "c"
    assert archive.loc[1, "top_band_share"] == pytest.approx(2 / 3)


def test_update_refuses_transactions_on_or_before_the_profile_date(sim: SimulatedBase) -> None:
    old, new, cut = _split(sim, "2024-09-30")
    profiler = CustomerProfiler().fit(old, observation_end=cut)
    with pytest.raises(pm.DataValidationError, match=r"column 'date': \d+ transactions? on or"):
        profiler.update(sim.transactions)
    with pytest.raises(pm.DataValidationError, match="argument 'observation_end'"):
        profiler.update(new, observation_end="2024-01-01")
    with pytest.raises(pm.DataValidationError, match="'channel'"):
        profiler.update(new.drop(columns="channel"))


def test_consent_excludes_and_withdrawal_erases(sim: SimulatedBase) -> None:
    customers = sim.customers
    profiler = CustomerProfiler(consent="consent_profiling")
    archive = profiler.fit_transform(sim.transactions, customers)
    allowed = customers.index[customers["consent_profiling"]]
    buyers = pd.Index(sim.transactions["customer_id"].unique())
    assert archive.index.equals(buyers.intersection(allowed).sort_values())
    assert profiler.excluded_.sort_values().equals(buyers.difference(allowed).sort_values())
    # Ids without a consent record are not profiled either.
    partial = customers.drop(index=archive.index[:5])
    assert (
        not CustomerProfiler(consent="consent_profiling")
        .fit_transform(sim.transactions, partial)
        .index.isin(archive.index[:5])
        .any()
    )

    old, new, cut = _split(sim, "2024-09-30")
    profiler.fit(old, customers, observation_end=cut)
    changed = customers.copy()
    withdrawn = profiler.aggregates_.index[:3]
    granted = profiler.excluded_[:2]
    changed.loc[withdrawn, "consent_profiling"] = False
    changed.loc[granted, "consent_profiling"] = True
    with pytest.warns(pm.DataQualityWarning, match="2 customers .* consented"):
        profiler.update(new, changed)
    result = profiler.archive()
    assert not result.index.isin(withdrawn).any()
    assert not result.index.isin(granted).any()
    assert profiler.excluded_.isin(withdrawn).sum() == 3


def test_consent_policy_and_missing_customers(sim: SimulatedBase) -> None:
    by_policy = CustomerProfiler(consent=ConsentPolicy()).fit_transform(
        sim.transactions, sim.customers
    )
    by_column = CustomerProfiler(consent="consent_profiling").fit_transform(
        sim.transactions, sim.customers
    )
    pd.testing.assert_frame_equal(by_policy, by_column)
    with pytest.raises(pm.DataValidationError, match="argument 'customers'"):
        CustomerProfiler(consent="consent_profiling").fit(sim.transactions)


def test_attributes_are_taken_as_of_the_profile_date() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 2],
            "date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-02-10"]),
            "amount": [10.0, 20.0, 30.0],
        }
    )
    history = pd.DataFrame(
        {
            "valid_from": pd.to_datetime(["2023-12-01", "2024-01-20", "2023-11-01", "2024-03-01"]),
            "tier": ["silver", "gold", "bronze", "gold"],
            "consent_profiling": [True, True, True, False],
        },
        index=pd.Index([1, 1, 2, 2], name="customer_id"),
    )
    profiler = CustomerProfiler(
        attribute_columns=["tier"], as_of_column="valid_from", consent="consent_profiling"
    )
    early = profiler.fit_transform(tx, history, observation_end="2024-01-10")
    assert early["tier"].to_dict() == {1: "silver", 2: "bronze"}
    shuffled = profiler.fit_transform(tx, history.iloc[[3, 1, 2, 0]], observation_end="2024-02-28")
    assert shuffled["tier"].to_dict() == {1: "gold", 2: "bronze"}
    late = profiler.fit_transform(tx, history, observation_end="2024-02-28")
    assert late["tier"].to_dict() == {1: "gold", 2: "bronze"}
    # On 2024-03-01 customer 2 withdrew consent.
    after = profiler.fit_transform(tx, history, observation_end="2024-03-05")
    assert after.index.tolist() == [1]
    assert [u.column for u in profiler.data_usage_] == [
        "customer_id",
        "date",
        "amount",
        "consent_profiling",
        "valid_from",
        "tier",
    ]


def test_data_usage_report(sim: SimulatedBase) -> None:
    profiler = CustomerProfiler(consent="consent_profiling").fit(sim.transactions, sim.customers)
    assert all(isinstance(u, DataUse) for u in profiler.data_usage_)
    report = data_usage_report(profiler)
    assert report.set_index("column")["purpose"].to_dict() == {
        "customer_id": "profiling",
        "date": "profiling",
        "amount": "profiling",
        "list_price": "profiling",
        "category": "profiling",
        "channel": "profiling",
        "consent_profiling": "consent_check",
    }
    with pytest.raises(NotFittedError):
        CustomerProfiler().transform()


def test_cdnow_without_optional_columns(cdnow_sample: pd.DataFrame) -> None:
    profiler = CustomerProfiler()
    archive = profiler.fit_transform(cdnow_sample, observation_end=CDNOW_CALIBRATION_END)
    assert profiler.optional_columns_ == ()
    assert list(archive.columns) == [
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "r_score",
        "f_score",
        "m_score",
        "rfm_score",
        "segment",
        "first_purchase",
        "last_purchase",
        "tenure_days",
        "days_since_last_purchase",
        "orders",
        "total_spend",
        "average_order_value",
        "aov_percentile",
        "spend_percentile",
        "top_band_share",
    ]
    assert len(archive) == 2357
    assert int((archive["frequency"] == 0).sum()) == 1411
    assert [u.column for u in profiler.data_usage_] == [
        "customer_id",
        "date",
        "amount",
        "consent_profiling",
    ]
    # Without a list price the price band is on amounts.
    in_cal = cdnow_sample[cdnow_sample["date"] <= CDNOW_CALIBRATION_END]
    assert profiler.top_band_threshold_ == pytest.approx(in_cal["amount"].quantile(0.8))


def test_single_customer_and_identical_customers() -> None:
    day = pd.Timestamp("2024-03-01")
    one = pd.DataFrame({"customer_id": [7], "date": [day], "amount": [12.5], "channel": ["card"]})
    archive = CustomerProfiler().fit_transform(one)
    assert archive.loc[7, ["orders", "frequency", "T", "aov_percentile"]].tolist() == [
        1,
        0,
        0.0,
        100.0,
    ]
    assert archive.loc[7, "preferred_channel"] == "card"
    same = pd.DataFrame(
        {"customer_id": [1, 2, 3], "date": [day] * 3, "amount": [5.0] * 3, "list_price": [5.0] * 3}
    )
    archive = CustomerProfiler().fit_transform(same)
    assert archive.drop(columns=[]).nunique().max() == 1
    assert (archive["spend_percentile"] == 100).all()
    assert (archive["price_sensitivity"] == 0).all()


def test_bad_input_is_named(sim: SimulatedBase) -> None:
    tx = sim.transactions
    bad = tx.copy()
    bad["category"] = bad["category"].astype(object)
    bad.loc[bad.index[4], "category"] = None
    with pytest.raises(
        pm.DataValidationError, match=r"column 'category': 1 missing value \(first customer"
    ):
        CustomerProfiler().fit(bad)
    bad = tx.assign(list_price=tx["list_price"].where(tx.index != tx.index[2], -1.0))
    with pytest.raises(pm.DataValidationError, match="column 'list_price'"):
        CustomerProfiler().fit(bad)
    with pytest.raises(pm.DataValidationError, match="column 'amount'"):
        CustomerProfiler().fit(tx.assign(amount=-tx["amount"]))
    with pytest.raises(pm.DataValidationError, match="argument 'top_band_quantile'"):
        CustomerProfiler(top_band_quantile=1.5).fit(tx)
    with pytest.raises(pm.DataValidationError, match="argument 'attribute_columns'"):
        CustomerProfiler(attribute_columns=["price_sensitivity"]).fit_transform(tx, sim.customers)
    with pytest.raises(pm.DataValidationError, match="argument 'customers' index"):
        CustomerProfiler().fit(tx, pd.concat([sim.customers, sim.customers.iloc[:1]]))
    with pytest.raises(pm.DataValidationError, match="argument 'clv_discount_period'"):
        CustomerProfiler(purchase_model=pm.BetaGeoModel(), clv_discount_period="1M").fit(tx)
    with pytest.raises(pm.DataValidationError, match=r"argument 'purchase_model'.*BetaGeoModel"):
        CustomerProfiler(purchase_model=object()).fit(tx)
    with pytest.raises(pm.DataValidationError, match="argument 'margin'"):
        CustomerProfiler(purchase_model=pm.BetaGeoModel(), margin=float("nan")).fit(tx)
    with pytest.raises(pm.DataValidationError, match="argument 'consent'"):
        CustomerProfiler(consent=True).fit(tx, sim.customers)  # type: ignore[arg-type]


def test_clv_is_precimark_clv_on_fitted_copies_of_the_models(sim: SimulatedBase) -> None:
    tx = sim.transactions
    purchase, spend = pm.BetaGeoModel(), pm.GammaGammaModel()
    settings = {
        "clv_horizon": "60D",
        "clv_discount_period": "10D",
        "discount_rate": 0.05,
        "margin": 0.3,
    }
    profiler = CustomerProfiler(purchase_model=purchase, spend_model=spend, **settings)
    archive = profiler.fit_transform(tx)
    # The models passed in are not fitted; the profiler fitted copies on its own RFM summary.
    assert not hasattr(purchase, "params_") and not hasattr(spend, "params_")
    assert profiler.purchase_model_ is not purchase and profiler.spend_model_ is not spend
    rfm = pm.rfm_summary(tx)
    assert profiler.purchase_model_.params_ == pm.BetaGeoModel().fit(rfm).params_
    expected = pm.customer_lifetime_value(
        profiler.purchase_model_,
        profiler.spend_model_,
        rfm,
        horizon="60D",
        discount_period="10D",
        discount_rate=0.05,
        margin=0.3,
    )
    pd.testing.assert_series_equal(archive["customer_lifetime_value"], expected, check_exact=True)
    alive = profiler.purchase_model_.probability_alive(rfm)
    np.testing.assert_array_equal(archive["probability_alive"], alive)
    horizon = profiler.purchase_model_.expected_purchases(rfm, "60D")
    np.testing.assert_array_equal(archive["expected_purchases"], horizon)
    # A fitted model passed in is not refitted in place either.
    fitted = pm.BetaGeoModel().fit(pm.rfm_summary(tx.iloc[: len(tx) // 2], time_unit="W"))
    before = dict(fitted.params_)
    copy = CustomerProfiler(purchase_model=fitted).fit(tx)
    assert fitted.params_ == before and fitted.time_unit_ == "W"
    assert copy.purchase_model_.time_unit_ == "D"
    only_purchase = CustomerProfiler(purchase_model=pm.BetaGeoModel()).fit_transform(tx)
    assert "customer_lifetime_value" not in only_purchase.columns
    assert "probability_alive" in only_purchase.columns


def test_clone_and_pickle_round_trip(sim: SimulatedBase) -> None:
    profiler = CustomerProfiler(consent=ConsentPolicy(), attribute_columns=["signup_date"])
    fresh = clone(profiler)
    assert fresh.get_params()["attribute_columns"] == ["signup_date"]
    profiler.fit(sim.transactions, sim.customers)
    restored = pickle.loads(pickle.dumps(profiler))
    pd.testing.assert_frame_equal(restored.archive(), profiler.archive())
    # Without a new customers frame, update keeps the stored attributes.
    later = sim.transactions.iloc[:3].assign(
        date=sim.observation_end + pd.Timedelta(days=3), customer_id=[1, 2, 3]
    )
    restored.update(later)
    kept = restored.archive()["signup_date"].dropna()
    assert kept.equals(sim.customers.loc[kept.index, "signup_date"].rename("signup_date"))


def test_clv_horizon_is_a_length_of_time_and_the_0_1_count_is_deprecated(
    sim: SimulatedBase,
) -> None:
    tx = sim.transactions
    models = {"purchase_model": pm.BetaGeoModel(), "spend_model": pm.GammaGammaModel()}
    new = CustomerProfiler(**models, clv_horizon="60D", clv_discount_period="10D")
    with pytest.warns(FutureWarning) as caught:
        old = CustomerProfiler(**models, clv_periods=6, clv_period="10D")  # type: ignore[call-arg]
    assert any("clv_horizon='60D'" in str(w.message) for w in caught)
    assert old.get_params()["clv_horizon"] == pd.Timedelta(days=60)
    assert "clv_periods" not in old.get_params() and "clv_period" not in old.get_params()
    pd.testing.assert_frame_equal(old.fit_transform(tx), new.fit_transform(tx), check_exact=True)
    # A horizon that is not a whole number of discount periods is refused at fit.
    with pytest.raises(pm.DataValidationError, match="argument 'horizon'"):
        CustomerProfiler(**models, clv_horizon="65D", clv_discount_period="10D").fit(tx)
    # A profiler pickled by 0.1 (a count of periods) unpickles with the same horizon.
    state = new.__getstate__()
    state.pop("clv_horizon")
    state["clv_periods"] = 6
    state["clv_period"] = state.pop("clv_discount_period")
    restored = CustomerProfiler.__new__(CustomerProfiler)
    restored.__setstate__(state)
    assert restored.clv_horizon == pd.Timedelta(days=60)
    assert restored.clv_discount_period == "10D"
