"""Evaluate a pricing policy before launch: simulation, off-policy estimates, fairness.

- :func:`simulate_policy`: expected revenue, margin, discount cost and conversions of a policy
  under a response model (:class:`UpliftResponse`, :class:`ElasticityResponse` or your own).
- :func:`evaluate_offline`: the value a policy *would have had* on a logged, randomised
  decision log, by inverse propensity scoring (IPS), self-normalised IPS (SNIPS) or doubly
  robust (DR) estimation, with standard errors and diagnostics.
- :func:`fairness_report`: offer rate, mean discount and mean price per group, with the gaps.

References
----------
Dudík, M., Langford, J. & Li, L. (2011). Doubly Robust Policy Evaluation and Learning. *ICML*.
Swaminathan, A. & Joachims, T. (2015). The Self-Normalized Estimator for Counterfactual
Learning. *NeurIPS*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold

from precimark._deprecation import deprecated_alias
from precimark._typing import DateLike
from precimark._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_number,
    check_probability,
    check_seed,
    check_unique_index,
    fail,
    fail_rows,
)
from precimark.kpi.estimates import Estimate
from precimark.pricing._arrays import FloatArray, check_probabilities, numeric_column
from precimark.pricing.engine import PricingPolicy, _price_table
from precimark.privacy.consent import ConsentLike

__all__ = [
    "ElasticityResponse",
    "FairnessReport",
    "OffPolicyEstimate",
    "UpliftResponse",
    "evaluate_offline",
    "fairness_report",
    "simulate_policy",
]

OffPolicyMethod: TypeAlias = Literal["ips", "snips", "dr"]
OnUntried: TypeAlias = Literal["raise", "bound"]
ResponseModel: TypeAlias = Callable[[pd.DataFrame, pd.DataFrame], Any]
"""``model(decisions, features) -> purchase probability per decision row``; ``features`` are
the customers' columns aligned with the decision rows."""


def _column(frame: pd.DataFrame, column: str) -> FloatArray:
    check_columns(frame, [column], "customers")
    return numeric_column(frame, column, allow_bool=True)


def _check_policy(policy: object) -> None:
    if not isinstance(policy, PricingPolicy):
        raise fail("argument 'policy'", f"a {type(policy).__name__}", "a PricingPolicy")


def _probabilities(frame: pd.DataFrame, column: str, *, low: float = 0.0) -> FloatArray:
    """Return a probability column (``low=-1``: an uplift), refused outside its range."""
    return check_probabilities(_column(frame, column), f"column '{column}'", frame.index, low=low)


@dataclass(frozen=True)
class UpliftResponse:
    """Purchase probability = propensity, plus the uplift where an offer (discount) is made.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import UpliftResponse
    >>> d = pd.DataFrame({"discount": [0.0, 5.0]}, index=[1, 2])
    >>> f = pd.DataFrame({"propensity": [0.2, 0.2], "uplift": [0.1, 0.1]}, index=[1, 2])
    >>> UpliftResponse()(d, f)
    array([0.2, 0.3])
    """

    propensity_column: str = "propensity"
    uplift_column: str = "uplift"

    def __call__(self, decisions: pd.DataFrame, features: pd.DataFrame) -> FloatArray:
        """Return the purchase probability of each decision row."""
        ids = features.index
        base = _probabilities(features, self.propensity_column)
        uplift = _probabilities(features, self.uplift_column, low=-1.0)
        offered = decisions["discount"].to_numpy(np.float64) > 1e-9
        return check_probabilities(
            base + np.where(offered, uplift, 0.0),
            f"columns '{self.propensity_column}' + '{self.uplift_column}'",
            ids,
            what="purchase probability with the offer",
        )


