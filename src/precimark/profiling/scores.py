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

from precimark._validation import fail, validate_rfm
from precimark.persistence._header import header, read_header, reading
from precimark.schema import FREQUENCY, MONETARY_VALUE, RECENCY, T

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

R_SCORE = "r_score"
F_SCORE = "f_score"
M_SCORE = "m_score"
RFM_SCORE = "rfm_score"
RFM_SCORE_COLUMNS: tuple[str, ...] = (R_SCORE, F_SCORE, M_SCORE, RFM_SCORE)
"""Columns of :func:`rfm_scores`, in order."""


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

    Examples
    --------
    >>> from precimark.profiling import RFMEdges
    >>> RFMEdges(q=2, inactivity=(10.0,), frequency=(1.0,), monetary_value=(20.0,)).q
    2
    """

    q: int
    inactivity: tuple[float, ...]
    frequency: tuple[float, ...]
    monetary_value: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the edges as a JSON-safe document, so scoring can use them elsewhere.

        Returns
        -------
        dict
            The header keys (``type``, ``format_version``, ``precimark_version``), ``q`` and
            the three lists of edges.

        Examples
        --------
        >>> import json
        >>> from precimark.profiling import RFMEdges
        >>> edges = RFMEdges(q=2, inactivity=(10.0,), frequency=(1.0,), monetary_value=(20.0,))
        >>> RFMEdges.from_dict(json.loads(json.dumps(edges.to_dict()))) == edges
        True
        """
        edges = {axis: [float(e) for e in getattr(self, axis)] for axis in _AXES}
        return {**header(RFMEdges, _FORMAT_VERSION), "q": self.q, **edges}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RFMEdges:
        """Rebuild edges from :meth:`to_dict` output.

        Raises
        ------
        DataValidationError
            If ``data`` is not an edges document, has another format version, or its edges
            are not ``q - 1`` ascending numbers per axis.
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
        return cls(q=q, **edges)


_AXES = ("inactivity", "frequency", "monetary_value")
_FORMAT_VERSION = 1  # of to_dict documents


def _inactivity(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    t = frame[T].to_numpy(np.float64)
    recency = frame[RECENCY].to_numpy(np.float64)
    gap: npt.NDArray[np.float64] = t - recency
    return gap


def _check_q(q: object) -> int:
    if isinstance(q, bool) or not isinstance(q, int | np.integer) or not 2 <= q <= 100:
        raise fail("argument 'q'", repr(q), "a whole number of score levels from 2 to 100")
    return int(q)


def fit_rfm_edges(rfm: pd.DataFrame, *, q: int = 5) -> RFMEdges:
    """Learn the quantile edges of the RFM scores from a summary frame (or a sample of one).

    Parameters
    ----------
    rfm : DataFrame
        An RFM summary (:func:`precimark.rfm_summary`): ``frequency``, ``recency``, ``T``,
        ``monetary_value``. Pass a random sample of a large base to learn edges cheaply, or a
        reference period to keep scores comparable over time.
    q : int, default 5
        Number of score levels (2..100).

    Returns
    -------
    RFMEdges
        The ``k / q`` quantiles (``k = 1 .. q-1``, linear interpolation) of the time since the
        last purchase, of ``frequency`` and of ``monetary_value``. Edges may repeat when a
        column has fewer distinct values than ``q``.

    Raises
    ------
    DataValidationError
        For an invalid summary frame or ``q``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.profiling import fit_rfm_edges
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5], "recency": [0.0, 5.0, 20.0, 30.0],
    ...                     "T": [40.0, 40.0, 40.0, 40.0], "monetary_value": [0.0, 9.0, 11.0, 30.0]})
    >>> fit_rfm_edges(rfm, q=2).frequency
    (1.5,)
    """
    levels = _check_q(q)
    frame = validate_rfm(rfm, require_monetary=True)
    probs = np.arange(1, levels) / levels

    def edges(values: npt.NDArray[np.float64]) -> tuple[float, ...]:
        return tuple(float(v) for v in np.quantile(values, probs))

    return RFMEdges(
        q=levels,
        inactivity=edges(_inactivity(frame)),
        frequency=edges(frame[FREQUENCY].to_numpy(np.float64)),
        monetary_value=edges(frame[MONETARY_VALUE].to_numpy(np.float64)),
    )


def _bin(values: npt.NDArray[np.float64], edges: tuple[float, ...]) -> npt.NDArray[np.int64]:
    """Count the edges strictly below each value (0..q-1)."""
    return np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="left").astype(
        np.int64
    )


def rfm_scores(rfm: pd.DataFrame, *, edges: RFMEdges | None = None, q: int = 5) -> pd.DataFrame:
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
        For an invalid summary frame or ``q``.

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
        edges = fit_rfm_edges(frame, q=q)
    elif not isinstance(edges, RFMEdges):
        raise fail("argument 'edges'", f"a {type(edges).__name__}", "RFMEdges (fit_rfm_edges)")
    r = edges.q - _bin(_inactivity(frame), edges.inactivity)
    f = 1 + _bin(frame[FREQUENCY].to_numpy(np.float64), edges.frequency)
    m = 1 + _bin(frame[MONETARY_VALUE].to_numpy(np.float64), edges.monetary_value)
    return pd.DataFrame(
        {R_SCORE: r, F_SCORE: f, M_SCORE: m, RFM_SCORE: r + f + m}, index=frame.index
    )
