"""Attribution: how much of the conversions and revenue each channel earned.

One function, :func:`attribute`, with the rule-based models (first, last, linear, position,
time decay) and two data-driven ones: the Markov-chain removal effect (Anderl et al. 2016,
orders 1 to 3) and the Shapley value of the same chain's conversion probability over
coalitions of channels (exact up to 15 channels, sampled permutations beyond). Every model credits each converting
journey's conversion and revenue to channels so that the credits sum to the totals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from math import factorial
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import spsolve

from precimark._typing import SeedLike
from precimark._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_number,
    check_seed,
    fail,
    fail_rows,
    to_duration_units,
    to_rng,
)
from precimark.channels._touchpoints import check_columns_argument
from precimark.schema import (
    CHANNEL,
    CONVERSIONS,
    CONVERTED,
    DAYS_BEFORE,
    PATH,
    REVENUE,
    TouchpointColumns,
)

__all__ = [
    "MODELS",
    "REMOVAL_EFFECT",
    "SHAPLEY_EXACT_MAX",
    "SHAPLEY_VALUE",
    "attribute",
]

Model = Literal["first", "last", "linear", "position", "time_decay", "markov", "shapley"]
MODELS: tuple[str, ...] = ("first", "last", "linear", "position", "time_decay", "markov", "shapley")
"""The values of ``model=`` in :func:`attribute`."""
REMOVAL_EFFECT = "removal_effect"
"""Column of the Markov model: the share of conversions lost when the channel is removed."""
SHAPLEY_VALUE = "shapley_value"
"""Column of the Shapley model: the channel's Shapley value (in conversion probability)."""
SHAPLEY_EXACT_MAX = 15
"""Up to this many channels the Shapley values are exact; beyond, permutations are sampled."""


class Paths(NamedTuple):
    """Journeys compressed to their distinct paths, exploded to one row per touch."""

    names: npt.NDArray[np.object_]
    journeys: npt.NDArray[np.float64]  # journeys per distinct path
    conversions: npt.NDArray[np.float64]
    revenue: npt.NDArray[np.float64]
    lengths: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    channels: npt.NDArray[np.int64]  # channel code of each touch, path by path
    codes: npt.NDArray[np.intp]  # distinct path of each journey (row of the input)


