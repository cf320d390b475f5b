"""The consumer archive: one row per customer, built from mergeable per-customer aggregates.

:class:`CustomerProfiler` follows the scikit-learn contract. :meth:`~CustomerProfiler.fit`
learns what the archive compares customers with (the top price band, the RFM score edges, the
purchasing-power percentiles, the base's share of discounted orders) and fits copies of the CLV
models; :meth:`~CustomerProfiler.transform` profiles a transaction log against them.

:meth:`~CustomerProfiler.fit` also keeps a small table of per-customer sums, counts, minima and
maxima (``aggregates_``). Those merge exactly, so :meth:`~CustomerProfiler.update` folds new
transactions in without re-reading the old ones, and :meth:`~CustomerProfiler.archive` derives
every archive column from them.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, NamedTuple, Self, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from precimark._deprecation import DEPRECATED_SINCE, REMOVED_IN, deprecated_alias
from precimark._progress import Progress
from precimark._typing import DateLike, HorizonLike
from precimark._validation import (
    Transactions,
    check_columns,
    check_frame,
    check_number,
    check_unique_index,
    fail,
    fail_rows,
    refuse_overflow,
    to_day,
    to_duration_units,
    validate_transactions,
)
from precimark.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel, customer_lifetime_value
from precimark.clv.value import _periods as _clv_periods
from precimark.exceptions import DataQualityWarning
from precimark.persistence._state import JSONStateMixin
from precimark.privacy import ConsentLike, ConsentPolicy, DataUse
from precimark.privacy._gate import ConsentGate, resolve_consent
from precimark.profiling.rfm import _day_totals, _end_day, _runs
from precimark.profiling.scores import RFMEdges, fit_rfm_edges
from precimark.profiling.segments import rfm_segments
from precimark.schema import FREQUENCY, MONETARY_VALUE, RECENCY, Columns, T, TouchpointColumns

__all__ = ["CustomerProfiler"]

_logger = logging.getLogger(__name__)

_CATEGORY = "category:"
_CHANNEL = "channel:"
_SUMMED = (
    "purchase_days",
    "orders",
    "total_spend",
    "top_band_orders",
    "discounted_orders",
    "discounted_spend",
    "discount_rate_sum",
)


def _legacy_clv_periods(init: Callable[..., None]) -> Callable[..., None]:
    """Accept 0.1's ``clv_periods`` (a count of periods) as ``clv_horizon``, with a warning."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        if "clv_periods" in kwargs:
            if "clv_horizon" in kwargs:
                raise TypeError("CustomerProfiler() got both clv_periods= and clv_horizon=")
            periods = kwargs.pop("clv_periods")
            period = kwargs.get("clv_discount_period", kwargs.get("clv_period", "30D"))
            horizon = _period(period) * check_number(periods, "clv_periods", low=1, integer=True)
            warnings.warn(
                f"CustomerProfiler(clv_periods=...) is deprecated since precimark "
                f"{DEPRECATED_SINCE} and will be removed in {REMOVED_IN}; use clv_horizon=, a "
                f"length of time (here clv_horizon='{horizon.days}D').",
                FutureWarning,
                stacklevel=2,
            )
            kwargs["clv_horizon"] = horizon
        init(self, *args, **kwargs)

    return wrapper


class _Read(NamedTuple):
    """One transaction log read into aggregates (what fit and transform share)."""

    aggregates: pd.DataFrame
    end: int
    roster: pd.DataFrame | None
    excluded: pd.Index
    threshold: float