@dataclass(frozen=True)
class ElasticityResponse:
    """Constant-elasticity demand: probability = propensity x (price / list price) ^ elasticity.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import ElasticityResponse
    >>> d = pd.DataFrame({"final_price": [100.0, 90.0], "list_price": [100.0, 100.0]})
    >>> f = pd.DataFrame({"propensity": [0.2, 0.2]})
    >>> ElasticityResponse(elasticity=-2.0)(d, f).round(4)
    array([0.2   , 0.2469])
    """

    elasticity: float = -1.5
    propensity_column: str = "propensity"

    def __call__(self, decisions: pd.DataFrame, features: pd.DataFrame) -> FloatArray:
        """Return the purchase probability of each decision row."""
        base = _probabilities(features, self.propensity_column)
        ratio = decisions["final_price"].to_numpy(np.float64) / decisions["list_price"].to_numpy(
            np.float64
        )
        return check_probabilities(
            base * np.power(ratio, self.elasticity),
            f"column '{self.propensity_column}' under elasticity {self.elasticity}",
            features.index,
            what="purchase probability at the decided price",
        )


def simulate_policy(
    policy: PricingPolicy,
    customers: pd.DataFrame,
    response_model: ResponseModel,
    *,
    prices: float | pd.Series[float] | pd.DataFrame,
    consent: ConsentLike | None = None,
    at: DateLike | None = None,
) -> pd.Series[float]:
    """Return the expected outcome of a policy under a response model.

    Parameters
    ----------
    policy : PricingPolicy
    customers : DataFrame
        As for :meth:`PricingPolicy.decide`, plus the columns the response model reads.
    response_model : callable
        ``response_model(decisions, features)`` returns the purchase probability of each
        decision row (``features``: the customers' rows aligned with the decisions).
    prices, consent, at
        As for :meth:`PricingPolicy.decide` (``consent=False`` skips the check).

    Returns
    -------
    Series
        ``n_decisions``, ``expected_conversions``, ``expected_revenue`` (sum of probability x
        final price), ``expected_margin`` (probability x (final price - unit cost)) and
        ``expected_discount_cost`` (probability x discount).

    Raises
    ------
    DataValidationError
        If a propensity is outside [0, 1], an uplift outside [-1, 1], or the response model
        gives a probability outside [0, 1] (e.g. propensity + uplift above 1): probabilities
        are refused naming the column, the count and the first customer, never clipped.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import (
    ...     PricingPolicy, SensitivityDiscount, UpliftResponse, simulate_policy)
    >>> customers = pd.DataFrame({
    ...     "price_sensitivity": [0.9, 0.1], "propensity": [0.1, 0.5], "uplift": [0.2, 0.0],
    ...     "consent_personalised_pricing": [True, True]}, index=[1, 2])
    >>> policy = PricingPolicy([SensitivityDiscount(threshold=0.5)])
    >>> simulate_policy(policy, customers, UpliftResponse(), prices=100.0, at="2025-01-01")
    n_decisions               2.0
    expected_conversions      0.8
    expected_revenue         77.0
    expected_margin          77.0
    expected_discount_cost    3.0
    dtype: float64
    """
    _check_policy(policy)
    decisions = policy.decide(customers, prices, consent=consent, at=at)
    table = _price_table(prices, policy._guardrails)
    n_products = len(table)
    unit_cost = np.tile(table["unit_cost"].to_numpy(np.float64), len(customers))
    features = customers.iloc[np.repeat(np.arange(len(customers)), n_products)]
    probability = np.asarray(response_model(decisions, features), dtype=np.float64)
    if probability.shape != (len(decisions),):
        raise fail(
            "argument 'response_model'",
            f"probabilities of shape {probability.shape}",
            f"{len(decisions)} probabilities, one per decision row",
        )
    check_probabilities(
        probability, "argument 'response_model'", features.index, what="probability"
    )
    final = decisions["final_price"].to_numpy(np.float64)
    return pd.Series(
        {
            "n_decisions": float(len(decisions)),
            "expected_conversions": float(probability.sum()),
            "expected_revenue": float(probability @ final),
            "expected_margin": float(probability @ (final - unit_cost)),
            "expected_discount_cost": float(
                probability @ decisions["discount"].to_numpy(np.float64)
            ),
        }
    )


