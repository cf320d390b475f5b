"""Observational campaigns: propensity input, DR- and R-learners, IPW metrics, balance.

Simulation with known truth: ``make_observational_uplift_data`` sends the offer mostly to
customers who would buy anyway (true mean uplift 0.07; the naive treated-minus-control
difference is 0.20). The X-, DR- and R-learners are re-implemented by hand (causalml is too
heavy a test extra; ``benchmarks/verify_causalml_uplift.py`` compares against it by hand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import StratifiedKFold

import precimark as pm
from precimark.datasets import (
    make_multiarm_uplift_data,
    make_observational_uplift_data,
    make_uplift_data,
)
from precimark.exceptions import DataQualityWarning
from precimark.propensity import (
    ClassTransformationUplift,
    DRLearnerUplift,
    RLearnerUplift,
    XLearnerUplift,
    balance_table,
)
from precimark.propensity.metrics import (
    bootstrap_interval,
    qini_auc_score,
    qini_curve,
    uplift_at_k,
    uplift_auc_score,
    uplift_curve,
)

FEATURES = [f"x{i}" for i in range(6)]


@pytest.fixture(scope="module")
def confounded() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        make_observational_uplift_data(8_000, random_state=0),
        make_observational_uplift_data(8_000, random_state=100),
    )


# --- class transformation: refused unless re-weighted ------------------------------------------


def test_class_transformation_refuses_a_confounded_campaign(
    confounded: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = confounded
    with pytest.raises(pm.DataValidationError, match=r"argument 'treated'.*propensity="):
        ClassTransformationUplift(estimator=LogisticRegression()).fit(
            train[FEATURES], train["outcome"], treated=train["treatment"]
        )


def test_class_transformation_accepts_a_randomised_campaign() -> None:
    d = make_uplift_data(8_000, random_state=5, treatment_share=0.3)
    model = ClassTransformationUplift(estimator=LogisticRegression())
    model.fit(d[FEATURES], d["outcome"], treated=d["treatment"])
    assert model.treatment_share_ == pytest.approx(0.3, abs=0.02)


def test_re_weighted_class_transformation_removes_most_of_the_bias(
    confounded: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Measured (seed 0, default booster): 0.197 when told the campaign was randomised (a
    constant propensity), 0.093 with the true propensity, 0.083 with a logistic propensity
    model, for a true mean uplift of 0.075. Bars: within 0.03 of the truth re-weighted,
    more than 0.08 off when not."""
    train, test = confounded
    X, y, t = train[FEATURES], train["outcome"], train["treatment"]
    truth = test["true_uplift"].mean()

    def mean_uplift(propensity: object) -> float:
        model = ClassTransformationUplift(random_state=0)
        model.fit(X, y, treated=t, propensity=propensity)
        return float(model.predict(test[FEATURES]).mean())

    assert mean_uplift(float(t.mean())) > truth + 0.08
    assert mean_uplift(train["propensity"]) == pytest.approx(truth, abs=0.03)
    assert mean_uplift(LogisticRegression()) == pytest.approx(truth, abs=0.03)


# --- DR- and R-learner ---------------------------------------------------------------------------


def _hand_folds(codes: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(StratifiedKFold(3, shuffle=True, random_state=0).split(codes, codes))


def test_dr_learner_is_the_published_estimator() -> None:
    """Kennedy (2023) by hand: cross-fitted arm regressions, AIPW pseudo-outcome, OLS."""
    d = make_observational_uplift_data(2_000, random_state=1, outcome="continuous")
    X, y, t, e = (d[c].to_numpy() for c in (FEATURES, "outcome", "treatment", "propensity"))
    model = DRLearnerUplift(
        estimator=LinearRegression(), effect_estimator=LinearRegression(), random_state=0
    ).fit(X, y, treated=t, propensity=e)
    mu = np.empty((len(y), 2))
    for train, test in _hand_folds(t):
        for arm in (0, 1):
            rows = train[t[train] == arm]
            mu[test, arm] = LinearRegression().fit(X[rows], y[rows]).predict(X[test])
    pseudo = mu[:, 1] - mu[:, 0] + t * (y - mu[:, 1]) / e - (1 - t) * (y - mu[:, 0]) / (1 - e)
    expected = LinearRegression().fit(X, pseudo).predict(X)
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-9, atol=1e-9)


