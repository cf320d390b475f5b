"""Notebook display (issue 21): every result object shows as escaped, well-formed HTML whose
tables hold the numbers of its ``to_frame()``; explanations display as text."""

from __future__ import annotations

import math
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from precimark import kpi
from precimark._display import MAX_ROWS, DisplayText, html_block, markdown_block
from precimark.clv import HoldoutEvaluation
from precimark.pricing import ListPrice, LoyaltyTiers, PricingPolicy, Tier, explain
from precimark.pricing.templates import differentiated_pricing_policy
from precimark.propensity import OutOfTimeResult

VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}


class _Tables(HTMLParser):
    """Checks the tags nest and close, and collects every table's rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        assert not any(name.startswith("on") for name, _ in attrs)
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()
        if tag in {"td", "th"} and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(markup: str) -> _Tables:
    parser = _Tables()
    parser.feed(markup)
    parser.close()
    assert parser.stack == [], parser.stack
    assert not parser.tags & {"script", "style", "iframe", "link", "img", "object"}
    return parser


def assert_shows(table: list[list[str]], frame: pd.DataFrame) -> None:
    """The table's header and rows are the frame's, numbers to 6 significant digits."""
    assert table[0][1:] == [str(c) for c in frame.columns]
    assert len(table) - 1 == len(frame)
    for row, (label, values) in zip(table[1:], frame.iterrows(), strict=True):
        assert row[0] == (str(label.date()) if isinstance(label, pd.Timestamp) else str(label))
        for text, value in zip(row[1:], values.tolist(), strict=True):
            if isinstance(value, bool | np.bool_):
                assert text == str(value)
            elif isinstance(value, int | float | np.number):
                if math.isnan(value):
                    assert text == ""
                else:
                    assert float(text) == pytest.approx(value, rel=5e-6, abs=1e-12)
            elif value is None:
                assert text == ""
            else:
                assert text == str(value)


SCRIPT = "<script>alert('x')</script>"


def test_html_block_escapes_every_label_and_keeps_the_numbers() -> None:
    frame = pd.DataFrame(
        {SCRIPT: [0.123456789, float("nan")], "n": [3, 4]},
        index=pd.Index([SCRIPT, "b&q"], name="<i>id</i>"),
    )
    markup = html_block(SCRIPT, frame, notes=[SCRIPT])
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    parsed = parse(markup)
    assert parsed.tables[0][0][0] == "<i>id</i>"  # shown as text, not as markup
    assert_shows(parsed.tables[0], frame)
    assert "".join(parsed.text).count(SCRIPT) == 4  # title, note, column, index label


def test_long_frames_show_first_and_last_rows() -> None:
    frame = pd.DataFrame({"x": np.arange(100.0)})
    table = parse(html_block("long", frame)).tables[0]
    assert len(table) == 1 + MAX_ROWS + 1
    assert table[1 + MAX_ROWS // 2] == ["… 70 rows …"]
    assert table[1][1] == "0" and table[-1][1] == "99"
    assert "… 70 rows …" in markdown_block("long", frame)


def test_markdown_block_escapes_html_and_pipes() -> None:
    frame = pd.DataFrame({"v": [1.5]}, index=pd.Index([f"a|{SCRIPT}"], name="kpi"))
    text = markdown_block("t", frame)
    assert "<script>" not in text and r"a\|&lt;script&gt;" in text
    assert text.splitlines()[2:4] == ["| kpi | v |", "|---|---|"]


def _campaign(name: str = "spring") -> kpi.CampaignReport:
    rng = np.random.default_rng(0)
    treated = rng.permutation(np.arange(600) < 300)
    revenue = rng.gamma(2.0, 25.0, 600) * (rng.random(600) < 0.2 + 0.1 * treated)
    outcomes = pd.DataFrame({"treated": treated, "revenue": revenue})
    return kpi.evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", cost=300.0, margin=0.3, name=name
    )


def test_campaign_report_displays_its_table_escaped() -> None:
    report = _campaign(SCRIPT)
    markup = report._repr_html_()
    assert "<script>" not in markup
    parsed = parse(markup)
    assert_shows(parsed.tables[0], report.to_frame())
    assert f"Campaign report: {SCRIPT}" in "".join(parsed.text)
    assert "sample-ratio check p" in markup and "Minimum detectable effect" in markup
    markdown = report._repr_markdown_()
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert (
        rf"| conversion\_difference | {report.estimates['conversion_difference'].value:.6g} |"
    ) in markdown


def test_estimate_displays_its_row() -> None:
    estimate = kpi.proportion(30, 120)
    parsed = parse(estimate._repr_html_())
    assert_shows(parsed.tables[0], estimate.to_frame())
    assert "wilson" in estimate._repr_markdown_()


def test_kpi_results_display_their_frames() -> None:
    rng = np.random.default_rng(1)
    arm = rng.choice(["control", SCRIPT, "free shipping"], 1_500)
    bought = (rng.random(1_500) < np.where(arm == SCRIPT, 0.2, 0.1)).astype(int)
    frame = pd.DataFrame({"arm": arm, "bought": bought, "treated": arm != "control"})
    arms = kpi.compare_arms(frame, arm_column="arm", control="control", metric_column="bought")
    effect = kpi.campaign_effect(
        frame, treatment="treated", metric_column="bought", expected_share=2 / 3
    )
    aggregates = kpi.MetricAggregates.from_frame(frame, group_column="arm", value_column="bought")
    sequence = kpi.confidence_sequence(
        bought.astype(float), arm != "control", planned_n=1_500, looks=[500, 1_000, 1_500]
    )
    for result in (arms, effect, aggregates, sequence):
        markup = result._repr_html_()
        assert "<script>" not in markup
        assert_shows(parse(markup).tables[0], result.to_frame())
    design = kpi.sample_size(metric="proportion", baseline=0.1, relative_effect=0.1)
    table = parse(design._repr_html_()).tables[0]
    assert dict(row for row in table[1:] if len(row) == 2)["n"] == str(design.to_dict()["n"])


def test_quasi_experiments_display_their_effects() -> None:
    t = np.arange(12.0)
    panel = pd.DataFrame({"a": t, "b": t + 2, "c": t + 4})
    panel["treated"] = 0.5 * panel["a"] + 0.5 * panel["c"] + 3.0 * (t >= 8)
    synthetic = kpi.synthetic_control(panel, treated_unit="treated", intervention=8)
    parsed = parse(synthetic._repr_html_())
    assert_shows(parsed.tables[0], kpi.estimates_frame(synthetic.estimates()))
    did_panel = pd.DataFrame(
        {
            "store": [1, 1, 2, 2, 3, 3, 4, 4],
            "week": [1, 2] * 4,
            "sales": [10.0, 14, 11, 16, 9, 10, 12, 12],
            "promo": [0, 1, 0, 1, 0, 0, 0, 0],
        }
    )
    did = kpi.difference_in_differences(
        did_panel,
        unit_column="store",
        period_column="week",
        metric_column="sales",
        treatment="promo",
    )
    parsed = parse(did._repr_html_())
    assert_shows(parsed.tables[1], did.to_frame())


def test_holdout_evaluation_displays_its_tables() -> None:
    index = pd.Index(["0", "1"], name="frequency_cal")
    table = pd.DataFrame(
        {"n_customers": [3, 1], "actual": [0.5, 2.0], "predicted": [0.4, 1.5]}, index=index
    )
    fit = pd.DataFrame(
        {"actual": [3.0, 1.0], "expected": [2.9, 1.1], "chi_square": [0.003, 0.009]}, index=index
    )
    report = HoldoutEvaluation(table, fit, 0.012, 0, 1.0, 3.5, 2.7, 0.2, 0.3, 0.9, 0.5)
    parsed = parse(report._repr_html_())
    assert_shows(parsed.tables[0], report.summary().to_frame())
    assert_shows(parsed.tables[1], report.to_frame())
    assert_shows(parsed.tables[2], report.calibration_fit)


def test_out_of_time_result_displays_its_measures() -> None:
    result = OutOfTimeResult(
        model=None,
        test_cutoff=pd.Timestamp("1998-03-31"),
        n_train=7071,
        n_test=2357,
        base_rate=0.2,
        auc=0.8123456,
        top_decile_lift=3.1,
        calibration_error=0.02,
        scores=pd.Series([], dtype=float),
    )
    parsed = parse(result._repr_html_())
    assert_shows(parsed.tables[0], result.to_frame())
    assert "1998-03-31" in "".join(parsed.text)


def test_pricing_policy_has_a_short_repr_and_a_rules_table() -> None:
    policy = differentiated_pricing_policy()
    text = repr(policy)
    assert "\n" not in text and len(text) < 250
    assert "'sensitivity_discount', 'loyalty_tiers', 'channel_discount', 'list_price'" in text
    parsed = parse(policy._repr_html_())
    rules, guardrails = parsed.tables
    assert [row[0] for row in rules[1:]] == [rule.name for rule in policy.rules]
    assert rules[2][1:3] == ["LoyaltyTiers", "orders_365d"]
    assert ["max_discount", "0.2"] in guardrails


def test_explain_displays_as_text_and_prints_the_same() -> None:
    policy = PricingPolicy([LoyaltyTiers((Tier("Silver", 3, 0.05),)), ListPrice()])
    customers = pd.DataFrame(
        {"orders_365d": [7], "consent_personalised_pricing": [True]}, index=[SCRIPT]
    )
    note = explain(policy.decide(customers, 50.0, at="2025-01-01"))
    assert isinstance(note, str) and isinstance(note, DisplayText)
    assert str(note).startswith(f"Customer {SCRIPT} pays 47.50")
    markup = note._repr_html_()
    assert "<script>" not in markup
    assert [line for line in "".join(parse(markup).text).splitlines() if line] == note.splitlines()
    assert "&lt;script&gt;" in note._repr_markdown_()

    class Printer:
        def __init__(self) -> None:
            self.out = ""

        def text(self, value: str) -> None:
            self.out += value

    printer = Printer()
    note._repr_pretty_(printer, False)
    assert printer.out == str(note)


def test_estimators_keep_the_scikit_learn_html_box() -> None:
    from sklearn.base import BaseEstimator

    from precimark import BetaGeoModel, CustomerProfiler, PropensityModel

    for estimator in (BetaGeoModel, CustomerProfiler, PropensityModel):
        assert "_repr_html_" not in vars(estimator)
        assert estimator._repr_html_ is BaseEstimator._repr_html_
