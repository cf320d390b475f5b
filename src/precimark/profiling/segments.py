"""Named RFM segments from a documented, overridable rule table on the 1..q scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precimark._validation import fail, validate_rfm
from precimark.profiling.scores import RFMEdges, fit_rfm_edges, rfm_scores
from precimark.schema import F_SCORE, M_SCORE, R_SCORE, SEGMENT

__all__ = ["DEFAULT_SEGMENT_RULES", "SEGMENT", "UNMATCHED", "SegmentRule", "rfm_segments"]

UNMATCHED = "other"
"""Segment of a customer no rule matches (impossible with the default table)."""


@dataclass(frozen=True)
class SegmentRule:
    """One row of a segment table: a name and an inclusive score range per axis.

    Parameters
    ----------
    name : str
        Segment name.
    r, f, m : tuple of (int, int)
        Inclusive (low, high) ranges of ``r_score``, ``f_score`` and ``m_score``.
        Default ``(1, 100)``: any score.

    Examples
    --------
    >>> from precimark.profiling import SegmentRule
    >>> SegmentRule("whales", f=(5, 5), m=(5, 5)).r
    (1, 100)
    """

    name: str
    r: tuple[int, int] = (1, 100)
    f: tuple[int, int] = (1, 100)
    m: tuple[int, int] = (1, 100)


DEFAULT_SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("champions", r=(5, 5), f=(4, 5)),
    SegmentRule("loyal", r=(3, 4), f=(4, 5)),
    SegmentRule("potential loyalist", r=(4, 5), f=(2, 3)),
    SegmentRule("new", r=(5, 5), f=(1, 1)),
    SegmentRule("promising", r=(4, 4), f=(1, 1)),
    SegmentRule("need attention", r=(3, 3), f=(3, 3)),
    SegmentRule("about to sleep", r=(3, 3), f=(1, 2)),
    SegmentRule("cannot lose", r=(1, 2), f=(4, 5), m=(4, 5)),
    SegmentRule("at risk", r=(1, 2), f=(3, 5)),
    SegmentRule("hibernating", r=(2, 2), f=(1, 2)),
    SegmentRule("lost", r=(1, 1), f=(1, 2)),
)
"""The default table, for 5-level scores; the first matching rule wins.

=================== ========= ========= =========
segment              r_score   f_score   m_score
=================== ========= ========= =========
champions            5         4-5       any
loyal                3-4       4-5       any
potential loyalist   4-5       2-3       any
new                  5         1         any
promising            4         1         any
need attention       3         3         any
about to sleep       3         1-2       any
cannot lose          1-2       4-5       4-5
at risk              1-2       3-5       any
hibernating          2         1-2       any
lost                 1         1-2       any
=================== ========= ========= =========

Every one of the 125 score cells matches a rule (the classic R x F grid, with "cannot lose"
also requiring high spend and the lowest R x F corner split off as "lost").
"""


def rfm_segments(
    rfm: pd.DataFrame,
    *,
    edges: RFMEdges | None = None,
    rules: Sequence[SegmentRule] | None = None,
) -> pd.DataFrame:
    """Score customers (:func:`rfm_scores`) and name their segment from a rule table.

    Parameters
    ----------
    rfm : DataFrame
        An RFM summary indexed by customer id. Not modified.
    edges : RFMEdges, optional
        Score edges (:func:`fit_rfm_edges`). Default: 5-level edges learned from ``rfm``.
    rules : sequence of SegmentRule, optional
        The segment table, tried in order (first match wins). Default:
        :data:`DEFAULT_SEGMENT_RULES`, which needs 5-level scores.

    Returns
    -------
    DataFrame
        The :func:`rfm_scores` columns plus ``segment``, a categorical whose categories are the
        rule names in table order (plus ``"other"`` for customers no rule matches).

    Raises
    ------
    DataValidationError
        For an invalid summary, rules that are not :class:`SegmentRule` objects or repeat a
        name, or the default rules with ``edges.q != 5``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.profiling import rfm_segments
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5, 9], "recency": [0.0, 5.0, 20.0, 38.0, 3.0],
    ...                     "T": [2.0, 40.0, 40.0, 40.0, 40.0],
    ...                     "monetary_value": [0.0, 9.0, 11.0, 30.0, 40.0]})
    >>> rfm_segments(rfm)["segment"].tolist()
    ['new', 'hibernating', 'need attention', 'champions', 'cannot lose']
    """
    frame = validate_rfm(rfm, require_monetary=True)
    if edges is None:
        edges = fit_rfm_edges(frame, q=5)
    table = DEFAULT_SEGMENT_RULES if rules is None else tuple(rules)
    if rules is None and edges.q != 5:
        raise fail(
            "argument 'edges'",
            f"{edges.q}-level edges with the default rules",
            "5-level edges (the default table is written for scores 1..5)",
            "Pass rules= written for your number of levels.",
        )
    if not table or not all(isinstance(rule, SegmentRule) for rule in table):
        raise fail("argument 'rules'", repr(rules), "a non-empty sequence of SegmentRule")
    names = [rule.name for rule in table]
    if len(set(names)) != len(names) or UNMATCHED in names:
        raise fail("argument 'rules'", f"names {names}", f"distinct names other than {UNMATCHED!r}")
    scores = rfm_scores(frame, edges=edges)
    r, f, m = (scores[c].to_numpy() for c in (R_SCORE, F_SCORE, M_SCORE))
    code = np.full(len(scores), len(table), dtype=np.int64)
    for i, rule in reversed(list(enumerate(table))):
        match = (
            (r >= rule.r[0])
            & (r <= rule.r[1])
            & (f >= rule.f[0])
            & (f <= rule.f[1])
            & (m >= rule.m[0])
            & (m <= rule.m[1])
        )
        code[match] = i
    segment = pd.Categorical.from_codes(code, categories=pd.Index([*names, UNMATCHED]))
    return scores.assign(**{SEGMENT: segment})
