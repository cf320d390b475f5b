"""PropensityModel: scikit-learn contract, held-out calibration, CDNOW out-of-time bar."""

from __future__ import annotations

import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import SkipTestWarning
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import precimark as pm
from precimark.privacy import DataUse, data_usage_report
from precimark.propensity import PropensityModel, evaluate_out_of_time, make_snapshots
from precimark.propensity.metrics import expected_calibration_error
from precimark.propensity.models import default_classifier

CDNOW_CUTOFFS = ["1997-06-30", "1997-09-30", "1997-12-31", "1998-03-31"]
RFM = ["frequency", "recency", "T", "monetary_value"]


def test_the_default_model_passes_check_estimator() -> None:
    """Every check but one: Platt's sigmoid (the default calibration) smooths its targets
    with unweighted class counts in scikit-learn, so a weight of 2 is not exactly a repeated
    row (3e-4 apart). The isotonic calibration passes it."""
    sigmoid_weights = {
        "check_sample_weight_equivalence_on_dense_data": "Platt's target smoothing counts rows"
    }
    with warnings.catch_warnings():
        # check_estimator reports the checks it skips (e.g. array API) as SkipTestWarning
        warnings.filterwarnings("ignore", category=SkipTestWarning)
        check_estimator(PropensityModel(random_state=0), expected_failed_checks=sigmoid_weights)
        check_estimator(PropensityModel(calibration="isotonic", random_state=0))


def test_calibration_is_fitted_on_out_of_fold_predictions_only() -> None:
    """Re-implemented by hand: the classifier on all rows; the isotonic map fitted on the
    out-of-fold predictions (a classifier on k-1 folds predicts the k-th), then applied to
    the full classifier's probabilities. Equal predictions prove no calibrator saw a
    prediction on a row its classifier was fitted on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(900, 3))
    y = (X[:, 0] - 0.5 * X[:, 1] + rng.normal(size=900) > 0.3).astype(int)
    X_new = rng.normal(size=(200, 3))
    model = PropensityModel(
        estimator=GaussianNB(), calibration="isotonic", cv=3, random_state=4
    ).fit(X, y)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=4)
    out_of_fold = np.zeros(len(X))
    for train, held_out in folds.split(X, y):
        clf = GaussianNB().fit(X[train], y[train])
        out_of_fold[held_out] = clf.predict_proba(X[held_out])[:, 1]
    iso = IsotonicRegression(out_of_bounds="clip").fit(out_of_fold, y)
    expected = np.clip(iso.predict(GaussianNB().fit(X, y).predict_proba(X_new)[:, 1]), 0, 1)
    np.testing.assert_allclose(model.predict_proba(X_new)[:, 1], expected, atol=1e-12)
    assert model.calibration_ == "isotonic"


def test_auto_calibration_keeps_the_ranking_at_rare_positives() -> None:
    """1% positives on a logistic simulator (known truth): ``"auto"`` picks the sigmoid,
    whose map is strictly increasing, so the calibrated AUC is exactly the uncalibrated
    classifier's; the isotonic map's ties lower it."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40_000, 4))
    truth = 1 / (1 + np.exp(-(-5.0 + 0.9 * X[:, 0] - 0.6 * X[:, 1] + 0.5 * (X[:, 2] > 0))))
    y = (rng.random(40_000) < truth).astype(int)
    train, test = slice(0, 20_000), slice(20_000, None)
    assert 100 < y[train].sum() < 1_000  # rare: fewer positives than the isotonic threshold
    raw = PropensityModel(calibration=None, random_state=0).fit(X[train], y[train])
    auto = PropensityModel(calibration="auto", random_state=0).fit(X[train], y[train])
    isotonic = PropensityModel(calibration="isotonic", random_state=0).fit(X[train], y[train])
    assert auto.calibration_ == "sigmoid"
    auc = {
        name: roc_auc_score(y[test], model.predict_proba(X[test])[:, 1])
        for name, model in (("raw", raw), ("auto", auto), ("isotonic", isotonic))
    }
    assert auc["auto"] == auc["raw"]
    assert auc["isotonic"] < auc["raw"]
    p_auto = auto.predict_proba(X[test])[:, 1]
    assert len(np.unique(p_auto)) == len(np.unique(raw.predict_proba(X[test])[:, 1]))
    assert abs(p_auto.mean() - y[train].mean()) < 0.003


