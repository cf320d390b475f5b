"""Uplift models: who buys *because* of an offer, from randomised or observational campaigns.

The learners take ``fit(X, y, *, treated, sample_weight=None)`` (and ``propensity=`` where
it enters the estimator) and ``predict(X)`` → the estimated individual uplift
``E[y | x, arm] - E[y | x, control]``, for binary outcomes (conversion; uplift in probability
points) and continuous ones (spend; uplift in currency).

- ``treated`` is the 0/1 treatment indicator, or the arm label of each row for a campaign
  with several offers (``control=`` names the control label; default 0). With one treatment
  arm ``predict`` returns shape (n,); with ``k`` arms (T-, X- and DR-learner) shape (n, k),
  one column per label of ``arms_``, and ``best_arm(X)`` gives each row's best offer.
- ``sample_weight`` is passed to the underlying models only when given, so any scikit-learn
  estimator works as ``estimator``, a ``Pipeline`` included (without metadata routing its
  final step gets the weights; with routing, the steps that request them).
- ``propensity`` (class transformation, X-, DR- and R-learner): the probability of each
  row's treatment: a number or array of known assignment probabilities, or a classifier of
  the treatment (used as is if fitted, else fitted out of fold; the X-learner fits it on the
  training rows and keeps it for ``predict``, whose rows it weights). Without it the campaign
  is taken as randomised (the arm shares); class transformation refuses data that are
  clearly not.

``treatment`` is always a column name in precimark; ``fit(..., treatment=t)`` still works
until 0.3.0 with a ``FutureWarning``. The learners request ``treated`` (and ``propensity``)
through scikit-learn's metadata routing, so ``cross_validate(model, X, y, params={"treated":
t})`` splits the indicator with the rows.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted, validate_data

from precimark._deprecation import deprecated_alias
from precimark._validation import check_number, check_seed, fail
from precimark.persistence._state import JSONStateMixin
from precimark.propensity._inputs import check_classes, check_fit_data
from precimark.propensity.assignment import (
    _Arms,
    _arms,
    _assignment,
    _fitted_probabilities,
    _is_classifier,
    _probability_matrix,
    _randomisation_check,
    _warn_overlap,
)
from precimark.propensity.metrics import qini_auc_score
from precimark.propensity.models import (
    MEAN,
    _fit_estimator,
    default_booster,
    default_classifier,
    feature_usage,
)

__all__ = [
    "ClassTransformationUplift",
    "DRLearnerUplift",
    "RLearnerUplift",
    "TwoModelUplift",
    "XLearnerUplift",
]

FloatArray = npt.NDArray[np.float64]


class _UpliftModel(JSONStateMixin, BaseEstimator):  # type: ignore[misc]
    """Shared input handling of the uplift learners (not public)."""

    # "treatment" stays requested until 0.3.0, so old params={"treatment": t} still route
    # (fit then warns that the keyword is deprecated).
    __metadata_request__fit = {"treated": True, "treatment": True}  # noqa: RUF012 - sklearn's convention
    _multi_arm: ClassVar[bool] = True

    def __init__(
        self, *, estimator: Any = None, control: Any = 0, random_state: int | None = None
    ) -> None:
        self.estimator = estimator
        self.control = control
        self.random_state = random_state

    def _prepare(
        self, X: Any, y: Any, treated: Any, sample_weight: Any
    ) -> tuple[FloatArray, FloatArray, _Arms, FloatArray | None]:
        X, y, weights = check_fit_data(self, X, y, sample_weight, y_numeric=True)
        arms = _arms(treated, X.shape[0], self.control)
        if arms.k > 1 and not self._multi_arm:
            raise fail(
                "argument 'treated'",
                f"{arms.k} treatment arms ({', '.join(repr(a) for a in arms.labels[1:].tolist())})",
                f"one treatment arm and the control for {type(self).__name__}",
                "Use TwoModelUplift, XLearnerUplift or DRLearnerUplift for several offers.",
            )
        binary = bool(np.isin(y, (0, 1)).all())
        if self.estimator is None:
            self.outcome_: Literal["binary", "continuous"] = "binary" if binary else "continuous"
        elif is_classifier(self.estimator):
            if not binary:
                raise fail(
                    "argument 'y'",
                    "values other than 0 and 1 with a classifier",
                    "0/1 outcomes, or a regressor for continuous outcomes",
                )
            self.outcome_ = "binary"
        elif is_regressor(self.estimator):
            self.outcome_ = "continuous"
        else:
            raise fail(
                "argument 'estimator'",
                f"a {type(self.estimator).__name__}",
                "a scikit-learn classifier or regressor",
            )
        if self.outcome_ == "binary":  # each arm's outcome model is a classifier
            for code, label in enumerate(arms.labels):
                arm = "control" if code == 0 else "treated" if arms.k == 1 else "arm"
                check_classes(
                    y[arms.codes == code], arm=f" among the {arm} rows ({label.item()!r})"
                )
        self.arms_ = arms.labels[1:]
        self.arm_shares_ = _shares(arms, weights)
        self.data_usage_ = feature_usage(self, "marketing")
        return X, y.astype(np.float64), arms, weights

    def _new_estimator(self, classifier: bool, n_samples: int) -> Any:
        if self.estimator is not None:
            return clone(self.estimator)
        return default_booster(
            classifier=classifier, random_state=self.random_state, n_samples=n_samples
        )

    def _new_effect_estimator(self, n_samples: int) -> Any:
        effect = getattr(self, "effect_estimator", None)
        if effect is not None:
            return clone(effect)
        return default_booster(
            classifier=False, random_state=self.random_state, n_samples=n_samples
        )

    def _check_effect_estimator(self) -> None:
        effect = getattr(self, "effect_estimator", None)
        if effect is not None and not (hasattr(effect, "fit") and is_regressor(effect)):
            raise fail(
                "argument 'effect_estimator'",
                f"a {type(effect).__name__}",
                "a scikit-learn regressor",
            )

    def _fit_outcome(self, X: FloatArray, y: FloatArray, w: FloatArray | None) -> Any:
        model = self._new_estimator(self.outcome_ == "binary", len(y))
        return _fit_estimator(model, X, y, w)

    def _outcome(self, model: Any, X: FloatArray) -> FloatArray:
        """Return the expected outcome under an arm model: P(y = 1) or the predicted value."""
        if self.outcome_ == "binary":
            return _positive_proba(model, X)
        values: FloatArray = model.predict(X)
        return values

    def _uplift(self, X: Any) -> FloatArray:
        """Uplift of every arm, shape (n, k) (learner-specific)."""
        raise NotImplementedError

    def predict(self, X: Any) -> FloatArray:
        """Return the estimated uplift of each row: shape (n,), or (n, k) with ``k`` arms.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as in ``fit``.

        Returns
        -------
        ndarray
            ``E[y | x, arm] - E[y | x, control]``; one column per label of ``arms_`` when
            there are several arms.
        """
        check_is_fitted(self)
        return _one_column_per_arm(self._uplift(validate_data(self, X, reset=False)))

    def best_arm(self, X: Any) -> npt.NDArray[Any]:
        """Return each row's best arm: the one with the largest positive uplift, else control.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as in ``fit``.

        Returns
        -------
        ndarray
            One label per row: a label of ``arms_``, or ``control`` where no arm's predicted
            uplift is positive.
        """
        check_is_fitted(self)
        return self._best_of(self._uplift(validate_data(self, X, reset=False)))

    def _best_of(self, uplift: FloatArray) -> npt.NDArray[Any]:
        labels = np.asarray([self.control, *self.arms_.tolist()], dtype=object)
        best = np.where(uplift.max(axis=1) > 0, np.argmax(uplift, axis=1) + 1, 0)
        chosen: npt.NDArray[Any] = labels[best]
        return chosen


def _one_column_per_arm(uplift: FloatArray) -> FloatArray:
    """Shape (n,) for one treatment arm, else (n, k)."""
    return uplift[:, 0] if uplift.shape[1] == 1 else uplift


def _shares(arms: _Arms, w: FloatArray | None) -> FloatArray:
    weights = np.ones(len(arms.codes)) if w is None else w
    shares: FloatArray = np.bincount(arms.codes, weights=weights, minlength=arms.k + 1) / np.sum(
        weights
    )
    return shares


def _rows(w: FloatArray | None, rows: Any) -> FloatArray | None:
    return None if w is None else w[rows]


def _positive_proba(model: Any, X: Any) -> FloatArray:
    proba: FloatArray = model.predict_proba(X)[:, list(model.classes_).index(1)]
    return proba


def _check_cv(cv: object) -> int:
    return int(check_number(cv, "cv", low=2, integer=True))


class _BinaryAttributes:
    """Read-only names of a one-arm fit, as in precimark 0.2 (``estimators_[1]`` etc.)."""

    estimators_: list[Any]
    arms_: npt.NDArray[Any]
    arm_shares_: FloatArray

    def _one_arm(self, name: str) -> None:
        if not hasattr(self, "arms_") or len(self.arms_) != 1:
            raise AttributeError(f"{name} exists after a fit with one treatment arm")

    @property
    def estimator_treated_(self) -> Any:
        """The treated arm's outcome model (one treatment arm)."""
        self._one_arm("estimator_treated_")
        return self.estimators_[1]

    @property
    def estimator_control_(self) -> Any:
        """The control arm's outcome model (one treatment arm)."""
        self._one_arm("estimator_control_")
        return self.estimators_[0]

    @property
    def treatment_share_(self) -> float:
        """The weighted share of treated rows (one treatment arm)."""
        self._one_arm("treatment_share_")
        return float(self.arm_shares_[1])


