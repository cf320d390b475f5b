"""Invariants of the intervals, over many inputs (hypothesis)."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from precimark.kpi import nps, proportion, proportion_difference

COUNTS = st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
LEVELS = st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99, 0.999])


@settings(max_examples=100, deadline=None)
@given(COUNTS, LEVELS)
def test_wilson_is_inside_0_1_contains_the_estimate_and_is_json_safe(kn, level) -> None:  # type: ignore[no-untyped-def]
    k, n = kn
    est = proportion(k, n, confidence=level)
    assert 0.0 <= est.ci_low <= est.value <= est.ci_high <= 1.0
    assert est.width > 0
    assert json.loads(json.dumps(est.to_dict()))["n"] == n


@settings(max_examples=100, deadline=None)
@given(COUNTS, COUNTS, LEVELS)
def test_newcombe_is_inside_minus1_1_and_antisymmetric(a, b, level) -> None:  # type: ignore[no-untyped-def]
    ab = proportion_difference(*a, *b, confidence=level)
    ba = proportion_difference(*b, *a, confidence=level)
    assert -1.0 <= ab.ci_low <= ab.value <= ab.ci_high <= 1.0
    assert math.isclose(ab.ci_low, -ba.ci_high, abs_tol=1e-12)
    assert math.isclose(ab.p_value, ba.p_value, abs_tol=1e-12)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(LEVELS, st.lists(st.integers(0, 10), min_size=2, max_size=200))
def test_wider_confidence_gives_a_wider_nps_interval(level, scores) -> None:  # type: ignore[no-untyped-def]
    narrow, wide = nps(scores, confidence=level), nps(scores, confidence=0.9999)
    assert -100.0 - 1e-9 <= narrow.value <= 100.0 + 1e-9
    assert wide.width >= narrow.width


def test_estimates_pickle_and_infinite_bounds_become_json_null() -> None:
    import pickle

    from precimark.kpi import Estimate, cost_per_incremental_customer, estimates_frame

    est = cost_per_incremental_customer(Estimate(5.0, -1.0, 11.0, 0.95, "newcombe", 100), 50.0)
    assert pickle.loads(pickle.dumps(est)) == est
    data = json.loads(json.dumps(est.to_dict(), allow_nan=False))
    assert data["ci_high"] is None and data["value"] == 10.0
    assert estimates_frame([est])["ci_high"].iloc[0] == math.inf  # the frame keeps inf
