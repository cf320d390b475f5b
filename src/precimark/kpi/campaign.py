"""Campaign effect from a randomised test, sales growth, and the sample-ratio-mismatch check.

A campaign's effect is only identified by comparison with a control group that was randomly
held out. :func:`campaign_effect` estimates it per customer (conversion: Newcombe interval;
revenue: Welch interval), as a relative lift (delta method or bootstrap), in total (times the
number treated) and as ROI, optionally with CUPED variance reduction (Deng et al. 2013), and
checks the split for a sample ratio mismatch. :func:`sales_growth` compares two periods: a
naive before/after growth (labelled descriptive) or, with a control group, a
difference-in-differences.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from precimark._deprecation import deprecated_alias
from precimark._display import html_block
from precimark._typing import DateLike, SeedLike
from precimark._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_number,
    check_probability,
    check_unique_index,
    fail,
    fail_rows,
    finite_moments,
    refuse_overflow,
    scale_exponent,
    validate_transactions,
)
from precimark.exceptions import DataQualityWarning
from precimark.kpi._checks import as_sample, check_positive
from precimark.kpi._log import activity_by_customer, day_window
from precimark.kpi.estimates import Estimate, check_confidence, estimates_frame
from precimark.kpi.finance import incremental_revenue, resolve_margin, roi
from precimark.kpi.intervals import (
    Alternative,
    check_alternative,
    mean,
    mean_difference,
    proportion,
    proportion_difference,
    ratio,
    ratio_difference,
    ratio_moments,
    relative_difference_from_moments,
)
from precimark.kpi.power import PowerAnalysis, minimum_detectable_effect
from precimark.kpi.resampling import bootstrap
from precimark.schema import Columns

__all__ = [
    "SRM_THRESHOLD",
    "CampaignEffect",
    "campaign_effect",
    "cumulative_incremental_revenue",
    "sales_growth",
    "sample_ratio_mismatch",
]

SRM_THRESHOLD = 0.001
"""p-value below which the treated/control split is flagged as a sample ratio mismatch."""

Kind = Literal["auto", "conversion", "mean"]
MDE_POWER = 0.8
"""Power at which a campaign's minimum detectable effect is reported."""


def sample_ratio_mismatch(n_treated: int, n_control: int, *, expected_share: float = 0.5) -> float:
    """P-value of the chi-square test that the split matches the planned treated share.

    A tiny p-value (below :data:`SRM_THRESHOLD`) means the assignment or the logging is broken
    (bots, redirects, a filter applied to one arm): the comparison is not trustworthy,
    whatever its interval says (Fabijan et al. 2019).

    Examples
    --------
    >>> from precimark.kpi import sample_ratio_mismatch
    >>> round(sample_ratio_mismatch(5_000, 5_000), 3)
    1.0
    >>> sample_ratio_mismatch(5_300, 4_700) < 0.001
    True
    """
    share = check_probability(expected_share, "expected_share", inclusive="neither")
    n_treated = int(check_number(n_treated, "n_treated", low=0, integer=True))
    n_control = int(check_number(n_control, "n_control", low=0, integer=True))
    total = n_treated + n_control
    expected = [total * share, total * (1.0 - share)]
    return float(stats.chisquare([n_treated, n_control], f_exp=expected).pvalue)


