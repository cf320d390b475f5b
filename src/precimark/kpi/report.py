"""One campaign's KPIs in one place: :func:`evaluate_campaign` and :class:`CampaignReport`."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from precimark._deprecation import deprecated_alias
from precimark._display import html_block, markdown_block
from precimark._validation import check_choice, check_columns, check_frame, fail
from precimark.kpi.campaign import MDE_POWER, CampaignEffect, campaign_effect
from precimark.kpi.estimates import Estimate, estimates_frame
from precimark.kpi.finance import cost_per_incremental_customer, resolve_margin, roas
from precimark.kpi.intervals import Alternative
from precimark.kpi.multiple import adjust_table
from precimark.kpi.power import PowerAnalysis

__all__ = ["CampaignReport", "evaluate_campaign"]

_CONVERTED = "_converted"


@dataclass(frozen=True)
class CampaignReport:
    """The KPIs of one campaign, with intervals and multiple-testing-adjusted p-values.

    The multiple-testing family is the two differences (conversion and revenue); lifts,
    incremental totals and money KPIs test the same nulls and carry no p-value.

    Attributes
    ----------
    name : str
        Campaign name (for titles).
    estimates : dict of str to Estimate
        ``conversion_treated``, ``conversion_control``, ``conversion_difference``,
        ``conversion_lift``, ``revenue_treated``, ``revenue_control``,
        ``revenue_difference``, ``revenue_lift``, ``incremental_conversions``,
        ``incremental_revenue``, and with a cost ``roi``, ``iroas`` and
        ``cost_per_incremental_customer``.
    n_treated, n_control : int
        Customers per arm.
    srm_p_value : float
        Sample-ratio-mismatch p-value.
    adjustment : {"holm", "bh"}
        Multiple-testing correction applied to the KPIs' p-values.
    variance_reduction : float or None
        CUPED share of revenue variance removed, when a pre-period covariate was used. Then
        ``revenue_treated`` and ``revenue_control`` are the CUPED-adjusted means (method
        ``"cuped-t"``), the basis of ``revenue_difference``: the table's arithmetic adds up.
    minimum_detectable_effects : dict of str to PowerAnalysis
        ``conversion`` and ``revenue``: the smallest effect the test detects with 80% power
        (see :attr:`CampaignEffect.minimum_detectable_effect`); a KPI whose MDE cannot be
        computed is absent.
    cumulative : DataFrame or None
        Day-by-day cumulative incremental revenue (see
        :func:`precimark.kpi.cumulative_incremental_revenue`), if computed.
    cohorts : DataFrame or None
        A cohort retention matrix to chart with the report, if given.
    channels : DataFrame or None
        The channels' credited conversions and revenue under several attribution models
        (:func:`precimark.channels.channel_results`), shown as the report's Channels table.
    """

    name: str
    estimates: dict[str, Estimate]
    n_treated: int
    n_control: int
    srm_p_value: float
    adjustment: Literal["holm", "bh"] = "holm"
    variance_reduction: float | None = None
    minimum_detectable_effects: dict[str, PowerAnalysis] = field(default_factory=dict)
    cumulative: pd.DataFrame | None = field(default=None, repr=False)
    cohorts: pd.DataFrame | None = field(default=None, repr=False)
    channels: pd.DataFrame | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"CampaignReport({self.name!r}, {len(self.estimates)} KPIs, "
            f"n_treated={self.n_treated}, n_control={self.n_control}, "
            f"srm_p_value={self.srm_p_value:.3g})"
        )

    def to_frame(self) -> pd.DataFrame:
        """Return one row per KPI, with multiple-testing-adjusted p-values.

        Columns: :data:`~precimark.kpi.ESTIMATE_COLUMNS`, ``p_value_adjusted`` and
        ``significant`` (adjusted p-value <= 1 - confidence).

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.kpi import evaluate_campaign
        >>> outcomes = pd.DataFrame({"treated": [True, False] * 100,
        ...                          "revenue": [30.0, 0.0, 0.0, 10.0, 25.0, 0.0, 0.0, 0.0] * 25})
        >>> report = evaluate_campaign(outcomes, treatment="treated", revenue_column="revenue",
        ...                            cost=500.0, margin=0.4)
        >>> float(report.to_frame().loc["revenue_difference", "value"])
        11.25
        """
        table = estimates_frame(self.estimates)
        confidence = next(iter(self.estimates.values())).confidence
        return adjust_table(table, method=self.adjustment, alpha=1.0 - confidence)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict: the report's counts and every KPI as a dict.

        Infinite bounds (an unbounded cost per incremental customer) become None, as in
        :meth:`Estimate.to_dict`.

        Examples
        --------
        >>> import json
        >>> import pandas as pd
        >>> from precimark.kpi import evaluate_campaign
        >>> outcomes = pd.DataFrame({"treated": [True, False] * 100,
        ...                          "revenue": [30.0, 0.0, 0.0, 10.0, 25.0, 0.0, 0.0, 0.0] * 25})
        >>> report = evaluate_campaign(outcomes, treatment="treated", revenue_column="revenue")
        >>> sorted(json.loads(json.dumps(report.to_dict())))[:3]
        ['adjustment', 'channels', 'kpis']
        """
        frame = self.to_frame()
        adjusted = frame["p_value_adjusted"].to_numpy(dtype=np.float64)
        significant = frame["significant"].to_numpy(dtype=bool)
        kpis = {}
        for row, (name, est) in enumerate(self.estimates.items()):
            entry = est.to_dict()
            entry["p_value_adjusted"] = None if np.isnan(adjusted[row]) else float(adjusted[row])
            entry["significant"] = bool(significant[row])
            kpis[name] = entry
        return {
            "name": self.name,
            "n_treated": self.n_treated,
            "n_control": self.n_control,
            "srm_p_value": self.srm_p_value,
            "adjustment": self.adjustment,
            "variance_reduction": self.variance_reduction,
            "minimum_detectable_effects": {
                name: design.to_dict() for name, design in self.minimum_detectable_effects.items()
            },
            "kpis": kpis,
            "channels": None if self.channels is None else _channels_dict(self.channels),
        }

    def to_markdown(self) -> str:
        """Return the report as a Markdown table with a header line and footnoted warnings.

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.kpi import evaluate_campaign
        >>> outcomes = pd.DataFrame({"treated": [True, False] * 100,
        ...                          "revenue": [30.0, 0.0, 0.0, 10.0, 25.0, 0.0, 0.0, 0.0] * 25})
        >>> report = evaluate_campaign(outcomes, treatment="treated", revenue_column="revenue")
        >>> print(report.to_markdown().splitlines()[0])
        ### Campaign report: campaign
        """
        frame = self.to_frame()
        confidence = next(iter(self.estimates.values())).confidence
        lines = [
            f"### Campaign report: {self.name}",
            "",
            *(line for fact in self._facts() for line in (fact, "")),
            f"| KPI | value | {100 * confidence:g}% CI | p (adj., {self.adjustment}) | method | n |",
            "|---|---:|---|---:|---|---:|",
        ]
        notes: list[str] = []
        for name, est in self.estimates.items():
            marks = ""
            for warning in est.warnings:
                if warning not in notes:
                    notes.append(warning)
                marks += f"[{notes.index(warning) + 1}]"
            adjusted = float(frame["p_value_adjusted"].to_numpy()[frame.index.get_loc(name)])
            p_text = "" if math.isnan(adjusted) else f"{adjusted:.3g}"
            lines.append(
                f"| {name}{marks} | {_fmt(est.value)} | [{_fmt(est.ci_low)}, {_fmt(est.ci_high)}] "
                f"| {p_text} | {est.method} | {est.n} |"
            )
        if notes:
            lines += ["", *(f"[{i}] {note}" for i, note in enumerate(notes, start=1))]
        if self.channels is not None:
            lines += ["", "#### Channels", "", *_channels_lines(self.channels)]
        return "\n".join(lines) + "\n"

    def _facts(self) -> list[str]:
        """Return the lines above the table: arms, SRM check, CUPED, detectable effects."""
        facts = [
            f"{self.n_treated} treated vs {self.n_control} control customers; "
            f"sample-ratio check p = {self.srm_p_value:.3g}"
            + (
                f"; CUPED removed {100 * self.variance_reduction:.0f}% of revenue variance "
                "(revenue per arm is CUPED-adjusted, like the difference)"
                if self.variance_reduction is not None
                else ""
            )
            + "."
        ]
        if self.minimum_detectable_effects:
            parts = [
                f"{name} {_fmt(design.effect)} ({100 * design.relative_effect:+.3g}%)"
                for name, design in self.minimum_detectable_effects.items()
            ]
            facts.append(
                f"Minimum detectable effect at {100 * MDE_POWER:g}% power: "
                + ", ".join(parts)
                + "."
            )
        return facts

    def _repr_html_(self) -> str:
        return html_block(f"Campaign report: {self.name}", self.to_frame(), notes=self._facts())

    def _repr_markdown_(self) -> str:
        title = f"Campaign report: {self.name}"
        return markdown_block(title, self.to_frame(), notes=self._facts())

    def plot_lift(self, *, ax: Any = None) -> Any:
        """Chart the conversion and revenue lifts with their intervals (matplotlib Axes).

        See :func:`precimark.plot.plot_campaign_report`, which draws any of the KPIs.
        """
        from precimark.plot.kpi import plot_campaign_report

        return plot_campaign_report(self, ax=ax)

    def plot_cumulative(self, *, ax: Any = None) -> Any:
        """Chart the cumulative incremental revenue passed as ``cumulative`` (matplotlib Axes)."""
        if self.cumulative is None:
            raise fail("argument 'cumulative'", "none given", "a curve passed to evaluate_campaign")
        from precimark.plot.kpi import plot_cumulative_incremental_revenue

        return plot_cumulative_incremental_revenue(self.cumulative, ax=ax)

    def plot_cohorts(self, *, ax: Any = None) -> Any:
        """Chart the cohort retention matrix given at evaluation (heat map)."""
        if self.cohorts is None:
            raise fail("argument 'cohorts'", "none given", "a matrix passed to evaluate_campaign")
        from precimark.plot.kpi import plot_cohort_retention

        return plot_cohort_retention(self.cohorts, ax=ax)


