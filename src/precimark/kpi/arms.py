"""Experiments with several treatment arms, each compared with one control arm.

Testing k - 1 arms against the control at 5% each finds a "winner" far more often than 5% of
the time when no arm works. :func:`compare_arms` estimates every arm's effect with
:func:`precimark.kpi.campaign_effect` (the arm's and the control's customers only) and adjusts
the k - 1 p-values for the family (Holm by default, controlling the family-wise error rate;
Benjamini-Hochberg on request). The correction is recorded on the result, next to the raw
p-values, so a report can never show the unadjusted ones as if they stood alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from precimark._display import html_block
from precimark._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_probability,
    fail,
    fail_rows,
)
from precimark.kpi.campaign import CampaignEffect, Kind, campaign_effect
from precimark.kpi.estimates import check_confidence
from precimark.kpi.intervals import Alternative, check_alternative
from precimark.kpi.multiple import Method, adjust_pvalues

__all__ = ["ArmComparison", "compare_arms"]

_ARM = "_arm_treated"


@dataclass(frozen=True)
class ArmComparison:
    """Each treatment arm's effect against the control, with the family-wise correction.

    Attributes
    ----------
    metric : str
        The outcome column.
    control : hashable
        The control arm's label.
    effects : dict of label to CampaignEffect
        One effect per treatment arm (in the order of first appearance), each from that
        arm's and the control's customers.
    adjustment : {"holm", "bh"}
        The multiple-testing correction applied over the arms' differences.
    p_values_adjusted : dict of label to float
        Adjusted p-values of the differences (the raw ones are on each effect's
        ``difference``).
    srm_p_value : float
        Chi-square test that the arm sizes match the planned shares (all arms at once).
    """

    metric: str
    control: Hashable
    effects: dict[Hashable, CampaignEffect]
    adjustment: Literal["holm", "bh"]
    p_values_adjusted: dict[Hashable, float]
    srm_p_value: float

    def to_frame(self) -> pd.DataFrame:
        """Return one row per treatment arm: difference, interval, raw and adjusted p-value.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from precimark.kpi import compare_arms
        >>> rng = np.random.default_rng(1)
        >>> arm = rng.choice(["control", "10% off", "free shipping"], 3_000)
        >>> bought = rng.random(3_000) < np.where(arm == "10% off", 0.16, 0.1)
        >>> frame = pd.DataFrame({"arm": arm, "bought": bought.astype(int)})
        >>> result = compare_arms(frame, arm_column="arm", control="control",
        ...                       metric_column="bought")
        >>> list(result.to_frame().columns)[-3:]
        ['p_value', 'p_value_adjusted', 'adjustment']
        """
        rows = []
        for label, effect in self.effects.items():
            diff = effect.difference
            rows.append(
                {
                    "arm": label,
                    "n": effect.n_treated,
                    "value": diff.value,
                    "ci_low": diff.ci_low,
                    "ci_high": diff.ci_high,
                    "relative_lift": effect.relative_lift.value,
                    "method": diff.method,
                    "p_value": diff.p_value,
                    "p_value_adjusted": self.p_values_adjusted[label],
                    "adjustment": self.adjustment,
                }
            )
        return pd.DataFrame(rows).set_index("arm")

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe dict (arm labels become strings).

        Examples
        --------
        >>> import json, numpy as np, pandas as pd
        >>> from precimark.kpi import compare_arms
        >>> rng = np.random.default_rng(1)
        >>> frame = pd.DataFrame({"arm": rng.choice(["a", "b", "c"], 900),
        ...                       "revenue": rng.gamma(2.0, 10.0, 900)})
        >>> data = compare_arms(frame, arm_column="arm", control="a",
        ...                     metric_column="revenue").to_dict()
        >>> sorted(data["arms"]), data["adjustment"]
        (['b', 'c'], 'holm')
        """
        return {
            "metric": self.metric,
            "control": str(self.control),
            "adjustment": self.adjustment,
            "srm_p_value": float(self.srm_p_value),
            "arms": {
                str(label): {
                    **effect.to_dict(),
                    "p_value_adjusted": float(self.p_values_adjusted[label]),
                }
                for label, effect in self.effects.items()
            },
        }

    def _repr_html_(self) -> str:
        title = f"Arms compared with {self.control!r} on {self.metric}"
        return html_block(
            title, self.to_frame(), notes=[f"sample-ratio check p = {self.srm_p_value:.3g}"]
        )


