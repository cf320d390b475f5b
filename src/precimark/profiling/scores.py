"""RFM scores: quantile edges learned once, then 1..q scores for recency, frequency and spend.

Scores follow the usual marketing convention: higher is better on every axis. Recency is
scored on the time since the last purchase (``T - recency``), so recent buyers score high.
A value equal to an edge falls in the lower bin (as in :func:`pandas.qcut`), which makes the
scores deterministic under ties and row order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import TimeUnit
from precimark._validation import (
    check_number,
    check_time_unit,
    fail,
    resolve_time_unit,
    validate_rfm,
)
from precimark.persistence._header import header, read_header, reading
from precimark.schema import (
    F_SCORE,
    FREQUENCY,
    M_SCORE,
    MONETARY_VALUE,
    R_SCORE,
    RECENCY,
    RFM_SCORE,
    RFM_SCORE_COLUMNS,
    T,
)

__all__ = [
    "F_SCORE",
    "M_SCORE",
    "RFM_SCORE",
    "RFM_SCORE_COLUMNS",
    "R_SCORE",
    "RFMEdges",
    "fit_rfm_edges",
    "rfm_scores",
]


@dataclass(frozen=True)
class RFMEdges:
    """Inner quantile edges (``q - 1`` each) for the three RFM scores.

    Attributes
    ----------
    q : int
        Number of score levels; scores run from 1 to ``q``.
    inactivity : tuple of float
        Edges of the time since the last purchase (``T - recency``), ascending.
    frequency : tuple of float
        Edges of ``frequency``, ascending.
    monetary_value : tuple of float
        Edges of ``monetary_value``, ascending.
    time_unit : {"D", "W"} or None
        Unit of the inactivity edges (that of the frame they were learned from). Frames are
        scored only in this unit. ``None``: unknown (learned from a frame that records no
        unit, or built by hand); such edges score only frames whose unit is unknown too,
        and once saved and loaded again (or loaded from an older document without a unit)
        every scoring call must state the unit with ``time_unit=``.

    Examples
    --------
    >>> from precimark.profiling import RFMEdges
    >>> RFMEdges(q=2, inactivity=(10.0,), frequency=(1.0,), monetary_value=(20.0,), time_unit="D").q
    2
    """

    q: int
    inactivity: tuple[float, ...]
    frequency: tuple[float, ...]
    monetary_value: tuple[float, ...]
    time_unit: TimeUnit | None = None

    def __post_init__(self) -> None:
        if self.time_unit is not None:
            check_time_unit(self.time_unit)

    def to_dict(self) -> dict[str, Any]:
        """Return the edges as a JSON-safe document, so scoring can use them elsewhere.

        Returns
        -------
        dict
            The header keys (``type``, ``format_version``, ``precimark_version``), ``q``,
            ``time_unit`` and the three lists of edges.

        Examples
        --------
        >>> import json
        >>> from precimark.profiling import RFMEdges
        >>> edges = RFMEdges(
        ...     q=2, inactivity=(10.0,), frequency=(1.0,), monetary_value=(20.0,), time_unit="W")
        >>> RFMEdges.from_dict(json.loads(json.dumps(edges.to_dict()))) == edges
        True
        """
        edges = {axis: [float(e) for e in getattr(self, axis)] for axis in _AXES}
        return {
            **header(RFMEdges, _FORMAT_VERSION),
            "q": self.q,
            "time_unit": self.time_unit,
            **edges,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RFMEdges:
        """Rebuild edges from :meth:`to_dict` output.

        Raises
        ------
        DataValidationError
            If ``data`` is not an edges document, has another format version, or its edges
            are not ``q - 1`` ascending numbers per axis.

        Notes
        -----
        A document written before edges carried a unit loads with ``time_unit=None``: the
        unit is not guessed, and scoring with it needs ``time_unit=``.
        """
        read_header(data, RFMEdges, _FORMAT_VERSION)
        with reading(cls):
            q = _check_q(data["q"])
            edges = {}
            for axis in _AXES:
                given = pd.to_numeric(pd.Series(data[axis], dtype=object), errors="coerce")
                values = given.to_numpy(np.float64)
                if (
                    len(values) != q - 1
                    or not np.isfinite(values).all()
                    or (np.diff(values) < 0).any()
                ):
                    raise fail(
                        f"edges '{axis}'",
                        repr(data[axis]),
                        f"{q - 1} finite, ascending numbers (q - 1 for q={q})",
                    )
                edges[axis] = tuple(values.tolist())
            unit = data.get("time_unit")
            time_unit = None if unit is None else check_time_unit(unit)
        loaded = cls(q=q, time_unit=time_unit, **edges)
        if time_unit is None:
            # The unit is not guessed: scoring with these edges needs time_unit=.
            object.__setattr__(loaded, "_unit_unknown_on_load", True)
        return loaded


_AXES = ("inactivity", "frequency", "monetary_value")
_FORMAT_VERSION = 1  # of to_dict documents


def _inactivity(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    t = frame[T].to_numpy(np.float64)
    recency = frame[RECENCY].to_numpy(np.float64)
    gap: npt.NDArray[np.float64] = t - recency
    return gap


def _check_q(q: object) -> int:
    return int(check_number(q, "q", low=2, high=100, integer=True))


def fit_rfm_edges(rfm: pd.DataFrame, *, q: int = 5, time_unit: TimeUnit | None = None) -> RFMEdges:
    """Learn the quantile edges of the RFM scores from a summary frame (or a sample of one).

    Parameters
    ----------
    rfm : DataFrame
        An RFM summary (:func:`precimark.rfm_summary`): ``frequency``, ``recency``, ``T``,
        ``monetary_value``. Pass a random sample of a large base to learn edges cheaply, or a
        reference period to keep scores comparable over time.
    q : int, default 5
        Number of score levels (2..100).
    time_unit : {"D", "W"}, optional
        Unit of ``recency`` and ``T``; read from ``rfm.attrs`` (set by
        :func:`~precimark.rfm_summary`) when not given. The edges record it (the inactivity
        edges are lengths of time); for a frame that records none (after a merge or a CSV)
        pass it, or the edges' unit stays unknown (see :class:`RFMEdges`).

    Returns
    -------
    RFMEdges
        The ``k / q`` quantiles (``k = 1 .. q-1``, linear interpolation) of the time since the
        last purchase, of ``frequency`` and of ``monetary_value``. Edges may repeat when a
        column has fewer distinct values than ``q``.

    Raises
    ------
    DataValidationError
        For an invalid summary frame or ``q``, or a ``time_unit`` that contradicts
        ``rfm.attrs``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.profiling import fit_rfm_edges
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5], "recency": [0.0, 5.0, 20.0, 30.0],
    ...                     "T": [40.0, 40.0, 40.0, 40.0], "monetary_value": [0.0, 9.0, 11.0, 30.0]})
    >>> edges = fit_rfm_edges(rfm, q=2, time_unit="D")
    >>> edges.frequency, edges.time_unit
    ((1.5,), 'D')
    """
    levels = _check_q(q)
    frame = validate_rfm(rfm, require_monetary=True)
    unit = (
        None
        if time_unit is None and frame.attrs.get("time_unit") is None
        else resolve_time_unit(frame, time_unit)
    )
    probs = np.arange(1, levels) / levels

    def edges(values: npt.NDArray[np.float64]) -> tuple[float, ...]:
        return tuple(float(v) for v in np.quantile(values, probs))

    return RFMEdges(
        q=levels,
        inactivity=edges(_inactivity(frame)),
        frequency=edges(frame[FREQUENCY].to_numpy(np.float64)),
        monetary_value=edges(frame[MONETARY_VALUE].to_numpy(np.float64)),
        time_unit=unit,
    )


def _check_edges_unit(frame: pd.DataFrame, edges: RFMEdges, time_unit: object) -> None:
    """Refuse a frame whose unit is not the edges' (or cannot be checked against it)."""
    owner = "the RFMEdges" + ("" if edges.time_unit is None else f" ({edges.time_unit!r})")
    if edges.time_unit is not None or getattr(edges, "_unit_unknown_on_load", False):
        resolve_time_unit(frame, time_unit, expected=edges.time_unit, owner=owner)
        return
    # Edges of unknown unit, learned in this session from a frame that recorded none: they
    # score frames of unknown unit only; a frame with a known unit cannot be checked.
    stated = time_unit if time_unit is not None else frame.attrs.get("time_unit")
    if stated is not None:
        raise fail(
            "argument 'edges'",
            f"edges of unknown time unit for a frame in {stated!r}",
            "edges that record their unit",
            f"Learn them with fit_rfm_edges(..., time_unit={stated!r}) (or from a frame built "
            "by precimark.rfm_summary, which records it).",
        )