# No set_output wrapping: the archive is a DataFrame already, and transform's log is optional.
class CustomerProfiler(
    JSONStateMixin,
    TransformerMixin,  # type: ignore[misc]
    BaseEstimator,  # type: ignore[misc]
    auto_wrap_output_keys=None,  # type: ignore[call-arg]
):
    """Build and keep up to date the consumer archive: one documented row per customer.

    Parameters
    ----------
    columns : Columns, optional
        Names of the customer id, date and amount columns of the transaction log.
    list_price_column, category_column, channel_column : str or None
        Optional transaction columns: the list (undiscounted) price of each order, its product
        category (or brand) and its payment channel. Each is used when present in the log at
        ``fit`` and its features are omitted otherwise; ``None`` never uses it.
    consent : str, ConsentPolicy or False, optional
        Consent for the purpose ``"profiling"``, read from the customer roster (``customers``)
        with :func:`precimark.privacy.require_consent`. Customers without consent (or without
        a consent record) are not profiled: their transactions are not read. Default ``None``:
        the default :class:`~precimark.privacy.ConsentPolicy`, column ``consent_profiling``;
        a roster without that column is an error. A column name or a policy reads that
        instead. ``False`` profiles everyone without a consent check (the caller vouches for
        a lawful basis); the opt-out is recorded in ``data_usage_``. Without a roster there is
        nothing to check, and ``data_usage_`` says so.
    attribute_columns : sequence of str, optional
        Customer columns carried into the archive unchanged (their names must differ from the
        archive's own columns). Default: none (data minimisation: name what you need).
    as_of_column : str, optional
        A date column of ``customers`` from which each row is valid. ``customers`` may then
        hold several rows per customer (a history) and the profiler uses, per customer, the
        latest row valid on the profile date; rows valid only later are ignored. Without it
        ``customers`` must hold one row per customer, taken to be as of the profile date.
    rfm_edges : RFMEdges, optional
        Fixed score edges. Default: 5-level edges learned at ``fit``
        (:func:`~precimark.profiling.fit_rfm_edges`).
    top_band_quantile : float, default 0.8
        The shop's top price band is the orders whose price (list price when present, else
        amount) is at or above this quantile of the order prices profiled at ``fit``.
    top_band_threshold : float, optional
        The top price band's lower price, fixed (overrides ``top_band_quantile``).
    sensitivity_prior : float, default 2.0
        Strength, in orders, of the prior of the price-sensitivity score (see Notes).
    purchase_model, spend_model : estimators, optional
        A precimark purchase model (:class:`~precimark.clv.BetaGeoModel`,
        :class:`~precimark.clv.ModifiedBetaGeoModel` or :class:`~precimark.clv.ParetoNBDModel`)
        and spend model (:class:`~precimark.clv.GammaGammaModel`). ``fit`` fits copies of
        them (:func:`sklearn.base.clone`) on the RFM summary of the customers it profiles, in
        days; the models passed in are not changed. With them the archive has their
        predictions and, with both, the CLV of :func:`precimark.clv.customer_lifetime_value`.
    clv_horizon : float or duration, default "360D"
        Length of time of the CLV and of ``expected_purchases`` (a number is days): a whole
        number of ``clv_discount_period``.
    clv_discount_period : float or duration, default "30D"
        The period of ``discount_rate`` (a number is days).
    discount_rate : float, default 0.01
        Discount rate per ``clv_discount_period``.
    margin : float, default 1.0
        Profit margin on spend of the CLV (1.0: the CLV is discounted spend).

    Other Parameters
    ----------------
    clv_period : str or Timedelta
        Deprecated since 0.2.0 (removed in 0.3.0); use ``clv_discount_period``.
    clv_periods : int
        Deprecated since 0.2.0 (removed in 0.3.0): a count of ``clv_discount_period``; use
        ``clv_horizon``, a length of time (``clv_periods=12`` is ``clv_horizon="360D"`` with
        the default period). Unpickling and :meth:`from_dict` convert 0.1 estimators.
    attributes, attributes_as_of : str or sequence of str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``attribute_columns`` and
        ``as_of_column``. The attributes of the same names read the new ones (with a
        ``FutureWarning``), and :meth:`from_dict` and unpickling still read 0.1 estimators
        saved with the old names, without a warning.

    Attributes
    ----------
    aggregates_ : DataFrame
        Mergeable per-customer state, indexed by customer id: ``first_day``, ``last_day``
        (days since 1970-01-01), ``first_day_spend``, ``purchase_days``, ``orders``,
        ``total_spend``, ``top_band_orders``; with a list price ``discounted_orders``,
        ``discounted_spend``, ``discount_rate_sum``; spend per category (``category:<name>``)
        and orders per channel (``channel:<name>``).
    observation_end_ : Timestamp
        The profile date: last day of the transactions read (inclusive).
    optional_columns_ : tuple of str
        The optional transaction columns used.
    top_band_threshold_ : float
        Lower price of the top price band.
    rfm_edges_ : RFMEdges
        The edges of the RFM scores.
    aov_reference_, spend_reference_ : ndarray
        The average order values and total spends (rounded to 6 decimals, sorted) of the
        customers profiled at ``fit``: the reference of the purchasing-power percentiles.
    base_discount_share_ : float or None
        Share of the orders profiled at ``fit`` bought below list price (``p0`` in Notes);
        None without a list price.
    purchase_model_, spend_model_ : estimator or None
        The fitted copies of ``purchase_model`` and ``spend_model``.
    customers_ : DataFrame or None
        The customer attributes as of the profile date (one row per customer).
    excluded_ : Index
        Ids of customers seen in the transactions but not profiled for lack of consent.
    data_usage_ : tuple of DataUse
        Which input columns are read, and for what. When no consent column is read, one
        record with column ``"(none)"`` says why: no roster, or ``consent=False``.

    Notes
    -----
    The archive (:meth:`transform`, :meth:`archive`) has, indexed by customer id, in this
    order:

    - **RFM**: ``frequency``, ``recency``, ``T``, ``monetary_value`` (exactly
      :func:`precimark.rfm_summary` in days), ``r_score``, ``f_score``, ``m_score``,
      ``rfm_score``, ``segment`` (:func:`precimark.profiling.rfm_segments` with
      ``rfm_edges_``);
    - **activity**: ``first_purchase``, ``last_purchase`` (dates), ``tenure_days`` (profile
      date minus first purchase, = ``T``), ``days_since_last_purchase`` (``T - recency``),
      ``orders`` (transactions), ``total_spend``, ``average_order_value``
      (``total_spend / orders``);
    - **purchasing power**: ``aov_percentile`` and ``spend_percentile`` (percentage of the
      customers profiled at ``fit`` whose value, to 6 decimals, is at most the customer's:
      [0, 100], and (0, 100] for the customers of ``fit``), ``top_band_share`` (share of
      orders in the top price band);
    - **price sensitivity** (needs a list price): ``discount_order_share`` and
      ``discount_spend_share`` (share of orders and of spend paid below list price),
      ``average_discount`` (mean ``1 - paid / list`` over discounted orders, 0 when none) and
      ``price_sensitivity`` = ``(discounted orders + m * p0) / (orders + m)``, the share of
      orders bought at a discount shrunk towards the base's share ``p0`` (learned at ``fit``)
      with a prior worth ``m = sensitivity_prior`` orders, in [0, 1] (a customer with one
      discounted order is not scored 1);
    - **category affinity** (needs a category): ``spend_share_<category>`` for every
      category, ``top_category`` (largest spend share, ties to the first name in sorted
      order) and ``category_concentration``, the Herfindahl index of the spend shares
      (1/K .. 1; 1 = buys in one category only), the "adhesion" measure; shares are 0 for a
      customer whose orders were all free;
    - **channel preference** (needs a channel): ``channel_share_<channel>`` (share of orders)
      and ``preferred_channel``;
    - **CLV** (with models): ``probability_alive``, ``expected_purchases`` over
      ``clv_horizon``, ``expected_spend`` and ``customer_lifetime_value`` (spend
      model needed for the last two), the latter exactly
      :func:`precimark.clv.customer_lifetime_value` with ``margin``;
    - **attributes**: the customer attributes valid on the profile date.

    Only customers with at least one transaction up to the profile date are profiled.

    Examples
    --------
    >>> from precimark.datasets import make_transactions
    >>> from precimark.profiling import CustomerProfiler
    >>> sim = make_transactions(300, random_state=1)
    >>> profiler = CustomerProfiler(attribute_columns=["signup_date"])  # consent_profiling
    >>> archive = profiler.fit_transform(sim.transactions, sim.customers)
    >>> archive.shape, profiler.excluded_.size
    ((266, 39), 34)
    >>> archive[["orders", "top_category", "preferred_channel"]].head(2)
                 orders top_category preferred_channel
    customer_id
    1                 1       sports              card
    2                 4         toys              card

    A log of later transactions is profiled against what ``fit`` learned:

    >>> later = sim.transactions[sim.transactions["date"] >= "2024-07-01"]
    >>> recent = profiler.transform(later)
    >>> bool(recent.index.isin(profiler.excluded_).any())  # consent is checked as at fit
    False
    """

    _RENAMED: ClassVar[dict[str, str]] = {
        "attributes": "attribute_columns",
        "attributes_as_of": "as_of_column",
        "clv_period": "clv_discount_period",
    }

    @_legacy_clv_periods
    @deprecated_alias(**_RENAMED)
    def __init__(
        self,
        *,
        columns: Columns | None = None,
        list_price_column: str | None = "list_price",
        category_column: str | None = "category",
        channel_column: str | None = "channel",
        consent: ConsentLike | Literal[False] | None = None,
        attribute_columns: Sequence[str] | None = None,
        as_of_column: str | None = None,
        rfm_edges: RFMEdges | None = None,
        top_band_quantile: float = 0.8,
        top_band_threshold: float | None = None,
        sensitivity_prior: float = 2.0,
        purchase_model: Any = None,
        spend_model: Any = None,
        clv_horizon: HorizonLike = "360D",
        clv_discount_period: HorizonLike = "30D",
        discount_rate: float = 0.01,
        margin: float = 1.0,
    ) -> None:
        self.columns = columns
        self.list_price_column = list_price_column
        self.category_column = category_column
        self.channel_column = channel_column
        self.consent = consent
        self.attribute_columns = attribute_columns
        self.as_of_column = as_of_column
        self.rfm_edges = rfm_edges
        self.top_band_quantile = top_band_quantile
        self.top_band_threshold = top_band_threshold
        self.sensitivity_prior = sensitivity_prior
        self.purchase_model = purchase_model
        self.spend_model = spend_model
        self.clv_horizon = clv_horizon
        self.clv_discount_period = clv_discount_period
        self.discount_rate = discount_rate
        self.margin = margin

    @property
    def attributes(self) -> Sequence[str] | None:
        """Deprecated since 0.2.0 (removed in 0.3.0): read :attr:`attribute_columns`."""
        _renamed_attribute("attributes", "attribute_columns")
        return self.attribute_columns

    @property
    def attributes_as_of(self) -> str | None:
        """Deprecated since 0.2.0 (removed in 0.3.0): read :attr:`as_of_column`."""
        _renamed_attribute("attributes_as_of", "as_of_column")
        return self.as_of_column

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        """Rename the hyper-parameters of a profiler saved by precimark 0.1."""
        upgraded = dict(state)
        for old, new in cls._RENAMED.items():
            if old in upgraded:
                upgraded.setdefault(new, upgraded.pop(old))
        if "clv_periods" in upgraded:  # 0.1: a count of periods, now a length of time
            upgraded.setdefault(
                "clv_horizon",
                upgraded.pop("clv_periods") * _period(upgraded.get("clv_discount_period", "30D")),
            )
        return upgraded

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(self._upgrade_state(state))

    # ----------------------------------------------------------------------------- fitting

    def fit(
        self,
        transactions: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        observation_end: DateLike | None = None,
        verbose: bool = False,
    ) -> Self:
        """Learn the archive's references from a transaction log (and customer roster).

        Learns the top price band, the RFM score edges, the purchasing-power percentiles, the
        base's share of discounted orders and fits copies of the CLV models, all on the
        customers profiled (those with consent). Keeps their per-customer aggregates for
        :meth:`update` and :meth:`archive`.

        Parameters
        ----------
        transactions : DataFrame
            The transaction log (not modified). Rows after ``observation_end`` are ignored.
        customers : DataFrame, optional
            The customer roster: attributes and consent, indexed by customer id. Required with
            a consent column or policy; with ``consent=None`` it must hold
            ``consent_profiling``.
        observation_end : date-like, optional
            The profile date (inclusive). Default: the date of the last transaction.
        verbose : bool, default False
            Show progress on stderr (reading the log, references, CLV models); the duration
            is logged to the ``precimark`` logger in any case.

        Returns
        -------
        CustomerProfiler
            self, fitted.

        Raises
        ------
        DataValidationError
            For an invalid log or roster, invalid hyper-parameters, a roster without the
            consent column, ``consent`` without ``customers``, an ``observation_end`` before
            the first purchase, or no customer to profile.
        """
        with Progress("CustomerProfiler.fit", 3, verbose=verbose, logger=_logger) as progress:
            return self._fit(transactions, customers, observation_end, progress)

    def _fit(
        self,
        transactions: pd.DataFrame,
        customers: pd.DataFrame | None,
        observation_end: DateLike | None,
        progress: Progress,
    ) -> Self:
        self._check_hyper_parameters()
        cols = self._columns()
        frame = check_frame(transactions, "transactions")
        self.optional_columns_ = tuple(
            c
            for c in (self.list_price_column, self.category_column, self.channel_column)
            if c is not None and c in frame.columns
        )
        read = self._read(frame, customers, observation_end, "transactions", None, None)
        self.top_band_threshold_ = read.threshold
        self.aggregates_ = read.aggregates
        self.customers_ = read.roster
        self.excluded_ = read.excluded
        self.observation_end_ = _timestamp(read.end)
        self.data_usage_ = self._data_usage(cols, read.roster)
        progress.advance(detail=f"read {len(read.aggregates):,} customers' transactions")
        self._learn_references(read.aggregates, read.end, progress)
        return self

    def _learn_references(self, aggregates: pd.DataFrame, end: int, progress: Progress) -> None:
        rfm = _rfm(aggregates, end, self._columns())
        self.rfm_edges_ = self.rfm_edges if self.rfm_edges is not None else fit_rfm_edges(rfm)
        total = aggregates["total_spend"].to_numpy(np.float64)
        orders = aggregates["orders"].to_numpy(np.int64)
        self.aov_reference_ = np.sort(np.round(total / orders, 6))
        self.spend_reference_ = np.sort(np.round(total, 6))
        self.base_discount_share_ = (
            float(aggregates["discounted_orders"].sum() / orders.sum())
            if self.list_price_column in self.optional_columns_
            else None
        )
        # Fitted copies: the models passed in stay as they were.
        self.purchase_model_ = None if self.purchase_model is None else clone(self.purchase_model)
        self.spend_model_ = None if self.spend_model is None else clone(self.spend_model)
        progress.advance(detail="learned the score edges and references")
        for model in (self.purchase_model_, self.spend_model_):
            if model is not None:
                model.fit(rfm)
        progress.advance(detail="fitted the CLV models" if self.purchase_model_ else "no CLV model")

    def update(
        self,
        new_transactions: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        observation_end: DateLike | None = None,
    ) -> Self:
        """Fold transactions made after the profile date into the kept aggregates.

        Everything learned at ``fit`` (price band, score edges, percentiles, CLV models) is
        kept, so :meth:`archive` then equals :meth:`transform` of the whole log, up to
        floating-point rounding of sums. Only the new rows are read.

        Parameters
        ----------
        new_transactions : DataFrame
            Transactions dated after the current profile date (``observation_end_``), with the
            same optional columns as at ``fit``. Rows after ``observation_end`` are ignored.
        customers : DataFrame, optional
            Current customer roster. When given, it replaces the stored one: customers who
            withdrew consent are dropped from the archive. Customers who consented only now
            stay excluded (their earlier transactions were never read; refit to profile them)
            and a :class:`~precimark.DataQualityWarning` says so.
        observation_end : date-like, optional
            The new profile date. Default: the date of the last new transaction (or the
            current profile date if that is later).

        Returns
        -------
        CustomerProfiler
            self, updated.

        Raises
        ------
        DataValidationError
            For invalid input, a transaction on or before the current profile date, or an
            ``observation_end`` before it.
        """
        check_is_fitted(self, "aggregates_")
        cols = self._columns()
        frame = check_frame(new_transactions, "new_transactions")
        check_columns(frame, self.optional_columns_, "new_transactions")
        tx = validate_transactions(frame, cols, name="new_transactions")
        old_end = _day_number(self.observation_end_)
        early = tx.days <= old_end
        if early.any():
            raise fail_rows(
                f"column '{cols.date}'",
                early,
                tx.ids,
                f"transaction on or before the profile date {self.observation_end_.date()}",
                "only transactions after it",
                "Refit on the whole log to include late-arriving transactions.",
            )
        end = (
            max(int(tx.days.max()), old_end)
            if observation_end is None
            else int(to_day(observation_end, "observation_end").astype(np.int64))
        )
        if end < old_end:
            raise fail(
                "argument 'observation_end'",
                f"{np.datetime64(end, 'D')}",
                f"a date on or after the profile date {self.observation_end_.date()}",
            )
        aggregates = self.aggregates_
        snapshot = self.customers_ if customers is None else self._customers_as_of(customers, end)
        allowed = self._consented(snapshot)
        keep = tx.days <= end
        excluded = self.excluded_
        if allowed is not None:
            late = excluded.intersection(allowed)
            if len(late):
                warnings.warn(
                    f"{len(late)} customers (first: {late[0]}) consented to profiling after "
                    "the archive was built; their earlier transactions were never read, so "
                    "they stay out of the archive. Refit on the whole log to profile them.",
                    DataQualityWarning,
                    stacklevel=2,
                )
            consented = np.isin(tx.ids, allowed.to_numpy()) & ~np.isin(tx.ids, excluded)
            new_excluded = pd.Index(pd.unique(tx.ids[keep & ~consented]))
            withdrawn = aggregates.index.difference(allowed)
            excluded = excluded.union(new_excluded).union(withdrawn)
            aggregates = aggregates.drop(index=withdrawn)
            keep &= consented
        prices = self._prices(frame, tx.amounts)
        batch = self._aggregate(frame, tx, prices, keep, end, self.top_band_threshold_)
        self.aggregates_ = _merge(aggregates, batch)
        self.excluded_ = excluded.rename(cols.customer_id)
        self.customers_ = snapshot
        self.observation_end_ = _timestamp(end)
        self.data_usage_ = self._data_usage(cols, snapshot)
        return self

    def fit_transform(
        self,
        transactions: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        observation_end: DateLike | None = None,
        touchpoints: pd.DataFrame | None = None,
        touchpoint_columns: TouchpointColumns | None = None,
        verbose: bool = False,
    ) -> pd.DataFrame:
        """Fit, then return the archive of the same log: ``fit(...).transform(...)``.

        Parameters
        ----------
        transactions : DataFrame
            The transaction log.
        customers : DataFrame, optional
            The customer roster.
        observation_end : date-like, optional
            The profile date.
        touchpoints : DataFrame, optional
            A touchpoint log: adds the marketing-channel preference (see :meth:`transform`).
        touchpoint_columns : TouchpointColumns, optional
            Column names of ``touchpoints``.
        verbose : bool, default False
            Show progress on stderr (as :meth:`fit`, then the archive).

        Returns
        -------
        DataFrame
            The consumer archive.
        """
        label = "CustomerProfiler.fit_transform"
        with Progress(label, 4, verbose=verbose, logger=_logger) as progress:
            # The log just read is what fit keeps: its archive needs no second pass.
            archive = self._fit(transactions, customers, observation_end, progress).archive()
            archive = _with_touchpoints(
                archive, touchpoints, touchpoint_columns, self.observation_end_
            )
            progress.advance(detail=f"archive of {len(archive):,} customers")
        return archive

    # ----------------------------------------------------------------------------- archive

    def transform(
        self,
        transactions: pd.DataFrame | None = None,
        customers: pd.DataFrame | None = None,
        *,
        observation_end: DateLike | None = None,
        touchpoints: pd.DataFrame | None = None,
        touchpoint_columns: TouchpointColumns | None = None,
    ) -> pd.DataFrame:
        """Profile a transaction log against what :meth:`fit` learned.

        The price band, score edges, percentiles, base discount share and CLV models are the
        fitted ones, never re-learned; consent is checked as at ``fit``. The profiler is not
        changed.

        Parameters
        ----------
        transactions : DataFrame
            The transaction log to profile (not modified), with the optional columns used at
            ``fit``. Rows after ``observation_end`` are ignored. Calling ``transform()``
            without it is deprecated: it returns :meth:`archive` with a ``FutureWarning``.
        customers : DataFrame, optional
            The customer roster as of the profile date. Default: the roster read at ``fit``
            (``customers_``).
        observation_end : date-like, optional
            The profile date (inclusive). Default: the date of the last transaction.
        touchpoints : DataFrame, optional
            A touchpoint log (:class:`~precimark.schema.TouchpointColumns`). With it the
            archive adds the marketing-channel preference of
            :func:`precimark.channels.channel_preference` from the touches up to the profile
            date: ``touches``, ``touch_share_<channel>`` and ``preferred_touch_channel`` (0,
            0.0 and None for a profiled customer never touched). The touches of the profiled
            customers only are read, so the profiling consent applies; nothing is kept.
        touchpoint_columns : TouchpointColumns, optional
            Column names of ``touchpoints``.

        Returns
        -------
        DataFrame
            One row per profiled customer, indexed by customer id (sorted), with the columns
            listed in the class Notes.

        Raises
        ------
        DataValidationError
            For an invalid log or roster, a log without the optional columns used at ``fit``,
            an ``observation_end`` before the first purchase, or no customer to profile.
        """
        check_is_fitted(self, "aggregates_")
        if transactions is None:
            if customers is not None or observation_end is not None:
                raise fail(
                    "argument 'transactions'",
                    "None with customers or observation_end",
                    "the transaction log to profile",
                )
            warnings.warn(
                "CustomerProfiler.transform() without transactions is deprecated since "
                "precimark 0.2 and will fail in 0.3: pass the transactions, "
                "transform(transactions), or call archive() for the archive of the "
                "transactions read by fit and update.",
                FutureWarning,
                stacklevel=2,
            )
            return self.archive()
        frame = check_frame(transactions, "transactions")
        read = self._read(
            frame,
            customers,
            observation_end,
            "transactions",
            self.top_band_threshold_,
            self.customers_,
        )
        archive = self._archive(read.aggregates, read.end, read.roster)
        return _with_touchpoints(archive, touchpoints, touchpoint_columns, _timestamp(read.end))

    def archive(self) -> pd.DataFrame:
        """Return the archive of the transactions read by :meth:`fit` and :meth:`update`.

        Returns
        -------
        DataFrame
            One row per profiled customer, as of ``observation_end_``, indexed by customer id
            (sorted), with the columns listed in the class Notes.

        Examples
        --------
        >>> from precimark.datasets import make_transactions
        >>> from precimark.profiling import CustomerProfiler
        >>> sim = make_transactions(200, random_state=2)
        >>> profiler = CustomerProfiler(consent=False).fit(sim.transactions, sim.customers)
        >>> profiler.archive().equals(profiler.transform(sim.transactions))
        True
        """
        check_is_fitted(self, "aggregates_")
        return self._archive(self.aggregates_, _day_number(self.observation_end_), self.customers_)

    def _archive(self, agg: pd.DataFrame, end: int, roster: pd.DataFrame | None) -> pd.DataFrame:
        rfm = _rfm(agg, end, self._columns())
        index = rfm.index
        first = agg["first_day"].to_numpy(np.int64)
        last = agg["last_day"].to_numpy(np.int64)
        total = agg["total_spend"].to_numpy(np.float64)
        orders = agg["orders"].to_numpy(np.int64)
        parts = [rfm, rfm_segments(rfm, edges=self.rfm_edges_)]
        aov = total / orders
        activity = pd.DataFrame(
            {
                "first_purchase": first.astype("datetime64[D]").astype("datetime64[s]"),
                "last_purchase": last.astype("datetime64[D]").astype("datetime64[s]"),
                "tenure_days": end - first,
                "days_since_last_purchase": end - last,
                "orders": orders,
                "total_spend": total,
                "average_order_value": aov,
                "aov_percentile": _percentile(aov, self.aov_reference_),
                "spend_percentile": _percentile(total, self.spend_reference_),
                "top_band_share": agg["top_band_orders"].to_numpy() / orders,
            },
            index=index,
        )
        parts.append(activity)
        if self.list_price_column in self.optional_columns_:
            parts.append(self._price_sensitivity(agg, orders, total, index))
        if self.category_column in self.optional_columns_:
            parts.append(_shares(agg, _CATEGORY, "spend_share_", "top_category", total, index))
            shares = parts[-1].filter(like="spend_share_").to_numpy()
            parts.append(
                pd.DataFrame({"category_concentration": (shares**2).sum(axis=1)}, index=index)
            )
        if self.channel_column in self.optional_columns_:
            parts.append(
                _shares(agg, _CHANNEL, "channel_share_", "preferred_channel", orders, index)
            )
        if self.purchase_model_ is not None:
            parts.append(self._clv(rfm))
        archive = pd.concat(parts, axis=1)
        return self._with_attributes(archive, roster)

    # ----------------------------------------------------------------------------- helpers

    def _columns(self) -> Columns:
        return self.columns if self.columns is not None else Columns()

    def _read(
        self,
        frame: pd.DataFrame,
        customers: pd.DataFrame | None,
        observation_end: DateLike | None,
        name: str,
        threshold: float | None,
        default_roster: pd.DataFrame | None,
    ) -> _Read:
        """Read a log into aggregates; learn the price band when ``threshold`` is None."""
        cols = self._columns()
        check_columns(frame, self.optional_columns_, name)
        tx = validate_transactions(frame, cols, name=name)
        end = _end_day(observation_end, "observation_end", tx)
        if customers is None and default_roster is not None:
            roster: pd.DataFrame | None = default_roster
        else:
            roster = self._customers_as_of(customers, end)  # refuses consent= without one
        allowed = self._consented(roster)
        keep = tx.days <= end
        excluded = pd.Index([], name=cols.customer_id)
        if allowed is not None:
            consented = np.isin(tx.ids, allowed.to_numpy())
            excluded = pd.Index(pd.unique(tx.ids[keep & ~consented]), name=cols.customer_id)
            keep &= consented
        if not keep.any():
            raise fail(
                f"argument '{name}'",
                "no customer to profile",
                "at least one customer with consent and a transaction up to the profile date",
            )
        prices = self._prices(frame, tx.amounts)
        if threshold is None:
            threshold = (
                float(self.top_band_threshold)
                if self.top_band_threshold is not None
                else float(np.quantile(prices[keep], self.top_band_quantile))
            )
        aggregates = self._aggregate(frame, tx, prices, keep, end, threshold)
        return _Read(aggregates, end, roster, excluded, threshold)

    def _check_hyper_parameters(self) -> None:
        if not (isinstance(self.top_band_quantile, float | int) and 0 < self.top_band_quantile < 1):
            raise fail("argument 'top_band_quantile'", repr(self.top_band_quantile), "0 < q < 1")
        if self.top_band_threshold is not None and not (
            isinstance(self.top_band_threshold, float | int) and self.top_band_threshold >= 0
        ):
            raise fail(
                "argument 'top_band_threshold'", repr(self.top_band_threshold), "a price >= 0"
            )
        if not (isinstance(self.sensitivity_prior, float | int) and self.sensitivity_prior >= 0):
            raise fail(
                "argument 'sensitivity_prior'", repr(self.sensitivity_prior), "a number >= 0"
            )
        if self.rfm_edges is not None and not isinstance(self.rfm_edges, RFMEdges):
            raise fail("argument 'rfm_edges'", repr(self.rfm_edges), "RFMEdges or None")
        if not (self.consent is None or self.consent is False) and not isinstance(
            self.consent, str | ConsentPolicy
        ):
            raise fail(
                "argument 'consent'",
                repr(self.consent),
                "a consent column name, a ConsentPolicy, None (the default policy) or False "
                "(no consent check)",
            )
        for name, model, kinds in (
            ("purchase_model", self.purchase_model, (BetaGeoModel, ParetoNBDModel)),
            ("spend_model", self.spend_model, (GammaGammaModel,)),
        ):
            if model is not None and not isinstance(model, kinds):
                raise fail(
                    f"argument '{name}'",
                    f"a {type(model).__name__}",
                    f"None or a precimark model: {' or '.join(k.__name__ for k in kinds)} "
                    "(or a subclass); it is cloned and fitted at fit",
                )
        if self.purchase_model is None and self.spend_model is not None:
            raise fail(
                "argument 'spend_model'",
                "a spend model without a purchase model",
                "purchase_model too (the CLV needs both)",
            )
        if self.purchase_model is not None:
            _period(self.clv_horizon, "clv_horizon")
            _period(self.clv_discount_period, "clv_discount_period")
            # The CLV's own check: the horizon is a whole number of discount periods.
            _clv_periods(self.clv_horizon, self.clv_discount_period, None, "D")
            if not (isinstance(self.discount_rate, float | int) and self.discount_rate >= 0):
                raise fail("argument 'discount_rate'", repr(self.discount_rate), "a rate >= 0")
            if isinstance(self.margin, bool) or not (
                isinstance(self.margin, float | int) and np.isfinite(self.margin)
            ):
                raise fail("argument 'margin'", repr(self.margin), "a finite number")

    def _customers_as_of(self, customers: pd.DataFrame | None, end: int) -> pd.DataFrame | None:
        if customers is None:
            if not (self.consent is None or self.consent is False):
                raise fail(
                    "argument 'customers'",
                    "None with consent= set",
                    "the customers frame holding the consent column",
                )
            return None
        frame = check_frame(customers, "customers")
        as_of = self.as_of_column
        if as_of is None:
            check_unique_index(frame, "customers")
            return frame
        check_columns(frame, [as_of], "customers")
        valid_from = pd.to_datetime(frame[as_of], errors="coerce").to_numpy("datetime64[D]")
        missing = np.isnat(valid_from)
        if missing.any():
            raise fail_rows(f"column '{as_of}'", missing, frame.index, "missing date", "dates")
        days = valid_from.astype(np.int64)
        valid = frame[days <= end]
        latest = valid.iloc[np.argsort(days[days <= end], kind="stable")]  # latest row last
        latest = latest[~latest.index.duplicated(keep="last")]
        return latest.sort_index()

    def _consented(self, roster: pd.DataFrame | None) -> pd.Index | None:
        """Return the ids the roster allows to be profiled; None when nothing is excluded.

        The profiler's one consent decision, through the shared gate
        (:func:`precimark.privacy._gate.resolve_consent`): ``consent=None``, the default
        policy for "profiling"; ``consent=False``, no check (recorded); otherwise the given
        column or policy. Without a roster (``transform`` reuses the one read at fit) there
        is nothing to check here.
        """
        if roster is None:
            return None
        return self._gate(roster).allowed

    def _gate(self, roster: pd.DataFrame | None) -> ConsentGate:
        return resolve_consent(
            roster,
            "profiling",
            None if roster is None else self.consent,
            used_by=type(self).__name__,
        )

    def _attribute_columns(self, snapshot: pd.DataFrame | None) -> list[str]:
        if snapshot is None:
            return []
        columns = list(self.attribute_columns or ())
        check_columns(snapshot, columns, "customers")
        return columns

    def _prices(self, frame: pd.DataFrame, amounts: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
        column = self.list_price_column
        if column is None or column not in self.optional_columns_:
            return amounts
        series = frame[column]
        if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(
            series.dtype
        ):
            raise fail(f"column '{column}'", f"values of dtype {series.dtype}", "numeric prices")
        prices = series.to_numpy(np.float64, na_value=np.nan)
        cols = self.columns if self.columns is not None else Columns()
        bad = ~np.isfinite(prices) | (prices < 0)
        if bad.any():
            raise fail_rows(
                f"column '{column}'",
                bad,
                frame[cols.customer_id].to_numpy(),
                "missing, infinite or negative list price",
                "finite prices >= 0",
            )
        return prices

    def _codes(
        self, frame: pd.DataFrame, column: str, keep: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.str_]]:
        """Return each kept row's label code and the label names (as str, sorted)."""
        series = frame[column][keep]
        missing = series.isna().to_numpy()
        if missing.any():
            cols = self.columns if self.columns is not None else Columns()
            raise fail_rows(
                f"column '{column}'",
                missing,
                frame[cols.customer_id].to_numpy()[keep],
                "missing value",
                "a value on every transaction",
            )
        codes, uniques = pd.factorize(series)  # no per-row str conversion: fast on categoricals
        names, inverse = np.unique(np.asarray(uniques).astype(str), return_inverse=True)
        return inverse[codes], names

    def _aggregate(
        self,
        frame: pd.DataFrame,
        tx: Transactions,
        prices: npt.NDArray[np.float64],
        keep: npt.NDArray[np.bool_],
        end: int,
        threshold: float,
    ) -> pd.DataFrame:
        rows = np.flatnonzero(keep)
        codes, uniques = pd.factorize(tx.ids[rows], sort=True)
        # A canonical row order (customer, day, amount, price): every per-customer sum below is
        # then independent of the order of the log's rows, to the last bit.
        order = np.lexsort((prices[rows], tx.amounts[rows], tx.days[rows], codes))
        rows, codes = rows[order], codes[order]
        amounts, prices = tx.amounts[rows], prices[rows]
        n = len(uniques)
        out: dict[str, Any] = {}
        if n:
            # Same-day merging is rfm_summary's: the one day-totals kernel.
            where = f"column '{self._columns().amount}'"
            totals = _day_totals(Transactions(tx.ids[rows], tx.days[rows], amounts), end, where)
            runs = _runs(totals)
            starts = np.searchsorted(totals.code, runs.code)  # each customer's first day
            out["first_day"] = runs.first_day.astype(np.int64)
            out["last_day"] = runs.last_day.astype(np.int64)
            out["first_day_spend"] = totals.total[starts]
            out["purchase_days"] = runs.frequency + 1
            out["orders"] = np.bincount(codes, minlength=n)
            with np.errstate(over="ignore"):
                out["total_spend"] = np.add.reduceat(totals.total, starts)
            refuse_overflow(out["total_spend"], where, runs.ids, "total spend")
        else:
            for name in ("first_day", "last_day", "first_day_spend", "purchase_days", "orders"):
                out[name] = np.zeros(0, dtype=np.float64 if name.endswith("spend") else np.int64)
            out["total_spend"] = np.zeros(0)
        out["top_band_orders"] = np.bincount(
            codes, weights=prices >= threshold, minlength=n
        ).astype(np.int64)
        if self.list_price_column in self.optional_columns_:
            discounted = amounts < prices
            rate = np.where(discounted, 1.0 - _ratio(amounts, prices), 0.0)
            out["discounted_orders"] = np.bincount(codes, weights=discounted, minlength=n).astype(
                np.int64
            )
            out["discounted_spend"] = np.bincount(
                codes, weights=np.where(discounted, amounts, 0.0), minlength=n
            )
            out["discount_rate_sum"] = np.bincount(codes, weights=rate, minlength=n)
        for column, prefix, weights in (
            (self.category_column, _CATEGORY, amounts),
            (self.channel_column, _CHANNEL, None),
        ):
            if column is None or column not in self.optional_columns_:
                continue
            labels, names = self._codes(frame, column, keep)
            labels = labels[order]
            k = len(names)
            table = np.bincount(codes * k + labels, weights=weights, minlength=n * k).reshape(n, k)
            for j, name in enumerate(names):
                out[prefix + str(name)] = table[:, j]
        return pd.DataFrame(out, index=pd.Index(uniques))

    def _price_sensitivity(
        self,
        agg: pd.DataFrame,
        orders: npt.NDArray[np.int64],
        total: npt.NDArray[np.float64],
        index: pd.Index,
    ) -> pd.DataFrame:
        discounted = agg["discounted_orders"].to_numpy(np.float64)
        base_share = cast(float, self.base_discount_share_)  # set at fit with a list price
        m = float(self.sensitivity_prior)
        return pd.DataFrame(
            {
                "discount_order_share": discounted / orders,
                "discount_spend_share": _ratio(agg["discounted_spend"].to_numpy(), total),
                "average_discount": _ratio(agg["discount_rate_sum"].to_numpy(), discounted),
                "price_sensitivity": (discounted + m * base_share) / (orders + m),
            },
            index=index,
        )

    def _clv(self, rfm: pd.DataFrame) -> pd.DataFrame:
        model: Any = self.purchase_model_
        horizon = _period(self.clv_horizon, "clv_horizon")
        period = _period(self.clv_discount_period, "clv_discount_period")
        out = {
            "probability_alive": model.probability_alive(rfm),
            "expected_purchases": model.expected_purchases(rfm, horizon),
        }
        if self.spend_model_ is not None:
            out["expected_spend"] = self.spend_model_.expected_spend(rfm)
            out["customer_lifetime_value"] = _lifetime_value(
                model,
                self.spend_model_,
                rfm,
                horizon=horizon,
                period=period,
                discount_rate=float(self.discount_rate),
                margin=float(self.margin),
            )
        return pd.DataFrame(
            {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}, index=rfm.index
        )

    def _with_attributes(self, archive: pd.DataFrame, roster: pd.DataFrame | None) -> pd.DataFrame:
        columns = self._attribute_columns(roster)
        if not columns or roster is None:
            return archive
        clash = [c for c in columns if c in archive.columns]
        if clash:
            raise fail(
                "argument 'attribute_columns'",
                f"columns {clash} that the archive computes",
                "attribute names distinct from the archive's columns",
            )
        return archive.join(roster[columns], how="left")

    def _data_usage(self, cols: Columns, snapshot: pd.DataFrame | None) -> tuple[DataUse, ...]:
        by = type(self).__name__
        uses = [
            DataUse(cols.customer_id, "profiling", by),
            DataUse(cols.date, "profiling", by),
            DataUse(cols.amount, "profiling", by),
        ]
        uses += [DataUse(c, "profiling", by) for c in self.optional_columns_]
        uses += self._gate(snapshot).data_usage
        if snapshot is not None:
            if self.as_of_column is not None:
                uses.append(DataUse(self.as_of_column, "profiling", by))
            uses += [DataUse(c, "profiling", by) for c in self._attribute_columns(snapshot)]
        return tuple(uses)