class TwoModelUplift(_BinaryAttributes, _UpliftModel):
    """T-learner: one outcome model per arm; uplift = arm prediction - control prediction.

    Parameters
    ----------
    estimator : classifier or regressor, optional
        Outcome model, cloned for each arm. A classifier's positive-class probability is used
        (binary outcomes), a regressor's prediction otherwise. Default for 0/1 outcomes: one
        of the candidates of :func:`~precimark.propensity.models.default_classifier` (a
        logistic regression, small boosted trees, or the mean of their probabilities),
        chosen for all arms by the Qini coefficient of the T-learner's out-of-fold uplift
        (``chosen_``, ``cv_qini_``) and refitted on each arm's rows. On the five public
        campaigns and the three simulators of docs/propensity.md it is within noise of, or
        above, the T-learner on either model alone and on scikit-learn's boosted trees.
        Default for continuous outcomes: the regressor
        :func:`~precimark.propensity.models.default_booster`, no choice.
    control : int or str, default 0
        The label of the control rows in ``treated``; every other label is a treatment arm.
    cv : int, default 5
        Number of folds of the default's choice (stratified by arm and outcome, shuffled with
        ``random_state``); a whole number >= 2, checked in ``fit`` even where no choice is
        made (with an ``estimator`` or a continuous outcome).
    random_state : int or None, default None
        Seed of the default estimators and of the choice's folds.

    Attributes
    ----------
    estimators_ : list of estimator
        The fitted outcome models, control first, then one per label of ``arms_``.
    estimator_treated_, estimator_control_ : estimator
        ``estimators_[1]`` and ``estimators_[0]`` (one treatment arm).
    chosen_ : {"logistic", "trees", "mean"} or None
        The default's candidate (None with an ``estimator`` or a continuous outcome). With
        fewer than ``cv`` rows in some arm and outcome, nothing is cross-validated: the mean.
    cv_qini_ : dict of str to float
        Each candidate's out-of-fold Qini coefficient (with several arms: its mean over the
        arms, each arm scored on its own and the control rows), weighted by ``sample_weight``
        when given, as the fits are; empty when nothing was cross-validated.
    arms_ : ndarray
        The treatment arms' labels (sorted); ``predict`` has one column per arm.
    arm_shares_ : ndarray
        Weighted share of the rows in each label, control first.
    treatment_share_ : float
        ``arm_shares_[1]`` (one treatment arm).
    outcome_ : {"binary", "continuous"}
        The outcome type.
    data_usage_ : tuple of DataUse
        The input columns read (purpose ``"marketing"``).

    Notes
    -----
    The choice is by the uplift ranking itself, not by each arm's log-loss: on Hillstrom's
    conversions (0.9% positives) the log-loss prefers the logistic regression in each arm,
    whose uplift ranking is the worst there (docs/propensity.md). It costs ``cv`` extra fits
    of both members per arm: 4-6x the fit time of their mean on the public campaigns.

    References
    ----------
    Kunzel, S. R., Sekhon, J. S., Bickel, P. J. & Yu, B. (2019). Metalearners for estimating
    heterogeneous treatment effects using machine learning. *PNAS* 116(10), 4156-4165.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from precimark.datasets import make_multiarm_uplift_data, make_uplift_data
    >>> from precimark.propensity import TwoModelUplift
    >>> d = make_uplift_data(2_000, random_state=0)
    >>> X = d.filter(like="x")
    >>> model = TwoModelUplift(random_state=0).fit(X, d["outcome"], treated=d["treatment"])
    >>> model.predict(X).shape, model.chosen_ in model.cv_qini_
    ((2000,), True)

    Two offers, string labels, a model of your own:

    >>> d = make_multiarm_uplift_data(3_000, random_state=0)
    >>> model = TwoModelUplift(estimator=LogisticRegression(), control="control")
    >>> model = model.fit(d.filter(like="x"), d["outcome"], treated=d["treatment"])
    >>> model.arms_.tolist(), model.predict(d.filter(like="x")).shape, model.chosen_
    (['A', 'B'], (3000, 2), None)
    """

    def __init__(
        self,
        *,
        estimator: Any = None,
        control: Any = 0,
        cv: int = 5,
        random_state: int | None = None,
    ) -> None:
        super().__init__(estimator=estimator, control=control, random_state=random_state)
        self.cv = cv

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a pickle (or joblib file) of an earlier release is upgraded as a JSON document is
        super().__setstate__(self._upgrade_state(state))

    @deprecated_alias(treatment="treated")
    def fit(self, X: Any, y: Any, *, treated: Any, sample_weight: Any = None) -> TwoModelUplift:
        """Choose the default's candidate (0/1 outcomes), then fit one outcome model per label.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions or continuous values.
        treated : array-like of shape (n_samples,)
            Treatment indicator (1 treated, 0 control) or each row's arm label.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights, passed to the models only when given; they weight the default's
            out-of-fold Qini too.

        Other Parameters
        ----------------
        treatment : array-like of shape (n_samples,)
            Deprecated since 0.2.0 (removed in 0.3.0); use ``treated``.

        Returns
        -------
        TwoModelUplift
            The fitted model (``self``).
        """
        cv = _check_cv(self.cv)
        check_seed(self.random_state, generator=False)
        X, y, arms, w = self._prepare(X, y, treated, sample_weight)
        self.chosen_: str | None = None
        self.cv_qini_: dict[str, float] = {}
        if self.estimator is None and self.outcome_ == "binary":
            self.chosen_, self.cv_qini_ = self._choose(X, y, arms, w, cv)
        self.estimators_ = [
            self._fit_outcome(X[rows], y[rows], _rows(w, rows))
            for rows in (arms.codes == code for code in range(arms.k + 1))
        ]
        return self

    def _new_estimator(self, classifier: bool, n_samples: int) -> Any:
        if self.chosen_ is None:
            return super()._new_estimator(classifier, n_samples)
        model = default_classifier(random_state=self.random_state, n_samples=n_samples)
        return model.set_params(candidates=[self.chosen_])

    def _choose(
        self, X: FloatArray, y: FloatArray, arms: _Arms, w: FloatArray | None, cv: int
    ) -> tuple[str, dict[str, float]]:
        """Return the candidate whose out-of-fold uplift has the highest (mean) Qini, and all."""
        strata = 2 * arms.codes + y.astype(np.int64)
        if np.bincount(strata).min() < cv:  # some arm-and-outcome cell cannot fill every fold
            return MEAN, {}
        folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=self.random_state)
        proba: dict[str, FloatArray] = {}  # each member's out-of-fold P(y = 1) under each label
        for train, test in folds.split(X, strata):
            for code in range(arms.k + 1):
                rows = train[arms.codes[train] == code]
                model = default_classifier(random_state=self.random_state, n_samples=len(rows))
                for name, member in model.estimators:
                    fitted = _fit_estimator(clone(member), X[rows], y[rows], _rows(w, rows))
                    column = proba.setdefault(name, np.empty((len(y), arms.k + 1)))
                    column[test, code] = _positive_proba(fitted, X[test])
        proba[MEAN] = np.mean(list(proba.values()), axis=0)
        scores = {name: _mean_qini(y, p[:, 1:] - p[:, :1], arms, w) for name, p in proba.items()}
        return max(scores, key=scores.__getitem__), scores

    def _uplift(self, X: FloatArray) -> FloatArray:
        control = self._outcome(self.estimators_[0], X)
        return np.column_stack([self._outcome(m, X) - control for m in self.estimators_[1:]])

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        """Fill what a model saved before the out-of-fold choice lacks (``cv``, ``chosen_``)."""
        state = _upgrade_two_models(state)
        state.setdefault("cv", 5)
        if "estimators_" in state:  # fitted: it kept the model it had, no choice recorded
            state.setdefault("chosen_", None)
            state.setdefault("cv_qini_", {})
        return state


