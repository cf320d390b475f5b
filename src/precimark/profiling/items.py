"""Product recommendations by item-to-item collaborative filtering on sparse matrices.

The one sparse similarity kernel (:func:`item_similarity`) serves both product recommendations
(:class:`ItemItemRecommender`) and category recommendations
(:func:`~precimark.profiling.recommend_categories`). Two items are similar when the same
customers buy both (Linden, Smith & York 2003). From the binary customer x item matrix ``X``
(who bought what, at any time, any number of times) the co-purchase counts are ``C = X'X``,
computed one block of items at a time so that memory grows with the ``n_neighbors`` kept per
item, not with the number of co-purchased pairs:

- cosine: ``C[i, j] / sqrt(n[i] * n[j])``, with ``n[i] = C[i, i]`` the buyers of ``i``;
- lift: ``C[i, j] * N / (n[i] * n[j])`` (``N`` customers): how much more often the pair is
  bought together than if the two were bought independently.

A customer's score for an item is the sum of its similarities to the items the customer
bought (over the ``n_neighbors`` most similar items of each).

References
----------
Linden, G., Smith, B. & York, J. (2003). Amazon.com recommendations: item-to-item
collaborative filtering. *IEEE Internet Computing* 7(1), 76-80.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from precimark._typing import DateLike
from precimark._validation import (
    check_bool,
    check_choice,
    check_columns,
    check_frame,
    check_number,
    fail,
    fail_rows,
    to_day,
)
from precimark.persistence._header import header, read_header, reading
from precimark.persistence._state import decode, encode
from precimark.privacy import ConsentLike, DataUse
from precimark.privacy._gate import record_usage, resolve_consent
from precimark.schema import Columns

__all__ = ["ItemItemRecommender", "evaluate_recommendations", "item_similarity"]

Similarity = Literal["cosine", "lift"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

RECOMMENDATION_COLUMNS: tuple[str, ...] = ("rank", "product", "score", "reason")
"""Columns of :meth:`ItemItemRecommender.recommend` after the customer id, in order."""
REASON_CO_PURCHASE = "bought with {product} (similarity {similarity})"
"""Reason of a co-purchase recommendation: the bought product that contributed most, and how much."""
REASON_CATEGORY = "popular in category {category}"
"""Reason of the category fallback: the customer's favourite category."""
REASON_POPULAR = "popular overall"
"""Reason of the popularity fallback (new customers, or too few candidates)."""
_BLOCK_WORK = 4_000_000  # multiply-adds per block of the co-purchase product


def _binary_matrix(rows: IntArray, items: IntArray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """Return the binary (bought or not) customer x item CSR matrix of (row, item) pairs."""
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, items)), shape=shape, dtype=np.float32
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def item_similarity(
    matrix: sparse.spmatrix,
    *,
    similarity: Similarity = "cosine",
    n_neighbors: int | None = None,
    min_co_purchases: int = 1,
) -> sparse.csr_matrix:
    """Return the item x item similarity of a binary customer x item matrix, sparse.

    Parameters
    ----------
    matrix : scipy sparse matrix
        Customers in rows, items in columns; non-zero means bought (values are ignored).
    similarity : {"cosine", "lift"}, default "cosine"
        See the module documentation.
    n_neighbors : int, optional
        Keep only the ``n_neighbors`` most similar items of each item (row); ties go to the
        more popular item, then to the lower column. Default: keep every co-purchased item.
    min_co_purchases : int, default 1
        Pairs bought together by fewer customers are dropped (lift of rare pairs is noisy).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n_items x n_items`` float64 with a zero (unstored) diagonal; row ``i`` holds the
        neighbours of item ``i`` (symmetric unless ``n_neighbors`` cut it).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> from precimark.profiling import item_similarity
    >>> bought = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]]))
    >>> item_similarity(bought).toarray().round(3)
    array([[0.   , 0.816, 0.   ],
           [0.816, 0.   , 0.408],
           [0.   , 0.408, 0.   ]])
    >>> item_similarity(bought, similarity="lift").toarray().round(3)
    array([[0.   , 1.333, 0.   ],
           [1.333, 0.   , 0.667],
           [0.   , 0.667, 0.   ]])
    """
    check_choice(similarity, "similarity", ("cosine", "lift"))
    keep = None if n_neighbors is None else _check_count(n_neighbors, "n_neighbors")
    least = _check_count(min_co_purchases, "min_co_purchases")
    x = sparse.csr_matrix(matrix, dtype=np.float32)  # not a copy when it is one already
    if not (x.has_canonical_format and (x.data == 1).all()):
        x = x.copy()  # the caller's matrix is not modified
        x.sum_duplicates()
        x.eliminate_zeros()  # an explicit zero is not a purchase
        x.data[:] = 1.0
    n_customers, n_items = x.shape
    xt = x.T.tocsr()
    buyers = np.diff(xt.indptr).astype(np.float64)
    basket = np.diff(x.indptr).astype(np.float64)
    work = np.asarray(xt @ basket, dtype=np.float64)  # multiply-adds of each item's row of X'X
    cuts = np.searchsorted(
        np.cumsum(work), np.arange(1, 1 + work.sum() // _BLOCK_WORK) * _BLOCK_WORK
    )
    bounds = np.unique(np.concatenate([[0], cuts, [n_items]]))
    tie = _ranks(buyers)
    blocks: list[sparse.csr_matrix] = []
    for start, stop in itertools.pairwise(bounds):
        counts = (xt[start:stop] @ x).tocsr()
        lengths = np.diff(counts.indptr)
        row = np.repeat(np.arange(start, stop, dtype=counts.indices.dtype), lengths)
        col = counts.indices
        co = counts.data.astype(np.float64)
        if similarity == "cosine":
            value = co / np.sqrt(buyers[row] * buyers[col])
        else:
            value = co * n_customers / (buyers[row] * buyers[col])
        value[row == col] = 0.0  # never kept
        if least > 1:
            value[co < least] = 0.0
        if keep is None:
            ok = value > 0
            local, col, value = row[ok] - start, col[ok], value[ok]
        else:
            local, col, value, _ = _top_per_row(counts.indptr, col, value, keep, tie)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(local, minlength=stop - start))])
        blocks.append(sparse.csr_matrix((value, col, indptr), shape=(stop - start, n_items)))
    if not blocks:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float64)
    out = sparse.vstack(blocks, format="csr")
    out.sort_indices()
    return out


