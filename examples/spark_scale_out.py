"""The CLV pipeline on Spark: summarise on the cluster, fit on the driver, score on the cluster.

1. keep the transactions of customers who consented to profiling (a semi-join on the cluster),
2. summarise them per customer with ``rfm_partition_fn`` in hash buckets
   (``groupBy(bucket).applyInPandas``: many whole customers per group, never one group per
   customer),
3. reduce to counts: the (frequency, recency, T) histogram for BG/NBD and the (frequency,
   monetary_value) counts of repeat customers for Gamma-Gamma, collected to the driver,
4. fit both models on the driver (a few floats),
5. score every customer with ``mapInPandas``, shipping only the fitted models,
6. check on this small base that every number equals the single-machine pandas pipeline.

Spark runs in local mode here; on a cluster only the session changes. Needs the ``spark``
extra (``pip install "precimark[spark]"``) and Java 17.

Run: python examples/spark_scale_out.py
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

import precimark as pm
from precimark.clv import RFMHistogram
from precimark.datasets import make_transactions
from precimark.distributed import (
    RFM_SCHEMA,
    SCORES_SCHEMA,
    fit_spend_model,
    rfm_partition_fn,
    score_partition_fn,
)
from precimark.privacy import require_consent

try:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as sf
except ImportError:
    print("pyspark is not installed: pip install 'precimark[spark]' to run this example.")
    sys.exit(0)

# PySpark 4 warns that it does not fully support pandas 3 yet; step 6 checks every value.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
warnings.filterwarnings("ignore", message="The copy keyword is deprecated")

N_BUCKETS = 8  # on a cluster: a few times the number of executor cores
TIME_UNIT = "W"

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
spark = (
    SparkSession.builder.master("local[2]")
    .appName("precimark-scale-out")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.sql.shuffle.partitions", str(N_BUCKETS))
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

# --- the shop's tables (in production: spark.read.table(...) from the lake)
sim = make_transactions(20_000, random_state=3)
transactions = spark.createDataFrame(sim.transactions[["customer_id", "date", "amount"]])
customers = spark.createDataFrame(sim.customers.reset_index()[["customer_id", "consent_profiling"]])
observation_end = sim.observation_end  # one explicit end for every partition

# --- 1. consent: only customers who agreed to profiling (missing = no consent)
consenting = customers.where(sf.col("consent_profiling") == sf.lit(True)).select("customer_id")
transactions = transactions.join(consenting, on="customer_id", how="left_semi")

# --- 2. RFM per customer, in hash buckets of whole customers
summarise = rfm_partition_fn(observation_end=observation_end, time_unit=TIME_UNIT)
rfm = (
    transactions.withColumn("bucket", sf.pmod(sf.hash("customer_id"), sf.lit(N_BUCKETS)))
    .groupBy("bucket")
    .applyInPandas(summarise, RFM_SCHEMA)
    .cache()
)

# --- 3. reduce to the sufficient statistics, collected to the driver
histogram = RFMHistogram.from_counts(
    rfm.groupBy("frequency", "recency", "T").count().toPandas(), time_unit=TIME_UNIT
)
spend_counts = (
    rfm.where(sf.col("frequency") > 0).groupBy("frequency", "monetary_value").count().toPandas()
)
print(
    f"{histogram.n_customers:,} consenting customers -> {len(histogram.counts):,} histogram rows, "
    f"{len(spend_counts):,} spend rows on the driver"
)

# --- 4. fit on the driver
bgnbd = pm.BetaGeoModel(engine="native").fit(histogram)
gg = fit_spend_model(spend_counts, pm.GammaGammaModel(engine="native"))
truth = sim.params
print("BG/NBD  r={r:.3f} alpha={alpha:.2f} a={a:.3f} b={b:.3f}  (weeks)".format(**bgnbd.params_))
print(
    f"        true r={truth['r']:.3f} alpha={truth['alpha'] / 7:.2f} a={truth['a']:.3f} b={truth['b']:.3f}"
)
print("GG      p={p:.3f} q={q:.3f} v={v:.2f}".format(**gg.params_))

# --- 5. score on the cluster, shipping only the fitted models
score = score_partition_fn(
    bgnbd, gg, horizon="360D", discount_period="30D", discount_rate=0.01, time_unit=TIME_UNIT
)
scores = rfm.mapInPandas(score, SCORES_SCHEMA)
top = scores.orderBy(sf.desc("customer_lifetime_value")).limit(5).toPandas()
print("top customers by 12-month CLV:")
print(top.round(2).to_string(index=False))

# --- 6. the same numbers as the pandas pipeline on one machine
allowed = require_consent(sim.customers, "profiling").allowed
local_tx = sim.transactions[sim.transactions["customer_id"].isin(allowed)]
local_rfm = pm.rfm_summary(local_tx, observation_end=observation_end, time_unit=TIME_UNIT)
local_bgnbd = pm.BetaGeoModel(engine="native").fit(RFMHistogram.from_rfm(local_rfm))
spark_scores = scores.toPandas().set_index("customer_id").sort_index()
local_scores = score(local_rfm.reset_index()).set_index("customer_id")
assert local_bgnbd.params_ == bgnbd.params_
np.testing.assert_allclose(spark_scores.to_numpy(), local_scores.to_numpy(), rtol=1e-9)
assert spark_scores.index.equals(local_scores.index)
print(f"Spark and pandas agree on {len(spark_scores):,} customers (parameters and scores).")
rfm.unpersist()
spark.stop()
