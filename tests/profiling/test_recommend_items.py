"""Product recommendations: the sparse kernel against dense brute force, the recommender
against a brute-force scorer and against ``implicit``, fallbacks, price bands, consent,
evaluation on a planted structure, bad input."""

from __future__ import annotations

import copy
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.metrics.pairwise import cosine_similarity

import precimark as pm
from precimark.datasets import make_baskets
from precimark.profiling import ItemItemRecommender, evaluate_recommendations, item_similarity
from precimark.profiling import items as items_module


@pytest.fixture(scope="module")
def baskets() -> pm.datasets.SimulatedBaskets:
    return make_baskets(1_500, 300, random_state=4)


def _binary(rng: np.random.Generator, n: int = 60, m: int = 25) -> sparse.csr_matrix:
    dense = (rng.random((n, m)) < rng.uniform(0.02, 0.4, m)).astype(float)
    return sparse.csr_matrix(dense)


def _dense_truth(x: sparse.csr_matrix, similarity: str) -> np.ndarray:
    dense = x.toarray()
    if similarity == "cosine":
        expected = cosine_similarity(dense.T)
    else:
        buyers = dense.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = (dense.T @ dense) * len(dense) / np.outer(buyers, buyers)
        expected = np.nan_to_num(expected)
    np.fill_diagonal(expected, 0.0)
    return expected


@pytest.mark.parametrize("similarity", ["cosine", "lift"])
def test_similarity_matches_dense_brute_force(similarity: str) -> None:
    x = _binary(np.random.default_rng(0))
    got = item_similarity(x * 3.0, similarity=similarity)  # values are ignored: bought or not
    np.testing.assert_allclose(got.toarray(), _dense_truth(x, similarity), atol=1e-12)


def test_explicit_zeros_are_not_purchases_and_the_input_is_kept() -> None:
    x = _binary(np.random.default_rng(3))
    stored = x.copy()
    stored.data[::3] = 0.0  # stored entries that say "not bought"
    before = stored.copy()
    got = item_similarity(stored)
    truth = item_similarity(sparse.csr_matrix(stored.toarray()))
    np.testing.assert_array_equal(got.toarray(), truth.toarray())
    np.testing.assert_array_equal(stored.data, before.data)


def test_neighbours_are_the_top_k_with_the_tie_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _binary(np.random.default_rng(1))
    full = _dense_truth(x, "cosine")
    buyers = x.toarray().sum(axis=0)
    monkeypatch.setattr(items_module, "_BLOCK_WORK", 50)  # many blocks
    monkeypatch.setattr(items_module, "_PAD_CELLS", 30)  # many padded groups
    got = item_similarity(x, n_neighbors=4).toarray()
    for i in range(full.shape[0]):
        ranked = sorted(
            (j for j in range(full.shape[1]) if full[i, j] > 0),
            key=lambda j: (-full[i, j], -buyers[j], j),
        )[:4]
        assert sorted(np.flatnonzero(got[i])) == sorted(ranked)
        np.testing.assert_allclose(got[i, ranked], full[i, ranked])


def test_min_co_purchases_drops_rare_pairs() -> None:
    x = _binary(np.random.default_rng(2))
    counts = (x.T @ x).toarray()
    got = item_similarity(x, similarity="lift", min_co_purchases=3).toarray()
    truth = _dense_truth(x, "lift")
    truth[counts < 3] = 0.0
    np.testing.assert_allclose(got, truth, atol=1e-12)


def _brute_force(model: ItemItemRecommender, tx: pd.DataFrame, n: int) -> dict[object, list]:
    """Score every product for every customer with dense arrays."""
    bought = pd.crosstab(tx["customer_id"], tx["product"]) > 0
    sim = pd.DataFrame(
        model.similarity_.toarray(), index=model.products_, columns=model.products_
    ).loc[bought.columns, bought.columns]
    scores = bought.to_numpy(float) @ sim.to_numpy()
    buyers = bought.sum().to_numpy()
    out = {}
    for r, customer in enumerate(bought.index):
        candidates = [
            (-scores[r, j], -buyers[j], name)
            for j, name in enumerate(bought.columns)
            if scores[r, j] > 0 and not (model.exclude_bought and bought.iloc[r, j])
        ]
        out[customer] = [name for *_, name in sorted(candidates)[:n]]
    return out