@dataclass(frozen=True)
class CampaignEffect:
    """The estimated effect of a randomised campaign on one metric.

    Attributes
    ----------
    metric : str
        The outcome column (the numerator of a ratio metric).
    kind : {"conversion", "mean", "ratio"}
        Conversion (0/1 outcome, Newcombe interval), mean outcome (Welch interval) or ratio
        metric (delta method, see :func:`precimark.kpi.ratio_difference`).
    treated, control : Estimate
        Outcome per customer in each arm (Wilson or t interval; a ratio's delta interval), on
        the same basis as ``difference``: with CUPED both are the adjusted means (method
        ``"cuped-t"``), so ``treated - control == difference``.
    difference : Estimate
        Treated minus control per customer (the average treatment effect); its p-value tests
        "no effect".
    relative_lift : Estimate
        ``treated / control - 1`` (log-scale delta method, or bootstrap), with the
        difference's p-value: one hypothesis, one p-value.
    incremental_total : Estimate or None
        ``difference * n_treated``: incremental conversions or incremental revenue; None for
        a ratio metric (a difference of averages per order does not add up over customers).
    roi : Estimate or None
        ``(margin * incremental revenue - cost) / cost`` when a cost was given for a mean
        (revenue) metric; None otherwise.
    n_treated, n_control : int
        Customers per arm.
    srm_p_value : float
        Sample-ratio-mismatch p-value (see :func:`sample_ratio_mismatch`).
    variance_reduction : float or None
        With CUPED, the share of the outcome's variance removed by the pre-period covariate.
    minimum_detectable_effect : PowerAnalysis or None
        The smallest effect this test detects with 80% power (:data:`MDE_POWER`) at
        ``alpha = 1 - confidence``, given its arm sizes and the outcome's variance (after
        CUPED); None when it cannot be computed (a conversion rate of 0 or 1 in the control
        arm). Read it as "effects smaller than this were likely to be missed"; the power
        computed at the observed effect ("observed power") says nothing beyond the p-value
        and is not reported.
    """

    metric: str
    kind: Literal["conversion", "mean", "ratio"]
    treated: Estimate
    control: Estimate
    difference: Estimate
    relative_lift: Estimate
    incremental_total: Estimate | None
    roi: Estimate | None
    n_treated: int
    n_control: int
    srm_p_value: float
    variance_reduction: float | None = None
    minimum_detectable_effect: PowerAnalysis | None = None

    def estimates(self) -> dict[str, Estimate]:
        """Return the estimates by name (``treated``, ``control``, ``difference``, ...)."""
        named = {
            "treated": self.treated,
            "control": self.control,
            "difference": self.difference,
            "relative_lift": self.relative_lift,
        }
        if self.incremental_total is not None:
            named["incremental_total"] = self.incremental_total
        if self.roi is not None:
            named["roi"] = self.roi
        return named

    def to_frame(self) -> pd.DataFrame:
        """Return the estimates as a frame (see :func:`precimark.kpi.estimates_frame`).

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.kpi import campaign_effect
        >>> outcomes = pd.DataFrame({"treated": [True, False] * 50,
        ...                          "bought": [1, 0, 0, 0, 1, 1, 0, 0, 1, 0] * 10})
        >>> campaign_effect(outcomes, treatment="treated", metric_column="bought").to_frame().index.tolist()
        ['treated', 'control', 'difference', 'relative_lift', 'incremental_total']
        """
        return estimates_frame(self.estimates())

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict: the design facts and every estimate's dict.

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.kpi import campaign_effect
        >>> outcomes = pd.DataFrame({"treated": [True, False] * 50,
        ...                          "bought": [1, 0, 0, 0, 1, 1, 0, 0, 1, 0] * 10})
        >>> d = campaign_effect(outcomes, treatment="treated", metric_column="bought").to_dict()
        >>> d["metric"], d["n_treated"], d["estimates"]["difference"]["method"]
        ('bought', 50, 'newcombe')
        """
        return {
            "metric": self.metric,
            "kind": self.kind,
            "n_treated": int(self.n_treated),
            "n_control": int(self.n_control),
            "srm_p_value": float(self.srm_p_value),
            "variance_reduction": (
                None if self.variance_reduction is None else float(self.variance_reduction)
            ),
            "minimum_detectable_effect": (
                None
                if self.minimum_detectable_effect is None
                else self.minimum_detectable_effect.to_dict()
            ),
            "estimates": {name: est.to_dict() for name, est in self.estimates().items()},
        }

    def _repr_html_(self) -> str:
        title = f"Campaign effect on {self.metric} ({self.kind})"
        facts = (
            f"{self.n_treated} treated vs {self.n_control} control customers; "
            f"sample-ratio check p = {self.srm_p_value:.3g}"
        )
        return html_block(title, self.to_frame(), notes=[facts])


def _assignment(frame: pd.DataFrame, column: str) -> npt.NDArray[np.bool_]:
    values = frame[column]
    missing = values.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            f"column '{column}'", missing, frame.index, "missing assignment", "True/False or 1/0"
        )
    if pd.api.types.is_bool_dtype(values.dtype):
        flags: npt.NDArray[np.bool_] = values.to_numpy(dtype=bool)
        return flags
    if pd.api.types.is_numeric_dtype(values.dtype):
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isin(array, (0.0, 1.0))
        if not bad.any():
            chosen: npt.NDArray[np.bool_] = array == 1.0
            return chosen
        raise fail_rows(
            f"column '{column}'", bad, frame.index, "value not 0/1", "True/False or 1/0"
        )
    raise fail(f"column '{column}'", f"values of dtype {values.dtype}", "True/False or 1/0")


def _cuped(
    y: npt.NDArray[np.float64], x: npt.NDArray[np.float64], where: str, ids: pd.Index[Any]
) -> tuple[npt.NDArray[np.float64], float]:
    """CUPED-adjusted outcomes ``y - theta (x - mean x)`` and the share of variance removed.

    ``y`` and ``x`` are each divided by a power of two (exact) so that values near 1e308 have
    variances and a covariance that fit in float64; an adjusted outcome beyond float64 is
    refused naming ``where`` and its customer.
    """
    k_y = scale_exponent(float(np.max(np.abs(y))))
    y = np.ldexp(y, -k_y)
    x = np.ldexp(x, -scale_exponent(float(np.max(np.abs(x)))))
    var_x = float(x.var(ddof=1))
    theta = 0.0 if var_x == 0.0 else float(np.cov(y, x, ddof=1)[0, 1]) / var_x
    with np.errstate(over="ignore", invalid="ignore"):
        adjusted = y - theta * (x - x.mean())
        var_y = float(y.var(ddof=1))
        reduction = 0.0 if var_y == 0.0 else 1.0 - float(adjusted.var(ddof=1)) / var_y
        adjusted = np.ldexp(adjusted, k_y)
    refuse_overflow(adjusted, where, ids, "CUPED-adjusted value")
    return adjusted, reduction


def _arm_means(
    y: npt.NDArray[np.float64], assigned: npt.NDArray[np.bool_], level: float, method: str
) -> tuple[Estimate, Estimate]:
    return (
        replace(mean(y[assigned], confidence=level), method=method),
        replace(mean(y[~assigned], confidence=level), method=method),
    )


def _mde(
    kind: str,
    control: Estimate,
    variance: float,
    n_t: int,
    n_c: int,
    level: float,
    alternative: Alternative,
) -> PowerAnalysis | None:
    """Minimum detectable effect at :data:`MDE_POWER` for this test's sizes and variance."""
    common: dict[str, Any] = {
        "n": n_t + n_c,
        "ratio": n_t / n_c,
        "alpha": 1.0 - level,
        "power": MDE_POWER,
        "alternative": alternative,
    }
    if kind == "conversion":
        if not 0.0 < control.value < 1.0:
            return None
        return minimum_detectable_effect(metric="proportion", baseline=control.value, **common)
    if control.value == 0.0 or variance <= 0.0:
        return None
    return minimum_detectable_effect(
        metric="mean", baseline=control.value, std=float(np.sqrt(variance)), **common
    )