def _mean_qini(y: FloatArray, uplift: FloatArray, arms: _Arms, w: FloatArray | None) -> float:
    """Mean over the arms of the (weighted) Qini of each arm's rows and the control rows."""
    scores = []
    for code in range(1, arms.k + 1):
        rows = np.isin(arms.codes, (0, code))
        treated = (arms.codes[rows] == code).astype(np.float64)
        scores.append(
            qini_auc_score(y[rows], uplift[rows, code - 1], treated, sample_weight=_rows(w, rows))
        )
    return float(np.mean(scores))


def _upgrade_two_models(state: dict[str, Any]) -> dict[str, Any]:
    """Read a one-arm T- or X-learner saved by precimark 0.2 (attributes per arm)."""
    if "estimator_treated_" in state:
        state["estimators_"] = [state.pop("estimator_control_"), state.pop("estimator_treated_")]
        state["arms_"] = np.asarray([1])
        share = float(state.pop("treatment_share_", 0.5))
        state["arm_shares_"] = np.asarray([1.0 - share, share])
    if "effect_treated_" in state:
        state["effects_treated_"] = [state.pop("effect_treated_")]
        state["effects_control_"] = [state.pop("effect_control_")]
    state.setdefault("control", 0)
    return state


class ClassTransformationUplift(_UpliftModel):
    """Class (outcome) transformation: one model of a transformed target whose mean is the uplift.

    With ``e(x)`` the probability of treatment (the weighted treated share ``p`` of a
    randomised campaign, or ``propensity``):

    - binary outcomes: the classifier learns ``z = 1`` for treated buyers and control
      non-buyers (Jaskowski & Jaroszewicz 2012), with treated rows weighted ``0.5 / e(x)``
      and control rows ``0.5 / (1 - e(x))`` so that both arms weigh the same whatever the
      split; then ``uplift = 2 P(z = 1 | x) - 1``.
    - continuous outcomes are refused: the transformed outcome ``y (t - e) / (e (1 - e))``
      (Athey & Imbens 2016) has the uplift as its mean but so large a variance that on
      simulated spend its model predicted worse than a constant (mean squared error 25.5
      against 18.3; T-learner 2.1, X-learner 1.1, DR-learner 1.6). Use
      :class:`XLearnerUplift`, :class:`DRLearnerUplift` or :class:`TwoModelUplift`.

    Without ``propensity`` the campaign must be randomised: ``fit`` refuses data where a
    feature clearly differs between the arms (an absolute standardised mean difference above
    0.1 that is significant at 0.0001 after a Bonferroni correction), because the
    transformation is then biased (on a confounded campaign it returned 0.23 for a true mean
    uplift of 0.07). Pass ``propensity=`` to re-weight, or a known constant probability to
    state that the campaign was randomised.

    Parameters
    ----------
    estimator : classifier, optional
        Model of the transformed target; must accept ``sample_weight``. Default:
        :func:`~precimark.propensity.models.default_booster` (a classifier).
    control : int or str, default 0
        The label of the control rows in ``treated`` (one other label: the treatment).
    random_state : int or None, default None
        Seed of the default estimator (and of the folds of an unfitted propensity model).

    Attributes
    ----------
    estimator_ : estimator
        The fitted model.
    treatment_share_ : float
        ``p``, the weighted share of treated rows.
    arms_ : ndarray
        The treatment label.
    arm_shares_ : ndarray
        Weighted shares of the control and the treated rows.
    outcome_ : {"binary"}
        The outcome type.
    data_usage_ : tuple of DataUse
        The input columns read (purpose ``"marketing"``).

    References
    ----------
    Jaskowski, M. & Jaroszewicz, S. (2012). Uplift modeling for clinical trial data. ICML
    Workshop on Clinical Data Analysis. Athey, S. & Imbens, G. W. (2016). Recursive
    partitioning for heterogeneous causal effects. *PNAS* 113(27), 7353-7360.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.propensity import ClassTransformationUplift
    >>> d = make_uplift_data(2_000, random_state=0, treatment_share=2 / 3)
    >>> X = d.filter(like="x")
    >>> model = ClassTransformationUplift(estimator=LogisticRegression())
    >>> model = model.fit(X, d["outcome"], treated=d["treatment"])
    >>> round(model.treatment_share_, 1)
    0.7
    """

    __metadata_request__fit = {"propensity": True}  # noqa: RUF012 - sklearn's convention
    _multi_arm = False

    @deprecated_alias(treatment="treated")
    def fit(
        self,
        X: Any,
        y: Any,
        *,
        treated: Any,
        propensity: Any = None,
        sample_weight: Any = None,
    ) -> ClassTransformationUplift:
        """Fit the model of the transformed target.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions (continuous outcomes are refused).
        treated : array-like of shape (n_samples,)
            Treatment indicator: 1 for treated rows, 0 for control rows.
        propensity : float, array-like or classifier, optional
            Probability of treatment: a constant (randomised with a known split), one value
            per row, or a classifier of ``treated`` (fitted: used as is; unfitted: fitted out
            of fold). Default: a randomised campaign with the observed split, checked.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights.

        Other Parameters
        ----------------
        treatment : array-like of shape (n_samples,)
            Deprecated since 0.2.0 (removed in 0.3.0); use ``treated``.

        Returns
        -------
        ClassTransformationUplift
            The fitted model (``self``).
        """
        raw = X
        X, y, arms, w = self._prepare(X, y, treated, sample_weight)
        if self.outcome_ == "continuous":
            raise fail(
                "argument 'y'",
                "a continuous outcome for ClassTransformationUplift",
                "0/1 outcomes (conversions)",
                "Its transformed-outcome model predicts spend uplift worse than a constant; "
                "use XLearnerUplift, DRLearnerUplift or TwoModelUplift.",
            )
        t = (arms.codes == 1).astype(np.float64)
        if propensity is None:
            problem = _randomisation_check(X, t, w)
            if problem is not None:
                raise fail(
                    "argument 'treated'",
                    f"a treatment that depends on the features ({problem})",
                    "a randomised campaign, or the assignment probabilities",
                    "Pass propensity= (known probabilities, or a classifier of the treatment) "
                    "to re-weight, or use DRLearnerUplift or RLearnerUplift.",
                )
        e = _assignment(propensity, raw, arms, w, self.random_state)[0][:, 1]
        self.treatment_share_ = float(self.arm_shares_[1])
        model = self._new_estimator(True, len(y))
        z = (y == t).astype(np.int64)
        balance = np.where(t == 1, 0.5 / e, 0.5 / (1.0 - e))
        self.estimator_ = _fit_estimator(model, X, z, balance if w is None else w * balance)
        return self

    def _uplift(self, X: FloatArray) -> FloatArray:
        return (2.0 * _positive_proba(self.estimator_, X) - 1.0)[:, None]

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        if "arms_" not in state:
            share = float(state.get("treatment_share_", 0.5))
            state.update(arms_=np.asarray([1]), arm_shares_=np.asarray([1.0 - share, share]))
        state.setdefault("control", 0)
        return state