def _renamed_attribute(old: str, new: str) -> None:
    warnings.warn(
        f"CustomerProfiler.{old} is deprecated since precimark {DEPRECATED_SINCE} and will be "
        f"removed in {REMOVED_IN}; use CustomerProfiler.{new} instead.",
        FutureWarning,
        stacklevel=3,
    )


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return ``num / den``, 0 where ``den`` is 0."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    return np.divide(n, d, out=np.zeros(np.broadcast(n, d).shape), where=d != 0)


def _percentile(
    values: npt.NDArray[np.float64], reference: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Return the percentage of ``reference`` (sorted, rounded) at most each value [0, 100].

    Values are compared to 6 decimals, so sums that differ only by rounding count as ties.
    """
    found = np.searchsorted(reference, np.round(values, 6), side="right")
    return 100.0 * found / len(reference)


def _rfm(agg: pd.DataFrame, end: int, cols: Columns) -> pd.DataFrame:
    """Return the RFM summary (in days) of the aggregates, as rfm_summary defines it."""
    if len(agg) == 0:
        raise fail(
            "the archive",
            "no profiled customer",
            "at least one customer with consent and a transaction up to the profile date",
        )
    first = agg["first_day"].to_numpy(np.int64)
    frequency = agg["purchase_days"].to_numpy(np.int64) - 1
    repeat_spend = agg["total_spend"].to_numpy() - agg["first_day_spend"].to_numpy()
    rfm = pd.DataFrame(
        {
            FREQUENCY: frequency,
            RECENCY: (agg["last_day"].to_numpy(np.int64) - first).astype(np.float64),
            T: (end - first).astype(np.float64),
            MONETARY_VALUE: _ratio(repeat_spend, frequency),
        },
        index=agg.index.rename(cols.customer_id),
    )
    rfm.attrs["time_unit"] = "D"
    return rfm


def _lifetime_value(
    purchase_model: Any,
    spend_model: Any,
    rfm: pd.DataFrame,
    *,
    horizon: pd.Timedelta,
    period: pd.Timedelta,
    discount_rate: float,
    margin: float,
) -> pd.Series:
    """Return the CLV: the profiler's one call of :func:`precimark.clv.customer_lifetime_value`."""
    return customer_lifetime_value(
        purchase_model,
        spend_model,
        rfm,
        horizon=horizon,
        discount_period=period,
        discount_rate=discount_rate,
        margin=margin,
    )


def _timestamp(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(day, "D"))


def _day_number(timestamp: pd.Timestamp) -> int:
    return int(timestamp.to_datetime64().astype("datetime64[D]").astype(np.int64))


def _period(period: object, name: str = "clv_discount_period") -> pd.Timedelta:
    """Return a CLV length of time as a positive fixed duration (a number is days)."""
    return pd.Timedelta(days=to_duration_units(period, "D", name))


def _shares(
    agg: pd.DataFrame,
    prefix: str,
    out_prefix: str,
    top_name: str,
    denominator: npt.NDArray[Any],
    index: pd.Index,
) -> pd.DataFrame:
    names = [c[len(prefix) :] for c in agg.columns if c.startswith(prefix)]
    table = agg[[prefix + name for name in names]].to_numpy(np.float64)
    shares = _ratio(table, np.asarray(denominator, dtype=np.float64)[:, None])
    frame = pd.DataFrame(shares, columns=[out_prefix + name for name in names], index=index)
    frame[top_name] = pd.Categorical.from_codes(
        np.argmax(shares, axis=1), categories=pd.Index(names)
    )
    return frame


def _merge(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Merge the aggregates of two periods (``new`` strictly after ``old``)."""
    if len(new) == 0:
        return old
    if len(old) == 0:
        return new
    both = pd.concat([old, new])
    grouped = both.groupby(level=0, sort=True)
    summed = [c for c in both.columns if c in _SUMMED or c.startswith((_CATEGORY, _CHANNEL))]
    merged = grouped[summed].sum()
    for column in ("first_day", "first_day_spend"):
        merged[column] = grouped[column].first()
    merged["last_day"] = grouped["last_day"].last()
    counts = [
        c for c in summed if c.endswith("orders") or c.startswith(_CHANNEL) or c == "purchase_days"
    ]
    merged[counts] = merged[counts].astype(np.int64)
    merged["first_day"] = merged["first_day"].astype(np.int64)
    merged["last_day"] = merged["last_day"].astype(np.int64)
    fixed = [c for c in old.columns if not c.startswith((_CATEGORY, _CHANNEL))]
    optional = sorted(c for c in merged.columns if c.startswith(_CATEGORY))
    optional += sorted(c for c in merged.columns if c.startswith(_CHANNEL))
    return merged[fixed + optional]


def _with_touchpoints(
    archive: pd.DataFrame,
    touchpoints: pd.DataFrame | None,
    columns: TouchpointColumns | None,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Join the marketing-channel preference of the archived customers (touches up to end)."""
    if touchpoints is None:
        return archive
    from precimark.channels._touchpoints import check_columns_argument, validate_touchpoints
    from precimark.channels.preference import (
        PREFERRED_TOUCH_CHANNEL,
        TOUCHES,
        channel_preference,
    )

    cols = check_columns_argument(columns)
    tp = validate_touchpoints(touchpoints, cols)
    last = (end + pd.Timedelta(days=1)).value  # touches on the profile day count
    rows = pd.Index(tp.ids).isin(archive.index) & (tp.times < last)
    if not rows.any():
        preference = pd.DataFrame({TOUCHES: np.zeros(len(archive), dtype=np.int64)})
        preference.index = archive.index
        preference[PREFERRED_TOUCH_CHANNEL] = None
        return pd.concat([archive, preference], axis=1)
    preference = channel_preference(touchpoints[rows], consent=False, columns=cols)
    preference.attrs.clear()
    joined = preference.reindex(archive.index)
    joined[TOUCHES] = joined[TOUCHES].fillna(0).astype(np.int64)
    shares = [c for c in joined.columns if c.startswith("touch_share_")]
    joined[shares] = joined[shares].fillna(0.0)
    joined[PREFERRED_TOUCH_CHANNEL] = joined[PREFERRED_TOUCH_CHANNEL].astype(object)
    joined.loc[joined[TOUCHES] == 0, PREFERRED_TOUCH_CHANNEL] = None
    result = pd.concat([archive, joined], axis=1)
    result.attrs = archive.attrs
    return result