def attribute(
    journeys: pd.DataFrame,
    model: Model = "markov",
    *,
    order: int = 1,
    channels: Sequence[str] | None = None,
    position_weights: tuple[float, float] = (0.4, 0.4),
    half_life: object = "7D",
    n_permutations: int = 2000,
    random_state: SeedLike = None,
    columns: TouchpointColumns | None = None,
) -> pd.DataFrame:
    """Credit each channel with conversions and revenue under an attribution model.

    Parameters
    ----------
    journeys : DataFrame
        One row per journey, as made by :func:`~precimark.channels.journeys`: ``path``
        (tuple of channel names, oldest first), ``converted`` (bool), ``revenue``, and
        ``days_before`` for ``model="time_decay"``. Non-converting journeys matter to the
        Markov and Shapley models.
    model : {"first", "last", "linear", "position", "time_decay", "markov", "shapley"}
        ``"first"``/``"last"``: all credit to the first/last touch; ``"linear"``: equal shares
        per touch; ``"position"``: ``position_weights`` to the first and last touch and the
        rest shared by the touches between; ``"time_decay"``: shares halving every
        ``half_life`` before the conversion; ``"markov"``: shares proportional to each
        channel's removal effect in a Markov chain of order ``order`` over the journeys
        (Anderl et al. 2016), the revenue by the removal effect on expected revenue;
        ``"shapley"``: shares proportional to each channel's Shapley value in the game whose
        value for a set of channels is the conversion probability (expected revenue, for the
        revenue) of the first-order Markov chain of the journeys with every other channel
        removed (Shapley 1953; the values sum to the chain's conversion probability, which
        is the journeys' conversion rate).
    order : int, default 1
        Order of the Markov chain, 1 to 3: the state is the last ``order`` channels.
    channels : sequence of str, optional
        The channels known to you. A path with any other channel is refused (a typo, a
        channel renamed upstream); channels never touched get zero credit. Default: the
        channels in the paths.
    position_weights : tuple of float, default (0.4, 0.4)
        Shares of the first and the last touch for ``model="position"`` (each >= 0, sum <= 1).
        A journey of two touches splits the credit in the ratio of the two; one of a single
        touch gives it all.
    half_life : int, float, str or Timedelta, default "7D"
        Half-life of ``model="time_decay"``, in days or a duration such as ``"7D"`` (> 0).
    n_permutations : int, default 2000
        Permutations sampled by the Shapley model when there are more than
        :data:`SHAPLEY_EXACT_MAX` channels.
    random_state : int, Generator or None, default None
        Seed of the sampled Shapley values (exact Shapley and every other model are
        deterministic).
    columns : TouchpointColumns, optional
        Names the customer id column that error messages quote (row numbers without it).

    Returns
    -------
    DataFrame
        Indexed by ``channel`` (sorted), with ``conversions`` and ``revenue`` credited (each
        column sums to the converting journeys' totals), plus ``removal_effect`` (Markov) or
        ``shapley_value`` (Shapley). ``attrs["model"]`` names the model.

    Raises
    ------
    DataValidationError
        For a missing column; a path that is not a tuple of channel names; a channel not in
        ``channels``; a converting journey with an empty path (no touch in its window:
        nothing to credit); revenue that is negative, missing, or positive on a journey that
        did not convert; and invalid arguments.

    References
    ----------
    Anderl, E., Becker, I., von Wangenheim, F. & Schumann, J. H. (2016). Mapping the customer
    journey: Lessons learned from graph-based online attribution modeling. *International
    Journal of Research in Marketing*, 33(3), 457-474.

    Shapley, L. S. (1953). A value for n-person games. *Contributions to the Theory of
    Games II*, 307-317.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark import channels
    >>> paths = pd.DataFrame({
    ...     "path": [("social", "search"), ("search",), ("social",)],
    ...     "converted": [True, True, False],
    ...     "revenue": [50.0, 30.0, 0.0],
    ... })
    >>> channels.attribute(paths, model="last")
             conversions  revenue
    channel
    search           2.0     80.0
    social           0.0      0.0
    >>> channels.attribute(paths, model="linear")["conversions"].tolist()
    [1.5, 0.5]
    """
    check_choice(model, "model", MODELS)
    check_seed(random_state)
    order_k = int(check_number(order, "order", low=1, high=3, integer=True))
    paths = compress(journeys, channels, columns, need_days=model == "time_decay")
    if model == "time_decay":
        conv, rev = _time_decay(journeys, paths.names, half_life)
        extra: dict[str, npt.NDArray[np.float64]] = {}
    else:
        count = int(check_number(n_permutations, "n_permutations", low=10, integer=True))
        head_tail = _position_weights(position_weights)
        conv, rev, extra = credit_paths(paths, model, order_k, head_tail, count, random_state)
    result = pd.DataFrame(
        {CONVERSIONS: conv, REVENUE: rev, **extra}, index=pd.Index(paths.names, name=CHANNEL)
    )
    result.attrs["model"] = model if model != "markov" else f"markov (order {order_k})"
    return result


def credit_paths(
    paths: Paths,
    model: str,
    order: int,
    position_weights: tuple[float, float],
    n_permutations: int,
    random_state: SeedLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], dict[str, npt.NDArray[np.float64]]]:
    """Conversions and revenue credited per channel by a model other than time decay."""
    total_conv = float(paths.conversions.sum())
    total_rev = float(paths.revenue.sum())
    if model == "markov":
        effect_conv, effect_rev = _removal_effects(paths, order)
        return (
            _shares(effect_conv, total_conv),
            _shares(effect_rev, total_rev),
            {REMOVAL_EFFECT: effect_conv},
        )
    if model == "shapley":
        value_conv, value_rev = _shapley(paths, n_permutations, random_state)
        return (
            _shares(value_conv, total_conv),
            _shares(value_rev, total_rev),
            {SHAPLEY_VALUE: value_conv},
        )
    weights = rule_weights(paths, model, position_weights)
    return _credit(paths, weights, paths.conversions), _credit(paths, weights, paths.revenue), {}