@dataclass(frozen=True, kw_only=True)
class OffPolicyEstimate(Estimate):
    """Estimated value of a policy from a logged decision log, with diagnostics.

    An :class:`~precimark.kpi.Estimate` (so it has ``to_dict``, ``to_frame``, ``contains``
    and fits in :func:`precimark.kpi.estimates_frame`) with the off-policy diagnostics.

    Attributes
    ----------
    value : float
        Estimated mean reward per customer under the evaluated policy.
    std_error : float
        Standard error (influence-function / delta method).
    ci_low, ci_high : float
        Normal confidence interval at ``confidence``.
    method : str
        ``"ips"``, ``"snips"`` or ``"dr"``.
    confidence : float
    n : int
        Logged rows used.
    effective_sample_size : float
        ``(sum w)^2 / sum w^2`` of the importance weights: how many logged rows the estimate is
        really worth.
    max_weight : float
        Largest importance weight (one row's sway over IPS).
    untried_actions : tuple of float
        Discount rates the policy chooses that the log never tried (only with
        ``on_untried="bound"``; by default such a policy is refused).
    share_untried : float
        Share of rows whose policy action is among ``untried_actions``.
    p_value : None
        Not tested against a value (inherited from Estimate).
    warnings : tuple of str
        The partial-identification caveat, when there is one.
    """

    std_error: float
    effective_sample_size: float
    max_weight: float
    untried_actions: tuple[float, ...]
    share_untried: float

    def to_dict(self) -> dict[str, Any]:
        """Return the estimate's dict (:meth:`Estimate.to_dict`) plus the diagnostics."""
        return {
            **Estimate.to_dict(self),
            "std_error": float(self.std_error),
            "effective_sample_size": float(self.effective_sample_size),
            "max_weight": float(self.max_weight),
            "untried_actions": [float(a) for a in self.untried_actions],
            "share_untried": float(self.share_untried),
        }


