"""Category affinity and recommendations: scikit-learn cosine parity, brute force, a planted
co-purchase structure on a time split, archive input, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import cosine_similarity

import precimark as pm
from precimark.profiling import (
    CustomerProfiler,
    category_affinity,
    recommend_categories,
    recommendation_hit_rate,
)


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 400
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, 80, n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, n), "D"),
            "amount": rng.gamma(2.0, 20.0, n).round(2),
            "category": rng.choice(list("abcdefg"), n, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.05, 0.05]),
        }
    )


def test_affinity_is_cosine_of_the_binary_matrix(small: pd.DataFrame) -> None:
    bought = (pd.crosstab(small["customer_id"], small["category"]) > 0).astype(float)
    expected = cosine_similarity(bought.T.to_numpy())
    np.fill_diagonal(expected, 0.0)
    got = category_affinity(small)
    assert list(got.index) == list("abcdefg")
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-12)


def test_recommendations_match_brute_force(small: pd.DataFrame) -> None:
    before = small.copy()
    recs = recommend_categories(small, k=2)
    pd.testing.assert_frame_equal(small, before)
    bought = (pd.crosstab(small["customer_id"], small["category"]) > 0).astype(float)
    sim = category_affinity(small)
    scores = bought.to_numpy() @ sim.to_numpy()
    buyers = bought.sum().to_numpy()
    for row, customer in enumerate(bought.index):
        candidates = [
            (-scores[row, j], -buyers[j], name)
            for j, name in enumerate(bought.columns)
            if not bought.iloc[row, j]
        ]
        best = sorted(candidates)[:2]
        got = recs.loc[customer, ["category_1", "category_2"]].dropna().tolist()
        assert got == [name for _, _, name in best]
        if best:
            assert recs.loc[customer, "score_1"] == pytest.approx(-best[0][0])
    with_bought = recommend_categories(small, k=7, exclude_bought=False)
    assert with_bought.filter(like="category_").notna().all().all()


def test_fewer_candidates_than_k() -> None:
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "category": ["x", "y", "x"]})
    recs = recommend_categories(tx, k=3)
    assert recs.loc[1].isna().all()
    assert recs.loc[2].tolist()[:2] == ["y", pytest.approx(1 / np.sqrt(2))]
    assert recs.loc[2, ["category_2", "score_2", "category_3"]].isna().all()


def _paired(n: int, seed: int) -> pd.DataFrame:
    """Categories come in pairs (a1, a2), (b1, b2), ...: a customer buys within one pair.

    Before 2024-07-01 every customer buys one of their pair and half buy both; afterwards the
    others buy the second. Popular pairs are not the ones a given customer needs.
    """
    rng = np.random.default_rng(seed)
    pairs = np.array([[f"{p}1", f"{p}2"] for p in "abcdef"])
    theme = rng.choice(len(pairs), n, p=[0.3, 0.25, 0.2, 0.1, 0.1, 0.05])
    first = rng.integers(0, 2, n)
    both = rng.random(n) < 0.5
    ids = np.arange(1, n + 1)
    rows = [(ids, pairs[theme, first], "2024-02-01")]
    rows.append((ids[both], pairs[theme, 1 - first][both], "2024-03-01"))
    rows.append((ids[~both], pairs[theme, 1 - first][~both], "2024-09-01"))
    return pd.concat(
        pd.DataFrame({"customer_id": i, "category": c, "date": pd.Timestamp(d), "amount": 10.0})
        for i, c, d in rows
    )


def test_item_to_item_beats_popularity_on_planted_pairs() -> None:
    tx = _paired(3_000, seed=2)
    result = recommendation_hit_rate(tx, split_date="2024-06-30", k=1)
    assert result["customers"] == (tx["date"] > "2024-06-30").sum()
    assert result["item_to_item"] == pytest.approx(1.0)
    assert result["popularity"] < 0.35  # the most popular category not yet bought
    at3 = recommendation_hit_rate(tx, split_date="2024-06-30", k=3)
    assert at3["popularity"] < at3["item_to_item"] == pytest.approx(1.0)


def test_simulated_base_hit_rates(sim_small) -> None:  # type: ignore[no-untyped-def]
    """The simulator has no co-purchase structure: item-to-item is about popularity's level."""
    result = recommendation_hit_rate(sim_small.transactions, split_date="2024-10-01", k=3)
    assert result["customers"] > 500
    assert 0.5 < result["popularity"] < 0.95
    assert abs(result["item_to_item"] - result["popularity"]) < 0.05


def test_recommend_from_an_archive(small: pd.DataFrame) -> None:
    archive = CustomerProfiler().fit_transform(small)
    sim = category_affinity(small)
    recs = recommend_categories(archive, k=2, similarity=sim)
    shares = archive.filter(like="spend_share_")
    scores = shares.to_numpy() @ sim.to_numpy()
    scores[shares.to_numpy() > 0] = -np.inf
    best = np.asarray(sim.columns)[scores.argmax(axis=1)]
    assert (recs["category_1"].to_numpy() == best).all()
    with pytest.raises(pm.DataValidationError, match="argument 'similarity'"):
        recommend_categories(archive)
    with pytest.raises(pm.DataValidationError, match=r"no row for 1 categories \(first: 'g'\)"):
        recommend_categories(archive, similarity=sim.drop(index="g", columns="g"))


def test_bad_input_is_named(small: pd.DataFrame) -> None:
    with pytest.raises(pm.DataValidationError, match="argument 'k'"):
        recommend_categories(small, k=0)
    with pytest.raises(pm.DataValidationError, match="missing column 'category'"):
        category_affinity(small.drop(columns="category"))
    bad = small.assign(category=small["category"].where(small.index != 3))
    with pytest.raises(pm.DataValidationError, match=r"column 'category': 1 missing value"):
        category_affinity(bad)
    with pytest.raises(pm.DataValidationError, match="argument 'split_date'"):
        recommendation_hit_rate(small, split_date="2030-01-01")