@deprecated_alias(metric="metric_column", pre_metric="pre_metric_column")
def campaign_effect(
    outcomes: pd.DataFrame,
    *,
    treatment: str,
    metric_column: str,
    pre_metric_column: str | None = None,
    denominator_column: str | None = None,
    kind: Kind = "auto",
    cost: float | None = None,
    margin: float | None = None,
    expected_share: float = 0.5,
    alternative: Alternative = "two-sided",
    lift_method: Literal["delta", "bootstrap"] = "delta",
    n_resamples: int = 2_000,
    confidence: float = 0.95,
    random_state: SeedLike = None,
) -> CampaignEffect:
    """Estimate a randomised campaign's effect on one outcome per customer.

    Parameters
    ----------
    outcomes : DataFrame
        One row per customer in the test (indexed by customer id), every customer assigned
        to treatment or control, *including those who did nothing* (outcome 0): dropping
        non-buyers biases the comparison.
    treatment : str
        Column that is True/1 for treated (contacted) customers and False/0 for the control.
    metric_column : str
        Outcome column: 0/1 conversion, or an amount such as revenue per customer in the
        test window (the numerator, with ``denominator_column``).
    pre_metric_column : str, optional
        Pre-period covariate column (the same metric before the campaign) for CUPED variance
        reduction. It must not be affected by the treatment.
    denominator_column : str, optional
        Column of the denominator of a ratio metric, per customer: ``metric_column="revenue"``
        with ``denominator_column="orders"`` compares average order value (revenue / orders
        in each arm) by the delta method, customers being the randomised unit
        (:func:`precimark.kpi.ratio_difference`).
    kind : {"auto", "conversion", "mean"}, default "auto"
        Conversion (Newcombe interval) or mean (Welch); "auto" picks conversion when every
        outcome is 0 or 1. With ``pre_metric_column`` the difference always uses Welch on the
        CUPED-adjusted outcomes. Ignored for a ratio metric.
    cost : float, optional
        Total campaign cost; gives ``roi`` for a mean (revenue) metric.
    margin : float, optional
        Gross margin rate for ROI: required with ``cost``. Omitting it computes ROI on
        revenue (margin 1.0) with a FutureWarning (deprecated since 0.2.0; an error from
        0.3.0).
    expected_share : float, default 0.5
        Planned share of treated customers, for the sample-ratio-mismatch check.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis of the test (treated above control for "greater"). A
        one-sided test has one-sided intervals; decide it before looking at the data.
    lift_method : {"delta", "bootstrap"}, default "delta"
        Interval of the relative lift: log-scale delta method, or percentile bootstrap.
    n_resamples : int, default 2000
        Bootstrap resamples (``lift_method="bootstrap"``).
    confidence : float, default 0.95
        Confidence level of every interval.
    random_state : int, numpy Generator or None
        Seed of the bootstrap.

    Other Parameters
    ----------------
    metric, pre_metric : str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``metric_column`` and
        ``pre_metric_column``.

    Returns
    -------
    CampaignEffect

    Warns
    -----
    DataQualityWarning
        When the split fails the sample-ratio-mismatch test (p < 0.001); the warning is also
        recorded on ``difference``.
    FutureWarning
        When ``cost`` is given without ``margin``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from precimark.kpi import campaign_effect
    >>> rng = np.random.default_rng(0)
    >>> treated = rng.random(4_000) < 0.5
    >>> revenue = rng.gamma(2.0, 20.0, 4_000) * (rng.random(4_000) < 0.2 + 0.05 * treated)
    >>> outcomes = pd.DataFrame({"treated": treated, "revenue": revenue})
    >>> effect = campaign_effect(outcomes, treatment="treated", metric_column="revenue",
    ...                          cost=1_000.0, margin=0.4)
    >>> effect.difference
    Estimate(1.8176, 95% CI [0.507246, 3.12795], method='welch', n=4000, p=0.00657)
    >>> effect.relative_lift.p_value == effect.difference.p_value
    True
    """
    level = check_confidence(confidence)
    check_choice(kind, "kind", ("auto", "conversion", "mean"))
    check_choice(lift_method, "lift_method", ("delta", "bootstrap"))
    side = check_alternative(alternative)
    frame = check_frame(outcomes, "outcomes")
    extra = [c for c in (pre_metric_column, denominator_column) if c is not None]
    check_columns(frame, [treatment, metric_column, *extra], "outcomes")
    check_unique_index(frame, "outcomes")
    if denominator_column is not None and pre_metric_column is not None:
        raise fail(
            "argument 'pre_metric_column'",
            "CUPED together with a ratio metric (denominator_column)",
            "one of them (CUPED for ratio metrics is not implemented)",
        )
    if denominator_column is not None and lift_method == "bootstrap":
        raise fail(
            "argument 'lift_method'",
            "'bootstrap' for a ratio metric",
            "lift_method='delta' (the bootstrap resamples outcomes, not customer pairs)",
        )
    assigned = _assignment(frame, treatment)
    y = as_sample(frame[metric_column], metric_column)
    n_t, n_c = int(assigned.sum()), int((~assigned).sum())
    if min(n_t, n_c) < 2:
        raise fail(
            f"column '{treatment}'",
            f"{n_t} treated and {n_c} control customers",
            "at least 2 customers in each group",
        )
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    if kind == "conversion" and not binary:
        raise fail_rows(
            f"column '{metric_column}'",
            ~np.isin(y, (0.0, 1.0)),
            frame.index,
            "value not 0/1",
            "0/1",
        )
    chosen: Literal["conversion", "mean", "ratio"] = (
        "ratio"
        if denominator_column is not None
        else "conversion"
        if kind == "conversion" or (kind == "auto" and binary)
        else "mean"
    )
    srm = sample_ratio_mismatch(n_t, n_c, expected_share=expected_share)
    notes: tuple[str, ...] = ()
    if srm < SRM_THRESHOLD:
        note = (
            f"sample ratio mismatch: {n_t} treated vs {n_c} control (p = {srm:.2g}) for a "
            f"planned treated share of {expected_share}; check assignment and logging"
        )
        warnings.warn(note, DataQualityWarning, stacklevel=3)  # + deprecated_alias frame
        notes = (note,)
    rate = 1.0 if margin is None else check_positive(margin, "margin")
    if cost is not None and chosen == "mean" and margin is None:
        rate = resolve_margin(None, "campaign_effect(cost=...)", stacklevel=4)
    reduction: float | None = None
    if chosen == "ratio":
        assert denominator_column is not None
        x = as_sample(frame[denominator_column], denominator_column)
        names = (metric_column, denominator_column)
        moments_t = ratio_moments(y[assigned], x[assigned], names)
        moments_c = ratio_moments(y[~assigned], x[~assigned], names)
        treated_est = ratio(y[assigned], x[assigned], confidence=level)
        control_est = ratio(y[~assigned], x[~assigned], confidence=level)
        diff = ratio_difference(
            y[assigned], x[assigned], y[~assigned], x[~assigned], confidence=level, alternative=side
        )
    else:
        if pre_metric_column is not None:
            x = as_sample(frame[pre_metric_column], pre_metric_column)
            y, reduction = _cuped(y, x, f"column '{metric_column}'", frame.index)
        y_t, y_c = y[assigned], y[~assigned]
        where = f"column '{metric_column}'"
        moments_t = (n_t, *finite_moments(y_t, where, frame.index[assigned]))
        moments_c = (n_c, *finite_moments(y_c, where, frame.index[~assigned]))
        if pre_metric_column is not None:
            treated_est, control_est = _arm_means(y, assigned, level, "cuped-t")
            diff = mean_difference(y_t, y_c, confidence=level, alternative=side)
            diff = replace(diff, method="cuped-" + diff.method)
        elif chosen == "conversion":
            hits_t, hits_c = int(y_t.sum()), int(y_c.sum())
            treated_est = proportion(hits_t, n_t, confidence=level)
            control_est = proportion(hits_c, n_c, confidence=level)
            diff = proportion_difference(
                hits_t, n_t, hits_c, n_c, confidence=level, alternative=side
            )
        else:
            treated_est, control_est = _arm_means(y, assigned, level, "t")
            diff = mean_difference(y_t, y_c, confidence=level, alternative=side)
    diff = replace(diff, warnings=(*diff.warnings, *notes))
    if lift_method == "delta":
        lift = relative_difference_from_moments(
            *moments_t, *moments_c, confidence=level, alternative=side, p_value=diff.p_value
        )
    else:
        lift = bootstrap(
            _lift,
            y[assigned],
            y[~assigned],
            n_resamples=n_resamples,
            confidence=level,
            random_state=random_state,
        )
        lift = replace(lift, p_value=diff.p_value)
    pooled = ((n_t - 1) * moments_t[2] + (n_c - 1) * moments_c[2]) / (n_t + n_c - 2)
    mde = _mde(chosen, control_est, pooled, n_t, n_c, level, side)
    total = None if chosen == "ratio" else incremental_revenue(diff, n_t)
    gain = None
    if cost is not None and chosen == "mean":
        assert total is not None
        gain = roi(total, check_positive(cost, "cost"), margin=rate)
    return CampaignEffect(
        metric_column,
        chosen,
        treated_est,
        control_est,
        diff,
        lift,
        total,
        gain,
        n_t,
        n_c,
        srm,
        reduction,
        mde,
    )


