"""Quasi-experiments against CausalPy's printed (non-Bayesian) results and statsmodels OLS.

Data: ``tests/data/causalpy`` (CausalPy's example CSVs, Apache-2.0; see the README there).
CausalPy prints its scikit-learn coefficients to 3 significant digits, so the tolerances are
half a unit of the last printed digit; its effect summaries print 6 decimals. CausalPy's own
OLS intervals are a one-sample t interval over the post-period gaps (they ignore the
uncertainty of the counterfactual), so our intervals are checked against statsmodels instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from precimark.kpi import difference_in_differences, interrupted_time_series, synthetic_control

DATA = Path(__file__).resolve().parents[1] / "data" / "causalpy"


@pytest.fixture(scope="module")
def its_series() -> pd.Series:
    frame = pd.read_csv(DATA / "its.csv", parse_dates=["date"]).set_index("date")
    return frame["y"]


def test_synthetic_control_weights_match_causalpy_weighted_proportion() -> None:
    panel = pd.read_csv(DATA / "synthetic_control.csv")[[*"abcdefg", "actual"]]
    sc = synthetic_control(panel, treated_unit="actual", intervention=70)
    printed = {  # synthetic-control-sklearn.ipynb, WeightedProportion, summary(round_to=3)
        "a": 0.319, "b": 0.0597, "c": 0.294, "d": 0.0605, "e": 0.000762, "f": 0.234, "g": 0.0321,
    }  # fmt: skip
    for unit, weight in printed.items():
        assert sc.unit_weights[unit] == pytest.approx(weight, rel=5e-3, abs=5e-5)
    assert sc.unit_weights.sum() == pytest.approx(1.0, abs=1e-12)
    # effect_summary(): average -1.757497, cumulative -52.724906 over 30 post periods. CausalPy's
    # SLSQP stops at its default tolerance, ours is the exact optimum: 1e-4 relative.
    assert sc.n_post == 30 and sc.n_pre == 70
    assert sc.average_effect.value == pytest.approx(-1.757497, rel=1e-4)
    assert sc.cumulative_effect.value == pytest.approx(-52.724906, rel=1e-4)
    # 7 donors: the smallest possible rank p-value is 1/8, and a 95% interval is unbounded.
    assert sc.p_value >= 1 / 8
    assert np.isinf(sc.average_effect.ci_low) and sc.average_effect.warnings


def test_synthetic_control_weights_are_the_constrained_optimum() -> None:
    """KKT conditions of min ||y - Xw||^2 on the simplex hold at our weights."""
    panel = pd.read_csv(DATA / "california_prop99.csv").set_index("Year")
    sc = synthetic_control(panel, treated_unit="California", intervention=1989)
    pre = panel.index < 1989
    donors = panel.loc[pre, sc.unit_weights.index].to_numpy()
    y = panel.loc[pre, "California"].to_numpy()
    w = sc.unit_weights.to_numpy()
    gradient = 2 * donors.T @ (donors @ w - y)
    active = w > 1e-9
    multiplier = gradient[active].mean()
    scale = np.abs(gradient).max()
    # scipy 1.14's nnls stops within 3e-6 of the multiplier, newer releases within 1e-6
    assert np.allclose(gradient[active], multiplier, atol=2e-5 * scale)
    assert (gradient[~active] >= multiplier - 1e-6 * scale).all()


def test_california_prop99_against_abadie_diamond_hainmueller_2010() -> None:
    """ADH (2010): synthetic California is Utah, Nevada, Montana, Colorado, Connecticut, and
    "by 2000 annual per-capita cigarette sales in California were about 26 packs lower".
    They also match on covariates (we match on the outcome only), so the weights differ a little.
    """
    panel = pd.read_csv(DATA / "california_prop99.csv").set_index("Year")
    sc = synthetic_control(panel, treated_unit="California", intervention=1989)
    top = set(sc.unit_weights.index[:6])
    assert {"Utah", "Nevada", "Montana", "Connecticut", "Colorado"} <= top
    assert sc.unit_weights["Utah"] == pytest.approx(0.394, abs=0.02)
    assert sc.path.loc[2000, "effect"] == pytest.approx(-26.0, abs=1.5)
    assert sc.pre_rmspe < 2.0  # packs per capita: a close pre-period fit
    # 38 placebos: California's post/pre RMSPE ratio ranks 3rd of 39 without the covariates.
    assert sc.p_value == pytest.approx(3 / 39)


def test_its_matches_causalpy_sklearn(its_series: pd.Series) -> None:
    its = interrupted_time_series(its_series, intervention="2017-01-01", seasonality="month")
    printed = {  # interrupted-time-series-sklearn.ipynb: y ~ 1 + t + C(month)
        "trend": 0.21, "month_2": 2.85, "month_3": 1.16, "month_4": 7.15, "month_5": 15.0,
        "month_6": 24.8, "month_7": 18.2, "month_8": 33.5, "month_9": 16.2, "month_10": 9.19,
        "month_11": 6.28, "month_12": 0.578,
    }  # fmt: skip
    for name, value in printed.items():
        assert its.coefficients[name] == pytest.approx(value, rel=5e-3)
    assert its.n_post == 36
    assert its.average_effect.value == pytest.approx(1.845561, rel=1e-6)
    assert its.cumulative_effect.value == pytest.approx(66.440209, rel=1e-6)


def test_its_intervals_match_statsmodels(its_series: pd.Series) -> None:
    its = interrupted_time_series(
        its_series, intervention="2017-01-01", seasonality="month", confidence=0.9
    )
    frame = its_series.to_frame().assign(t=np.arange(its_series.size), month=its_series.index.month)
    pre = frame.index < "2017-01-01"
    model = smf.ols("y ~ 1 + t + C(month)", data=frame[pre]).fit()
    prediction = model.get_prediction(frame[~pre]).summary_frame(alpha=0.1)
    path = its.path[its.path["post"]]
    np.testing.assert_allclose(path["counterfactual"], prediction["mean"], rtol=1e-10)
    np.testing.assert_allclose(path["counterfactual_low"], prediction["obs_ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(path["counterfactual_high"], prediction["obs_ci_upper"], rtol=1e-10)
    # The sum of the post-period: Var = h sigma^2 + 1'X V X'1, t with the residual df.
    months = frame[~pre]["month"].to_numpy()
    dummies = (months[:, None] == np.arange(2, 13)).astype(float)
    x_post = np.column_stack([np.ones(36), dummies, frame[~pre]["t"]])  # statsmodels' order
    np.testing.assert_allclose(x_post @ model.params.to_numpy(), prediction["mean"], rtol=1e-10)
    total = x_post.sum(axis=0)
    se = np.sqrt(36 * model.scale + total @ model.cov_params().to_numpy() @ total)
    half = stats.t.ppf(0.95, model.df_resid) * se
    cumulative = its.cumulative_effect
    assert cumulative.ci_high - cumulative.value == pytest.approx(half, rel=1e-10)
    assert its.average_effect.width == pytest.approx(2 * half / 36, rel=1e-10)


def test_its_hac_covariance_matches_statsmodels(its_series: pd.Series) -> None:
    its = interrupted_time_series(
        its_series, intervention="2017-01-01", fourier_period=12, errors="hac", hac_lags=3
    )
    pre = its_series.index < "2017-01-01"
    t = np.arange(pre.sum())
    angle = 2 * np.pi * t / 12
    x = np.column_stack(
        [np.ones(t.size), t, np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)]
    )
    fit = __import__("statsmodels.api").api.OLS(its_series[pre].to_numpy(), x)
    hac = fit.fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True})
    np.testing.assert_allclose(its.coefficients.to_numpy(), hac.params, rtol=1e-10)
    # Per-period interval of the first post period: gamma_0 + x' V_hac x.
    x0 = np.array([1, t.size, 0, 1, 0, 1.0])  # t = 84 is a multiple of 12: sin 0, cos 1
    resid = hac.resid
    variance = resid @ resid / hac.df_resid + x0 @ hac.cov_params() @ x0
    half = stats.t.ppf(0.975, hac.df_resid) * np.sqrt(variance)
    first = its.path[its.path["post"]].iloc[0]
    assert first["counterfactual_high"] - first["counterfactual"] == pytest.approx(half, rel=1e-8)
    assert its.hac_lags == 3 and its.errors == "hac"


def test_did_matches_causalpy_and_statsmodels_cluster() -> None:
    panel = pd.read_csv(DATA / "did.csv")
    panel["treated"] = (panel["group"] == 1) & panel["post_treatment"]
    did = difference_in_differences(
        panel, unit_column="unit", period_column="t", metric_column="y", treatment="treated"
    )
    # difference-in-differences-sklearn.ipynb: "treatment_effect 0.504334".
    assert did.average_effect.value == pytest.approx(0.504334, abs=5e-7)
    assert did.estimator == "two-way fixed effects"
    ols = smf.ols("y ~ C(unit) + C(t) + treated", data=panel.assign(treated=panel.treated * 1.0))
    fit = ols.fit(cov_type="cluster", cov_kwds={"groups": panel["unit"]})
    assert did.average_effect.value == pytest.approx(fit.params["treated"], rel=1e-10)
    # statsmodels counts the 20 unit dummies in its (N-1)/(N-K) factor; we do not (the unit
    # effects are nested in the clusters, as Stata's xtreg, fe does): rescale to compare.
    n, k_sm, k_ours = len(panel), len(fit.params), 1 + 2
    se = fit.bse["treated"] * np.sqrt((n - k_sm) / (n - k_ours))
    half = stats.t.ppf(0.975, 20 - 1) * se
    assert did.average_effect.ci_high - did.average_effect.value == pytest.approx(half, rel=1e-8)


def test_staggered_unbalanced_event_study_matches_statsmodels_dummies() -> None:
    """Cohort x event-time coefficients by alternating projections == the full dummy OLS."""
    rng = np.random.default_rng(13)
    adoption = np.repeat([-1, 3, 5], 8)
    unit = np.repeat(np.arange(24), 8)
    week = np.tile(np.arange(8), 24)
    event = week - adoption[unit]
    treated = (adoption[unit] >= 0) & (event >= 0)
    y = rng.normal(0, 1, 24)[unit] + 0.2 * week + treated * (1 + 0.3 * event)
    panel = pd.DataFrame(
        {"unit": unit, "week": week, "y": y + rng.normal(0, 1, unit.size), "d": treated * 1}
    )
    panel = panel.drop(index=rng.choice(len(panel), 20, replace=False))  # unbalanced
    original = panel.copy()
    did = difference_in_differences(
        panel, unit_column="unit", period_column="week", metric_column="y", treatment="d"
    )
    pd.testing.assert_frame_equal(panel, original)
    cohort = pd.Series(adoption, name="cohort")[panel["unit"]].to_numpy()
    rel = panel["week"].to_numpy() - cohort
    cells = sorted({(g, e) for g, e in zip(cohort, rel, strict=True) if g >= 0 and e != -1})
    names = []
    for g, e in cells:
        name = f"c{g}_e{e}".replace("-", "m")
        panel[name] = ((cohort == g) & (rel == e)).astype(float)
        names.append(name)
    formula = "y ~ C(unit) + C(week) + " + " + ".join(names)
    fit = smf.ols(formula, data=panel).fit(cov_type="cluster", cov_kwds={"groups": panel["unit"]})
    n, k_sm = len(panel), len(fit.params)
    k_ours = len(cells) + panel["week"].nunique()
    rescale = (n - k_sm) / (n - k_ours)
    cov = fit.cov_params().loc[names, names].to_numpy() * rescale
    beta = fit.params[names].to_numpy()
    counts = panel[names].sum().to_numpy()
    for e in sorted({e for _, e in cells}):
        w = np.array([c if ce == e else 0.0 for c, (_, ce) in zip(counts, cells, strict=True)])
        w /= w.sum()
        row = did.event_study.loc[e]
        assert row["value"] == pytest.approx(w @ beta, abs=1e-9)
        half = stats.t.ppf(0.975, 23) * np.sqrt(w @ cov @ w)
        assert row["ci_high"] - row["value"] == pytest.approx(half, rel=1e-6)
    post = np.array([c if ce >= 0 else 0.0 for c, (_, ce) in zip(counts, cells, strict=True)])
    post /= post.sum()
    assert did.average_effect.value == pytest.approx(post @ beta, abs=1e-9)
