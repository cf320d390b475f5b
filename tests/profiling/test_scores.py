"""RFM scores and segments: pandas.qcut parity, properties, the rule table, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import precimark as pm
from precimark import DataValidationError
from precimark.datasets import CDNOW_CALIBRATION_END
from precimark.profiling import (
    DEFAULT_SEGMENT_RULES,
    RFMEdges,
    SegmentRule,
    fit_rfm_edges,
    rfm_scores,
    rfm_segments,
)


def _rfm(frequency, recency, t, monetary) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame(
        {
            "frequency": np.asarray(frequency, dtype=np.int64),
            "recency": np.asarray(recency, dtype=np.float64),
            "T": np.asarray(t, dtype=np.float64),
            "monetary_value": np.asarray(monetary, dtype=np.float64),
        },
        index=pd.Index(np.arange(1, len(frequency) + 1), name="customer_id"),
    )


def test_scores_match_pandas_qcut_on_distinct_values() -> None:
    rng = np.random.default_rng(1)
    n = 1_000
    t = np.full(n, 500.0)
    recency = rng.uniform(0, 500, n)
    frequency = rng.permutation(n) + 1  # distinct integers, all repeat buyers
    monetary = rng.gamma(2.0, 30.0, n)
    rfm = _rfm(frequency, recency, t, monetary)
    scores = rfm_scores(rfm, q=5)
    expected_f = pd.qcut(rfm["frequency"], 5, labels=False) + 1
    expected_m = pd.qcut(rfm["monetary_value"], 5, labels=False) + 1
    expected_r = 5 - pd.qcut(t - recency, 5, labels=False)
    np.testing.assert_array_equal(scores["f_score"], expected_f)
    np.testing.assert_array_equal(scores["m_score"], expected_m)
    np.testing.assert_array_equal(scores["r_score"], expected_r)
    np.testing.assert_array_equal(
        scores["rfm_score"], scores["r_score"] + scores["f_score"] + scores["m_score"]
    )
    assert (scores["f_score"].value_counts() == 200).all()


def test_cdnow_scores_and_segments(cdnow_sample: pd.DataFrame) -> None:
    rfm = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END)
    seg = rfm_segments(rfm)
    assert seg.index.equals(rfm.index)
    assert list(seg.columns) == ["r_score", "f_score", "m_score", "rfm_score", "segment"]
    # 1,411 of 2,357 CDNOW customers never repeat: they share the lowest f and m scores.
    one_timers = rfm["frequency"] == 0
    assert int(one_timers.sum()) == 1411
    assert (seg.loc[one_timers, "f_score"] == 1).all()
    assert (seg.loc[~one_timers, "f_score"] > 1).all()
    # Everyone entered in Q1 1997: inactivity is ordered exactly like days since last purchase.
    inactivity = rfm["T"] - rfm["recency"]
    assert seg.groupby("r_score")["r_score"].size().index.tolist() == [1, 2, 3, 4, 5]
    by_score = inactivity.groupby(seg["r_score"])
    assert (by_score.max().iloc[1:].to_numpy() <= by_score.min().iloc[:-1].to_numpy()).all()
    assert set(seg["segment"].unique()) <= {r.name for r in DEFAULT_SEGMENT_RULES}
    assert (seg["segment"] != "other").all()


def test_default_rules_cover_every_cell_exactly_as_documented() -> None:
    cells = list(itertools.product(range(1, 6), repeat=3))
    names = {r.name for r in DEFAULT_SEGMENT_RULES}
    assert len(names) == 11
    covered = set()
    for r, f, m in cells:
        matches = [
            rule.name
            for rule in DEFAULT_SEGMENT_RULES
            if rule.r[0] <= r <= rule.r[1]
            and rule.f[0] <= f <= rule.f[1]
            and rule.m[0] <= m <= rule.m[1]
        ]
        assert matches, (r, f, m)
        covered.add(matches[0])
    assert covered == names


def test_segments_from_given_edges() -> None:
    edges = RFMEdges(
        q=5, inactivity=(10, 20, 30, 40), frequency=(0, 1, 2, 3), monetary_value=(10, 20, 30, 40)
    )
    rfm = _rfm(
        frequency=[5, 0, 0, 5, 5, 2, 0],
        recency=[95, 0, 0, 10, 10, 70, 0],
        t=[100, 3, 100, 100, 100, 100, 45],
        monetary=[50, 0, 0, 50, 15, 25, 0],
    )
    seg = rfm_segments(rfm, edges=edges)
    assert seg["r_score"].tolist() == [5, 5, 1, 1, 1, 3, 1]
    assert seg["f_score"].tolist() == [5, 1, 1, 5, 5, 3, 1]
    assert seg["segment"].tolist() == [
        "champions",
        "new",
        "lost",
        "cannot lose",
        "at risk",
        "need attention",
        "lost",
    ]


def test_custom_rules_and_unmatched() -> None:
    rfm = _rfm([0, 3, 6], [0, 10, 40], [50, 50, 50], [0, 20, 60])
    rules = [SegmentRule("vip", f=(3, 3)), SegmentRule("rest", r=(1, 1))]
    seg = rfm_segments(rfm, edges=fit_rfm_edges(rfm, q=3), rules=rules)
    assert seg["segment"].tolist() == ["rest", "other", "vip"]
    assert list(seg["segment"].cat.categories) == ["vip", "rest", "other"]


def test_bad_input_is_named() -> None:
    rfm = _rfm([0, 1], [0, 1], [5, 5], [0, 3])
    with pytest.raises(pm.DataValidationError, match="argument 'q'"):
        rfm_scores(rfm, q=1)
    with pytest.raises(pm.DataValidationError, match="argument 'edges'"):
        rfm_segments(rfm, edges=fit_rfm_edges(rfm, q=3))
    with pytest.raises(pm.DataValidationError, match="argument 'rules'"):
        rfm_segments(rfm, rules=[SegmentRule("a"), SegmentRule("a")])
    with pytest.raises(pm.DataValidationError, match="'monetary_value'"):
        rfm_scores(rfm.drop(columns="monetary_value"))
    bad = rfm.copy()
    bad.loc[2, "recency"] = 9.0
    with pytest.raises(pm.DataValidationError, match=r"recency.*first customer: 2"):
        rfm_scores(bad)


def test_single_customer_and_identical_customers_get_the_lowest_scores() -> None:
    one = rfm_scores(_rfm([2], [10], [30], [5]))
    assert one.iloc[0].tolist() == [5, 1, 1, 7]  # no edge below: r = q, f = m = 1
    same = rfm_scores(_rfm([2] * 4, [10] * 4, [30] * 4, [5] * 4))
    assert (same.nunique() == 1).all()


def test_input_not_modified() -> None:
    rfm = _rfm([0, 1, 4], [0, 3, 9], [9, 9, 9], [0, 2, 8])
    before = rfm.copy()
    rfm_segments(rfm)
    pd.testing.assert_frame_equal(rfm, before)


values = st.lists(st.integers(0, 40), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(values, st.integers(2, 8), st.randoms(use_true_random=False))
def test_score_properties(freq: list[int], q: int, rnd) -> None:  # type: ignore[no-untyped-def]
    n = len(freq)
    t = np.full(n, 100.0)
    recency = np.asarray([min(float(x) * 2.0, 100.0) if x else 0.0 for x in freq])
    rfm = _rfm(freq, recency, t, [float(x) * 1.5 for x in freq])
    scores = rfm_scores(rfm, q=q)
    for column in ("r_score", "f_score", "m_score"):
        assert scores[column].between(1, q).all()
        # Fewer distinct values than q: at most as many distinct scores as values.
        assert scores[column].nunique() <= min(q, len(set(freq)))
    # Monotone: larger frequency never scores lower; longer inactivity never scores higher.
    order = np.argsort(rfm["frequency"].to_numpy(), kind="stable")
    assert (np.diff(scores["f_score"].to_numpy()[order]) >= 0).all()
    inactivity = t - recency
    order = np.argsort(inactivity, kind="stable")
    assert (np.diff(scores["r_score"].to_numpy()[order]) <= 0).all()
    # Deterministic under row shuffles.
    perm = list(range(n))
    rnd.shuffle(perm)
    shuffled = rfm_scores(rfm.iloc[perm], q=q)
    pd.testing.assert_frame_equal(shuffled.sort_index(), scores.sort_index())


# ------------------------------------------------------------ issue 14: edges carry their unit


def test_edges_carry_their_unit_and_refuse_a_frame_in_another(cdnow_sample: pd.DataFrame) -> None:
    weeks = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
    days = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="D")
    edges = fit_rfm_edges(weeks)
    assert edges.time_unit == "W"
    assert RFMEdges.from_dict(edges.to_dict()) == edges
    # Regression (issue 14): week edges scored a day frame without a word.
    with pytest.raises(DataValidationError, match=r"a frame in time unit 'D' \(days\).*'W'"):
        rfm_scores(days, edges=edges)
    bare = days.copy()
    bare.attrs = {}
    with pytest.raises(DataValidationError, match=r"argument 'time_unit': no time unit given"):
        rfm_scores(bare, edges=edges)
    with pytest.raises(DataValidationError, match=r"a frame in time unit 'D'"):
        rfm_scores(bare, edges=edges, time_unit="D")
    bare_weeks = weeks.copy()
    bare_weeks.attrs = {}
    pd.testing.assert_frame_equal(
        rfm_scores(bare_weeks, edges=edges, time_unit="W"), rfm_scores(weeks, edges=edges)
    )


def test_old_edges_documents_load_but_need_time_unit(cdnow_sample: pd.DataFrame) -> None:
    weeks = pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
    edges = fit_rfm_edges(weeks)
    old = {k: v for k, v in edges.to_dict().items() if k != "time_unit"}
    loaded = RFMEdges.from_dict(old)
    assert loaded.time_unit is None
    with pytest.raises(DataValidationError, match=r"RFMEdges records none"):
        rfm_scores(weeks, edges=loaded)  # the frame's unit does not establish the edges'
    pd.testing.assert_frame_equal(
        rfm_scores(weeks, edges=loaded, time_unit="W"), rfm_scores(weeks, edges=edges)
    )


def test_edges_of_unknown_unit_score_only_frames_of_unknown_unit() -> None:
    rfm = pd.DataFrame(
        {
            "frequency": [0, 1, 2, 5],
            "recency": [0.0, 5.0, 20.0, 30.0],
            "T": [40.0, 40.0, 40.0, 40.0],
            "monetary_value": [0.0, 9.0, 11.0, 30.0],
        }
    )
    edges = fit_rfm_edges(rfm, q=2)
    assert edges.time_unit is None
    assert rfm_scores(rfm, edges=edges)["rfm_score"].tolist() == [3, 3, 6, 6]
    with pytest.raises(DataValidationError, match=r"edges of unknown time unit for a frame in 'D'"):
        rfm_scores(rfm, edges=edges, time_unit="D")
    saved = RFMEdges.from_dict(edges.to_dict())  # once saved, the unknown unit must be stated
    with pytest.raises(DataValidationError, match="time_unit= on this call"):
        rfm_scores(rfm, edges=saved)
