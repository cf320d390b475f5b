"""The pandas reference pipeline that the Spark and Dask runs must reproduce."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from precimark import rfm_summary
from precimark.clv import BetaGeoModel, GammaGammaModel, RFMHistogram
from precimark.datasets import make_transactions
from precimark.distributed import (
    fit_spend_model,
    propensity_partition_fn,
    score_partition_fn,
)
from precimark.propensity import PropensityModel

TIME_UNIT = "W"
HORIZON = "360D"
DISCOUNT_PERIOD = "30D"
DISCOUNT = 0.01


def hash_bucket(ids: pd.Series, n_buckets: int) -> np.ndarray:
    """Bucket of each customer id: whole customers per bucket, many customers per bucket."""
    return (pd.util.hash_array(ids.to_numpy()) % np.uint64(n_buckets)).astype(np.int64)


def spend_counts(rfm: pd.DataFrame) -> pd.DataFrame:
    """The spend reduce in pandas: counts per (frequency, monetary_value) of repeat customers."""
    repeat = rfm[rfm["frequency"] > 0]
    return repeat.groupby(["frequency", "monetary_value"]).size().rename("count").reset_index()


@dataclass(frozen=True)
class Reference:
    transactions: pd.DataFrame
    observation_end: pd.Timestamp
    rfm: pd.DataFrame  # customer id as a column, sorted by id
    histogram: RFMHistogram
    purchase_model: BetaGeoModel
    spend_model: GammaGammaModel
    scores: pd.DataFrame  # customer id as a column, sorted by id
    customers: pd.DataFrame  # RFM features + consent_marketing, customer id as a column
    propensity_model: PropensityModel
    propensity: pd.DataFrame  # consenting customers' propensity, sorted by id


@pytest.fixture(scope="session")
def reference() -> Reference:
    """3,000 simulated customers through the whole pipeline on one pandas frame."""
    base = make_transactions(3_000, random_state=11)
    tx = base.transactions[["customer_id", "date", "amount"]]
    end = base.observation_end - pd.Timedelta(days=60)  # some customers have later purchases
    summary = rfm_summary(tx, observation_end=end, time_unit=TIME_UNIT)
    histogram = RFMHistogram.from_rfm(summary)
    bgnbd = BetaGeoModel(engine="native").fit(histogram)
    rfm = summary.reset_index()
    gg = fit_spend_model(spend_counts(rfm), GammaGammaModel(engine="native"))
    score = score_partition_fn(
        bgnbd,
        gg,
        horizon=HORIZON,
        discount_period=DISCOUNT_PERIOD,
        time_unit=TIME_UNIT,
        discount_rate=DISCOUNT,
    )
    # Propensity on the RFM features, labelled by the simulated (true) purchase rate.
    customers = rfm.merge(base.customers[["consent_marketing"]], on="customer_id")
    features = customers[["frequency", "recency", "T", "monetary_value"]]
    label = base.truth["purchase_rate"].reindex(customers["customer_id"]).to_numpy() > 0.03
    model = PropensityModel(estimator=LogisticRegression(), calibration="sigmoid", random_state=0)
    model.fit(features, label)
    propensity = propensity_partition_fn(model)(customers)
    return Reference(tx, end, rfm, histogram, bgnbd, gg, score(rfm), customers, model, propensity)