def _ranks(popularity: FloatArray) -> IntArray:
    """Rank of each column by popularity (0 = most buyers), ties to the lower column."""
    order = np.lexsort((np.arange(len(popularity)), -popularity))
    rank = np.empty(len(popularity), dtype=np.int64)
    rank[order] = np.arange(len(popularity))
    return rank


_PAD_CELLS = 4_000_000
_SMALLEST = float(np.nextafter(0.0, 1.0))  # the least positive float: > 0 is >= this
_EXCLUDED = 1e30  # subtracted from the score of a bought product


def _top_per_row(
    indptr: npt.NDArray[Any], col: npt.NDArray[Any], value: FloatArray, k: int, tie: IntArray
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """Keep the ``k`` largest positive values of each row of a CSR layout, ties to lower ``tie``.

    Returns the kept ``row, col, value`` sorted by row then rank, and the 0-based rank. The
    threshold of each row with more than ``k`` entries is found by an in-place partition of
    padded groups of such rows (linear time), so only the entries at or above it are sorted.
    Entries <= 0 are never kept.
    """
    n_rows = len(indptr) - 1
    pointer = np.asarray(indptr, dtype=np.int64)
    lengths = np.diff(pointer)
    threshold = np.full(n_rows, _SMALLEST)  # keeps every positive entry
    long = np.flatnonzero(lengths > k)  # the other rows keep all their positive entries
    start = 0
    while start < len(long):
        stop = min(len(long), start + max(1, _PAD_CELLS // int(lengths[long[start]])))
        width = int(lengths[long[start:stop]].max())
        while stop > start + 1 and (stop - start) * width > _PAD_CELLS:  # halve to fit
            stop = start + (stop - start) // 2
            width = int(lengths[long[start:stop]].max())
        rows = long[start:stop]
        counts = lengths[rows]
        shift = np.repeat(np.cumsum(counts) - counts - np.arange(len(rows)) * width, counts)
        slot = np.arange(int(counts.sum()), dtype=np.int64) - shift
        pad = np.full(len(rows) * width, -np.inf)
        pad[slot] = value[slot + np.repeat(pointer[rows] - np.arange(len(rows)) * width, counts)]
        grid = pad.reshape(len(rows), width)
        grid.partition(width - k, axis=1)
        threshold[rows] = np.maximum(grid[:, width - k], _SMALLEST)
        start = stop
    kept = np.flatnonzero(value >= np.repeat(threshold, lengths))
    row = np.searchsorted(pointer, kept, side="right") - 1
    col, value = np.asarray(col[kept], dtype=np.int64), value[kept]
    order = np.lexsort((tie[col], -value, row))
    row, col, value = row[order], col[order], value[order]
    rank = np.arange(len(row)) - np.searchsorted(row, row, side="left")
    top = rank < k
    return row[top], col[top], value[top], rank[top]


def _check_count(value: object, name: str) -> int:
    return int(check_number(value, name, low=1, integer=True))


class ItemItemRecommender(BaseEstimator):  # type: ignore[misc]
    """Product recommendations by item-to-item collaborative filtering (sparse, scalable).

    ``fit`` learns, from a transaction log with a product column, the ``n_neighbors`` most
    similar products of every product (:func:`item_similarity`: cosine or lift of the binary
    customer x product matrix). ``recommend`` scores, for each customer, every neighbour of
    the products they bought by the sum of its similarities to them, and returns the ``n``
    best. Customers with fewer candidates (new customers, or few co-purchases) are filled with
    the most popular products of their favourite category (when a category column is known),
    then with the most popular products overall.

    Optionally (``archive=`` in :meth:`recommend`) candidates are re-ranked by price band: a
    product's price percentile within its category is matched to the customer's purchasing
    power, the archive's ``aov_percentile`` (:class:`~precimark.profiling.CustomerProfiler`),
    so customers who spend more per order see the more expensive, more functional products of
    a category first.

    Parameters
    ----------
    similarity : {"cosine", "lift"}, default "cosine"
        Item-item similarity (see :func:`item_similarity`).
    n_neighbors : int, default 20
        Neighbours kept per product.
    min_co_purchases : int, default 1
        Drop pairs bought together by fewer customers.
    exclude_bought : bool, default True
        Never recommend a product the customer bought; False for repeat-purchase goods.
    product_column : str, default "product"
        Product column of the transaction log.
    category_column : str, optional
        Category column, for the category fallback and the price bands.
    price_column : str, optional
        Price column (a product's price is the median of its rows), for the price bands.
    price_match : float, default 0.5
        Strength of the price-band re-ranking in [0, 1]: a candidate's score is multiplied by
        ``1 - price_match * |price percentile - aov_percentile| / 100``.
    columns : Columns, optional
        Name of the customer id column.

    Attributes
    ----------
    products_ : Index
        The products seen at ``fit``, most buyers first, ties by product (position = column
        of the matrices).
    similarity_ : scipy.sparse.csr_matrix
        The product x product neighbour similarities.
    popularity_ : ndarray
        Buyers per product.
    n_customers_ : int
        Customers seen at ``fit``.
    data_usage_ : tuple of DataUse
        Columns read and the consent check.

    Notes
    -----
    To answer by customer id the fitted model keeps who bought what (a binary sparse
    customer x product matrix: no dates, amounts or other columns), besides the neighbour
    table; refit to forget a customer. Memory of ``fit`` grows with the purchase lines and
    ``n_neighbors`` x products, not with the co-purchased pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.profiling import ItemItemRecommender
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4],
    ...                    "product": ["tent", "stove", "tent", "stove", "tent", "mat", "tent"]})
    >>> model = ItemItemRecommender().fit(tx)
    >>> model.recommend([4, 9], n=2)
      customer_id  rank product     score                              reason
    0           4     1   stove  0.707107  bought with tent (similarity 0.71)
    1           4     2     mat  0.500000  bought with tent (similarity 0.50)
    2           9     1    tent  1.000000                     popular overall
    3           9     2   stove  0.500000                     popular overall
    """

    def __init__(
        self,
        *,
        similarity: Similarity = "cosine",
        n_neighbors: int = 20,
        min_co_purchases: int = 1,
        exclude_bought: bool = True,
        product_column: str = "product",
        category_column: str | None = None,
        price_column: str | None = None,
        price_match: float = 0.5,
        columns: Columns | None = None,
    ) -> None:
        self.similarity = similarity
        self.n_neighbors = n_neighbors
        self.min_co_purchases = min_co_purchases
        self.exclude_bought = exclude_bought
        self.product_column = product_column
        self.category_column = category_column
        self.price_column = price_column
        self.price_match = price_match
        self.columns = columns

    def fit(
        self,
        transactions: pd.DataFrame,
        y: None = None,
        *,
        customers: pd.DataFrame | None = None,
        consent: ConsentLike | None = None,
    ) -> ItemItemRecommender:
        """Learn the product neighbourhoods from a transaction log.

        Parameters
        ----------
        transactions : DataFrame
            One row per purchase line: customer id and ``product_column`` (plus
            ``category_column`` and ``price_column`` when set). Not modified.
        y : None
            Ignored (scikit-learn convention).
        customers : DataFrame, optional
            Roster with consent columns, indexed by customer id: only the purchases of
            customers with the ``"marketing"`` consent are learned from.
        consent : str, ConsentPolicy or False, optional
            Where the ``"marketing"`` consent is recorded (default policy when None);
            ``False`` skips the check (recorded).

        Returns
        -------
        ItemItemRecommender
            ``self``, fitted.

        Raises
        ------
        DataValidationError
            For a missing column or value, a product with more than one category, a negative
            or missing price, an invalid hyper-parameter, or a roster without the consent
            column.
        """
        neighbours = self._check_params()
        cols = self.columns if self.columns is not None else Columns()
        frame = check_frame(transactions, "transactions")
        extra = [c for c in (self.category_column, self.price_column) if c is not None]
        read = [cols.customer_id, self.product_column, *extra]
        check_columns(frame, read, "transactions")
        gate = resolve_consent(customers, "marketing", consent, used_by="ItemItemRecommender")
        if gate.checked:
            frame = frame[gate.mask(pd.Index(frame[cols.customer_id]))]
        if frame.empty:
            raise fail(
                "argument 'transactions'",
                "no purchase lines" + (" of consenting customers" if gate.checked else ""),
                "at least one purchase line to learn from",
            )
        ids = frame[cols.customer_id].to_numpy()
        no_id = frame[cols.customer_id].isna().to_numpy()
        if no_id.any():
            raise fail(
                f"column '{cols.customer_id}'",
                f"{int(no_id.sum())} missing customer ids (first at row {int(np.argmax(no_id))})",
                "an id on every transaction",
            )
        product = _no_missing(frame[self.product_column], ids, self.product_column)
        rows, customer_ids = pd.factorize(ids, sort=True)
        codes, products = pd.factorize(product, sort=True)
        rows = rows.astype(np.int64)
        shape = (len(customer_ids), len(products))
        matrix = _binary_matrix(rows, codes.astype(np.int64), shape)
        buyers = np.bincount(matrix.indices, minlength=len(products))
        rank = _ranks(buyers.astype(np.float64))  # columns in popularity order: ties = rank
        items = rank[codes]
        matrix.indices = rank[matrix.indices].astype(matrix.indices.dtype)  # renumbered
        matrix.has_sorted_indices = False
        matrix.sort_indices()
        order = np.argsort(rank)
        self.products_ = pd.Index(np.asarray(products)[order], name=self.product_column)
        self.customers_ = pd.Index(customer_ids, name=cols.customer_id)
        self.n_customers_ = len(customer_ids)
        self.popularity_ = buyers[order].astype(np.float64)
        self.similarity_ = item_similarity(
            matrix,
            similarity=self.similarity,
            n_neighbors=min(neighbours, max(len(products) - 1, 1)),
            min_co_purchases=self.min_co_purchases,
        )
        self._bought = matrix
        self._fit_categories(frame, items, rows, ids)
        self._fit_prices(frame, items, ids)
        self.data_usage_ = (
            *(DataUse(c, "marketing", "ItemItemRecommender") for c in read),
            *gate.data_usage,
        )
        return self

    def _check_params(self) -> int:
        """Check the hyper-parameters; return ``n_neighbors``."""
        check_choice(self.similarity, "similarity", ("cosine", "lift"))
        neighbours = _check_count(self.n_neighbors, "n_neighbors")
        _check_count(self.min_co_purchases, "min_co_purchases")
        check_bool(self.exclude_bought, "exclude_bought")
        check_number(self.price_match, "price_match", low=0.0, high=1.0)
        for name in ("product_column", "category_column", "price_column"):
            value = getattr(self, name)
            if not (isinstance(value, str) or (value is None and name != "product_column")):
                raise fail(f"argument '{name}'", f"a {type(value).__name__}", "a column name")
        if self.columns is not None and not isinstance(self.columns, Columns):
            raise fail("argument 'columns'", f"a {type(self.columns).__name__}", "a Columns")
        return neighbours

    def to_dict(self) -> dict[str, Any]:
        """Return the fitted recommender as a JSON-safe document, for a service to load.

        Returns
        -------
        dict
            The header keys (``type``, ``format_version``, ``precimark_version``),
            ``params`` (the hyper-parameters), and the fitted state: ``products``,
            ``customers``, ``popularity``, ``similarity`` and ``bought`` (sparse matrices as
            ``indptr``/``indices``/``data`` arrays), the categories and price percentiles when
            fitted with them, and ``data_usage``. Arrays are base64 little-endian bytes
            (:mod:`precimark.persistence`); ``json.dumps(..., allow_nan=False)`` accepts it.
            The document holds who bought what (customer ids and product columns, nothing
            else), as the fitted model does.

        Raises
        ------
        NotFittedError
            If the recommender has not been fitted.

        Examples
        --------
        >>> import json
        >>> import pandas as pd
        >>> from precimark.profiling import ItemItemRecommender
        >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3],
        ...                    "product": ["tent", "stove", "tent", "stove", "mat"]})
        >>> model = ItemItemRecommender().fit(tx)
        >>> text = json.dumps(model.to_dict(), allow_nan=False)
        >>> loaded = ItemItemRecommender.from_dict(json.loads(text))
        >>> loaded.recommend([3], n=1).equals(model.recommend([3], n=1))
        True
        """
        check_is_fitted(self, "similarity_")
        params = self.get_params()
        columns = params.pop("columns")
        categories = self.categories_
        state: dict[str, Any] = {
            "products": self.products_,
            "customers": self.customers_,
            "popularity": self.popularity_,
            "similarity": _csr_parts(self.similarity_, values=True),
            "bought": _csr_parts(self._bought, values=False),
            "categories": categories,
            "product_category": None if categories is None else self.product_category_,
            "favourite": None if categories is None else self._favourite,
            "price_percentile": self.price_percentile_,
        }
        return {
            **header(ItemItemRecommender, _FORMAT_VERSION),
            "params": {
                **params,
                "columns": None if columns is None else dataclasses.asdict(columns),
            },
            **{key: encode(value, key) for key, value in state.items()},
            "data_usage": [[u.column, u.purpose, u.used_by] for u in self.data_usage_],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemItemRecommender:
        """Rebuild a fitted recommender from :meth:`to_dict` output (after JSON too).

        Every part is checked before use: the hyper-parameters as ``fit`` checks them; the
        shapes of the arrays against the numbers of products and customers; products and
        customers unique, popularity a non-increasing count; the similarity matrix with at
        most ``n_neighbors`` sorted columns per row, no diagonal and finite positive values;
        category codes and price percentiles in range.

        Parameters
        ----------
        data : dict
            A document written by :meth:`to_dict`.

        Returns
        -------
        ItemItemRecommender
            A fitted recommender that recommends exactly as the one that was saved.

        Raises
        ------
        DataValidationError
            If ``data`` is not an ``ItemItemRecommender`` document, has another format
            version, or any part is missing, malformed or out of its domain (the message
            names the part).
        """
        read_header(data, cls, _FORMAT_VERSION)
        with reading(cls):
            params = dict(data["params"])
            if params.get("columns") is not None:
                params["columns"] = Columns(**params["columns"])
            model = cls(**params)
            neighbours = model._check_params()
            state = {key: decode(data[key]) for key in _STATE_KEYS}
            products = _unique_index(state["products"], "products")
            customers = _unique_index(state["customers"], "customers")
            n_items, n_customers = len(products), len(customers)
            popularity = _vector(state["popularity"], "popularity", n_items, np.float64)
            if (popularity < 1).any() or (np.diff(popularity) > 0).any():
                raise _bad("popularity", "counts >= 1, most bought first")
            model.products_, model.customers_ = products, customers
            model.n_customers_ = n_customers
            model.popularity_ = popularity
            model.similarity_ = _read_csr(
                state["similarity"], "similarity", (n_items, n_items), neighbours
            )
            if model.similarity_.diagonal().any():
                raise _bad("similarity", "a zero diagonal")
            model._bought = _read_csr(state["bought"], "bought", (n_customers, n_items), None)
            model.categories_ = None
            if model.category_column is not None:
                model.categories_ = _unique_index(state["categories"], "categories")
                n_categories = len(model.categories_)
                model.product_category_ = _codes(
                    state["product_category"], "product_category", n_items, n_categories
                )
                model._favourite = _codes(
                    state["favourite"], "favourite", n_customers, n_categories
                )
            model.price_percentile_ = None
            if model.price_column is not None:
                percentile = _vector(
                    state["price_percentile"], "price_percentile", n_items, np.float64
                )
                if not ((percentile > 0) & (percentile <= 100)).all():
                    raise _bad("price_percentile", "percentiles in (0, 100]")
                model.price_percentile_ = percentile
            model.data_usage_ = tuple(DataUse(*map(str, use)) for use in data["data_usage"])
        return model

    def _fit_categories(
        self, frame: pd.DataFrame, items: npt.NDArray[Any], rows: npt.NDArray[Any], ids: Any
    ) -> None:
        self.categories_: pd.Index | None = None
        if self.category_column is None:
            return
        category = _no_missing(frame[self.category_column], ids, self.category_column)
        codes, names = pd.factorize(category, sort=True)
        n_items = len(self.products_)
        first = np.full(n_items, -1, dtype=np.int64)
        first[items[::-1]] = codes[::-1]
        clash = codes != first[items]
        if clash.any():
            raise fail_rows(
                f"column '{self.category_column}'",
                clash,
                ids,
                "product with a second category",
                "one category per product",
            )
        self.categories_ = pd.Index(names, name=self.category_column)
        self.product_category_ = first
        # Each customer's favourite category: most purchase lines, ties to the first name.
        lines = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, codes)), shape=(self.n_customers_, len(names))
        )
        self._favourite = np.asarray(lines.argmax(axis=1)).ravel().astype(np.int64)

    def _fit_prices(self, frame: pd.DataFrame, items: npt.NDArray[Any], ids: Any) -> None:
        self.price_percentile_: FloatArray | None = None
        if self.price_column is None:
            return
        price = pd.to_numeric(frame[self.price_column], errors="coerce").to_numpy(np.float64)
        bad = ~np.isfinite(price) | (price < 0)
        if bad.any():
            raise fail_rows(
                f"column '{self.price_column}'",
                bad,
                ids,
                "missing, non-numeric or negative price",
                "a price >= 0 on every row",
            )
        median = pd.Series(price).groupby(items).median().to_numpy(np.float64)
        groups = (
            self.product_category_
            if self.category_column is not None
            else np.zeros(len(median), dtype=np.int64)
        )
        # Percentage of the category's products whose price is at most this one's: (0, 100].
        ranks = pd.Series(median).groupby(groups).rank(method="max", pct=True)
        self.price_percentile_ = 100.0 * ranks.to_numpy(np.float64)

    def recommend(
        self,
        customer_ids: Sequence[Any] | npt.ArrayLike | pd.Index,
        n: int = 10,
        *,
        archive: pd.DataFrame | None = None,
        customers: pd.DataFrame | None = None,
        consent: ConsentLike | None = None,
    ) -> pd.DataFrame:
        """Return each customer's ``n`` best products, one row per customer and rank.

        Parameters
        ----------
        customer_ids : sequence
            Customers to recommend to; ids not seen at ``fit`` are new customers and get the
            popularity fallback. Duplicates are answered once.
        n : int, default 10
            Products per customer (fewer only when the catalogue has fewer left to offer).
        archive : DataFrame, optional
            Consumer archive indexed by customer id with ``aov_percentile``
            (:class:`~precimark.profiling.CustomerProfiler`): re-rank by price band (needs
            ``price_column`` at ``fit``). A customer missing from it is an error.
        customers : DataFrame, optional
            Roster with consent columns, indexed by customer id: customers without the
            ``"marketing"`` consent get no recommendation (their rows are left out).
        consent : str, ConsentPolicy or False, optional
            Where the ``"marketing"`` consent is recorded (default policy when None);
            ``False`` skips the check (recorded).

        Returns
        -------
        DataFrame
            Columns customer id, ``rank`` (1 = best), ``product``, ``score`` and ``reason``,
            customers in the order given, ranks ascending. ``reason`` (categorical) is
            ``"bought with <product> (similarity <s>)"`` for a co-purchase recommendation
            (score: the summed similarity to the products bought, times the price-band
            factor with an archive), naming the bought product that contributed most to the
            score (ties: the more popular) and its similarity to two significant digits;
            ``"popular in category <category>"`` (the customer's favourite category) or
            ``"popular overall"`` (new customers, and when nothing else is left) for the
            fallbacks (score: the share of customers who bought the product); the
            co-purchase rows come first. ``attrs["data_usage"]`` records the columns read and
            the consent checks.

        Raises
        ------
        DataValidationError
            For ``n < 1``, a missing customer id, an archive without ``aov_percentile`` or
            missing a customer, an archive without ``price_column`` at ``fit``, or a roster
            without the consent column.
        """
        check_is_fitted(self, "similarity_")
        size = _check_count(n, "n")
        cols = self.columns if self.columns is not None else Columns()
        asked = pd.Index(np.asarray(customer_ids, dtype=object).ravel()).unique()
        if asked.isna().any():
            raise fail(
                "argument 'customer_ids'",
                f"{int(asked.isna().sum())} missing ids",
                "an id for every customer",
            )
        gate = resolve_consent(customers, "marketing", consent, used_by="ItemItemRecommender")
        if gate.checked:
            asked = asked[gate.mask(asked)]
        power = self._purchasing_power(archive, asked)
        rows = self.customers_.get_indexer(asked).astype(np.int64)
        ids = np.asarray(asked, dtype=object)
        chunk = max(1, 2_000_000 // max(1, 4 * int(self.n_neighbors)))
        parts = [
            self._block(rows[i : i + chunk], size, None if power is None else power[i : i + chunk])
            for i in range(0, len(rows), chunk)
        ]
        block = _Block(*(np.concatenate(c) for c in zip(_Block.empty(), *parts, strict=True)))
        shift = np.repeat(np.arange(0, len(rows), chunk), [len(p.owner) for p in parts])
        owner = block.owner + shift.astype(np.int64)
        out = pd.DataFrame(
            {
                cols.customer_id: ids[owner] if len(ids) else np.zeros(0, dtype=object),
                "rank": block.rank,
                "product": self.products_.to_numpy()[block.item],
                "score": block.value,
                "reason": self._reasons(block),
            }
        )
        uses = [*self.data_usage_, *gate.data_usage]
        if archive is not None:
            uses.append(DataUse("aov_percentile", "marketing", "ItemItemRecommender"))
        return record_usage(out, uses)

    def _reasons(self, block: _Block) -> pd.Categorical:
        """Return the ``reason`` column: a text per (bought product, similarity), category or none."""
        co, cat = block.kind == 0, block.kind == 1
        mantissa, exponent = _two_digits(block.link[co])
        key = (block.source[co] * 100 + mantissa) * 64 + (exponent + 32)  # |exponent| < 17
        unique, inverse = np.unique(key, return_inverse=True)
        head, rest = REASON_CO_PURCHASE.split("{product}")
        middle, tail = rest.split("{similarity}")
        number = {k: _number(k // 64 % 100, k % 64 - 32) for k in np.unique(unique % 6400).tolist()}
        names = np.asarray([str(p) for p in self.products_], dtype=object)
        similarity = np.asarray([number[k] for k in (unique % 6400).tolist()], dtype=object)
        texts = list(head + names[unique // 6400] + middle + similarity + tail)
        codes = np.full(len(block.kind), len(texts) + 0, dtype=np.int64)
        codes[co] = inverse.ravel()
        if cat.any() and self.categories_ is not None:
            category, inverse = np.unique(
                self.product_category_[block.item[cat]], return_inverse=True
            )
            codes[cat] = len(texts) + inverse.ravel()
            texts += [REASON_CATEGORY.format(category=self.categories_[c]) for c in category]
        codes[block.kind == 2] = len(texts)
        texts.append(REASON_POPULAR)
        distinct, labels = pd.factorize(pd.Index(texts, dtype=object))  # products alike in text
        return pd.Categorical.from_codes(distinct[codes], categories=labels)

    def _purchasing_power(self, archive: pd.DataFrame | None, asked: pd.Index) -> FloatArray | None:
        if archive is None:
            return None
        if self.price_percentile_ is None:
            raise fail(
                "argument 'archive'",
                "given, but the model was fitted without prices",
                "price_column=... at fit for the price-band re-ranking",
            )
        frame = check_frame(archive, "archive")
        check_columns(frame, ["aov_percentile"], "archive")
        where = frame.index.get_indexer(asked)
        if (where < 0).any():
            raise fail_rows(
                "argument 'archive'",
                where < 0,
                np.asarray(asked, dtype=object),
                "customer missing",
                "a row for every customer recommended to",
                plural="customers missing",
            )
        power = frame["aov_percentile"].to_numpy(np.float64)[where]
        bad = ~np.isfinite(power) | (power < 0) | (power > 100)
        if bad.any():
            raise fail_rows(
                "column 'aov_percentile'",
                bad,
                np.asarray(asked, dtype=object),
                "value outside [0, 100]",
                "percentiles in [0, 100]",
            )
        return power

    def _block(self, rows: IntArray, size: int, power: FloatArray | None) -> _Block:
        """Top-``size`` products of a block of customers (row -1 = new customer)."""
        n_items = len(self.products_)
        known = rows >= 0
        bought = sparse.csr_matrix((len(rows), n_items), dtype=np.float32)
        if known.any():
            picked = self._bought[rows[known]]
            bought = sparse.vstack(
                [picked, sparse.csr_matrix((0, n_items), dtype=np.float32)], format="csr"
            )
            place = np.flatnonzero(known)
            bought = sparse.csr_matrix(
                (bought.data, bought.indices, _spread(bought.indptr, place, len(rows))),
                shape=(len(rows), n_items),
            )
        if self.exclude_bought:  # bought products drop far below 0, so they are never kept
            scores = (bought @ self.similarity_ - bought * _EXCLUDED).tocsr()
        else:
            scores = (bought @ self.similarity_).tocsr()
        value = scores.data
        if power is not None and self.price_percentile_ is not None:
            owner = np.repeat(np.arange(len(rows), dtype=np.int64), np.diff(scores.indptr))
            gap = np.abs(self.price_percentile_[scores.indices] - power[owner]) / 100.0
            value = value * (1.0 - float(self.price_match) * gap)
        owner, item, value, rank = _top_per_row(
            scores.indptr, scores.indices, value, size, np.arange(len(self.products_))
        )
        reason = np.zeros(len(owner), dtype=np.int8)
        source, link = self._top_sources(bought, owner, item)
        have = np.bincount(owner, minlength=len(rows))
        need = np.flatnonzero(have < size)
        if len(need):
            fill = self._fill(rows[need], need, size - have[need], bought, owner, item)
            owner = np.concatenate([owner, fill[0]])
            item = np.concatenate([item, fill[1]])
            value = np.concatenate([value, self.popularity_[fill[1]] / self.n_customers_])
            reason = np.concatenate([reason, fill[2]])
            source = np.concatenate([source, np.full(len(fill[0]), -1, dtype=np.int64)])
            link = np.concatenate([link, np.zeros(len(fill[0]))])
            order = np.argsort(owner, kind="stable")
            owner, item, value, reason = owner[order], item[order], value[order], reason[order]
            source, link = source[order], link[order]
            rank = np.arange(len(owner)) - np.searchsorted(owner, owner, side="left")
        return _Block(owner, item, value, reason, rank + 1, source, link)

    def _top_sources(
        self, bought: sparse.csr_matrix, owner: IntArray, item: IntArray
    ) -> tuple[IntArray, FloatArray]:
        """For each recommended (row, item) pair, the bought product most similar to the item.

        That product contributed most to the score (a sum of similarities to the bought
        products, all scaled alike by a price band); ties go to the more popular one (the
        lower column). The similarity of every (bought, recommended) pair is found at once by
        a branch-free binary search of the bought product's row of the neighbour table.
        """
        if not len(owner):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns, values, width = self._neighbour_table()
        counts = np.diff(bought.indptr)[owner].astype(np.int64)
        starts = np.cumsum(counts) - counts
        pair = np.repeat(np.arange(len(owner)), counts)
        first = np.repeat(np.asarray(bought.indptr[:-1], dtype=np.int64)[owner] - starts, counts)
        source = bought.indices[first + np.arange(len(pair))]
        index = columns.dtype.type
        target = item.astype(columns.dtype)[pair]
        base = source.astype(columns.dtype) * index(width)
        step = width // 2
        while step:  # base + the first slot whose column is >= target
            base += (columns[base + index(step - 1)] < target) * index(step)
            step //= 2
        value = np.where(columns[base] == target, values[base], 0.0)
        best = np.maximum.reduceat(value, starts)  # every co-purchase pair has a bought product
        position = np.where(value == best[pair], np.arange(len(pair)), len(pair))
        return source[np.minimum.reduceat(position, starts)].astype(np.int64), best

    def _neighbour_table(self) -> tuple[npt.NDArray[np.signedinteger[Any]], FloatArray, int]:
        """``similarity_`` as fixed-width rows (a power of two), padded by an impossible column."""
        sim = self.similarity_
        n_items = sim.shape[0]
        lengths = np.diff(sim.indptr).astype(np.int64)
        width = 1 << (max(1, int(lengths.max(initial=1))) - 1).bit_length()
        dtype = np.int32 if n_items * width < 2**31 else np.int64
        slot = np.arange(sim.nnz) + np.repeat(
            np.arange(n_items) * width - sim.indptr[:-1].astype(np.int64), lengths
        )
        columns = np.full(n_items * width, n_items, dtype=dtype)
        columns[slot] = sim.indices
        values = np.zeros(n_items * width)
        values[slot] = sim.data
        return columns, values, width

    def _fill(
        self,
        rows: IntArray,
        slots: IntArray,
        missing: IntArray,
        bought: sparse.csr_matrix,
        owner: IntArray,
        item: IntArray,
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.int8]]:
        """Popular products (category first) for customers short of candidates."""
        n_items = len(self.products_)
        taken = np.diff(bought.indptr)[slots] if self.exclude_bought else np.zeros(len(slots))
        depth = int(min(n_items, int(missing.max()) + int(taken.max()) + _size_of(owner, slots)))
        lists = [np.broadcast_to(np.arange(depth), (len(slots), depth))]  # popularity order
        kinds = [np.full(depth, 2, dtype=np.int8)]
        if self.categories_ is not None:
            table = self._category_table(depth)
            favourite = np.where(rows >= 0, self._favourite[np.maximum(rows, 0)], -1)
            cat_lists = np.where(favourite[:, None] >= 0, table[np.maximum(favourite, 0)], -1)
            lists.insert(0, cat_lists)
            kinds.insert(0, np.full(depth, 1, dtype=np.int8))
        candidates = np.concatenate(lists, axis=1)
        kind = np.broadcast_to(np.concatenate(kinds), candidates.shape)
        local = np.repeat(np.arange(len(slots)), candidates.shape[1])
        flat = candidates.ravel()
        keys = local * (n_items + 1) + flat
        mine = np.isin(owner, slots)
        used = [np.searchsorted(slots, owner[mine]) * (n_items + 1) + item[mine]]
        if self.exclude_bought:
            sub = bought[slots].tocoo()
            used.append(sub.row.astype(np.int64) * (n_items + 1) + sub.col)
        ok = (flat >= 0) & ~np.isin(keys, np.concatenate(used))
        _, first = np.unique(np.where(ok, keys, -1 - np.arange(len(keys))), return_index=True)
        unique = np.zeros(len(keys), dtype=bool)
        unique[first] = True
        ok &= unique
        local, flat, kind = local[ok], flat[ok], kind.ravel()[ok]
        order = np.argsort(local, kind="stable")
        local, flat, kind = local[order], flat[order], kind[order]
        position = np.arange(len(local)) - np.searchsorted(local, local, side="left")
        pick = position < missing[local]
        return slots[local[pick]], flat[pick], kind[pick]

    def _category_table(self, depth: int) -> IntArray:
        """Products of each category by popularity, padded with -1, ``depth`` columns."""
        assert self.categories_ is not None
        n_items = len(self.products_)
        order = np.argsort(self.product_category_, kind="stable")  # popularity within each
        cat = self.product_category_[order]
        position = np.arange(n_items) - np.searchsorted(cat, cat, side="left")
        table = np.full((len(self.categories_), depth), -1, dtype=np.int64)
        inside = position < depth
        table[cat[inside], position[inside]] = order[inside]
        return table


_FORMAT_VERSION = 1  # of to_dict documents
_STATE_KEYS = (
    "products",
    "customers",
    "popularity",
    "similarity",
    "bought",
    "categories",
    "product_category",
    "favourite",
    "price_percentile",
)


def _bad(part: str, expected: str) -> Exception:
    return fail(
        f"document part '{part}'",
        "a value out of its domain",
        expected,
        "Load the unaltered output of ItemItemRecommender.to_dict.",
    )


def _csr_parts(matrix: sparse.csr_matrix, *, values: bool) -> dict[str, Any]:
    parts = {"indptr": np.asarray(matrix.indptr), "indices": np.asarray(matrix.indices)}
    return {**parts, "data": np.asarray(matrix.data, dtype=np.float64)} if values else parts


def _vector(value: Any, part: str, length: int, dtype: type[Any]) -> npt.NDArray[Any]:
    array = np.asarray(value)
    if array.shape != (length,) or not np.can_cast(array.dtype, dtype, casting="same_kind"):
        raise _bad(part, f"{length} numbers (found shape {array.shape}, {array.dtype})")
    out = array.astype(dtype)
    if not np.isfinite(out).all():
        raise _bad(part, "finite numbers")
    return out


def _unique_index(value: Any, part: str) -> pd.Index:
    if not isinstance(value, pd.Index) or not value.is_unique or value.hasnans:
        raise _bad(part, "an index of unique, non-missing labels")
    return value


def _codes(value: Any, part: str, length: int, n_codes: int) -> IntArray:
    codes = _vector(value, part, length, np.int64)
    if ((codes < 0) | (codes >= n_codes)).any():
        raise _bad(part, f"codes in [0, {n_codes})")
    return codes


def _read_csr(
    parts: Any, part: str, shape: tuple[int, int], max_per_row: int | None
) -> sparse.csr_matrix:
    """Rebuild a CSR matrix, checking its structure (and values when stored)."""
    indptr = _vector(parts["indptr"], f"{part}.indptr", shape[0] + 1, np.int64)
    lengths = np.diff(indptr)
    if indptr[0] != 0 or (lengths < 0).any():
        raise _bad(f"{part}.indptr", "row pointers from 0, non-decreasing")
    indices = _vector(parts["indices"], f"{part}.indices", int(indptr[-1]), np.int64)
    row = np.repeat(np.arange(shape[0]), lengths)
    step = np.diff(indices)
    if ((indices < 0) | (indices >= shape[1])).any() or (step[row[1:] == row[:-1]] <= 0).any():
        raise _bad(f"{part}.indices", f"sorted, distinct columns in [0, {shape[1]}) per row")
    if max_per_row is not None and len(lengths) and lengths.max() > max_per_row:
        raise _bad(f"{part}.indptr", f"at most n_neighbors={max_per_row} neighbours per row")
    if "data" in parts:
        data = _vector(parts["data"], f"{part}.data", len(indices), np.float64)
        if (data <= 0).any():
            raise _bad(f"{part}.data", "finite similarities > 0 (zeros are not stored)")
        return sparse.csr_matrix((data, indices, indptr), shape=shape)
    ones = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((ones, indices.astype(np.int32), indptr), shape=shape)


class _Block(NamedTuple):
    """Recommendations of a block of customers, one entry per (customer, rank)."""

    owner: IntArray  # row of the customer in the block
    item: IntArray  # column of the product
    value: FloatArray  # score
    kind: npt.NDArray[np.int8]  # 0 co-purchase, 1 favourite category, 2 popular overall
    rank: IntArray  # 1 = best
    source: IntArray  # the bought product that contributed most (-1 for a fallback)
    link: FloatArray  # its similarity to the product (0 for a fallback)

    @classmethod
    def empty(cls) -> _Block:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, np.zeros(0), none.astype(np.int8), none, none, np.zeros(0))


def _two_digits(value: FloatArray) -> tuple[IntArray, IntArray]:
    """Positive ``value`` rounded to two significant digits: ``mantissa * 10**(exponent - 1)``."""
    exponent = np.floor(np.log10(value)).astype(np.int64)
    mantissa = np.rint(value / 10.0 ** (exponent - 1)).astype(np.int64)
    carry = mantissa >= 100  # 0.996 -> 1.0
    return np.where(carry, 10, mantissa), exponent + carry


def _number(mantissa: int, exponent: int) -> str:
    """``mantissa * 10**(exponent - 1)`` written with two significant digits."""
    if exponent >= 1:
        return str(mantissa * 10 ** (exponent - 1))
    return f"{mantissa / 10 ** (1 - exponent):.{1 - exponent}f}"


def _size_of(owner: IntArray, slots: IntArray) -> int:
    """Largest number of co-purchase recommendations already made to one of ``slots``."""
    counts = np.bincount(owner, minlength=int(slots.max()) + 1)[slots] if len(owner) else [0]
    return int(np.max(counts))


def _spread(indptr: npt.NDArray[Any], place: IntArray, n_rows: int) -> IntArray:
    """Row pointers of ``len(place)`` rows placed at rows ``place`` of ``n_rows`` (others empty)."""
    lengths = np.zeros(n_rows, dtype=np.int64)
    lengths[place] = np.diff(indptr)
    return np.concatenate([[0], np.cumsum(lengths)])


def _no_missing(series: pd.Series[Any], ids: Any, column: str) -> npt.NDArray[Any]:
    values = series.to_numpy()
    missing = series.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            f"column '{column}'",
            missing,
            np.asarray(ids),
            "missing value",
            f"a {column} on every transaction",
        )
    return values


METRIC_COLUMNS: tuple[str, ...] = ("recall", "precision", "ndcg", "coverage", "customers")
"""Columns of :func:`evaluate_recommendations`, in order."""


def evaluate_recommendations(
    recommender: Any,
    transactions: pd.DataFrame,
    *,
    split_date: DateLike,
    k: int = 10,
    columns: Columns | None = None,
) -> pd.DataFrame:
    """Recall, precision, NDCG and coverage at ``k`` on a time split, against popularity.

    The recommender is fitted (a clone of it, when it is a scikit-learn estimator) on the
    transactions up to and including ``split_date`` and asked for ``k`` products for every
    customer who bought before the split and bought a *relevant* product after it: one new to
    them when the recommender excludes bought products (``exclude_bought``, default True),
    any product otherwise. The baseline recommends the ``k`` products with the most buyers
    before the split (excluding the customer's own when the recommender does).

    Parameters
    ----------
    recommender : object
        Anything with ``fit(transactions)`` and ``recommend(customer_ids, n)`` returning the
        frame of :meth:`ItemItemRecommender.recommend` (customer id, ``rank``, ``product``);
        its ``product_column`` (default ``"product"``) names the product column.
    transactions : DataFrame
        Log with customer id, date and product. Not modified.
    split_date : date-like
        Last day of the training period.
    k : int, default 10
        Length of the lists evaluated.
    columns : Columns, optional
        Names of the customer id and date columns.

    Returns
    -------
    DataFrame
        Rows ``model`` and ``popularity``; columns ``recall`` (relevant products among the
        ``k``, over the customer's relevant products), ``precision`` (over ``k``), ``ndcg``
        (binary relevance, ``1 / log2(rank + 1)`` discounts, normalised by the best possible
        list) - each the mean over the customers evaluated - ``coverage`` (share of the
        training catalogue recommended to at least one of them) and ``customers`` (how many).

    Raises
    ------
    DataValidationError
        For a missing column, ``k < 1``, a split that leaves one side empty or no customer
        to evaluate, or a recommender without ``fit``/``recommend``.

    Examples
    --------
    >>> from precimark.datasets import make_baskets
    >>> from precimark.profiling import ItemItemRecommender, evaluate_recommendations
    >>> sim = make_baskets(2_000, 300, random_state=1)
    >>> table = evaluate_recommendations(ItemItemRecommender(), sim.transactions,
    ...                                  split_date="2024-09-30", k=5)
    >>> bool(table.loc["model", "recall"] > 2 * table.loc["popularity", "recall"])
    True
    """
    size = _check_count(k, "k")
    if not (
        callable(getattr(recommender, "fit", None))
        and callable(getattr(recommender, "recommend", None))
    ):
        raise fail(
            "argument 'recommender'",
            f"a {type(recommender).__name__} without fit/recommend",
            "an object with fit(transactions) and recommend(customer_ids, n)",
        )
    cols = columns if columns is not None else Columns()
    product_column = str(getattr(recommender, "product_column", "product"))
    exclude = bool(getattr(recommender, "exclude_bought", True))
    frame = check_frame(transactions, "transactions")
    check_columns(frame, [cols.customer_id, cols.date, product_column], "transactions")
    day = to_day(split_date, "split_date")
    dates = pd.to_datetime(frame[cols.date]).to_numpy("datetime64[D]")
    before, after = frame[dates <= day], frame[dates > day]
    if before.empty or after.empty:
        raise fail(
            "argument 'split_date'",
            f"{day}, which leaves an empty side",
            "a date with transactions on both sides",
        )
    seen = pd.MultiIndex.from_arrays(
        [before[cols.customer_id].to_numpy(), before[product_column].to_numpy()]
    ).unique()
    later = pd.MultiIndex.from_arrays(
        [after[cols.customer_id].to_numpy(), after[product_column].to_numpy()]
    ).unique()
    known = later.get_level_values(0).isin(seen.get_level_values(0))
    relevant = later[known & ~later.isin(seen)] if exclude else later[known]
    ids = relevant.get_level_values(0).unique()
    if len(ids) == 0:
        raise fail(
            "argument 'split_date'",
            f"{day}, after which no customer of the training period bought a relevant product",
            "a split with returning customers",
        )
    model = clone(recommender) if isinstance(recommender, BaseEstimator) else recommender
    model.fit(before)
    baseline = ItemItemRecommender(
        exclude_bought=exclude, product_column=product_column, columns=columns
    ).fit(before)
    baseline.similarity_ = sparse.csr_matrix(baseline.similarity_.shape, dtype=np.float64)
    catalogue = before[product_column].nunique()
    rows = {}
    for name, fitted in (("model", model), ("popularity", baseline)):
        recs = fitted.recommend(ids, n=size)
        rows[name] = _ranking_metrics(recs, relevant, ids, size, catalogue, cols.customer_id)
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(METRIC_COLUMNS))


def _ranking_metrics(
    recs: pd.DataFrame,
    relevant: pd.MultiIndex,
    ids: pd.Index,
    k: int,
    catalogue: int,
    id_column: str,
) -> list[float]:
    top = recs[recs["rank"] <= k]
    hit = pd.MultiIndex.from_arrays([top[id_column].to_numpy(), top["product"].to_numpy()]).isin(
        relevant
    )
    owner = ids.get_indexer(pd.Index(top[id_column]))
    discount = 1.0 / np.log2(top["rank"].to_numpy(np.float64) + 1.0)
    hits = np.bincount(owner, weights=hit.astype(np.float64), minlength=len(ids))
    dcg = np.bincount(owner, weights=hit * discount, minlength=len(ids))
    wanted = pd.Series(relevant.get_level_values(0)).value_counts().reindex(ids).to_numpy()
    ideal = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))[np.minimum(wanted, k) - 1]
    return [
        float(np.mean(hits / wanted)),
        float(np.mean(hits / k)),
        float(np.mean(dcg / ideal)),
        float(top["product"].nunique() / catalogue),
        float(len(ids)),
    ]