def test_auto_calibration_is_isotonic_with_enough_rows_of_every_class() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(4_000, 2))
    y = (X[:, 0] + rng.normal(size=4_000) > 0).astype(int)
    assert PropensityModel(calibration="auto", random_state=0).fit(X, y).calibration_ == "isotonic"
    assert PropensityModel(random_state=0).fit(X, y).calibration_ == "sigmoid"  # the default
    y[np.flatnonzero(y)[999:]] = 0  # leave 999 positives
    assert y.sum() == 999
    assert PropensityModel(calibration="auto", random_state=0).fit(X, y).calibration_ == "sigmoid"
    assert PropensityModel(calibration=None).fit(X, y).calibration_ is None


def test_the_default_classifiers_mean_averages_a_logistic_regression_and_small_trees() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier

    rng = np.random.default_rng(6)
    X = rng.normal(size=(3_000, 3))
    y = (X[:, 0] + rng.normal(size=3_000) > 0).astype(int)
    averaged = default_classifier(random_state=0, n_samples=3_000).set_params(candidates=["mean"])
    model = PropensityModel(estimator=averaged, calibration=None, random_state=0).fit(X, y)
    assert model.chosen_ is None and model.cv_log_loss_ is None  # a user's estimator
    vote = model.estimator_.estimator_
    assert isinstance(vote, VotingClassifier) and vote.voting == "soft"
    logistic, trees = vote.named_estimators_["logistic"], vote.named_estimators_["trees"]
    assert isinstance(logistic, LogisticRegression)
    assert isinstance(trees, HistGradientBoostingClassifier)
    assert trees.max_leaf_nodes == 7
    expected = (logistic.predict_proba(X) + trees.predict_proba(X)) / 2
    np.testing.assert_allclose(model.predict_proba(X), expected, atol=1e-12)
    # Platt's sigmoid is fitted on the log-odds of the mean probability, not on the probability
    log_odds = np.log(expected[:, 1] / expected[:, 0])
    np.testing.assert_allclose(vote.decision_function(X), log_odds, rtol=1e-10)
    np.testing.assert_allclose(model.estimator_.decision_function(X), log_odds, rtol=1e-10)
    weighted = PropensityModel(estimator=averaged, calibration=None, random_state=0).fit(
        X, y, sample_weight=np.where(X[:, 1] > 0, 3.0, 1.0)
    )
    assert not np.allclose(weighted.predict_proba(X), model.predict_proba(X))


def test_folds_that_do_not_partition_the_rows_are_refused_by_name() -> None:
    from sklearn.model_selection import ShuffleSplit

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(90, 2)), np.tile([0, 1, 1], 30)
    with pytest.raises(pm.DataValidationError, match=r"argument 'cv'.*partition"):
        PropensityModel(cv=ShuffleSplit(3, random_state=0)).fit(X, y)
    with pytest.raises(pm.DataValidationError, match=r"argument 'cv'"):
        PropensityModel(cv=[(np.arange(45), np.arange(45, 90))]).fit(X, y)