@deprecated_alias(
    action="action_column",
    probability="probability_column",
    reward="reward_column",
    features="feature_columns",
)
def evaluate_offline(
    policy: PricingPolicy,
    log: pd.DataFrame,
    *,
    prices: float | pd.Series[float] | pd.DataFrame,
    method: OffPolicyMethod = "ips",
    action_column: str = "discount_rate",
    probability_column: str = "probability",
    reward_column: str = "reward",
    feature_columns: Sequence[str] | None = None,
    consent: ConsentLike | None = None,
    at: DateLike | None = None,
    confidence: float = 0.95,
    n_folds: int = 2,
    random_state: int = 0,
    on_untried: OnUntried = "raise",
    reward_bounds: tuple[float, float] | None = None,
) -> OffPolicyEstimate:
    """Estimate the value a policy would have had, from a logged randomised decision log.

    Parameters
    ----------
    policy : PricingPolicy
        The policy to evaluate (one product); an exploring policy is evaluated without its
        exploration. A log written by an exploring policy's :meth:`~PricingPolicy.decide`
        (columns ``discount_rate`` and ``probability``) plus a reward column is a valid log.
    log : DataFrame
        One logged decision per customer, indexed by customer id: the columns the policy reads
        (and its consent column), the discount rate the logging policy chose
        (``action_column``), the probability with which it chose it (``probability_column``,
        > 0) and the observed reward.
    prices : float, Series or DataFrame
        One product's list price (as for :meth:`PricingPolicy.decide`).
    method : {"ips", "snips", "dr"}, default "ips"
        Inverse propensity scoring, its self-normalised version, or doubly robust (a
        cross-fitted linear reward model per action, on ``features``).
    action_column, probability_column, reward_column : str
        Column names in ``log``.
    feature_columns : sequence of str, optional
        Columns of the reward-model inputs for DR (default: the columns the policy reads).
    consent, at
        As for :meth:`PricingPolicy.decide` (``consent=False`` skips the check).
    confidence : float, default 0.95
    n_folds : int, default 2
        Cross-fitting folds of the DR reward model.
    random_state : int, default 0
        Seed of the DR folds.
    on_untried : {"raise", "bound"}, default "raise"
        What to do when the policy chooses, on some rows, a discount the log never tried
        (no logged reward can tell what it would have earned): ``"raise"`` refuses, naming
        the actions and the share of rows; ``"bound"`` returns the bound-aware
        (partially identified) estimate: the tried rows' part is estimated as usual and each
        untried row contributes anything within ``reward_bounds``, so the interval runs from
        the lower bound minus the sampling margin to the upper bound plus it, and the value is
        its midpoint.
    reward_bounds : tuple of float, optional
        The smallest and largest reward one row can have (e.g. ``(0, list price)`` for
        revenue); required with ``on_untried="bound"``.

    Other Parameters
    ----------------
    action, probability, reward, features : str or list of str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``action_column``,
        ``probability_column``, ``reward_column`` and ``feature_columns``.

    Returns
    -------
    OffPolicyEstimate

    Raises
    ------
    DataValidationError
        If the policy chooses actions the log never tried (with the default
        ``on_untried="raise"``), or the log is invalid.

    Notes
    -----
    Actions are discount rates matched to 4 decimals. With importance weight
    ``w = 1{logged action == policy action} / probability``: IPS is ``mean(w r)``; SNIPS
    ``sum(w r) / sum(w)``; DR ``mean(q(x, pi(x)) + w (r - q(x, a)))``. Standard errors are
    the standard deviations of the per-row influence terms over ``sqrt(n)``. With
    ``on_untried="bound"`` the untried rows are left out of each estimator (their DR reward
    model term too; SNIPS is normalised to the known share of tried rows) and added back
    as ``share_untried x reward_bounds`` (Manski-style bounds).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.pricing import PricingPolicy, SensitivityDiscount, evaluate_offline
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> log = pd.DataFrame({"price_sensitivity": rng.random(n),
    ...                     "consent_personalised_pricing": True,
    ...                     "discount_rate": rng.choice([0.0, 0.1], n), "probability": 0.5})
    >>> log["reward"] = rng.random(n) < 0.2 + log["discount_rate"] * log["price_sensitivity"]
    >>> policy = PricingPolicy([SensitivityDiscount(threshold=0.5)])
    >>> est = evaluate_offline(policy, log, prices=100.0, method="snips", at="2025-01-01")
    >>> round(est.value, 2), round(est.std_error, 3), est.untried_actions
    (0.24, 0.01, ())

    A log that never tried 20% off cannot tell what a policy giving it would earn:

    >>> greedy = PricingPolicy([SensitivityDiscount(threshold=0.5, discount=0.2)])
    >>> evaluate_offline(greedy, log, prices=100.0, at="2025-01-01")
    Traceback (most recent call last):
    ...
    precimark.exceptions.DataValidationError: argument 'policy': 1969 rows (49.2%) where the policy chooses discount rates the log never tried [0.2] (first customer: 0); expected actions the logging policy tried with a probability > 0. Log those actions (e.g. PricingPolicy(exploration=...)), or pass on_untried='bound' with reward_bounds=(low, high) for a bound-aware estimate.
    >>> est = evaluate_offline(greedy, log, prices=100.0, at="2025-01-01",
    ...                        on_untried="bound", reward_bounds=(0.0, 1.0))
    >>> est.method, round(est.share_untried, 3), round(est.ci_low, 2), round(est.ci_high, 2)
    ('ips-bound', 0.492, 0.08, 0.6)
    """
    _check_policy(policy)
    check_choice(method, "method", ("ips", "snips", "dr"))
    check_choice(on_untried, "on_untried", ("raise", "bound"))
    bounds = _reward_bounds(on_untried, reward_bounds)
    confidence = check_probability(confidence, "confidence", inclusive="neither")
    n_folds = int(check_number(n_folds, "n_folds", low=2, integer=True))
    check_seed(random_state, generator=False)
    frame = check_frame(log, "log")
    check_unique_index(frame, "log")
    check_columns(frame, [action_column, probability_column, reward_column], "log")
    logged = _column(frame, action_column)
    propensity = _column(frame, probability_column)
    outcome = _column(frame, reward_column)
    bad = (propensity <= 0) | (propensity > 1)
    if bad.any():
        raise fail_rows(
            f"column '{probability_column}'",
            bad,
            frame.index,
            "logging probability outside (0, 1]",
            "the probability with which the logged action was chosen",
            "Off-policy evaluation needs randomised logs with every probability > 0.",
        )
    greedy = replace(policy, exploration=0.0)
    decisions = greedy.decide(frame, prices, consent=consent, at=at)
    if len(decisions) != len(frame):
        raise fail("argument 'prices'", f"{len(decisions) // len(frame)} products", "one product")
    target = np.round(decisions["discount_rate"].to_numpy(np.float64), 4)
    logged = np.round(logged, 4)
    match = logged == target
    weight = match / propensity
    tried = np.unique(logged)
    untried_mask = ~np.isin(target, tried)
    untried = tuple(float(a) for a in np.unique(target[untried_mask]))
    share = float(untried_mask.mean())
    notes: tuple[str, ...] = ()
    if untried and bounds is None:
        raise fail_rows(
            "argument 'policy'",
            untried_mask,
            frame.index,
            f"rows ({share:.1%}) where the policy chooses discount rates the log never tried "
            f"{list(untried)}",
            "actions the logging policy tried with a probability > 0",
            "Log those actions (e.g. PricingPolicy(exploration=...)), or pass "
            "on_untried='bound' with reward_bounds=(low, high) for a bound-aware estimate.",
        )
    if untried:
        notes = (
            f"partially identified: the policy chooses discount rates the log never tried "
            f"{list(untried)} on {share:.1%} of rows; their reward is only known to lie in "
            f"{list(bounds or ())}.",
        )
    known = ~untried_mask
    n = len(frame)
    if method == "ips":
        terms = weight * outcome
        value = float(terms.mean())
    elif method == "snips":
        total = weight.sum()
        if total == 0:
            raise fail(
                "argument 'log'",
                "no logged action that the policy would have chosen",
                "overlap between the logged and the evaluated policy",
            )
        value = float(weight @ outcome / total)
        terms = weight * (outcome - value) / weight.mean() + value
        if untried:  # E[1{tried} r] = P(tried) x E[r | tried]; P(tried) = 1 - share, known
            terms, value = terms * (1 - share), value * (1 - share)
    else:
        columns = list(feature_columns) if feature_columns is not None else policy._columns()
        check_columns(frame, columns, "log")
        design = pd.get_dummies(frame[columns], dtype=np.float64).to_numpy(np.float64)
        q_logged, q_target = _cross_fitted_rewards(
            design, logged, outcome, target, n_folds, random_state
        )
        terms = np.where(known, q_target, 0.0) + weight * (outcome - q_logged)
        value = float(terms.mean())
    std_error = float(np.std(terms, ddof=1) / np.sqrt(n))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    square = float(weight @ weight)
    low, high = value, value
    if bounds is not None:
        low, high = value + share * bounds[0], value + share * bounds[1]
    return OffPolicyEstimate(
        value=(low + high) / 2,
        std_error=std_error,
        ci_low=low - z * std_error,
        ci_high=high + z * std_error,
        method=method if bounds is None else f"{method}-bound",
        confidence=confidence,
        n=n,
        effective_sample_size=float(weight.sum() ** 2 / square) if square > 0 else 0.0,
        max_weight=float(weight.max()),
        untried_actions=untried,
        share_untried=float(untried_mask.mean()),
        warnings=notes,
    )