def reweighted(
    paths: Paths,
    weight: npt.NDArray[np.float64],
    converted: npt.NDArray[np.bool_],
    revenue: npt.NDArray[np.float64],
) -> Paths:
    """Return the same distinct paths with each journey counted ``weight`` times."""
    size = len(paths.lengths)
    return paths._replace(
        journeys=_sum_by(paths.codes, weight, size),
        conversions=_sum_by(paths.codes, weight * converted, size),
        revenue=_sum_by(paths.codes, weight * revenue, size),
    )


# -- input --------------------------------------------------------------------------------------


def _ids(frame: pd.DataFrame, columns: TouchpointColumns | None) -> npt.NDArray[Any]:
    cols = columns if columns is not None else TouchpointColumns()
    if not isinstance(cols, TouchpointColumns):
        raise fail(
            "argument 'columns'", f"a {type(cols).__name__}", "a precimark.schema.TouchpointColumns"
        )
    if cols.customer_id in frame.columns:
        return frame[cols.customer_id].to_numpy()
    return np.array([f"row {i}" for i in range(len(frame))], dtype=object)


def compress(
    journeys: object,
    channels: Sequence[str] | None,
    columns: TouchpointColumns | None,
    *,
    need_days: bool,
) -> Paths:
    check_columns_argument(columns)
    frame = check_frame(journeys, "journeys")
    check_columns(
        frame, (PATH, CONVERTED, REVENUE, *((DAYS_BEFORE,) if need_days else ())), "journeys"
    )

    def ids() -> npt.NDArray[Any]:  # only built for an error message
        return _ids(frame, columns)

    index = _path_index(frame[PATH].to_numpy(dtype=object), ids)
    codes, lengths = index.codes, index.lengths
    converted = frame[CONVERTED]
    if not pd.api.types.is_bool_dtype(converted.dtype):
        raise fail(f"column '{CONVERTED}'", f"values of dtype {converted.dtype}", "True or False")
    conv = converted.to_numpy(dtype=bool)
    revenue = frame[REVENUE]
    if pd.api.types.is_bool_dtype(revenue.dtype) or not pd.api.types.is_numeric_dtype(
        revenue.dtype
    ):
        raise fail(f"column '{REVENUE}'", f"values of dtype {revenue.dtype}", "numeric revenue")
    rev = revenue.to_numpy(dtype=np.float64, na_value=np.nan)
    for mask, what, expected in (
        (~np.isfinite(rev), "missing or infinite revenue", "finite revenue on every journey"),
        (rev < 0, "negative revenue", "revenue >= 0"),
        (
            ~conv & (rev > 0),
            "journey with revenue that did not convert",
            "revenue 0 on non-converting journeys",
        ),
    ):
        if mask.any():
            raise fail_rows(f"column '{REVENUE}'", mask, ids(), what, expected)
    empty = conv & (lengths[codes] == 0)
    if empty.any():
        raise fail_rows(
            f"column '{PATH}'",
            empty,
            ids(),
            "converting journey with an empty path",
            "at least one touch on every converting journey (there is nothing to credit)",
            "Conversions without a touch in the lookback window are not attributable: drop "
            "them (journeys[journeys['path'].str.len() > 0]) and report them as unattributed, "
            "or widen lookback=.",
        )
    names = index.seen if channels is None else np.asarray(_known(channels), dtype=object)
    lookup = pd.Index(names, dtype=object).get_indexer(pd.Index(index.seen, dtype=object))
    channel_codes = lookup[index.channels]
    unknown = channel_codes < 0
    if unknown.any():
        first = index.seen[index.channels[int(np.argmax(unknown))]]
        element_path = np.repeat(np.arange(len(lengths)), lengths)
        bad_path = np.zeros(len(lengths), dtype=bool)
        bad_path[element_path[unknown]] = True
        raise fail_rows(
            f"column '{PATH}'",
            bad_path[codes],
            ids(),
            f"journey with a channel not in channels= (first: {first!r})",
            "only the channels named by channels=",
            "Fix or map the channel names upstream, or add the channel to channels=.",
        )
    size = len(lengths)
    n_journeys = _sum_by(codes, np.ones(len(codes)), size)
    n_conv = _sum_by(codes, conv.astype(np.float64), size)
    n_rev = _sum_by(codes, rev, size)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return Paths(
        names, n_journeys, n_conv, n_rev, lengths, starts, channel_codes.astype(np.int64), codes
    )


