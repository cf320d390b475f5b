"""Confidence intervals for proportions, means and their differences.

- one proportion: Wilson score interval (Wilson 1927), which keeps good coverage near 0 and 1
  where the Wald interval fails (Brown, Cai & DasGupta 2001);
- difference of two independent proportions: Newcombe's hybrid score interval (Newcombe 1998,
  method 10), built from the two Wilson intervals;
- mean: Student t interval; difference of two means: Welch's t interval (unequal variances);
- relative difference ``mean_a / mean_b - 1``: delta method on the log of the ratio of means
  (the interval is not symmetric: it is a ratio's), tested by the difference's p-value;
- ratio metric ``sum(y) / sum(x)`` over units (e.g. average order value): delta method, and
  :func:`ratio_difference` between two groups (Welch on the delta-method variances).

Differences take ``alternative="two-sided" | "greater" | "less"``: a one-sided test has a
one-sided interval (one infinite bound) and the method says which side (``"welch (greater)"``).

The ``*_from_*`` functions compute the same intervals from summary statistics (counts, means,
variances), so that :mod:`precimark.kpi.aggregates` gives exactly the raw-row results.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from precimark._validation import (
    check_choice,
    check_number,
    fail,
    fail_rows,
    finite_moments,
    refuse_overflow,
    scale_exponent,
)
from precimark.exceptions import DataValidationError
from precimark.kpi._checks import as_sample, check_count
from precimark.kpi.estimates import Estimate, check_confidence, z_value

__all__ = [
    "ALTERNATIVES",
    "Alternative",
    "mean",
    "mean_difference",
    "mean_from_moments",
    "proportion",
    "proportion_difference",
    "ratio",
    "ratio_difference",
    "relative_difference",
    "relative_difference_from_moments",
    "welch_from_moments",
]


Alternative = Literal["two-sided", "greater", "less"]
"""The alternative hypothesis of a difference: either direction, an increase, a decrease."""
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less")


def check_alternative(alternative: object) -> Alternative:
    """Validate an ``alternative`` argument."""
    check_choice(alternative, "alternative", ALTERNATIVES)
    return alternative  # type: ignore[return-value]


def _labelled(method: str, alternative: Alternative) -> str:
    return method if alternative == "two-sided" else f"{method} ({alternative})"


def _test(
    value: float, se: float, level: float, alternative: Alternative, df: float | None
) -> tuple[float, float, float]:
    """Interval bounds and p-value of ``value`` against 0, t (``df``) or normal (None)."""
    if df is None:
        ppf, sf, cdf = stats.norm.ppf, stats.norm.sf, stats.norm.cdf
    else:
        ppf, sf, cdf = (
            lambda q: stats.t.ppf(q, df),
            lambda x: stats.t.sf(x, df),
            lambda x: stats.t.cdf(x, df),
        )
    if alternative == "two-sided":
        half = float(ppf(0.5 + level / 2.0)) * se
        return value - half, value + half, float(2.0 * sf(abs(value) / se))
    half = float(ppf(level)) * se
    if alternative == "greater":
        return value - half, math.inf, float(sf(value / se))
    return -math.inf, value + half, float(cdf(value / se))


def _welch_df(sa: float, sb: float, n_a: float, n_b: float) -> float:
    top = max(sa, sb)  # the degrees of freedom do not depend on the scale: squares stay finite
    sa, sb = sa / top, sb / top
    return (sa + sb) ** 2 / (sa * sa / (n_a - 1) + sb * sb / (n_b - 1))


def _unscaled(
    estimate: Estimate, exponent: int, refuse: Callable[[], DataValidationError]
) -> Estimate:
    """Multiply an estimate computed on values divided by ``2**exponent`` back (exact).

    A value or finite bound that leaves the float64 range is refused with ``refuse()``, never
    returned as an infinity.
    """
    if exponent == 0:
        return estimate
    parts = (estimate.value, estimate.ci_low, estimate.ci_high)
    with np.errstate(over="ignore"):
        value, low, high = (float(np.ldexp(part, exponent)) for part in parts)
    overflowed = [
        math.isinf(new) > math.isinf(old)
        for new, old in zip((value, low, high), parts, strict=True)
    ]
    if any(overflowed):
        raise refuse()
    return replace(estimate, value=value, ci_low=low, ci_high=high)


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    # At 0 or n successes the bound is exactly 0 or 1 (the formula leaves rounding error).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _counts(successes: object, n: object, names: tuple[str, str]) -> tuple[int, int]:
    total = check_count(n, names[1], minimum=1)
    hits = check_count(successes, names[0])
    if hits > total:
        raise fail(f"argument '{names[0]}'", f"{hits} > {names[1]} ({total})", "successes <= n")
    return hits, total


def proportion(successes: int, n: int, *, confidence: float = 0.95) -> Estimate:
    """Estimate a proportion with the Wilson score interval.

    Parameters
    ----------
    successes : int
        Number of units with the outcome (e.g. converted customers).
    n : int
        Number of units (>= 1).
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        ``successes / n`` with method ``"wilson"``; matches
        ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    Examples
    --------
    >>> from precimark.kpi import proportion
    >>> proportion(45, 300)
    Estimate(0.15, 95% CI [0.114032, 0.194818], method='wilson', n=300)
    """
    level = check_confidence(confidence)
    hits, total = _counts(successes, n, ("successes", "n"))
    low, high = _wilson(hits, total, z_value(level))
    return Estimate(hits / total, low, high, level, "wilson", total)


def proportion_difference(
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    *,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> Estimate:
    """Estimate ``p_a - p_b`` for two independent groups with Newcombe's hybrid score interval.

    Parameters
    ----------
    successes_a, n_a : int
        Successes and units in group a (e.g. treated).
    successes_b, n_b : int
        Successes and units in group b (e.g. control).
    confidence : float, default 0.95
        Confidence level.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis: ``p_a != p_b``, ``p_a > p_b`` or ``p_a < p_b``. A
        one-sided test gives a one-sided interval (from the Wilson bounds at level
        ``2 * confidence - 1``) and a one-sided p-value.

    Returns
    -------
    Estimate
        Method ``"newcombe"``; the interval matches statsmodels'
        ``confint_proportions_2indep(method="newcomb")``. ``n`` is ``n_a + n_b``; ``p_value``
        is the two-sided pooled z-test of ``p_a == p_b``.

    Examples
    --------
    >>> from precimark.kpi import proportion_difference
    >>> proportion_difference(60, 500, 40, 500)
    Estimate(0.04, 95% CI [0.00269855, 0.0776266], method='newcombe', n=1000, p=0.035)
    """
    level = check_confidence(confidence)
    side = check_alternative(alternative)
    hits_a, total_a = _counts(successes_a, n_a, ("successes_a", "n_a"))
    hits_b, total_b = _counts(successes_b, n_b, ("successes_b", "n_b"))
    z = z_value(level if side == "two-sided" else 2.0 * level - 1.0)
    p_a, p_b = hits_a / total_a, hits_b / total_b
    low_a, high_a = _wilson(hits_a, total_a, z)
    low_b, high_b = _wilson(hits_b, total_b, z)
    diff = p_a - p_b
    low = diff - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = diff + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    pooled = (hits_a + hits_b) / (total_a + total_b)
    se0 = math.sqrt(pooled * (1.0 - pooled) * (1.0 / total_a + 1.0 / total_b))
    if se0 == 0.0:
        p_value = 1.0
    else:
        _, _, p_value = _test(diff, se0, level, side, None)
    low, high = (low, math.inf) if side == "greater" else (low, high)
    low, high = (-math.inf, high) if side == "less" else (low, high)
    method = _labelled("newcombe", side)
    return Estimate(diff, low, high, level, method, total_a + total_b, p_value)


def mean_from_moments(n: int, mean_: float, variance: float, *, confidence: float) -> Estimate:
    """Student t interval for a mean from its count, mean and sample variance (ddof=1)."""
    level = check_confidence(confidence)
    if n < 2:
        return Estimate(mean_, -math.inf, math.inf, level, "t", n, warnings=("n < 2",))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * math.sqrt(variance / n)
    return Estimate(mean_, mean_ - half, mean_ + half, level, "t", n)


def mean(values: object, *, confidence: float = 0.95) -> Estimate:
    """Estimate a mean with the Student t interval.

    Parameters
    ----------
    values : Series, array or list of numbers
        One value per unit (e.g. revenue per customer). Missing values are an error.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        Method ``"t"``; matches ``scipy.stats.ttest_1samp(values, 0).confidence_interval()``.

    Raises
    ------
    DataValidationError
        For missing or infinite values, or values so large that their variance does not fit
        in float64 (the mean and variance are computed rescaled, so values near 1e308 with a
        representable variance work; a variance beyond about 1.8e308 is refused naming the
        largest value's id rather than returned as an infinite interval).

    Examples
    --------
    >>> from precimark.kpi import mean
    >>> mean([4, 5, 3, 5, 4])
    Estimate(4.2, 95% CI [3.16115, 5.23885], method='t', n=5)
    """
    n, mean_, variance = _moments(values, "values")
    return mean_from_moments(n, mean_, variance, confidence=confidence)


def _checked_moments(
    n_a: object, mean_a: object, var_a: object, n_b: object, mean_b: object, var_b: object
) -> tuple[int, float, float, int, float, float]:
    """Check two groups' counts (whole, >= 1), means (finite) and variances (>= 0)."""
    return (
        int(check_number(n_a, "n_a", low=1, integer=True)),
        check_number(mean_a, "mean_a"),
        check_number(var_a, "var_a", low=0.0),
        int(check_number(n_b, "n_b", low=1, integer=True)),
        check_number(mean_b, "mean_b"),
        check_number(var_b, "var_b", low=0.0),
    )


def welch_from_moments(
    n_a: int,
    mean_a: float,
    var_a: float,
    n_b: int,
    mean_b: float,
    var_b: float,
    *,
    confidence: float,
    alternative: Alternative = "two-sided",
    method: str = "welch",
) -> Estimate:
    """Welch interval for ``mean_a - mean_b`` from counts, means and variances (ddof=1)."""
    level = check_confidence(confidence)
    side = check_alternative(alternative)
    n_a, mean_a, var_a, n_b, mean_b, var_b = _checked_moments(
        n_a, mean_a, var_a, n_b, mean_b, var_b
    )
    return _welch(
        n_a,
        mean_a,
        math.sqrt(var_a / n_a),
        n_b,
        mean_b,
        math.sqrt(var_b / n_b),
        level,
        side,
        _labelled(method, side),
        lambda: fail(
            "arguments 'mean_a' and 'mean_b'",
            f"means {mean_a!r} and {mean_b!r}, whose difference or interval is beyond the "
            "float64 range",
            "means whose difference fits in float64",
            "Express the values in a larger unit (e.g. thousands).",
        ),
    )


def _welch(
    n_a: int,
    mean_a: float,
    se_a: float,
    n_b: int,
    mean_b: float,
    se_b: float,
    level: float,
    side: Alternative,
    label: str,
    refuse: Callable[[], DataValidationError],
) -> Estimate:
    """Welch interval from finite means and standard errors of the means (any magnitude).

    Each sample's standard error is its own, so a small sample beside a huge one keeps its
    spread; the difference and the bounds are computed on values divided by one power of
    two (exact) and multiplied back, refused with ``refuse()`` if beyond float64.
    """
    top = max(se_a, se_b)
    k = scale_exponent(max(abs(mean_a), abs(mean_b), top))
    diff = math.ldexp(mean_a, -k) - math.ldexp(mean_b, -k)
    se = math.hypot(math.ldexp(se_a, -k), math.ldexp(se_b, -k))
    if top == 0.0:
        p_value = 1.0 if diff == 0 else 0.0
        warning = ("both groups have zero variance",)
        return _unscaled(
            Estimate(diff, diff, diff, level, label, n_a + n_b, p_value, warning), k, refuse
        )
    df = _welch_df((se_a / top) ** 2, (se_b / top) ** 2, n_a, n_b)
    low, high, p_value = _test(diff, se, level, side, df)
    return _unscaled(Estimate(diff, low, high, level, label, n_a + n_b, p_value), k, refuse)


def _sample(values: object, name: str) -> tuple[int, float, float, npt.NDArray[Any], float]:
    """Count, mean, standard error of the mean, ids and largest magnitude of a sample.

    The moments are computed on the values divided by a power of two (exact), so values near
    1e308 have a standard error whatever their spread.
    """
    x = as_sample(values, name, min_size=2)
    ids = np.asarray(values.index if isinstance(values, pd.Series) else np.arange(x.size))
    top = float(np.max(np.abs(x)))
    k = scale_exponent(top)
    mean, var = finite_moments(np.ldexp(x, -k), f"argument '{name}'", ids)
    return x.size, math.ldexp(mean, k), math.ldexp(math.sqrt(var / x.size), k), ids, top


def _moments(values: object, name: str) -> tuple[int, float, float]:
    """Count, mean and variance of a sample; values too large for a variance are refused."""
    x = as_sample(values, name, min_size=2)
    ids = values.index if isinstance(values, pd.Series) else np.arange(x.size)
    return (x.size, *finite_moments(x, f"argument '{name}'", ids))


_Moments = tuple[int, float, float]


def mean_difference(
    a: object, b: object, *, confidence: float = 0.95, alternative: Alternative = "two-sided"
) -> Estimate:
    """Estimate ``mean(a) - mean(b)`` for two independent samples with Welch's t interval.

    Parameters
    ----------
    a, b : Series, array or list of numbers
        One value per unit in each group (at least 2 each).
    confidence : float, default 0.95
        Confidence level.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis (``mean_a > mean_b`` for "greater"); one-sided tests give
        a one-sided interval.

    Returns
    -------
    Estimate
        Method ``"welch"``; matches
        ``scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval()`` and its p-value.

    Raises
    ------
    DataValidationError
        For missing or infinite values, or a difference of means beyond float64 (naming the
        largest value's id). Values near 1e308 are divided by one power of two before the
        moments are taken (exact), so their interval is finite and right whatever their spread.

    Examples
    --------
    >>> from precimark.kpi import mean_difference
    >>> mean_difference([12.0, 15.0, 9.0, 14.0], [10.0, 8.0, 11.0, 9.0])
    Estimate(3, 95% CI [-0.959719, 6.95972], method='welch', n=8, p=0.106)
    """
    level, side = check_confidence(confidence), check_alternative(alternative)
    return _welch_of_samples(a, b, level, side)[0]


_Summary = tuple[int, float, float]  # count, mean, standard error of the mean


def _welch_of_samples(
    a: object, b: object, level: float, side: Alternative
) -> tuple[Estimate, _Summary, _Summary]:
    """Welch's interval of two samples, and each sample's count, mean and standard error."""
    n_a, mean_a, se_a, ids_a, top_a = _sample(a, "a")
    n_b, mean_b, se_b, ids_b, top_b = _sample(b, "b")
    x, ids, name = (a, ids_a, "a") if top_a >= top_b else (b, ids_b, "b")
    top = max(top_a, top_b)

    def refuse() -> DataValidationError:
        return fail_rows(
            f"argument '{name}'",
            np.abs(as_sample(x, name, min_size=2)) == top,
            ids,
            "value too large for the difference of the means to fit in float64",
            "values whose difference of means fits in float64",
            "Express the values in a larger unit (e.g. thousands).",
            plural="values too large for the difference of the means to fit in float64",
        )

    welch = _welch(
        n_a, mean_a, se_a, n_b, mean_b, se_b, level, side, _labelled("welch", side), refuse
    )
    return welch, (n_a, mean_a, se_a), (n_b, mean_b, se_b)


def relative_difference_from_moments(
    n_a: int,
    mean_a: float,
    var_a: float,
    n_b: int,
    mean_b: float,
    var_b: float,
    *,
    confidence: float,
    alternative: Alternative = "two-sided",
    p_value: float | None = None,
) -> Estimate:
    """Log-scale delta-method interval for ``mean_a / mean_b - 1`` from counts, means, variances.

    ``p_value`` is the test of "no difference" to report (default: Welch's on the same
    moments): the lift and the difference test one hypothesis and carry one p-value.
    """
    level = check_confidence(confidence)
    side = check_alternative(alternative)
    n_a, mean_a, var_a, n_b, mean_b, var_b = _checked_moments(
        n_a, mean_a, var_a, n_b, mean_b, var_b
    )
    if p_value is None:
        p_value = welch_from_moments(
            n_a, mean_a, var_a, n_b, mean_b, var_b, confidence=level, alternative=side
        ).p_value
    se_a, se_b = math.sqrt(var_a / n_a), math.sqrt(var_b / n_b)
    return _relative(n_a, mean_a, se_a, n_b, mean_b, se_b, level, side, p_value)


def _relative(
    n_a: int,
    mean_a: float,
    se_a: float,
    n_b: int,
    mean_b: float,
    se_b: float,
    level: float,
    side: Alternative,
    p_value: float | None,
) -> Estimate:
    """Log-scale delta-method interval from means and standard errors of the means.

    Only the ratio of the means and the standard errors relative to the means enter, so two
    samples of very different magnitudes keep their own spread.
    """
    method = _labelled("delta-log", side)
    n = n_a + n_b
    if mean_b <= 0.0:
        warning = ("baseline mean is not positive: relative lift undefined",)
        value = math.inf if mean_a > 0 else 0.0
        return Estimate(value, -math.inf, math.inf, level, method, n, None, warning)
    lift = mean_a / mean_b - 1.0
    if not math.isfinite(lift):
        raise fail(
            "arguments 'a' and 'b'",
            f"means whose ratio is beyond float64 ({mean_a:.3g} / {mean_b:.3g})",
            "means whose ratio fits in float64",
            "Express both samples in the same unit.",
        )
    if mean_a <= 0.0:
        warning = ("no outcome in group a: the relative lift's interval is unbounded above",)
        return Estimate(lift, -1.0, math.inf, level, method, n, p_value, warning)
    rel_a, rel_b = se_a / mean_a, se_b / mean_b  # no mean**2 to overflow
    sa, sb = rel_a * rel_a, rel_b * rel_b
    if not math.isfinite(sa + sb):
        raise fail(
            "arguments 'var_a' and 'var_b'",
            f"standard errors {rel_a:.3g} and {rel_b:.3g} times the means",
            "standard errors whose squares, relative to the means, fit in float64",
        )
    se = math.sqrt(sa + sb)
    if se == 0.0:
        return Estimate(lift, lift, lift, level, method, n, p_value)
    low, high, _ = _test(0.0, se, level, side, _welch_df(sa, sb, n_a, n_b))
    ratio_ = lift + 1.0
    return Estimate(
        lift, ratio_ * math.exp(low) - 1.0, ratio_ * math.exp(high) - 1.0, level, method, n, p_value
    )


def relative_difference(
    a: object, b: object, *, confidence: float = 0.95, alternative: Alternative = "two-sided"
) -> Estimate:
    """Estimate the relative lift ``mean(a) / mean(b) - 1`` with a log-scale delta-method interval.

    The two samples are independent (e.g. treated and control customers). The interval is
    computed for ``log(mean_a / mean_b)``, with ``se² = var_a / (n_a m_a²) + var_b / (n_b m_b²)``
    and Welch's degrees of freedom on those terms, then mapped back: it is not symmetric
    around the lift, as a ratio's uncertainty is not (the symmetric interval on the ratio
    scale misses low more often than high). The p-value is Welch's test of
    ``mean_a == mean_b``, the same hypothesis as :func:`mean_difference`. This equals
    tea-tasting's relative effect interval.

    Parameters
    ----------
    a, b : Series, array or list of numbers
        One value per unit; 0/1 values give the relative lift of a conversion rate.
    confidence : float, default 0.95
        Confidence level.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis; one-sided tests give a one-sided interval.

    Returns
    -------
    Estimate
        Method ``"delta-log"``.

    Raises
    ------
    DataValidationError
        For missing or infinite values, means whose ratio is beyond float64, or samples whose
        difference of means (for Welch's p-value) is beyond float64. Each sample's moments
        are computed on its own scale, so a sample of small values beside one near 1e308
        keeps its spread.

    Examples
    --------
    >>> from precimark.kpi import relative_difference
    >>> relative_difference([1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 0, 1]).value
    0.333...
    """
    level, side = check_confidence(confidence), check_alternative(alternative)
    welch, sample_a, sample_b = _welch_of_samples(a, b, level, side)  # each on its own scale
    return _relative(*sample_a, *sample_b, level, side, welch.p_value)


def ratio_moments(
    numerators: object, denominators: object, names: tuple[str, str]
) -> tuple[int, float, float]:
    """Units, ratio ``sum(y) / sum(x)`` and the delta-method variance per unit of the ratio."""
    y = as_sample(numerators, names[0], min_size=2)
    x = as_sample(denominators, names[1], min_size=2)
    if y.size != x.size:
        raise fail(
            f"argument '{names[1]}'",
            f"{x.size} values for {y.size} numerators",
            "one denominator per numerator",
        )
    ids = numerators.index if isinstance(numerators, pd.Series) else np.arange(y.size)
    x_bar = finite_moments(x, f"argument '{names[1]}'", ids)[0]
    if x_bar <= 0.0:
        raise fail(f"argument '{names[1]}'", "a mean <= 0", "positive denominators on average")
    value = finite_moments(y, f"argument '{names[0]}'", ids)[0] / x_bar
    with np.errstate(over="ignore"):
        residual: npt.NDArray[np.float64] = (y - value * x) / x_bar
    refuse_overflow(residual, f"argument '{names[0]}'", ids, "residual")
    return y.size, value, finite_moments(residual, f"argument '{names[0]}'", ids)[1]


def ratio(numerators: object, denominators: object, *, confidence: float = 0.95) -> Estimate:
    """Estimate a ratio metric ``sum(numerators) / sum(denominators)`` with a delta-method interval.

    Ratio metrics (average order value = revenue / orders, revenue per visit, ...) are
    averaged over orders but *sampled* by customer: one customer's orders are not independent.
    The delta method treats customer ``i``'s pair ``(y_i, x_i)`` as the unit: with
    ``R = ȳ / x̄``, ``se² = (s_y² - 2 R s_xy + R² s_x²) / (n x̄²)`` (Deng et al. 2018,
    "Applying the delta method in metric analytics").

    Parameters
    ----------
    numerators, denominators : Series, array or list of numbers
        One pair per unit (same length), e.g. revenue and number of orders per customer.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        Method ``"delta"``; ``n`` is the number of units.

    Examples
    --------
    >>> from precimark.kpi import ratio
    >>> ratio([30.0, 100.0, 20.0], [1, 3, 1]).value
    30.0
    """
    level = check_confidence(confidence)
    n, value, variance = ratio_moments(numerators, denominators, ("numerators", "denominators"))
    half = z_value(level) * math.sqrt(variance / n)
    return Estimate(value, value - half, value + half, level, "delta", n)


def ratio_difference(
    numerator_treated: object,
    denominator_treated: object,
    numerator_control: object,
    denominator_control: object,
    *,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> Estimate:
    """Estimate the difference of a ratio metric between two groups by the delta method.

    A ratio metric (average order value = revenue / orders, revenue per visit, ...) is
    ``R = sum(y) / sum(x)`` in each group, with the *customer* as the randomised unit. The
    variance of each group's ratio is the delta method's,
    ``var(y_i - R x_i) / (n x̄²)`` (Deng et al. 2018), and the two ratios are compared with
    Welch's t on those variances, as tea-tasting's ``Mean(numer, denom)`` does (equal to it in
    the tests). Comparing per-order values with a plain t-test would treat one customer's
    correlated orders as independent and give too narrow an interval.

    Parameters
    ----------
    numerator_treated, denominator_treated : Series, array or list of numbers
        One pair per treated customer (same length), e.g. revenue and orders.
    numerator_control, denominator_control : Series, array or list of numbers
        One pair per control customer.
    confidence : float, default 0.95
        Confidence level.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis; one-sided tests give a one-sided interval.

    Returns
    -------
    Estimate
        ``R_treated - R_control``, method ``"delta-welch"``; ``n`` counts customers.

    Examples
    --------
    >>> from precimark.kpi import ratio_difference
    >>> est = ratio_difference([60.0, 20.0, 90.0, 0.0], [2, 1, 3, 1], [30.0, 50.0, 10.0], [1, 2, 1])
    >>> round(est.value, 2), est.method
    (1.79, 'delta-welch')
    """
    treated = ratio_moments(
        numerator_treated, denominator_treated, ("numerator_treated", "denominator_treated")
    )
    control = ratio_moments(
        numerator_control, denominator_control, ("numerator_control", "denominator_control")
    )
    return welch_from_moments(
        *treated, *control, confidence=confidence, alternative=alternative, method="delta-welch"
    )
