"""Confidence intervals for proportions, means and their differences.

- one proportion: Wilson score interval (Wilson 1927), which keeps good coverage near 0 and 1
  where the Wald interval fails (Brown, Cai & DasGupta 2001);
- difference of two independent proportions: Newcombe's hybrid score interval (Newcombe 1998,
  method 10), built from the two Wilson intervals;
- mean: Student t interval; difference of two means: Welch's t interval (unequal variances);
- relative difference ``mean_a / mean_b - 1``: delta method on the ratio of means;
- ratio metric ``sum(y) / sum(x)`` over units (e.g. average order value): delta method.

The ``*_from_*`` functions compute the same intervals from summary statistics (counts, means,
variances), so that :mod:`precimark.kpi.aggregates` gives exactly the raw-row results.
"""

from __future__ import annotations

import math

from scipy import stats

from precimark._validation import fail
from precimark.kpi._checks import as_sample, check_count
from precimark.kpi.estimates import Estimate, check_confidence, z_value

__all__ = [
    "mean",
    "mean_difference",
    "mean_from_moments",
    "proportion",
    "proportion_difference",
    "ratio",
    "relative_difference",
    "relative_difference_from_moments",
    "welch_from_moments",
]


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
    hits_a, total_a = _counts(successes_a, n_a, ("successes_a", "n_a"))
    hits_b, total_b = _counts(successes_b, n_b, ("successes_b", "n_b"))
    z = z_value(level)
    p_a, p_b = hits_a / total_a, hits_b / total_b
    low_a, high_a = _wilson(hits_a, total_a, z)
    low_b, high_b = _wilson(hits_b, total_b, z)
    diff = p_a - p_b
    low = diff - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = diff + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    pooled = (hits_a + hits_b) / (total_a + total_b)
    se0 = math.sqrt(pooled * (1.0 - pooled) * (1.0 / total_a + 1.0 / total_b))
    p_value = 1.0 if se0 == 0.0 else float(2.0 * stats.norm.sf(abs(diff) / se0))
    return Estimate(diff, low, high, level, "newcombe", total_a + total_b, p_value)


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

    Examples
    --------
    >>> from precimark.kpi import mean
    >>> mean([4, 5, 3, 5, 4])
    Estimate(4.2, 95% CI [3.16115, 5.23885], method='t', n=5)
    """
    x = as_sample(values, "values", min_size=2)
    return mean_from_moments(x.size, float(x.mean()), float(x.var(ddof=1)), confidence=confidence)


def welch_from_moments(
    n_a: int,
    mean_a: float,
    var_a: float,
    n_b: int,
    mean_b: float,
    var_b: float,
    *,
    confidence: float,
) -> Estimate:
    """Welch interval for ``mean_a - mean_b`` from counts, means and variances (ddof=1)."""
    level = check_confidence(confidence)
    diff = mean_a - mean_b
    sa, sb = var_a / n_a, var_b / n_b
    se = math.sqrt(sa + sb)
    if se == 0.0:
        p_value = 1.0 if diff == 0 else 0.0
        warning = ("both groups have zero variance",)
        return Estimate(diff, diff, diff, level, "welch", n_a + n_b, p_value, warning)
    df = (sa + sb) ** 2 / (sa * sa / (n_a - 1) + sb * sb / (n_b - 1))
    half = float(stats.t.ppf(0.5 + level / 2.0, df)) * se
    p_value = float(2.0 * stats.t.sf(abs(diff) / se, df))
    return Estimate(diff, diff - half, diff + half, level, "welch", n_a + n_b, p_value)


def _moments(values: object, name: str) -> tuple[int, float, float]:
    x = as_sample(values, name, min_size=2)
    return x.size, float(x.mean()), float(x.var(ddof=1))


def mean_difference(a: object, b: object, *, confidence: float = 0.95) -> Estimate:
    """Estimate ``mean(a) - mean(b)`` for two independent samples with Welch's t interval.

    Parameters
    ----------
    a, b : Series, array or list of numbers
        One value per unit in each group (at least 2 each).
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        Method ``"welch"``; matches
        ``scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval()`` and its p-value.

    Examples
    --------
    >>> from precimark.kpi import mean_difference
    >>> mean_difference([12.0, 15.0, 9.0, 14.0], [10.0, 8.0, 11.0, 9.0])
    Estimate(3, 95% CI [-0.959719, 6.95972], method='welch', n=8, p=0.106)
    """
    return welch_from_moments(*_moments(a, "a"), *_moments(b, "b"), confidence=confidence)


def relative_difference_from_moments(
    n_a: int,
    mean_a: float,
    var_a: float,
    n_b: int,
    mean_b: float,
    var_b: float,
    *,
    confidence: float,
) -> Estimate:
    """Delta-method interval for ``mean_a / mean_b - 1`` from counts, means and variances."""
    level = check_confidence(confidence)
    if mean_b <= 0.0:
        warning = ("baseline mean is not positive: relative lift undefined",)
        value = math.inf if mean_a > 0 else 0.0
        return Estimate(value, -math.inf, math.inf, level, "delta", n_a + n_b, None, warning)
    ratio = mean_a / mean_b
    se = math.sqrt(var_a / n_a / mean_b**2 + mean_a**2 * var_b / n_b / mean_b**4)
    half = z_value(level) * se
    p_value = (
        (1.0 if ratio == 1.0 else 0.0)
        if se == 0.0
        else float(2 * stats.norm.sf(abs(ratio - 1) / se))
    )
    return Estimate(
        ratio - 1.0, ratio - 1.0 - half, ratio - 1.0 + half, level, "delta", n_a + n_b, p_value
    )


def relative_difference(a: object, b: object, *, confidence: float = 0.95) -> Estimate:
    """Estimate the relative lift ``mean(a) / mean(b) - 1`` with a delta-method interval.

    The two samples are independent (e.g. treated and control customers). The interval is
    ``ratio - 1 ± z * se`` with ``se² = var_a / (n_a m_b²) + m_a² var_b / (n_b m_b⁴)``: reliable
    when the baseline mean is estimated precisely (its coefficient of variation well below
    0.1); otherwise prefer the absolute difference.

    Parameters
    ----------
    a, b : Series, array or list of numbers
        One value per unit; 0/1 values give the relative lift of a conversion rate.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    Estimate
        Method ``"delta"``.

    Examples
    --------
    >>> from precimark.kpi import relative_difference
    >>> relative_difference([1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 0, 1]).value
    0.333...
    """
    return relative_difference_from_moments(
        *_moments(a, "a"), *_moments(b, "b"), confidence=confidence
    )


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
    y = as_sample(numerators, "numerators", min_size=2)
    x = as_sample(denominators, "denominators", min_size=2)
    if y.size != x.size:
        raise fail(
            "argument 'denominators'",
            f"{x.size} values for {y.size} numerators",
            "one denominator per numerator",
        )
    level = check_confidence(confidence)
    x_bar = float(x.mean())
    if x_bar <= 0.0:
        raise fail("argument 'denominators'", "a mean <= 0", "positive denominators on average")
    value = float(y.mean()) / x_bar
    residual = (y - value * x) / x_bar
    half = z_value(level) * float(residual.std(ddof=1)) / math.sqrt(y.size)
    return Estimate(value, value - half, value + half, level, "delta", y.size)