class _PathIndex(NamedTuple):
    """A path column coded as integers: its distinct paths and their channels."""

    source: npt.NDArray[np.object_]  # the column's tuples, kept alive so that ids stay theirs
    identity: npt.NDArray[np.uintp]  # id() of each tuple: the cache key
    codes: npt.NDArray[np.intp]  # distinct path of each journey
    lengths: npt.NDArray[np.int64]  # touches per distinct path
    channels: npt.NDArray[np.intp]  # code in ``seen`` of each touch, path by path
    seen: npt.NDArray[np.object_]  # the channel names in the paths, sorted


_LAST_INDEX: list[_PathIndex] = []
"""The last path index built (one entry), reused while the column holds the same tuples."""


def _path_index(raw: npt.NDArray[np.object_], ids: Callable[[], npt.NDArray[Any]]) -> _PathIndex:
    """Code a path column as integers, or reuse the last coding when nothing changed.

    Compressing the tuples (hashing every path and channel name) is the cost of every
    :func:`attribute` call on a large journeys frame, and a user runs several models on the
    same frame. Tuples are immutable and the cache keeps the last column's tuples alive, so a
    column holding the very same tuple objects, row by row, has the same coding: comparing
    ``id`` s is exact and costs one pass of integers. Any other column is coded afresh.
    """
    identity = np.fromiter(map(id, raw), dtype=np.uintp, count=len(raw))
    for last in _LAST_INDEX:
        if np.array_equal(last.identity, identity):
            return last
    try:
        codes, distinct = pd.factorize(raw)
        if set(map(type, distinct)) <= {tuple}:  # C-speed check, the usual case
            not_tuple = np.zeros(len(distinct), dtype=bool)
        else:
            not_tuple = np.fromiter((type(p) is not tuple for p in distinct), bool, len(distinct))
    except TypeError:  # an unhashable path, such as a list
        codes, not_tuple = np.zeros(len(raw), dtype=np.intp), np.ones(1, dtype=bool)
    if not_tuple.any():
        raise fail_rows(
            f"column '{PATH}'",
            not_tuple[codes],
            ids(),
            "path that is not a tuple",
            "a tuple of channel names on every journey, oldest touch first",
            "Build the journeys with precimark.channels.journeys(...).",
            plural="paths that are not tuples",
        )
    lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
    flat = np.fromiter(chain.from_iterable(distinct), dtype=object, count=int(lengths.sum()))
    touch_codes, names = pd.factorize(flat, use_na_sentinel=False)
    seen = np.asarray(sorted(names), dtype=object)
    rank = pd.Index(seen, dtype=object).get_indexer(pd.Index(names, dtype=object))
    # Our own array of the tuples: were `raw` a view of the caller's column, replacing a path
    # in place could free its tuple and let a new one take its id (a false cache hit).
    source = raw.copy()
    index = _PathIndex(source, identity, np.asarray(codes), lengths, rank[touch_codes], seen)
    _LAST_INDEX[:] = [index]
    return index


def _sum_by(
    codes: npt.NDArray[np.intp], weights: npt.NDArray[np.float64], size: int
) -> npt.NDArray[np.float64]:
    """Sum of ``weights`` per code 0..size-1."""
    return np.bincount(codes, weights=weights, minlength=size).astype(np.float64, copy=False)