def _lift(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        result: npt.NDArray[np.float64] = a.mean(axis=-1) / b.mean(axis=-1) - 1.0
    return result


def _ids(values: object, name: str) -> pd.Index[Any]:
    index: pd.Index[Any] = pd.Index(np.asarray(values))
    if index.has_duplicates:
        raise fail_rows(
            f"argument '{name}'", index.duplicated(), index, "duplicated customer id", "unique ids"
        )
    return index


def sales_growth(
    transactions: pd.DataFrame,
    *,
    pre: tuple[DateLike, DateLike],
    post: tuple[DateLike, DateLike],
    control: object = None,
    treated: object = None,
    columns: Columns | None = None,
    confidence: float = 0.95,
) -> Estimate:
    """Sales growth from a pre period to a post period: descriptive, or difference-in-differences.

    Revenue in the pre period is rescaled to the post period's length, so periods of
    different lengths compare per day.

    - Without ``control``: growth ``revenue_post / revenue_pre - 1`` over all customers with
      an order in either period, with a delta-method interval over customers. It is
      **descriptive**: it includes seasonality, trend, price changes and everything else that
      happened between the periods, and is labelled so (method ``"descriptive"`` and a
      warning). It is not a campaign effect.
    - With ``control``: difference-in-differences of revenue per customer,
      ``(post - pre)_treated - (post - pre)_control``, with a Welch interval over customers.
      It is causal only under parallel trends (without the campaign, both groups' revenue
      would have moved alike), which randomised hold-outs guarantee and self-selected groups
      do not.

    Parameters
    ----------
    transactions : DataFrame
        The order log (names set by ``columns``).
    pre, post : (date-like, date-like)
        First and last day (inclusive) of each period.
    control : array-like of customer ids, optional
        The control group. Members without orders count with 0 revenue.
    treated : array-like of customer ids, optional
        The treated group; default: every customer in the log (ordering at any date) who is
        not in ``control``. Members without orders in the periods count with 0 revenue, as
        in the control group; pass the group explicitly when you have it.
    columns : Columns, optional
        Names of the customer id, date and amount columns.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        Relative growth (descriptive) or the per-customer difference-in-differences in
        currency per post period (method ``"diff-in-diff (welch)"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import sales_growth
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 3, 1, 2, 3], "amount": [10.0, 20, 30, 15, 20, 40],
    ...     "date": ["2024-01-05"] * 3 + ["2024-02-05"] * 3})
    >>> growth = sales_growth(tx, pre=("2024-01-01", "2024-01-29"),
    ...                       post=("2024-02-01", "2024-02-29"))
    >>> round(growth.value, 3), growth.method
    (0.25, 'descriptive')
    """
    level = check_confidence(confidence)
    cols = columns if columns is not None else Columns()
    tx = validate_transactions(transactions, cols)
    pre_window = day_window(tx, pre[0], pre[1], ("pre[0]", "pre[1]"))
    post_window = day_window(tx, post[0], post[1], ("post[0]", "post[1]"))
    if pre_window.last >= post_window.first:
        raise fail("argument 'post'", "a period starting before pre ends", "post after pre")
    scale = post_window.days / pre_window.days
    before = activity_by_customer(tx, pre_window, cols)["revenue"]
    with np.errstate(over="ignore"):
        before = before * scale
    where = f"column '{cols.amount}'"
    refuse_overflow(before, where, before.index, "pre-period revenue scaled to the post period")
    after = activity_by_customer(tx, post_window, cols)["revenue"]
    both = pd.concat([before.rename("pre"), after.rename("post")], axis=1).fillna(0.0)
    if control is None:
        if treated is not None:
            raise fail("argument 'treated'", "a treated group without control", "control too")
        if both["pre"].sum() == 0:
            raise fail("argument 'pre'", "no revenue in the pre period", "a period with sales")
        # A ratio does not depend on the scale: revenue near 1e308 is divided by a power of 2.
        k = scale_exponent(float(both.to_numpy().max()))
        both = pd.DataFrame(np.ldexp(both.to_numpy(), -k), both.index, both.columns)
        growth = ratio(both["post"], both["pre"], confidence=level)
        note = "descriptive before/after change: no control group, so it is not a campaign effect"
        return replace(
            growth,
            value=growth.value - 1.0,
            ci_low=growth.ci_low - 1.0,
            ci_high=growth.ci_high - 1.0,
            method="descriptive",
            warnings=(note,),
        )
    control_ids = _ids(control, "control")
    if treated is None:  # everyone in the log, active in these periods or not, like control
        treated_ids = pd.Index(pd.unique(tx.ids)).difference(control_ids)
    else:
        treated_ids = _ids(treated, "treated")
    overlap = treated_ids.intersection(control_ids)
    if len(overlap):
        raise fail(
            "argument 'treated'",
            f"{len(overlap)} customers also in control (first customer: {overlap[0]})",
            "disjoint groups",
        )
    change = both["post"] - both["pre"]
    a = change.reindex(treated_ids, fill_value=0.0).to_numpy()
    b = change.reindex(control_ids, fill_value=0.0).to_numpy()
    if min(a.size, b.size) < 2:
        raise fail("argument 'control'", f"{a.size} treated, {b.size} control", "2+ in each")
    did = mean_difference(a, b, confidence=level)
    note = "assumes parallel trends (holds by design only for a randomised hold-out)"
    return replace(did, method="diff-in-diff (welch)", warnings=(*did.warnings, note))


@deprecated_alias(treatment="treated")
def cumulative_incremental_revenue(
    transactions: pd.DataFrame,
    *,
    treated: pd.Series[Any],
    start: DateLike,
    end: DateLike | None = None,
    columns: Columns | None = None,
) -> pd.DataFrame:
    """Cumulative revenue per customer in each arm, day by day, and the implied increment.

    Parameters
    ----------
    transactions : DataFrame
        The order log (names set by ``columns``). Orders of customers not in ``treated``
        are ignored.
    treated : Series
        Treatment indicator indexed by customer id: True/1 for treated, False/0 for control.
    start, end : date-like
        The campaign window (inclusive); ``end`` defaults to the last order.
    columns : Columns, optional
        Names of the customer id, date and amount columns.

    Other Parameters
    ----------------
    treatment : Series
        Deprecated since 0.2.0 (removed in 0.3.0); use ``treated`` (``treatment`` is always
        a column name in precimark).

    Returns
    -------
    DataFrame
        Indexed by day (``date``): ``treated`` and ``control`` (cumulative revenue per
        customer of the arm) and ``incremental`` (their difference times the number treated).

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import cumulative_incremental_revenue
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 3, 1], "amount": [10.0, 4.0, 6.0, 5.0],
    ...                    "date": ["2024-03-01", "2024-03-01", "2024-03-02", "2024-03-02"]})
    >>> arms = pd.Series([True, False, True, False], index=[1, 2, 3, 4])
    >>> cumulative_incremental_revenue(tx, treated=arms, start="2024-03-01")
                treated  control  incremental
    date
    2024-03-01      5.0      2.0          6.0
    2024-03-02     10.5      2.0         17.0
    """
    if not isinstance(treated, pd.Series):
        raise fail("argument 'treated'", f"a {type(treated).__name__}", "a pandas Series")
    frame = check_frame(treated.to_frame("treated"), "treated")
    check_unique_index(frame, "treated")
    assigned = pd.Series(_assignment(frame, "treated"), index=frame.index)
    n_t, n_c = int(assigned.sum()), int((~assigned).sum())
    if min(n_t, n_c) < 1:
        raise fail("argument 'treated'", f"{n_t} treated, {n_c} control", "both arms")
    cols = columns if columns is not None else Columns()
    tx = validate_transactions(transactions, cols)
    window = day_window(tx, start, end)
    arm = assigned.reindex(tx.ids)
    known = arm.notna().to_numpy()
    keep = known & (tx.days >= window.first) & (tx.days <= window.last)
    is_treated = arm.to_numpy(dtype=bool, na_value=False)[keep]
    day = tx.days[keep] - window.first
    amount = tx.amounts[keep]
    treated_mean = np.bincount(day[is_treated], amount[is_treated], window.days).cumsum() / n_t
    control = np.bincount(day[~is_treated], amount[~is_treated], window.days).cumsum() / n_c
    dates = pd.DatetimeIndex(np.arange(window.first, window.last + 1).astype("datetime64[D]"))
    return pd.DataFrame(
        {
            "treated": treated_mean,
            "control": control,
            "incremental": (treated_mean - control) * n_t,
        },
        index=dates.rename("date"),
    )
