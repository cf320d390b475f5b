"""Do precimark's X-, R- and DR-learners give causalml's estimates with the same models?

causalml (``BaseXRegressor``/``BaseXClassifier``, ``BaseRRegressor``/``BaseRClassifier``,
``BaseDRRegressor``) is the independent implementation. It is not a test extra: installing it
(with xgboost, lightgbm, numba and a 335 MB NVIDIA library, 1.6 GB in all) took 6.5 minutes
on Python 3.11, which every CI environment would pay. Run this by hand in an environment that
has it:

    uv venv /tmp/venv-causalml --python 3.11
    VIRTUAL_ENV=/tmp/venv-causalml uv pip install -e ".[test]" causalml
    /tmp/venv-causalml/bin/python benchmarks/verify_causalml_uplift.py

On a confounded campaign with known truth (``make_observational_uplift_data``, the true
propensity given to both libraries) it fits each pair with the same base models and prints,
on held-out rows, the largest absolute difference of the two predictions and each one's
root-mean-square error against the true uplift. Where the algorithm is the same the
difference is rounding: the X-learner (same four models, ``g = e(x)``) and the R-learner on
spend (the same stratified folds of ``E[y | x]``, the same weighted regression; causalml's
``BaseRClassifier`` uses unstratified ``KFold`` folds, so on conversions only the mean
agrees). The DR-learner
differs by design: precimark cross-fits the outcome models and fits one effect model on all
rows; causalml rotates three thirds (outcome models on one, the effect model on the next)
and averages the three effect models. There the two should agree within sampling noise, so
the script prints the difference of their mean uplift against its scale (the standard
error of the mean of the pseudo-outcomes is about 0.01 here).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
from causalml.inference.meta import (
    BaseDRRegressor,
    BaseRClassifier,
    BaseRRegressor,
    BaseXClassifier,
    BaseXRegressor,
)
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from precimark.datasets import make_observational_uplift_data
from precimark.exceptions import DataQualityWarning
from precimark.propensity import DRLearnerUplift, RLearnerUplift, XLearnerUplift

FEATURES = [f"x{i}" for i in range(6)]
N = 20_000


def _data(outcome: str, seed: int) -> tuple[Any, ...]:
    d = make_observational_uplift_data(N, random_state=seed, outcome=outcome)
    return (
        d[FEATURES].to_numpy(),
        d["outcome"].to_numpy(dtype=float),
        d["treatment"].to_numpy(),
        d["propensity"].to_numpy(),
        d["true_uplift"].to_numpy(),
    )


def _rmse(predicted: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((predicted - truth) ** 2)))


def compare(name: str, ours: np.ndarray, theirs: np.ndarray, truth: np.ndarray) -> None:
    """Print the largest and the mean difference, and each one's error against the truth."""
    difference = np.abs(ours - theirs)
    print(
        f"{name:<44} max |diff| {difference.max():.2e}  mean diff "
        f"{float(np.mean(ours - theirs)):+.4f}  RMSE vs truth: precimark {_rmse(ours, truth):.4f}"
        f", causalml {_rmse(theirs, truth):.4f}",
        flush=True,
    )


def main() -> None:
    """Fit each pair on one campaign and score both on another."""
    warnings.simplefilter("ignore", DataQualityWarning)  # the simulator's tails: e < 0.01
    print(f"load average {os.getloadavg()[0]:.1f}; n = {N} training and {N} held-out rows")
    for outcome in ("continuous", "binary"):
        X, y, t, e, _ = _data(outcome, 0)
        X_new, _, _, e_new, truth = _data(outcome, 1)
        if outcome == "continuous":
            pairs: list[tuple[str, Any, Any]] = [
                ("linear", LinearRegression(), LinearRegression()),
                ("boosted trees", HistGradientBoostingRegressor(random_state=0), None),
            ]
        else:
            pairs = [
                ("logistic/linear", LogisticRegression(), LinearRegression()),
                ("boosted trees", HistGradientBoostingClassifier(random_state=0), None),
            ]
        for label, outcome_model, effect_model in pairs:
            effect = effect_model or HistGradientBoostingRegressor(random_state=0)
            x_ours = XLearnerUplift(estimator=outcome_model, effect_estimator=effect)
            x_ours.fit(X, y, treated=t, propensity=e)
            x_class = BaseXRegressor if outcome == "continuous" else BaseXClassifier
            x_kwargs = (
                {"learner": outcome_model}
                if outcome == "continuous" and effect_model is None
                else {
                    "control_outcome_learner": outcome_model,
                    "treatment_outcome_learner": outcome_model,
                    "control_effect_learner": effect,
                    "treatment_effect_learner": effect,
                }
            )
            x_theirs = x_class(**x_kwargs).fit(X, treatment=t, y=y, p=e)
            compare(
                f"X-learner, {outcome}, {label}",
                x_ours.predict(X_new, propensity=e_new),
                x_theirs.predict(X_new, p=e_new)[:, 0],
                truth,
            )
            # The X-learner with a propensity model: causalml takes the same model's scores.
            model = LogisticRegression().fit(X, t)
            x_ours.fit(X, y, treated=t, propensity=model)
            compare(
                f"X-learner, {outcome}, {label}, fitted e(x)",
                x_ours.predict(X_new),
                x_theirs.predict(X_new, p=model.predict_proba(X_new)[:, 1])[:, 0],
                truth,
            )
            r_ours = RLearnerUplift(estimator=outcome_model, effect_estimator=effect, cv=3)
            r_ours.set_params(random_state=0).fit(X, y, treated=t, propensity=e)
            r_class = BaseRRegressor if outcome == "continuous" else BaseRClassifier
            r_theirs = r_class(
                outcome_learner=outcome_model, effect_learner=effect, n_fold=3, random_state=0
            ).fit(X, treatment=t, y=y, p=e, verbose=False)
            compare(
                f"R-learner, {outcome}, {label}",
                r_ours.predict(X_new),
                r_theirs.predict(X_new)[:, 0],
                truth,
            )
            # causalml 0.18's BaseDRClassifier builds its pseudo-outcomes from the outcome
            # classifiers' predict (0/1 labels), not their probabilities: another estimator.
            if outcome == "continuous":
                dr_ours = DRLearnerUplift(estimator=outcome_model, effect_estimator=effect)
                dr_ours.set_params(random_state=0).fit(X, y, treated=t, propensity=e)
                dr_theirs = BaseDRRegressor(
                    control_outcome_learner=outcome_model,
                    treatment_outcome_learner=outcome_model,
                    treatment_effect_learner=effect,
                ).fit(X, treatment=t, y=y, p=e, seed=0)
                compare(
                    f"DR-learner, {outcome}, {label}",
                    dr_ours.predict(X_new),
                    dr_theirs.predict(X_new)[:, 0],
                    truth,
                )


if __name__ == "__main__":
    main()
