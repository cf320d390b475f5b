"""Behavioural clusters: MiniBatchKMeans on log-transformed, scaled profile features."""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.base import ClassNamePrefixFeaturesOutMixin as _NamesOut
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from precimark._typing import SeedLike
from precimark._validation import check_number, check_seed, fail
from precimark.exceptions import DataValidationError
from precimark.persistence._state import JSONStateMixin

__all__ = ["BehaviouralSegmenter"]

_SHARE_PREFIX = "spend_share_"


def _one_thread() -> Any:
    """Run k-means single-threaded.

    MiniBatchKMeans works on small batches (``batch_size`` rows), where starting native
    threads costs more than it saves: on a busy 2-core machine a 200,000-row fit took 20.5 s
    with threads and 2.7 s without (a 100-row fit: 9 s and 0.2 s).
    """
    return threadpool_limits(1)


def _signed_log1p(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return ``sign(x) * log(1 + |x|)``: a log scale that accepts any real value."""
    out: npt.NDArray[np.float64] = np.sign(x) * np.log1p(np.abs(x))
    return out


class BehaviouralSegmenter(JSONStateMixin, _NamesOut, TransformerMixin, ClusterMixin, BaseEstimator):  # type: ignore[misc]  # fmt: skip
    """Cluster customers on profile features; pick the number of clusters by silhouette.

    A :class:`~sklearn.pipeline.Pipeline` of a signed log transform
    (``sign(x) * log(1 + |x|)``, which tames the long tails of spend and order counts),
    :class:`~sklearn.preprocessing.StandardScaler` and
    :class:`~sklearn.cluster.MiniBatchKMeans` (which scales to millions of customers).

    Parameters
    ----------
    n_clusters : int or "auto", default "auto"
        Number of clusters. ``"auto"`` fits 2 .. ``max_clusters`` clusters on a seeded sample
        of ``sample_size`` rows and keeps the k with the highest silhouette score; it falls
        back to one cluster when the data have fewer than three distinct rows.
    max_clusters : int, default 8
        Largest k tried by ``"auto"``.
    sample_size : int, default 2000
        Rows used to choose k (the silhouette needs their ``sample_size**2`` distances).
    batch_size : int, default 4096
        Mini-batch size of MiniBatchKMeans.
    n_init : int, default 3
        Initialisations of MiniBatchKMeans (the best is kept).
    random_state : int or None
        Seed of the sample and of MiniBatchKMeans; an int gives reproducible clusters.

    Attributes
    ----------
    pipeline_ : Pipeline
        The fitted log / scale / MiniBatchKMeans pipeline.
    n_clusters_ : int
        Number of clusters used.
    silhouette_scores_ : dict of int to float
        Silhouette score of each k tried (empty unless ``n_clusters="auto"``).
    labels_ : ndarray of int
        Cluster of each training row.
    cluster_summary_ : DataFrame
        One row per cluster: ``size``, ``share`` of the rows, the mean of every feature in its
        original units, ``description`` (features whose cluster centre is more than half a
        standard deviation above or below the mean, e.g. ``"high orders, low
        days_since_last_purchase"``) and, when features are named ``spend_share_<category>``
        (as in :class:`CustomerProfiler`'s archive), ``top_categories`` (the three largest mean
        shares).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names, when ``fit`` was given a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from precimark.profiling import BehaviouralSegmenter
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"orders": np.r_[rng.poisson(2, 50), rng.poisson(20, 50)] + 1,
    ...                   "total_spend": np.r_[rng.gamma(2, 20, 50), rng.gamma(20, 30, 50)]})
    >>> seg = BehaviouralSegmenter(random_state=0).fit(X)
    >>> seg.n_clusters_, sorted(seg.cluster_summary_["size"].tolist())
    (2, [50, 50])
    """

    def __init__(
        self,
        *,
        n_clusters: int | Literal["auto"] = "auto",
        max_clusters: int = 8,
        sample_size: int = 2000,
        batch_size: int = 4096,
        n_init: int = 3,
        random_state: SeedLike = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.max_clusters = max_clusters
        self.sample_size = sample_size
        self.batch_size = batch_size
        self.n_init = n_init
        self.random_state = random_state

    def _pipeline(self, k: int, seed: int) -> Pipeline:
        return Pipeline(
            [
                ("log", FunctionTransformer(_signed_log1p, feature_names_out="one-to-one")),
                ("scale", StandardScaler()),
                (
                    "cluster",
                    MiniBatchKMeans(
                        n_clusters=k,
                        batch_size=int(self.batch_size),
                        n_init=int(self.n_init),
                        random_state=seed,
                    ),
                ),
            ]
        )

    def _check_params(self) -> None:
        if not (isinstance(self.n_clusters, str) and self.n_clusters == "auto"):
            try:
                check_number(self.n_clusters, "n_clusters", low=1, integer=True)
            except DataValidationError as err:
                raise DataValidationError(f"{err} Or n_clusters='auto'.") from None
        for name, low in (
            ("max_clusters", 2),
            ("sample_size", 3),
            ("batch_size", 1),
            ("n_init", 1),
        ):
            check_number(getattr(self, name), name, low=low, integer=True)
        check_seed(self.random_state, generator=False)  # scikit-learn seeds: None or an int

    def fit(self, X: Any, y: object = None) -> Self:
        """Fit the clusters.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_customers, n_features)
            Numeric profile features (e.g. orders, average order value, days since the last
            purchase, spend shares). No missing values.
        y : ignored
            Not used; present for scikit-learn API consistency.

        Returns
        -------
        BehaviouralSegmenter
            self, fitted.

        Raises
        ------
        DataValidationError
            For invalid hyper-parameters, or an int ``n_clusters`` larger than the number of
            distinct rows.
        ValueError
            For non-numeric, missing or infinite features (scikit-learn's checks).
        """
        self._check_params()
        data = validate_data(self, X, dtype=np.float64)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        n = data.shape[0]
        sample = (
            data[rng.choice(n, size=int(self.sample_size), replace=False)]
            if n > self.sample_size
            else data
        )
        self.silhouette_scores_: dict[int, float] = {}
        if self.n_clusters == "auto":
            with _one_thread():
                k = self._choose_k(sample, seed)
        else:
            k = int(self.n_clusters)
            distinct = len(np.unique(sample, axis=0))
            if k > distinct and n > len(sample):
                distinct = len(np.unique(data, axis=0))
            if k > distinct:
                raise fail(
                    "argument 'n_clusters'",
                    f"{k} clusters for {distinct} distinct rows",
                    "at most as many clusters as distinct rows",
                    "Use n_clusters='auto'.",
                )
        with _one_thread():
            self.pipeline_ = self._pipeline(k, seed).fit(data)
        kmeans = self.pipeline_[-1]
        self.n_clusters_ = k
        self.labels_ = kmeans.labels_.astype(np.int64)
        self.cluster_summary_ = self._summary(data, kmeans.cluster_centers_)
        return self

    def _choose_k(self, sample: npt.NDArray[np.float64], seed: int) -> int:
        distinct = len(np.unique(sample, axis=0))
        candidates = range(2, min(int(self.max_clusters), distinct - 1) + 1)
        if not candidates:
            return 1
        scaled = self._pipeline(2, seed)[:-1].fit_transform(sample)
        distances = pairwise_distances(scaled)  # once for every k: the silhouette's main cost
        for k in candidates:
            labels = self._pipeline(k, seed)[-1].fit_predict(scaled)
            if len(np.unique(labels)) > 1:
                score = silhouette_score(distances, labels, metric="precomputed")
                self.silhouette_scores_[k] = float(score)
        if not self.silhouette_scores_:
            return 1
        return max(self.silhouette_scores_, key=lambda k: (self.silhouette_scores_[k], -k))

    def _summary(
        self, data: npt.NDArray[np.float64], centres: npt.NDArray[np.float64]
    ) -> pd.DataFrame:
        names = [str(n) for n in getattr(self, "feature_names_in_", [])] or [
            f"x{i}" for i in range(data.shape[1])
        ]
        frame = pd.DataFrame(data, columns=names)
        grouped = frame.groupby(self.labels_)
        sizes = grouped.size().reindex(range(self.n_clusters_), fill_value=0)
        means = grouped.mean().reindex(range(self.n_clusters_))
        summary = pd.concat(
            [sizes.rename("size").to_frame(), (sizes / len(data)).rename("share"), means], axis=1
        )
        words = []
        for centre in centres:
            parts = [f"high {n}" for n, z in zip(names, centre, strict=True) if z > 0.5]
            parts += [f"low {n}" for n, z in zip(names, centre, strict=True) if z < -0.5]
            words.append(", ".join(parts) or "average on every feature")
        summary["description"] = words
        shares = [n for n in names if n.startswith(_SHARE_PREFIX)]
        if shares:
            top = means[shares].to_numpy()
            order = np.argsort(-top, axis=1, kind="stable")[:, :3]
            summary["top_categories"] = [
                ", ".join(shares[j][len(_SHARE_PREFIX) :] for j in row) for row in order
            ]
        summary.index.name = "cluster"
        return summary

    def predict(self, X: Any) -> npt.NDArray[np.int64]:
        """Return the nearest cluster of each row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_customers, n_features)
            Features, as in ``fit``.

        Returns
        -------
        ndarray of int
            Cluster labels.
        """
        check_is_fitted(self, "pipeline_")
        data = validate_data(self, X, dtype=np.float64, reset=False)
        with _one_thread():
            labels: npt.NDArray[np.int64] = self.pipeline_.predict(data).astype(np.int64)
        return labels

    def transform(self, X: Any) -> npt.NDArray[np.float64]:
        """Return each row's distance to every cluster centre (in the scaled log space).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_customers, n_features)
            Features, as in ``fit``.

        Returns
        -------
        ndarray of shape (n_customers, n_clusters_)
            Distances; columns named by :meth:`get_feature_names_out`.
        """
        check_is_fitted(self, "pipeline_")
        data = validate_data(self, X, dtype=np.float64, reset=False)
        with _one_thread():
            distances: npt.NDArray[np.float64] = self.pipeline_.transform(data)
        return distances

    @property
    def _n_features_out(self) -> int:
        return int(self.n_clusters_)
