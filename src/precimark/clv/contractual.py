"""The shifted-beta-geometric (sBG) model of contract renewals, fitted on cohort survivor counts.

In a contractual setting (subscriptions, memberships, insurance) a customer's churn is observed:
at the end of each period they renew or leave. Fader & Hardie (2007) model each customer's
churn probability ``theta`` as constant over time and heterogeneous across customers,
``theta ~ Beta(alpha, beta)``; the lifetime ``T`` (number of periods paid for) is then
shifted-geometric given ``theta``, and for the population

- ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` (churn at the end of period t),
- ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)`` (survival),
- ``r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` (retention rate, which
  rises with t: the customers who churn readily leave first).

A customer who has renewed ``n`` times is described by the same model with ``beta + n`` in place
of ``beta`` (the posterior of ``theta`` given n renewals), so every method takes ``renewals=``.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of
Interactive Marketing* 21(1), 76-90.

Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the
perils of ignoring heterogeneity. *Marketing Science* 29(1), 85-93.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln, hyp2f1
from sklearn.utils.validation import check_is_fitted

from precimark._typing import DateLike, HorizonLike
from precimark._validation import (
    _day_numbers,
    check_columns,
    check_frame,
    check_number,
    fail,
    fail_rows,
    to_day,
    to_days,
)
from precimark.clv._base import Array, _Model
from precimark.schema import (
    CHURN_PROBABILITY,
    COHORT,
    N_ACTIVE,
    PERIOD,
    RETENTION_RATE,
    SURVIVAL,
)

__all__ = ["ShiftedBetaGeoModel", "cohort_survivors"]

_RenewalsLike = int | npt.ArrayLike | pd.Series


class ShiftedBetaGeoModel(_Model):
    """Shifted-beta-geometric model of contract renewals (Fader & Hardie 2007).

    Fitted by maximum likelihood on survivor counts of one or several cohorts (cohorts of
    different ages are fitted jointly: each contributes the periods it has been observed for).
    Periods are contract periods (years, months, ...): every horizon, renewal count and
    discount rate of this model is counted in them, and a duration such as ``"30D"`` is
    refused, since the model does not know how long a period lasts.

    Parameters
    ----------
    initial_params : Mapping[str, float], optional
        Starting values for ``alpha`` and ``beta``.
    random_state : int, optional
        Seed of the random restarts of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``alpha`` and ``beta`` of the Beta distribution of churn probabilities.
    log_likelihood_ : float
        Log-likelihood at the optimum.
    n_customers_ : int
        Customers of all cohorts at period 0.
    covariance_ : ndarray
        Inverse observed information of (alpha, beta).
    summary_ : DataFrame
        ``coef``, ``se``, ``lower_95``, ``upper_95`` (Wald, on the log scale) and ``boundary``
        per parameter.
    boundary_ : dict
        Parameters whose likelihood supremum is on the boundary (``"infinity"``: alpha and beta
        both run off when the cohorts show no heterogeneity, the geometric limit), with a
        :class:`~precimark.exceptions.ConvergenceWarning` at fit time.
    aic_, bic_ : float
        Information criteria.

    Examples
    --------
    Fader & Hardie's (2007) "regular" cohort: 1,000 customers, survivors after years 1-7.

    >>> from precimark.clv import ShiftedBetaGeoModel
    >>> model = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> {k: round(v, 3) for k, v in model.params_.items()}
    {'alpha': 0.704, 'beta': 1.182}
    >>> model.survival([8, 12]).mul(1000).round(1).tolist()  # projected; actual 223 and 173
    [220.1, 170.0]
    >>> round(model.discounted_value(100.0, 0.1), 2)  # a new customer, $100 a year, 10%
    369.49
    """

    _param_names = ("alpha", "beta")

    def __init__(
        self,
        *,
        initial_params: Mapping[str, float] | None = None,
        random_state: int | None = 0,
    ) -> None:
        # The shared machinery's engine and penalizer: the native engine, no penalty
        # (lifetimes has no sBG model).
        super().__init__(initial_params=initial_params, random_state=random_state)

    # ------------------------------------------------------------------ likelihood

    def _prepare(self, data: Sequence[Array]) -> tuple[Array, Array]:
        period, censored = data
        return np.asarray(period, dtype=np.float64), np.asarray(censored, dtype=bool)

    def _loglik(
        self, params: Array, prepared: tuple[Array, Array], grad: bool
    ) -> tuple[Array, Array | None]:
        alpha, beta = float(params[0]), float(params[1])
        t, censored = prepared
        # Sums over j < t of log r(j + 1) = log((b + j) / (a + b + j)) and of its derivatives:
        # exact where betaln differences lose every digit (a, b ~ 1e12 at the geometric limit).
        j = np.arange(int(t.max()), dtype=np.float64)
        total = alpha + beta + j
        log_s, d_a, d_b = (
            np.concatenate([[0.0], np.cumsum(v)])
            for v in (np.log1p(-alpha / total), -1.0 / total, alpha / ((beta + j) * total))
        )
        k = t.astype(np.intp)
        # Still active after period t (the last observed): S(t). Churn at the end of period t:
        # P(T = t) = S(t - 1) * alpha / (alpha + beta + t - 1).
        last = np.where(censored, k, k - 1)
        rate = alpha + beta + t - 1.0
        ll = log_s[last] + np.where(censored, 0.0, np.log(alpha / rate))
        if not grad:
            return ll, None
        d_alpha = d_a[last] + np.where(censored, 0.0, 1.0 / alpha - 1.0 / rate)
        d_beta = d_b[last] - np.where(censored, 0.0, 1.0 / rate)
        return ll, np.column_stack([d_alpha, d_beta])

    def _data_start(self, data: Sequence[Array], weights: Array) -> Array:
        # Mean churn probability = churners / customer-periods at risk; alpha = 1.
        t, censored = data
        churned = float(weights[censored == 0].sum())
        exposure = float(weights @ t)
        theta = min(max(churned / max(exposure, 1e-12), 1e-3), 0.999)
        return np.array([1.0, (1.0 - theta) / theta])

    def _check_identifiable(self, data: Sequence[Array], weights: Array) -> None:
        if float(weights @ data[0]) == 0:
            raise fail(
                "column 'period'",
                "only period 0 (no cohort observed beyond its start)",
                "survivor counts for periods 1, 2, ... of at least one cohort",
                "Without an observed renewal decision alpha and beta are not identified.",
            )

    # ------------------------------------------------------------------ fitting

    def fit(self, cohorts: pd.DataFrame | npt.ArrayLike, y: None = None) -> Self:
        """Fit alpha and beta by maximum likelihood on cohort survivor counts.

        Parameters
        ----------
        cohorts : DataFrame or array-like
            A frame with one row per cohort and period: ``cohort`` (any label, e.g. the
            acquisition year), ``period`` (0, 1, 2, ... consecutive from 0 in each cohort)
            and ``n_active`` (customers of the cohort still active after ``period`` periods:
            at period 0 the cohort's size, then those who renewed ``period`` times). Cohorts
            may have been observed for different numbers of periods. A plain sequence of
            counts is one cohort's survivor curve, from period 0.
        y : None
            Ignored (scikit-learn API).

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            Naming the cohort and period of a negative, fractional or missing count, a count
            that rises from one period to the next (survivors cannot exceed the customers at
            the start), a cohort of size 0, or periods that do not run 0, 1, 2, ...
        """
        frame = _survivor_table(cohorts)
        self._fit_compressed(*_likelihood_rows(frame))
        return self

    # ------------------------------------------------------------------ predictions

    def _beta(self, renewals: object) -> tuple[float, float]:
        check_is_fitted(self, "params_")
        n = check_number(renewals, "renewals", low=0, integer=True)
        return float(self.params_["alpha"]), float(self.params_["beta"]) + n

    def survival(self, periods: int | npt.ArrayLike, *, renewals: int = 0) -> pd.Series:
        """Probability of still being a customer after ``periods`` more periods.

        ``S(t) = B(alpha, beta + n + t) / B(alpha, beta + n)`` for a customer who has renewed
        ``n = renewals`` times; with ``renewals=0`` it is the cohort's survival curve (the
        expected share of a new cohort still active after t periods).

        Parameters
        ----------
        periods : int or array-like of int
            Numbers of periods (>= 0).
        renewals : int, default 0
            Renewals the customers have made so far.

        Returns
        -------
        Series
            ``survival``, indexed by ``period``.

        Examples
        --------
        >>> from precimark.clv import ShiftedBetaGeoModel
        >>> model = ShiftedBetaGeoModel().fit([1000, 869, 743, 653, 593, 551, 517, 491])
        >>> model.survival(range(4)).round(3).tolist()
        [1.0, 0.851, 0.747, 0.67]
        """
        alpha, beta = self._beta(renewals)
        t = _periods(periods, low=0)
        return _curve(np.exp(_log_survival(alpha, beta, t)), t, SURVIVAL)

    def retention_rate(self, periods: int | npt.ArrayLike, *, renewals: int = 0) -> pd.Series:
        """Share of the customers active after period ``t - 1`` who renew at the end of ``t``.

        ``r(t) = (beta + n + t - 1) / (alpha + beta + n + t - 1)``, rising in t (Fader & Hardie
        2007, eq. 4): the customers likely to churn leave first.

        Parameters
        ----------
        periods : int or array-like of int
            Periods (>= 1), counted after the ``renewals`` already made.
        renewals : int, default 0
            Renewals the customers have made so far.

        Returns
        -------
        Series
            ``retention_rate``, indexed by ``period``.

        Examples
        --------
        >>> from precimark.clv import ShiftedBetaGeoModel
        >>> model = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> model.retention_rate([1, 2, 12]).round(3).tolist()
        [0.627, 0.756, 0.945]
        """
        alpha, beta = self._beta(renewals)
        t = _periods(periods, low=1)
        return _curve((beta + t - 1.0) / (alpha + beta + t - 1.0), t, RETENTION_RATE)

    def churn_probability(self, periods: int | npt.ArrayLike, *, renewals: int = 0) -> pd.Series:
        """Probability that a customer's last period is the ``t``-th from now.

        ``P(T = n + t | T > n) = B(alpha + 1, beta + n + t - 1) / B(alpha, beta + n)``: the
        customer, who has renewed ``n = renewals`` times, renews ``t - 1`` more times and then
        leaves. ``churn_probability(1, renewals=n)`` is the probability of not renewing next
        time, ``alpha / (alpha + beta + n)``.

        Parameters
        ----------
        periods : int or array-like of int
            Periods from now (>= 1).
        renewals : int, default 0
            Renewals the customers have made so far.

        Returns
        -------
        Series
            ``churn_probability``, indexed by ``period``.

        Examples
        --------
        >>> from precimark.clv import ShiftedBetaGeoModel
        >>> model = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> model.churn_probability([1, 2, 3]).mul(1000).round(1).tolist()
        [373.3, 152.9, 85.8]
        """
        alpha, beta = self._beta(renewals)
        t = _periods(periods, low=1)
        last = np.exp(_log_survival(alpha, beta, t - 1.0))
        return _curve(last * alpha / (alpha + beta + t - 1.0), t, CHURN_PROBABILITY)

    @overload
    def expected_residual_lifetime(
        self, discount_rate: float, *, renewals: int | None = None
    ) -> float: ...

    @overload
    def expected_residual_lifetime(
        self, discount_rate: float, *, renewals: npt.ArrayLike | pd.Series
    ) -> pd.Series: ...

    def expected_residual_lifetime(
        self, discount_rate: float, *, renewals: _RenewalsLike | None = None
    ) -> float | pd.Series:
        """Discounted expected residual lifetime in periods (DEL, DERL; Fader & Hardie 2010).

        The expected number of payments still to come, each discounted by
        ``(1 + discount_rate)`` per period:

        - ``renewals=None``, a customer being acquired: the payment now counts
          (undiscounted), then one per renewal, DEL =
          ``2F1(1, beta; alpha + beta; 1 / (1 + d))``;
        - ``renewals=n``, a customer who has renewed n times and whose contract is now up for
          renewal (the current period is paid): DERL =
          ``(beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1;
          1 / (1 + d))``, the first renewal undiscounted.

        With ``discount_rate=0`` it is the plain expected number of payments, finite only when
        ``alpha > 1`` (``(beta + n) / (alpha - 1)`` for DERL).

        Parameters
        ----------
        discount_rate : float
            Discount rate per period (>= 0; e.g. 0.1 for 10% a year with yearly contracts).
        renewals : int, array-like of int or Series, optional
            Renewals each customer has made; None for a customer being acquired.

        Returns
        -------
        float, or Series
            A float for one customer (``renewals`` an int or None); for several, a Series
            ``expected_residual_lifetime`` (indexed like ``renewals`` when it is a Series).

        Raises
        ------
        DataValidationError
            With ``discount_rate=0`` when ``alpha <= 1``: the expected lifetime is infinite.

        Examples
        --------
        >>> from precimark.clv import ShiftedBetaGeoModel
        >>> model = ShiftedBetaGeoModel().fit([1000, 869, 743, 653, 593, 551, 517, 491])
        >>> round(model.expected_residual_lifetime(0.1), 3)
        5.922
        >>> model.expected_residual_lifetime(0.1, renewals=[0, 4]).round(3).tolist()
        [5.414, 6.897]
        """
        check_is_fitted(self, "params_")
        d = check_number(discount_rate, "discount_rate", low=0)
        alpha, beta = self._beta(0)
        if d == 0 and alpha <= 1:
            raise fail(
                "argument 'discount_rate'",
                f"0 with alpha = {alpha:.4g} <= 1",
                "a positive discount rate",
                "With alpha <= 1 the expected undiscounted lifetime is infinite (the most loyal "
                "customers practically never leave): value customers with a discount rate.",
            )
        if renewals is None:
            return _del(alpha, beta, d)
        if np.ndim(renewals) == 0:
            n = check_number(renewals, "renewals", low=0, integer=True)
            return float(_derl(alpha, beta, np.array([n]), d)[0])
        counts, index = _renewal_counts(renewals)
        distinct, inverse = np.unique(counts, return_inverse=True)
        values = _derl(alpha, beta, distinct, d)[inverse]
        return pd.Series(values, index=index, name="expected_residual_lifetime")

    @overload
    def discounted_value(
        self, margin: float, discount_rate: float, *, renewals: int | None = None
    ) -> float: ...

    @overload
    def discounted_value(
        self, margin: float, discount_rate: float, *, renewals: npt.ArrayLike | pd.Series
    ) -> pd.Series: ...

    def discounted_value(
        self, margin: float, discount_rate: float, *, renewals: _RenewalsLike | None = None
    ) -> float | pd.Series:
        """Return the expected discounted value of the payments to come: ``margin`` x DERL.

        For a customer being acquired (``renewals=None``) it is the expected lifetime value
        E(CLV) of Fader & Hardie (2010), counting the first payment; for a customer who has
        renewed n times, the expected residual lifetime value (see
        :meth:`expected_residual_lifetime` for the timing).

        Parameters
        ----------
        margin : float
            Net cash flow per period (the same in every period).
        discount_rate : float
            Discount rate per period (>= 0).
        renewals : int, array-like of int or Series, optional
            Renewals each customer has made; None for a customer being acquired.

        Returns
        -------
        float, or Series
            A float for one customer; for several, a Series ``discounted_value``.

        Examples
        --------
        >>> from precimark.clv import ShiftedBetaGeoModel
        >>> model = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(model.discounted_value(100.0, 0.1, renewals=4), 2)
        589.41
        """
        m = check_number(margin, "margin")
        value = self.expected_residual_lifetime(discount_rate, renewals=renewals)
        if isinstance(value, pd.Series):
            return (value * m).rename("discounted_value")
        return m * value

    def to_lifetimes(self) -> Any:
        """Not available: lifetimes has no shifted-beta-geometric model.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError("lifetimes has no shifted-beta-geometric (sBG) model")


