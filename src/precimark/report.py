"""The self-contained HTML report: customer base, CLV, top customers, propensity, campaigns.

:func:`build` runs the library's steps on one transaction log and returns one HTML document
that needs nothing else to be read: no script, no external style sheet, font or image; the
charts (from :mod:`precimark.plot`) are PNG images inlined as ``data:`` URIs and every text
and table cell is escaped. It can be mailed, attached to a ticket or opened offline.

Sections, in order:

1. the customer base: size, revenue, the archive's highlights (:class:`~precimark.CustomerProfiler`)
   and the RFM segments with their sizes and 12 x 30-day CLV;
2. the CLV fit (BG/NBD in weeks, Gamma-Gamma) on a calibration period and its holdout
   diagnostics: period transactions, calibration vs holdout, cumulative and incremental
   tracking (:func:`precimark.clv.tracking`) and the P(alive) matrix;
3. the top customers by CLV (customer ids only; keyed pseudonyms with ``pseudonym_key``);
4. a 90-day purchase propensity model tested out of time, with its gains and lift charts;
5. each campaign report given (:func:`precimark.kpi.evaluate_campaign`), its KPIs with their
   intervals, table and chart.

Consent has the library's one meaning: with a ``customers`` roster, the report covers the
customers with profiling consent, and the propensity section those who also have marketing
consent; ``consent=False`` is the recorded opt-out. matplotlib is needed (the ``plot`` extra).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from precimark._display import html_block
from precimark._typing import DateLike
from precimark._validation import check_number, fail, to_day, validate_transactions
from precimark.kpi.report import CampaignReport
from precimark.privacy import ConsentLike
from precimark.privacy._gate import resolve_consent
from precimark.propensity._inputs import cloned_classifier
from precimark.schema import SEGMENT, Columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CLV_COLUMN", "PROPENSITY_HORIZON_DAYS", "build"]

CLV_COLUMN = "clv_12x30d"
"""Column of the report's CLV: 12 periods of 30 days, discounted at 1% per period."""

