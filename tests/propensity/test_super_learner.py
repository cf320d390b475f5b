"""DiscreteSuperLearner and the default classifier's choice (issue 23: defaults that win)."""

from __future__ import annotations

import json
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import SkipTestWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import precimark as pm
from precimark.propensity import PropensityModel
from precimark.propensity.models import DiscreteSuperLearner, default_classifier


def _logistic_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + X[:, 0] - 0.7 * X[:, 1])))).astype(int)
    return X, y


def _step_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """An interaction of two thresholds, which no logistic regression on X can represent."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = ((X[:, 0] > 0.3) ^ (X[:, 1] > -0.2)).astype(int)
    return X, np.where(rng.random(n) < 0.1, 1 - y, y)


def test_it_picks_the_logistic_regression_on_logistic_data_and_the_trees_on_steps() -> None:
    X, y = _logistic_data(4_000, 0)
    logistic = default_classifier(random_state=0, n_samples=4_000).fit(X, y)
    assert logistic.chosen_ == "logistic"
    assert set(logistic.cv_log_loss_) == {"logistic", "trees", "mean"}
    assert logistic.cv_log_loss_["logistic"] < logistic.cv_log_loss_["trees"]
    assert isinstance(logistic.estimator_, LogisticRegression)
    X, y = _step_data(4_000, 1)
    steps = default_classifier(random_state=0, n_samples=4_000).fit(X, y)
    assert steps.chosen_ == "trees"
    assert isinstance(steps.estimator_, HistGradientBoostingClassifier)
    assert steps.cv_log_loss_["trees"] < steps.cv_log_loss_["mean"] < steps.cv_log_loss_["logistic"]


def test_the_log_loss_is_the_out_of_fold_one_and_only_the_chosen_is_refitted() -> None:
    """Rebuilt by hand on the same folds; the chosen member is refitted on all rows."""
    X, y = _logistic_data(1_500, 2)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=4).split(X, y))
    members = [("a", LogisticRegression(C=0.01)), ("b", GaussianNB())]
    model = DiscreteSuperLearner(members, cv=folds).fit(X, y)
    oof = {name: np.zeros(len(y)) for name, _ in members}
    for train, test in folds:
        for name, member in members:
            oof[name][test] = clone(member).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    oof["mean"] = (oof["a"] + oof["b"]) / 2
    for name, p in oof.items():
        expected = -np.mean(np.where(y == 1, np.log(p), np.log(1 - p)))
        assert model.cv_log_loss_[name] == pytest.approx(expected, rel=1e-12)
    assert model.chosen_ == min(oof, key=model.cv_log_loss_.__getitem__)
    refit = clone(dict(members)[model.chosen_]).fit(X, y) if model.chosen_ != "mean" else None
    if refit is not None:
        np.testing.assert_allclose(model.predict_proba(X), refit.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[model.predict_proba(X).argmax(1)]
    )


def test_sample_weights_change_the_choice_and_reach_the_members_only_when_given() -> None:
    """Logistic rows and step rows side by side: a zero weight removes one kind."""
    Xa, ya = _logistic_data(3_000, 3)
    Xb, yb = _step_data(3_000, 4)
    X = np.vstack([np.column_stack([Xa, np.zeros(3_000)]), np.column_stack([Xb, np.ones(3_000)])])
    y = np.concatenate([ya, yb])
    step_rows = X[:, -1] == 1
    only_logistic = default_classifier(random_state=0, n_samples=6_000).fit(
        X, y, sample_weight=np.where(step_rows, 0.0, 1.0)
    )
    only_steps = default_classifier(random_state=0, n_samples=6_000).fit(
        X, y, sample_weight=np.where(step_rows, 1.0, 0.0)
    )
    assert only_logistic.chosen_ == "logistic"
    assert only_steps.chosen_ == "trees"
    # KNeighborsClassifier.fit takes no sample_weight: without weights it must still work
    knn = DiscreteSuperLearner([("knn", KNeighborsClassifier(15))], random_state=0).fit(X, y)
    assert knn.chosen_ == "knn" and knn.cv_log_loss_ == {}


def test_the_default_classifier_passes_check_estimator() -> None:
    """Every check but one: with a weight of 2 in place of a repeated row the folds differ, so
    the out-of-fold scores (and possibly the choice) differ."""
    folds = {"check_sample_weight_equivalence_on_dense_data": "repeated rows change the folds"}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=SkipTestWarning)
        check_estimator(
            default_classifier(random_state=0, n_samples=100), expected_failed_checks=folds
        )


def test_it_is_a_scikit_learn_classifier() -> None:
    X, y = _logistic_data(800, 5)
    model = default_classifier(random_state=0, n_samples=800)
    assert clone(model).get_params()["candidates"] is None
    assert clone(model.set_params(candidates=["mean"])).get_params()["candidates"] == ["mean"]
    model.set_params(candidates=None)
    fitted = clone(model).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    assert restored.chosen_ == fitted.chosen_
    # in a Pipeline, and with a Pipeline as a member (weights reach its last step)
    piped = make_pipeline(StandardScaler(), clone(model)).fit(X, y)
    assert piped[-1].chosen_ in {"logistic", "trees", "mean"}
    members = [("scaled", make_pipeline(StandardScaler(), LogisticRegression())),
               ("raw", LogisticRegression(C=0.001))]  # fmt: skip
    weights = np.where(X[:, 0] > 0, 3.0, 1.0)
    weighted = DiscreteSuperLearner(members, random_state=0).fit(X, y, sample_weight=weights)
    plain = DiscreteSuperLearner(members, random_state=0).fit(X, y)
    assert weighted.cv_log_loss_ != plain.cv_log_loss_
    # metadata routing: the default requests sample_weight, so a meta-estimator passes them
    with sklearn.config_context(enable_metadata_routing=True):
        routed = CalibratedClassifierCV(
            default_classifier(random_state=0, n_samples=800), cv=3, ensemble=False
        ).fit(X, y, sample_weight=weights)
    unrouted = CalibratedClassifierCV(
        default_classifier(random_state=0, n_samples=800), cv=3, ensemble=False
    ).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(routed.predict_proba(X), unrouted.predict_proba(X), atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"estimators": []}, "argument 'estimators'"),
        (
            {"estimators": [("a", LogisticRegression()), ("a", LogisticRegression())]},
            "'estimators'",
        ),
        ({"estimators": [("mean", LogisticRegression())]}, "argument 'estimators'"),
        ({"candidates": ["forest"]}, "argument 'candidates'"),
        ({"candidates": []}, "argument 'candidates'"),
        ({"cv": 1}, "argument 'cv'"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs: dict[str, object], match: str) -> None:
    X, y = _logistic_data(300, 6)
    params: dict[str, object] = {
        "estimators": [("a", LogisticRegression()), ("b", LogisticRegression(C=0.1))],
        **kwargs,
    }
    with pytest.raises(pm.DataValidationError, match=match):
        DiscreteSuperLearner(**params).fit(X, y)  # type: ignore[arg-type]


def test_the_propensity_model_chooses_on_its_calibration_folds() -> None:
    """PropensityModel() scores the candidates on its own folds (no second choice loop) and
    reports the choice; the calibrated classifier is the chosen candidate."""
    X, y = _logistic_data(3_000, 7)
    model = PropensityModel(random_state=3).fit(X, y)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=3).split(X, y))
    alone = default_classifier(random_state=3, n_samples=3_000, cv=folds).fit(X, y)
    assert model.chosen_ == alone.chosen_ == "logistic"
    assert model.cv_log_loss_ == pytest.approx(alone.cv_log_loss_, rel=1e-12)
    calibrated = model.estimator_.calibrated_classifiers_[0].estimator
    assert calibrated.chosen_ == "logistic" and calibrated.get_params()["candidates"] == [
        "logistic"
    ]
    uncalibrated = PropensityModel(calibration=None, random_state=3).fit(X, y)
    assert uncalibrated.chosen_ == "logistic"
    np.testing.assert_allclose(uncalibrated.predict_proba(X), alone.predict_proba(X), atol=1e-12)
    X, y = _step_data(3_000, 8)
    assert PropensityModel(random_state=3).fit(X, y).chosen_ == "trees"
    document = json.loads(json.dumps(model.to_dict()))
    loaded = PropensityModel.from_dict(document)
    assert loaded.chosen_ == "logistic"
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-12)