def compare_arms(
    outcomes: pd.DataFrame,
    *,
    arm_column: str,
    control: Hashable,
    metric_column: str,
    pre_metric_column: str | None = None,
    denominator_column: str | None = None,
    kind: Kind = "auto",
    expected_shares: Mapping[Hashable, float] | None = None,
    alternative: Alternative = "two-sided",
    adjustment: Method = "holm",
    confidence: float = 0.95,
) -> ArmComparison:
    """Compare every treatment arm of a randomised test with the control arm.

    Parameters
    ----------
    outcomes : DataFrame
        One row per customer in the test (indexed by customer id), non-buyers included.
    arm_column : str
        Column holding each customer's arm label (e.g. ``"control"``, ``"10% off"``).
    control : hashable
        The label of the control arm.
    metric_column : str
        The outcome column (see :func:`precimark.kpi.campaign_effect`).
    pre_metric_column : str, optional
        Pre-period covariate column for CUPED.
    denominator_column : str, optional
        Denominator column of a ratio metric.
    kind : {"auto", "conversion", "mean"}, default "auto"
        The outcome's kind (see :func:`precimark.kpi.campaign_effect`).
    expected_shares : mapping of label to float, optional
        Planned share of customers per arm (summing to 1), for the sample-ratio-mismatch
        checks; default: equal shares.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis of every comparison.
    adjustment : {"holm", "bh"}, default "holm"
        Correction of the arms' p-values: Holm (family-wise error rate) or
        Benjamini-Hochberg (false discovery rate).
    confidence : float, default 0.95
        Confidence level of every (per-comparison) interval.

    Returns
    -------
    ArmComparison

    Warns
    -----
    DataQualityWarning
        When a pair of arms fails the sample-ratio-mismatch test.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.kpi import compare_arms
    >>> rng = np.random.default_rng(1)
    >>> arm = rng.choice(["control", "10% off", "free shipping"], 3_000)
    >>> bought = rng.random(3_000) < np.where(arm == "10% off", 0.16, 0.1)
    >>> frame = pd.DataFrame({"arm": arm, "bought": bought.astype(int)})
    >>> result = compare_arms(frame, arm_column="arm", control="control", metric_column="bought")
    >>> sorted(result.effects)
    ['10% off', 'free shipping']
    >>> result.p_values_adjusted["10% off"] < 0.05
    True
    """
    level = check_confidence(confidence)
    check_choice(adjustment, "adjustment", ("holm", "bh"))
    side = check_alternative(alternative)
    frame = check_frame(outcomes, "outcomes")
    check_columns(frame, [arm_column], "outcomes")
    labels = frame[arm_column]
    missing = labels.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            f"column '{arm_column}'", missing, frame.index, "missing arm", "an arm label"
        )
    arms = list(pd.unique(labels))
    if control not in arms:
        raise fail("argument 'control'", f"{control!r}, not an arm label", f"one of {arms}")
    treated_arms = [a for a in arms if a != control]
    if not treated_arms:
        raise fail(f"column '{arm_column}'", "only the control arm", "at least one other arm")
    shares = _shares(expected_shares, arms)
    counts = labels.value_counts()
    sizes = np.array([counts[a] for a in arms], dtype=np.float64)
    srm = float(
        stats.chisquare(sizes, f_exp=sizes.sum() * np.array([shares[a] for a in arms])).pvalue
    )
    effects: dict[Hashable, CampaignEffect] = {}
    for arm in treated_arms:
        pair = frame[(labels == arm) | (labels == control)]
        pair = pair.assign(**{_ARM: pair[arm_column] == arm})
        effects[arm] = campaign_effect(
            pair,
            treatment=_ARM,
            metric_column=metric_column,
            pre_metric_column=pre_metric_column,
            denominator_column=denominator_column,
            kind=kind,
            expected_share=shares[arm] / (shares[arm] + shares[control]),
            alternative=side,
            confidence=level,
        )
    raw = [effect.difference.p_value for effect in effects.values()]
    adjusted = adjust_pvalues([1.0 if p is None else p for p in raw], method=adjustment)
    return ArmComparison(
        metric=metric_column,
        control=control,
        effects=effects,
        adjustment=adjustment,
        p_values_adjusted={arm: float(p) for arm, p in zip(effects, adjusted, strict=True)},
        srm_p_value=srm,
    )


def _shares(expected: Mapping[Hashable, float] | None, arms: list[Any]) -> dict[Hashable, float]:
    if expected is None:
        return {arm: 1.0 / len(arms) for arm in arms}
    if not isinstance(expected, Mapping):
        raise fail("argument 'expected_shares'", f"a {type(expected).__name__}", "a mapping")
    absent = [arm for arm in arms if arm not in expected]
    if absent:
        raise fail(
            "argument 'expected_shares'",
            f"no share for {len(absent)} arm(s) (first: {absent[0]!r})",
            "a share for every arm",
        )
    shares = {
        arm: check_probability(expected[arm], "expected_shares", inclusive="neither")
        for arm in arms
    }
    if not np.isclose(sum(shares.values()), 1.0):
        raise fail(
            "argument 'expected_shares'",
            f"shares summing to {sum(shares.values()):g}",
            "shares summing to 1",
        )
    return shares