def test_r_learner_is_the_published_estimator() -> None:
    """Nie & Wager (2021) by hand: cross-fitted m(x), weighted regression of residual ratios."""
    d = make_observational_uplift_data(2_000, random_state=2, outcome="continuous")
    X, y, t, e = (d[c].to_numpy() for c in (FEATURES, "outcome", "treatment", "propensity"))
    model = RLearnerUplift(
        estimator=LinearRegression(), effect_estimator=LinearRegression(), random_state=0
    ).fit(X, y, treated=t, propensity=e)
    m = np.empty(len(y))
    for train, test in _hand_folds(t):
        m[test] = LinearRegression().fit(X[train], y[train]).predict(X[test])
    expected = LinearRegression().fit(X, (y - m) / (t - e), sample_weight=(t - e) ** 2).predict(X)
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("cls", [DRLearnerUplift, RLearnerUplift])
def test_dr_and_r_learners_recover_the_effect_of_a_confounded_campaign(
    cls: type, confounded: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Measured (seed 0, default boosters, true propensity): mean uplift 0.076 (DR) and 0.075
    (R) for a true 0.075; DR with a fitted logistic propensity 0.075. Bars: within 0.015 of
    the truth, and the prediction ranks the true uplift (correlation > 0.6)."""
    train, test = confounded
    X, y, t = train[FEATURES], train["outcome"], train["treatment"]
    truth = test["true_uplift"]
    for propensity in (train["propensity"], LogisticRegression()):
        model = cls(random_state=0).fit(X, y, treated=t, propensity=propensity)
        predicted = model.predict(test[FEATURES])
        assert predicted.mean() == pytest.approx(truth.mean(), abs=0.015)
        assert np.corrcoef(predicted, truth)[0, 1] > 0.6


def test_a_fitted_propensity_model_is_used_as_is(
    confounded: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = confounded
    X, y, t = train[FEATURES], train["outcome"], train["treatment"]
    fitted = LogisticRegression().fit(X, t)
    learner = DRLearnerUplift(
        estimator=LogisticRegression(), effect_estimator=LinearRegression(), random_state=0
    )
    by_model = learner.fit(X, y, treated=t, propensity=fitted).predict(X)
    by_array = learner.fit(X, y, treated=t, propensity=fitted.predict_proba(X)[:, 1]).predict(X)
    np.testing.assert_allclose(by_model, by_array, atol=1e-12)


@pytest.mark.parametrize(
    ("propensity", "match"),
    [
        (np.r_[0.0, np.full(399, 0.5)], "missing, 0 or 1"),
        (np.full(3, 0.5), r"shape \(3,\)"),
        ("0.5", "probabilities"),
    ],
)
def test_bad_propensity_is_refused(propensity: object, match: str) -> None:
    d = make_uplift_data(400, random_state=0)
    with pytest.raises(pm.DataValidationError, match=match):
        DRLearnerUplift(estimator=LogisticRegression()).fit(
            d[FEATURES], d["outcome"], treated=d["treatment"], propensity=propensity
        )


def test_poor_overlap_warns_with_the_count() -> None:
    d = make_uplift_data(400, random_state=0)
    e = np.full(400, 0.5)
    e[:3] = 0.004
    with pytest.warns(DataQualityWarning, match=r"Poor overlap: 3 of 400 rows"):
        DRLearnerUplift(estimator=LogisticRegression(), effect_estimator=LinearRegression()).fit(
            d[FEATURES], d["outcome"], treated=d["treatment"], propensity=e
        )


# --- inverse-propensity-weighted metrics -----------------------------------------------------------


def test_ipw_metrics_with_a_constant_propensity_are_the_unweighted_ones() -> None:
    d = make_uplift_data(1_000, random_state=3, treatment_share=0.4)
    y, score, t = d["outcome"], d["true_uplift"], d["treatment"]
    share = np.full(len(d), t.mean())
    for curve in (qini_curve, uplift_curve):
        np.testing.assert_allclose(curve(y, score, t, propensity=share)[1], curve(y, score, t)[1])
    for metric in (qini_auc_score, uplift_auc_score, uplift_at_k):
        assert metric(y, score, t, propensity=share) == pytest.approx(metric(y, score, t))


def test_ipw_uplift_curve_ends_at_the_true_effect(
    confounded: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """The end point of the uplift curve is n x (treated - control mean): 0.20 per row
    unweighted, the true 0.075 weighted (4 standard errors of a difference in means)."""
    _, test = confounded
    y, t, e = test["outcome"], test["treatment"], test["propensity"]
    score = test["true_uplift"]
    n = len(test)
    naive = uplift_curve(y, score, t)[1][-1] / n
    weighted = uplift_curve(y, score, t, propensity=e)[1][-1] / n
    se = 2 * np.sqrt(0.25 / (n / 2) * 2)  # generous: IPW inflates the variance
    assert naive > test["true_uplift"].mean() + 0.1
    assert weighted == pytest.approx(test["true_uplift"].mean(), abs=se)
    at_all = uplift_at_k(y, score, t, k=1.0, propensity=e)
    assert at_all == pytest.approx(weighted, rel=1e-9)
    ci = bootstrap_interval(
        uplift_at_k, y, score, t, random_state=0, n_resamples=50, k=1.0, propensity=e
    )
    assert ci.ci_low < test["true_uplift"].mean() < ci.ci_high


# --- balance ------------------------------------------------------------------------------------


def test_balance_table_matches_a_hand_computation(
    confounded: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = confounded
    X, t, e = train[FEATURES], train["treatment"].to_numpy(), train["propensity"].to_numpy()
    table = balance_table(X, t, propensity=e)
    x0 = X["x0"].to_numpy()
    a, b = x0[t == 1], x0[t == 0]
    smd = (a.mean() - b.mean()) / np.sqrt((a.var() + b.var()) / 2)
    assert table.loc["x0", "smd"] == pytest.approx(smd, rel=1e-12)
    assert table.loc["x0", "variance_ratio"] == pytest.approx(a.var() / b.var(), rel=1e-12)
    wa, wb = 1 / e[t == 1], 1 / (1 - e[t == 0])
    ma, mb = np.average(a, weights=wa), np.average(b, weights=wb)
    va, vb = np.average((a - ma) ** 2, weights=wa), np.average((b - mb) ** 2, weights=wb)
    smd_w = (ma - mb) / np.sqrt((va + vb) / 2)
    assert table.loc["x0", "smd_weighted"] == pytest.approx(smd_w, rel=1e-10)
    assert table.loc["x0", "smd"] > 0.5  # confounded on x0
    assert table["smd_weighted"].abs().max() < 0.1  # the true propensity balances it
    assert table.index.tolist() == FEATURES


def test_balance_table_of_a_randomised_campaign_is_balanced() -> None:
    d = make_uplift_data(20_000, random_state=8)
    table = balance_table(d[FEATURES].to_numpy(), d["treatment"])
    assert table["smd"].abs().max() < 0.05  # SE of an SMD at n = 20,000: 0.014
    assert "smd_weighted" not in table
    assert table.index.tolist() == FEATURES


# --- X-learner with a propensity -----------------------------------------------------------------


def _hand_x_learner(
    X: np.ndarray, y: np.ndarray, t: np.ndarray, X_new: np.ndarray, g: np.ndarray
) -> np.ndarray:
    """Kunzel et al. (2019) by hand with OLS: imputed effects, then g tau_0 + (1 - g) tau_1."""
    mu0 = LinearRegression().fit(X[t == 0], y[t == 0])
    mu1 = LinearRegression().fit(X[t == 1], y[t == 1])
    tau1 = LinearRegression().fit(X[t == 1], y[t == 1] - mu0.predict(X[t == 1]))
    tau0 = LinearRegression().fit(X[t == 0], mu1.predict(X[t == 0]) - y[t == 0])
    return g * tau0.predict(X_new) + (1.0 - g) * tau1.predict(X_new)


def _linear_x_learner() -> XLearnerUplift:
    return XLearnerUplift(estimator=LinearRegression(), effect_estimator=LinearRegression())


def test_x_learner_weights_its_effect_models_by_the_propensity() -> None:
    """The combination weight is e(x): given per row to predict, or a classifier of the
    treatment (fitted by the learner on the training rows, or given fitted), or a constant."""
    d = make_observational_uplift_data(2_000, random_state=3, outcome="continuous")
    new = make_observational_uplift_data(500, random_state=4, outcome="continuous")
    X, y, t, e = (d[c].to_numpy() for c in (FEATURES, "outcome", "treatment", "propensity"))
    X_new, e_new = new[FEATURES].to_numpy(), new["propensity"].to_numpy()
    model = _linear_x_learner().fit(X, y, treated=t, propensity=e)
    assert model.propensity_ is None
    expected = _hand_x_learner(X, y, t, X_new, e_new)
    np.testing.assert_allclose(model.predict(X_new, propensity=e_new), expected, atol=1e-9)
    logistic = LogisticRegression().fit(X, t)
    g = logistic.predict_proba(X_new)[:, 1]
    for propensity in (LogisticRegression(), logistic):
        model = _linear_x_learner().fit(X, y, treated=t, propensity=propensity)
        np.testing.assert_allclose(model.propensity_model_.predict_proba(X_new)[:, 1], g, rtol=1e-6)
        np.testing.assert_allclose(
            model.predict(X_new), _hand_x_learner(X, y, t, X_new, g), atol=1e-6
        )
    assert model.propensity_model_ is logistic  # a fitted model is kept as is
    constant = _linear_x_learner().fit(X, y, treated=t, propensity=0.3)
    np.testing.assert_allclose(constant.propensity_, [0.7, 0.3])
    np.testing.assert_allclose(
        constant.predict(X_new), _hand_x_learner(X, y, t, X_new, np.full(500, 0.3)), atol=1e-9
    )
    default = _linear_x_learner().fit(X, y, treated=t)  # the treated share, as before
    np.testing.assert_allclose(
        default.predict(X_new), _hand_x_learner(X, y, t, X_new, np.full(500, t.mean())), atol=1e-9
    )


def test_x_learner_recovers_the_effect_of_a_confounded_campaign(
    confounded: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Measured (seed 0, default boosters): mean uplift 0.0712 with a logistic propensity
    model and 0.0713 with the true propensity, for a true 0.0749 (correlation 0.90 with the
    true uplift both times). Bars: within 0.015 of the truth, correlation > 0.8."""
    train, test = confounded
    X, y, t = train[FEATURES], train["outcome"], train["treatment"]
    truth = test["true_uplift"]
    for propensity, scored in (
        (LogisticRegression(), {}),
        (train["propensity"], {"propensity": test["propensity"]}),
    ):
        model = XLearnerUplift(random_state=0).fit(X, y, treated=t, propensity=propensity)
        predicted = model.predict(test[FEATURES], **scored)
        assert predicted.mean() == pytest.approx(truth.mean(), abs=0.015)
        assert np.corrcoef(predicted, truth)[0, 1] > 0.8


def test_x_learner_fitted_on_row_probabilities_needs_them_to_predict() -> None:
    d = make_observational_uplift_data(400, random_state=0)
    model = _linear_x_learner().fit(
        d[FEATURES], d["outcome"], treated=d["treatment"], propensity=d["propensity"]
    )
    with pytest.raises(pm.DataValidationError, match=r"argument 'propensity'.*Pass propensity="):
        model.predict(d[FEATURES])
    with pytest.raises(pm.DataValidationError, match=r"argument 'propensity'.*shape \(3,\)"):
        model.predict(d[FEATURES], propensity=np.full(3, 0.5))
    assert model.best_arm(d[FEATURES], propensity=d["propensity"]).shape == (400,)


def test_x_learner_with_several_arms_weights_each_arm_against_the_control() -> None:
    """g_a = e_a / (e_a + e_0): each arm's share among the arm and the control rows."""
    d = make_multiarm_uplift_data(3_000, random_state=0)
    X, y, t = d[FEATURES].to_numpy(), d["outcome"].to_numpy(), d["treatment"].to_numpy()
    e = np.tile([0.5, 0.2, 0.3], (len(y), 1))  # control, "A", "B"
    model = XLearnerUplift(
        estimator=LogisticRegression(), effect_estimator=LinearRegression(), control="control"
    )
    by_rows = model.fit(X, y, treated=t, propensity=e).predict(X, propensity=e)
    assert model.propensity_ is None
    by_shares = model.fit(X, y, treated=t).predict(X)
    for j, share in enumerate((0.2 / 0.7, 0.3 / 0.8)):
        tau0, tau1 = model.effects_control_[j].predict(X), model.effects_treated_[j].predict(X)
        np.testing.assert_allclose(by_rows[:, j], share * tau0 + (1 - share) * tau1, atol=1e-9)
    assert not np.allclose(by_rows, by_shares)


def test_x_learner_with_a_propensity_model_of_several_arms_and_a_json_round_trip() -> None:
    """String arms: the learner fits the classifier on the labels and maps its classes."""
    d = make_multiarm_uplift_data(1_500, random_state=1)
    X, y, t = d[FEATURES], d["outcome"], d["treatment"]
    model = XLearnerUplift(
        estimator=LogisticRegression(), effect_estimator=LinearRegression(), control="control"
    ).fit(X, y, treated=t, propensity=LogisticRegression())
    classes = list(model.propensity_model_.classes_)
    e = model.propensity_model_.predict_proba(X)[
        :, [classes.index(c) for c in ("control", "A", "B")]
    ]
    np.testing.assert_allclose(model.predict(X), model.predict(X, propensity=e), atol=1e-12)
    again = XLearnerUplift.from_dict(model.to_dict())
    np.testing.assert_allclose(again.predict(X), model.predict(X), atol=1e-12)


def test_x_learner_propensity_model_routes_through_cross_validation() -> None:
    """params={"propensity": classifier} reaches each fold's fit (a manual loop agrees)."""
    import sklearn
    from sklearn.model_selection import KFold, cross_val_score

    from precimark.propensity.metrics import make_uplift_scorer

    d = make_observational_uplift_data(1_500, random_state=6)
    X, y, t = d[FEATURES], d["outcome"], d["treatment"]
    folds = KFold(3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        scores = cross_val_score(
            _linear_x_learner(),
            X,
            y,
            cv=folds,
            # the scorer's IPW weights take arrays only: it must not get the classifier
            scoring=make_uplift_scorer("qini_auc_score").set_score_request(
                treated=True, propensity=False
            ),
            params={"treated": t, "propensity": LogisticRegression()},
        )
    manual = []
    for train, test in folds.split(X):
        fitted = _linear_x_learner().fit(
            X.iloc[train], y.iloc[train], treated=t.iloc[train], propensity=LogisticRegression()
        )
        manual.append(qini_auc_score(y.iloc[test], fitted.predict(X.iloc[test]), t.iloc[test]))
    np.testing.assert_allclose(scores, manual, atol=1e-12)


def test_a_pickled_x_learner_from_before_propensity_still_predicts() -> None:
    import pickle

    from precimark.propensity import XLearnerUplift

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    treated = rng.integers(0, 2, 400)
    y = (rng.random(400) < 0.3 + 0.1 * treated).astype(int)
    model = XLearnerUplift(random_state=0).fit(X, y, treated=treated)
    state = pickle.loads(pickle.dumps(model)).__getstate__()
    del state["propensity_model_"], state["propensity_"]  # the attributes before propensity=
    again = XLearnerUplift.__new__(XLearnerUplift)
    again.__setstate__(state)  # what unpickling an old file does
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
