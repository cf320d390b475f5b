"""Rows per second: the CLV pipeline on local Spark vs the same pipeline on one pandas frame.

Both sides read the same Parquet file of simulated transactions (customer_id, date, amount) and
run transactions -> RFM summary -> histogram / spend counts -> BG/NBD + Gamma-Gamma fit on the
driver -> 12 x 30-day discounted CLV for every customer. Spark runs in local mode with
``local[2]`` (the machine's two cores), hash-bucketed ``applyInPandas`` for the summary and
``mapInPandas`` for the scores, written to a no-op sink; pandas runs the partition functions on
the whole frame in this process. Printed: the median wall time of each side over the repeats,
transactions per second, per core, and the ratio Spark / pandas, and the largest relative
difference between the two sides' fitted parameters. (It is 0 unless a customer has three or
more purchases on one day: their day total is then summed in another row order, which can
change its last bit and move the optimiser's stopping point by ~1e-7.)

    python benchmarks/bench_distributed.py [n_customers] [repeats]
    python benchmarks/bench_distributed.py --per-customer [n_customers]

(default 1,000,000 customers, 1 repeat). ``--per-customer`` instead times the summary step with
hash buckets against ``groupBy("customer_id")`` (one pandas call per customer; default 50,000
customers, as it is slow). Needs pyspark and pyarrow.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from precimark.clv import BetaGeoModel, GammaGammaModel, RFMHistogram
from precimark.datasets import make_transactions
from precimark.distributed import (
    RFM_SCHEMA,
    SCORES_SCHEMA,
    fit_spend_model,
    rfm_partition_fn,
    score_partition_fn,
)

TIME_UNIT = "W"
CORES = 2
BUCKETS = 16  # many customers per group, a few groups per core


def spend_counts(rfm: pd.DataFrame) -> pd.DataFrame:
    repeat = rfm[rfm["frequency"] > 0]
    return repeat.groupby(["frequency", "monetary_value"]).size().rename("count").reset_index()


Result = tuple[dict[str, float], dict[str, float], dict[str, float]]
"""BG/NBD parameters, Gamma-Gamma parameters, seconds per stage."""


def pandas_pipeline(path: str, end: pd.Timestamp) -> Result:
    start = time.perf_counter()
    tx = pd.read_parquet(path)
    rfm = rfm_partition_fn(observation_end=end, time_unit=TIME_UNIT)(tx)
    summarised = time.perf_counter()
    hist = RFMHistogram.from_counts(
        rfm.groupby(["frequency", "recency", "T"]).size().rename("count").reset_index(),
        time_unit=TIME_UNIT,
    )
    bgnbd = BetaGeoModel(engine="native").fit(hist)
    gg = fit_spend_model(spend_counts(rfm), GammaGammaModel(engine="native"))
    score = score_partition_fn(
        bgnbd, gg, horizon="360D", discount_period="30D", discount_rate=0.01, time_unit=TIME_UNIT
    )
    fitted = time.perf_counter()
    scores = score(rfm)
    assert len(scores) == len(rfm)
    stages = {
        "summary": summarised - start,
        "reduce+fit": fitted - summarised,
        "score": time.perf_counter() - fitted,
    }
    return bgnbd.params_, gg.params_, stages


def spark_session() -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(f"local[{CORES}]")
        .appName("precimark-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", str(BUCKETS))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_pipeline(spark: Any, path: str, end: pd.Timestamp) -> Result:
    from pyspark.sql import functions as sf

    start = time.perf_counter()
    fn = rfm_partition_fn(observation_end=end, time_unit=TIME_UNIT)
    tx = spark.read.parquet(path)
    bucketed = tx.withColumn("bucket", sf.pmod(sf.hash("customer_id"), sf.lit(BUCKETS)))
    rfm = bucketed.groupBy("bucket").applyInPandas(fn, RFM_SCHEMA).cache()
    rfm.count()  # materialise the summary
    summarised = time.perf_counter()
    counts = rfm.groupBy("frequency", "recency", "T").count().toPandas()
    spend = (
        rfm.where(sf.col("frequency") > 0).groupBy("frequency", "monetary_value").count().toPandas()
    )
    bgnbd = BetaGeoModel(engine="native").fit(RFMHistogram.from_counts(counts, time_unit="W"))
    gg = fit_spend_model(spend, GammaGammaModel(engine="native"))
    score = score_partition_fn(
        bgnbd, gg, horizon="360D", discount_period="30D", discount_rate=0.01, time_unit=TIME_UNIT
    )
    fitted = time.perf_counter()
    scores = rfm.mapInPandas(score, SCORES_SCHEMA)
    scores.write.format("noop").mode("overwrite").save()
    rfm.unpersist()
    stages = {
        "summary": summarised - start,
        "reduce+fit": fitted - summarised,
        "score": time.perf_counter() - fitted,
    }
    return bgnbd.params_, gg.params_, stages


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def per_customer(n_customers: int) -> None:
    """Time the summary with hash buckets vs one group per customer, the same run."""
    from pyspark.sql import functions as sf

    base = make_transactions(n_customers, random_state=0)
    spark = spark_session()
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    tx = spark.createDataFrame(base.transactions[["customer_id", "date", "amount"]]).cache()
    tx.count()
    fn = rfm_partition_fn(observation_end=base.observation_end, time_unit=TIME_UNIT)
    bucketed = tx.withColumn("bucket", sf.pmod(sf.hash("customer_id"), sf.lit(BUCKETS)))
    seconds = {}
    for label, frame, key in (("buckets", bucketed, "bucket"), ("per customer", tx, "customer_id")):
        start = time.perf_counter()
        frame.groupBy(key).applyInPandas(fn, RFM_SCHEMA).write.format("noop").mode(
            "overwrite"
        ).save()
        seconds[label] = time.perf_counter() - start
    spark.stop()
    print(f"{n_customers:,} customers, {len(base.transactions):,} transactions: summary with")
    print(f"  {BUCKETS} hash buckets:         {seconds['buckets']:8.1f} s")
    print(f"  one group per customer:  {seconds['per customer']:8.1f} s")
    print(f"ratio per customer / buckets: {seconds['per customer'] / seconds['buckets']:.1f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--per-customer":
        per_customer(int(sys.argv[2]) if len(sys.argv) > 2 else 50_000)
        return
    n_customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    base = make_transactions(n_customers, random_state=0)
    tx = base.transactions[["customer_id", "date", "amount"]]
    tx = tx.assign(date=tx["date"].astype("datetime64[us]"))
    n_rows = len(tx)
    end = base.observation_end
    del base
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "transactions.parquet")
        tx.to_parquet(path, index=False, row_group_size=250_000)
        del tx
        spark = spark_session()
        # PySpark 4 warns that pandas 3 is not yet fully supported; the results are checked.
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        spark.range(10).count()  # start the JVM and a Python worker outside the timings
        pandas_times, spark_times, differences = [], [], []
        for _ in range(repeats):
            seconds, (*pandas_params, pandas_stages) = timed(pandas_pipeline, path, end)
            pandas_times.append(seconds)
            seconds, (*spark_params, spark_stages) = timed(spark_pipeline, spark, path, end)
            spark_times.append(seconds)
            for got, want in zip(spark_params, pandas_params, strict=True):
                a, b = np.array([got[k] for k in want]), np.array(list(want.values()))
                differences.append(float(np.max(np.abs(a / b - 1.0))))
        spark.stop()
    pandas_s, spark_s = statistics.median(pandas_times), statistics.median(spark_times)
    print(f"{n_customers:,} customers, {n_rows:,} transactions, {repeats} repeat(s)")
    print(
        f"pandas (1 core):        {pandas_s:8.1f} s  {n_rows / pandas_s:12,.0f} rows/s  "
        f"{n_rows / pandas_s:12,.0f} rows/s/core"
    )
    print(
        f"Spark local[{CORES}]:         {spark_s:8.1f} s  {n_rows / spark_s:12,.0f} rows/s  "
        f"{n_rows / spark_s / CORES:12,.0f} rows/s/core"
    )
    print(f"ratio Spark / pandas wall time: {spark_s / pandas_s:.2f}")
    for stage in pandas_stages:
        print(
            f"  {stage:<11} pandas {pandas_stages[stage]:7.1f} s   Spark {spark_stages[stage]:7.1f} s"
            "  (last repeat)"
        )
    print(f"largest relative difference of the fitted parameters: {max(differences):.1e}")
    assert max(differences) < 1e-6


if __name__ == "__main__":
    main()