@pytest.mark.parametrize("exclude_bought", [True, False])
def test_recommendations_match_brute_force(baskets, exclude_bought: bool) -> None:
    tx = baskets.transactions[baskets.transactions["customer_id"] <= 300]
    before = tx.copy()
    model = ItemItemRecommender(n_neighbors=8, exclude_bought=exclude_bought).fit(tx)
    recs = model.recommend(tx["customer_id"].unique(), n=6)
    pd.testing.assert_frame_equal(tx, before)
    truth = _brute_force(model, tx, 6)
    co = recs[recs["reason"].str.startswith("bought with ")]
    for customer, group in co.groupby("customer_id"):
        assert group["product"].tolist() == truth[customer]
    assert list(recs.columns) == ["customer_id", *items_module.RECOMMENDATION_COLUMNS]
    assert (recs.groupby("customer_id").size() == 6).all()
    mine = tx.groupby("customer_id")["product"].apply(set)
    again = recs.apply(lambda r: r["product"] in mine[r["customer_id"]], axis=1)
    assert again.any() != exclude_bought  # bought products come back only when allowed


def test_new_customers_get_popularity_and_short_lists_the_category_first() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 4, 5, 6, 6],
            "product": ["a", "b", "a", "c", "c", "c", "d", "e"],
            "category": ["x", "x", "x", "y", "y", "y", "x", "x"],
        }
    )
    model = ItemItemRecommender(category_column="category").fit(tx)
    new = model.recommend([99], n=3)
    assert new["product"].tolist() == ["c", "a", "b"]  # most buyers, ties by name
    assert (new["reason"] == items_module.REASON_POPULAR).all()
    np.testing.assert_allclose(new["score"], [3 / 6, 2 / 6, 1 / 6])
    short = model.recommend([2], n=4)  # bought a (category x): b by co-purchase, then x, then y
    assert short["product"].tolist() == ["b", "d", "e", "c"]
    assert short["reason"].tolist() == [
        "bought with a (similarity 0.71)",  # 1 of the 2 buyers of a bought b: 1 / sqrt(2 * 1)
        "popular in category x",
        "popular in category x",
        "popular overall",
    ]
    assert len(model.recommend([1], n=10)) == 3  # the catalogue has 3 products left


@pytest.mark.parametrize("similarity", ["cosine", "lift"])
def test_reasons_name_the_bought_product_that_contributed_most(baskets, similarity: str) -> None:
    tx = baskets.transactions[baskets.transactions["customer_id"] <= 200]
    model = ItemItemRecommender(similarity=similarity, n_neighbors=6).fit(tx)
    recs = model.recommend(tx["customer_id"].unique(), n=8)
    sim = pd.DataFrame(model.similarity_.toarray(), index=model.products_, columns=model.products_)
    popular_first = model.products_.get_indexer
    mine = tx.groupby("customer_id")["product"].apply(lambda p: list(p.unique()))
    co = recs[recs["reason"].str.startswith("bought with ")]
    assert len(co) > 0.5 * len(recs)
    for row in co.itertuples():
        bought = sorted(mine[row.customer_id], key=lambda p: popular_first([p])[0])
        column = sim.loc[bought, row.product]
        best = column.idxmax()  # the first of the largest: the more popular one on ties
        found = re.fullmatch(r"bought with (\d+) \(similarity ([0-9.]+)\)", row.reason)
        assert found is not None
        assert int(found[1]) == best
        assert float(found[2]) == pytest.approx(column.max(), rel=0.05)  # two digits
        assert column.max() > 0
    assert set(recs["reason"]) - set(co["reason"]) <= {items_module.REASON_POPULAR}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.4242, "0.42"),
        (0.996, "1.0"),
        (0.0042, "0.0042"),
        (0.05, "0.050"),
        (3.74, "3.7"),
        (12.5, "12"),
        (1234.0, "1200"),
    ],
)
def test_similarities_are_written_with_two_significant_digits(value: float, text: str) -> None:
    mantissa, exponent = items_module._two_digits(np.array([value]))
    assert items_module._number(int(mantissa[0]), int(exponent[0])) == text