PROPENSITY_HORIZON_DAYS = 90
"""Days after a cutoff in which a purchase counts for the propensity section."""

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 64em; color: #222; }
h1 { border-bottom: 2px solid #446; } h2 { margin-top: 2em; color: #335; }
table.dataframe { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
table.dataframe th, table.dataframe td { border: 1px solid #ccc; padding: 0.2em 0.6em; }
table.dataframe td { text-align: right; }
figure { display: inline-block; margin: 0.5em; } img { max-width: 100%; }
p.note { color: #555; font-size: 0.9em; }
div.precimark-result { overflow-x: auto; }
"""


def _matplotlib() -> Any:
    """Import matplotlib's ``Figure`` (no pyplot, no global state), or say how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "precimark.report.build draws charts with matplotlib: pip install 'precimark[plot]'"
        ) from err
    return Figure


class _Document:
    """An HTML body under construction: escaped text, html_block tables and PNG charts."""

    def __init__(self, figure_class: Any) -> None:
        self.parts: list[str] = []
        self.figure_class = figure_class

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{html.escape(text)}</p>')

    def table(self, title: str, frame: pd.DataFrame, notes: Sequence[str] = ()) -> None:
        self.parts.append(html_block(title, frame, notes=notes))

    def charts(self, *draws: Any) -> None:
        """Draw each ``draw(ax)`` on its own figure and inline it as a PNG."""
        for draw in draws:
            figure = self.figure_class(figsize=(6.0, 4.0), dpi=80)
            ax: Axes = figure.add_subplot()
            draw(ax)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            data = base64.b64encode(buffer.getvalue()).decode("ascii")
            alt = html.escape(ax.get_title() or "chart")
            self.parts.append(
                f'<figure><img alt="{alt}" width="450" height="300" '
                f'src="data:image/png;base64,{data}"></figure>'
            )


def _segment_summary(profile: pd.DataFrame) -> pd.DataFrame:
    """Return customers, share, mean orders and spend per non-empty segment, largest first."""
    counts = profile[SEGMENT].value_counts()
    counts = counts[counts > 0]
    groups = profile.groupby(SEGMENT, observed=True)
    return (
        pd.DataFrame(
            {
                "customers": counts,
                "share": counts / len(profile),
                "mean_orders": groups["orders"].mean(),
                "mean_spend": groups["total_spend"].mean(),
            }
        )
        .dropna()
        .sort_values("customers", ascending=False)
    )


def build(
    transactions: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    consent: ConsentLike | None = None,
    campaigns: CampaignReport | Sequence[CampaignReport] = (),
    calibration_end: DateLike | None = None,
    observation_end: DateLike | None = None,
    columns: Columns | None = None,
    date_format: str | None = None,
    pseudonym_key: bytes | str | None = None,
    propensity_estimator: Any = None,
    top: int = 10,
    title: str = "Customer report",
) -> str:
    """Build the self-contained HTML report of a transaction log.

    Parameters
    ----------
    transactions : DataFrame
        One row per order: customer id, date and amount (see ``columns``). Not modified.
    customers : DataFrame, optional
        Roster indexed by customer id with the consent columns: the report covers the
        customers with profiling consent (``consent_profiling``), its propensity section those
        with marketing consent too (``consent_marketing``); customers missing from the roster
        count as without consent.
    consent : str, ConsentPolicy, False or None
        None applies the default :class:`~precimark.privacy.ConsentPolicy` (the columns
        above); a column name is read for both purposes; False is the recorded opt-out.
    campaigns : CampaignReport or sequence of CampaignReport, default ()
        Campaign results (:func:`precimark.kpi.evaluate_campaign`) to show with their intervals.
    calibration_end : date-like, optional
        Last day of the CLV calibration period; the holdout runs from the next day to
        ``observation_end``. Default: halfway between the first purchase and
        ``observation_end``.
    observation_end : date-like, optional
        Last day observed. Default: the last transaction date.
    columns : Columns, optional
        Column names of ``transactions`` (defaults ``customer_id``, ``date``, ``amount``).
    date_format : str, optional
        How date strings are written, e.g. ``"%d/%m/%Y"``.
    pseudonym_key : bytes or str, optional
        When given (16+ bytes), the customer ids shown are replaced by their keyed pseudonyms
        (:func:`precimark.privacy.pseudonymize`, hexadecimal).
    propensity_estimator : classifier, optional
        The unfitted scikit-learn classifier of the propensity section (passed to
        :func:`precimark.propensity.evaluate_out_of_time`); default: its
        ``PropensityModel(random_state=0)`` (a logistic regression, small boosted trees or
        their mean, chosen by out-of-fold log-loss, with a sigmoid calibration).
    top : int, default 10
        Number of customers in the top-customers table.
    title : str, default "Customer report"
        The document's title.

    Returns
    -------
    str
        The HTML document (UTF-8 text): write it to a ``.html`` file.

    Raises
    ------
    ImportError
        Without matplotlib, naming ``pip install 'precimark[plot]'``.
    DataValidationError
        For an invalid transaction log (missing column, unparseable date, ...), a roster
        without its consent column, a ``calibration_end`` outside the observed period, too
        little history for a step (e.g. no repeat buyer for Gamma-Gamma), or an object in
        ``campaigns`` that is not a :class:`~precimark.kpi.CampaignReport`.

    Examples
    --------
    >>> import precimark.report
    >>> from precimark.datasets import load_cdnow
    >>> page = precimark.report.build(load_cdnow(sample=True), top=3)  # doctest: +SKIP
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page  # doctest: +SKIP
    (True, False)
    """
    from precimark.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value, evaluate
    from precimark.clv import tracking as clv_tracking
    from precimark.plot import (
        plot_calibration_vs_holdout,
        plot_campaign_report,
        plot_gains,
        plot_period_transactions,
        plot_probability_alive_matrix,
        plot_segments,
        plot_tracking,
    )
    from precimark.profiling import CustomerProfiler
    from precimark.profiling.rfm import calibration_holdout_split, rfm_summary
    from precimark.propensity import evaluate_out_of_time, make_snapshots
    from precimark.propensity.snapshots import LABEL

    figure_class = _matplotlib()
    reports = [campaigns] if isinstance(campaigns, CampaignReport) else list(campaigns)
    for i, report in enumerate(reports):
        if not isinstance(report, CampaignReport):
            raise fail(
                f"argument 'campaigns' (item {i})",
                f"a {type(report).__name__}",
                "a CampaignReport (from precimark.kpi.evaluate_campaign)",
            )
    top = int(check_number(top, "top", low=1, integer=True))
    if not isinstance(title, str):
        raise fail("argument 'title'", f"a {type(title).__name__}", "a str")
    if propensity_estimator is not None:
        cloned_classifier(propensity_estimator)  # refused before any work
    columns = Columns() if columns is None else columns
    tx = validate_transactions(transactions, columns, date_format=date_format)
    frame = transactions.copy()
    frame[columns.date] = tx.days.astype("datetime64[D]").astype("datetime64[ns]")
    first = int(tx.days.min())
    end_day = int(tx.days.max())
    if observation_end is not None:
        end_day = int(
            to_day(observation_end, "observation_end", date_format=date_format).astype(np.int64)
        )
    cal_day = (first + end_day) // 2
    if calibration_end is not None:
        cal_day = int(
            to_day(calibration_end, "calibration_end", date_format=date_format).astype(np.int64)
        )
    if not first <= cal_day < end_day:
        raise fail(
            "argument 'calibration_end'",
            str(np.datetime64(cal_day, "D")),
            f"a day from the first purchase ({np.datetime64(first, 'D')}) to the day before "
            f"observation_end ({np.datetime64(end_day, 'D')})",
        )
    end = pd.Timestamp(np.datetime64(end_day, "D"))
    cal_end = pd.Timestamp(np.datetime64(cal_day, "D"))
    frame = frame[frame[columns.date] <= end]

    gate = resolve_consent(customers, "profiling", consent, used_by="precimark.report.build")
    keep = gate.mask(pd.Index(frame[columns.customer_id]))
    if not keep.any():
        raise fail(
            "argument 'customers'",
            "no customer of the transactions with profiling consent",
            "at least one consenting customer",
        )
    frame = frame[keep]
    doc = _Document(figure_class)
    ids = frame[columns.customer_id]

    # 1. The customer base.
    profile = CustomerProfiler(columns=columns).fit_transform(frame, observation_end=end)
    rfm = rfm_summary(frame, observation_end=end, time_unit="W", columns=columns)
    purchases = BetaGeoModel().fit(rfm)
    spend = GammaGammaModel().fit(rfm)
    clv = pd.DataFrame(
        {
            "probability_alive": purchases.probability_alive(rfm),
            "expected_purchases_360d": purchases.expected_purchases(rfm, "360D"),
            "expected_spend": spend.expected_spend(rfm),
            CLV_COLUMN: customer_lifetime_value(
                purchases, spend, rfm, horizon="360D", discount_period="30D", discount_rate=0.01
            ),
        }
    )
    doc.heading("1. The customer base")
    consent_note = {
        "checked": f"consent checked in column '{gate.column}': {len(gate.excluded):,} roster "
        "customers without profiling consent left out",
        "opted_out": "consent not checked (consent=False: you vouch for a lawful basis)",
        "no_roster": "consent not checked (no customer roster given)",
    }[gate.status]
    doc.note(
        f"{ids.nunique():,} customers, {len(frame):,} transactions, revenue "
        f"{float(frame[columns.amount].sum()):,.2f}, from {np.datetime64(first, 'D')} to "
        f"{end.date()}; {consent_note}."
    )
    highlights = (
        profile[
            [
                "orders",
                "total_spend",
                "average_order_value",
                "tenure_days",
                "days_since_last_purchase",
            ]
        ]
        .describe(percentiles=[0.5, 0.9])
        .loc[["mean", "50%", "90%", "max"]]
    )
    highlights.index = pd.Index(["mean", "median", "90th percentile", "maximum"], name="statistic")
    one_time = float((profile["orders"] == 1).mean())
    doc.table(
        "Archive highlights",
        highlights,
        notes=[f"{one_time:.1%} of the customers have ordered once."],
    )
    segments = _segment_summary(profile)
    segments[f"total_{CLV_COLUMN}"] = (
        clv[CLV_COLUMN].groupby(profile[SEGMENT], observed=True).sum().reindex(segments.index)
    )
    doc.table("RFM segments", segments)
    valued = profile[[SEGMENT]].join(clv[CLV_COLUMN])
    doc.charts(
        lambda ax: plot_segments(profile, ax=ax),
        lambda ax: plot_segments(valued, value_column=CLV_COLUMN, ax=ax),
    )

    # 2. CLV fit and holdout diagnostics.
    split = calibration_holdout_split(
        frame, calibration_end=cal_end, observation_end=end, time_unit="W", columns=columns
    )
    calibration = rfm_summary(
        frame[frame[columns.date] <= cal_end],
        observation_end=cal_end,
        time_unit="W",
        columns=columns,
    )
    model = BetaGeoModel().fit(calibration)
    evaluation = evaluate(model, split)
    track = clv_tracking(model, frame, cal_end, end, period="7D", columns=columns)
    doc.heading("2. CLV: BG/NBD fit and holdout diagnostics")
    doc.note(
        f"BG/NBD in weeks fitted on the calibration period to {cal_end.date()}, tested on the "
        f"holdout to {end.date()}: {evaluation.total_actual:,.0f} actual vs "
        f"{evaluation.total_predicted:,.0f} predicted holdout purchases. The CLV of the other "
        "sections uses BG/NBD and Gamma-Gamma fitted on all the data: 12 periods of 30 days, "
        "1% discount per period."
    )
    doc.table("BG/NBD parameters (calibration)", model.summary_)
    doc.table("Holdout measures", evaluation.summary().to_frame())
    doc.charts(
        lambda ax: plot_period_transactions(evaluation, ax=ax),
        lambda ax: plot_calibration_vs_holdout(evaluation, ax=ax),
        lambda ax: plot_tracking(track, kind="cumulative", ax=ax),
        lambda ax: plot_tracking(track, kind="incremental", ax=ax),
        lambda ax: plot_probability_alive_matrix(purchases, rfm, ax=ax),
    )

    # 3. Top customers.
    best = clv.sort_values(CLV_COLUMN, ascending=False, kind="stable").head(top)
    best.index.name = columns.customer_id
    doc.heading(f"3. Top {len(best)} customers by CLV")
    if pseudonym_key is not None:
        from precimark.privacy import pseudonymize

        best = pseudonymize(best, columns.customer_id, key=pseudonym_key)
        doc.note("Customer ids are keyed pseudonyms (HMAC-SHA256).")
    doc.table(f"Top customers by {CLV_COLUMN}", best)

    # 4. Propensity.
    horizon = pd.Timedelta(days=PROPENSITY_HORIZON_DAYS)
    cutoffs = [end - horizon * k for k in range(4, 0, -1)]
    marketing = resolve_consent(customers, "marketing", consent, used_by="precimark.report.build")
    reachable = frame[marketing.mask(pd.Index(frame[columns.customer_id]))]
    snapshots = make_snapshots(
        reachable, cutoffs=cutoffs, horizon=PROPENSITY_HORIZON_DAYS, columns=columns
    )
    oot = evaluate_out_of_time(
        snapshots, horizon=PROPENSITY_HORIZON_DAYS, estimator=propensity_estimator
    )
    y_true = snapshots.loc[oot.scores.index, LABEL].to_numpy()
    y_score = oot.scores.to_numpy()
    doc.heading(f"4. Propensity to buy in the next {PROPENSITY_HORIZON_DAYS} days")
    doc.note(
        f"Trained on the cutoffs {', '.join(str(c.date()) for c in cutoffs[:-1])} and tested "
        f"out of time on {oot.test_cutoff.date()} ({oot.n_test:,} customers, base rate "
        f"{oot.base_rate:.1%})."
    )
    if marketing.checked:
        doc.note(
            f"Customers with marketing consent (column '{marketing.column}'): "
            f"{reachable[columns.customer_id].nunique():,}."
        )
    doc.table("Out-of-time measures", oot.to_frame())
    doc.charts(
        lambda ax: plot_gains(y_true, y_score, ax=ax),
        lambda ax: plot_gains(y_true, y_score, kind="lift", ax=ax),
    )

    # 5. Campaigns.
    if reports:
        doc.heading("5. Campaign results")
    for report in reports:
        doc.parts.append(report._repr_html_())
        doc.charts(lambda ax, report=report: plot_campaign_report(report, ax=ax))

    from precimark import __version__

    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            f"<h1>{html.escape(title)}</h1>",
            f'<p class="note">Made by precimark {html.escape(__version__)}; data to '
            f"{end.date()}.</p>",
            *doc.parts,
            "</body>",
            "</html>",
            "",
        ]
    )