def _bin(values: npt.NDArray[np.float64], edges: tuple[float, ...]) -> npt.NDArray[np.int64]:
    """Count the edges strictly below each value (0..q-1)."""
    return np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="left").astype(
        np.int64
    )


def rfm_scores(
    rfm: pd.DataFrame,
    *,
    edges: RFMEdges | None = None,
    q: int = 5,
    time_unit: TimeUnit | None = None,
) -> pd.DataFrame:
    """Score each customer 1..q on recency, frequency and monetary value (higher is better).

    Parameters
    ----------
    rfm : DataFrame
        An RFM summary indexed by customer id (``frequency``, ``recency``, ``T``,
        ``monetary_value``). Not modified.
    edges : RFMEdges, optional
        Edges from :func:`fit_rfm_edges`. Default: learned from ``rfm`` itself with ``q``.
    q : int, default 5
        Number of levels when ``edges`` is not given (ignored otherwise).
    time_unit : {"D", "W"}, optional
        Unit of ``rfm`` when the frame does not record it. With ``edges`` that know their
        unit, the unit of ``rfm`` must be established (recorded or stated) and equal
        ``edges.time_unit``: week edges never score a day frame. Edges loaded from a
        document without a unit need it on every call. Without ``edges`` the scores are
        relative to ``rfm`` itself and no unit is needed.

    Returns
    -------
    DataFrame
        Indexed like ``rfm``, with integer columns

        - ``r_score``: ``q`` minus the number of inactivity edges below the customer's time
          since the last purchase (``T - recency``): the most recent buyers score ``q``;
        - ``f_score``, ``m_score``: 1 plus the number of edges below ``frequency`` and
          ``monetary_value``;
        - ``rfm_score``: the sum of the three (3 .. 3q).

        A value equal to an edge gets the lower score (as :func:`pandas.qcut`). When a column
        has fewer distinct values than ``q`` some levels are unused. Note that one-time buyers
        have ``frequency`` and ``monetary_value`` 0 by the BTYD definitions, so they get the
        lowest ``f_score`` and ``m_score``.

    Raises
    ------
    DataValidationError
        For an invalid summary frame or ``q``, or (with ``edges``) a frame whose unit is
        unknown or differs from the edges'.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.profiling import rfm_scores
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5], "recency": [0.0, 5.0, 20.0, 30.0],
    ...                     "T": [40.0, 40.0, 40.0, 40.0], "monetary_value": [0.0, 9.0, 11.0, 30.0]})
    >>> rfm_scores(rfm, q=2)
       r_score  f_score  m_score  rfm_score
    0        1        1        1          3
    1        1        1        1          3
    2        2        2        2          6
    3        2        2        2          6
    """
    frame = validate_rfm(rfm, require_monetary=True)
    if edges is None:
        # Edges learned from the frame itself: relative scores, whatever the unit.
        edges = fit_rfm_edges(frame, q=q, time_unit=time_unit)
    elif not isinstance(edges, RFMEdges):
        raise fail("argument 'edges'", f"a {type(edges).__name__}", "RFMEdges (fit_rfm_edges)")
    else:
        _check_edges_unit(frame, edges, time_unit)
    r = edges.q - _bin(_inactivity(frame), edges.inactivity)
    f = 1 + _bin(frame[FREQUENCY].to_numpy(np.float64), edges.frequency)
    m = 1 + _bin(frame[MONETARY_VALUE].to_numpy(np.float64), edges.monetary_value)
    return pd.DataFrame(
        {R_SCORE: r, F_SCORE: f, M_SCORE: m, RFM_SCORE: r + f + m}, index=frame.index
    )
