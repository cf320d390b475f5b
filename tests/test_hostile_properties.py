"""Property tests (issue 22): a public function given a frame with one column dropped, retyped,
or filled with NaN / inf / None either works or raises a precimark error, and never mutates
its input.

"Works" allows precimark's own warnings (the library's way of saying "this may be wrong");
any other exception, or any other warning (a numpy ``RuntimeWarning`` means a NaN was computed
silently), fails the test.
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import precimark as pm
from precimark.datasets import make_journeys, make_transactions, make_uplift_data
from precimark.exceptions import PrecimarkError, PrecimarkWarning

_TX = make_transactions(40, random_state=5).transactions.head(120)
_ROSTER = make_transactions(40, random_state=5).customers
_UPLIFT = make_uplift_data(200, random_state=3)

Corruption = Callable[[pd.DataFrame, str], pd.DataFrame]


def _drop(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.drop(columns=column)


def _fill(value: object) -> Corruption:
    def corrupt(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        out = frame.copy()
        out[column] = pd.Series([value] * len(out), index=out.index, dtype=object)
        return out

    corrupt.__name__ = f"fill_{value!r}"
    return corrupt


def _one_cell(value: object) -> Corruption:
    def corrupt(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        out = frame.copy()
        if pd.api.types.is_numeric_dtype(out[column].dtype) and isinstance(value, float):
            out[column] = out[column].astype(np.float64)
        else:
            out[column] = out[column].astype(object)
        out.iloc[len(out) // 2, out.columns.get_loc(column)] = value
        return out

    corrupt.__name__ = f"one_cell_{value!r}"
    return corrupt


def _as_text(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    out = frame.copy()
    out[column] = out[column].astype(str) + "x"
    return out


def _as_bool(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    out = frame.copy()
    out[column] = np.arange(len(out)) % 2 == 0
    return out


CORRUPTIONS: list[Corruption] = [
    _drop,
    _fill(np.nan),
    _fill(None),
    _fill(np.inf),
    _one_cell(np.nan),
    _one_cell(-np.inf),
    _one_cell(None),
    _one_cell("?"),
    _as_text,
    _as_bool,
]


CALLS: dict[str, tuple[pd.DataFrame, Callable[[pd.DataFrame], Any]]] = {
    "rfm_summary": (_TX, lambda tx: pm.rfm_summary(tx, time_unit="W")),
    "calibration_holdout_split": (
        _TX,
        lambda tx: pm.calibration_holdout_split(
            tx, calibration_end="2024-06-30", observation_end="2024-12-31", time_unit="W"
        ),
    ),
    "CustomerProfiler.fit_transform": (
        _TX,
        lambda tx: pm.CustomerProfiler().fit_transform(tx),
    ),
    "make_snapshots": (
        _TX,
        lambda tx: pm.propensity.make_snapshots(tx, cutoffs=["2024-06-01"], horizon=60),
    ),
    "recommend_categories": (_TX, lambda tx: pm.profiling.recommend_categories(tx)),
    "require_consent": (
        _ROSTER,
        lambda roster: pm.privacy.require_consent(roster, "marketing"),
    ),
    "drop_pii": (_ROSTER, lambda roster: pm.privacy.drop_pii(roster)),
    "evaluate_campaign": (
        _UPLIFT,
        lambda frame: pm.evaluate_campaign(
            frame, treatment="treatment", revenue_column="outcome", cost=10.0, margin=0.3
        ),
    ),
    "PricingPolicy.decide": (
        _ROSTER,
        lambda roster: pm.pricing.differentiated_pricing_policy().decide(
            roster.assign(orders_365d=3, uplift=0.1, channel="card"), 100.0, consent=False
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_uncorrupted_call_works(name: str) -> None:
    base, fn = CALLS[name]  # else the property below would hold vacuously
    fn(base)


def _call(fn: Callable[[pd.DataFrame], Any], frame: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", PrecimarkWarning)
        with contextlib.suppress(PrecimarkError):
            fn(frame)


@pytest.mark.parametrize("name", sorted(CALLS))
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_corrupted_column_works_or_raises_a_precimark_error(
    name: str, data: st.DataObject
) -> None:
    base, fn = CALLS[name]
    column = data.draw(st.sampled_from(list(base.columns)), label="column")
    corruption = data.draw(st.sampled_from(CORRUPTIONS), label="corruption")
    frame = corruption(base, column)
    before = copy.deepcopy(frame)
    _call(fn, frame)
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == before.attrs


# Widened (issue 22, item 8): models, journeys and KPI functions, fewer examples each. The
# estimators wrap a logistic regression (fast); their pre-check does not depend on the model.
_RFM = pm.rfm_summary(_TX, time_unit="W")
_BGNBD = pm.BetaGeoModel().fit(_RFM)
_FEATURES = _UPLIFT[["x0", "x1", "x2", "outcome"]]
_SIM_JOURNEYS = make_journeys(60, random_state=6)

MORE_CALLS: dict[str, tuple[pd.DataFrame, Callable[[pd.DataFrame], Any]]] = {
    "BetaGeoModel.fit": (_RFM, lambda rfm: pm.BetaGeoModel().fit(rfm, time_unit="W")),
    "BetaGeoModel.expected_purchases": (
        _RFM,
        lambda rfm: _BGNBD.expected_purchases(rfm, 12, time_unit="W"),
    ),
    "BetaGeoModel.probability_alive": (
        _RFM,
        lambda rfm: _BGNBD.probability_alive(rfm, time_unit="W"),
    ),
    "PropensityModel.fit": (
        _FEATURES,
        lambda frame: pm.PropensityModel(estimator=LogisticRegression(), calibration=None).fit(
            frame.drop(columns="outcome"), _UPLIFT["outcome"]
        ),
    ),
    "TwoModelUplift.fit": (
        _FEATURES,
        lambda frame: pm.propensity.TwoModelUplift(estimator=LogisticRegression()).fit(
            frame.drop(columns="outcome"), frame["outcome"], treated=_UPLIFT["treatment"]
        ),
    ),
    "channels.journeys": (
        _SIM_JOURNEYS.touchpoints,
        lambda touches: pm.channels.journeys(
            touches, _SIM_JOURNEYS.transactions, customers=_SIM_JOURNEYS.customers
        ),
    ),
    "PricingPolicy.decide(budget)": (
        _ROSTER.assign(orders_365d=3, uplift=0.1, propensity=0.3, channel="card"),
        lambda roster: pm.pricing.PricingPolicy(
            [pm.pricing.SensitivityDiscount(threshold=0.0, require_positive_uplift=False)],
            guardrails=pm.pricing.Guardrails(budget=5.0),
        ).decide(roster.assign(price_sensitivity=0.5), 100.0, consent=False),
    ),
    "kpi.average_order_value": (_TX, lambda tx: pm.kpi.average_order_value(tx)),
    "kpi.retention_rate": (
        _TX,
        lambda tx: pm.kpi.retention_rate(tx, period_start="2024-01-01", period_end="2024-06-30"),
    ),
    "kpi.campaign_effect": (
        _UPLIFT,
        lambda frame: pm.kpi.campaign_effect(frame, treatment="treatment", metric_column="outcome"),
    ),
    "kpi.MetricAggregates.from_frame": (
        _UPLIFT,
        lambda frame: pm.kpi.MetricAggregates.from_frame(
            frame, group_column="treatment", value_column="outcome"
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(MORE_CALLS))
def test_each_further_uncorrupted_call_works(name: str) -> None:
    base, fn = MORE_CALLS[name]
    fn(base)


@pytest.mark.parametrize("name", sorted(MORE_CALLS))
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_corrupted_column_of_a_further_entry_point_works_or_raises_a_precimark_error(
    name: str, data: st.DataObject
) -> None:
    base, fn = MORE_CALLS[name]
    column = data.draw(st.sampled_from(list(base.columns)), label="column")
    corruption = data.draw(st.sampled_from(CORRUPTIONS), label="corruption")
    frame = corruption(base, column)
    before = copy.deepcopy(frame)
    _call(fn, frame)
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == before.attrs
