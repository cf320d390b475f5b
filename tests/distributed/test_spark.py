"""The pipeline on Spark in local mode equals the pandas pipeline.

One SparkSession for the module, bound to 127.0.0.1, no UI, 2 shuffle partitions, and a JVM
tuned to start fast (client compiler, serial GC): these are small jobs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from precimark.clv import BetaGeoModel, GammaGammaModel, RFMHistogram
from precimark.datasets import make_transactions
from precimark.distributed import (
    DECISIONS_SCHEMA,
    PROPENSITY_SCHEMA,
    RFM_SCHEMA,
    SCORES_SCHEMA,
    decisions_schema,
    fit_spend_model,
    pricing_partition_fn,
    propensity_partition_fn,
    propensity_schema,
    rfm_partition_fn,
    rfm_schema,
    score_partition_fn,
)
from precimark.pricing import ListPrice, PricingPolicy, SensitivityDiscount

from .conftest import DISCOUNT, DISCOUNT_PERIOD, HORIZON, TIME_UNIT, Reference

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

N_BUCKETS = 4

# PySpark 4 warns on every pandas conversion that it "does not yet fully support pandas >=
# 3.0.0", and its toPandas passes pandas 3's deprecated ``copy=`` keyword; the features used
# here (Arrow batches of int64/float64/datetime64 columns) are checked value by value below.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:PySpark does not yet fully support pandas >= 3.0.0:FutureWarning"
    ),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        patch.setenv("PYSPARK_PYTHON", sys.executable)  # workers run this interpreter
        session = (
            SparkSession.builder.master("local[2]")
            .appName("precimark-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def test_spark_pipeline_equals_pandas(spark: Any, reference: Reference) -> None:
    from pyspark.sql import functions as sf

    tx = spark.createDataFrame(reference.transactions)
    # Hash buckets: many whole customers per group, never one group per customer.
    bucketed = tx.withColumn("bucket", sf.pmod(sf.hash("customer_id"), sf.lit(N_BUCKETS)))
    fn = rfm_partition_fn(observation_end=reference.observation_end, time_unit=TIME_UNIT)
    rfm = (
        bucketed.groupBy("bucket")
        .applyInPandas(fn, RFM_SCHEMA)  # the extra bucket column is ignored
        .cache()
    )
    got_rfm = rfm.toPandas().sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(got_rfm, reference.rfm, check_exact=True)

    counts = rfm.groupBy("frequency", "recency", "T").count().toPandas()
    histogram = RFMHistogram.from_counts(counts, time_unit=TIME_UNIT)
    assert histogram == reference.histogram
    spend = (
        rfm.where(sf.col("frequency") > 0).groupBy("frequency", "monetary_value").count().toPandas()
    )
    bgnbd = BetaGeoModel(engine="native").fit(histogram)
    gg = fit_spend_model(spend, GammaGammaModel(engine="native"))
    for got, want in ((bgnbd, reference.purchase_model), (gg, reference.spend_model)):
        np.testing.assert_allclose(
            list(got.params_.values()), list(want.params_.values()), rtol=1e-9, atol=0
        )

    score = score_partition_fn(
        bgnbd,
        gg,
        horizon=HORIZON,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
        discount_rate=DISCOUNT,
    )
    scores = rfm.mapInPandas(score, SCORES_SCHEMA).toPandas()
    scores = scores.sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(scores, reference.scores, check_exact=False, rtol=1e-9, atol=0)
    rfm.unpersist()

    propensity_fn = propensity_partition_fn(reference.propensity_model)
    customers = spark.createDataFrame(reference.customers)
    got = customers.mapInPandas(propensity_fn, PROPENSITY_SCHEMA).toPandas()
    got = got.sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(got, reference.propensity, rtol=1e-9, atol=1e-15)


def test_spark_propensity_with_text_ids_equals_pandas(spark: Any, reference: Reference) -> None:
    customers = reference.customers.assign(customer_id=lambda f: "c" + f["customer_id"].astype(str))
    propensity_fn = propensity_partition_fn(reference.propensity_model)
    schema = propensity_schema(id_type="string")
    got = spark.createDataFrame(customers).mapInPandas(propensity_fn, schema).toPandas()
    want = propensity_fn(customers)
    got = got.sort_values("customer_id", ignore_index=True)
    want = want.sort_values("customer_id", ignore_index=True)
    assert got["customer_id"].astype(str).tolist() == want["customer_id"].tolist()
    np.testing.assert_allclose(got["propensity"], want["propensity"], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("id_type", ["bigint", "string"])
def test_spark_pricing_decisions_equal_pandas(spark: Any, id_type: str) -> None:
    roster = make_transactions(1_000, random_state=5).customers
    roster = roster[["price_sensitivity", "consent_personalised_pricing"]].reset_index()
    if id_type == "string":
        roster["customer_id"] = "c" + roster["customer_id"].astype(str)
    policy = PricingPolicy([SensitivityDiscount(threshold=0.5), ListPrice()], name="spark")
    prices = pd.Series({"album": 12.0, "box set": 40.0})
    decide = pricing_partition_fn(policy, prices, at="2025-03-01 10:30")
    schema = decisions_schema(id_type=id_type)
    assert (schema == DECISIONS_SCHEMA) == (id_type == "bigint")
    got = spark.createDataFrame(roster).mapInPandas(decide, schema).toPandas()
    got = got.sort_values(["customer_id", "product"], ignore_index=True)
    want = decide(roster).sort_values(["customer_id", "product"], ignore_index=True)
    assert list(got.columns) == list(want.columns)
    for column in want.columns:  # Arrow may hand back other (equivalent) dtypes
        if column in ("valid_until", "decided_at"):
            left = pd.to_datetime(got[column]).astype("datetime64[ns]")
            pd.testing.assert_series_equal(left, want[column])
        elif want[column].dtype == "str":
            assert got[column].fillna("").astype(str).tolist() == want[column].tolist(), column
        else:
            np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())


def test_a_backtick_in_the_id_column_name_is_quoted_not_pasted(spark: Any) -> None:
    from precimark.schema import Columns

    name = "id`, `x` string, `y"  # would add two columns if pasted unescaped
    schema = spark.createDataFrame([], schema=rfm_schema(columns=Columns(customer_id=name))).schema
    assert schema.names[0] == name
    assert len(schema.names) == len(RFM_SCHEMA.split(", "))
