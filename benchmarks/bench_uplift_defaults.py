"""Are precimark's default uplift learner and propensity model the right defaults?

On the simulators with known truth, compares on held-out rows:

- uplift (Qini coefficient): the default ``TwoModelUplift()`` (its 0/1 outcome model is the
  candidate of :func:`~precimark.propensity.models.default_classifier`, a logistic
  regression, small boosted trees or their mean, with the highest out-of-fold Qini) against
  the same learner with their mean always (the default before), with the full
  ``default_classifier`` (each arm chooses by out-of-fold log-loss), with a logistic
  regression, with the small boosted trees alone and with scikit-learn's default boosted
  trees, and the X-, DR- and class-transformation learners with their defaults (the small
  trees); the oracle ranks by the true uplift;
- propensity (ROC AUC, equal-mass ECE, Brier): the default ``PropensityModel()`` (the
  chosen candidate, sigmoid calibration), the same with isotonic and ``"auto"``
  calibration and the averaged classifier with ``"auto"`` (the default before), against a
  logistic regression and the small boosted trees, uncalibrated, at a common and at a rare
  base rate (the rare one is where calibration can cost ranking quality);
- the cost of passing ``sample_weight=ones`` (precimark 0.1 always did) to the default
  booster: the median fit time with and without, and their ratio.

Absolute times on a shared machine are noise; the table of scores and the ratio are the
result (quote ``uptime`` with them). Each cell is the mean over the seeds with the standard
error of that mean in brackets, and each configuration's paired difference to the best one
of the task (the seeds are shared; beyond about two standard errors it is more than noise).

    python benchmarks/bench_uplift_defaults.py [n_rows] [n_seeds]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any

import numpy as np
import pandas as pd
from real_data_uplift import MeanAlways, averaged, mean_se, paired_to_best, t_learners_only
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from precimark.datasets import (
    make_multiarm_uplift_data,
    make_observational_uplift_data,
    make_uplift_data,
)
from precimark.propensity import (
    ClassTransformationUplift,
    DRLearnerUplift,
    PropensityModel,
    TwoModelUplift,
    XLearnerUplift,
)
from precimark.propensity.metrics import brier_score, expected_calibration_error, qini_auc_score
from precimark.propensity.models import default_booster, default_classifier

FEATURES = [f"x{i}" for i in range(6)]


def _logit() -> Any:
    return make_pipeline(StandardScaler(), LogisticRegression())


def uplift_table(n: int, seeds: range) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Qini of each configuration per task (mean, SE), its paired difference to the best and
    to the best T-learner, and the default T-learner's choices."""
    tasks = {
        "randomised 50/50": lambda s: make_uplift_data(n, random_state=s),
        "randomised 1:5": lambda s: make_uplift_data(n, random_state=s, treatment_share=1 / 6),
        "confounded": lambda s: make_observational_uplift_data(n, random_state=s),
    }
    learners = {
        "T default": lambda: TwoModelUplift(random_state=0),
        "T mean (the default before)": lambda: MeanAlways(random_state=0),
        "T logistic": lambda: TwoModelUplift(estimator=_logit()),
        "T chosen by log-loss": lambda: TwoModelUplift(
            estimator=default_classifier(random_state=0, n_samples=n)
        ),
        "T small boosted trees": lambda: TwoModelUplift(
            estimator=default_booster(classifier=True, random_state=0, n_samples=n)
        ),
        "T sklearn boosted trees": lambda: TwoModelUplift(
            estimator=HistGradientBoostingClassifier(random_state=0)
        ),
        "X default": lambda: XLearnerUplift(random_state=0),
        "DR default": lambda: DRLearnerUplift(random_state=0),
        "class transformation default": lambda: ClassTransformationUplift(random_state=0),
    }
    rows: dict[str, dict[str, str]] = {}
    differences: dict[str, dict[str, str]] = {}
    to_best_t: dict[str, dict[str, str]] = {}
    for task, make in tasks.items():
        scores: dict[str, list[float]] = {name: [] for name in [*learners, "oracle"]}
        chosen: list[str] = []
        for seed in seeds:
            train, test = make(seed), make(seed + 1000)
            weights = test.get("propensity")
            for name, build in learners.items():
                model = build()
                kwargs = (
                    {"propensity": train["propensity"]}
                    if "propensity" in train
                    and isinstance(model, DRLearnerUplift | ClassTransformationUplift)
                    else {}
                )
                model.fit(train[FEATURES], train["outcome"], treated=train["treatment"], **kwargs)
                if name == "T default":
                    chosen.append(model.chosen_)
                scores[name].append(
                    qini_auc_score(
                        test["outcome"],
                        model.predict(test[FEATURES]),
                        test["treatment"],
                        propensity=weights,
                    )
                )
            scores["oracle"].append(
                qini_auc_score(
                    test["outcome"], test["true_uplift"], test["treatment"], propensity=weights
                )
            )
        rows[task] = {name: mean_se(values) for name, values in scores.items()}
        rows[task]["T default chose"] = str(pd.Series(chosen).value_counts().to_dict())
        differences[task] = paired_to_best({k: v for k, v in scores.items() if k != "oracle"})
        to_best_t[task] = paired_to_best(t_learners_only(scores))
    return pd.DataFrame(rows), pd.DataFrame(differences), pd.DataFrame(to_best_t)