class XLearnerUplift(_BinaryAttributes, _UpliftModel):
    """X-learner: arm outcome models, then models of the imputed individual effects.

    Stage 1 fits an outcome model per label (``mu_0`` for the control, ``mu_a`` per arm, as
    :class:`TwoModelUplift`). Stage 2 imputes, for each arm ``a``, each row's effect with the
    *other* group's model, ``D = y - mu_0(x)`` for the arm's rows and ``D = mu_a(x) - y`` for
    control rows, and regresses it on ``x`` within each group (``tau_a1``, ``tau_a0``). The
    uplift is ``g(x) tau_a0(x) + (1 - g(x)) tau_a1(x)`` with ``g`` the propensity: the
    probability of the arm among the arm and the control, ``e_a(x) / (e_a(x) + e_0(x))``
    (Kunzel et al. 2019). Without ``propensity=`` it is the arm's share of those rows (the
    constant propensity of a randomised campaign): the group with more rows imputes the
    other's effects, which helps most when the arms are unbalanced. For an observational
    campaign pass ``propensity=`` to ``fit`` (a classifier of the treatment, kept for
    ``predict``; or a constant), or each row's probabilities to ``predict``.

    Parameters
    ----------
    estimator : classifier or regressor, optional
        Stage-1 outcome model, a classifier (0/1 outcomes) or a regressor. Default:
        :func:`~precimark.propensity.models.default_booster`, the small boosted trees (the
        mean of a logistic regression and these trees gave the X-learner a lower Qini on
        three of the five public campaigns in docs/propensity.md, beyond noise on Starbucks).
    effect_estimator : regressor, optional
        Stage-2 model of the imputed effects. Default:
        :func:`~precimark.propensity.models.default_booster` (regressor).
    control : int or str, default 0
        The label of the control rows in ``treated``; every other label is a treatment arm.
    random_state : int or None, default None
        Seed of the default estimators.

    Attributes
    ----------
    estimators_ : list of estimator
        Stage-1 outcome models, control first, then one per label of ``arms_``.
    effects_treated_, effects_control_ : list of regressor
        Stage-2 effect models of each arm, fitted on the arm's and on the control rows.
    estimator_treated_, estimator_control_, effect_treated_, effect_control_ : estimator
        The models of a fit with one treatment arm.
    propensity_model_ : classifier or None
        The fitted classifier of the treatment that gives ``g(x)`` in ``predict`` (the one
        passed to ``fit``, or its clone fitted on the training rows), or None.
    propensity_ : ndarray or None
        Constant assignment probabilities used without a model (control first): the arm
        shares by default, or the number passed; None after a fit with per-row
        probabilities (``predict`` then needs ``propensity=``).
    arms_ : ndarray
        The treatment arms' labels (sorted).
    arm_shares_ : ndarray
        Weighted share of the rows in each label, control first.
    treatment_share_ : float
        ``arm_shares_[1]`` (one treatment arm).
    outcome_ : {"binary", "continuous"}
        The outcome type.
    data_usage_ : tuple of DataUse
        The input columns read (purpose ``"marketing"``).

    References
    ----------
    Kunzel, S. R., Sekhon, J. S., Bickel, P. J. & Yu, B. (2019). Metalearners for estimating
    heterogeneous treatment effects using machine learning. *PNAS* 116(10), 4156-4165.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.propensity import XLearnerUplift
    >>> d = make_uplift_data(2_000, random_state=0, treatment_share=0.8)
    >>> X = d.filter(like="x")
    >>> model = XLearnerUplift(estimator=LogisticRegression(), effect_estimator=LinearRegression())
    >>> model = model.fit(X, d["outcome"], treated=d["treatment"])
    >>> model.predict(X).shape, round(model.treatment_share_, 1)
    ((2000,), 0.8)

    An observational campaign: a propensity model, fitted on the training rows and kept to
    weight the two effect models of each customer to be scored.

    >>> from precimark.datasets import make_observational_uplift_data
    >>> d = make_observational_uplift_data(4_000, random_state=0)
    >>> X = d.filter(like="x")
    >>> model = XLearnerUplift(estimator=LogisticRegression(), effect_estimator=LinearRegression())
    >>> model = model.fit(X, d["outcome"], treated=d["treatment"], propensity=LogisticRegression())
    >>> bool(abs(model.predict(X).mean() - d["true_uplift"].mean()) < 0.02)
    True
    """

    __metadata_request__fit = {"propensity": True}  # noqa: RUF012 - sklearn's convention

    def __init__(
        self,
        *,
        estimator: Any = None,
        effect_estimator: Any = None,
        control: Any = 0,
        random_state: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.effect_estimator = effect_estimator
        self.control = control
        self.random_state = random_state

    @property
    def effect_treated_(self) -> Any:
        """The effect model fitted on the treated rows (one treatment arm)."""
        self._one_arm("effect_treated_")
        return self.effects_treated_[0]

    @property
    def effect_control_(self) -> Any:
        """The effect model fitted on the control rows (one treatment arm)."""
        self._one_arm("effect_control_")
        return self.effects_control_[0]

    @deprecated_alias(treatment="treated")
    def fit(
        self,
        X: Any,
        y: Any,
        *,
        treated: Any,
        propensity: Any = None,
        sample_weight: Any = None,
    ) -> XLearnerUplift:
        """Fit the outcome models, then the effect models on the imputed effects.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions or continuous values.
        treated : array-like of shape (n_samples,)
            Treatment indicator (1 treated, 0 control) or each row's arm label.
        propensity : float, array-like or classifier, optional
            The assignment probabilities that give the combination weight ``g(x)``: a
            classifier of ``treated`` (fitted: kept as is; unfitted: a clone is fitted on
            these rows, with ``sample_weight``), kept as ``propensity_model_`` to weight the
            rows ``predict`` scores; a constant probability of treatment (one arm); or the
            probabilities of these rows (as for :class:`DRLearnerUplift`: shape (n,) with one
            arm, (n, k + 1) with ``k``), which are checked for overlap but describe only
            these rows, so ``predict`` then needs ``propensity=``. Default: the arm shares
            (a randomised campaign).
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (all models; passed only when given).

        Other Parameters
        ----------------
        treatment : array-like of shape (n_samples,)
            Deprecated since 0.2.0 (removed in 0.3.0); use ``treated``.

        Returns
        -------
        XLearnerUplift
            The fitted model (``self``).
        """
        self._check_effect_estimator()
        raw = X
        X, y, arms, w = self._prepare(X, y, treated, sample_weight)
        self.propensity_model_: Any = None
        self.propensity_: FloatArray | None = self.arm_shares_
        if _is_classifier(propensity):
            try:
                check_is_fitted(propensity)
                self.propensity_model_ = propensity
            except NotFittedError:
                labels = arms.labels[arms.codes]
                self.propensity_model_ = _fit_estimator(clone(propensity), raw, labels, w)
            _warn_overlap(_fitted_probabilities(self.propensity_model_, raw, arms.labels))
            self.propensity_ = None
        elif propensity is not None:
            matrix, constant = _assignment(propensity, raw, arms, w, self.random_state)
            self.propensity_ = matrix[0] if constant else None
        groups = [arms.codes == code for code in range(arms.k + 1)]
        self.estimators_ = [self._fit_outcome(X[r], y[r], _rows(w, r)) for r in groups]
        control = groups[0]
        self.effects_treated_: list[Any] = []
        self.effects_control_: list[Any] = []
        for code in range(1, arms.k + 1):
            rows = groups[code]
            imputed_arm = y[rows] - self._outcome(self.estimators_[0], X[rows])
            imputed_control = self._outcome(self.estimators_[code], X[control]) - y[control]
            for models, r, target in (
                (self.effects_treated_, rows, imputed_arm),
                (self.effects_control_, control, imputed_control),
            ):
                model = self._new_effect_estimator(int(r.sum()))
                models.append(_fit_estimator(model, X[r], target, _rows(w, r)))
        return self

    def predict(self, X: Any, *, propensity: Any = None) -> FloatArray:
        """Return the estimated uplift of each row: shape (n,), or (n, k) with ``k`` arms.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as in ``fit``.
        propensity : float, array-like or fitted classifier, optional
            The assignment probabilities of these rows, for the weight ``g(x)`` (shapes as
            in ``fit``). Default: those of ``fit`` (``propensity_model_`` or
            ``propensity_``).

        Returns
        -------
        ndarray
            ``g(x) tau_a0(x) + (1 - g(x)) tau_a1(x)`` per arm; one column per label of
            ``arms_`` when there are several arms.
        """
        return _one_column_per_arm(self._combined(X, propensity))

    def best_arm(self, X: Any, *, propensity: Any = None) -> npt.NDArray[Any]:
        """Return each row's best arm: the one with the largest positive uplift, else control.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as in ``fit``.
        propensity : float, array-like or fitted classifier, optional
            The assignment probabilities of these rows, as for ``predict``.

        Returns
        -------
        ndarray
            One label per row: a label of ``arms_``, or ``control`` where no arm's predicted
            uplift is positive.
        """
        return self._best_of(self._combined(X, propensity))

    def _combined(self, X: Any, propensity: Any) -> FloatArray:
        """Each arm's ``g tau_a0 + (1 - g) tau_a1``, shape (n, k)."""
        check_is_fitted(self)
        features = validate_data(self, X, reset=False)
        g = self._combination_weight(X, len(features), propensity)
        return np.column_stack(
            [
                g[:, j] * self.effects_control_[j].predict(features)
                + (1.0 - g[:, j]) * self.effects_treated_[j].predict(features)
                for j in range(len(self.arms_))
            ]
        )

    def _combination_weight(self, X: Any, n: int, propensity: Any) -> FloatArray:
        """``g_a(x) = e_a(x) / (e_a(x) + e_0(x))`` of each row and arm, shape (n, k)."""
        labels = np.asarray([self.control, *self.arms_.tolist()])
        model = propensity if _is_classifier(propensity) else self.propensity_model_
        if propensity is not None and model is not propensity:
            e = _probability_matrix(propensity, n, len(labels))
        elif model is not None:
            e = _fitted_probabilities(model, X, labels)
        elif self.propensity_ is not None:
            e = np.tile(self.propensity_, (n, 1))
        else:
            raise fail(
                "argument 'propensity'",
                "none given to predict, and fit was given the probabilities of its own rows",
                "the assignment probabilities of the rows to score",
                "Pass propensity= to predict, or fit with a classifier of the treatment.",
            )
        pair = e[:, 1:] + e[:, [0]]
        if not (pair > 0).all():
            first = int(np.argmax((pair <= 0).any(axis=1)))
            raise fail(
                "argument 'propensity'",
                f"a probability of 0 for both an arm and the control (first at row {first})",
                "a positive probability of the arm or the control on every row",
            )
        g: FloatArray = e[:, 1:] / pair
        return g

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        state = _upgrade_two_models(state)
        if "arm_shares_" in state:  # fitted before propensity= (the arm shares were used)
            state.setdefault("propensity_model_", None)
            state.setdefault("propensity_", state["arm_shares_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a pickle (or joblib file) of a model fitted before propensity= is upgraded too
        super().__setstate__(self._upgrade_state(state))


def _cross_fitted_outcomes(
    learner: _UpliftModel, X: FloatArray, y: FloatArray, arms: _Arms, w: FloatArray | None, cv: int
) -> FloatArray:
    """Out-of-fold expected outcome of every row under every label, shape (n, k + 1)."""
    mu = np.empty((len(y), arms.k + 1))
    folds = StratifiedKFold(cv, shuffle=True, random_state=learner.random_state)
    for train, test in folds.split(X, arms.codes):
        for code in range(arms.k + 1):
            rows = train[arms.codes[train] == code]
            model = learner._fit_outcome(X[rows], y[rows], _rows(w, rows))
            mu[test, code] = learner._outcome(model, X[test])
    return mu


class DRLearnerUplift(_UpliftModel):
    """DR-learner: regress doubly robust pseudo-outcomes on the features (Kennedy 2023).

    With cross-fitted outcome models ``mu_l(x)`` (one per label, fitted on the other folds)
    and the assignment probabilities ``e_l(x)``, each arm ``a`` gets the pseudo-outcome
    ``phi_a = mu_a - mu_0 + 1[t = a] (y - mu_a) / e_a - 1[t = 0] (y - mu_0) / e_0`` (the
    augmented inverse-propensity-weighted score), whose conditional mean is the uplift if
    either the outcome models or the propensities are right; ``effect_estimator`` regresses
    it on ``x``. This is the learner for observational campaigns: pass ``propensity=``
    (known probabilities, or a classifier of the treatment). Without it the campaign is
    taken as randomised (constant arm shares).

    Parameters
    ----------
    estimator : classifier or regressor, optional
        Outcome model, cloned per label and fold, a classifier (0/1 outcomes) or a
        regressor. Default: :func:`~precimark.propensity.models.default_booster`.
    effect_estimator : regressor, optional
        Model of the pseudo-outcomes. Default:
        :func:`~precimark.propensity.models.default_booster` (regressor).
    cv : int, default 3
        Number of cross-fitting folds (stratified by arm), >= 2.
    control : int or str, default 0
        The label of the control rows in ``treated``; every other label is a treatment arm.
    random_state : int or None, default None
        Seed of the folds and of the default estimators.

    Attributes
    ----------
    effects_ : list of regressor
        The fitted effect model of each arm (in the order of ``arms_``).
    arms_ : ndarray
        The treatment arms' labels (sorted).
    arm_shares_ : ndarray
        Weighted share of the rows in each label, control first.
    outcome_ : {"binary", "continuous"}
        The outcome type.
    data_usage_ : tuple of DataUse
        The input columns read (purpose ``"marketing"``).

    References
    ----------
    Kennedy, E. H. (2023). Towards optimal doubly robust estimation of heterogeneous causal
    effects. *Electronic Journal of Statistics* 17(2), 3008-3049.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from precimark.datasets import make_observational_uplift_data
    >>> from precimark.propensity import DRLearnerUplift
    >>> d = make_observational_uplift_data(4_000, random_state=0)
    >>> X = d.filter(like="x")
    >>> model = DRLearnerUplift(estimator=LogisticRegression(), effect_estimator=LinearRegression())
    >>> model = model.fit(X, d["outcome"], treated=d["treatment"], propensity=d["propensity"])
    >>> bool(abs(model.predict(X).mean() - d["true_uplift"].mean()) < 0.02)
    True
    """

    __metadata_request__fit = {"propensity": True}  # noqa: RUF012 - sklearn's convention

    def __init__(
        self,
        *,
        estimator: Any = None,
        effect_estimator: Any = None,
        cv: int = 3,
        control: Any = 0,
        random_state: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.effect_estimator = effect_estimator
        self.cv = cv
        self.control = control
        self.random_state = random_state

    @deprecated_alias(treatment="treated")
    def fit(
        self,
        X: Any,
        y: Any,
        *,
        treated: Any,
        propensity: Any = None,
        sample_weight: Any = None,
    ) -> DRLearnerUplift:
        """Fit the cross-fitted outcome models, then the effect model of each arm.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions or continuous values.
        treated : array-like of shape (n_samples,)
            Treatment indicator (1 treated, 0 control) or each row's arm label.
        propensity : float, array-like or classifier, optional
            Assignment probabilities: with one arm a constant or one probability of
            treatment per row; with ``k`` arms an array of shape (n, k + 1) (control first,
            then ``arms_``); or a classifier of ``treated`` (fitted: used as is; unfitted:
            fitted out of fold). Default: the arm shares (a randomised campaign).
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (all models; passed only when given).

        Other Parameters
        ----------------
        treatment : array-like of shape (n_samples,)
            Deprecated since 0.2.0 (removed in 0.3.0); use ``treated``.

        Returns
        -------
        DRLearnerUplift
            The fitted model (``self``).
        """
        self._check_effect_estimator()
        cv = _check_cv(self.cv)
        raw = X
        X, y, arms, w = self._prepare(X, y, treated, sample_weight)
        e = _assignment(propensity, raw, arms, w, self.random_state)[0]
        mu = _cross_fitted_outcomes(self, X, y, arms, w, cv)
        control = arms.codes == 0
        residual_control = np.where(control, (y - mu[:, 0]) / e[:, 0], 0.0)
        self.effects_ = []
        for code in range(1, arms.k + 1):
            rows = arms.codes == code
            pseudo = (
                mu[:, code]
                - mu[:, 0]
                + np.where(rows, (y - mu[:, code]) / e[:, code], 0.0)
                - residual_control
            )
            model = self._new_effect_estimator(len(y))
            self.effects_.append(_fit_estimator(model, X, pseudo, w))
        return self

    def _uplift(self, X: FloatArray) -> FloatArray:
        return np.column_stack([model.predict(X) for model in self.effects_])


class RLearnerUplift(_UpliftModel):
    """R-learner: minimise the residual-on-residual loss of Robinson's decomposition.

    With cross-fitted ``m(x) = E[y | x]`` (``estimator`` on all rows) and the probability of
    treatment ``e(x)``, the uplift ``tau`` minimises
    ``sum (y - m(x) - (t - e(x)) tau(x))^2`` (Nie & Wager 2021): ``effect_estimator``
    regresses ``(y - m) / (t - e)`` on ``x`` with weights ``(t - e)^2``. One treatment arm;
    pass ``propensity=`` for an observational campaign (default: the treated share of a
    randomised one).

    Parameters
    ----------
    estimator : classifier or regressor, optional
        Model of ``E[y | x]`` (a classifier's positive-class probability for 0/1 outcomes).
        Default: :func:`~precimark.propensity.models.default_booster`.
    effect_estimator : regressor, optional
        Model of the uplift; must accept ``sample_weight``. Default:
        :func:`~precimark.propensity.models.default_booster` (regressor).
    cv : int, default 3
        Number of cross-fitting folds (stratified by treatment), >= 2.
    control : int or str, default 0
        The label of the control rows in ``treated`` (one other label: the treatment).
    random_state : int or None, default None
        Seed of the folds and of the default estimators.

    Attributes
    ----------
    effects_ : list of regressor
        The fitted effect model (one).
    arms_ : ndarray
        The treatment label.
    arm_shares_ : ndarray
        Weighted shares of the control and the treated rows.
    outcome_ : {"binary", "continuous"}
        The outcome type.
    data_usage_ : tuple of DataUse
        The input columns read (purpose ``"marketing"``).

    References
    ----------
    Nie, X. & Wager, S. (2021). Quasi-oracle estimation of heterogeneous treatment effects.
    *Biometrika* 108(2), 299-319.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from precimark.datasets import make_observational_uplift_data
    >>> from precimark.propensity import RLearnerUplift
    >>> d = make_observational_uplift_data(4_000, random_state=0, outcome="continuous")
    >>> X = d.filter(like="x")
    >>> model = RLearnerUplift(estimator=LinearRegression(), effect_estimator=LinearRegression())
    >>> model = model.fit(X, d["outcome"], treated=d["treatment"], propensity=d["propensity"])
    >>> round(float(model.predict(X).mean())), round(float(d["true_uplift"].mean()))
    (2, 2)
    """

    __metadata_request__fit = {"propensity": True}  # noqa: RUF012 - sklearn's convention
    _multi_arm = False

    def __init__(
        self,
        *,
        estimator: Any = None,
        effect_estimator: Any = None,
        cv: int = 3,
        control: Any = 0,
        random_state: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.effect_estimator = effect_estimator
        self.cv = cv
        self.control = control
        self.random_state = random_state

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        treated: Any,
        propensity: Any = None,
        sample_weight: Any = None,
    ) -> RLearnerUplift:
        """Fit the cross-fitted outcome model, then the effect model on the residuals.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions or continuous values.
        treated : array-like of shape (n_samples,)
            Treatment indicator: 1 for treated rows, 0 for control rows.
        propensity : float, array-like or classifier, optional
            Probability of treatment: a constant, one value per row, or a classifier of
            ``treated`` (fitted: used as is; unfitted: fitted out of fold). Default: the
            treated share (a randomised campaign).
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (multiplying the R-loss weights).

        Returns
        -------
        RLearnerUplift
            The fitted model (``self``).
        """
        self._check_effect_estimator()
        cv = _check_cv(self.cv)
        raw = X
        X, y, arms, w = self._prepare(X, y, treated, sample_weight)
        t = (arms.codes == 1).astype(np.float64)
        e = _assignment(propensity, raw, arms, w, self.random_state)[0][:, 1]
        m = np.empty(len(y))
        folds = StratifiedKFold(cv, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(X, arms.codes):
            m[test] = self._outcome(self._fit_outcome(X[train], y[train], _rows(w, train)), X[test])
        residual = t - e
        weight = residual**2 if w is None else w * residual**2
        model = self._new_effect_estimator(len(y))
        self.effects_ = [_fit_estimator(model, X, (y - m) / residual, weight)]
        return self

    def _uplift(self, X: FloatArray) -> FloatArray:
        return np.column_stack([self.effects_[0].predict(X)])
