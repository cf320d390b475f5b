"""Next-category recommendations from item-to-item co-purchase similarity (sparse).

Two categories are similar when the same customers buy both: the cosine similarity of their
columns in the binary customer x category matrix, computed by the sparse kernel that also
serves product recommendations (:func:`precimark.profiling.item_similarity`). A customer's score for a
category is the sum of its similarities to the categories the customer bought.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from precimark._typing import DateLike
from precimark._validation import (
    check_bool,
    check_columns,
    check_frame,
    check_number,
    fail,
    fail_rows,
    to_day,
)
from precimark.privacy import ConsentLike, DataUse
from precimark.privacy._gate import record_usage, resolve_consent
from precimark.profiling.items import item_similarity
from precimark.schema import Columns

__all__ = ["category_affinity", "recommend_categories", "recommendation_hit_rate"]

_SHARE_PREFIX = "spend_share_"


def _matrix(
    transactions: pd.DataFrame, category_column: str, columns: Columns | None
) -> tuple[sparse.csr_matrix, pd.Index, pd.Index]:
    """Return the binary customer x category matrix, the customer ids and the categories."""
    cols = columns if columns is not None else Columns()
    frame = check_frame(transactions, "transactions")
    check_columns(frame, [cols.customer_id, category_column], "transactions")
    ids_series = frame[cols.customer_id]
    no_id = ids_series.isna().to_numpy()
    if no_id.any():
        raise fail(
            f"column '{cols.customer_id}'",
            f"{int(no_id.sum())} missing customer ids (first at row {int(np.argmax(no_id))})",
            "an id on every transaction",
        )
    categories = frame[category_column]
    missing = categories.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            f"column '{category_column}'",
            missing,
            ids_series.to_numpy(),
            "missing value",
            "a category on every transaction",
        )
    rows, ids = pd.factorize(ids_series, sort=True)
    cats, names = pd.factorize(categories.astype(str), sort=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cats)), shape=(len(ids), len(names)), dtype=np.float64
    )
    matrix.data[:] = 1.0  # bought or not (duplicates were summed)
    return (
        matrix,
        pd.Index(ids, name=cols.customer_id),
        pd.Index(names.astype(str), name="category"),
    )


def _cosine(matrix: sparse.csr_matrix, names: pd.Index) -> pd.DataFrame:
    dense = item_similarity(matrix, similarity="cosine").toarray()
    return pd.DataFrame(dense, index=names, columns=names.rename(None))


def category_affinity(
    transactions: pd.DataFrame,
    *,
    category_column: str = "category",
    columns: Columns | None = None,
) -> pd.DataFrame:
    """Return how strongly buying one category goes with buying another (co-purchase cosine).

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase with a customer id and a category. Not modified.
    category_column : str, default "category"
        The category (or brand, or any product grouping) column.
    columns : Columns, optional
        Name of the customer id column (``columns.customer_id``).

    Returns
    -------
    DataFrame
        Square, symmetric, indexed and labelled by category (sorted): the cosine similarity
        ``n(A and B) / sqrt(n(A) * n(B))`` where ``n`` counts customers who bought the
        categories (at any time, any number of times). The diagonal is 0.

    Raises
    ------
    DataValidationError
        For a missing column, a missing customer id or a missing category.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.profiling import category_affinity
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3],
    ...                    "category": ["books", "music", "books", "music", "toys"]})
    >>> category_affinity(tx)
              books  music  toys
    category
    books       0.0    1.0   0.0
    music       1.0    0.0   0.0
    toys        0.0    0.0   0.0
    """
    matrix, _, names = _matrix(transactions, category_column, columns)
    return _cosine(matrix, names)


def _top_k(
    scores: npt.NDArray[np.float64],
    allowed: npt.NDArray[np.bool_],
    popularity: npt.NDArray[np.float64],
    names: pd.Index,
    k: int,
    index: pd.Index,
) -> pd.DataFrame:
    """Rank categories by score, ties by popularity then name; unavailable ones last."""
    pop = np.broadcast_to(popularity, scores.shape)
    order = np.lexsort((-pop, -np.where(allowed, scores, -np.inf)), axis=-1)[:, :k]
    rows = np.arange(len(scores))[:, None]
    ok = allowed[rows, order]
    labels = np.asarray(names, dtype=object)[order]
    labels[~ok] = None
    values = np.where(ok, scores[rows, order], np.nan)
    out: dict[str, Any] = {}
    for j in range(k):  # always k pairs of columns, missing beyond the categories available
        present = j < order.shape[1]
        out[f"category_{j + 1}"] = labels[:, j] if present else np.full(len(index), None)
        out[f"score_{j + 1}"] = values[:, j] if present else np.full(len(index), np.nan)
    return pd.DataFrame(out, index=index)


def _check_k(k: object) -> int:
    return int(check_number(k, "k", low=1, integer=True))


def recommend_categories(
    data: pd.DataFrame,
    k: int = 3,
    *,
    similarity: pd.DataFrame | None = None,
    exclude_bought: bool = True,
    category_column: str = "category",
    columns: Columns | None = None,
    customers: pd.DataFrame | None = None,
    consent: ConsentLike | None = None,
) -> pd.DataFrame:
    """Recommend each customer's next ``k`` categories by item-to-item co-purchase similarity.

    Parameters
    ----------
    data : DataFrame
        Either a transaction log (customer id and ``category_column``) or a consumer archive
        (:class:`CustomerProfiler` output, indexed by customer id, with ``spend_share_<category>``
        columns). Not modified.
    k : int, default 3
        Number of categories per customer.
    similarity : DataFrame, optional
        Category similarity (:func:`category_affinity`). Default: computed from ``data``
        when it is a transaction log; required with an archive.
    exclude_bought : bool, default True
        Never recommend a category the customer already bought.
    category_column : str, default "category"
        Category column of a transaction log.
    columns : Columns, optional
        Name of the customer id column of a transaction log.
    customers : DataFrame, optional
        Customer roster with consent columns, indexed by customer id. When given, only
        customers with the ``"marketing"`` consent get recommendations, and only their rows
        of ``data`` are read (a similarity computed here uses their purchases only).
    consent : str, ConsentPolicy or False, optional
        Where the ``"marketing"`` consent is recorded (:func:`precimark.privacy.require_consent`).
        Default (None): the default policy, column ``consent_marketing`` (a roster without it
        is an error). ``False`` recommends to everyone without a check. Without a roster
        there is nothing to check.

    Returns
    -------
    DataFrame
        Indexed by customer id: ``category_1 .. category_k`` (best first) and ``score_1 ..
        score_k`` (sum of the similarities to the categories bought; with an archive,
        weighted by spend share). Ties go to the more popular category (more buyers), then to
        the first name. When fewer than ``k`` categories are available the rest are missing.
        ``attrs["data_usage"]`` records the columns read and the consent check
        (:func:`precimark.privacy.data_usage_report`).

    Raises
    ------
    DataValidationError
        For invalid input, ``k < 1``, an archive without ``similarity`` or without
        ``spend_share_`` columns, or a roster without the consent column.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.profiling import recommend_categories
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4],
    ...                    "category": ["books", "music", "books", "music", "music", "toys", "books"]})
    >>> recommend_categories(tx, k=1)
                category_1   score_1
    customer_id
    1                 toys  0.577350
    2                 toys  0.577350
    3                books  0.666667
    4                music  0.666667
    """
    size = _check_k(k)
    check_bool(exclude_bought, "exclude_bought")
    frame = check_frame(data, "data")
    share_columns = [c for c in frame.columns if str(c).startswith(_SHARE_PREFIX)]
    cols = columns if columns is not None else Columns()
    is_log = cols.customer_id in frame.columns or not share_columns
    gate = resolve_consent(customers, "marketing", consent, used_by="recommend_categories")
    if gate.checked:
        if is_log:
            check_columns(frame, [cols.customer_id], "data")
        frame = frame[gate.mask(pd.Index(frame[cols.customer_id]) if is_log else frame.index)]
    read = [cols.customer_id, category_column] if is_log else [str(c) for c in share_columns]
    uses = [*(DataUse(c, "marketing", "recommend_categories") for c in read), *gate.data_usage]
    if is_log:
        matrix, index, names = _matrix(frame, category_column, columns)
        similarity = _cosine(matrix, names) if similarity is None else similarity
        weights = matrix
        popularity = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    else:
        if similarity is None:
            raise fail(
                "argument 'similarity'",
                "None with an archive",
                "category_affinity(transactions) when data is a CustomerProfiler archive",
            )
        names = pd.Index([str(c)[len(_SHARE_PREFIX) :] for c in share_columns], name="category")
        shares = frame[share_columns].to_numpy(np.float64)
        weights = sparse.csr_matrix(shares)
        popularity = (shares > 0).sum(axis=0).astype(np.float64)
        index = frame.index
    if not isinstance(similarity, pd.DataFrame):
        raise fail("argument 'similarity'", f"a {type(similarity).__name__}", "a DataFrame")
    missing = names.difference(similarity.index)
    if len(missing):
        raise fail(
            "argument 'similarity'",
            f"no row for {len(missing)} categories (first: {missing[0]!r})",
            "a row and column for every category in data",
        )
    sim = similarity.loc[names, list(names)].to_numpy(np.float64)
    scores = np.asarray(weights @ sim, dtype=np.float64)
    bought = np.asarray((weights > 0).todense())
    allowed = ~bought if exclude_bought else np.ones_like(bought)
    return record_usage(_top_k(scores, allowed, popularity, names, size, index), uses)


def recommendation_hit_rate(
    transactions: pd.DataFrame,
    *,
    split_date: DateLike,
    k: int = 3,
    category_column: str = "category",
    columns: Columns | None = None,
) -> pd.Series:
    """Hit rate@k of :func:`recommend_categories` on a time split, against popularity.

    Recommendations (excluding bought categories) are made from the transactions up to and
    including ``split_date``; a customer counts if they bought before the split and bought a
    category *new to them* after it; a hit is one of those new categories among the ``k``
    recommended. The baseline recommends the ``k`` categories with the most buyers before
    the split that the customer has not bought.

    Parameters
    ----------
    transactions : DataFrame
        Log with customer id, date and category.
    split_date : date-like
        Last day of the training period.
    k : int, default 3
        Number of recommendations.
    category_column : str, default "category"
        Category column.
    columns : Columns, optional
        Names of the customer id and date columns.

    Returns
    -------
    Series
        ``item_to_item`` and ``popularity`` hit rates (0-1) and ``customers`` (the number of
        customers evaluated).

    Examples
    --------
    >>> from precimark.datasets import make_transactions
    >>> from precimark.profiling import recommendation_hit_rate
    >>> sim = make_transactions(2_000, random_state=3)
    >>> recommendation_hit_rate(sim.transactions, split_date="2024-10-01", k=3).round(3)
    item_to_item      0.741
    popularity        0.738
    customers       305.000
    dtype: float64
    """
    size = _check_k(k)
    cols = columns if columns is not None else Columns()
    frame = check_frame(transactions, "transactions")
    check_columns(frame, [cols.customer_id, cols.date, category_column], "transactions")
    day = to_day(split_date, "split_date")
    dates = pd.to_datetime(frame[cols.date]).to_numpy("datetime64[D]")
    before = frame[dates <= day]
    after = frame[dates > day]
    if before.empty or after.empty:
        raise fail(
            "argument 'split_date'",
            f"{day}, which leaves an empty side",
            "a date with transactions on both sides",
        )
    recs = recommend_categories(
        before, size, category_column=category_column, columns=columns, exclude_bought=True
    )
    matrix, ids, names = _matrix(before, category_column, columns)
    popularity = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    baseline = _top_k(
        np.zeros(matrix.shape),
        ~np.asarray(matrix.todense(), dtype=bool),
        popularity,
        names,
        size,
        ids,
    )
    seen = pd.MultiIndex.from_arrays(
        [before[cols.customer_id].to_numpy(), before[category_column].astype(str).to_numpy()]
    )
    later = pd.MultiIndex.from_arrays(
        [after[cols.customer_id].to_numpy(), after[category_column].astype(str).to_numpy()]
    ).unique()
    new = later[~later.isin(seen) & later.get_level_values(0).isin(ids)]
    customers = new.get_level_values(0).unique()

    def hit_rate(table: pd.DataFrame) -> float:
        picked = table.loc[customers, [f"category_{j + 1}" for j in range(size)]].to_numpy()
        owner = np.repeat(np.asarray(customers), size)
        pairs = pd.MultiIndex.from_arrays([owner, picked.ravel().astype(str)])
        hit = pairs.isin(new).reshape(-1, size).any(axis=1)
        return float(hit.mean()) if len(customers) else float("nan")

    return pd.Series(
        {
            "item_to_item": hit_rate(recs),
            "popularity": hit_rate(baseline),
            "customers": float(len(customers)),
        }
    )
