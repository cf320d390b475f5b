"""Channel economics: reach, frequency, cost, attributed conversions and revenue, CAC and ROAS.

Every number comes with a bootstrap interval over customers (Poisson weights: each customer's
touches and journeys are counted together, so a resample keeps each customer whole), as an
:class:`~precimark.kpi.Estimate`. :func:`marginal_roas` is the budget view: where one more
unit of spend returns most.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import SeedLike
from precimark._validation import check_choice, check_number, fail, to_days, to_rng
from precimark.channels._journeys import CONVERSION_TIME
from precimark.channels._touchpoints import check_columns_argument, validate_touchpoints
from precimark.channels.attribution import (
    MODELS,
    Paths,
    attribute,
    compress,
    credit_paths,
    reweighted,
    rule_weights,
)
from precimark.kpi.estimates import ESTIMATE_COLUMNS, Estimate, check_confidence
from precimark.privacy._gate import record_usage, resolve_consent
from precimark.schema import CHANNEL, CONVERSIONS, CONVERTED, PATH, REVENUE, TouchpointColumns

__all__ = ["ECONOMICS_KPIS", "TOTAL", "channel_economics", "channel_results", "marginal_roas"]

ECONOMICS_KPIS: tuple[str, ...] = (
    "reach",
    "frequency",
    "cost",
    "conversions",
    "revenue",
    "cac",
    "roas",
)
"""KPIs of :func:`channel_economics` per channel, in order."""
TOTAL = "(all channels)"
"""Channel label of the totals row, which holds the holdout KPIs."""


def channel_economics(
    touchpoints: pd.DataFrame,
    journeys: pd.DataFrame,
    *,
    model: str = "markov",
    order: int = 1,
    customers: pd.DataFrame | None = None,
    holdout_column: str | None = None,
    consent: object = None,
    n_resamples: int = 200,
    confidence: float = 0.95,
    random_state: SeedLike = None,
    columns: TouchpointColumns | None = None,
) -> pd.DataFrame:
    """Per-channel reach, frequency, cost, attributed conversions and revenue, CAC and ROAS.

    For campaigns instead of channels, build the journeys and call this with
    ``columns=TouchpointColumns(channel="campaign")``: the unit is whatever column
    ``columns.channel`` names.

    Parameters
    ----------
    touchpoints : DataFrame
        The touchpoint log, with a ``cost`` column (see
        :class:`~precimark.schema.TouchpointColumns`).
    journeys : DataFrame
        Journeys of the same customers (:func:`~precimark.channels.journeys`), with the
        customer id column. Conversions with an empty path (no touch in the window) are not
        attributed to a channel but count as converting customers for the holdout KPIs.
    model : str, default "markov"
        Attribution model (see :func:`~precimark.channels.attribute`; not ``"time_decay"``).
    order : int, default 1
        Markov order.
    customers : DataFrame, optional
        Roster indexed by customer id: the marketing consent column, and ``holdout_column``.
    holdout_column : str, optional
        Boolean column of ``customers`` marking customers kept out of every channel. With it
        the totals row adds ``incremental_customers`` (converting customers outside the
        holdout minus what the holdout's conversion rate predicts for them) and
        ``cost_per_incremental_customer``. Converting customers are those with a converting
        journey; pass the journeys with empty paths too, or organic conversions are missed.
        The holdout customers' ids must be in the roster (they have no touches).
    consent : str, ConsentPolicy, False or None, default None
        Marketing consent, as everywhere (read from ``customers`` when given).
    n_resamples : int, default 200
        Bootstrap resamples (>= 50).
    confidence : float, default 0.95
        Confidence level of the intervals.
    random_state : int, Generator or None, default None
        Seed of the bootstrap.
    columns : TouchpointColumns, optional
        Column names of ``touchpoints`` (and the customer id of ``journeys``).

    Returns
    -------
    DataFrame
        Indexed by (``channel``, ``kpi``) with the columns of
        :data:`~precimark.kpi.ESTIMATE_COLUMNS`; the KPIs :data:`ECONOMICS_KPIS` per channel
        (``cac`` = cost / attributed conversions, ``roas`` = attributed revenue / cost; NaN
        with a warning where the denominator is 0) and, for the :data:`TOTAL` row, ``cost``,
        ``conversions``, ``revenue``, ``roas`` and the holdout KPIs. Method
        ``"bootstrap-percentile (customers)"``.

    Raises
    ------
    DataValidationError
        For a touchpoint log without a cost column or with negative costs, journeys
        without the customer id column, an unknown ``model``, a holdout column that is
        missing, not boolean, or leaves an empty group.

    Examples
    --------
    >>> from precimark import channels
    >>> from precimark.datasets import make_journeys
    >>> sim = make_journeys(2000, random_state=0)
    >>> paths = channels.journeys(sim.touchpoints, sim.transactions, consent=False)
    >>> paths = paths[paths["path"].str.len() > 0]
    >>> table = channels.channel_economics(
    ...     sim.touchpoints, paths, model="linear", consent=False, random_state=0
    ... )
    >>> table.loc[("search", "roas"), "method"]
    'bootstrap-percentile (customers)'
    """
    cols = check_columns_argument(columns)
    check_choice(model, "model", tuple(m for m in MODELS if m != "time_decay"))
    level = check_confidence(confidence)
    reps = int(check_number(n_resamples, "n_resamples", low=50, integer=True))
    tp = validate_touchpoints(touchpoints, cols)
    if tp.costs is None:
        raise fail(
            "argument 'touchpoints'",
            f"no cost column '{cols.cost}'",
            "the cost of every touch",
            "Add the column (0 for free touches) or name yours with TouchpointColumns(cost=...).",
        )
    if cols.customer_id not in journeys.columns:
        raise fail(
            "argument 'journeys'",
            f"no customer id column '{cols.customer_id}'",
            "the journeys of channels.journeys(...)",
        )
    gate = resolve_consent(customers, "marketing", consent, used_by="channels.channel_economics")
    touch_keep = gate.mask(pd.Index(tp.ids))
    journey_ids = journeys[cols.customer_id].to_numpy()
    journey_keep = gate.mask(pd.Index(journey_ids))
    everyone = journeys[journey_keep]
    buyers = everyone.loc[everyone[CONVERTED].to_numpy(dtype=bool), cols.customer_id]
    attributable = everyone[PATH].map(len).to_numpy() > 0
    kept = everyone[attributable]
    paths = compress(kept, None, cols, need_days=False)
    names = np.union1d(paths.names, tp.names[np.unique(tp.channels[touch_keep])])
    paths = _with_names(paths, names)

    ids = np.concatenate([tp.ids[touch_keep], kept[cols.customer_id].to_numpy()])
    holdout_ids = _holdout(customers, holdout_column, gate.allowed)
    if holdout_ids is not None:
        ids = np.concatenate([ids, holdout_ids.index.to_numpy()])
    customer_code, roster = pd.factorize(ids)
    n_touch = int(touch_keep.sum())
    touch_customer = customer_code[:n_touch]
    journey_customer = customer_code[n_touch : n_touch + len(kept)]
    channel = pd.Index(names).get_indexer(pd.Index(tp.names[tp.channels[touch_keep]]))
    cost = tp.costs[touch_keep]
    # One row per (customer, channel) with its touches and cost.
    pair, pair_index = pd.factorize(touch_customer * len(names) + channel)
    pair_customer = np.asarray(pair_index) // len(names)
    pair_channel = np.asarray(pair_index) % len(names)
    pair_touches = np.bincount(pair, minlength=len(pair_index)).astype(np.float64)
    pair_cost = np.bincount(pair, weights=cost, minlength=len(pair_index))
    converted = kept[CONVERTED].to_numpy(dtype=bool)
    revenue = kept[REVENUE].to_numpy(dtype=np.float64)

    incremental = None
    if holdout_ids is not None:
        held = pd.Index(roster).isin(holdout_ids.index[holdout_ids.to_numpy()])
        buyer = pd.Index(roster).isin(buyers)
        incremental = (held, buyer)

    def kpis(weight: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        w_pair = weight[pair_customer]
        reach = np.bincount(pair_channel, weights=w_pair, minlength=len(names))
        touches = np.bincount(pair_channel, weights=w_pair * pair_touches, minlength=len(names))
        spend = np.bincount(pair_channel, weights=w_pair * pair_cost, minlength=len(names))
        w_journey = weight[journey_customer]
        conv, rev, _ = credit_paths(
            reweighted(paths, w_journey, converted, revenue), model, order, (0.4, 0.4), 500, 0
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            per_channel = np.stack(
                [reach, touches / reach, spend, conv, rev, spend / conv, rev / spend]
            )
            total = [spend.sum(), conv.sum(), rev.sum(), rev.sum() / spend.sum()]
            if incremental is not None:
                held, buyer = incremental
                n_held, n_out = weight[held].sum(), weight[~held].sum()
                rate = (weight * buyer)[held].sum() / n_held
                lift = (weight * buyer)[~held].sum() - rate * n_out
                total += [lift, spend.sum() / lift]
        return np.concatenate([per_channel.T.ravel(), total])

    point = kpis(np.ones(len(roster)))
    rng = to_rng(random_state)
    draws = np.stack([kpis(rng.poisson(1.0, len(roster)).astype(np.float64)) for _ in range(reps)])
    labels = [(c, k) for c in names for k in ECONOMICS_KPIS]
    totals = ["cost", "conversions", "revenue", "roas"]
    if incremental is not None:
        totals += ["incremental_customers", "cost_per_incremental_customer"]
    labels += [(TOTAL, k) for k in totals]
    rows = [_estimate(point[i], draws[:, i], level, len(roster)) for i in range(len(labels))]
    frame = pd.DataFrame(
        [list(e.to_frame().iloc[0]) for e in rows],
        columns=list(ESTIMATE_COLUMNS),
        index=pd.MultiIndex.from_tuples(labels, names=[CHANNEL, "kpi"]),
    )
    frame.attrs["model"] = model
    return record_usage(frame, gate.data_usage)


def _with_names(paths: Paths, names: npt.NDArray[Any]) -> Paths:
    """Re-code the paths' channels against a wider, sorted list of names."""
    mapping = pd.Index(names).get_indexer(paths.names)
    return paths._replace(names=np.asarray(names, dtype=object), channels=mapping[paths.channels])


def _holdout(
    customers: pd.DataFrame | None, holdout_column: str | None, allowed: pd.Index | None
) -> pd.Series[bool] | None:
    if holdout_column is None:
        return None
    if customers is None:
        raise fail(
            "argument 'customers'",
            "None",
            f"a roster with the holdout column '{holdout_column}'",
        )
    if holdout_column not in customers.columns:
        raise fail(
            "argument 'customers'",
            f"no holdout column '{holdout_column}'",
            "a boolean column marking the holdout",
        )
    flags = customers[holdout_column]
    if not pd.api.types.is_bool_dtype(flags.dtype):
        raise fail(f"column '{holdout_column}'", f"values of dtype {flags.dtype}", "True or False")
    if allowed is not None:
        flags = flags[flags.index.isin(allowed)]
    if flags.all() or not flags.any():
        raise fail(
            f"column '{holdout_column}'",
            "one group only (all or none held out)",
            "customers both in and out of the holdout",
        )
    return flags.astype(bool)


def _estimate(value: float, draws: npt.NDArray[np.float64], level: float, n: int) -> Estimate:
    method = "bootstrap-percentile (customers)"
    finite = draws[np.isfinite(draws)]
    if not np.isfinite(value) or len(finite) < 2:
        return Estimate(
            float("nan"),
            float("-inf"),
            float("inf"),
            level,
            method,
            n,
            warnings=("undefined: its denominator (conversions, cost or reach) is 0",),
        )
    low, high = np.quantile(finite, [(1 - level) / 2, (1 + level) / 2])
    notes: tuple[str, ...] = ()
    if len(finite) < 0.95 * len(draws):
        share = 1 - len(finite) / len(draws)
        notes = (
            f"undefined in {share:.0%} of the resamples (few customers): the interval is wide",
        )
    return Estimate(
        float(value),
        float(min(low, value)),
        float(max(high, value)),
        level,
        method,
        n,
        warnings=notes,
    )


def marginal_roas(
    touchpoints: pd.DataFrame,
    journeys: pd.DataFrame,
    *,
    model: str = "linear",
    period: object = "7D",
    confidence: float = 0.95,
    columns: TouchpointColumns | None = None,
) -> pd.DataFrame:
    """Budget view: the revenue one more unit of spend brings, by channel.

    Spend and attributed revenue are summed per channel and period; a response curve
    ``revenue = a * spend ** b`` is fitted per channel by least squares on the logarithms
    of the periods with both positive. ``b`` is the spend elasticity (diminishing returns
    when below 1), and the marginal ROAS at the current spend is ``b * revenue / spend``.
    Reallocating budget from channels with a low marginal ROAS to those with a high one
    raises revenue at the same total spend.

    Parameters
    ----------
    touchpoints : DataFrame
        The touchpoint log with costs.
    journeys : DataFrame
        Journeys with ``conversion_time`` (:func:`~precimark.channels.journeys`).
    model : {"first", "last", "linear", "position"}, default "linear"
        Rule that credits each journey's revenue to its touches (the Markov and Shapley
        credits are not defined journey by journey).
    period : int, str or Timedelta, default "7D"
        Length of the periods, in days or a duration such as ``"7D"``.
    confidence : float, default 0.95
        Confidence level of the elasticity's interval (t interval of the slope); the marginal
        ROAS interval is that interval times the ROAS.
    columns : TouchpointColumns, optional
        Column names of ``touchpoints``.

    Returns
    -------
    DataFrame
        Indexed by ``channel`` with ``spend``, ``revenue``, ``roas``, ``n_periods``,
        ``elasticity`` and ``marginal_roas`` (Estimates; NaN with a warning when fewer than 3
        periods have spend and revenue), sorted by marginal ROAS, highest first.

    Raises
    ------
    DataValidationError
        For touchpoints without costs, journeys without ``conversion_time``, or fewer than
        two periods in the data.

    Examples
    --------
    >>> from precimark import channels
    >>> from precimark.datasets import make_journeys
    >>> sim = make_journeys(3000, random_state=0)
    >>> paths = channels.journeys(sim.touchpoints, sim.transactions)
    >>> view = channels.marginal_roas(sim.touchpoints, paths[paths["path"].str.len() > 0])
    >>> list(view.columns)
    ['spend', 'revenue', 'roas', 'n_periods', 'elasticity', 'marginal_roas']
    """
    from scipy import stats

    cols = check_columns_argument(columns)
    check_choice(model, "model", ("first", "last", "linear", "position"))
    level = check_confidence(confidence)
    days = to_days(period, "period", minimum=1)
    tp = validate_touchpoints(touchpoints, cols)
    if tp.costs is None:
        raise fail("argument 'touchpoints'", f"no cost column '{cols.cost}'", "touch costs")
    if CONVERSION_TIME not in journeys.columns:
        raise fail(
            "argument 'journeys'",
            f"no column '{CONVERSION_TIME}'",
            "the journeys of channels.journeys(...)",
        )
    converting = journeys[journeys[CONVERTED].to_numpy(dtype=bool)]
    paths = _with_names(
        compress(converting, None, cols, need_days=False), np.unique(tp.names[tp.channels])
    )
    origin = tp.times.min()
    step = days * 86_400 * 10**9
    touch_period = (tp.times - origin) // step
    when = converting[CONVERSION_TIME].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    journey_period = (when - origin) // step
    n_periods = int(max(touch_period.max(), journey_period.max(initial=0))) + 1
    if n_periods < 2:
        raise fail("argument 'period'", f"{days} days: one period of data", "at least 2 periods")
    names = paths.names
    k = len(names)
    channel = pd.Index(names).get_indexer(pd.Index(tp.names[tp.channels]))
    spend = np.bincount(
        np.clip(touch_period, 0, None) * k + channel, weights=tp.costs, minlength=n_periods * k
    ).reshape(n_periods, k)
    weights = rule_weights(paths, model, (0.4, 0.4))
    revenue = np.zeros((n_periods, k))
    per_journey_revenue = converting[REVENUE].to_numpy(dtype=np.float64)
    journey_touch = np.repeat(np.arange(len(converting)), paths.lengths[paths.codes])
    first_touch = paths.starts[paths.codes]
    offsets = np.arange(len(journey_touch)) - np.repeat(
        np.cumsum(paths.lengths[paths.codes]) - paths.lengths[paths.codes],
        paths.lengths[paths.codes],
    )
    element = first_touch[journey_touch] + offsets
    np.add.at(
        revenue,
        (
            np.clip(journey_period[journey_touch], 0, n_periods - 1),
            paths.channels[element],
        ),
        weights[element] * per_journey_revenue[journey_touch],
    )
    rows: dict[str, list[Any]] = {key: [] for key in ("spend", "revenue", "roas", "n_periods")}
    rows["elasticity"], rows["marginal_roas"] = [], []
    for c in range(k):
        s, r = spend[:, c], revenue[:, c]
        usable = (s > 0) & (r > 0)
        total_s, total_r = float(s.sum()), float(r.sum())
        roas = total_r / total_s if total_s > 0 else float("nan")
        rows["spend"].append(total_s)
        rows["revenue"].append(total_r)
        rows["roas"].append(roas)
        rows["n_periods"].append(int(usable.sum()))
        if usable.sum() < 3 or not np.isfinite(roas) or np.ptp(np.log(s[usable])) == 0:
            undefined = Estimate(
                float("nan"),
                float("-inf"),
                float("inf"),
                level,
                "log-log least squares",
                int(usable.sum()),
                warnings=("fewer than 3 periods with both spend and revenue, or constant spend",),
            )
            rows["elasticity"].append(undefined)
            rows["marginal_roas"].append(undefined)
            continue
        fit = stats.linregress(np.log(s[usable]), np.log(r[usable]))
        dof = int(usable.sum()) - 2
        half = float(stats.t.ppf(0.5 + level / 2, dof) * fit.stderr) if dof > 0 else float("inf")
        b = float(fit.slope)
        n_used = int(usable.sum())
        rows["elasticity"].append(
            Estimate(b, b - half, b + half, level, "log-log least squares", n_used)
        )
        rows["marginal_roas"].append(
            Estimate(
                b * roas, (b - half) * roas, (b + half) * roas, level, "elasticity x roas", n_used
            )
        )
    frame = pd.DataFrame(rows, index=pd.Index(names, name=CHANNEL))
    order = np.argsort(
        [-e.value if np.isfinite(e.value) else np.inf for e in rows["marginal_roas"]]
    )
    return frame.iloc[order]


def channel_results(
    journeys: pd.DataFrame,
    *,
    models: Sequence[str] = ("last", "linear", "markov"),
    touchpoints: pd.DataFrame | None = None,
    columns: TouchpointColumns | None = None,
) -> pd.DataFrame:
    """One table of the channels' credited conversions and revenue under several models.

    The table a campaign report shows: side by side, how much each attribution model credits
    to each channel, and (with costs) the spend and ROAS. Where the models disagree, the
    data-driven one (Markov) is the one to act on; the heuristics show how much the choice
    matters.

    Parameters
    ----------
    journeys : DataFrame
        Journeys (:func:`~precimark.channels.journeys`) with at least one touch each.
    models : sequence of str, default ("last", "linear", "markov")
        Attribution models (:func:`~precimark.channels.attribute`, with its defaults).
    touchpoints : DataFrame, optional
        The touchpoint log with costs: adds ``cost`` and ``roas_<model>``.
    columns : TouchpointColumns, optional
        Column names of ``touchpoints`` and ``journeys``.

    Returns
    -------
    DataFrame
        Indexed by ``channel``: ``conversions_<model>`` and ``revenue_<model>`` for each
        model, then ``cost`` and ``roas_<model>`` with ``touchpoints`` (NaN where the cost is
        0). ``attrs["models"]`` lists the models.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark import channels
    >>> paths = pd.DataFrame({"path": [("social", "search"), ("search",), ("social",)],
    ...                       "converted": [True, True, False], "revenue": [50.0, 30.0, 0.0]})
    >>> channels.channel_results(paths, models=["first", "last"])["conversions_last"].tolist()
    [2.0, 0.0]
    """
    if isinstance(models, str) or not models:
        raise fail("argument 'models'", repr(models), "a non-empty sequence of model names")
    parts = []
    for model in models:
        check_choice(model, "models", MODELS)
        credit = attribute(journeys, model, columns=columns)  # type: ignore[arg-type]
        parts.append(credit[[CONVERSIONS, REVENUE]].add_suffix(f"_{model}"))
    table = pd.concat(parts, axis=1)
    if touchpoints is not None:
        cols = check_columns_argument(columns)
        tp = validate_touchpoints(touchpoints, cols)
        if tp.costs is None:
            raise fail("argument 'touchpoints'", f"no cost column '{cols.cost}'", "touch costs")
        spend = pd.Series(
            np.bincount(tp.channels, weights=tp.costs, minlength=len(tp.names)),
            index=pd.Index(tp.names, name=CHANNEL),
        )
        table = table.reindex(table.index.union(spend.index), fill_value=0.0)
        table["cost"] = spend.reindex(table.index, fill_value=0.0)
        for model in models:
            with np.errstate(divide="ignore", invalid="ignore"):
                roas = table[f"{REVENUE}_{model}"] / table["cost"].where(table["cost"] > 0)
            table[f"roas_{model}"] = roas
    table.index.name = CHANNEL
    table.attrs["models"] = list(models)
    return table
