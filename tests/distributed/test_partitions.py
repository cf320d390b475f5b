"""Partition functions on pandas partitions: equal to the whole-frame results, picklable, typed."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable

import cloudpickle
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import precimark.distributed as dist
from precimark import Columns, DataValidationError, rfm_summary
from precimark.clv import BetaGeoModel, GammaGammaModel, RFMHistogram, customer_lifetime_value
from precimark.datasets import make_transactions
from precimark.distributed import (
    DECISIONS_SCHEMA,
    PROPENSITY_SCHEMA,
    RFM_SCHEMA,
    SCORES_SCHEMA,
    decisions_meta,
    fit_spend_model,
    pricing_partition_fn,
    propensity_meta,
    propensity_partition_fn,
    rfm_meta,
    rfm_partition_fn,
    rfm_schema,
    score_partition_fn,
    scores_meta,
    scores_schema,
)
from precimark.pricing import Guardrails, ListPrice, PricingPolicy, SensitivityDiscount

from .conftest import (
    DISCOUNT,
    DISCOUNT_PERIOD,
    HORIZON,
    TIME_UNIT,
    Reference,
    hash_bucket,
    spend_counts,
)

_NUMPY_OF_SPARK = {"bigint": "int64", "double": "float64", "string": "object"}


def by_bucket(frame: pd.DataFrame, id_column: str, n_buckets: int) -> list[pd.DataFrame]:
    buckets = hash_bucket(frame[id_column], n_buckets)
    return [frame[buckets == b] for b in range(n_buckets)]


def run(fn: object, parts: list[pd.DataFrame], id_column: str = "customer_id") -> pd.DataFrame:
    out = pd.concat([fn(p) for p in parts], ignore_index=True)  # type: ignore[operator]
    return out.sort_values(id_column, ignore_index=True)


def ddl_fields(ddl: str) -> dict[str, str]:
    pairs = (field.strip().split(" ") for field in ddl.split(","))
    return {name.strip("`"): kind for name, kind in pairs}


@pytest.mark.parametrize("n_buckets", [1, 3, 8])
@pytest.mark.parametrize("time_unit", ["D", "W"])
def test_rfm_on_hash_buckets_equals_whole_frame(
    reference: Reference, n_buckets: int, time_unit: str
) -> None:
    tx, end = reference.transactions, reference.observation_end
    fn = rfm_partition_fn(observation_end=end, time_unit=time_unit)  # type: ignore[arg-type]
    whole = rfm_summary(tx, observation_end=end, time_unit=time_unit).reset_index()  # type: ignore[arg-type]
    whole.attrs.clear()
    got = run(fn, by_bucket(tx, "customer_id", n_buckets))
    pd.testing.assert_frame_equal(got, whole, check_exact=True)


def test_rfm_with_string_ids_and_own_column_names(reference: Reference) -> None:
    tx = reference.transactions.rename(columns={"customer_id": "user", "date": "ts"})
    tx = tx.assign(user="u" + tx["user"].astype(str))
    cols = Columns(customer_id="user", date="ts")
    fn = rfm_partition_fn(observation_end=reference.observation_end, time_unit="W", columns=cols)
    got = run(fn, by_bucket(tx, "user", 5), "user")
    whole = rfm_summary(tx, observation_end=reference.observation_end, time_unit="W", columns=cols)
    expected = whole.reset_index().sort_values("user", ignore_index=True)
    expected.attrs.clear()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["user"].dtype == tx["user"].dtype
    assert list(ddl_fields(rfm_schema(columns=cols, id_type="string"))) == list(got.columns)


def test_empty_and_late_partitions_give_typed_empty_frames(reference: Reference) -> None:
    tx, end = reference.transactions, reference.observation_end
    fn = rfm_partition_fn(observation_end=end, time_unit="W")
    late = tx[tx["date"].dt.normalize() > end]  # only purchases after the last day
    assert len(late) > 0
    for part in (tx.iloc[:0], late):
        out = fn(part)
        assert len(out) == 0
        pd.testing.assert_frame_equal(out, rfm_meta())


def test_rfm_schema_and_meta_match_the_produced_dtypes(reference: Reference) -> None:
    out = rfm_partition_fn(observation_end=reference.observation_end, time_unit="W")(
        reference.transactions
    )
    pd.testing.assert_frame_equal(out.iloc[:0], rfm_meta())
    fields = ddl_fields(RFM_SCHEMA)
    assert list(fields) == list(out.columns)
    assert {k: _NUMPY_OF_SPARK[v] for k, v in fields.items()} == out.dtypes.astype(str).to_dict()


def test_scores_on_any_split_equal_the_whole_frame(reference: Reference) -> None:
    fn = score_partition_fn(
        reference.purchase_model,
        reference.spend_model,
        horizon=HORIZON,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
        discount_rate=DISCOUNT,
    )
    rfm = reference.rfm
    # Rows are scored on their own: chunks of any size, in any order, give the same values.
    shuffled = rfm.sample(frac=1.0, random_state=3)
    got = run(fn, [shuffled.iloc[i : i + 700] for i in range(0, len(rfm), 700)])
    pd.testing.assert_frame_equal(got, reference.scores, check_exact=True)


def test_scores_equal_the_pandas_model_methods_and_lifetimes(reference: Reference) -> None:
    bgnbd, gg, scores = reference.purchase_model, reference.spend_model, reference.scores
    rfm = reference.rfm.set_index("customer_id")
    rfm.attrs["time_unit"] = TIME_UNIT
    horizon = pd.Timedelta(HORIZON)
    np.testing.assert_allclose(
        scores["probability_alive"], bgnbd.probability_alive(rfm), rtol=1e-12
    )
    np.testing.assert_allclose(
        scores["expected_purchases"], bgnbd.expected_purchases(rfm, horizon), rtol=1e-12
    )
    np.testing.assert_allclose(scores["expected_spend"], gg.expected_spend(rfm), rtol=1e-12)
    clv = customer_lifetime_value(
        bgnbd, gg, rfm, horizon=HORIZON, discount_period=DISCOUNT_PERIOD, discount_rate=DISCOUNT
    )
    np.testing.assert_allclose(scores["customer_lifetime_value"], clv, rtol=1e-12)
    # An independent implementation of the expectation: lifetimes' fitter at the same parameters.
    fitter = bgnbd.to_lifetimes()
    weeks = horizon / pd.Timedelta(weeks=1)
    oracle = fitter.conditional_expected_number_of_purchases_up_to_time(
        weeks, rfm["frequency"], rfm["recency"], rfm["T"]
    )
    np.testing.assert_allclose(scores["expected_purchases"], oracle, rtol=1e-9)


def test_scores_without_spend_model(reference: Reference) -> None:
    fn = score_partition_fn(
        reference.purchase_model,
        horizon=HORIZON,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
    )
    out = fn(reference.rfm[["customer_id", "frequency", "recency", "T"]])
    pd.testing.assert_frame_equal(out.iloc[:0], scores_meta(clv=False))
    assert list(ddl_fields(scores_schema(clv=False))) == list(out.columns)
    pd.testing.assert_frame_equal(out, reference.scores[list(out.columns)], check_exact=True)


def test_scores_schema_and_meta_match_the_produced_dtypes(reference: Reference) -> None:
    scores = reference.scores
    pd.testing.assert_frame_equal(scores.iloc[:0], scores_meta())
    fields = ddl_fields(SCORES_SCHEMA)
    assert {k: _NUMPY_OF_SPARK[v] for k, v in fields.items()} == scores.dtypes.astype(str).to_dict()
    fn = score_partition_fn(
        reference.purchase_model,
        reference.spend_model,
        horizon=DISCOUNT_PERIOD,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
        discount_rate=0.0,
    )
    pd.testing.assert_frame_equal(fn(reference.rfm.iloc[:0]), scores_meta())


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_partition_functions_pickle_small_and_round_trip(
    reference: Reference, dumps: object
) -> None:
    rfm_fn = rfm_partition_fn(observation_end=reference.observation_end, time_unit="W")
    score_fn = score_partition_fn(
        reference.purchase_model,
        reference.spend_model,
        horizon=HORIZON,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
        discount_rate=DISCOUNT,
    )
    part = reference.transactions.iloc[:500]
    for fn, arg in ((rfm_fn, part), (score_fn, reference.rfm.iloc[:500])):
        blob = dumps(fn)  # type: ignore[operator]
        assert len(blob) < 20_000  # the fitted parameters, never training data
        again = pickle.loads(blob)
        pd.testing.assert_frame_equal(again(arg), fn(arg), check_exact=True)


def test_histogram_from_partition_counts_equals_the_whole_summary(reference: Reference) -> None:
    keys = ["frequency", "recency", "T"]
    partial = [
        p.groupby(keys).size().rename("count").reset_index()
        for p in by_bucket(reference.rfm, "customer_id", 4)
    ]
    counts = pd.concat(partial, ignore_index=True)  # rows repeat across partitions
    assert RFMHistogram.from_counts(counts, time_unit="W") == reference.histogram
    full = BetaGeoModel(engine="native").fit(reference.rfm.set_index("customer_id"), time_unit="W")
    got, want = reference.purchase_model.params_, full.params_
    np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=1e-6)


def test_fit_spend_model_equals_the_fit_on_every_customer(reference: Reference) -> None:
    rfm = reference.rfm.set_index("customer_id")
    full = GammaGammaModel(engine="native").fit(rfm)
    got = reference.spend_model
    np.testing.assert_allclose(
        [got.params_[k] for k in "pqv"], [full.params_[k] for k in "pqv"], rtol=1e-6
    )
    assert got.n_customers_ == full.n_customers_ == int((rfm["frequency"] > 0).sum())
    # Counts split over partitions (repeated rows, any order) give the identical fit.
    counts = spend_counts(reference.rfm)
    halves = pd.concat([counts.assign(count=1), counts.assign(count=counts["count"] - 1)])
    halves = halves[halves["count"] > 0].sample(frac=1.0, random_state=0)
    again = fit_spend_model(halves, GammaGammaModel(engine="native"))
    assert again.params_ == got.params_


def test_partitions_state_their_time_unit(reference: Reference) -> None:
    bgnbd = reference.purchase_model
    # A partition carries no attrs: without time_unit= the unit cannot be established.
    with pytest.raises(DataValidationError, match="argument 'time_unit'"):
        score_partition_fn(bgnbd, horizon=HORIZON, discount_period=DISCOUNT_PERIOD)
    other = "D" if TIME_UNIT == "W" else "W"
    with pytest.raises(DataValidationError, match="time unit"):
        score_partition_fn(bgnbd, horizon=HORIZON, discount_period=DISCOUNT_PERIOD, time_unit=other)


def test_deprecated_freq_gives_the_old_result(reference: Reference) -> None:
    bgnbd, gg = reference.purchase_model, reference.spend_model
    new = score_partition_fn(
        bgnbd,
        gg,
        horizon=HORIZON,
        discount_period=DISCOUNT_PERIOD,
        discount_rate=DISCOUNT,
        time_unit=TIME_UNIT,
    )
    with pytest.warns(FutureWarning, match="discount_period"):
        old = score_partition_fn(
            bgnbd, gg, horizon=12, freq="30D", discount_rate=DISCOUNT, time_unit=TIME_UNIT
        )
    pd.testing.assert_frame_equal(old(reference.rfm), new(reference.rfm), check_exact=True)


def test_bad_arguments_fail_on_the_driver_with_clear_messages(reference: Reference) -> None:
    bgnbd, gg = reference.purchase_model, reference.spend_model
    with pytest.raises(NotFittedError):
        score_partition_fn(
            BetaGeoModel(),
            horizon=DISCOUNT_PERIOD,
            discount_period=DISCOUNT_PERIOD,
            time_unit=TIME_UNIT,
        )
    with pytest.raises(DataValidationError, match="argument 'discount_rate'"):
        score_partition_fn(
            bgnbd, gg, horizon=DISCOUNT_PERIOD, discount_period=DISCOUNT_PERIOD, time_unit=TIME_UNIT
        )
    with pytest.raises(DataValidationError, match="argument 'horizon'"):
        score_partition_fn(bgnbd, horizon=0, discount_period=DISCOUNT_PERIOD, time_unit=TIME_UNIT)
    with pytest.raises(DataValidationError, match="argument 'discount_period'"):
        score_partition_fn(
            bgnbd, horizon=1, discount_period=pd.DateOffset(months=1), time_unit=TIME_UNIT
        )
    with pytest.raises(DataValidationError, match="argument 'spend_model'"):
        score_partition_fn(
            bgnbd,
            bgnbd,
            horizon=DISCOUNT_PERIOD,
            discount_period=DISCOUNT_PERIOD,
            time_unit=TIME_UNIT,
            discount_rate=0.0,
        )  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'purchase_model'"):
        score_partition_fn(
            gg, horizon=DISCOUNT_PERIOD, discount_period=DISCOUNT_PERIOD, time_unit=TIME_UNIT
        )  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'time_unit'"):
        rfm_partition_fn(observation_end="2024-01-01", time_unit="M")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'observation_end'"):
        rfm_partition_fn(observation_end="not a date")
    with pytest.raises(DataValidationError, match="argument 'columns'"):
        rfm_partition_fn(observation_end="2024-01-01", columns="user")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match=r"argument 'counts'.*'count'"):
        fit_spend_model(spend_counts(reference.rfm).drop(columns="count"))
    bad = spend_counts(reference.rfm)
    bad.loc[3, "count"] = 0
    with pytest.raises(
        DataValidationError, match=r"column .count.: 1 missing or non-positive count"
    ):
        fit_spend_model(bad)


def test_bad_partitions_name_the_column_and_customer(reference: Reference) -> None:
    fn = rfm_partition_fn(observation_end=reference.observation_end)
    tx = reference.transactions.iloc[:50].copy()
    tx.iloc[3, tx.columns.get_loc("amount")] = -1.0
    first = tx["customer_id"].iloc[3]
    with pytest.raises(
        DataValidationError,
        match=f"column 'amount': 1 negative value \\(first customer: {first}\\)",
    ):
        fn(tx)
    with pytest.raises(DataValidationError, match="missing column 'amount'"):
        fn(tx.drop(columns="amount").iloc[:0])
    score = score_partition_fn(
        reference.purchase_model,
        horizon=DISCOUNT_PERIOD,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
    )
    twice = pd.concat([reference.rfm.iloc[:3], reference.rfm.iloc[:1]])
    with pytest.raises(DataValidationError, match="duplicated customer id"):
        score(twice)


def test_inputs_are_not_modified(reference: Reference) -> None:
    tx = reference.transactions.iloc[:300]
    before = tx.copy()
    rfm_partition_fn(observation_end=reference.observation_end)(tx)
    pd.testing.assert_frame_equal(tx, before)
    rfm = reference.rfm.iloc[:300]
    before = rfm.copy()
    score_partition_fn(
        reference.purchase_model,
        horizon=DISCOUNT_PERIOD,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
    )(rfm)
    pd.testing.assert_frame_equal(rfm, before)


def test_no_module_level_import_of_spark_or_dask() -> None:
    code = (
        "import sys, precimark, precimark.distributed, precimark.clv, precimark.profiling;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pyspark', 'dask', 'distributed')];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert dist.__name__ == "precimark.distributed"


def test_propensity_on_any_split_equals_score_customers(reference: Reference) -> None:
    model, customers = reference.propensity_model, reference.customers
    fn = propensity_partition_fn(model)
    got = run(fn, by_bucket(customers, "customer_id", 5))
    # BLAS sums in the linear model may round differently by batch size: equal to 1e-12.
    pd.testing.assert_frame_equal(got, reference.propensity, rtol=1e-12, atol=1e-15)
    roster = customers.set_index("customer_id")
    features = roster[["frequency", "recency", "T", "monetary_value"]]
    direct = model.score_customers(features, customers=roster)
    np.testing.assert_array_equal(got["customer_id"], direct.index)
    np.testing.assert_allclose(got["propensity"], direct.to_numpy(), rtol=1e-12)
    # Only consenting customers are scored.
    consenting = roster.index[roster["consent_marketing"].astype(bool)]
    assert set(got["customer_id"]) == set(consenting) and len(consenting) < len(roster)
    pd.testing.assert_frame_equal(got.iloc[:0], propensity_meta())
    assert list(ddl_fields(PROPENSITY_SCHEMA)) == list(got.columns)
    pd.testing.assert_frame_equal(fn(customers.iloc[:0]), propensity_meta())
    again = pickle.loads(cloudpickle.dumps(fn))
    pd.testing.assert_frame_equal(again(customers), fn(customers), rtol=1e-12, atol=1e-15)


def test_propensity_partition_fn_refuses_what_it_cannot_score(reference: Reference) -> None:
    from precimark.propensity import PropensityModel

    with pytest.raises(NotFittedError):
        propensity_partition_fn(PropensityModel())
    unnamed = PropensityModel(calibration=None, random_state=0).fit(
        reference.customers[["frequency", "T"]].to_numpy(), reference.customers["frequency"] > 1
    )
    with pytest.raises(DataValidationError, match="no feature names"):
        propensity_partition_fn(unnamed)
    with pytest.raises(DataValidationError, match="argument 'consent'"):
        propensity_partition_fn(reference.propensity_model, consent=3)  # type: ignore[arg-type]
    fn = propensity_partition_fn(reference.propensity_model)
    with pytest.raises(DataValidationError, match="no consent column 'consent_marketing'"):
        fn(reference.customers.drop(columns="consent_marketing"))
    with pytest.raises(DataValidationError, match="missing column 'monetary_value'"):
        fn(reference.customers.drop(columns="monetary_value"))


def _policy() -> PricingPolicy:
    return PricingPolicy(
        [SensitivityDiscount(threshold=0.5), ListPrice()], name="bench", version="3"
    )


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    customers = make_transactions(2_000, random_state=5).customers
    return customers[["price_sensitivity", "consent_personalised_pricing"]].reset_index()


PRICES = pd.Series({"album": 12.0, "box set": 40.0})


def test_pricing_on_any_split_equals_decide(roster: pd.DataFrame) -> None:
    policy = _policy()
    fn = pricing_partition_fn(policy, PRICES, at="2025-03-01 10:30")
    got = run(fn, by_bucket(roster, "customer_id", 4))
    got = got.sort_values(["customer_id", "product"], ignore_index=True)
    whole = policy.decide(roster.set_index("customer_id"), PRICES, at="2025-03-01 10:30")
    expected = whole.reset_index().astype({c: "str" for c in whole.select_dtypes("category")})
    expected = expected.sort_values(["customer_id", "product"], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert (got["decided_at"] == pd.Timestamp("2025-03-01 10:30")).all()
    assert set(got.loc[~got["personalised"], "reason_codes"]) >= {"no consent"}
    pd.testing.assert_frame_equal(got.iloc[:0], decisions_meta())
    fields = ddl_fields(DECISIONS_SCHEMA)
    assert list(fields) == list(got.columns)
    spark_of = {"int64": "bigint", "float64": "double", "bool": "boolean", "str": "string"}
    spark_of["object"] = "string"  # pandas 2 holds strings as objects
    spark_of["datetime64[ns]"] = "timestamp_ntz"
    assert {k: spark_of[str(v)] for k, v in got.dtypes.items()} == fields
    pd.testing.assert_frame_equal(fn(roster.iloc[:0]), decisions_meta())
    again = pickle.loads(cloudpickle.dumps(fn))
    pd.testing.assert_frame_equal(again(roster), fn(roster), check_exact=True)


def test_pricing_partition_fn_refuses_cross_customer_policies() -> None:
    with pytest.raises(DataValidationError, match="campaign budget"):
        pricing_partition_fn(
            PricingPolicy([ListPrice()], guardrails=Guardrails(budget=100.0)), 10.0, at="2025-01-01"
        )
    with pytest.raises(DataValidationError, match="exploration=0"):
        pricing_partition_fn(PricingPolicy([ListPrice()], exploration=0.1), 10.0, at="2025-01-01")
    with pytest.raises(DataValidationError, match="argument 'at'"):
        pricing_partition_fn(_policy(), 10.0, at="soon")
    with pytest.raises(DataValidationError, match="argument 'policy'"):
        pricing_partition_fn("policy", 10.0, at="2025-01-01")  # type: ignore[arg-type]


def test_spark_sees_one_parameter_and_batches_map_lazily(reference: Reference) -> None:
    import inspect

    score = score_partition_fn(
        reference.purchase_model,
        horizon=DISCOUNT_PERIOD,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
    )
    rfm_fn = rfm_partition_fn(observation_end=reference.observation_end, time_unit="W")
    # applyInPandas calls a two-parameter function with (key, frame): ours must show one.
    for fn in (score, rfm_fn):
        assert inspect.getfullargspec(fn).args == ["frame"]
    batches = [reference.rfm.iloc[:100], reference.rfm.iloc[100:250]]
    results = score(iter(batches))  # mapInPandas passes an iterator of frames
    assert not isinstance(results, pd.DataFrame)
    got = pd.concat(list(results), ignore_index=True)
    pd.testing.assert_frame_equal(got, score(reference.rfm.iloc[:250]), check_exact=True)
    with pytest.raises(DataValidationError, match="argument 'frame': a list"):
        score(batches)  # type: ignore[call-overload]


def test_scores_for_every_purchase_model_on_chunks_equal_the_whole(reference: Reference) -> None:
    from precimark.clv import ModifiedBetaGeoModel, ParetoNBDModel

    mbg = ModifiedBetaGeoModel(engine="native").fit(reference.histogram)
    pareto = ParetoNBDModel()
    pareto.params_ = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}  # CDNOW, weeks
    pareto.time_unit_ = "W"
    rfm = reference.rfm
    for model in (mbg, pareto):
        fn = score_partition_fn(
            model,
            reference.spend_model,
            horizon="180D",
            discount_period=DISCOUNT_PERIOD,
            time_unit=TIME_UNIT,
            discount_rate=0.0,
        )
        got = run(fn, [rfm.iloc[i : i + 1000] for i in range(0, len(rfm), 1000)])
        pd.testing.assert_frame_equal(got, fn(rfm), rtol=1e-12, atol=0)
        indexed = rfm.set_index("customer_id")
        np.testing.assert_allclose(got["probability_alive"], model.probability_alive(indexed))


# --- schemas and metas come from one table -------------------------------------------------------

_SPARK_OF_DTYPE = {
    "int64": "bigint",
    "float64": "double",
    "bool": "boolean",
    "str": "string",
    "object": "string",
    "datetime64[ns]": "timestamp_ntz",
}


@pytest.mark.parametrize(
    ("schema", "meta"),
    [
        (RFM_SCHEMA, rfm_meta),
        (SCORES_SCHEMA, scores_meta),
        (scores_schema(clv=False), lambda: scores_meta(clv=False)),
        (PROPENSITY_SCHEMA, propensity_meta),
        (DECISIONS_SCHEMA, decisions_meta),
    ],
)
def test_spark_schema_and_dask_meta_agree_column_by_column(
    schema: str, meta: Callable[[], pd.DataFrame]
) -> None:
    frame = meta()
    assert list(ddl_fields(schema)) == list(frame.columns)
    spark_types = [_SPARK_OF_DTYPE[str(dtype)] for dtype in frame.dtypes]
    assert list(ddl_fields(schema).values()) == spark_types


def test_ddl_doubles_backticks_and_refuses_a_non_type_id_type() -> None:
    from precimark.distributed import rfm_schema
    from precimark.schema import Columns

    assert rfm_schema(columns=Columns(customer_id="a`b")).startswith("`a``b` bigint, ")
    assert rfm_schema(id_type="decimal(20, 0)").startswith("`customer_id` decimal(20, 0), ")
    with pytest.raises(DataValidationError, match=r"argument 'id_type'.*a Spark SQL type name"):
        rfm_schema(id_type="bigint, `evil` string")
