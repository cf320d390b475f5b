"""Non-data arguments are type-checked at the call (issue 22, item 5).

The test walks the public API (the parameters ``tests/test_api_conventions.py`` collects) and,
for every public function, constructor or method with a ``confidence``, ``random_state``,
``alpha``, ``adjustment``, ``horizon`` or ``n_*`` parameter, calls it with a wrong-typed
value (a string where a number or seed is expected, an unknown name where a choice is
expected) built on small valid fixtures, and asserts a ``DataValidationError`` naming the
argument. Estimators that follow scikit-learn store hyper-parameters unchanged in
``__init__`` and validate in ``fit``: their case calls ``fit``. What cannot be exercised
this way is listed in :data:`SKIPPED` with the reason; a new public parameter with none of
the two fails :func:`test_every_argument_has_a_case_or_a_reason`.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

import precimark as pm
from precimark import kpi, plot
from precimark.actions import Action, NextBestAction
from precimark.channels import attribution, economics, journeys, social
from precimark.datasets import make_journeys, make_posts, make_transactions, make_uplift_data
from precimark.distributed import score_partition_fn
from precimark.exceptions import DataValidationError
from precimark.propensity import metrics
from precimark.propensity.models import DiscreteSuperLearner


def _api_parameters() -> list[Any]:
    """Return the parameters test_api_conventions.py collects (by path: tests/ is no package)."""
    path = Path(__file__).with_name("test_api_conventions.py")
    spec = importlib.util.spec_from_file_location("_api_conventions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return list(module.ALL_PARAMS)


ALL_PARAMS = _api_parameters()
NAMES = re.compile(r"^(confidence|random_state|alpha|adjustment|horizon|n_.+)$")

# Wrong-typed values, per parameter name: a text where a number, seed, duration or choice is
# expected ("bonferroni" is not one of precimark's adjustments).
BAD: dict[str, object] = {
    "confidence": "95%",
    "random_state": "abc",
    "alpha": "0.05",
    "adjustment": "bonferroni",
    "horizon": [90],
}
BAD_COUNT: object = "5"

_A = np.arange(1.0, 21.0)
_B = _A + 1.0
_TX = make_transactions(30, random_state=1).transactions
_RFM = pm.rfm_summary(_TX, time_unit="W")
_UPLIFT = make_uplift_data(300, random_state=2)
_SIM = make_journeys(200, random_state=3)
_PATHS = journeys(_SIM.touchpoints, _SIM.transactions, customers=_SIM.customers)
_POSTS = make_posts(100, random_state=4).posts
_ARMS = pd.DataFrame({"arm": ["a"] * 10 + ["b"] * 10, "y": _A})
_AGG = kpi.MetricAggregates.from_frame(_ARMS, group_column="arm", value_column="y")
_BINARY = pd.DataFrame({"arm": ["a"] * 10 + ["b"] * 10, "y": (np.arange(20) % 3 == 0) * 1.0})
_AGG01 = kpi.MetricAggregates.from_frame(_BINARY, group_column="arm", value_column="y")
_Y = (np.arange(40) % 3 == 0).astype(int)
_SCORE = np.linspace(0, 1, 40)
_TREATED = np.arange(40) % 2
_BGNBD = pm.BetaGeoModel().fit(_RFM)
_PRICING = pd.DataFrame(
    {"price_sensitivity": [0.9, 0.1], "consent_personalised_pricing": True}, index=[1, 2]
)
_RNG = np.random.default_rng(0)
_LOG = pd.DataFrame(
    {
        "price_sensitivity": _RNG.random(200),
        "consent_personalised_pricing": True,
        "discount_rate": _RNG.choice([0.0, 0.1], 200),
        "probability": 0.5,
        "reward": (_RNG.random(200) < 0.3) * 1.0,
    }
)
_LOG_POLICY = pm.pricing.PricingPolicy([pm.pricing.SensitivityDiscount(threshold=0.5)])
_CHANNELS = pd.DataFrame({"channel": ["ads", "referral", "seo", "referral"]})
_REFERRED = pd.DataFrame({"referred_by": [None, 1, 1, 2]}, index=[1, 2, 3, 4])
_DECISIONS = _LOG_POLICY.decide(
    pd.DataFrame({"price_sensitivity": [0.9, 0.1] * 10, "consent_personalised_pricing": True}),
    100.0,
    at="2025-01-01",
)
_GROUPS = pd.Series(["a", "b"] * 10, index=_DECISIONS.index)


def _clv(**kwargs: object) -> object:
    spend = pm.GammaGammaModel().fit(_RFM[_RFM["frequency"] > 0])
    return pm.customer_lifetime_value(
        _BGNBD, spend, _RFM, horizon=52, discount_rate=0.01, discount_period=4, **kwargs
    )


def _segments(**kwargs: object) -> object:
    spend = pm.GammaGammaModel().fit(_RFM[_RFM["frequency"] > 0])
    arguments: dict[str, object] = {"horizon": 52, "discount_rate": 0.01, "discount_period": 4}
    return pm.clv.segment_value(_BGNBD, spend, _RFM, **{**arguments, **kwargs})  # type: ignore[arg-type]


_SURVIVORS = pd.Series([1000, 631, 468, 382, 326, 289, 262, 241])

_DEMAND = pd.DataFrame({"quantity": [1.0, 2.0, 3.0, 4.0] * 5, "price": [4.0, 3.0, 2.0, 1.0] * 5})


# Fixtures of the arguments that need a fitted model, a log, a panel or a series.
_ROSTER = pd.DataFrame(
    {"customer_lifetime_value": [100.0, 40.0, 80.0], "consent_marketing": True},
    index=pd.Index([1, 2, 3], name="customer_id"),
)
_ACTION_UPLIFT = pd.DataFrame({"email": [0.02, 0.05, 0.04]}, index=_ROSTER.index)
_POST_SIM = make_posts(100, random_state=4)
_PANEL = pd.DataFrame(
    {
        "store": [1, 1, 2, 2, 3, 3, 4, 4],
        "week": [1, 2] * 4,
        "sales": [10.0, 14, 11, 16, 9, 10, 12, 12],
        "promo": [0, 1, 0, 1, 0, 0, 0, 0],
    }
)
_T = np.arange(12.0)
_DONORS = pd.DataFrame({"a": _T, "b": _T + 2, "c": _T + 4, "treated": _T + 2 + 3.0 * (_T >= 8)})
_SERIES = pd.Series(10 + 0.5 * np.arange(24.0) + np.tile([0.3, -0.3], 12))
_BOUGHT = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]]))
_BASKETS = pd.DataFrame(
    {
        "customer_id": [1, 1, 2, 2, 3],
        "date": "2024-01-01",
        "amount": 1.0,
        "product": ["tent", "stove", "tent", "mat", "stove"],
    }
)
_SNAPSHOTS = pm.propensity.make_snapshots(_TX, cutoffs=["2024-03-01", "2024-06-01"], horizon=30)
_BGBB_RFM = pd.DataFrame({"frequency": [0, 1, 3, 6, 2], "recency": [0, 1, 5, 6, 4], "T": [6] * 5})
_BGBB = pm.clv.BetaGeoBetaBinomModel().fit(_BGBB_RFM)


def _economics(**kwargs: object) -> object:
    """Channel economics on the journeys fixture: the arguments are checked before the bootstrap."""
    return economics.channel_economics(
        _SIM.touchpoints,
        _PATHS,
        model="linear",
        consent=False,
        **kwargs,  # type: ignore[arg-type]
    )


def _fit_uplift(name: str) -> Callable[[object], object]:
    def call(value: object) -> object:
        model = getattr(pm.propensity, name)(random_state=value)
        X = _UPLIFT[["x1", "x2"]]
        return model.fit(X, _UPLIFT["outcome"], treated=_UPLIFT["treatment"])

    return call


Call = Callable[[object], object]
CASES: dict[str, Call] = {
    # datasets
    "precimark.datasets.make_transactions(n_customers)": lambda v: make_transactions(
        v,  # type: ignore[arg-type]
        random_state=0,
    ),
    "precimark.datasets.make_transactions(random_state)": lambda v: make_transactions(
        5, random_state=v
    ),
    "precimark.datasets.make_uplift_data(random_state)": lambda v: make_uplift_data(
        5, random_state=v
    ),
    "precimark.datasets._journeys.make_journeys(n_customers)": lambda v: make_journeys(v),  # type: ignore[arg-type]
    "precimark.datasets._journeys.make_journeys(random_state)": lambda v: make_journeys(
        20, random_state=v
    ),
    "precimark.datasets._journeys.make_posts(n_days)": lambda v: make_posts(v),  # type: ignore[arg-type]
    "precimark.datasets._journeys.make_posts(random_state)": lambda v: make_posts(
        100, random_state=v
    ),
    "precimark.datasets._baskets.make_baskets(n_customers)": lambda v: pm.datasets.make_baskets(
        v,  # type: ignore[arg-type]
        random_state=0,
    ),
    "precimark.datasets._baskets.make_baskets(n_products)": lambda v: pm.datasets.make_baskets(
        5,
        v,  # type: ignore[arg-type]
        random_state=0,
    ),
    "precimark.datasets._baskets.make_baskets(n_categories)": lambda v: pm.datasets.make_baskets(
        5,
        random_state=0,
        n_categories=v,  # type: ignore[arg-type]
    ),
    "precimark.datasets._baskets.make_baskets(random_state)": lambda v: pm.datasets.make_baskets(
        5, random_state=v
    ),
    "precimark.datasets._campaigns.make_multiarm_uplift_data(random_state)": lambda v: (
        pm.datasets.make_multiarm_uplift_data(10, random_state=v)
    ),
    "precimark.datasets._campaigns.make_observational_uplift_data(random_state)": lambda v: (
        pm.datasets.make_observational_uplift_data(10, random_state=v)
    ),
    "precimark.datasets._pricing_log.make_pricing_log(random_state)": lambda v: (
        pm.datasets.make_pricing_log(10, random_state=v)
    ),
    # kpi: intervals from samples and from moments
    "precimark.kpi.intervals.mean(confidence)": lambda v: kpi.mean(_A, confidence=v),  # type: ignore[arg-type]
    "precimark.kpi.intervals.mean_difference(confidence)": lambda v: kpi.mean_difference(
        _A,
        _B,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.relative_difference(confidence)": lambda v: kpi.relative_difference(
        _A,
        _B,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.ratio(confidence)": lambda v: kpi.ratio(_A, _B, confidence=v),  # type: ignore[arg-type]
    "precimark.kpi.intervals.ratio_difference(confidence)": lambda v: kpi.ratio_difference(
        _A,
        _B,
        _B,
        _A,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.proportion(confidence)": lambda v: kpi.proportion(3, 10, confidence=v),  # type: ignore[arg-type]
    "precimark.kpi.intervals.proportion_difference(confidence)": lambda v: (
        kpi.proportion_difference(3, 10, 4, 10, confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.proportion_difference(n_a)": lambda v: kpi.proportion_difference(
        3,
        v,  # type: ignore[arg-type]
        4,
        10,
    ),
    "precimark.kpi.intervals.proportion_difference(n_b)": lambda v: kpi.proportion_difference(
        3,
        10,
        4,
        v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.mean_from_moments(confidence)": lambda v: (
        kpi.intervals.mean_from_moments(5, 1.0, 1.0, confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.welch_from_moments(confidence)": lambda v: (
        kpi.intervals.welch_from_moments(5, 1.0, 1.0, 5, 2.0, 1.0, confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.welch_from_moments(n_a)": lambda v: kpi.intervals.welch_from_moments(
        v, 1.0, 1.0, 5, 2.0, 1.0, confidence=0.95
    ),  # type: ignore[arg-type]
    "precimark.kpi.intervals.welch_from_moments(n_b)": lambda v: kpi.intervals.welch_from_moments(
        5, 1.0, 1.0, v, 2.0, 1.0, confidence=0.95
    ),  # type: ignore[arg-type]
    "precimark.kpi.intervals.relative_difference_from_moments(confidence)": lambda v: (
        kpi.intervals.relative_difference_from_moments(5, 1.0, 1.0, 5, 2.0, 1.0, confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.relative_difference_from_moments(n_a)": lambda v: (
        kpi.intervals.relative_difference_from_moments(v, 1.0, 1.0, 5, 2.0, 1.0, confidence=0.95)  # type: ignore[arg-type]
    ),
    "precimark.kpi.intervals.relative_difference_from_moments(n_b)": lambda v: (
        kpi.intervals.relative_difference_from_moments(5, 1.0, 1.0, v, 2.0, 1.0, confidence=0.95)  # type: ignore[arg-type]
    ),
    "precimark.kpi.aggregates.MetricAggregates.mean(confidence)": lambda v: _AGG.mean(
        "a",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.aggregates.MetricAggregates.mean_difference(confidence)": lambda v: (
        _AGG.mean_difference("a", "b", confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.aggregates.MetricAggregates.relative_difference(confidence)": lambda v: (
        _AGG.relative_difference("a", "b", confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.aggregates.MetricAggregates.proportion(confidence)": lambda v: _AGG01.proportion(
        "a", confidence=v
    ),  # type: ignore[arg-type]
    "precimark.kpi.aggregates.MetricAggregates.proportion_difference(confidence)": lambda v: (
        _AGG01.proportion_difference("a", "b", confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.estimates.Estimate(confidence)": lambda v: kpi.Estimate(
        1.0,
        0.0,
        2.0,
        v,  # type: ignore[arg-type]
        "t",
        3,
    ),
    # kpi: resampling, power, multiple testing, satisfaction, retention
    "precimark.kpi.resampling.bootstrap(confidence)": lambda v: kpi.bootstrap(
        lambda a: np.mean(a, axis=-1),
        _A,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.resampling.bootstrap(n_resamples)": lambda v: kpi.bootstrap(
        lambda a: np.mean(a, axis=-1),
        _A,
        n_resamples=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.resampling.bootstrap(random_state)": lambda v: kpi.bootstrap(
        lambda a: np.mean(a, axis=-1), _A, random_state=v
    ),
    "precimark.kpi.quantiles.quantile_difference(confidence)": lambda v: kpi.quantile_difference(
        _A,
        _B,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.quantiles.quantile_difference(n_resamples)": lambda v: kpi.quantile_difference(
        _A, _B, n_resamples=v
    ),  # type: ignore[arg-type]
    "precimark.kpi.quantiles.quantile_difference(random_state)": lambda v: kpi.quantile_difference(
        _A, _B, random_state=v
    ),
    "precimark.kpi.power.power(alpha)": lambda v: kpi.power(
        metric="proportion",
        baseline=0.1,
        n=1000,
        relative_effect=0.1,
        alpha=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.power.sample_size(alpha)": lambda v: kpi.sample_size(
        metric="proportion",
        baseline=0.1,
        relative_effect=0.1,
        alpha=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.power.minimum_detectable_effect(alpha)": lambda v: kpi.minimum_detectable_effect(
        metric="proportion", baseline=0.1, n=1000, alpha=v
    ),  # type: ignore[arg-type]
    "precimark.kpi.multiple.adjust_table(alpha)": lambda v: kpi.adjust_table(
        pd.DataFrame({"p_value": [0.01, 0.2]}),
        alpha=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.campaign.sample_ratio_mismatch(n_treated)": lambda v: kpi.sample_ratio_mismatch(
        v, 5
    ),  # type: ignore[arg-type]
    "precimark.kpi.campaign.sample_ratio_mismatch(n_control)": lambda v: kpi.sample_ratio_mismatch(
        5, v
    ),  # type: ignore[arg-type]
    "precimark.kpi.finance.campaign_cost(n_contacts)": lambda v: kpi.campaign_cost(
        n_contacts=v,  # type: ignore[arg-type]
        cost_per_contact=1.0,
    ),
    "precimark.kpi.finance.incremental_revenue(n_treated)": lambda v: kpi.incremental_revenue(
        1.0,
        v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.satisfaction.nps(confidence)": lambda v: kpi.nps(np.arange(11), confidence=v),  # type: ignore[arg-type]
    "precimark.kpi.satisfaction.nps_difference(confidence)": lambda v: kpi.nps_difference(
        np.arange(11),
        np.arange(11),
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.satisfaction.csat(confidence)": lambda v: kpi.csat(
        np.arange(1, 6),
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.satisfaction.csat_difference(confidence)": lambda v: kpi.csat_difference(
        np.arange(1, 6),
        np.arange(1, 6),
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.satisfaction.mean_rating(confidence)": lambda v: kpi.mean_rating(
        np.arange(1, 6),
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.satisfaction.mean_rating_difference(confidence)": lambda v: (
        kpi.mean_rating_difference(np.arange(1, 6), np.arange(1, 6), confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.retention.average_order_value(confidence)": lambda v: kpi.average_order_value(
        _TX, confidence=v
    ),  # type: ignore[arg-type]
    "precimark.kpi.retention.purchase_frequency(confidence)": lambda v: kpi.purchase_frequency(
        _TX, confidence=v
    ),  # type: ignore[arg-type]
    "precimark.kpi.retention.repeat_purchase_rate(confidence)": lambda v: kpi.repeat_purchase_rate(
        _TX, confidence=v
    ),  # type: ignore[arg-type]
    "precimark.kpi.retention.retention_rate(confidence)": lambda v: kpi.retention_rate(
        _TX,
        period_start="2024-01-01",
        period_end="2024-06-30",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.retention.churn_rate(confidence)": lambda v: kpi.churn_rate(
        _TX,
        period_start="2024-01-01",
        period_end="2024-06-30",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.campaign.campaign_effect(confidence)": lambda v: kpi.campaign_effect(
        _UPLIFT,
        treatment="treatment",
        metric_column="outcome",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.campaign.campaign_effect(n_resamples)": lambda v: kpi.campaign_effect(
        _UPLIFT,
        treatment="treatment",
        metric_column="outcome",
        lift_method="bootstrap",
        n_resamples=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.campaign.campaign_effect(random_state)": lambda v: kpi.campaign_effect(
        _UPLIFT,
        treatment="treatment",
        metric_column="outcome",
        lift_method="bootstrap",
        random_state=v,
    ),
    "precimark.kpi.report.evaluate_campaign(confidence)": lambda v: pm.evaluate_campaign(
        _UPLIFT,
        treatment="treatment",
        revenue_column="outcome",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.report.evaluate_campaign(adjustment)": lambda v: pm.evaluate_campaign(
        _UPLIFT,
        treatment="treatment",
        revenue_column="outcome",
        adjustment=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.arms.compare_arms(confidence)": lambda v: kpi.compare_arms(
        _ARMS,
        arm_column="arm",
        control="a",
        metric_column="y",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.arms.compare_arms(adjustment)": lambda v: kpi.compare_arms(
        _ARMS,
        arm_column="arm",
        control="a",
        metric_column="y",
        adjustment=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.sequential.confidence_sequence(confidence)": lambda v: kpi.confidence_sequence(
        _Y,
        _TREATED,
        planned_n=40,
        confidence=v,  # type: ignore[arg-type]
    ),
    # propensity metrics and models (scikit-learn convention: checked in fit)
    "precimark.propensity.metrics.gain_table(n_bins)": lambda v: metrics.gain_table(
        _Y,
        _SCORE,
        n_bins=v,  # type: ignore[arg-type]
    ),
    "precimark.propensity.metrics.expected_calibration_error(n_bins)": lambda v: (
        metrics.expected_calibration_error(_Y, _SCORE, n_bins=v)  # type: ignore[arg-type]
    ),
    "precimark.propensity.metrics.response_rate_by_percentile(n_bins)": lambda v: (
        metrics.response_rate_by_percentile(_Y, _SCORE, _TREATED, n_bins=v)  # type: ignore[arg-type]
    ),
    "precimark.propensity.metrics.uplift_by_decile(n_bins)": lambda v: metrics.uplift_by_decile(
        _Y,
        _SCORE,
        _TREATED,
        n_bins=v,  # type: ignore[arg-type]
    ),
    "precimark.propensity.metrics.uplift_by_decile(confidence)": lambda v: metrics.uplift_by_decile(
        _Y, _SCORE, _TREATED, n_bins=2, confidence=v
    ),  # type: ignore[arg-type]
    "precimark.propensity.metrics.bootstrap_interval(confidence)": lambda v: (
        metrics.bootstrap_interval(
            metrics.qini_auc_score,
            _Y,
            _SCORE,
            _TREATED,
            random_state=0,
            confidence=v,  # type: ignore[arg-type]
        )
    ),
    "precimark.propensity.metrics.bootstrap_interval(n_resamples)": lambda v: (
        metrics.bootstrap_interval(
            metrics.qini_auc_score,
            _Y,
            _SCORE,
            _TREATED,
            random_state=0,
            n_resamples=v,  # type: ignore[arg-type]
        )
    ),
    "precimark.propensity.metrics.bootstrap_interval(random_state)": lambda v: (
        metrics.bootstrap_interval(metrics.qini_auc_score, _Y, _SCORE, _TREATED, random_state=v)
    ),
    "precimark.propensity.models.PropensityModel(random_state)": lambda v: pm.PropensityModel(
        random_state=v  # type: ignore[arg-type]
    ).fit(_SCORE[:, None], _Y),
    "precimark.propensity.models.DiscreteSuperLearner(random_state)": lambda v: (
        DiscreteSuperLearner(
            [("a", LogisticRegression()), ("b", LogisticRegression(C=0.1))],
            random_state=v,  # type: ignore[arg-type]
        ).fit(_SCORE[:, None], _Y)
    ),
    "precimark.propensity.uplift.TwoModelUplift(random_state)": _fit_uplift("TwoModelUplift"),
    "precimark.propensity.uplift.XLearnerUplift(random_state)": _fit_uplift("XLearnerUplift"),
    "precimark.propensity.uplift.DRLearnerUplift(random_state)": _fit_uplift("DRLearnerUplift"),
    "precimark.propensity.uplift.RLearnerUplift(random_state)": _fit_uplift("RLearnerUplift"),
    "precimark.propensity.snapshots.make_snapshots(horizon)": lambda v: (
        pm.propensity.make_snapshots(_TX, cutoffs=["2024-06-01"], horizon=v)  # type: ignore[arg-type]
    ),
    # CLV
    "precimark.clv.value.customer_lifetime_value(confidence)": lambda v: pm.customer_lifetime_value(
        _BGNBD,
        pm.GammaGammaModel().fit(_RFM[_RFM["frequency"] > 0]),
        _RFM,
        horizon=52,
        discount_rate=0.01,
        discount_period=4,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.clv.value.customer_lifetime_value(horizon)": lambda v: pm.customer_lifetime_value(
        _BGNBD,
        pm.GammaGammaModel().fit(_RFM[_RFM["frequency"] > 0]),
        _RFM,
        horizon=v,  # type: ignore[arg-type]
        discount_rate=0.01,
        discount_period=4,
    ),
    # channels
    "precimark.channels.attribution.attribute(random_state)": lambda v: attribution.attribute(
        _PATHS, "shapley", random_state=v
    ),
    "precimark.channels.attribution.attribute(n_permutations)": lambda v: attribution.attribute(
        _PATHS,
        "shapley",
        n_permutations=v,  # type: ignore[arg-type]
    ),
    "precimark.channels.economics.marginal_roas(confidence)": lambda v: economics.marginal_roas(
        _SIM.touchpoints,
        _PATHS,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.channels.social.engagement(confidence)": lambda v: social.engagement(
        _POSTS,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.channels.social.net_sentiment(confidence)": lambda v: social.net_sentiment(
        _POSTS,
        confidence=v,  # type: ignore[arg-type]
    ),
    # pricing
    "precimark.pricing.engine.PricingPolicy.decide(random_state)": lambda v: (
        pm.pricing.PricingPolicy([pm.pricing.SensitivityDiscount(threshold=0.5)]).decide(
            _PRICING, 100.0, at="2025-01-01", random_state=v
        )
    ),
    "precimark.pricing.elasticity.estimate_elasticity(confidence)": lambda v: (
        pm.pricing.estimate_elasticity(_DEMAND, confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.pricing.elasticity.estimate_elasticity(n_folds)": lambda v: (
        pm.pricing.estimate_elasticity(_DEMAND, n_folds=v)  # type: ignore[arg-type]
    ),
    "precimark.pricing.elasticity.estimate_elasticity(random_state)": lambda v: (
        pm.pricing.estimate_elasticity(_DEMAND, random_state=v)  # type: ignore[arg-type]
    ),
    "precimark.pricing.evaluation.evaluate_offline(confidence)": lambda v: (
        pm.pricing.evaluate_offline(_LOG_POLICY, _LOG, prices=100.0, at="2025-01-01", confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.pricing.evaluation.evaluate_offline(n_folds)": lambda v: pm.pricing.evaluate_offline(
        _LOG_POLICY,
        _LOG,
        prices=100.0,
        at="2025-01-01",
        method="dr",
        n_folds=v,  # type: ignore[arg-type]
    ),
    "precimark.pricing.evaluation.evaluate_offline(random_state)": lambda v: (
        pm.pricing.evaluate_offline(
            _LOG_POLICY,
            _LOG,
            prices=100.0,
            at="2025-01-01",
            method="dr",
            random_state=v,  # type: ignore[arg-type]
        )
    ),
    "precimark.kpi.referral.referral_rate(confidence)": lambda v: kpi.referral_rate(
        _CHANNELS,
        channel_column="channel",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.referral.referrer_rate(confidence)": lambda v: kpi.referrer_rate(
        _REFERRED,
        referred_by_column="referred_by",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.pricing.fairness.fairness_frame(confidence)": lambda v: pm.pricing.fairness_frame(
        _DECISIONS, _GROUPS, confidence=v
    ),  # type: ignore[arg-type]
    "precimark.pricing.fairness.fairness_frame(n_resamples)": lambda v: pm.pricing.fairness_frame(
        _DECISIONS, _GROUPS, n_resamples=v
    ),  # type: ignore[arg-type]
    "precimark.pricing.fairness.fairness_frame(random_state)": lambda v: pm.pricing.fairness_frame(
        _DECISIONS, _GROUPS, random_state=v
    ),
    "precimark.clv.value.customer_lifetime_value(n_draws)": lambda v: _clv(
        confidence=0.9, n_draws=v
    ),
    "precimark.clv.value.customer_lifetime_value(random_state)": lambda v: _clv(
        confidence=0.9, random_state=v
    ),
    "precimark.clv.models.BetaGeoModel(random_state)": lambda v: pm.BetaGeoModel(
        random_state=v  # type: ignore[arg-type]
    ).fit(_RFM),
    "precimark.clv.models.ParetoNBDModel(random_state)": lambda v: pm.ParetoNBDModel(
        random_state=v  # type: ignore[arg-type]
    ).fit(_RFM),
    "precimark.clv.contractual.ShiftedBetaGeoModel(random_state)": lambda v: (
        pm.clv.ShiftedBetaGeoModel(random_state=v).fit(_SURVIVORS)  # type: ignore[arg-type]
    ),
    "precimark.clv.value.segment_value(confidence)": lambda v: _segments(confidence=v),
    "precimark.clv.value.segment_value(horizon)": lambda v: _segments(horizon=v),
    "precimark.clv.value.segment_value(n_draws)": lambda v: _segments(n_draws=v),
    "precimark.clv.value.segment_value(random_state)": lambda v: _segments(random_state=v),
    # charts (they validate before drawing)
    "precimark.plot.clv.plot_expected_repeat_purchases(horizon)": lambda v: (
        plot.plot_expected_repeat_purchases(_BGNBD, v)  # type: ignore[arg-type]
    ),
    "precimark.plot.clv.plot_frequency_recency_matrix(horizon)": lambda v: (
        plot.plot_frequency_recency_matrix(_BGNBD, _RFM, horizon=v)  # type: ignore[arg-type]
    ),
    "precimark.plot.propensity.plot_gains(n_bins)": lambda v: plot.plot_gains(
        _Y,
        _SCORE,
        n_bins=v,  # type: ignore[arg-type]
    ),
    "precimark.plot.propensity.plot_uplift_by_decile(confidence)": lambda v: (
        plot.plot_uplift_by_decile(_Y, _SCORE, _TREATED, confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.plot.propensity.plot_uplift_by_decile(n_bins)": lambda v: plot.plot_uplift_by_decile(
        _Y, _SCORE, _TREATED, n_bins=v
    ),  # type: ignore[arg-type]
    # profiling
    "precimark.profiling.clusters.BehaviouralSegmenter(n_clusters)": lambda v: (
        pm.profiling.BehaviouralSegmenter(n_clusters=v).fit(_RFM)  # type: ignore[arg-type]
    ),
    "precimark.profiling.clusters.BehaviouralSegmenter(n_init)": lambda v: (
        pm.profiling.BehaviouralSegmenter(n_init=v).fit(_RFM)  # type: ignore[arg-type]
    ),
    "precimark.profiling.clusters.BehaviouralSegmenter(random_state)": lambda v: (
        pm.profiling.BehaviouralSegmenter(random_state=v).fit(_RFM)
    ),
    # the arguments that need a fitted model, a log, a panel or a series
    "precimark.actions.NextBestAction(random_state)": lambda v: NextBestAction(
        [Action("email", cost=0.1, channel="email")],
        exploration=0.5,
        random_state=v,  # type: ignore[arg-type]
    ).decide(_ROSTER, _ACTION_UPLIFT),
    "precimark.channels.economics.channel_economics(confidence)": lambda v: _economics(
        confidence=v
    ),
    "precimark.channels.economics.channel_economics(n_resamples)": lambda v: _economics(
        n_resamples=v
    ),
    "precimark.channels.economics.channel_economics(random_state)": lambda v: _economics(
        n_resamples=50, random_state=v
    ),
    "precimark.channels.social.campaign_response(confidence)": lambda v: social.campaign_response(
        _POST_SIM.posts,
        start=_POST_SIM.campaign_start,
        end=_POST_SIM.campaign_end,
        brand="our_brand",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.channels.social.share_of_voice(confidence)": lambda v: social.share_of_voice(
        _POST_SIM.posts,
        brand="our_brand",
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.clv.models.BetaGeoBetaBinomModel.expected_purchases(horizon)": lambda v: (
        _BGBB.expected_purchases(_BGBB_RFM, v)  # type: ignore[arg-type]
    ),
    "precimark.distributed.score_partition_fn(horizon)": lambda v: score_partition_fn(
        _BGNBD,
        horizon=v,  # type: ignore[arg-type]
        time_unit="W",
    ),
    "precimark.kpi.campaign.sales_growth(confidence)": lambda v: kpi.sales_growth(
        _TX,
        pre=("2024-01-01", "2024-03-01"),
        post=("2024-03-01", "2024-06-01"),
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.kpi.quasi.difference_in_differences(confidence)": lambda v: (
        kpi.difference_in_differences(
            _PANEL,
            unit_column="store",
            period_column="week",
            metric_column="sales",
            treatment="promo",
            confidence=v,  # type: ignore[arg-type]
        )
    ),
    "precimark.kpi.quasi.interrupted_time_series(confidence)": lambda v: (
        kpi.interrupted_time_series(_SERIES, intervention=18, confidence=v)  # type: ignore[arg-type]
    ),
    "precimark.kpi.quasi.synthetic_control(confidence)": lambda v: kpi.synthetic_control(
        _DONORS,
        treated_unit="treated",
        intervention=8,
        confidence=v,  # type: ignore[arg-type]
    ),
    "precimark.profiling.items.ItemItemRecommender(n_neighbors)": lambda v: (
        pm.profiling.ItemItemRecommender(n_neighbors=v).fit(_BASKETS)  # type: ignore[arg-type]
    ),
    "precimark.profiling.items.item_similarity(n_neighbors)": lambda v: (
        pm.profiling.item_similarity(_BOUGHT, n_neighbors=v)  # type: ignore[arg-type]
    ),
    "precimark.propensity.models.evaluate_out_of_time(horizon)": lambda v: (
        pm.propensity.evaluate_out_of_time(_SNAPSHOTS, horizon=v)  # type: ignore[arg-type]
    ),
}

_RESULT = "a result record: the library builds it from values it has already checked"
SKIPPED: dict[str, str] = {
    "precimark._typing.PurchaseModel.expected_purchases(horizon)": "a Protocol, not code",
    "precimark._typing.PurchaseModel.expected_purchases_new_customer(horizon)": "a Protocol",
    "precimark.kpi.arms.ArmComparison(adjustment)": _RESULT,
    "precimark.kpi.campaign.CampaignEffect(n_control)": _RESULT,
    "precimark.kpi.campaign.CampaignEffect(n_treated)": _RESULT,
    "precimark.kpi.power.PowerAnalysis(alpha)": _RESULT,
    "precimark.kpi.power.PowerAnalysis(n_control)": _RESULT,
    "precimark.kpi.power.PowerAnalysis(n_treated)": _RESULT,
    "precimark.kpi.quasi.DifferenceInDifferences(n_cohorts)": _RESULT,
    "precimark.kpi.quasi.DifferenceInDifferences(n_treated_units)": _RESULT,
    "precimark.kpi.quasi.DifferenceInDifferences(n_units)": _RESULT,
    "precimark.kpi.quasi.InterruptedTimeSeries(n_post)": _RESULT,
    "precimark.kpi.quasi.InterruptedTimeSeries(n_pre)": _RESULT,
    "precimark.kpi.quasi.SyntheticControl(n_post)": _RESULT,
    "precimark.kpi.quasi.SyntheticControl(n_pre)": _RESULT,
    "precimark.kpi.report.CampaignReport(adjustment)": _RESULT,
    "precimark.kpi.report.CampaignReport(n_control)": _RESULT,
    "precimark.kpi.report.CampaignReport(n_treated)": _RESULT,
    "precimark.kpi.sequential.ConfidenceSequence(confidence)": _RESULT,
    "precimark.pricing.evaluation.OffPolicyEstimate(confidence)": _RESULT,
    "precimark.pricing.fairness.FairnessFrame(confidence)": _RESULT,
    "precimark.pricing.fairness.FairnessFrame(n_resamples)": _RESULT,
    "precimark.propensity.models.OutOfTimeResult(n_test)": _RESULT,
    "precimark.propensity.models.OutOfTimeResult(n_train)": _RESULT,
    "precimark.propensity.targeting.TargetSelection(n_excluded)": _RESULT,
    "precimark.propensity.models.default_booster(n_samples)": (
        "a factory of scikit-learn estimators: its arguments go to scikit-learn unchanged, "
        "which validates them in fit (scikit-learn's convention)"
    ),
    "precimark.propensity.models.default_booster(random_state)": "as default_booster(n_samples)",
    "precimark.propensity.models.default_classifier(n_samples)": "as default_booster(n_samples)",
    "precimark.propensity.models.default_classifier(random_state)": "as default_booster(n_samples)",
}

TARGETS = sorted({p.key for p in ALL_PARAMS if NAMES.match(p.name)})


def test_every_argument_has_a_case_or_a_reason() -> None:
    missing = [key for key in TARGETS if key not in CASES and key not in SKIPPED]
    assert not missing, f"add a case to CASES or a reason to SKIPPED for: {missing}"
    stale = sorted((set(CASES) | set(SKIPPED)) - set(TARGETS))
    assert not stale, f"no longer public parameters: {stale}"


def _bad_value(key: str) -> tuple[str, object]:
    name = key[key.rindex("(") + 1 : -1]
    return name, BAD.get(name, BAD_COUNT)


@pytest.mark.parametrize("key", sorted(CASES))
def test_a_wrong_typed_argument_is_refused_naming_it(key: str) -> None:
    name, value = _bad_value(key)
    with pytest.raises(DataValidationError, match=rf"argument '{name}'") as err:
        CASES[key](value)
    assert repr(value) in str(err.value) or "a list" in str(err.value), str(err.value)