def _channel_codes(
    flat: npt.NDArray[np.object_], names: npt.NDArray[np.object_]
) -> npt.NDArray[np.int64]:
    """Position of each channel of ``flat`` in ``names`` (-1 when absent).

    Factorizes first and looks up the few distinct names: ``Index.get_indexer`` on the whole
    object array converts it to a string array and back, several times slower.
    """
    codes, distinct = pd.factorize(flat)
    lookup = pd.Index(names, dtype=object).get_indexer(pd.Index(distinct, dtype=object))
    return np.asarray(lookup[codes], dtype=np.int64)


def _known(channels: Sequence[str]) -> list[str]:
    if isinstance(channels, str) or not all(isinstance(c, str) for c in channels):
        raise fail("argument 'channels'", repr(channels), "a sequence of channel names (strings)")
    if len(set(channels)) != len(channels) or not channels:
        raise fail("argument 'channels'", repr(list(channels)), "distinct channel names")
    return sorted(channels)


# -- rule-based models ------------------------------------------------------------------------


def rule_weights(
    paths: Paths, model: str, position_weights: tuple[float, float]
) -> npt.NDArray[np.float64]:
    """Share of its journey's credit that each touch gets."""
    lengths = np.repeat(paths.lengths, paths.lengths)
    offset = np.arange(len(paths.channels)) - np.repeat(paths.starts, paths.lengths)
    first = offset == 0
    last = offset == lengths - 1
    if model == "first":
        return np.asarray(first, dtype=np.float64)
    if model == "last":
        return np.asarray(last, dtype=np.float64)
    if model == "linear":
        return np.asarray(1.0 / lengths, dtype=np.float64)
    head, tail = position_weights
    middle = (1.0 - head - tail) / np.maximum(lengths - 2, 1)
    weights = np.where(first, head, np.where(last, tail, middle))
    two = lengths == 2
    total = head + tail
    weights = np.where(two, np.where(first, head, tail) / total if total > 0 else 0.5, weights)
    return np.asarray(np.where(lengths == 1, 1.0, weights), dtype=np.float64)


def _position_weights(value: object) -> tuple[float, float]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise fail("argument 'position_weights'", repr(value), "a tuple (first, last)")
    head = check_number(value[0], "position_weights", low=0.0, high=1.0)
    tail = check_number(value[1], "position_weights", low=0.0, high=1.0)
    if head + tail > 1.0 + 1e-12:
        raise fail("argument 'position_weights'", repr(value), "two shares summing to <= 1")
    return head, tail