def _without_test(lift: Estimate) -> Estimate:
    """Drop a lift's p-value: it tests the same null as the difference (one test per KPI)."""
    return dataclasses.replace(lift, p_value=None)


def _channels_lines(table: pd.DataFrame) -> list[str]:
    """Return the channel table as Markdown rows (a free channel's missing ROAS is empty)."""
    header = "| channel | " + " | ".join(map(str, table.columns)) + " |"
    rule = "|---|" + "---:|" * len(table.columns)
    rows = [
        f"| {channel} | "
        + " | ".join("" if math.isnan(v) else _fmt(v) for v in row.astype(float))
        + " |"
        for channel, row in table.iterrows()
    ]
    return [header, rule, *rows]


def _channels_dict(table: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    return {
        str(channel): {
            str(column): None if math.isnan(v) else float(v)
            for column, v in zip(table.columns, row.astype(float), strict=True)
        }
        for channel, row in table.iterrows()
    }


def _check_channels(table: object) -> pd.DataFrame | None:
    if table is None:
        return None
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise fail(
            "argument 'channels'",
            f"a {type(table).__name__}"
            if not isinstance(table, pd.DataFrame)
            else "an empty frame",
            "the frame of precimark.channels.channel_results",
        )
    not_numeric = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c].dtype)]
    if not_numeric:
        raise fail(
            f"column '{not_numeric[0]}' of argument 'channels'",
            f"values of dtype {table[not_numeric[0]].dtype}",
            "numbers (the frame of precimark.channels.channel_results)",
        )
    return table.copy()


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else ("inf" if value > 0 else "-inf")


