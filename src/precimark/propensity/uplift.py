"""Uplift models: who buys *because* of an offer, from a randomised campaign.

The learners take ``fit(X, y, *, treated, sample_weight=None)`` and ``predict(X)`` → the
estimated individual uplift ``E[y | x, treated] - E[y | x, control]``, for binary outcomes
(conversion; uplift in probability points) and continuous ones (spend; uplift in currency).
``treated`` is the 0/1 treatment indicator (in precimark, ``treatment`` is always a column
name; ``fit(..., treatment=t)`` still works until 0.3.0 with a ``FutureWarning``). They request
``treated`` through scikit-learn's metadata routing, so
``cross_validate(model, X, y, params={"treated": t})`` splits the indicator with the rows.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from precimark._deprecation import deprecated_alias
from precimark._validation import fail
from precimark.persistence._state import JSONStateMixin
from precimark.propensity.models import default_booster, feature_usage

__all__ = ["ClassTransformationUplift", "TwoModelUplift", "XLearnerUplift"]

FloatArray = npt.NDArray[np.float64]


class _UpliftModel(JSONStateMixin, BaseEstimator):  # type: ignore[misc]
    """Shared input handling of the uplift learners (not public)."""

    # "treatment" stays requested until 0.3.0, so old params={"treatment": t} still route
    # (fit then warns that the keyword is deprecated).
    __metadata_request__fit = {"treated": True, "treatment": True}  # noqa: RUF012 - sklearn's convention

    def __init__(self, *, estimator: Any = None, random_state: int | None = None) -> None:
        self.estimator = estimator
        self.random_state = random_state

    def _prepare(
        self, X: Any, y: Any, treated: Any, sample_weight: Any
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        X, y = validate_data(self, X, y, y_numeric=True)
        t = np.asarray(treated)
        if t.shape != (X.shape[0],):
            raise fail(
                "argument 'treated'", f"shape {t.shape}", f"one value per row ({X.shape[0]},)"
            )
        t = t.astype(np.float64)
        bad = (t != 0) & (t != 1)
        if bad.any():
            raise fail(
                "argument 'treated'",
                f"{int(bad.sum())} value(s) other than 0 and 1 (first at row {int(np.argmax(bad))})",
                "0 (control) or 1 (treated)",
            )
        if t.all() or not t.any():
            raise fail(
                "argument 'treated'",
                f"only {'treated' if t.all() else 'control'} rows",
                "both treated (1) and control (0) rows",
            )
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
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
        self.data_usage_ = feature_usage(self, "marketing")
        return X, y.astype(np.float64), t, weights

    def _new_estimator(self, classifier: bool, n_samples: int) -> Any:
        if self.estimator is not None:
            return clone(self.estimator)
        return default_booster(
            classifier=classifier, random_state=self.random_state, n_samples=n_samples
        )

    def _fit_arms(
        self, X: FloatArray, y: FloatArray, t: FloatArray, w: FloatArray
    ) -> tuple[Any, Any]:
        """Fit one outcome model on the treated rows and one on the control rows."""
        models = []
        for arm in (1.0, 0.0):
            rows = t == arm
            model = self._new_estimator(self.outcome_ == "binary", int(rows.sum()))
            model.fit(X[rows], y[rows], sample_weight=w[rows])
            models.append(model)
        return models[0], models[1]

    def _outcome(self, model: Any, X: FloatArray) -> FloatArray:
        """Return the expected outcome under an arm model: P(y = 1) or the predicted value."""
        if self.outcome_ == "binary":
            return _positive_proba(model, X)
        values: FloatArray = model.predict(X)
        return values


def _positive_proba(model: Any, X: Any) -> FloatArray:
    proba: FloatArray = model.predict_proba(X)[:, list(model.classes_).index(1)]
    return proba


class TwoModelUplift(_UpliftModel):
    """T-learner: one outcome model per arm; uplift = treated prediction - control prediction.

    Parameters
    ----------
    estimator : classifier or regressor, optional
        Outcome model, cloned for each arm. A classifier's positive-class probability is used
        (binary outcomes), a regressor's prediction otherwise. Default:
        :func:`~precimark.propensity.models.default_booster`, a classifier when ``y`` is 0/1
        and a regressor otherwise.
    random_state : int or None, default None
        Seed of the default estimators.

    Attributes
    ----------
    estimator_treated_, estimator_control_ : estimator
        The fitted outcome models.
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
    >>> from sklearn.linear_model import LogisticRegression
    >>> from precimark.datasets import make_uplift_data
    >>> from precimark.propensity import TwoModelUplift
    >>> d = make_uplift_data(2_000, random_state=0)
    >>> X = d.filter(like="x")
    >>> model = TwoModelUplift(estimator=LogisticRegression())
    >>> model = model.fit(X, d["outcome"], treated=d["treatment"])
    >>> model.predict(X).shape
    (2000,)
    """

    @deprecated_alias(treatment="treated")
    def fit(self, X: Any, y: Any, *, treated: Any, sample_weight: Any = None) -> TwoModelUplift:
        """Fit one outcome model on the treated rows and one on the control rows.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions or continuous values.
        treated : array-like of shape (n_samples,)
            Treatment indicator: 1 for treated rows, 0 for control rows.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights.

        Other Parameters
        ----------------
        treatment : array-like of shape (n_samples,)
            Deprecated since 0.2.0 (removed in 0.3.0); use ``treated``.

        Returns
        -------
        TwoModelUplift
            The fitted model (``self``).
        """
        X, y, t, w = self._prepare(X, y, treated, sample_weight)
        self.estimator_treated_, self.estimator_control_ = self._fit_arms(X, y, t, w)
        return self

    def predict(self, X: Any) -> FloatArray:
        """Return the estimated uplift of each row (treated minus control prediction)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._outcome(self.estimator_treated_, X) - self._outcome(self.estimator_control_, X)