def _credit(
    paths: Paths, weights: npt.NDArray[np.float64], per_path: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    amounts = np.repeat(per_path, paths.lengths) * weights
    return _sum_by(paths.channels, amounts, len(paths.names))


def _time_decay(
    journeys: pd.DataFrame, names: npt.NDArray[np.object_], half_life: object
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    half = to_duration_units(half_life, "D", "half_life")
    converting = journeys[journeys[CONVERTED].to_numpy(dtype=bool)]
    paths = converting[PATH].to_numpy(dtype=object)
    days = converting[DAYS_BEFORE].to_numpy(dtype=object)
    lengths = np.fromiter(map(len, paths), dtype=np.int64, count=len(paths))
    day_lengths = np.fromiter(map(len, days), dtype=np.int64, count=len(days))
    if not np.array_equal(lengths, day_lengths):
        raise fail(
            f"column '{DAYS_BEFORE}'",
            f"{int((lengths != day_lengths).sum())} journeys whose days_before and path differ "
            "in length",
            "one number of days per touch",
        )
    flat_days = np.fromiter(chain.from_iterable(days), dtype=np.float64, count=int(lengths.sum()))
    bad = ~np.isfinite(flat_days) | (flat_days < 0)
    if bad.any():
        journey_of_touch = np.repeat(np.arange(len(paths)), lengths)
        bad_journey = np.zeros(len(paths), dtype=bool)
        bad_journey[journey_of_touch[bad]] = True
        raise fail_rows(
            f"column '{DAYS_BEFORE}'",
            bad_journey,
            _ids(converting, None),
            "journey with a touch after the conversion (negative or missing days)",
            "days >= 0 before the conversion on every touch",
            "Build the journeys with precimark.channels.journeys(...), which keeps later "
            "touches for the next journey.",
            plural="journeys with a touch after the conversion (negative or missing days)",
        )
    flat = np.fromiter(chain.from_iterable(paths), dtype=object, count=int(lengths.sum()))
    codes = _channel_codes(flat, names)
    raw = np.exp2(-flat_days / half)
    journey = np.repeat(np.arange(len(paths)), lengths)
    weights = raw / _sum_by(journey, raw, len(paths))[journey]
    rev = converting[REVENUE].to_numpy(dtype=np.float64)[journey]
    return _sum_by(codes, weights, len(names)), _sum_by(codes, weights * rev, len(names))


def _shares(scores: npt.NDArray[np.float64], total: float) -> npt.NDArray[np.float64]:
    positive = np.clip(scores, 0.0, None)
    if total == 0 or positive.sum() == 0:
        return np.zeros_like(scores)
    return np.asarray(total * positive / positive.sum(), dtype=np.float64)


# -- Markov removal effect --------------------------------------------------------------------


def _states(paths: Paths, order: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """State id of each step (sliding windows of ``order`` channels) and its path.

    A path shorter than ``order`` is one state: the whole path (as in ChannelAttribution).
    """
    base = len(paths.names)
    n_steps = np.maximum(paths.lengths - order + 1, 1)
    path_of_step = np.repeat(np.arange(len(paths.lengths)), n_steps)
    first_touch = np.repeat(paths.starts, n_steps) + (
        np.arange(int(n_steps.sum())) - np.repeat(np.cumsum(n_steps) - n_steps, n_steps)
    )
    width = np.minimum(paths.lengths, order)[path_of_step]
    code = np.zeros(len(path_of_step), dtype=np.int64)
    for j in range(order):
        inside = j < width
        digit = np.where(inside, paths.channels[np.where(inside, first_touch + j, 0)] + 1, 0)
        code = code * (base + 1) + digit
    return code, path_of_step


def _dense(
    codes: npt.NDArray[np.int64], space: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """``np.unique(codes, return_inverse=True)`` for codes in ``0..space-1``.

    A table of the (few) possible codes replaces the sort of every step when the code space
    is small, as it is for up to 3 channels of memory over a few dozen channels.
    """
    if space > max(2**20, len(codes)):
        distinct, inverse = np.unique(codes, return_inverse=True)
        return distinct, inverse.ravel()
    present = np.bincount(codes, minlength=space) > 0
    position = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.int64), position[codes].astype(np.intp)


class _Chain(NamedTuple):
    """The Markov chain of the journeys: start is the last transient state."""

    q: sparse.csr_matrix  # transient -> transient transition probabilities
    conversion: npt.NDArray[np.float64]  # probability of converting from each state
    value: npt.NDArray[np.float64]  # expected revenue of the next step from each state
    holds: npt.NDArray[np.bool_]  # (state, channel): the state holds the channel
    start: int


def _chain(paths: Paths, order: int) -> _Chain:
    state_code, path_of_step = _states(paths, order)
    states, state = _dense(state_code, (len(paths.names) + 1) ** order)
    n_states = len(states)
    start = n_states
    # Transitions: start -> first state, state -> next state, last state -> conversion/null.
    is_first = np.ones(len(state), dtype=bool)
    is_first[1:] = path_of_step[1:] != path_of_step[:-1]
    is_last = np.ones(len(state), dtype=bool)
    is_last[:-1] = path_of_step[1:] != path_of_step[:-1]
    weight = paths.journeys[path_of_step]
    src = np.concatenate([np.full(int(is_first.sum()), start), state[~is_last]])
    dst = np.concatenate([state[is_first], state[1:][~is_last[:-1]]])
    flow = np.concatenate([weight[is_first], weight[~is_last]])
    last_state = state[is_last]
    out = np.bincount(src, weights=flow, minlength=n_states + 1)
    out[:n_states] += np.bincount(last_state, weights=paths.journeys, minlength=n_states)
    conv_in = np.bincount(last_state, weights=paths.conversions, minlength=n_states + 1)
    revenue_in = np.bincount(last_state, weights=paths.revenue, minlength=n_states + 1)
    conversion = conv_in / np.where(out > 0, out, 1.0)
    value = revenue_in / np.where(out > 0, out, 1.0)
    q = sparse.csr_matrix((flow / out[src], (src, dst)), shape=(n_states + 1, n_states + 1))
    # Which channels each state holds (the digits of its code).
    base = len(paths.names) + 1
    holds = np.zeros((n_states + 1, len(paths.names)), dtype=bool)
    rest = states.copy()
    for _ in range(order):
        digit = rest % base
        present = np.flatnonzero(digit > 0)
        holds[present, digit[present] - 1] = True
        rest //= base
    return _Chain(q, conversion, value, holds, start)


def _removal_effects(
    paths: Paths, order: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    chain_ = _chain(paths, order)
    identity = sparse.identity(chain_.q.shape[0], format="csr")
    targets = np.column_stack([chain_.conversion, chain_.value])

    def reach(keep: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        system = (identity - sparse.diags(keep) @ chain_.q).tocsc()
        solved = np.asarray(spsolve(system, keep[:, None] * targets), dtype=np.float64)
        return np.asarray(solved.reshape(-1, 2)[chain_.start], dtype=np.float64)

    base = reach(np.ones(chain_.q.shape[0]))
    effects = np.zeros((len(paths.names), 2))
    for c in range(len(paths.names)):
        if chain_.holds[:, c].any():
            removed = reach((~chain_.holds[:, c]).astype(np.float64))
            effects[c] = np.where(base > 0, 1.0 - removed / np.where(base > 0, base, 1.0), 0.0)
    return effects[:, 0], effects[:, 1]


# -- Shapley ------------------------------------------------------------------------------------


def _shapley(
    paths: Paths, n_permutations: int, random_state: SeedLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Shapley values of the game v(S) = conversion probability of the chain kept to S."""
    m = len(paths.names)
    chain_ = _chain(paths, 1)
    q = chain_.q.toarray()
    channel_of = np.where(chain_.holds.any(axis=1), chain_.holds.argmax(axis=1), -1)
    targets = np.column_stack([chain_.conversion, chain_.value])

    def value(members: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        """Game values (conversions, revenue) of each row of a (coalitions, m) membership."""
        keep = np.where(channel_of >= 0, members[:, np.maximum(channel_of, 0)], True)
        keep = keep.astype(np.float64)
        systems = np.eye(len(q))[None] - keep[:, :, None] * q[None]
        solved = np.linalg.solve(systems, keep[:, :, None] * targets[None])
        out: npt.NDArray[np.float64] = solved[:, chain_.start, :]
        return out

    if m <= SHAPLEY_EXACT_MAX:
        every = np.arange(1 << m, dtype=np.int64)
        members = ((every[:, None] >> np.arange(m)) & 1).astype(bool)
        games = np.concatenate(
            [value(members[lo : lo + 4096]) for lo in range(0, len(every), 4096)]
        )
        size = members.sum(axis=1)
        weight = np.array([factorial(s) * factorial(m - s - 1) / factorial(m) for s in range(m)])
        phi = np.zeros((m, 2))
        for i in range(m):
            without = every[~members[:, i]]
            gain = games[without | (1 << i)] - games[without]
            phi[i] = weight[size[without]] @ gain
        return phi[:, 0], phi[:, 1]
    rng = to_rng(random_state)
    order = rng.permuted(np.tile(np.arange(m), (n_permutations, 1)), axis=1)
    phi = np.zeros((m, 2))
    rows = np.arange(n_permutations)
    members = np.zeros((n_permutations, m), dtype=bool)
    previous = value(members)
    for step in range(m):  # one batched solve per position in the permutations
        members[rows, order[:, step]] = True
        current = value(members)
        np.add.at(phi, order[:, step], current - previous)
        previous = current
    return phi[:, 0] / n_permutations, phi[:, 1] / n_permutations