@deprecated_alias(
    revenue="revenue_column", converted="converted_column", pre_revenue="pre_revenue_column"
)
def evaluate_campaign(
    outcomes: pd.DataFrame,
    *,
    treatment: str,
    revenue_column: str,
    converted_column: str | None = None,
    pre_revenue_column: str | None = None,
    cost: float | None = None,
    margin: float | None = None,
    expected_share: float = 0.5,
    alternative: Alternative = "two-sided",
    adjustment: Literal["holm", "bh"] = "holm",
    cumulative: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
    channels: pd.DataFrame | None = None,
    name: str = "campaign",
    confidence: float = 0.95,
) -> CampaignReport:
    """Evaluate a randomised campaign: conversion, revenue, lifts, incremental totals, ROI.

    Parameters
    ----------
    outcomes : DataFrame
        One row per customer in the test, indexed by customer id, non-buyers included.
    treatment : str
        Column that is True/1 for treated, False/0 for control customers.
    revenue_column : str
        Column of revenue per customer in the campaign window.
    converted_column : str, optional
        Column of 0/1 conversion per customer. Default: revenue > 0.
    pre_revenue_column : str, optional
        Column of pre-campaign revenue per customer, for CUPED on the revenue KPIs.
    cost : float, optional
        Total campaign cost (contacts, redeemed discounts, fixed); adds ``roi`` (with
        ``margin``), ``iroas`` and ``cost_per_incremental_customer``.
    margin : float, optional
        Gross margin rate for ROI: required with ``cost``. Omitting it computes ROI on
        revenue (margin 1.0) with a FutureWarning (deprecated since 0.2.0; an error from
        0.3.0).
    expected_share : float, default 0.5
        Planned treated share, for the sample-ratio-mismatch check (warns at p < 0.001).
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis of both tests (see :func:`campaign_effect`).
    adjustment : {"holm", "bh"}, default "holm"
        Multiple-testing correction of the KPIs' p-values.
    cumulative : DataFrame, optional
        Output of :func:`precimark.kpi.cumulative_incremental_revenue`, kept for charts.
    cohorts : DataFrame, optional
        Output of :func:`precimark.kpi.cohort_retention`, kept for charts.
    channels : DataFrame, optional
        Output of :func:`precimark.channels.channel_results`: the report's Channels table
        (in :meth:`CampaignReport.to_markdown` and :meth:`CampaignReport.to_dict`).
    name : str, default "campaign"
        Campaign name for titles.
    confidence : float, default 0.95
        Confidence level.

    Other Parameters
    ----------------
    revenue, converted, pre_revenue : str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``revenue_column``,
        ``converted_column`` and ``pre_revenue_column``.

    Returns
    -------
    CampaignReport

    Warns
    -----
    FutureWarning
        When ``cost`` is given without ``margin``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.kpi import evaluate_campaign
    >>> rng = np.random.default_rng(0)
    >>> treated = rng.permutation(np.arange(4_000) < 2_000)
    >>> spend = rng.gamma(2.0, 25.0, 4_000) * (rng.random(4_000) < 0.2 + 0.05 * treated)
    >>> outcomes = pd.DataFrame({"treated": treated, "revenue": spend})
    >>> report = evaluate_campaign(outcomes, treatment="treated", revenue_column="revenue",
    ...                            cost=500.0, margin=0.4, name="spring mailing")
    >>> report.estimates["conversion_difference"].method
    'newcombe'
    >>> list(report.to_frame().columns)[-2:]
    ['p_value_adjusted', 'significant']
    """
    frame = check_frame(outcomes, "outcomes")
    check_columns(frame, [revenue_column, treatment], "outcomes")
    channel_table = _check_channels(channels)
    check_choice(adjustment, "adjustment", ("holm", "bh"))
    if cost is not None:
        margin = resolve_margin(margin, "evaluate_campaign(cost=...)", stacklevel=4)
    converted = converted_column
    if converted is None:
        values = pd.to_numeric(frame[revenue_column], errors="coerce")
        frame = frame.assign(**{_CONVERTED: (values > 0).astype(np.int64).where(values.notna())})
        converted = _CONVERTED
    common: dict[str, Any] = {
        "treatment": treatment,
        "expected_share": expected_share,
        "alternative": alternative,
        "confidence": confidence,
    }
    conv: CampaignEffect = campaign_effect(
        frame, metric_column=converted, kind="conversion", **common
    )
    rev: CampaignEffect = campaign_effect(
        frame,
        metric_column=revenue_column,
        kind="mean",
        pre_metric_column=pre_revenue_column,
        cost=cost,
        margin=margin,
        **common,
    )
    assert rev.incremental_total is not None and conv.incremental_total is not None
    estimates = {
        "conversion_treated": conv.treated,
        "conversion_control": conv.control,
        "conversion_difference": conv.difference,
        "conversion_lift": _without_test(conv.relative_lift),
        "revenue_treated": rev.treated,
        "revenue_control": rev.control,
        "revenue_difference": rev.difference,
        "revenue_lift": _without_test(rev.relative_lift),
        "incremental_conversions": conv.incremental_total,
        "incremental_revenue": rev.incremental_total,
    }
    if cost is not None and rev.roi is not None:
        estimates["roi"] = rev.roi
        estimates["iroas"] = roas(rev.incremental_total, cost)
        estimates["cost_per_incremental_customer"] = cost_per_incremental_customer(
            conv.incremental_total, cost
        )
    designs = {
        name: effect.minimum_detectable_effect
        for name, effect in (("conversion", conv), ("revenue", rev))
        if effect.minimum_detectable_effect is not None
    }
    return CampaignReport(
        name=name,
        estimates=estimates,
        n_treated=rev.n_treated,
        n_control=rev.n_control,
        srm_p_value=rev.srm_p_value,
        adjustment=adjustment,
        variance_reduction=rev.variance_reduction,
        minimum_detectable_effects=designs,
        cumulative=cumulative,
        cohorts=cohorts,
        channels=channel_table,
    )