def test_price_bands_match_purchasing_power(baskets) -> None:
    tx = baskets.transactions
    model = ItemItemRecommender(category_column="category", price_column="price").fit(tx)
    power = baskets.customers["purchasing_power"]
    archive = pd.DataFrame({"aov_percentile": 100 * power.rank(pct=True)})
    tier = baskets.products["tier"]
    plain = model.recommend(archive.index, n=5)
    banded = model.recommend(archive.index, n=5, archive=archive)

    def tier_power_correlation(recs: pd.DataFrame) -> float:
        mean_tier = (
            recs.assign(tier=tier.loc[recs["product"]].to_numpy())
            .groupby("customer_id")["tier"]
            .mean()
        )
        return float(np.corrcoef(mean_tier, power.loc[mean_tier.index])[0, 1])

    assert tier_power_correlation(banded) > tier_power_correlation(plain) + 0.05
    row = banded.iloc[0]
    unbanded = model.recommend([row["customer_id"]], n=300)
    raw = unbanded.set_index("product").loc[row["product"], "score"]
    gap = abs(
        model.price_percentile_[model.products_.get_loc(row["product"])]
        - archive.loc[row["customer_id"], "aov_percentile"]
    )
    assert row["score"] == pytest.approx(raw * (1 - 0.5 * gap / 100))


def test_consent_is_applied_at_fit_and_recommend(baskets) -> None:
    tx = baskets.transactions
    roster = baskets.customers
    model = ItemItemRecommender().fit(tx, customers=roster)
    allowed = roster.index[roster["consent_marketing"]]
    assert set(model.customers_) <= set(allowed)
    recs = model.recommend(roster.index, n=3, customers=roster)
    assert set(recs["customer_id"]) == set(allowed)
    assert "consent_marketing" in str(recs.attrs["data_usage"])
    with pytest.raises(pm.DataValidationError, match="consent_marketing"):
        ItemItemRecommender().fit(tx, customers=roster.drop(columns="consent_marketing"))
    nobody = roster.assign(consent_marketing=False)
    with pytest.raises(pm.DataValidationError, match="no purchase lines of consenting"):
        ItemItemRecommender().fit(tx, customers=nobody)
    opted = ItemItemRecommender().fit(tx, customers=roster, consent=False)
    assert opted.n_customers_ == tx["customer_id"].nunique()


def test_other_column_names(baskets) -> None:
    tx = baskets.transactions.head(2_000)
    renamed = tx.rename(columns={"customer_id": "user", "product": "sku"})
    model = ItemItemRecommender(product_column="sku", columns=pm.Columns(customer_id="user"))
    got = model.fit(renamed).recommend([1, 2], n=3)
    want = ItemItemRecommender().fit(tx).recommend([1, 2], n=3)
    assert list(got.columns) == ["user", "rank", "product", "score", "reason"]  # stable output
    np.testing.assert_array_equal(got["product"], want["product"])


def test_bad_input_is_named(baskets) -> None:
    tx = baskets.transactions.head(500)
    with pytest.raises(pm.DataValidationError, match="'product'"):
        ItemItemRecommender().fit(tx.drop(columns="product"))
    broken = tx.assign(product=tx["product"].astype(float))
    broken.loc[broken.index[3], "product"] = np.nan
    with pytest.raises(pm.DataValidationError, match="1 missing value"):
        ItemItemRecommender().fit(broken)
    with pytest.raises(pm.DataValidationError, match="second category"):
        ItemItemRecommender(category_column="category").fit(
            tx.assign(category=np.where(np.arange(len(tx)) % 2, "c01", "c02"))
        )
    with pytest.raises(pm.DataValidationError, match="n_neighbors"):
        ItemItemRecommender(n_neighbors=0).fit(tx)
    model = ItemItemRecommender().fit(tx)
    with pytest.raises(pm.DataValidationError, match="'n'"):
        model.recommend([1], n=0)
    with pytest.raises(pm.DataValidationError, match="without prices"):
        model.recommend([1], archive=pd.DataFrame({"aov_percentile": [50.0]}, index=[1]))
    priced = ItemItemRecommender(price_column="price").fit(tx)
    with pytest.raises(pm.DataValidationError, match=r"1 customer missing \(first customer: 7"):
        priced.recommend([1, 7], archive=pd.DataFrame({"aov_percentile": [50.0]}, index=[1]))
    with pytest.raises(pm.NotFittedError):
        ItemItemRecommender().recommend([1])


