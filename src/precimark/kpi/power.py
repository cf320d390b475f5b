"""Plan a randomised test: sample size, power and minimum detectable effect.

Three views of one equation linking the effect, the number of customers, the significance
level ``alpha`` and the power (the chance of detecting an effect of that size):

- :func:`sample_size`: customers needed to detect ``effect`` with ``power``;
- :func:`power`: chance of detecting ``effect`` with ``n`` customers;
- :func:`minimum_detectable_effect`: smallest effect detected with ``power`` and ``n``.

Customers are split between the arms as ``n_treated = ratio * n_control``.

- ``metric="mean"`` (revenue per customer, orders, ...): Welch's t-test with the same standard
  deviation ``std`` in both arms; power from the non-central t distribution with Welch's degrees
  of freedom, as tea-tasting computes it (and statsmodels' ``TTestIndPower`` for equal arms).
- ``metric="proportion"`` (conversion): the two-proportion z-test, with the pooled rate's
  variance under the null and each arm's own under the alternative, as statsmodels'
  ``power_proportions_2indep``.

With CUPED (:func:`precimark.kpi.campaign_effect` with ``pre_metric_column``), the outcome's
variance shrinks by the factor ``1 - correlation²``, where ``correlation`` is the correlation
between the outcome and its pre-period value (Deng et al. 2013): pass it to plan with CUPED.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any, Literal

import pandas as pd
from scipy import optimize, stats

from precimark._display import html_block
from precimark._validation import check_choice, check_number, check_probability, fail
from precimark.kpi._checks import check_positive

__all__ = ["PowerAnalysis", "minimum_detectable_effect", "power", "sample_size"]

Metric = Literal["proportion", "mean"]
Alternative = Literal["two-sided", "greater", "less"]
_ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class PowerAnalysis:
    """The design of a two-arm test: effect, customers, significance level and power.

    Attributes
    ----------
    metric : {"proportion", "mean"}
        The outcome's kind.
    baseline : float
        Control conversion rate or control mean.
    std : float or None
        Standard deviation of the outcome per customer (``metric="mean"``); None for a
        proportion.
    effect : float
        Absolute effect, treated minus control (in the metric's unit).
    relative_effect : float
        ``effect / baseline``.
    n : int or float
        Customers in the test, both arms.
    n_treated, n_control : float
        Customers per arm (whole numbers from :func:`sample_size`, each arm rounded up).
    ratio : float
        ``n_treated / n_control``.
    alpha : float
        Significance level (type I error rate) of the test.
    power : float
        Chance that the test detects ``effect`` (for :func:`sample_size`: the power achieved
        with the rounded-up arms, at least the requested one).
    alternative : {"two-sided", "greater", "less"}
        The alternative hypothesis.
    correlation : float
        Correlation with the pre-period covariate used by CUPED (0: no CUPED).
    """

    metric: Metric
    baseline: float
    std: float | None
    effect: float
    relative_effect: float
    n: float
    n_treated: float
    n_control: float
    ratio: float
    alpha: float
    power: float
    alternative: Alternative
    correlation: float

    def to_dict(self) -> dict[str, Any]:
        """Return the design as a strict-JSON-safe dict.

        Examples
        --------
        >>> from precimark.kpi import sample_size
        >>> sample_size(metric="proportion", baseline=0.1, relative_effect=0.1).to_dict()["n"]
        29502
        """
        return asdict(self)

    def _repr_html_(self) -> str:
        design = pd.DataFrame({"value": list(self.to_dict().values())}, index=list(self.to_dict()))
        return html_block(f"Power analysis ({self.metric})", design.rename_axis("design"))


@dataclass(frozen=True)
class _Design:
    metric: Metric
    baseline: float
    std: float | None
    ratio: float
    alpha: float
    alternative: Alternative
    correlation: float

    def power(self, n: float, effect: float) -> float:
        """Power with ``n`` customers in total against ``effect``."""
        n_c = n / (1.0 + self.ratio)
        n_t = n - n_c
        shrink = 1.0 - self.correlation**2
        if self.metric == "mean":
            assert self.std is not None
            var_t, var_c = shrink * self.std**2 / n_t, shrink * self.std**2 / n_c
            se = math.sqrt(var_t + var_c)
            df = (var_t + var_c) ** 2 / (var_t**2 / (n_t - 1.0) + var_c**2 / (n_c - 1.0))
            return self._tails(
                lambda c: float(stats.nct.sf(c, df, effect / se)),
                lambda c: float(stats.nct.sf(c, df, -effect / se)),  # cdf(-c) is NaN at large df
                float(stats.t.isf(self._tail_alpha, df)),
            )
        p_c, p_t = self.baseline, self.baseline + effect
        pooled = (n_t * p_t + n_c * p_c) / n
        se0 = math.sqrt(shrink * pooled * (1.0 - pooled) * (1.0 / n_t + 1.0 / n_c))
        se1 = math.sqrt(shrink * (p_t * (1.0 - p_t) / n_t + p_c * (1.0 - p_c) / n_c))
        normal = NormalDist()  # scipy's norm, without its per-call overhead inside brentq
        return self._tails(
            lambda c: 1.0 - normal.cdf((c * se0 - effect) / se1),
            lambda c: 1.0 - normal.cdf((c * se0 + effect) / se1),
            normal.inv_cdf(1.0 - self._tail_alpha),
        )

    @property
    def _tail_alpha(self) -> float:
        return self.alpha / 2.0 if self.alternative == "two-sided" else self.alpha

    def _tails(self, upper: Any, lower: Any, critical: float) -> float:
        if self.alternative == "greater":
            result: float = upper(critical)
        elif self.alternative == "less":
            result = lower(critical)
        else:
            result = upper(critical) + lower(critical)
        return result

    def result(self, n: float, n_treated: float, n_control: float, effect: float) -> PowerAnalysis:
        return PowerAnalysis(
            metric=self.metric,
            baseline=self.baseline,
            std=self.std,
            effect=float(effect),
            relative_effect=float(effect / self.baseline),
            n=n,
            n_treated=float(n_treated),
            n_control=float(n_control),
            ratio=self.ratio,
            alpha=self.alpha,
            power=self.power(n, effect),
            alternative=self.alternative,
            correlation=self.correlation,
        )


def _design(
    metric: object,
    baseline: object,
    std: object,
    alpha: object,
    ratio: object,
    correlation: object,
    alternative: object,
) -> _Design:
    check_choice(metric, "metric", ("proportion", "mean"))
    check_choice(alternative, "alternative", _ALTERNATIVES)
    if metric == "proportion":
        base = check_probability(baseline, "baseline", inclusive="neither")
        if std is not None:
            raise fail(
                "argument 'std'",
                "a standard deviation for a proportion",
                "std=None (a rate's variance is baseline * (1 - baseline))",
            )
        sd = None
    else:
        base = check_number(baseline, "baseline")
        if base == 0.0:
            raise fail(
                "argument 'baseline'", "0", "the control mean, non-zero (effects relate to it)"
            )
        if std is None:
            raise fail("argument 'std'", "None", "the outcome's standard deviation per customer")
        sd = check_positive(std, "std")
    return _Design(
        metric=metric,  # type: ignore[arg-type]
        baseline=base,
        std=sd,
        ratio=check_positive(ratio, "ratio"),
        alpha=check_probability(alpha, "alpha", inclusive="neither"),
        alternative=alternative,  # type: ignore[arg-type]
        correlation=check_number(
            correlation, "correlation", low=-1.0, high=1.0, inclusive="neither"
        ),
    )


def _effect(design: _Design, effect: object, relative_effect: object) -> float:
    if (effect is None) == (relative_effect is None):
        raise fail(
            "arguments 'effect' and 'relative_effect'",
            "both given" if effect is not None else "neither given",
            "exactly one of them",
        )
    if effect is not None:
        value = check_number(effect, "effect")
    else:
        value = check_number(relative_effect, "relative_effect") * design.baseline
    if value == 0.0:
        raise fail("argument 'effect'", "an effect of 0", "a non-zero effect to detect")
    if (design.alternative == "greater" and value < 0) or (
        design.alternative == "less" and value > 0
    ):
        raise fail(
            "argument 'effect'",
            f"an effect of {value:g} against alternative={design.alternative!r}",
            "an effect in the direction of the alternative",
        )
    if design.metric == "proportion" and not 0.0 < design.baseline + value < 1.0:
        raise fail(
            "argument 'effect'",
            f"a treated rate of {design.baseline + value:g}",
            "baseline + effect strictly between 0 and 1",
        )
    return value


def _check_n(n: object, ratio: float) -> float:
    total = check_number(n, "n", low=0.0, inclusive="neither")
    smaller = min(total / (1.0 + ratio), total * ratio / (1.0 + ratio))
    if smaller < 2.0:
        raise fail("argument 'n'", f"{total:g} customers", "at least 2 customers in each arm")
    return total


def sample_size(
    *,
    metric: Metric,
    baseline: float,
    effect: float | None = None,
    relative_effect: float | None = None,
    std: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    correlation: float = 0.0,
    alternative: Alternative = "two-sided",
) -> PowerAnalysis:
    """Compute the customers needed to detect an effect with a given power.

    Parameters
    ----------
    metric : {"proportion", "mean"}
        A conversion rate (z-test) or a mean outcome such as revenue per customer (Welch).
    baseline : float
        Control conversion rate (in (0, 1)) or control mean.
    effect : float, optional
        Absolute effect to detect, treated minus control (0.01 = one percentage point of
        conversion, or 2.5 currency units of revenue per customer).
    relative_effect : float, optional
        Effect relative to the baseline (0.1 = +10%). Give ``effect`` or this, not both.
    std : float, optional
        Standard deviation of the outcome per customer; required for ``metric="mean"``.
    alpha : float, default 0.05
        Significance level of the test (type I error rate).
    power : float, default 0.8
        Required chance of detecting the effect.
    ratio : float, default 1.0
        ``n_treated / n_control`` (2.0: two treated customers for each control customer).
    correlation : float, default 0.0
        Correlation between the outcome and the pre-period covariate, when the analysis uses
        CUPED: the variance shrinks by ``1 - correlation²``.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis: a change in either direction, an increase, a decrease.

    Returns
    -------
    PowerAnalysis
        ``n_control`` and ``n_treated`` rounded up to whole customers, ``n`` their sum, and
        the power achieved.

    Examples
    --------
    >>> from precimark.kpi import sample_size
    >>> design = sample_size(metric="mean", baseline=50.0, std=100.0, relative_effect=0.1)
    >>> design.n, design.n_treated
    (12562, 6281.0)
    >>> sample_size(metric="mean", baseline=50.0, std=100.0, relative_effect=0.1,
    ...             correlation=0.5).n
    9422
    """
    design = _design(metric, baseline, std, alpha, ratio, correlation, alternative)
    target = check_probability(power, "power", inclusive="neither")
    delta = _effect(design, effect, relative_effect)
    if target <= design._tail_alpha:
        raise fail("argument 'power'", f"{target:g}", f"a power above alpha ({design.alpha:g})")
    low = 2.0 * (1.0 + max(design.ratio, 1.0 / design.ratio)) + 1.0
    high = low
    while design.power(high, delta) < target:
        high *= 4.0
        if high > 1e13:
            raise fail(
                "argument 'effect'", f"{delta:g}", "an effect detectable with < 1e13 customers"
            )
    total = float(optimize.brentq(lambda x: design.power(x, delta) - target, low, high, xtol=1e-9))
    n_c = math.ceil(total / (1.0 + design.ratio) - 1e-9)
    n_t = math.ceil(total * design.ratio / (1.0 + design.ratio) - 1e-9)
    return design.result(n_c + n_t, n_t, n_c, delta)


def power(
    *,
    metric: Metric,
    baseline: float,
    n: float,
    effect: float | None = None,
    relative_effect: float | None = None,
    std: float | None = None,
    alpha: float = 0.05,
    ratio: float = 1.0,
    correlation: float = 0.0,
    alternative: Alternative = "two-sided",
) -> PowerAnalysis:
    """Compute the chance that a test with ``n`` customers detects an effect.

    Parameters
    ----------
    metric : {"proportion", "mean"}
        A conversion rate (z-test) or a mean outcome (Welch).
    baseline : float
        Control conversion rate or control mean.
    n : float
        Customers in the test, both arms (split by ``ratio``).
    effect, relative_effect : float, optional
        The effect, absolute or relative to the baseline (exactly one).
    std : float, optional
        Standard deviation of the outcome per customer; required for ``metric="mean"``.
    alpha : float, default 0.05
        Significance level of the test (type I error rate).
    ratio : float, default 1.0
        ``n_treated / n_control``.
    correlation : float, default 0.0
        Correlation with the pre-period covariate (CUPED).
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis.

    Returns
    -------
    PowerAnalysis
        With ``power`` the chance of a significant result when the effect is real.

    Examples
    --------
    >>> from precimark.kpi import power
    >>> round(power(metric="proportion", baseline=0.1, relative_effect=0.1, n=20_000).power, 3)
    0.636
    """
    design = _design(metric, baseline, std, alpha, ratio, correlation, alternative)
    delta = _effect(design, effect, relative_effect)
    total = _check_n(n, design.ratio)
    n_c = total / (1.0 + design.ratio)
    return design.result(total, total - n_c, n_c, delta)


def minimum_detectable_effect(
    *,
    metric: Metric,
    baseline: float,
    n: float,
    std: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    correlation: float = 0.0,
    alternative: Alternative = "two-sided",
) -> PowerAnalysis:
    """Compute the smallest effect that a test with ``n`` customers detects with a given power.

    Parameters
    ----------
    metric : {"proportion", "mean"}
        A conversion rate (z-test) or a mean outcome (Welch).
    baseline : float
        Control conversion rate or control mean.
    n : float
        Customers in the test, both arms (split by ``ratio``).
    std : float, optional
        Standard deviation of the outcome per customer; required for ``metric="mean"``.
    alpha : float, default 0.05
        Significance level of the test (type I error rate).
    power : float, default 0.8
        Required chance of detecting the effect.
    ratio : float, default 1.0
        ``n_treated / n_control``.
    correlation : float, default 0.0
        Correlation with the pre-period covariate (CUPED).
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis; "two-sided" and "greater" give a positive effect,
        "less" a negative one.

    Returns
    -------
    PowerAnalysis
        ``effect`` and ``relative_effect`` are the minimum detectable effect.

    Examples
    --------
    >>> from precimark.kpi import minimum_detectable_effect
    >>> mde = minimum_detectable_effect(metric="proportion", baseline=0.1, n=20_000)
    >>> round(mde.effect, 4), round(mde.relative_effect, 3)
    (0.0122, 0.122)
    """
    design = _design(metric, baseline, std, alpha, ratio, correlation, alternative)
    target = check_probability(power, "power", inclusive="neither")
    if target <= design._tail_alpha:
        raise fail("argument 'power'", f"{target:g}", f"a power above alpha ({design.alpha:g})")
    total = _check_n(n, design.ratio)
    sign = -1.0 if design.alternative == "less" else 1.0
    if design.metric == "proportion":
        bound = (design.baseline if sign < 0 else 1.0 - design.baseline) * (1.0 - 1e-12)
    else:
        assert design.std is not None
        bound = design.std
        while design.power(total, sign * bound) < target:
            bound *= 4.0
    if design.power(total, sign * bound) < target:
        raise fail("argument 'n'", f"{total:g} customers", "enough customers to reach the power")
    size = float(
        optimize.brentq(
            lambda x: design.power(total, sign * x) - target, bound * 1e-12, bound, xtol=1e-14
        )
    )
    n_c = total / (1.0 + design.ratio)
    return design.result(total, total - n_c, n_c, sign * size)