def test_held_out_calibration_repairs_an_overconfident_classifier() -> None:
    """Gaussian NB on correlated features is overconfident; calibration shrinks its ECE."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6_000, 1))
    X = np.hstack([z + 0.1 * rng.normal(size=(6_000, 1)) for _ in range(5)])
    y = (rng.random(6_000) < 1 / (1 + np.exp(-z[:, 0]))).astype(int)
    train, test = slice(0, 4_000), slice(4_000, None)
    raw = PropensityModel(estimator=GaussianNB(), calibration=None).fit(X[train], y[train])
    calibrated = PropensityModel(estimator=GaussianNB(), random_state=0).fit(X[train], y[train])
    ece_raw = expected_calibration_error(y[test], raw.predict_proba(X[test])[:, 1])
    ece_cal = expected_calibration_error(y[test], calibrated.predict_proba(X[test])[:, 1])
    assert ece_raw > 0.1
    assert ece_cal < 0.04


def test_cdnow_out_of_time_default_model_reaches_the_logistic_baseline(
    cdnow_sample: pd.DataFrame,
) -> None:
    """90-day purchase propensity, trained on 1997 cutoffs, tested on 1998-03-31.

    Measured on the CDNOW sample: default model AUC 0.836 (it chose the mean), logistic
    regression on RFM 0.835; top-decile lift ~4.4; ECE ~0.03 (full cohort: 0.837, the
    trees chosen, vs 0.840). Bars: AUC >= 0.80
    (the issue's figure) and no worse than the logistic baseline by more than 0.005.
    """
    snaps = make_snapshots(cdnow_sample, cutoffs=CDNOW_CUTOFFS, horizon=90)
    default = evaluate_out_of_time(snaps, horizon=90)
    logit = PropensityModel(
        estimator=make_pipeline(StandardScaler(), LogisticRegression()), calibration=None
    )
    baseline = evaluate_out_of_time(snaps[[*RFM, "label"]], horizon=90, estimator=logit)
    assert default.n_test == 2357
    assert default.n_train == 3 * 2357
    assert default.auc >= 0.80
    assert default.auc >= baseline.auc - 0.005
    assert default.top_decile_lift > 3.5
    assert default.calibration_error < 0.05
    # independent check of the reported AUC
    test = snaps.xs(pd.Timestamp("1998-03-31"), level="cutoff")
    assert roc_auc_score(test["label"], default.scores.to_numpy()) == pytest.approx(default.auc)


def test_out_of_time_training_labels_never_reach_into_the_test_period(
    cdnow_sample: pd.DataFrame,
) -> None:
    snaps = make_snapshots(
        cdnow_sample, cutoffs=["1997-10-31", "1997-12-31", "1998-01-31", "1998-03-31"], horizon=90
    )
    result = evaluate_out_of_time(
        snaps,
        horizon=90,
        estimator=PropensityModel(
            estimator=make_pipeline(StandardScaler(), LogisticRegression()), cv=2
        ),
    )
    # 1998-01-31 + 90 days > 1998-03-31: only the first two cutoffs may train
    assert result.n_train == 2 * 2357
    as_duration = evaluate_out_of_time(snaps, horizon="90D", gap=pd.Timedelta(0))
    assert as_duration.n_train == result.n_train
    with pytest.raises(pm.DataValidationError, match="no cutoff whose label window"):
        evaluate_out_of_time(snaps, horizon=90, test_cutoff="1997-12-31")
    with pytest.raises(pm.DataValidationError, match="one of the snapshot cutoffs"):
        evaluate_out_of_time(snaps, horizon=90, test_cutoff="1998-02-01")


def _fitted(n: int = 300) -> tuple[PropensityModel, pd.DataFrame]:
    rng = np.random.default_rng(2)
    X = pd.DataFrame(
        {"recency": rng.normal(size=n), "frequency": rng.normal(size=n)},
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )
    y = (X["recency"] + rng.normal(size=n) > 0).astype(int)
    return PropensityModel(estimator=LogisticRegression(), cv=2).fit(X, y), X


def test_score_customers_is_a_series_by_customer_honouring_consent() -> None:
    model, X = _fitted()
    scores = model.score_customers(X)
    assert scores.name == "propensity"
    assert scores.index.equals(X.index)
    np.testing.assert_allclose(scores, model.predict_proba(X)[:, 1])
    roster = pd.DataFrame(
        {"consent_marketing": np.arange(len(X)) % 3 != 0, "email_ok": True}, index=X.index
    )
    consented = model.score_customers(X, customers=roster)
    assert set(consented.index) == set(X.index[roster["consent_marketing"]])
    by_column = model.score_customers(X, customers=roster, consent="email_ok")
    assert len(by_column) == len(X)
    with pytest.raises(pm.DataValidationError, match="customers"):
        model.score_customers(X, consent="consent_marketing")


def test_score_customers_accepts_one_snapshot_and_refuses_several() -> None:
    model, X = _fitted()
    one = X.assign(label=0).set_index(
        pd.Index([pd.Timestamp("2024-01-01")] * len(X), name="cutoff"), append=True
    )
    np.testing.assert_allclose(model.score_customers(one), model.score_customers(X))
    two = pd.concat(
        [one, one.rename(index={pd.Timestamp("2024-01-01"): pd.Timestamp("2024-02-01")})]
    )
    with pytest.raises(pm.DataValidationError, match="2 cutoffs"):
        model.score_customers(two)


def test_data_usage_names_every_feature_for_marketing() -> None:
    model, X = _fitted()
    assert model.data_usage_ == (
        DataUse("recency", "marketing", "PropensityModel"),
        DataUse("frequency", "marketing", "PropensityModel"),
    )
    report = data_usage_report(model)
    assert report["column"].tolist() == ["recency", "frequency"]
    array_model = PropensityModel(estimator=LogisticRegression(), cv=2).fit(
        X.to_numpy(), X["recency"] > 0
    )
    assert [u.column for u in array_model.data_usage_] == ["x0", "x1"]


def test_pickles_and_clones() -> None:
    model, X = _fitted()
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert clone(model).get_params()["cv"] == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"calibration": "platt"}, "calibration"),
        ({"cv": 1}, "'cv'"),
        ({"estimator": StandardScaler()}, "classifier with predict_proba"),
    ],
)
def test_bad_settings_are_refused_in_fit(kwargs: dict[str, object], match: str) -> None:
    model = PropensityModel(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match=match):
        model.fit(np.zeros((10, 2)), np.arange(10) % 2)


def _synthetic_snapshots(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    cutoffs = pd.to_datetime(["2024-01-31", "2024-03-31", "2024-06-30"])
    index = pd.MultiIndex.from_product([range(n), cutoffs], names=["customer_id", "cutoff"])
    x = rng.normal(size=len(index))
    label = (x + rng.normal(size=len(index)) > 0.5).astype(np.int64)
    return pd.DataFrame(
        {"frequency": x, "recency": rng.normal(size=len(index)), "label": label}, index=index
    )


def test_out_of_time_result_to_dict_and_to_frame_carry_the_measures() -> None:
    logit = PropensityModel(estimator=LogisticRegression(), calibration=None)
    result = evaluate_out_of_time(_synthetic_snapshots(), horizon=60, estimator=logit)
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert document["test_cutoff"] == "2024-06-30"
    assert pd.Timestamp(document["test_cutoff"]) == result.test_cutoff
    assert document["model"] == "PropensityModel"
    assert document["n_train"] == result.n_train == 400
    assert document["n_test"] == result.n_test == 200
    for name in ("base_rate", "auc", "top_decile_lift", "calibration_error", "brier_score"):
        assert document[name] == getattr(result, name)
        assert type(document[name]) is float
    assert result.auc > 0.6
    assert set(document) == {
        "test_cutoff", "model", "n_train", "n_test", "base_rate", "auc", "top_decile_lift",
        "calibration_error", "brier_score",
    }  # fmt: skip
    labels = _synthetic_snapshots().loc[result.scores.index, "label"].to_numpy()
    assert result.brier_score == pytest.approx(np.mean((labels - result.scores.to_numpy()) ** 2))
    frame = result.to_frame()
    assert frame.index.tolist() == [result.test_cutoff]
    assert frame.index.name == "test_cutoff"
    assert frame.loc[result.test_cutoff, "auc"] == result.auc
    assert frame.loc[result.test_cutoff, "n_train"] == result.n_train
    assert frame.columns.tolist() == [k for k in document if k not in {"test_cutoff", "model"}]


def test_out_of_time_result_to_dict_turns_nan_into_none() -> None:
    result = pm.propensity.OutOfTimeResult(
        model=None,
        test_cutoff=pd.Timestamp("2024-06-30"),
        n_train=10,
        n_test=5,
        base_rate=0.4,
        auc=float("nan"),
        top_decile_lift=np.float64(2.0),
        calibration_error=0.1,
        scores=pd.Series([], dtype=np.float64),
    )
    document = result.to_dict()
    json.dumps(document, allow_nan=False)
    assert document["auc"] is None
    assert type(document["top_decile_lift"]) is float
    assert np.isnan(result.to_frame().loc[result.test_cutoff, "auc"])


# --- group splitters (issue 23) --------------------------------------------------------------


def _snapshots() -> pd.DataFrame:
    from precimark.datasets import load_cdnow

    return make_snapshots(
        load_cdnow(sample=True), horizon=90, cutoffs=["1997-06-30", "1997-09-30", "1997-12-31"]
    )


def test_group_k_fold_splits_by_customer_on_snapshots() -> None:
    """The documented PropensityModel(cv=GroupKFold(3)) works on a snapshot frame: the
    groups are its customer ids, and the result is CalibratedClassifierCV on those folds."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import GroupKFold

    snaps = _snapshots()
    X, y = snaps.drop(columns="label")[RFM], snaps["label"].to_numpy()
    customers = snaps.index.get_level_values("customer_id").to_numpy()
    model = PropensityModel(estimator=LogisticRegression(), cv=GroupKFold(3)).fit(X, y)
    folds = list(GroupKFold(3).split(X, y, customers))
    for train, test in folds:
        assert not set(customers[train]) & set(customers[test])
    expected = CalibratedClassifierCV(
        LogisticRegression(), method=model.calibration_, cv=folds, ensemble=False
    )
    expected.fit(X.to_numpy(), y)
    np.testing.assert_allclose(
        model.predict_proba(X)[:, 1], expected.predict_proba(X.to_numpy())[:, 1], atol=1e-12
    )
    explicit = PropensityModel(estimator=LogisticRegression(), cv=GroupKFold(3))
    explicit.fit(X.to_numpy(), y, groups=customers)
    np.testing.assert_allclose(
        explicit.predict_proba(X.to_numpy()), model.predict_proba(X), atol=1e-12
    )


def test_group_splitter_without_groups_is_refused_by_name() -> None:
    from sklearn.model_selection import GroupKFold

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(90, 2)), np.tile([0, 1, 1], 30)
    with pytest.raises(pm.DataValidationError, match=r"argument 'groups'.*GroupKFold"):
        PropensityModel(cv=GroupKFold(3)).fit(X, y)
    with pytest.raises(pm.DataValidationError, match="one label per row"):
        PropensityModel(cv=GroupKFold(3)).fit(X, y, groups=[1, 2])


