"""BehaviouralSegmenter: scikit-learn's estimator checks, planted segments, summaries, edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import check_estimator

import precimark as pm
from precimark.datasets import make_transactions
from precimark.profiling import BehaviouralSegmenter, CustomerProfiler


def test_passes_sklearn_check_estimator() -> None:
    # on_skip=None: the array-API check is skipped (SCIPY_ARRAY_API unset), not failed.
    check_estimator(BehaviouralSegmenter(random_state=0, max_clusters=4), on_skip=None)


def _planted(n_per: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Four simulated groups: frequent/rare buyers x big/small baskets, little spread inside."""
    rates = {"frequent": 10.0, "rare": 120.0}  # mean days between purchases
    baskets = {"big": 120.0, "small": 15.0}  # mean spend per order
    frames, labels = [], []
    for g, (gap, basket) in enumerate((r, b) for r in rates.values() for b in baskets.values()):
        params = {"r": 50.0, "alpha": 50.0 * gap, "a": 0.05, "b": 50.0}
        params |= {"p": 20.0, "q": 50.0, "v": 50.0 * 20.0 / basket}
        sim = make_transactions(n_per, random_state=seed + g, params=params)
        offset = g * n_per
        frames.append(sim.transactions.assign(customer_id=sim.transactions["customer_id"] + offset))
        labels.append(pd.Series(g, index=sim.customers.index + offset))
    return pd.concat(frames, ignore_index=True), pd.concat(labels)


def test_recovers_planted_segments_from_the_archive() -> None:
    tx, truth = _planted(500, seed=3)
    archive = CustomerProfiler().fit_transform(tx)
    features = archive[["orders", "average_order_value", "days_since_last_purchase"]]
    seg = BehaviouralSegmenter(random_state=0)
    labels = seg.fit_predict(features)
    assert seg.n_clusters_ == 4
    assert max(seg.silhouette_scores_, key=seg.silhouette_scores_.__getitem__) == 4
    ari = adjusted_rand_score(truth.loc[archive.index], labels)
    assert ari > 0.85  # 0.90 with these seeds
    summary = seg.cluster_summary_
    assert summary["size"].sum() == len(archive)
    assert summary["share"].sum() == pytest.approx(1.0)
    big_frequent = summary.sort_values("average_order_value").iloc[-2:]
    assert big_frequent["orders"].max() > 4 * summary["orders"].min()
    assert summary["description"].str.contains("high orders").any()
    # Reproducible with a seed, and predict agrees with the training labels.
    again = clone(seg).fit(features)
    np.testing.assert_array_equal(again.labels_, seg.labels_)
    np.testing.assert_array_equal(seg.predict(features), seg.labels_)


def test_matches_known_blobs_and_sets_pandas_output() -> None:
    X, y = make_blobs(n_samples=600, centers=3, cluster_std=0.6, random_state=1)
    X = np.expm1(X - X.min(axis=0))  # long-tailed and positive like spend; log1p gives the blobs
    frame = pd.DataFrame(X, columns=["orders", "spend"])
    seg = BehaviouralSegmenter(random_state=0).set_output(transform="pandas")
    distances = seg.fit_transform(frame)
    assert seg.n_clusters_ == 3
    assert adjusted_rand_score(y, seg.labels_) > 0.95
    assert isinstance(distances, pd.DataFrame)
    assert list(distances.columns) == [f"behaviouralsegmenter{i}" for i in range(3)]
    np.testing.assert_array_equal(distances.to_numpy().argmin(axis=1), seg.labels_)


def test_top_categories_in_the_summary(sim_small) -> None:  # type: ignore[no-untyped-def]
    archive = CustomerProfiler().fit_transform(sim_small.transactions)
    features = archive[["orders", "total_spend", *archive.filter(like="spend_share_").columns]]
    seg = BehaviouralSegmenter(n_clusters=3, random_state=0).fit(features)
    top = seg.cluster_summary_["top_categories"]
    shares = seg.cluster_summary_.filter(like="spend_share_")
    for cluster, names in top.items():
        best = shares.loc[cluster].sort_values(ascending=False, kind="stable").index[:3]
        assert names == ", ".join(c.removeprefix("spend_share_") for c in best)


def test_identical_rows_and_a_single_row_give_one_cluster() -> None:
    same = np.ones((20, 3))
    seg = BehaviouralSegmenter(random_state=0).fit(same)
    assert seg.n_clusters_ == 1
    assert (seg.labels_ == 0).all()
    assert seg.cluster_summary_["description"].iloc[0] == "average on every feature"
    assert BehaviouralSegmenter().fit(np.array([[1.0, 2.0]])).n_clusters_ == 1
    with pytest.raises(pm.DataValidationError, match=r"argument 'n_clusters': 2 clusters for 1"):
        BehaviouralSegmenter(n_clusters=2).fit(same)


def test_bad_parameters_are_named() -> None:
    X = np.arange(20.0).reshape(10, 2)
    for params, name in (
        ({"n_clusters": 0}, "n_clusters"),
        ({"n_clusters": "many"}, "n_clusters"),
        ({"max_clusters": 1}, "max_clusters"),
        ({"sample_size": 2.5}, "sample_size"),
    ):
        with pytest.raises(pm.DataValidationError, match=f"argument '{name}'"):
            BehaviouralSegmenter(**params).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        BehaviouralSegmenter().fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
