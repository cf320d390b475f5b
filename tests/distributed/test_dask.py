"""The pipeline on Dask (threads and processes schedulers) equals the pandas pipeline."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from precimark.clv import BetaGeoModel, GammaGammaModel, RFMHistogram
from precimark.distributed import (
    fit_spend_model,
    propensity_meta,
    propensity_partition_fn,
    rfm_meta,
    rfm_partition_fn,
    score_partition_fn,
    scores_meta,
)

from .conftest import DISCOUNT, DISCOUNT_PERIOD, HORIZON, TIME_UNIT, Reference

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(params=["threads", "processes"])
def scheduler(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Dask scheduler; the processes one shares one pool of 2 spawned workers across calls."""
    if request.param == "threads":
        yield "threads"
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool, dask.config.set(pool=pool):
        yield "processes"


def test_dask_pipeline_equals_pandas(reference: Reference, scheduler: str) -> None:
    tx = dd.from_pandas(reference.transactions, npartitions=4)
    # Whole customers per partition: shuffle on the customer id (a hash partitioning).
    tx = tx.shuffle("customer_id", npartitions=3)
    fn = rfm_partition_fn(observation_end=reference.observation_end, time_unit=TIME_UNIT)
    rfm = tx.map_partitions(fn, meta=rfm_meta())
    keys = ["frequency", "recency", "T"]
    hist_counts = rfm.groupby(keys).size().rename("count").reset_index()
    repeat = rfm[rfm["frequency"] > 0]
    spend = repeat.groupby(["frequency", "monetary_value"]).size().rename("count").reset_index()
    rfm_pd, hist_pd, spend_pd = dd.compute(rfm, hist_counts, spend, scheduler=scheduler)

    got_rfm = rfm_pd.sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(got_rfm, reference.rfm, check_exact=True)

    histogram = RFMHistogram.from_counts(hist_pd, time_unit=TIME_UNIT)
    assert histogram == reference.histogram
    bgnbd = BetaGeoModel(engine="native").fit(histogram)
    gg = fit_spend_model(spend_pd, GammaGammaModel(engine="native"))
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
    scores = rfm.map_partitions(score, meta=scores_meta()).compute(scheduler=scheduler)
    scores = scores.sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(scores, reference.scores, check_exact=False, rtol=1e-9, atol=0)

    customers = dd.from_pandas(reference.customers, npartitions=3)
    propensity_fn = propensity_partition_fn(reference.propensity_model)
    propensity = customers.map_partitions(propensity_fn, meta=propensity_meta())
    got = propensity.compute(scheduler=scheduler).sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(got, reference.propensity, rtol=1e-9, atol=1e-15)