class ClassTransformationUplift(_UpliftModel):
    """Class (outcome) transformation: one model of a transformed target whose mean is the uplift.

    With ``p`` the (weighted) treated share of the training rows:

    - binary outcomes: the classifier learns ``z = 1`` for treated buyers and control
      non-buyers (Jaskowski & Jaroszewicz 2012), with treated rows weighted ``0.5 / p`` and
      control rows ``0.5 / (1 - p)`` so that both arms weigh the same whatever the split;
      then ``uplift = 2 P(z = 1 | x) - 1``.
    - continuous outcomes: the regressor learns the transformed outcome
      ``y (t - p) / (p (1 - p))``, whose conditional mean is the uplift (Athey & Imbens 2016).

    Both assume a randomised campaign (treatment independent of ``x``).

    Parameters
    ----------
    estimator : classifier or regressor, optional
        Model of the transformed target; must accept ``sample_weight``. Default:
        :func:`~precimark.propensity.models.default_booster` (classifier for 0/1 outcomes,
        regressor otherwise).
    random_state : int or None, default None
        Seed of the default estimator.

    Attributes
    ----------
    estimator_ : estimator
        The fitted model.
    treatment_share_ : float
        ``p``, the weighted share of treated rows.
    outcome_ : {"binary", "continuous"}
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

    @deprecated_alias(treatment="treated")
    def fit(
        self, X: Any, y: Any, *, treated: Any, sample_weight: Any = None
    ) -> ClassTransformationUplift:
        """Fit the model of the transformed target.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions or continuous values.
        treated : array-like of shape (n_samples,)
            Treatment indicator: 1 for treated rows, 0 for control rows.
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
        X, y, t, w = self._prepare(X, y, treated, sample_weight)
        p = float(np.sum(w * t) / np.sum(w))
        self.treatment_share_ = p
        model = self._new_estimator(self.outcome_ == "binary", len(y))
        if self.outcome_ == "binary":
            z = (y == t).astype(np.int64)
            balance = np.where(t == 1, 0.5 / p, 0.5 / (1.0 - p))
            model.fit(X, z, sample_weight=w * balance)
        else:
            model.fit(X, y * (t - p) / (p * (1.0 - p)), sample_weight=w)
        self.estimator_ = model
        return self

    def predict(self, X: Any) -> FloatArray:
        """Return the estimated uplift of each row."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if self.outcome_ == "binary":
            return 2.0 * _positive_proba(self.estimator_, X) - 1.0
        uplift: FloatArray = self.estimator_.predict(X)
        return uplift


class XLearnerUplift(_UpliftModel):
    """X-learner: arm outcome models, then models of the imputed individual effects.

    Stage 1 fits an outcome model per arm (``mu_1``, ``mu_0``, as :class:`TwoModelUplift`).
    Stage 2 imputes each row's effect with the *other* arm's model, ``D = y - mu_0(x)`` for
    treated rows and ``D = mu_1(x) - y`` for control rows, and regresses it on ``x`` within
    each arm (``tau_1``, ``tau_0``). The uplift is ``p tau_0(x) + (1 - p) tau_1(x)`` with
    ``p`` the treated share (Kunzel et al. 2019, with the constant propensity of a
    randomised campaign): the arm with more rows imputes the other's effects, which helps
    most when the arms are unbalanced.

    Parameters
    ----------
    estimator : classifier or regressor, optional
        Stage-1 outcome model (as for :class:`TwoModelUplift`).
    effect_estimator : regressor, optional
        Stage-2 model of the imputed effects. Default:
        :func:`~precimark.propensity.models.default_booster` (regressor).
    random_state : int or None, default None
        Seed of the default estimators.

    Attributes
    ----------
    estimator_treated_, estimator_control_ : estimator
        Stage-1 outcome models.
    effect_treated_, effect_control_ : regressor
        Stage-2 effect models fitted on the treated and on the control rows.
    treatment_share_ : float
        ``p``, the weighted share of treated rows.
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
    """

    def __init__(
        self,
        *,
        estimator: Any = None,
        effect_estimator: Any = None,
        random_state: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.effect_estimator = effect_estimator
        self.random_state = random_state

    @deprecated_alias(treatment="treated")
    def fit(self, X: Any, y: Any, *, treated: Any, sample_weight: Any = None) -> XLearnerUplift:
        """Fit the arm outcome models, then the effect models on the imputed effects.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Outcomes: 0/1 conversions or continuous values.
        treated : array-like of shape (n_samples,)
            Treatment indicator: 1 for treated rows, 0 for control rows.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (all four models).

        Other Parameters
        ----------------
        treatment : array-like of shape (n_samples,)
            Deprecated since 0.2.0 (removed in 0.3.0); use ``treated``.

        Returns
        -------
        XLearnerUplift
            The fitted model (``self``).
        """
        if self.effect_estimator is not None and not is_regressor(self.effect_estimator):
            raise fail(
                "argument 'effect_estimator'",
                f"a {type(self.effect_estimator).__name__}",
                "a scikit-learn regressor",
            )
        X, y, t, w = self._prepare(X, y, treated, sample_weight)
        self.estimator_treated_, self.estimator_control_ = self._fit_arms(X, y, t, w)
        self.treatment_share_ = float(np.sum(w * t) / np.sum(w))
        treated, control = t == 1, t == 0
        imputed = {
            "treated": y[treated] - self._outcome(self.estimator_control_, X[treated]),
            "control": self._outcome(self.estimator_treated_, X[control]) - y[control],
        }
        effects = []
        for rows, target in ((treated, imputed["treated"]), (control, imputed["control"])):
            model = (
                clone(self.effect_estimator)
                if self.effect_estimator is not None
                else default_booster(
                    classifier=False, random_state=self.random_state, n_samples=int(rows.sum())
                )
            )
            model.fit(X[rows], target, sample_weight=w[rows])
            effects.append(model)
        self.effect_treated_, self.effect_control_ = effects
        return self

    def predict(self, X: Any) -> FloatArray:
        """Return the estimated uplift of each row."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        p = self.treatment_share_
        uplift: FloatArray = p * self.effect_control_.predict(X) + (
            1.0 - p
        ) * self.effect_treated_.predict(X)
        return uplift