def cohort_survivors(
    subscriptions: pd.DataFrame,
    *,
    period: HorizonLike,
    observation_end: DateLike,
    start_column: str = "start",
    end_column: str = "end",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Build the cohort survivor counts of :class:`ShiftedBetaGeoModel` from a subscription log.

    One row per subscription, indexed by customer id: when it started and when it ended
    (missing while still active). A subscription of ``period`` renews every ``period`` from
    its start; one that ended after ``d`` days paid for ``ceil(d / period)`` periods (at least
    one). Cohorts are the subscriptions started in the same ``period``-long window, counted
    from the earliest start, and labelled by the window's first day. A cohort is observed for
    as many renewal decisions as its latest starter has faced by ``observation_end``, so every
    count in the table is complete; an end after ``observation_end`` is not yet known then
    (the subscription counts as active), and subscriptions started after it are left out.

    Parameters
    ----------
    subscriptions : DataFrame
        Indexed by customer id; the start and end dates in ``start_column`` and ``end_column``.
    period : int, str or Timedelta
        The length of time of one contract period, a fixed duration: ``"365D"``, ``"28D"``,
        or a whole number of days.
    observation_end : date
        Last day (inclusive) of the data.
    start_column : str, default "start"
        Column of start dates.
    end_column : str, default "end"
        Column of end dates (missing: still active).
    date_format : str, optional
        strftime format of date strings that could be read day or month first.

    Returns
    -------
    DataFrame
        ``cohort`` (Timestamp), ``period`` (0, 1, ...) and ``n_active``: the input of
        :meth:`ShiftedBetaGeoModel.fit`.

    Raises
    ------
    DataValidationError
        For a missing or unparseable start, an end before its start, or no subscription
        started by ``observation_end``; each names the count and the first customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.clv import cohort_survivors
    >>> log = pd.DataFrame(
    ...     {"start": ["2024-01-05", "2024-01-20", "2024-02-10", "2024-02-11"],
    ...      "end": ["2024-03-01", None, "2024-03-05", None]},
    ...     index=pd.Index([1, 2, 3, 4], name="customer_id"),
    ... )
    >>> cohort_survivors(log, period="28D", observation_end="2024-04-30")
          cohort  period  n_active
    0 2024-01-05       0         2
    1 2024-01-05       1         2
    2 2024-01-05       2         1
    3 2024-01-05       3         1
    4 2024-02-02       0         2
    5 2024-02-02       1         1
    6 2024-02-02       2         1
    """
    frame = check_frame(subscriptions, "subscriptions")
    check_columns(frame, (start_column, end_column), "subscriptions")
    length = to_days(period, "period", minimum=1)
    obs = int(to_day(observation_end, "observation_end", date_format=date_format).astype(np.int64))
    ids = frame.index.to_numpy()
    start = _day_numbers(frame[start_column], start_column, ids, date_format)
    ended = frame[end_column].notna().to_numpy()
    end = np.full(len(frame), np.iinfo(np.int64).max)
    if ended.any():
        end[ended] = _day_numbers(frame[end_column][ended], end_column, ids[ended], date_format)
    early = ended & (end < start)
    if early.any():
        raise fail_rows(
            f"column '{end_column}'",
            early,
            ids,
            "subscription ending before it started",
            "an end on or after the start",
            plural="subscriptions ending before they started",
        )
    started = start <= obs
    if not started.any():
        raise fail(
            "argument 'observation_end'",
            f"{np.datetime64(obs, 'D')}, before every start",
            "an observation end after some starts",
        )
    start, end = start[started], end[started]
    # Periods paid for (renewal decisions survived + 1), if the end is known by observation_end.
    known = end <= obs
    paid = np.where(known, np.maximum(-(-(end - start) // length), 1), np.iinfo(np.int64).max)
    first = int(start.min())
    window = (start - first) // length
    rows = []
    for w in np.unique(window):
        members = window == w
        age = (obs - int(start[members].max())) // length  # renewal decisions all have faced
        # n_active(t) = members whose lives exceed t: members minus those of life <= t.
        lives = np.minimum(paid[members], age + 1)
        counts = len(lives) - np.cumsum(np.bincount(lives, minlength=age + 1)[: age + 1])
        label = pd.Timestamp(np.datetime64(first + int(w) * length, "D"))
        rows.append(pd.DataFrame({COHORT: label, PERIOD: np.arange(age + 1), N_ACTIVE: counts}))
    return pd.concat(rows, ignore_index=True)


def _survivor_table(cohorts: pd.DataFrame | npt.ArrayLike) -> pd.DataFrame:
    """Validate cohort survivor counts; return ``cohort``, ``period``, ``n_active`` sorted (private)."""
    if isinstance(cohorts, pd.DataFrame):
        check_columns(cohorts, (COHORT, PERIOD, N_ACTIVE), "cohorts")
        frame = cohorts[[COHORT, PERIOD, N_ACTIVE]]
    else:
        counts = np.asarray(cohorts, dtype=object)
        if counts.ndim != 1 or len(counts) == 0:
            raise fail(
                "argument 'cohorts'",
                f"an array of shape {counts.shape}",
                "a DataFrame (cohort, period, n_active) or one cohort's counts from period 0",
            )
        frame = pd.DataFrame({COHORT: 0, PERIOD: np.arange(len(counts)), N_ACTIVE: counts})
    if frame.empty:
        raise fail("argument 'cohorts'", "no rows", "survivor counts of at least one cohort")
    if frame[COHORT].isna().any():
        raise fail(f"column '{COHORT}'", "a missing cohort label", "a label on every row")
    period = _whole(frame, PERIOD)
    active = _whole(frame, N_ACTIVE)
    out = pd.DataFrame({COHORT: frame[COHORT].to_numpy(), PERIOD: period, N_ACTIVE: active})
    out = out.sort_values([COHORT, PERIOD], kind="stable").reset_index(drop=True)
    labels = out[COHORT].to_numpy()
    first = np.r_[True, labels[1:] != labels[:-1]]
    expected = np.arange(len(out)) - np.maximum.accumulate(np.where(first, np.arange(len(out)), 0))
    gap = out[PERIOD].to_numpy() != expected
    if gap.any():
        i = int(np.argmax(gap))
        raise fail(
            f"column '{PERIOD}'",
            f"cohort {_shown(labels[i])} has period {out[PERIOD].to_numpy()[i]} where period {expected[i]} "
            "was due",
            "periods 0, 1, 2, ... once each per cohort, starting at 0 (the cohort's size)",
        )
    counts = out[N_ACTIVE].to_numpy()
    empty = first & (counts == 0)
    if empty.any():
        i = int(np.argmax(empty))
        raise fail(
            f"column '{N_ACTIVE}'",
            f"cohort {_shown(labels[i])} has 0 customers at period 0",
            "a cohort size > 0",
            "Drop empty cohorts.",
        )
    rise = ~first & (counts > np.r_[0, counts[:-1]])
    if rise.any():
        i, n = int(np.argmax(rise)), int(rise.sum())
        raise fail(
            f"column '{N_ACTIVE}'",
            f"{n} count{'s' if n > 1 else ''} above the previous period's (first: cohort "
            f"{_shown(labels[i])}, period {out[PERIOD].to_numpy()[i]}: {counts[i]} after {counts[i - 1]})",
            "a non-increasing count per cohort (survivors cannot exceed the customers at the "
            "start of the period)",
            "Count each cohort's original customers only (re-acquired customers start a new "
            "cohort).",
        )
    return out


def _shown(value: object) -> str:
    """Show a cohort label or count as the user wrote it (``2``, not ``np.int64(2)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _whole(frame: pd.DataFrame, column: str) -> npt.NDArray[np.int64]:
    """Return a column of whole numbers >= 0; an error names the first bad row's cohort."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        i, n = int(np.argmax(bad)), int(bad.sum())
        shown = frame[column].to_numpy()[i]
        raise fail(
            f"column '{column}'",
            f"{n} value{'s' if n > 1 else ''} that {'are' if n > 1 else 'is'} not a whole number "
            f">= 0 (first: {_shown(shown)} in cohort {_shown(frame[COHORT].to_numpy()[i])}, row {i})",
            "whole numbers >= 0",
        )
    return values.astype(np.int64)


def _likelihood_rows(frame: pd.DataFrame) -> tuple[list[Array], Array]:
    """Rows (period, censored) weighted by customers: churners per period, survivors at the end."""
    counts = frame[N_ACTIVE].to_numpy(np.float64)
    labels = frame[COHORT].to_numpy()
    period = frame[PERIOD].to_numpy(np.float64)
    last = np.r_[labels[1:] != labels[:-1], True]
    first = np.r_[True, labels[1:] != labels[:-1]]
    churned = np.where(first, 0.0, np.r_[0.0, counts[:-1]] - counts)
    t = np.concatenate([period[~first], period[last]])
    censored = np.concatenate([np.zeros(int((~first).sum())), np.ones(int(last.sum()))])
    weights = np.concatenate([churned[~first], counts[last]])
    keep = weights > 0
    # One row per distinct (period, censored): cohorts share their likelihood terms.
    key = t[keep] * 2 + censored[keep]
    distinct, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=weights[keep]).astype(np.float64)
    return [np.floor(distinct / 2), distinct % 2], summed


def _periods(periods: object, *, low: int) -> npt.NDArray[np.float64]:
    if isinstance(periods, str | pd.Timedelta | np.timedelta64 | pd.DateOffset):
        raise fail(
            "argument 'periods'",
            f"{periods!r}, a duration",
            "whole numbers of contract periods (the sBG model counts periods, not days)",
            "Divide the duration by the contract length: '730D' with yearly contracts is 2.",
        )
    values = np.atleast_1d(np.asarray(periods, dtype=object))
    if values.ndim != 1 or len(values) == 0:
        raise fail("argument 'periods'", f"shape {values.shape}", "an int or a 1-D list of ints")
    return np.array(
        [check_number(v, "periods", low=low, integer=True) for v in values], dtype=np.float64
    )


def _curve(values: Array, t: Array, name: str) -> pd.Series:
    return pd.Series(values, index=pd.Index(t.astype(np.int64), name=PERIOD), name=name)


def _renewal_counts(renewals: object) -> tuple[npt.NDArray[np.float64], pd.Index]:
    if isinstance(renewals, pd.Series):
        index, raw = renewals.index, renewals.to_numpy(dtype=object)
    else:
        raw = np.asarray(renewals, dtype=object)
        index = pd.RangeIndex(len(raw))
    if raw.ndim != 1:
        raise fail("argument 'renewals'", f"shape {raw.shape}", "an int or a 1-D array of ints")
    values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        i, n = int(np.argmax(bad)), int(bad.sum())
        raise fail(
            "argument 'renewals'",
            f"{n} value{'s' if n > 1 else ''} not a whole number >= 0 (first customer: {index[i]})",
            "renewal counts 0, 1, 2, ...",
        )
    return values, index


_SUM_TERMS = 1_000_000


def _log_survival(alpha: float, beta: float, t: Array) -> Array:
    """Return log S(t), the sum over j < t of log((beta + j) / (alpha + beta + j)).

    Summed term by term up to a million periods (exact even where alpha and beta are huge);
    beyond, ``betaln(alpha, beta + t) - betaln(alpha, beta)``.
    """
    top = int(t.max())
    if top > _SUM_TERMS:
        out: Array = betaln(alpha, beta + t) - betaln(alpha, beta)
        return out
    j = np.arange(top, dtype=np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(np.log1p(-alpha / (alpha + beta + j)))])
    out = cumulative[t.astype(np.intp)]
    return out


def _del(alpha: float, beta: float, d: float) -> float:
    """Discounted expected lifetime of a customer being acquired (first payment counted).

    DEL = 2F1(1, beta; alpha + beta; 1 / (1 + d)) = 1 + DERL(0 renewals) / (1 + d): the first
    payment now, then the residual lifetime of a customer up for the first renewal.
    """
    return 1.0 + float(_derl(alpha, beta, np.zeros(1), d)[0]) / (1.0 + d)


def _derl(alpha: float, beta: float, n: Array, d: float) -> Array:
    """DERL after n renewals (Fader & Hardie 2010, eq. 6 with their n - 1 = our n).

    The closed form ``(b / (a + b)) 2F1(1, b + 1; a + b + 1; 1 / (1 + d))`` with ``b = beta + n``;
    scipy's ``hyp2f1`` returns NaN or infinity for large parameters (b ~ 1e4, or a and b both
    large as at the geometric boundary), and there the series it stands for is summed instead.
    """
    b = beta + n
    if d == 0:
        out: Array = b / (alpha - 1.0)
        return out
    with np.errstate(all="ignore"):
        out = b / (alpha + b) * hyp2f1(1.0, b + 1.0, alpha + b + 1.0, 1.0 / (1.0 + d))
    for i in np.flatnonzero(~np.isfinite(out)):
        out[i] = _derl_series(alpha, float(b[i]), d)
    return out


_SERIES_CHUNK = 100_000
_SERIES_MAX_TERMS = 10_000_000


def _derl_series(alpha: float, b: float, d: float) -> float:
    """Sum DERL's series term by term: t_0 = b / (a + b), t_k / t_(k-1) = r(k) / (1 + d).

    The terms fall at least as fast as ``(1 + d)^-k``, so the tail after a term ``t`` is below
    ``t (1 + d) / d``; the sum stops when that is below 1e-14 of the total.
    """
    total, log_term, start = 0.0, float(np.log(b / (alpha + b))), 0
    while start < _SERIES_MAX_TERMS:
        k = np.arange(start, start + _SERIES_CHUNK, dtype=np.float64)
        steps = np.log((b + k + 1.0) / (alpha + b + k + 1.0)) - np.log1p(d)
        logs = log_term + np.concatenate([[0.0], np.cumsum(steps[:-1])])
        total += float(np.exp(logs).sum())
        log_term = float(logs[-1] + steps[-1])
        start += _SERIES_CHUNK
        if np.exp(log_term) * (1.0 + d) / d < 1e-14 * total:
            return total
    raise fail(
        "argument 'discount_rate'",
        f"{d:g}, too small for the series of a customer with beta + renewals = {b:.4g}",
        f"a rate for which {_SERIES_MAX_TERMS:,} periods discount to nothing (>= 1e-5)",
    )
