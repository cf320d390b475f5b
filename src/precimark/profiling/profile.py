"""The consumer archive: one row per customer, built from mergeable per-customer aggregates.

:class:`CustomerProfiler` reduces a transaction log to a small table of per-customer sums,
counts, minima and maxima (``aggregates_``). Those merge exactly, so :meth:`update` folds new
transactions in without re-reading the old ones, and every archive column (RFM, scores and
segments, purchasing power, price sensitivity, category and channel shares, CLV) is derived
from the aggregates when :meth:`~CustomerProfiler.transform` is called.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from precimark._typing import DateLike
from precimark._validation import (
    check_columns,
    check_frame,
    check_unique_index,
    fail,
    fail_rows,
    to_day,
    validate_transactions,
)
from precimark.exceptions import DataQualityWarning
from precimark.persistence._state import JSONStateMixin
from precimark.privacy import ConsentLike, DataUse, require_consent
from precimark.profiling.scores import RFMEdges
from precimark.profiling.segments import rfm_segments
from precimark.schema import FREQUENCY, MONETARY_VALUE, RECENCY, Columns, T

__all__ = ["CustomerProfiler"]

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


class CustomerProfiler(JSONStateMixin, BaseEstimator):  # type: ignore[misc]
    """Build and keep up to date the consumer archive: one documented row per customer.

    Parameters
    ----------
    columns : Columns, optional
        Names of the customer id, date and amount columns of the transaction log.
    list_price_column, category_column, channel_column : str or None
        Optional transaction columns: the list (undiscounted) price of each order, its product
        category (or brand) and its payment channel. Each is used when present in the log at
        ``fit`` and its features are omitted otherwise; ``None`` never uses it.
    consent : str or ConsentPolicy, optional
        Consent column (or policy) for the purpose ``"profiling"``, read from ``customers``
        with :func:`precimark.privacy.require_consent`. Customers without consent (or without
        a consent record) are not profiled: their transactions are not read. Default ``None``:
        no consent check (the caller vouches for a lawful basis).
    attributes : sequence of str, optional
        Customer columns carried into the archive unchanged (their names must differ from the
        archive's own columns). Default: none (data minimisation: name what you need).
    attributes_as_of : str, optional
        A date column of ``customers`` from which each row is valid. ``customers`` may then
        hold several rows per customer (a history) and the profiler uses, per customer, the
        latest row valid on the profile date; rows valid only later are ignored. Without it
        ``customers`` must hold one row per customer, taken to be as of the profile date.
    rfm_edges : RFMEdges, optional
        Fixed score edges. Default: 5-level edges learned from the archive at each transform.
    top_band_quantile : float, default 0.8
        The shop's top price band is the orders whose price (list price when present, else
        amount) is at or above this quantile of the order prices seen at ``fit``.
    top_band_threshold : float, optional
        The top price band's lower price, fixed (overrides ``top_band_quantile``).
    sensitivity_prior : float, default 2.0
        Strength, in orders, of the prior of the price-sensitivity score (see Notes).
    purchase_model, spend_model : fitted models, optional
        A fitted purchase model (``probability_alive(rfm)``, ``expected_purchases(rfm,
        horizon)``) and spend model (``expected_spend(rfm)``), e.g.
        :class:`precimark.clv.BetaGeoModel` and :class:`precimark.clv.GammaGammaModel`.
        When given, the archive has their predictions and the CLV.
    clv_periods : int, default 12
        Number of periods of the CLV and of ``expected_purchases``.
    clv_period : str or Timedelta, default "30D"
        Length of one period (also the period of ``discount_rate``).
    discount_rate : float, default 0.01
        Discount rate per period.

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
    customers_ : DataFrame or None
        The customer attributes as of the profile date (one row per customer).
    excluded_ : Index
        Ids of customers seen in the transactions but not profiled for lack of consent.
    data_usage_ : tuple of DataUse
        Which input columns are read, and for what.

    Notes
    -----
    The archive (:meth:`transform`) has, indexed by customer id, in this order:

    - **RFM**: ``frequency``, ``recency``, ``T``, ``monetary_value`` (exactly
      :func:`precimark.rfm_summary` in days), ``r_score``, ``f_score``, ``m_score``,
      ``rfm_score``, ``segment`` (:func:`precimark.profiling.rfm_segments`);
    - **activity**: ``first_purchase``, ``last_purchase`` (dates), ``tenure_days`` (profile
      date minus first purchase, = ``T``), ``days_since_last_purchase`` (``T - recency``),
      ``orders`` (transactions), ``total_spend``, ``average_order_value``
      (``total_spend / orders``);
    - **purchasing power**: ``aov_percentile`` and ``spend_percentile`` (percentage of
      profiled customers whose value, to 6 decimals, is at most the customer's: (0, 100]),
      ``top_band_share`` (share of orders in the top price band);
    - **price sensitivity** (needs a list price): ``discount_order_share`` and
      ``discount_spend_share`` (share of orders and of spend paid below list price),
      ``average_discount`` (mean ``1 - paid / list`` over discounted orders, 0 when none) and
      ``price_sensitivity`` = ``(discounted orders + m * p0) / (orders + m)``, the share of
      orders bought at a discount shrunk towards the base's share ``p0`` with a prior worth
      ``m = sensitivity_prior`` orders, in [0, 1] (a customer with one discounted order is not
      scored 1);
    - **category affinity** (needs a category): ``spend_share_<category>`` for every
      category, ``top_category`` (largest spend share, ties to the first name in sorted
      order) and ``category_concentration``, the Herfindahl index of the spend shares
      (1/K .. 1; 1 = buys in one category only), the "adhesion" measure; shares are 0 for a
      customer whose orders were all free;
    - **channel preference** (needs a channel): ``channel_share_<channel>`` (share of orders)
      and ``preferred_channel``;
    - **CLV** (with models): ``probability_alive``, ``expected_purchases`` over
      ``clv_periods`` periods, ``expected_spend`` and ``customer_lifetime_value`` (spend
      model needed for the last two), computed from the models' own methods as
      ``sum_k (E[X(k f)] - E[X((k-1) f)]) / (1 + d)^k * E[spend]``;
    - **attributes**: the customer attributes valid on the profile date.

    Only customers with at least one transaction up to the profile date are profiled.

    Examples
    --------
    >>> from precimark.datasets import make_transactions
    >>> from precimark.profiling import CustomerProfiler
    >>> sim = make_transactions(300, seed=1)
    >>> profiler = CustomerProfiler(consent="consent_profiling", attributes=["signup_date"])
    >>> archive = profiler.fit_transform(sim.transactions, sim.customers)
    >>> archive.shape, profiler.excluded_.size
    ((266, 39), 34)
    >>> archive[["orders", "top_category", "preferred_channel"]].head(2)
                 orders top_category preferred_channel
    customer_id
    1                 1       sports              card
    2                 4         toys              card
    """

    def __init__(
        self,
        *,
        columns: Columns | None = None,
        list_price_column: str | None = "list_price",
        category_column: str | None = "category",
        channel_column: str | None = "channel",
        consent: ConsentLike | None = None,
        attributes: Sequence[str] | None = None,
        attributes_as_of: str | None = None,
        rfm_edges: RFMEdges | None = None,
        top_band_quantile: float = 0.8,
        top_band_threshold: float | None = None,
        sensitivity_prior: float = 2.0,
        purchase_model: Any = None,
        spend_model: Any = None,
        clv_periods: int = 12,
        clv_period: str | pd.Timedelta = "30D",
        discount_rate: float = 0.01,
    ) -> None:
        self.columns = columns
        self.list_price_column = list_price_column
        self.category_column = category_column
        self.channel_column = channel_column
        self.consent = consent
        self.attributes = attributes
        self.attributes_as_of = attributes_as_of
        self.rfm_edges = rfm_edges
        self.top_band_quantile = top_band_quantile
        self.top_band_threshold = top_band_threshold
        self.sensitivity_prior = sensitivity_prior
        self.purchase_model = purchase_model
        self.spend_model = spend_model
        self.clv_periods = clv_periods
        self.clv_period = clv_period
        self.discount_rate = discount_rate

    # ----------------------------------------------------------------------------- fitting

    def fit(
        self,
        transactions: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        observation_end: DateLike | None = None,
    ) -> Self:
        """Read a transaction log (and customer attributes) into per-customer aggregates.

        Parameters
        ----------
        transactions : DataFrame
            The transaction log (not modified). Rows after ``observation_end`` are ignored.
        customers : DataFrame, optional
            Customer attributes and consent, indexed by customer id. Required with
            ``consent``.
        observation_end : date-like, optional
            The profile date (inclusive). Default: the date of the last transaction.

        Returns
        -------
        CustomerProfiler
            self, fitted.

        Raises
        ------
        DataValidationError
            For an invalid log or customers frame, invalid hyper-parameters, ``consent``
            without ``customers``, or an ``observation_end`` before the first purchase.
        """
        self._check_hyper_parameters()
        cols = self.columns if self.columns is not None else Columns()
        frame = check_frame(transactions, "transactions")
        optional = tuple(
            c
            for c in (self.list_price_column, self.category_column, self.channel_column)
            if c is not None and c in frame.columns
        )
        tx = validate_transactions(frame, cols)
        end = (
            int(tx.days.max())
            if observation_end is None
            else int(to_day(observation_end, "observation_end").astype(np.int64))
        )
        if end < int(tx.days.min()):
            raise fail(
                "argument 'observation_end'",
                f"{np.datetime64(end, 'D')}, before the first purchase",
                "an end on or after the first purchase",
            )
        self.optional_columns_ = optional
        snapshot = self._customers_as_of(customers, end)
        allowed = self._allowed(snapshot)
        keep = tx.days <= end
        if allowed is not None:
            consented = np.isin(tx.ids, allowed)
            self.excluded_ = pd.Index(pd.unique(tx.ids[keep & ~consented]), name=cols.customer_id)
            keep &= consented
        else:
            self.excluded_ = pd.Index([], name=cols.customer_id)
        prices = self._prices(frame, tx.amounts)
        if self.top_band_threshold is not None:
            self.top_band_threshold_ = float(self.top_band_threshold)
        else:
            in_range = prices[tx.days <= end]
            self.top_band_threshold_ = float(np.quantile(in_range, self.top_band_quantile))
        self.aggregates_ = self._aggregate(frame, tx.ids, tx.days, tx.amounts, prices, keep)
        self.customers_ = snapshot
        self.observation_end_ = pd.Timestamp(np.datetime64(end, "D"))
        self.data_usage_ = self._data_usage(cols, snapshot)
        return self

    def update(
        self,
        new_transactions: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        observation_end: DateLike | None = None,
    ) -> Self:
        """Fold transactions made after the profile date into the archive.

        The result equals fitting on all transactions with the same ``top_band_threshold_``
        (the price band is learned at ``fit`` and kept) and the same customers frame, up to
        floating-point rounding of sums. Only the new rows are read.

        Parameters
        ----------
        new_transactions : DataFrame
            Transactions dated after the current profile date (``observation_end_``), with the
            same optional columns as at ``fit``. Rows after ``observation_end`` are ignored.
        customers : DataFrame, optional
            Current customer attributes and consent. When given, they replace the stored
            ones: customers who withdrew consent are dropped from the archive. Customers who
            consented only now stay excluded (their earlier transactions were never read;
            refit to profile them) and a :class:`~precimark.DataQualityWarning` says so.
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
        cols = self.columns if self.columns is not None else Columns()
        frame = check_frame(new_transactions, "new_transactions")
        check_columns(frame, self.optional_columns_, "new_transactions")
        tx = validate_transactions(frame, cols, name="new_transactions")
        old_end = int(
            self.observation_end_.to_datetime64().astype("datetime64[D]").astype(np.int64)
        )
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
        allowed = self._allowed(snapshot)
        keep = tx.days <= end
        excluded = self.excluded_
        if allowed is not None:
            late = excluded.intersection(pd.Index(allowed))
            if len(late):
                warnings.warn(
                    f"{len(late)} customers (first: {late[0]}) consented to profiling after "
                    "the archive was built; their earlier transactions were never read, so "
                    "they stay out of the archive. Refit on the whole log to profile them.",
                    DataQualityWarning,
                    stacklevel=2,
                )
            consented = np.isin(tx.ids, allowed) & ~np.isin(tx.ids, excluded)
            new_excluded = pd.Index(pd.unique(tx.ids[keep & ~consented]))
            withdrawn = aggregates.index.difference(pd.Index(allowed))
            excluded = excluded.union(new_excluded).union(withdrawn)
            aggregates = aggregates.drop(index=withdrawn)
            keep &= consented
        prices = self._prices(frame, tx.amounts)
        batch = self._aggregate(frame, tx.ids, tx.days, tx.amounts, prices, keep)
        self.aggregates_ = _merge(aggregates, batch)
        self.excluded_ = excluded.rename(cols.customer_id)
        self.customers_ = snapshot
        self.observation_end_ = pd.Timestamp(np.datetime64(end, "D"))
        self.data_usage_ = self._data_usage(cols, snapshot)
        return self

    def fit_transform(
        self,
        transactions: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        observation_end: DateLike | None = None,
    ) -> pd.DataFrame:
        """Fit, then return the archive (see :meth:`fit` and :meth:`transform`).

        Parameters
        ----------
        transactions : DataFrame
            The transaction log.
        customers : DataFrame, optional
            Customer attributes and consent.
        observation_end : date-like, optional
            The profile date.

        Returns
        -------
        DataFrame
            The consumer archive.
        """
        return self.fit(transactions, customers, observation_end=observation_end).transform()

    # ----------------------------------------------------------------------------- archive

    def transform(self) -> pd.DataFrame:
        """Return the consumer archive of the profiled customers, as of ``observation_end_``.

        Returns
        -------
        DataFrame
            One row per profiled customer, indexed by customer id (sorted), with the columns
            listed in the class Notes.
        """
        check_is_fitted(self, "aggregates_")
        agg = self.aggregates_
        cols = self.columns if self.columns is not None else Columns()
        index = agg.index.rename(cols.customer_id)
        end = int(self.observation_end_.to_datetime64().astype("datetime64[D]").astype(np.int64))
        first = agg["first_day"].to_numpy(np.int64)
        last = agg["last_day"].to_numpy(np.int64)
        frequency = agg["purchase_days"].to_numpy(np.int64) - 1
        total = agg["total_spend"].to_numpy(np.float64)
        orders = agg["orders"].to_numpy(np.int64)
        rfm = pd.DataFrame(
            {
                FREQUENCY: frequency,
                RECENCY: (last - first).astype(np.float64),
                T: (end - first).astype(np.float64),
                MONETARY_VALUE: _ratio(total - agg["first_day_spend"].to_numpy(), frequency),
            },
            index=index,
        )
        rfm.attrs["time_unit"] = "D"
        if len(rfm) == 0:
            raise fail(
                "the archive",
                "no profiled customer",
                "at least one customer with consent and a transaction up to the profile date",
            )
        parts = [rfm, rfm_segments(rfm, edges=self.rfm_edges)]
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
                "aov_percentile": _percentile(aov),
                "spend_percentile": _percentile(total),
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
        if self.purchase_model is not None:
            parts.append(self._clv(rfm))
        archive = pd.concat(parts, axis=1)
        return self._with_attributes(archive)

    # ----------------------------------------------------------------------------- helpers

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
        if self.purchase_model is None and self.spend_model is not None:
            raise fail(
                "argument 'spend_model'",
                "a spend model without a purchase model",
                "purchase_model too (the CLV needs both)",
            )
        if self.purchase_model is not None:
            if (
                isinstance(self.clv_periods, bool)
                or not isinstance(self.clv_periods, int)
                or self.clv_periods < 1
            ):
                raise fail("argument 'clv_periods'", repr(self.clv_periods), "a whole number >= 1")
            _period(self.clv_period)
            if not (isinstance(self.discount_rate, float | int) and self.discount_rate >= 0):
                raise fail("argument 'discount_rate'", repr(self.discount_rate), "a rate >= 0")

    def _customers_as_of(self, customers: pd.DataFrame | None, end: int) -> pd.DataFrame | None:
        if customers is None:
            if self.consent is not None:
                raise fail(
                    "argument 'customers'",
                    "None with consent= set",
                    "the customers frame holding the consent column",
                )
            return None
        frame = check_frame(customers, "customers")
        as_of = self.attributes_as_of
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

    def _allowed(self, snapshot: pd.DataFrame | None) -> npt.NDArray[Any] | None:
        if self.consent is None or snapshot is None:
            return None
        return require_consent(snapshot, "profiling", consent=self.consent).allowed.to_numpy()

    def _consent_columns(self) -> list[str]:
        if self.consent is None:
            return []
        if isinstance(self.consent, str):
            return [self.consent]
        return list(self.consent.columns.values())

    def _attribute_columns(self, snapshot: pd.DataFrame | None) -> list[str]:
        if snapshot is None:
            return []
        columns = list(self.attributes or ())
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
        ids: npt.NDArray[Any],
        days: npt.NDArray[np.int64],
        amounts: npt.NDArray[np.float64],
        prices: npt.NDArray[np.float64],
        keep: npt.NDArray[np.bool_],
    ) -> pd.DataFrame:
        ids, days, amounts, prices = ids[keep], days[keep], amounts[keep], prices[keep]
        codes, uniques = pd.factorize(ids, sort=True)
        n = len(uniques)
        out: dict[str, Any] = {}
        if n:
            lo = int(days.min())
            span = int(days.max()) - lo + 1
            key, inverse = np.unique(
                codes.astype(np.int64) * span + (days - lo), return_inverse=True
            )
            day_total = np.bincount(inverse, weights=amounts)
            owner = key // span
            starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
            ends = np.concatenate((starts[1:], [len(owner)])) - 1
            out["first_day"] = key[starts] % span + lo
            out["last_day"] = key[ends] % span + lo
            out["first_day_spend"] = day_total[starts]
            out["purchase_days"] = ends - starts + 1
        else:
            for name in ("first_day", "last_day", "purchase_days"):
                out[name] = np.zeros(0, dtype=np.int64)
            out["first_day_spend"] = np.zeros(0)
        out["orders"] = np.bincount(codes, minlength=n)
        out["total_spend"] = np.bincount(codes, weights=amounts, minlength=n)
        out["top_band_orders"] = np.bincount(
            codes, weights=prices >= self.top_band_threshold_, minlength=n
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
        base_share = discounted.sum() / orders.sum()
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
        unit = getattr(self.purchase_model, "time_unit_", "D")
        model_rfm = rfm.copy()
        if unit == "W":
            model_rfm[[RECENCY, T]] = model_rfm[[RECENCY, T]] / 7.0
        model_rfm.attrs["time_unit"] = unit
        period = _period(self.clv_period)
        model = self.purchase_model
        out = {
            "probability_alive": model.probability_alive(model_rfm),
            "expected_purchases": model.expected_purchases(
                model_rfm, period * int(self.clv_periods)
            ),
        }
        if self.spend_model is not None:
            spend = self.spend_model.expected_spend(model_rfm)
            cumulative = [
                np.asarray(model.expected_purchases(model_rfm, period * k), dtype=np.float64)
                for k in range(1, int(self.clv_periods) + 1)
            ]
            increments = np.diff(np.column_stack(cumulative), axis=1, prepend=0.0)
            discount = (1.0 + float(self.discount_rate)) ** -np.arange(
                1, int(self.clv_periods) + 1, dtype=np.float64
            )
            out["expected_spend"] = spend
            out["customer_lifetime_value"] = pd.Series(
                increments @ discount * np.asarray(spend, dtype=np.float64), index=rfm.index
            )
        return pd.DataFrame(
            {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}, index=rfm.index
        )

    def _with_attributes(self, archive: pd.DataFrame) -> pd.DataFrame:
        columns = self._attribute_columns(self.customers_)
        if not columns or self.customers_ is None:
            return archive
        clash = [c for c in columns if c in archive.columns]
        if clash:
            raise fail(
                "argument 'attributes'",
                f"columns {clash} that the archive computes",
                "attribute names distinct from the archive's columns",
            )
        return archive.join(self.customers_[columns], how="left")

    def _data_usage(self, cols: Columns, snapshot: pd.DataFrame | None) -> tuple[DataUse, ...]:
        by = type(self).__name__
        uses = [
            DataUse(cols.customer_id, "profiling", by),
            DataUse(cols.date, "profiling", by),
            DataUse(cols.amount, "profiling", by),
        ]
        uses += [DataUse(c, "profiling", by) for c in self.optional_columns_]
        if snapshot is not None:
            uses += [DataUse(c, "consent_check", by) for c in self._consent_columns()]
            if self.attributes_as_of is not None:
                uses.append(DataUse(self.attributes_as_of, "profiling", by))
            uses += [DataUse(c, "profiling", by) for c in self._attribute_columns(snapshot)]
        return tuple(uses)


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return ``num / den``, 0 where ``den`` is 0."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    return np.divide(n, d, out=np.zeros(np.broadcast(n, d).shape), where=d != 0)


def _percentile(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return the percentage of values at most each value (0, 100].

    Values are compared to 6 decimals, so sums that differ only by rounding count as ties.
    """
    rounded = np.round(values, 6)
    ordered = np.sort(rounded)
    return 100.0 * np.searchsorted(ordered, rounded, side="right") / len(values)


def _period(period: object) -> pd.Timedelta:
    try:
        delta = pd.Timedelta(period)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise fail(
            "argument 'clv_period'",
            repr(period),
            "a fixed duration such as '30D'",
            "Calendar months vary in length: say '30D' explicitly.",
        ) from err
    if pd.isna(delta) or delta <= pd.Timedelta(0):
        raise fail("argument 'clv_period'", repr(period), "a positive duration")
    return delta


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