def _reward_bounds(
    on_untried: str, reward_bounds: tuple[float, float] | None
) -> tuple[float, float] | None:
    """Return the checked reward bounds with ``on_untried="bound"`` (None otherwise)."""
    if on_untried == "raise":
        if reward_bounds is not None:
            raise fail(
                "argument 'reward_bounds'",
                repr(reward_bounds),
                "None unless on_untried='bound'",
            )
        return None
    if reward_bounds is None or len(reward_bounds) != 2:
        raise fail(
            "argument 'reward_bounds'",
            repr(reward_bounds),
            "(low, high): the range of one row's reward, with on_untried='bound'",
            "For revenue, (0, list price).",
        )
    low = check_number(reward_bounds[0], "reward_bounds[0]")
    high = check_number(reward_bounds[1], "reward_bounds[1]", low=low)
    return float(low), float(high)


def _cross_fitted_rewards(
    design: FloatArray,
    logged: FloatArray,
    outcome: FloatArray,
    target: FloatArray,
    n_folds: int,
    random_state: int,
) -> tuple[FloatArray, FloatArray]:
    """Out-of-fold reward predictions at the logged and at the target action."""
    q_logged = np.zeros(len(outcome))
    q_target = np.zeros(len(outcome))
    folds = KFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    for train, test in folds.split(design):
        fallback = float(outcome[train].mean())
        for a in np.unique(np.concatenate([logged[test], target[test]])):
            rows = train[logged[train] == a]
            if rows.size > design.shape[1] + 1:
                model = LinearRegression().fit(design[rows], outcome[rows])
                predict: Callable[[FloatArray], FloatArray] = model.predict
            else:
                mean = float(outcome[rows].mean()) if rows.size else fallback

                def predict(x: FloatArray, mean: float = mean) -> FloatArray:
                    return np.full(len(x), mean)

            for where, out in ((logged, q_logged), (target, q_target)):
                at = test[where[test] == a]
                if at.size:
                    out[at] = predict(design[at])
    return q_logged, q_target


