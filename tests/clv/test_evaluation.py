"""Holdout evaluation against the paper's figures and an independent count of expectations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import precimark as pm
from precimark import DataValidationError
from precimark.clv import _lifetimes, compare_models, evaluate


@pytest.fixture(scope="module")
def fitted(cdnow_split: pd.DataFrame) -> pm.BetaGeoModel:
    cal = cdnow_split[["frequency_cal", "recency_cal", "T_cal"]].set_axis(
        ["frequency", "recency", "T"], axis=1
    )
    return pm.BetaGeoModel().fit(cal, time_unit="W")


def test_conditional_expectations_match_figure_4(
    cdnow_split: pd.DataFrame, fitted: pm.BetaGeoModel
) -> None:
    """Fader, Hardie & Lee (2005), Fig. 4: actual vs expected holdout purchases by frequency."""
    report = evaluate(fitted, cdnow_split)
    table = report.per_frequency
    assert table["n_customers"].sum() == 2357
    assert table.loc["0", "n_customers"] == 1411
    assert table.loc["0", "actual"] == pytest.approx(0.24, abs=0.005)
    assert table.loc["0", "predicted"] == pytest.approx(0.23, abs=0.005)
    assert table.loc["1", "actual"] == pytest.approx(0.70, abs=0.005)
    assert table.loc["1", "predicted"] == pytest.approx(0.52, abs=0.005)
    assert report.total_actual == cdnow_split["frequency_holdout"].sum()
    assert 0.1 < report.top_decile_capture <= 1.0
    assert report.spearman > 0.3


def test_calibration_fit_uses_the_model_distribution(
    cdnow_split: pd.DataFrame, fitted: pm.BetaGeoModel
) -> None:
    report = evaluate(fitted, cdnow_split)
    fit = report.calibration_fit
    assert fit["expected"].sum() == pytest.approx(2357)
    np.testing.assert_array_equal(
        fit["actual"].to_numpy()[:7], np.bincount(cdnow_split["frequency_cal"], minlength=8)[:7]
    )
    # Independent oracle: lifetimes' P(X(t) = n) summed customer by customer.
    fitter = fitted.to_lifetimes()
    with _lifetimes.quiet():
        zero = sum(
            float(fitter.probability_of_n_purchases_up_to_time(t, 0)) for t in cdnow_split["T_cal"]
        )
    assert fit.loc["0", "expected"] == pytest.approx(zero, rel=1e-9)
    assert report.chi_square == pytest.approx(fit["chi_square"].sum())
    assert report.chi_square_dof == 3
    assert 0.0 < report.chi_square_pvalue < 1.0
    summary = report.summary()
    assert summary["rmse"] >= summary["mae"]


def test_compare_models_ranks_by_holdout_error(cdnow_split: pd.DataFrame) -> None:
    table = compare_models(cdnow_split)
    assert set(table.index) == {"BetaGeoModel", "ModifiedBetaGeoModel", "ParetoNBDModel"}
    assert table["rmse"].is_monotonic_increasing
    assert table.loc["BetaGeoModel", "log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    assert table.loc["ParetoNBDModel", "log_likelihood"] == pytest.approx(-9595.0, abs=0.05)
    np.testing.assert_allclose(table["aic"], 2 * 4 - 2 * table["log_likelihood"])


def test_evaluate_rejects_a_frame_without_holdout(
    cdnow_split: pd.DataFrame, fitted: pm.BetaGeoModel
) -> None:
    with pytest.raises(DataValidationError, match="missing column 'frequency_holdout'"):
        evaluate(fitted, cdnow_split.drop(columns="frequency_holdout"))


def test_a_split_that_lost_its_unit_is_refused(
    cdnow_split: pd.DataFrame, fitted: pm.BetaGeoModel, cdnow_sample: pd.DataFrame
) -> None:
    # duration_holdout (39 weeks) would be read in the model's unit whatever the split's.
    lost = cdnow_split.copy()
    lost.attrs = {}
    with pytest.raises(DataValidationError, match="argument 'time_unit': no time unit given"):
        evaluate(fitted, lost)
    with pytest.raises(DataValidationError, match="argument 'time_unit': no time unit given"):
        compare_models(lost)
    report = evaluate(fitted, lost, time_unit="W")
    assert (round(report.total_actual), round(report.total_predicted)) == (1882, 1653)
    days = pm.calibration_holdout_split(
        cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="D"
    )
    with pytest.raises(DataValidationError, match=r"a frame in time unit 'D' \(days\)"):
        evaluate(fitted, days)


def test_to_dict_and_to_frame_carry_the_report(
    cdnow_split: pd.DataFrame, fitted: pm.BetaGeoModel
) -> None:
    report = evaluate(fitted, cdnow_split)
    document = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    for name in ("total_actual", "total_predicted", "mae", "rmse", "spearman", "chi_square"):
        assert document[name] == getattr(report, name)
        assert type(document[name]) is float
    assert document["chi_square_dof"] == report.chi_square_dof == 3
    assert document["top_decile_capture"] == report.top_decile_capture
    assert list(document["per_frequency"]) == report.per_frequency.index.tolist()
    for label, row in report.per_frequency.iterrows():
        assert document["per_frequency"][label] == {
            "n_customers": int(row["n_customers"]),
            "actual": float(row["actual"]),
            "predicted": float(row["predicted"]),
        }
    assert (
        document["calibration_fit"]["0"]["expected"] == report.calibration_fit.loc["0", "expected"]
    )
    frame = report.to_frame()
    pd.testing.assert_frame_equal(frame, report.per_frequency)
    frame.iloc[0, 0] = -1  # a copy: the report is not changed through it
    assert report.per_frequency.iloc[0, 0] == 1411


def test_to_dict_turns_nan_into_none(cdnow_split: pd.DataFrame, fitted: pm.BetaGeoModel) -> None:
    """Customers with 0 or 1 calibration purchases only: empty buckets, no holdout purchases."""
    few = cdnow_split[cdnow_split["frequency_cal"] <= 1].assign(frequency_holdout=0)
    with pytest.warns(stats.ConstantInputWarning):  # scipy's, from the Spearman correlation
        report = evaluate(fitted, few)
    assert np.isnan(report.top_decile_capture)
    assert np.isnan(report.spearman)
    document = report.to_dict()
    json.dumps(document, allow_nan=False)
    assert document["top_decile_capture"] is None
    assert document["spearman"] is None
    assert document["total_actual"] == 0.0
    assert document["per_frequency"]["7+"] == {
        "n_customers": 0,
        "actual": None,
        "predicted": None,
    }