def best_arm_table(n: int, seeds: range) -> pd.DataFrame:
    """Share of customers given their truly best offer (two offers + control)."""
    rows: dict[str, float] = {}
    for name, build in {
        "T default": lambda: TwoModelUplift(control="control", random_state=0),
        "T mean (the default before)": lambda: MeanAlways(control="control", random_state=0),
        "T logistic": lambda: TwoModelUplift(estimator=_logit(), control="control"),
        "X default": lambda: XLearnerUplift(control="control", random_state=0),
        "DR default": lambda: DRLearnerUplift(control="control", random_state=0),
    }.items():
        hits = []
        for seed in seeds:
            train = make_multiarm_uplift_data(n, random_state=seed)
            test = make_multiarm_uplift_data(n, random_state=seed + 1000)
            model = build().fit(train[FEATURES], train["outcome"], treated=train["treatment"])
            hits.append(float((model.best_arm(test[FEATURES]) == test["best_arm"]).mean()))
        rows[name] = float(np.mean(hits))
    return pd.Series(rows, name="best arm found").round(3).to_frame()


def propensity_table(n: int, seeds: range) -> pd.DataFrame:
    """AUC (and its paired difference to the best), equal-mass ECE and Brier at two rates."""
    models = {
        "default PropensityModel()": lambda: PropensityModel(random_state=0),
        "PropensityModel(calibration='isotonic')": lambda: PropensityModel(
            calibration="isotonic", random_state=0
        ),
        "PropensityModel(calibration='auto')": lambda: PropensityModel(
            calibration="auto", random_state=0
        ),
        "averaged, 'auto' (the default before)": lambda: PropensityModel(
            estimator=averaged(n), calibration="auto", random_state=0
        ),
        "logistic, uncalibrated": _logit,
        "small boosted trees, uncalibrated": lambda: default_booster(
            classifier=True, random_state=0, n_samples=n
        ),
    }
    rows = []
    for label, shift in (("common (~25%)", 0.0), ("rare (~1%)", -3.8)):
        aucs: dict[str, list[float]] = {}
        for name, build in models.items():
            auc, ece, brier = aucs.setdefault(name, []), [], []
            for seed in seeds:
                rng = np.random.default_rng(seed)
                X = rng.standard_normal((2 * n, 6))
                logit = shift - 1.0 + 0.8 * X[:, 0] - 0.5 * X[:, 1] + 0.6 * (X[:, 2] > 0)
                y = (rng.random(2 * n) < 1 / (1 + np.exp(-logit))).astype(int)
                model = build().fit(X[:n], y[:n])
                p = model.predict_proba(X[n:])[:, 1]
                auc.append(roc_auc_score(y[n:], p))
                ece.append(expected_calibration_error(y[n:], p, strategy="quantile"))
                brier.append(brier_score(y[n:], p))
            rows.append(
                {
                    "base rate": label,
                    "model": name,
                    "AUC": mean_se(auc),
                    "ECE (equal-mass)": mean_se(ece),
                    "Brier": mean_se(brier),
                }
            )
        for row, difference in zip(
            rows[-len(models) :], paired_to_best(aucs).values(), strict=True
        ):
            row["AUC minus the best"] = difference
    return pd.DataFrame(rows).set_index(["base rate", "model"])


def weight_cost(n: int, repeats: int) -> tuple[float, float]:
    """Median fit time of the default booster without and with sample_weight=ones."""
    data = make_uplift_data(n, random_state=0)
    X, y = data[FEATURES].to_numpy(), data["outcome"].to_numpy()
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for weighted in (False, True):
            model = default_booster(classifier=True, random_state=0, n_samples=n)
            start = time.perf_counter()
            model.fit(X, y, sample_weight=np.ones(n)) if weighted else model.fit(X, y)
            times[weighted].append(time.perf_counter() - start)
    return statistics.median(times[False]), statistics.median(times[True])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8_000
    seeds = range(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    print(f"load average {os.getloadavg()[0]:.1f}; {n} training rows; seeds {list(seeds)}")
    qini, differences, to_best_t = uplift_table(n, seeds)
    print("\nQini coefficient on held-out rows (IPW-weighted on the confounded task)")
    print(qini.to_string())
    print("\nPaired difference to the task's best learner: mean (standard error)")
    print(differences.to_string())
    print("\nPaired difference to the task's best T-learner: mean (standard error)")
    print(to_best_t.to_string())
    print("\nTwo offers: share of customers given their truly best arm")
    print(best_arm_table(n, seeds).to_string())
    print("\nPurchase propensity on held-out rows")
    print(propensity_table(n, seeds).to_string())
    plain, weighted = weight_cost(n * 4, 5)
    print(
        f"\ndefault booster fit, {n * 4} rows: {plain:.3f}s without sample_weight, "
        f"{weighted:.3f}s with sample_weight=ones (ratio {weighted / plain:.2f})"
    )


if __name__ == "__main__":
    main()