@dataclass(frozen=True)
class FairnessReport:
    """Offer rate, mean discount and mean final price per group, with the largest gaps.

    Attributes
    ----------
    by_group : DataFrame
        Indexed by group: ``n``, ``offer_rate``, ``mean_discount_rate``, ``mean_final_price``.
    largest_gap : Series
        Per metric (``offer_rate``, ``mean_discount_rate``, ``mean_final_price``): the largest
        minus the smallest group value.
    """

    by_group: pd.DataFrame
    largest_gap: pd.Series[float]

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`by_group`."""
        return self.by_group.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict: the groups (labels as strings) and the largest gaps."""
        return {
            "by": None if self.by_group.index.name is None else str(self.by_group.index.name),
            "by_group": {
                str(label): {k: float(v) for k, v in row.items()}
                for label, row in self.by_group.iterrows()
            },
            "largest_gap": {str(k): float(v) for k, v in self.largest_gap.items()},
        }


def fairness_report(
    decisions: pd.DataFrame, by: str | pd.Series[Any], *, customers: pd.DataFrame | None = None
) -> FairnessReport:
    """Compare offers and prices across groups (e.g. a protected attribute the policy never read).

    One product at a time; :func:`~precimark.pricing.fairness_frame` compares per product,
    with ratios, differences and bootstrap intervals.

    Parameters
    ----------
    decisions : DataFrame
        Output of :meth:`PricingPolicy.decide`.
    by : str or Series
        A column of ``decisions`` or of ``customers``, or a Series of group labels indexed by
        customer id.
    customers : DataFrame, optional
        Customer attributes indexed by customer id (when ``by`` names one of its columns).

    Returns
    -------
    FairnessReport

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.pricing import fairness_report
    >>> d = pd.DataFrame({"discount_rate": [0.1, 0.0, 0.0], "final_price": [90.0, 100, 100]},
    ...                  index=[1, 2, 3])
    >>> report = fairness_report(d, pd.Series(["a", "a", "b"], index=[1, 2, 3]))
    >>> float(report.largest_gap["offer_rate"])
    0.5
    """
    frame = check_frame(decisions, "decisions")
    check_columns(frame, ["discount_rate", "final_price"], "decisions")
    products = frame["product"].unique() if "product" in frame.columns else ()
    if len(products) > 1:
        raise fail(
            "argument 'decisions'",
            f"decisions on {len(products)} products",
            "one product (prices and discounts of different products do not average)",
            "Use fairness_frame(decisions, by=...), which compares groups per product, or "
            "select one product's rows.",
        )
    if isinstance(by, pd.Series):
        groups = by.reindex(frame.index)
    elif isinstance(by, str) and by in frame.columns:
        groups = frame[by]
    elif isinstance(by, str) and customers is not None:
        check_columns(customers, [by], "customers")
        groups = customers[by].reindex(frame.index)
    else:
        raise fail("argument 'by'", repr(by), "a column of decisions or customers, or a Series")
    missing = groups.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            "argument 'by'", missing, frame.index, "customer without a group", "a group for each"
        )
    rate = frame["discount_rate"].to_numpy(np.float64)
    table = pd.DataFrame(
        {
            "offer_rate": rate > 1e-9,
            "mean_discount_rate": rate,
            "mean_final_price": frame["final_price"].to_numpy(np.float64),
        }
    )
    grouped = table.groupby(groups.to_numpy(), observed=True, sort=True)
    out = grouped.mean()
    out.insert(0, "n", grouped.size())
    out.index.name = by.name if isinstance(by, pd.Series) else by
    gaps = out.drop(columns="n").max() - out.drop(columns="n").min()
    return FairnessReport(by_group=out, largest_gap=gaps)