def test_evaluation_metrics_by_hand() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3, 3, 1, 1, 3],
            "date": pd.to_datetime(["2024-01-01"] * 6 + ["2024-03-01"] * 3),
            "product": ["a", "b", "a", "b", "a", "c", "c", "d", "b"],
        }
    )
    table = evaluate_recommendations(ItemItemRecommender(), tx, split_date="2024-02-01", k=2)
    # Customer 1 (bought a, b) gets [c] by co-purchase then [d]? no: d is unseen, so [c] only;
    # relevant {c, d}: 1 hit.  Customer 3 (a, c) gets [b]; relevant {b}: 1 hit.
    recall = (1 / 2 + 1) / 2
    precision = (1 / 2 + 1 / 2) / 2
    ndcg = (1 / (1 + 1 / np.log2(3)) + 1.0) / 2
    assert table.loc["model", "recall"] == pytest.approx(recall)
    assert table.loc["model", "precision"] == pytest.approx(precision)
    assert table.loc["model", "ndcg"] == pytest.approx(ndcg)
    assert table.loc["model", "coverage"] == pytest.approx(2 / 3)
    assert table.loc["model", "customers"] == 2


def test_item_to_item_beats_popularity_on_planted_bundles(baskets) -> None:
    table = evaluate_recommendations(
        ItemItemRecommender(), baskets.transactions, split_date="2024-09-30", k=10
    )
    model, popular = table.loc["model"], table.loc["popularity"]
    assert model["recall"] > 2 * popular["recall"]
    assert model["ndcg"] > 2 * popular["ndcg"]
    assert model["coverage"] > 0.9 > 0.2 > popular["coverage"]
    with pytest.raises(pm.DataValidationError, match="split_date"):
        evaluate_recommendations(
            ItemItemRecommender(), baskets.transactions, split_date="2030-01-01"
        )
    with pytest.raises(pm.DataValidationError, match="recommender"):
        evaluate_recommendations(object(), baskets.transactions, split_date="2024-09-30")


class _ImplicitCosine:
    """``implicit``'s item-item cosine recommender behind the fit/recommend protocol."""

    product_column = "product"
    exclude_bought = True

    def __init__(self, k: int) -> None:
        self.k = k

    def fit(self, tx: pd.DataFrame) -> _ImplicitCosine:
        from implicit.nearest_neighbours import CosineRecommender

        rows, self.ids = pd.factorize(tx["customer_id"], sort=True)
        cols, self.products = pd.factorize(tx["product"], sort=True)
        x = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)))
        x.data[:] = 1.0
        self.x = x
        self.model = CosineRecommender(K=self.k)
        with warnings.catch_warnings():  # implicit converts a matrix it made itself to CSR
            warnings.filterwarnings("ignore", message="Method expects CSR input")
            self.model.fit(x, show_progress=False)
        return self

    def recommend(self, customer_ids: object, n: int) -> pd.DataFrame:
        rows = self.ids.get_indexer(pd.Index(customer_ids))
        with warnings.catch_warnings():  # likewise
            warnings.filterwarnings("ignore", message="Method expects CSR input")
            items, scores = self.model.recommend(rows, self.x[rows], N=n)
        keep = scores.ravel() > 0
        return pd.DataFrame(
            {
                "customer_id": np.repeat(np.asarray(customer_ids), n)[keep],
                "rank": np.tile(np.arange(1, n + 1), len(rows))[keep],
                "product": np.asarray(self.products)[items.ravel()[keep]],
                "score": scores.ravel()[keep],
            }
        )


def test_cosine_equals_implicit_and_evaluation_compares(baskets) -> None:
    pytest.importorskip("implicit", exc_type=ImportError)
    tx = baskets.transactions
    n_products = tx["product"].nunique()
    # implicit keeps each item among its own K neighbours; with every neighbour kept the two
    # definitions coincide: the same scores for every customer.
    theirs = _ImplicitCosine(n_products).fit(tx).recommend(np.arange(1, 301), 10)
    ours = ItemItemRecommender(n_neighbors=n_products).fit(tx).recommend(np.arange(1, 301), 10)
    np.testing.assert_allclose(
        ours["score"].to_numpy().reshape(-1, 10),
        theirs["score"].to_numpy().reshape(-1, 10),
        rtol=1e-5,
    )
    table = evaluate_recommendations(_ImplicitCosine(21), tx, split_date="2024-09-30")
    mine = evaluate_recommendations(
        ItemItemRecommender(n_neighbors=20), tx, split_date="2024-09-30"
    )
    assert mine.loc["model", "recall"] == pytest.approx(table.loc["model", "recall"], abs=0.02)
    pd.testing.assert_series_equal(mine.loc["popularity"], table.loc["popularity"])


