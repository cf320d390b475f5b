"""Social and brand response: engagement, share of voice, net sentiment, campaign response.

The input is a table of posts or mentions (:class:`~precimark.schema.PostColumns`). Sentiment
arrives as data (a score or a label from any upstream tool): precimark does no language
processing. Every figure is an :class:`~precimark.kpi.Estimate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from precimark._typing import DateLike
from precimark._validation import (
    _amounts,
    check_bool,
    check_choice,
    check_columns,
    check_frame,
    check_number,
    fail,
    fail_rows,
    to_day,
    validate_transactions,
)
from precimark.channels._touchpoints import timestamps
from precimark.kpi.estimates import ESTIMATE_COLUMNS, Estimate, check_confidence, z_value
from precimark.kpi.intervals import proportion
from precimark.privacy._gate import record_usage, resolve_consent
from precimark.schema import Columns, PostColumns

__all__ = [
    "SENTIMENT_LABELS",
    "campaign_response",
    "daily_counts",
    "engagement",
    "net_sentiment",
    "share_of_voice",
    "social_referred_customers",
]

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
"""Sentiment labels :func:`net_sentiment` reads (or a score from -1 to 1)."""


def _posts(posts: object, columns: PostColumns | None, needed: Sequence[str]) -> pd.DataFrame:
    cols = columns if columns is not None else PostColumns()
    if not isinstance(cols, PostColumns):
        raise fail(
            "argument 'columns'", f"a {type(cols).__name__}", "a precimark.schema.PostColumns"
        )
    frame = check_frame(posts, "posts")
    check_columns(frame, needed, "posts")
    return frame


def _counts(frame: pd.DataFrame, column: str) -> npt.NDArray[np.float64]:
    """Return a column of whole numbers >= 0 (impressions, likes, ...)."""
    rows = np.array([f"row {i}" for i in range(len(frame))], dtype=object)
    values = _amounts(frame[column], column, rows, noun="count", row="post")
    fractional = values != np.round(values)
    if fractional.any():
        raise fail(
            f"column '{column}'",
            f"{int(fractional.sum())} non-whole counts (first post: {rows[np.argmax(fractional)]})",
            "whole numbers",
        )
    return values


def _groups(frame: pd.DataFrame, group_columns: str | Sequence[str]) -> list[str]:
    names = [group_columns] if isinstance(group_columns, str) else list(group_columns)
    check_columns(frame, names, "posts")
    return names


def _estimates_table(estimates: dict[Any, Estimate], names: list[str]) -> pd.DataFrame:
    table = pd.DataFrame(
        [list(e.to_frame().iloc[0]) for e in estimates.values()], columns=list(ESTIMATE_COLUMNS)
    )
    keys = list(estimates)
    if len(names) == 1:
        table.index = pd.Index([k[0] if isinstance(k, tuple) else k for k in keys], name=names[0])
    else:
        table.index = pd.MultiIndex.from_tuples(keys, names=names)
    return table


def engagement(
    posts: pd.DataFrame,
    *,
    group_columns: str | Sequence[str] = "brand",
    confidence: float = 0.95,
    columns: PostColumns | None = None,
) -> pd.DataFrame:
    """Engagement rate (likes + shares + comments per impression) with Wilson intervals.

    Parameters
    ----------
    posts : DataFrame
        Posts with impressions, likes, shares and comments.
    group_columns : str or sequence of str, default "brand"
        Columns to group by (e.g. ``["brand", "platform"]``).
    confidence : float, default 0.95
        Confidence level.
    columns : PostColumns, optional
        Column names of ``posts``.

    Returns
    -------
    DataFrame
        One row per group with :data:`~precimark.kpi.ESTIMATE_COLUMNS` (method ``"wilson"``,
        ``n`` the impressions) and ``engagements``. The Wilson interval treats impressions as
        independent trials; posts that go viral make the real uncertainty larger, which the
        warning says.

    Raises
    ------
    DataValidationError
        For missing columns, counts that are negative, missing or not whole, or a group
        with more engagements than impressions.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark import channels
    >>> posts = pd.DataFrame({"brand": ["a", "a", "b"], "impressions": [100, 300, 200],
    ...                       "likes": [5, 10, 4], "shares": [1, 2, 0], "comments": [0, 2, 1]})
    >>> channels.engagement(posts)[["value", "method", "n"]]
           value  method    n
    brand
    a      0.050  wilson  400
    b      0.025  wilson  200
    """
    cols = columns if columns is not None else PostColumns()
    counts = [cols.impressions, cols.likes, cols.shares, cols.comments]
    frame = _posts(posts, cols, counts)
    names = _groups(frame, group_columns)
    level = check_confidence(confidence)
    impressions = _counts(frame, cols.impressions)
    engaged = np.sum([_counts(frame, c) for c in counts[1:]], axis=0)
    data = frame[names].assign(_impressions=impressions, _engaged=engaged)
    totals = data.groupby(names, sort=True, observed=True)[["_impressions", "_engaged"]].sum()
    estimates: dict[Any, Estimate] = {}
    for key, row in totals.iterrows():
        n, hits = int(row["_impressions"]), int(row["_engaged"])
        if hits > n:
            raise fail(
                "argument 'posts'",
                f"group {key!r}: {hits} engagements on {n} impressions",
                "at most one engagement per impression for a rate",
                "Check the impressions column (reach vs impressions) for this group.",
            )
        if n == 0:
            raise fail("argument 'posts'", f"group {key!r}: 0 impressions", "impressions > 0")
        est = proportion(hits, n, confidence=level)
        estimates[key] = Estimate(
            est.value,
            est.ci_low,
            est.ci_high,
            level,
            est.method,
            n,
            warnings=("impressions treated as independent trials (posts vary more)",),
        )
    table = _estimates_table(estimates, names)
    table["engagements"] = totals["_engaged"].to_numpy()
    return table


def share_of_voice(
    posts: pd.DataFrame,
    *,
    brand: str,
    group_columns: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    columns: PostColumns | None = None,
) -> pd.DataFrame:
    """Share of voice: each brand's share of all mentions, with Wilson intervals.

    Parameters
    ----------
    posts : DataFrame
        Mentions of our brand and the competitors' (one row per post).
    brand : str
        Our brand (as the posts name it); its rows come first.
    group_columns : str or sequence of str, optional
        Compute the shares within each group (e.g. ``"platform"``).
    confidence : float, default 0.95
        Confidence level.
    columns : PostColumns, optional
        Column names of ``posts``.

    Returns
    -------
    DataFrame
        One row per (group and) brand with :data:`~precimark.kpi.ESTIMATE_COLUMNS` (method
        ``"wilson"``, ``n`` the mentions in the group) and ``mentions``.

    Raises
    ------
    DataValidationError
        For missing columns, or a ``brand`` that never occurs.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark import channels
    >>> posts = pd.DataFrame({"brand": ["ours"] * 30 + ["theirs"] * 70})
    >>> channels.share_of_voice(posts, brand="ours")["value"].tolist()
    [0.3, 0.7]
    """
    cols = columns if columns is not None else PostColumns()
    frame = _posts(posts, cols, [cols.brand])
    level = check_confidence(confidence)
    if not isinstance(brand, str) or not (frame[cols.brand] == brand).any():
        raise fail(
            "argument 'brand'",
            repr(brand),
            f"one of the brands in column '{cols.brand}'",
        )
    groups = [] if group_columns is None else _groups(frame, group_columns)
    keys = [*groups, cols.brand]
    mentions = frame.groupby(keys, sort=True, observed=True).size()
    if groups:
        totals = mentions.groupby(level=list(range(len(groups))), observed=True).transform("sum")
    else:
        totals = pd.Series(mentions.sum(), index=mentions.index)
    estimates = {
        (key if isinstance(key, tuple) else (key,)): proportion(int(m), int(t), confidence=level)
        for key, m, t in zip(mentions.index, mentions.to_numpy(), totals.to_numpy(), strict=True)
    }
    table = _estimates_table(estimates, keys)
    table["mentions"] = mentions.to_numpy()
    ours = table.index.get_level_values(cols.brand) == brand
    return table.iloc[np.argsort(~ours, kind="stable")]


def _sentiment_labels(values: pd.Series[Any], column: str, threshold: float) -> npt.NDArray[Any]:
    rows = np.array([f"row {i}" for i in range(len(values))], dtype=object)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        score = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(score) | (np.abs(score) > 1)
        if bad.any():
            raise fail_rows(
                f"column '{column}'",
                bad,
                rows,
                "missing or out-of-range score",
                "scores in [-1, 1]",
            )
        return np.where(score > threshold, 1, np.where(score < -threshold, -1, 0))
    labels = values.astype("string").str.lower()
    known = labels.isin(SENTIMENT_LABELS).to_numpy(dtype=bool, na_value=False)
    if not known.all():
        raise fail_rows(
            f"column '{column}'",
            ~known,
            rows,
            "missing or unknown sentiment label",
            "'positive', 'neutral' or 'negative' (or a score in [-1, 1])",
        )
    mapped = labels.map({"positive": 1, "neutral": 0, "negative": -1})
    return mapped.to_numpy(dtype=np.int64)


def net_sentiment(
    posts: pd.DataFrame,
    *,
    group_columns: str | Sequence[str] = "brand",
    threshold: float = 0.05,
    confidence: float = 0.95,
    columns: PostColumns | None = None,
) -> pd.DataFrame:
    """Net sentiment: share of positive minus share of negative posts, from -1 to 1.

    The interval is the Wald interval of a difference of two multinomial shares,
    ``se² = (p₊ + p₋ - (p₊ - p₋)²) / n`` (as for the NPS); it warns below 30 posts.

    Parameters
    ----------
    posts : DataFrame
        Posts with a sentiment column: a score from -1 to 1 (as most tools give) or a label
        ``"positive"``, ``"neutral"``, ``"negative"``.
    group_columns : str or sequence of str, default "brand"
        Columns to group by.
    threshold : float, default 0.05
        A score above ``threshold`` is positive, below ``-threshold`` negative (the VADER
        convention); ignored for labels.
    confidence : float, default 0.95
        Confidence level.
    columns : PostColumns, optional
        Column names of ``posts``.

    Returns
    -------
    DataFrame
        One row per group with :data:`~precimark.kpi.ESTIMATE_COLUMNS` (method ``"wald"``)
        and ``positive``, ``negative`` (counts).

    Raises
    ------
    DataValidationError
        For missing columns, scores outside [-1, 1] or missing, unknown labels.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark import channels
    >>> posts = pd.DataFrame({"brand": ["a"] * 4,
    ...                       "sentiment": ["positive", "positive", "neutral", "negative"]})
    >>> channels.net_sentiment(posts)["value"].tolist()
    [0.25]
    """
    cols = columns if columns is not None else PostColumns()
    frame = _posts(posts, cols, [cols.sentiment])
    names = _groups(frame, group_columns)
    level = check_confidence(confidence)
    cut = check_number(threshold, "threshold", low=0.0, high=1.0, inclusive="left")
    signs = _sentiment_labels(frame[cols.sentiment], cols.sentiment, cut)
    data = frame[names].assign(_pos=signs == 1, _neg=signs == -1)
    parts = data.groupby(names, sort=True, observed=True).agg(
        n=("_pos", "size"), positive=("_pos", "sum"), negative=("_neg", "sum")
    )
    z = z_value(level)
    estimates: dict[Any, Estimate] = {}
    for key, row in parts.iterrows():
        n = int(row["n"])
        pos, neg = row["positive"] / n, row["negative"] / n
        value = float(pos - neg)
        half = z * float(np.sqrt(max(pos + neg - value**2, 0.0) / n))
        notes = ("fewer than 30 posts: the Wald interval may under-cover",) if n < 30 else ()
        estimates[key] = Estimate(value, value - half, value + half, level, "wald", n, None, notes)
    table = _estimates_table(estimates, names)
    table["positive"] = parts["positive"].to_numpy()
    table["negative"] = parts["negative"].to_numpy()
    return table


def daily_counts(
    posts: pd.DataFrame,
    *,
    metric: Literal["mentions", "engagements"] = "mentions",
    brand: str | None = None,
    columns: PostColumns | None = None,
) -> pd.Series[float]:
    """Mentions (posts) or engagements per calendar day, every day of the data included.

    The series an interrupted time series needs (:func:`precimark.kpi.interrupted_time_series`
    with ``seasonality="weekday"``): when the daily counts are overdispersed, that model's
    residual-based intervals are honest where :func:`campaign_response`'s Poisson interval is
    too narrow.

    Parameters
    ----------
    posts : DataFrame
        Posts with a date column (and the engagement counts for ``"engagements"``).
    metric : {"mentions", "engagements"}, default "mentions"
        Posts per day, or likes + shares + comments per day.
    brand : str, optional
        Count only this brand's posts.
    columns : PostColumns, optional
        Column names of ``posts``.

    Returns
    -------
    Series
        Named ``metric``, indexed by a daily ``DatetimeIndex`` from the first to the last day
        of the data; a day without posts is a real 0 (the posts table is the whole record).

    Raises
    ------
    DataValidationError
        For a missing column, an unparseable date or an unknown ``brand``.

    Examples
    --------
    >>> from precimark import channels, kpi
    >>> from precimark.datasets import make_posts
    >>> sim = make_posts(rate_ratio=1.5, random_state=0)
    >>> daily = channels.daily_counts(sim.posts, brand="our_brand")
    >>> its = kpi.interrupted_time_series(
    ...     daily[: sim.campaign_end], intervention=sim.campaign_start, seasonality="weekday"
    ... )
    >>> bool(its.average_effect.ci_low > 0)
    True
    """
    first, daily = _daily(posts, metric, brand, columns)
    index = pd.date_range(np.datetime64(first, "D"), periods=len(daily), freq="D")
    return pd.Series(daily, index=index, name=metric)


def _daily(
    posts: object, metric: str, brand: str | None, columns: PostColumns | None
) -> tuple[int, npt.NDArray[np.float64]]:
    """Return the first day number and the count of every day from it to the last."""
    cols = columns if columns is not None else PostColumns()
    check_choice(metric, "metric", ("mentions", "engagements"))
    needed = [cols.date] + (
        [cols.likes, cols.shares, cols.comments] if metric != "mentions" else []
    )
    frame = _posts(posts, cols, needed + ([cols.brand] if brand is not None else []))
    rows = np.array([f"row {i}" for i in range(len(frame))], dtype=object)
    days = timestamps(frame[cols.date], cols.date, rows, None) // (86_400 * 10**9)
    first, last = int(days.min()), int(days.max())
    keep = np.ones(len(frame), dtype=bool)
    if brand is not None:
        keep = (frame[cols.brand] == brand).to_numpy()
        if not keep.any():
            raise fail("argument 'brand'", repr(brand), f"a brand in column '{cols.brand}'")
    if metric == "mentions":
        amount = np.ones(len(frame))
    else:
        amount = np.sum([_counts(frame, c) for c in (cols.likes, cols.shares, cols.comments)], 0)
    daily = np.bincount(days[keep] - first, weights=amount[keep], minlength=last - first + 1)
    return first, daily.astype(np.float64)


def campaign_response(
    posts: pd.DataFrame,
    *,
    start: DateLike,
    end: DateLike,
    metric: Literal["mentions", "engagements"] = "mentions",
    brand: str | None = None,
    baseline: Literal["before", "outside"] = "before",
    weekly_seasonality: bool = False,
    confidence: float = 0.95,
    columns: PostColumns | None = None,
) -> Estimate:
    """Lift in mentions (or engagements) per day during a campaign over a baseline.

    The daily rate during ``start``..``end`` (both days included) is compared with the rate
    of the baseline days by a Poisson rate ratio. The interval and the p-value are exact,
    conditional on the total count: the campaign's share of the counts is binomial (a
    Clopper-Pearson interval, mapped to the ratio). With ``weekly_seasonality`` each day's
    exposure is its weekday's baseline level, so a campaign that covers more weekends is not
    credited with the weekend lift.

    Parameters
    ----------
    posts : DataFrame
        Posts with a date column (and the engagement counts for ``"engagements"``).
    start, end : date-like
        First and last day of the campaign window (inside the data).
    metric : {"mentions", "engagements"}, default "mentions"
        Posts per day, or likes + shares + comments per day.
    brand : str, optional
        Count only this brand's posts.
    baseline : {"before", "outside"}, default "before"
        Baseline days: those before the window, or all days outside it.
    weekly_seasonality : bool, default False
        Adjust the exposure of each day for its weekday (from the baseline days).
    confidence : float, default 0.95
        Confidence level.
    columns : PostColumns, optional
        Column names of ``posts``.

    Returns
    -------
    Estimate
        The rate ratio (1 = no lift), method ``"poisson rate ratio (exact conditional)"``
        (``"... weekday-adjusted"`` with seasonality), ``n`` the count in the window, the
        two-sided p-value against a ratio of 1. A warning when the baseline's daily counts
        are overdispersed (variance over 1.5 times the mean): the Poisson interval is then
        too narrow; an interrupted time series with seasonality is the better tool.

    Raises
    ------
    DataValidationError
        For a window that ends before it starts or lies (partly) outside the data, no
        baseline day, no count in the baseline, or an unknown ``brand``.

    Examples
    --------
    >>> from precimark import channels
    >>> from precimark.datasets import make_posts
    >>> sim = make_posts(rate_ratio=1.5, random_state=0)
    >>> lift = channels.campaign_response(
    ...     sim.posts, start=sim.campaign_start, end=sim.campaign_end, brand="our_brand"
    ... )
    >>> lift.contains(1.5), lift.method
    (True, 'poisson rate ratio (exact conditional)')
    """
    check_choice(baseline, "baseline", ("before", "outside"))
    seasonal = check_bool(weekly_seasonality, "weekly_seasonality")
    level = check_confidence(confidence)
    first, daily = _daily(posts, metric, brand, columns)
    last = first + len(daily) - 1
    lo = int(to_day(start, "start").astype(np.int64))
    hi = int(to_day(end, "end").astype(np.int64))
    if hi < lo:
        raise fail("argument 'end'", f"{end!r}, before start {start!r}", "end >= start")
    if lo < first or hi > last:
        span = f"{np.datetime64(first, 'D')} to {np.datetime64(last, 'D')}"
        raise fail(
            "arguments 'start'/'end'",
            f"a window {np.datetime64(lo, 'D')} to {np.datetime64(hi, 'D')} outside the "
            f"data in column '{(columns or PostColumns()).date}' ({span})",
            "a campaign window inside the observed days",
        )
    all_days = np.arange(first, last + 1)
    in_window = (all_days >= lo) & (all_days <= hi)
    base_days = (all_days < lo) if baseline == "before" else ~in_window
    if not base_days.any():
        raise fail(
            "argument 'start'",
            f"{np.datetime64(lo, 'D')}: no baseline day {baseline} the window",
            "days of data before the campaign",
            "Pass baseline='outside' to use the days after it too, or more history.",
        )
    count_window = float(daily[in_window].sum())
    count_base = float(daily[base_days].sum())
    if count_base == 0:
        raise fail("argument 'posts'", "no count in the baseline days", "a baseline rate > 0")
    weekday = (all_days + 3) % 7  # 1970-01-01 was a Thursday: Monday = 0
    exposure = np.ones(len(all_days))
    method = "poisson rate ratio (exact conditional)"
    if seasonal:
        level_by_day = np.bincount(weekday[base_days], weights=daily[base_days], minlength=7)
        n_by_day = np.bincount(weekday[base_days], minlength=7)
        if (n_by_day == 0).any():
            raise fail(
                "argument 'weekly_seasonality'",
                "a weekday with no baseline day",
                "at least one week of baseline",
            )
        factor = (level_by_day / n_by_day) / (count_base / base_days.sum())
        exposure = factor[weekday]
        method = "poisson rate ratio (exact conditional, weekday-adjusted)"
    t1, t0 = float(exposure[in_window].sum()), float(exposure[base_days].sum())
    ratio = (count_window / t1) / (count_base / t0)
    total = count_window + count_base
    alpha = 1 - level
    share_low = stats.beta.ppf(alpha / 2, count_window, count_base + 1) if count_window > 0 else 0.0
    share_high = (
        stats.beta.ppf(1 - alpha / 2, count_window + 1, count_base) if count_base > 0 else 1.0
    )
    low = share_low / (1 - share_low) * t0 / t1
    high = share_high / (1 - share_high) * t0 / t1 if share_high < 1 else float("inf")
    p_value = float(stats.binomtest(int(count_window), int(total), t1 / (t0 + t1)).pvalue)
    notes: list[str] = []
    if metric == "engagements":
        notes.append("engagements cluster by post: a Poisson model of them is optimistic")
    base_counts = daily[base_days]
    if len(base_counts) > 2 and base_counts.var(ddof=1) > 1.5 * base_counts.mean():
        notes.append(
            "baseline daily counts are overdispersed (variance > 1.5 x mean): the interval is "
            "too narrow; prefer an interrupted time series with seasonality (channels.daily_counts "
            "into kpi.interrupted_time_series)"
        )
    return Estimate(
        float(ratio),
        float(min(low, ratio)),
        float(max(high, ratio)),
        level,
        method,
        int(count_window),
        p_value,
        tuple(notes),
    )


def social_referred_customers(
    posts: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    consent: object = None,
    columns: PostColumns | None = None,
    transaction_columns: Columns | None = None,
) -> pd.DataFrame:
    """Join the customers a post referred to what they bought from the referral on.

    Parameters
    ----------
    posts : DataFrame
        Posts with a referral id column (the customer id a tracked link brought in; missing
        for posts that referred nobody).
    transactions : DataFrame
        The transaction log (customer id, date, amount).
    customers : DataFrame, optional
        Roster indexed by customer id, with the marketing consent column.
    consent : str, ConsentPolicy, False or None, default None
        Marketing consent, as everywhere: referred customers without it are left out.
    columns : PostColumns, optional
        Column names of ``posts``.
    transaction_columns : Columns, optional
        Column names of ``transactions``.

    Returns
    -------
    DataFrame
        Indexed by customer id: ``platform`` and ``brand`` of the first referring post,
        ``referred_at`` (its day), ``orders`` and ``revenue`` on or after that day (0 when the
        customer has not bought: a real zero, the log is complete).

    Raises
    ------
    DataValidationError
        For missing columns, an invalid transaction log, or no referral in the posts.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark import channels
    >>> posts = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-03-02"]),
    ...                       "platform": ["douyin", "weibo"], "brand": ["ours", "ours"],
    ...                       "referral_id": [7, None]})
    >>> orders = pd.DataFrame({"customer_id": [7, 7], "amount": [20.0, 5.0],
    ...                        "date": pd.to_datetime(["2024-02-01", "2024-03-03"])})
    >>> channels.social_referred_customers(posts, orders)[["platform", "orders", "revenue"]]
                platform  orders  revenue
    customer_id
    7             douyin       1      5.0
    """
    cols = columns if columns is not None else PostColumns()
    frame = _posts(posts, cols, [cols.date, cols.platform, cols.brand, cols.referral_id])
    tcols = transaction_columns if transaction_columns is not None else Columns()
    tx = validate_transactions(transactions, tcols)
    referred = frame[frame[cols.referral_id].notna()]
    if referred.empty:
        raise fail(
            f"column '{cols.referral_id}'", "no referral id on any post", "referral ids to join"
        )
    rows = np.array([f"row {i}" for i in range(len(referred))], dtype=object)
    day = timestamps(referred[cols.date], cols.date, rows, None) // (86_400 * 10**9)
    ids = referred[cols.referral_id].to_numpy()
    if pd.api.types.is_integer_dtype(tx.ids.dtype) and pd.api.types.is_numeric_dtype(ids.dtype):
        whole = np.asarray(ids, dtype=np.float64)
        if (whole == np.round(whole)).all():  # a column of ids with gaps reads as floats
            ids = whole.astype(tx.ids.dtype)
    first = (
        pd.DataFrame(
            {
                "id": ids,
                "day": day,
                "platform": referred[cols.platform].to_numpy(),
                "brand": referred[cols.brand].to_numpy(),
            }
        )
        .sort_values(["id", "day"], kind="stable")
        .drop_duplicates("id")
        .set_index("id")
    )
    gate = resolve_consent(customers, "marketing", consent, used_by="social_referred_customers")
    first = first[gate.mask(first.index)]
    bought = pd.DataFrame({"id": tx.ids, "day": tx.days, "amount": tx.amounts})
    bought = bought[bought["id"].isin(first.index)]
    after = bought["day"].to_numpy() >= first.loc[bought["id"], "day"].to_numpy()
    totals = bought[after].groupby("id")["amount"].agg(["size", "sum"])
    totals = totals.reindex(first.index, fill_value=0)
    result = pd.DataFrame(
        {
            "platform": first["platform"],
            "brand": first["brand"],
            "referred_at": first["day"].to_numpy().astype("datetime64[D]").astype("datetime64[ns]"),
            "orders": totals["size"].to_numpy(dtype=np.int64),
            "revenue": totals["sum"].to_numpy(dtype=np.float64),
        },
        index=pd.Index(first.index, name=tcols.customer_id),
    )
    return record_usage(result, gate.data_usage)