def test_a_pipeline_is_fitted_without_sample_weight_unless_given() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    plain = PropensityModel(estimator=pipe, calibration=None).fit(X, y)
    np.testing.assert_allclose(
        plain.predict_proba(X), clone(pipe).fit(X, y).predict_proba(X), atol=1e-12
    )
    weights = rng.integers(1, 3, 300)
    weighted = PropensityModel(estimator=pipe, calibration=None).fit(X, y, sample_weight=weights)
    expected = clone(pipe).fit(X, y, logisticregression__sample_weight=weights)
    np.testing.assert_allclose(weighted.predict_proba(X), expected.predict_proba(X), atol=1e-12)


def test_a_model_saved_before_calibration_auto_still_loads_and_predicts() -> None:
    """A 0.1 document: the boosted trees, isotonic, no ``calibration_``; it predicts as saved."""
    from sklearn.calibration import CalibratedClassifierCV

    from precimark.propensity.models import default_booster

    rng = np.random.default_rng(7)
    X = rng.normal(size=(600, 2))
    y = (X[:, 0] + rng.normal(size=600) > 0).astype(int)
    model = PropensityModel(calibration="isotonic", random_state=0).fit(X, y)
    model.estimator_ = CalibratedClassifierCV(
        default_booster(classifier=True, random_state=0, n_samples=600),
        method="isotonic",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    expected = model.estimator_.predict_proba(X)
    document = model.to_dict()
    for name in ("calibration_", "chosen_", "cv_log_loss_"):
        del document["state"][name]
    loaded = PropensityModel.from_dict(json.loads(json.dumps(document)))
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-12)
    assert loaded.chosen_ is None and loaded.cv_log_loss_ is None
    old = pickle.loads(pickle.dumps(model))
    del old.calibration_, old.chosen_, old.cv_log_loss_
    restored = pickle.loads(pickle.dumps(old))
    np.testing.assert_allclose(restored.predict_proba(X), expected)
    assert restored.chosen_ is None