def _document(baskets) -> tuple[ItemItemRecommender, dict]:
    tx = baskets.transactions.rename(columns={"customer_id": "user"})
    model = ItemItemRecommender(
        category_column="category",
        price_column="price",
        n_neighbors=7,
        columns=pm.Columns(customer_id="user"),
    ).fit(tx)
    return model, json.loads(json.dumps(model.to_dict(), allow_nan=False))


def test_json_document_round_trips(baskets) -> None:
    model, document = _document(baskets)
    loaded = ItemItemRecommender.from_dict(document)
    assert loaded.get_params() == model.get_params()
    ids = [*baskets.customers.index[:300], -1]  # -1: a new customer
    archive = pd.DataFrame({"aov_percentile": np.linspace(0, 100, len(ids))}, index=ids)
    for kwargs in ({}, {"archive": archive}):
        pd.testing.assert_frame_equal(
            loaded.recommend(ids, n=12, **kwargs), model.recommend(ids, n=12, **kwargs)
        )
    assert (loaded.similarity_ != model.similarity_).nnz == 0
    assert loaded.data_usage_ == model.data_usage_
    plain = ItemItemRecommender().fit(baskets.transactions.head(3_000))
    again = ItemItemRecommender.from_dict(json.loads(json.dumps(plain.to_dict())))
    assert again.categories_ is None and again.price_percentile_ is None
    pd.testing.assert_frame_equal(again.recommend([1, 2, 3]), plain.recommend([1, 2, 3]))


def _tampered(document: dict, part: str, change) -> dict:
    from precimark.persistence._state import decode, encode

    out = copy.deepcopy(document)
    keys = part.split(".")
    node = out
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = encode(change(decode(node[keys[-1]])))
    return out


@pytest.mark.parametrize(
    ("part", "change", "match"),
    [
        ("similarity.data", lambda d: -d, "similarity.data"),
        ("similarity.data", lambda d: np.where(np.arange(len(d)) == 3, np.nan, d), "finite"),
        ("similarity.indices", lambda i: np.where(np.arange(len(i)) == 0, 10**6, i), "indices"),
        ("similarity.indptr", lambda p: p[:-1], "similarity.indptr"),
        ("bought.indices", lambda i: i[::-1].copy(), "bought.indices"),
        ("popularity", lambda p: p[::-1].copy(), "popularity"),
        ("products", lambda p: p[:-1], "popularity.*299 numbers"),
        ("customers", lambda c: c.append(c[:1]), "customers"),
        ("product_category", lambda c: c + 1000, "product_category"),
        ("price_percentile", lambda p: p * 2, "price_percentile"),
    ],
)
def test_json_document_is_checked_on_load(baskets, part: str, change, match: str) -> None:
    _, document = _document(baskets)
    with pytest.raises(pm.DataValidationError, match=match):
        ItemItemRecommender.from_dict(_tampered(document, part, change))


def test_json_document_header_and_params_are_checked(baskets) -> None:
    _, document = _document(baskets)
    with pytest.raises(pm.DataValidationError, match="format_version"):
        ItemItemRecommender.from_dict({**document, "format_version": 99})
    with pytest.raises(pm.DataValidationError, match="ItemItemRecommender document"):
        ItemItemRecommender.from_dict({**document, "type": "BetaGeoModel"})
    with pytest.raises(pm.DataValidationError, match="n_neighbors"):
        ItemItemRecommender.from_dict(
            {**document, "params": {**document["params"], "n_neighbors": 3}}
        )
    with pytest.raises(pm.DataValidationError, match="similarity"):
        ItemItemRecommender.from_dict(
            {**document, "params": {**document["params"], "similarity": "dot"}}
        )
    with pytest.raises(pm.DataValidationError, match="malformed"):
        ItemItemRecommender.from_dict({k: v for k, v in document.items() if k != "bought"})
    with pytest.raises(NotFittedError):
        ItemItemRecommender().to_dict()
