"""The ``precimark`` command line.

``precimark demo`` runs the whole loop on the bundled CDNOW data. ``precimark profile``,
``clv``, ``score`` and ``price`` read a transactions CSV or Parquet file and write per-customer
results. Errors print one line and exit with status 2; no tracebacks.

Consent has the library's one meaning. ``--customers FILE`` gives a roster (one row per
customer, with a customer id column); each subcommand then applies its purpose's default
consent column (``consent_profiling`` for ``profile`` and ``clv``, ``consent_marketing`` for
``score``, ``consent_personalised_pricing`` for ``price``), or the one named by ``--consent
COLUMN``; ``--no-consent-check`` is the one explicit opt-out. Customers missing from the roster
count as without consent. A roster without the column is an error. Without a roster there is nothing to check (``price`` then gives everyone the list
price: no consent to personalised pricing is on record). Each run says on stderr which of these
applied. ``--date-format FORMAT`` (e.g. ``%d/%m/%Y``) says how date strings are written.
``precimark attribute TOUCHPOINTS --conversions TRANSACTIONS`` credits conversions and revenue to
channels (marketing consent, ``consent_marketing``) and writes one row per channel.
``precimark kpi OUTCOMES`` evaluates a randomised campaign from one row per customer in the test
(treated flag, revenue in the campaign window) and writes one row per KPI with its interval.
``precimark report TRANSACTIONS --output report.html`` writes one self-contained HTML report
(customer base, CLV diagnostics, top customers, propensity and, with ``--campaign OUTCOMES``,
campaign results with intervals; ``--pseudonymize`` shows keyed pseudonyms, the key in the
``PRECIMARK_PSEUDONYM_KEY`` environment variable); it needs matplotlib
(``pip install 'precimark[plot]'``).

Files are read and written by extension: ``.csv`` (``--delimiter``), ``.parquet`` (needs
pyarrow) and, for outputs, ``.json`` (a list of records; ``kpi`` writes the report's JSON
document). ``--version`` prints the installed version; ``--verbose`` shows progress and the
``precimark`` logger's INFO messages on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pandas as pd

from precimark import __version__
from precimark._validation import to_day, validate_transactions
from precimark.exceptions import PrecimarkError
from precimark.privacy import ConsentLike, DataUse
from precimark.privacy._gate import resolve_consent
from precimark.privacy.consent import Purpose
from precimark.privacy.usage import (
    CONSENT_CHECK,
    CONSENT_NOT_CHECKED,
    DATA_USAGE_ATTR,
    NO_ROSTER,
    _usage_from_attrs,
)
from precimark.schema import Columns

if TYPE_CHECKING:
    from precimark._demo import DemoResult

__all__ = ["main"]


_OUTPUTS = (".csv", ".parquet", ".json")
"""Output formats, chosen by the extension of ``--output``."""


def _read(path: str, delimiter: str = ",") -> pd.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise PrecimarkError(f"{path}: no such file")
    if file.suffix.lower() == ".parquet":
        try:
            frame = pd.read_parquet(file)
        except ImportError as err:
            raise PrecimarkError(
                f"{path}: reading Parquet needs pyarrow (pip install pyarrow)"
            ) from err
    elif file.suffix.lower() in {".csv", ".txt"}:
        frame = pd.read_csv(file, sep=delimiter)
    else:
        raise PrecimarkError(f"{path}: expected a .csv or .parquet file")
    return frame


def _transactions(args: argparse.Namespace, columns: Columns) -> pd.DataFrame:
    """Read and validate the transactions; dates parsed once, with ``--date-format``."""
    frame = _read(args.transactions, args.delimiter)
    tx = validate_transactions(frame, columns, date_format=args.date_format)
    frame[columns.date] = tx.days.astype("datetime64[D]").astype("datetime64[ns]")
    return frame


def _observation_end(args: argparse.Namespace) -> pd.Timestamp:
    """``--observation-end``, read like every date argument of the library."""
    day = to_day(args.observation_end, "observation_end", date_format=args.date_format)
    return pd.Timestamp(day)


def _roster(args: argparse.Namespace, columns: Columns) -> pd.DataFrame | None:
    """Return the ``--customers`` roster indexed by customer id, or None."""
    if args.customers is None:
        return None
    frame = _read(args.customers, args.delimiter)
    if columns.customer_id not in frame.columns:
        raise PrecimarkError(
            f"{args.customers}: no customer id column '{columns.customer_id}' "
            "(name it with --customer-col)"
        )
    return frame.set_index(columns.customer_id)


def _consent(args: argparse.Namespace) -> ConsentLike | None:
    """``--consent COLUMN`` -> the column, ``--no-consent-check`` -> False, else None."""
    if args.no_consent_check:
        return False
    consent: str | None = args.consent
    return consent


def _say_consent(command: str, uses: list[DataUse], excluded: int | None = None) -> None:
    """Print, on stderr, whether consent was checked (the run's data-usage record)."""
    for use in uses:
        if use.purpose == CONSENT_CHECK:
            left_out = "" if excluded is None else f"; {excluded:,} customers left out"
            print(f"{command}: consent checked in column '{use.column}'{left_out}", file=sys.stderr)
        elif use.purpose == CONSENT_NOT_CHECKED:
            print(f"{command}: consent not checked (--no-consent-check)", file=sys.stderr)
        elif use.purpose == NO_ROSTER:
            print(
                f"{command}: consent not checked (no --customers roster)",
                file=sys.stderr,
            )


def _gated(
    args: argparse.Namespace, columns: Columns, transactions: pd.DataFrame, purpose: Purpose
) -> pd.DataFrame:
    """Keep the transactions of the customers the roster allows for ``purpose``."""
    gate = resolve_consent(
        _roster(args, columns), purpose, _consent(args), used_by=f"precimark {args.command}"
    )
    keep = gate.mask(pd.Index(transactions[columns.customer_id]))
    excluded = int(transactions.loc[~keep, columns.customer_id].nunique()) if gate.checked else None
    _say_consent(args.command, list(gate.data_usage), excluded)
    if keep.all():
        return transactions
    if not keep.any():
        raise PrecimarkError(f"no customer in the transactions has {purpose} consent")
    return transactions[keep]


def _usage(frame: pd.DataFrame | pd.Series[float]) -> list[DataUse]:
    return _usage_from_attrs(frame.attrs.get(DATA_USAGE_ATTR, []))


def _check_output(path: str | None) -> None:
    """Refuse an output format that cannot be written, before any work is done."""
    if path is None:
        return
    suffix = Path(path).suffix.lower()
    if suffix not in _OUTPUTS:
        raise PrecimarkError(
            f"{path}: unknown output format {suffix or '(no extension)'!r}; "
            "expected a .csv, .parquet or .json file"
        )
    if suffix == ".parquet":
        try:  # importing, not just finding: an installed pyarrow may not load (numpy 1 vs 2)
            importlib.import_module("pyarrow")
        except ImportError as err:
            reason = (str(err).splitlines() or [type(err).__name__])[0]
            raise PrecimarkError(
                f"{path}: writing Parquet needs pyarrow (pip install pyarrow); {reason}"
            ) from err


def _write(
    frame: pd.DataFrame,
    args: argparse.Namespace,
    what: str,
    document: dict[str, object] | None = None,
) -> None:
    """Write ``frame`` to ``--output`` in the format of its extension (stdout: CSV).

    JSON is a list of records, the index as the first field, dates in ISO 8601, missing
    values as null; ``document``, when given, is written instead (a result's ``to_dict()``).
    """
    path: str | None = args.output
    if path is None:
        print(frame.to_csv(sep=args.delimiter), end="")
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(target)
    elif suffix == ".json" and document is not None:
        target.write_text(json.dumps(document, allow_nan=False, indent=2) + "\n")
    elif suffix == ".json":
        frame.reset_index().to_json(target, orient="records", date_format="iso", indent=2)
    else:
        frame.to_csv(target, sep=args.delimiter)
    print(f"wrote {len(frame):,} {what} rows to {target}", file=sys.stderr)


def _columns(args: argparse.Namespace) -> Columns:
    return Columns(customer_id=args.customer_col, date=args.date_col, amount=args.amount_col)


def _demo(args: argparse.Namespace) -> int:
    from precimark._demo import run_demo

    result = run_demo(sys.stdout, full=args.full)
    if args.output:
        _save_demo(result.tables, Path(args.output))
        _demo_report(result, Path(args.output), full=args.full)
    return 0


def _demo_report(result: DemoResult, folder: Path, *, full: bool) -> None:
    """Write the demo's ``report.html`` (skipped, with a note, without matplotlib)."""
    if importlib.util.find_spec("matplotlib") is None:
        print(f"no report.html in {folder}: the report needs precimark[plot]")
        return
    from precimark import report
    from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow

    page = report.build(
        load_cdnow(sample=not full),
        campaigns=[] if result.campaign is None else [result.campaign],
        calibration_end=CDNOW_CALIBRATION_END,
        observation_end=CDNOW_OBSERVATION_END,
        title="precimark demo: the CDNOW sample" if not full else "precimark demo: CDNOW",
    )
    (folder / "report.html").write_text(page, encoding="utf-8")
    print(f"wrote {folder / 'report.html'}")


def _save_demo(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"wrote {len(tables)} CSV files to {folder} (install precimark[plot] for charts)")
        return
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    segments = tables["profile"]["segment"].value_counts()
    segments[segments > 0].plot.barh(ax=axes[0], title="Customers per RFM segment")
    clv = tables["clv"]["clv_12x30d"]
    clv.clip(upper=float(clv.quantile(0.99))).plot.hist(
        bins=40, ax=axes[1], title="12 x 30-day CLV (99th pct. clipped)"
    )
    figure.tight_layout()
    figure.savefig(folder / "overview.png", dpi=100)
    plt.close(figure)
    print(f"wrote {len(tables)} CSV files and overview.png to {folder}")


def _profile(args: argparse.Namespace) -> int:
    from precimark.profiling import CustomerProfiler

    columns = _columns(args)
    transactions = _gated(args, columns, _transactions(args, columns), "profiling")
    profile = CustomerProfiler(columns=columns).fit_transform(
        transactions, observation_end=args.observation_end, verbose=args.verbose
    )
    _write(profile, args, "profile")
    return 0


def _clv(args: argparse.Namespace) -> int:
    from precimark.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value
    from precimark.profiling.rfm import rfm_summary

    columns = _columns(args)
    transactions = _gated(args, columns, _transactions(args, columns), "profiling")
    rfm = rfm_summary(
        transactions, observation_end=args.observation_end, time_unit="D", columns=columns
    )
    purchases = BetaGeoModel(engine="native").fit(rfm)
    spend = GammaGammaModel(engine="native").fit(rfm)
    result = pd.DataFrame(
        {
            "probability_alive": purchases.probability_alive(rfm),
            "expected_purchases": purchases.expected_purchases(
                rfm, f"{args.step_days * args.periods}D"
            ),
            "expected_spend": spend.expected_spend(rfm),
            "customer_lifetime_value": customer_lifetime_value(
                purchases,
                spend,
                rfm,
                horizon=f"{args.step_days * args.periods}D",
                discount_period=f"{args.step_days}D",
                discount_rate=args.discount_rate,
                margin=args.margin,
            ),
        }
    )
    _write(result, args, "CLV")
    return 0


def _score(args: argparse.Namespace) -> int:
    from precimark.propensity import evaluate_out_of_time, make_snapshots

    columns = _columns(args)
    transactions = _transactions(args, columns)
    roster, consent = _roster(args, columns), _consent(args)
    dates = transactions[columns.date]
    end = _observation_end(args) if args.observation_end else dates.max().normalize()
    horizon = pd.Timedelta(days=args.horizon_days)
    cutoffs = [end - horizon * k for k in range(args.training_cutoffs + 1, 0, -1)]
    snapshots = make_snapshots(
        transactions,
        cutoffs=cutoffs,
        horizon=args.horizon_days,
        columns=columns,
        customers=roster,
        consent=consent,
    )
    evaluation = evaluate_out_of_time(snapshots, horizon=args.horizon_days)
    scoring = make_snapshots(
        transactions,
        cutoffs=[end],
        horizon=args.horizon_days,
        columns=columns,
        labels=False,
        customers=roster,
        consent=consent,
    )
    _say_consent(args.command, _usage(scoring))
    scoring = scoring.droplevel("cutoff")
    model = evaluation.model
    scores = pd.Series(
        model.predict_proba(scoring[model.feature_names_in_])[:, 1],
        index=scoring.index,
        name=f"propensity_{args.horizon_days}d",
    )
    print(
        f"out-of-time check at {evaluation.test_cutoff.date()}: AUC {evaluation.auc:.3f}, "
        f"top-decile lift {evaluation.top_decile_lift:.2f}",
        file=sys.stderr,
    )
    _write(scores.to_frame(), args, "score")
    return 0


def _price(args: argparse.Namespace) -> int:
    from precimark.pricing import differentiated_pricing_policy
    from precimark.profiling import CustomerProfiler

    columns = _columns(args)
    transactions = _transactions(args, columns)
    channel = "channel" if args.channel_col is None else args.channel_col
    if channel != "channel" and channel not in transactions.columns:
        raise PrecimarkError(f"{args.transactions}: no channel column '{channel}' (--channel-col)")
    roster, consent = _roster(args, columns), _consent(args)
    # Refuse a roster without its consent column before any work (decide checks again).
    resolve_consent(roster, "personalised_pricing", consent, used_by="precimark price")
    profile = CustomerProfiler(columns=columns, channel_column=channel).fit_transform(
        transactions, observation_end=args.observation_end, verbose=args.verbose
    )
    end = profile["last_purchase"].max() if args.observation_end is None else _observation_end(args)
    dates = transactions[columns.date]
    recent = transactions[dates > end - pd.Timedelta(days=365)]
    customers = pd.DataFrame(
        {
            "orders_365d": recent.groupby(columns.customer_id)[columns.date]
            .nunique()
            .reindex(profile.index, fill_value=0)
        }
    )
    if "price_sensitivity" in profile.columns:
        customers["price_sensitivity"] = profile["price_sensitivity"]
    if "preferred_channel" in profile.columns:  # the channel the customer orders through most
        customers["channel"] = profile["preferred_channel"]
    if roster is not None:
        # Columns the profile already has keep its values; the roster's get a suffix.
        clash = {c: f"{c}_attribute" for c in roster.columns if c in customers.columns}
        customers = customers.join(roster.rename(columns=clash), how="left")
    no_record = roster is None and consent is None
    if no_record:
        # No roster, so no consent to personalised pricing on record: the list price for all.
        print(
            "price: no --customers roster, so no consent to personalised pricing is on "
            "record: every customer gets the list price (give --customers FILE, or "
            "--no-consent-check)",
            file=sys.stderr,
        )
        consent = "consent_personalised_pricing"
        customers[consent] = False
    # Columns the template's rules read but the data lack get neutral values (the rule cannot
    # fire), and the user is told which.
    neutral: dict[str, float | str] = {
        "price_sensitivity": 0.0,
        "uplift": 0.0,
        "channel": "unknown",
    }
    missing = [column for column in neutral if column not in customers.columns]
    if missing:
        print(f"no {', '.join(missing)} data: the rules reading them do not fire", file=sys.stderr)
        for column in missing:
            customers[column] = neutral[column]
    policy = differentiated_pricing_policy()
    decisions = policy.decide(customers, args.list_price, consent=consent)
    if not no_record:
        _say_consent(args.command, _usage(decisions))
    _write(decisions, args, "decision")
    return 0


def _attribute(args: argparse.Namespace) -> int:
    from precimark import channels
    from precimark.schema import TouchpointColumns

    touch_columns = TouchpointColumns(
        customer_id=args.customer_col, timestamp=args.timestamp_col, channel=args.channel_col
    )
    columns = Columns(customer_id=args.customer_col, date=args.date_col, amount=args.amount_col)
    paths = channels.journeys(
        _read(args.touchpoints, args.delimiter),
        _read(args.conversions, args.delimiter),
        lookback=args.lookback,
        customers=_roster(args, columns),
        consent=_consent(args),
        columns=touch_columns,
        conversion_columns=columns,
        date_format=args.date_format,
    )
    _say_consent(args.command, _usage(paths))
    empty = paths["converted"].to_numpy() & (paths["path"].map(len).to_numpy() == 0)
    if empty.any():
        print(
            f"{args.command}: {int(empty.sum()):,} conversions without a touch in the "
            f"{args.lookback} window left unattributed",
            file=sys.stderr,
        )
    result = channels.attribute(
        paths[~empty], model=args.model, order=args.order, columns=touch_columns
    )
    _write(result, args, "channel")
    return 0


_KEY_VARIABLE = "PRECIMARK_PSEUDONYM_KEY"
"""Environment variable with the key of ``precimark report --pseudonymize``."""


def _report(args: argparse.Namespace) -> int:
    from precimark import report
    from precimark.kpi import evaluate_campaign

    path: str | None = args.output
    if path is None or Path(path).suffix.lower() != ".html":
        raise PrecimarkError(f"{path or '(no --output)'}: the report is written to a .html file")
    key = None
    if args.pseudonymize:
        key = os.environ.get(_KEY_VARIABLE)
        if not key:
            raise PrecimarkError(
                f"--pseudonymize reads the key from the environment variable {_KEY_VARIABLE}, "
                "which is not set (a secret of 16+ bytes; never on the command line)"
            )
    columns = _columns(args)
    transactions = _transactions(args, columns)
    campaigns = []
    for file in args.campaign:
        outcomes = _read(file, args.delimiter)
        for column in ("treated", "revenue"):
            if column not in outcomes.columns:
                raise PrecimarkError(
                    f"{file}: no column '{column}' (a campaign log has one row per customer "
                    "in the test with 'treated' and 'revenue'; see precimark kpi)"
                )
        if args.customer_col in outcomes.columns:
            outcomes = outcomes.set_index(args.customer_col)
        campaigns.append(
            evaluate_campaign(
                outcomes, treatment="treated", revenue_column="revenue", name=Path(file).stem
            )
        )
    roster, consent = _roster(args, columns), _consent(args)
    gate = resolve_consent(roster, "profiling", consent, used_by="precimark report")
    excluded = len(gate.excluded) if gate.checked else None
    _say_consent(args.command, list(gate.data_usage), excluded)
    page = report.build(
        transactions,
        customers=roster,
        consent=consent,
        campaigns=campaigns,
        calibration_end=args.calibration_end,
        observation_end=args.observation_end,
        columns=columns,
        pseudonym_key=key,
        top=args.top,
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    print(f"wrote the report to {target}", file=sys.stderr)
    return 0


def _kpi(args: argparse.Namespace) -> int:
    from precimark.kpi import evaluate_campaign

    outcomes = _read(args.outcomes, args.delimiter)
    named = {
        "--treatment-col": args.treatment_col,
        "--revenue-col": args.revenue_col,
        "--converted-col": args.converted_col,
        "--pre-revenue-col": args.pre_revenue_col,
    }
    for flag, column in named.items():
        if column is not None and column not in outcomes.columns:
            raise PrecimarkError(
                f"{args.outcomes}: no column '{column}' (name it with {flag}; columns present: "
                f"{', '.join(map(str, outcomes.columns))})"
            )
    if args.customer_col in outcomes.columns:
        outcomes = outcomes.set_index(args.customer_col)
    report = evaluate_campaign(
        outcomes,
        treatment=args.treatment_col,
        revenue_column=args.revenue_col,
        converted_column=args.converted_col,
        pre_revenue_column=args.pre_revenue_col,
        cost=args.cost,
        margin=args.margin,
        expected_share=args.expected_share,
        adjustment=args.adjustment,
        name=args.name,
        confidence=args.confidence,
    )
    print(
        f"{args.command}: {report.n_treated:,} treated vs {report.n_control:,} control "
        f"customers; sample-ratio check p = {report.srm_p_value:.3g}",
        file=sys.stderr,
    )
    _write(report.to_frame(), args, "KPI", document=report.to_dict())
    return 0


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="precimark",
        description="Precision marketing for e-commerce: profiles, CLV, scores, prices, KPIs.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="print the version"
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="what to run (see COMMAND --help)"
    )
    demo = commands.add_parser("demo", help="run the whole loop on the bundled CDNOW data")
    demo.add_argument("--full", action="store_true", help="use the full 23,570-customer cohort")
    demo.add_argument(
        "--output",
        metavar="DIR",
        help="write per-customer results (CSV), charts (PNG) and report.html",
    )
    demo.set_defaults(handler=_demo)

    def with_files(
        sub: argparse.ArgumentParser,
        output_help: str = "output file, .csv, .parquet or .json by its extension "
        "(default: CSV on stdout)",
    ) -> None:
        sub.add_argument(
            "--delimiter",
            default=",",
            metavar="CHAR",
            help="field delimiter of the CSV files read and written (default ',')",
        )
        sub.add_argument("--output", default=None, metavar="FILE", help=output_help)
        sub.add_argument(
            "--verbose",
            action="store_true",
            help="show progress and the library's log (fits, timings, consent) on stderr",
        )

    def with_input(
        name: str, help_text: str, output_help: str | None = None
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("transactions", help="transactions file (.csv or .parquet)")
        sub.add_argument(
            "--customer-col", default="customer_id", help="customer id column (default customer_id)"
        )
        sub.add_argument("--date-col", default="date", help="order date column (default date)")
        sub.add_argument(
            "--amount-col", default="amount", help="order amount column (default amount)"
        )
        sub.add_argument(
            "--observation-end", default=None, help="last day observed (default: last date)"
        )
        sub.add_argument(
            "--date-format",
            default=None,
            metavar="FORMAT",
            help="how date strings are written, e.g. %%d/%%m/%%Y (needed for day/month strings)",
        )
        if output_help is None:
            with_files(sub)
        else:
            with_files(sub, output_help)
        return sub

    def with_roster(sub: argparse.ArgumentParser, purpose: str, also: str = "") -> None:
        sub.add_argument(
            "--customers",
            default=None,
            metavar="FILE",
            help=f"customer roster (.csv or .parquet) with the {purpose} consent{also}",
        )
        gate = sub.add_mutually_exclusive_group()
        gate.add_argument(
            "--consent",
            default=None,
            metavar="COLUMN",
            help=f"roster column with the {purpose} consent (default: consent_{purpose})",
        )
        gate.add_argument(
            "--no-consent-check",
            action="store_true",
            help="do not check consent (you vouch for a lawful basis; reported on stderr)",
        )

    profile = with_input("profile", "per-customer consumer archive")
    with_roster(profile, "profiling")
    profile.set_defaults(handler=_profile)
    clv = with_input("clv", "BG/NBD + Gamma-Gamma CLV per customer")
    with_roster(clv, "profiling")
    clv.add_argument("--periods", type=int, default=12, help="number of periods (default 12)")
    clv.add_argument("--step-days", type=int, default=30, help="days per period (default 30)")
    clv.add_argument(
        "--discount-rate", type=float, default=0.01, help="discount rate per period (default 0.01)"
    )
    clv.add_argument("--margin", type=float, default=1.0, help="profit margin on spend (default 1)")
    clv.set_defaults(handler=_clv)
    score = with_input("score", "purchase propensity per customer")
    score.add_argument(
        "--horizon-days",
        type=int,
        default=90,
        help="days after a cutoff in which a purchase counts (default 90)",
    )
    score.add_argument(
        "--training-cutoffs",
        type=int,
        default=3,
        help="past cutoffs, one horizon apart, to train on before the tested one (default 3)",
    )
    with_roster(score, "marketing")
    score.set_defaults(handler=_score)
    price = with_input("price", "differentiated price decisions per customer")
    price.add_argument(
        "--list-price", type=float, required=True, help="list price of the product (required)"
    )
    price.add_argument(
        "--channel-col",
        default=None,
        metavar="COLUMN",
        help="transactions column with the payment channel; each customer's most used one is "
        "priced (default: channel, if present)",
    )
    with_roster(price, "personalised_pricing", " and attributes (price_sensitivity, ...)")
    price.set_defaults(handler=_price)
    attribute = commands.add_parser(
        "attribute", help="credit conversions and revenue to channels (touchpoint attribution)"
    )
    attribute.add_argument("touchpoints", help="touchpoints file (.csv or .parquet)")
    attribute.add_argument(
        "--conversions",
        required=True,
        metavar="FILE",
        help="transactions file: each row is a conversion (customer id, date, amount)",
    )
    attribute.add_argument(
        "--model",
        default="markov",
        choices=["first", "last", "linear", "position", "markov"],
        help="attribution model (default markov)",
    )
    attribute.add_argument("--order", type=int, default=1, help="Markov order, 1 to 3")
    attribute.add_argument("--lookback", default="30D", help="window before a conversion")
    attribute.add_argument(
        "--customer-col", default="customer_id", help="customer id column of both files"
    )
    attribute.add_argument(
        "--timestamp-col", default="timestamp", help="timestamp column of the touchpoints"
    )
    attribute.add_argument(
        "--channel-col", default="channel", help="channel column of the touchpoints"
    )
    attribute.add_argument("--date-col", default="date", help="date column of --conversions")
    attribute.add_argument("--amount-col", default="amount", help="amount column of --conversions")
    attribute.add_argument(
        "--date-format", default=None, metavar="FORMAT", help="how timestamp strings are written"
    )
    with_files(attribute)
    with_roster(attribute, "marketing")
    attribute.set_defaults(handler=_attribute)
    report = with_input(
        "report",
        "one self-contained HTML report: customer base, CLV, top customers, propensity, campaigns",
        output_help="the report's .html file (required)",
    )
    with_roster(report, "profiling", " (and consent_marketing for the propensity section)")
    report.add_argument(
        "--campaign",
        action="extend",
        nargs="+",
        default=[],
        metavar="OUTCOMES",
        help="campaign log(s), one row per customer in the test with treated and revenue "
        "columns (as for precimark kpi); each is shown with its KPI intervals",
    )
    report.add_argument(
        "--calibration-end",
        default=None,
        help="last day of the CLV calibration period (default: halfway through the data)",
    )
    report.add_argument(
        "--top", type=int, default=10, help="customers in the top-CLV table (default 10)"
    )
    report.add_argument(
        "--pseudonymize",
        action="store_true",
        help=f"show keyed pseudonyms instead of customer ids (key in ${_KEY_VARIABLE})",
    )
    report.set_defaults(handler=_report)
    kpi = commands.add_parser(
        "kpi", help="campaign KPIs with intervals from a randomised test (one row per customer)"
    )
    kpi.add_argument(
        "outcomes",
        help="one row per customer in the test, non-buyers included (.csv or .parquet)",
    )
    kpi.add_argument(
        "--customer-col",
        default="customer_id",
        help="customer id column, used as the index when present (default customer_id)",
    )
    kpi.add_argument(
        "--treatment-col",
        default="treated",
        help="column that is 1/True for treated, 0/False for control customers (default treated)",
    )
    kpi.add_argument(
        "--revenue-col",
        default="revenue",
        help="revenue per customer in the campaign window (default revenue)",
    )
    kpi.add_argument(
        "--converted-col",
        default=None,
        help="0/1 conversion per customer (default: revenue > 0)",
    )
    kpi.add_argument(
        "--pre-revenue-col",
        default=None,
        help="pre-campaign revenue per customer, for CUPED variance reduction",
    )
    kpi.add_argument(
        "--cost",
        type=float,
        default=None,
        help="total campaign cost (adds ROI, iROAS; needs --margin)",
    )
    kpi.add_argument(
        "--margin", type=float, default=None, help="gross margin rate of revenue, for ROI"
    )
    kpi.add_argument(
        "--expected-share",
        type=float,
        default=0.5,
        help="planned treated share, for the sample-ratio check (default 0.5)",
    )
    kpi.add_argument(
        "--adjustment",
        default="holm",
        choices=["holm", "bh"],
        help="multiple-testing correction of the p-values (default holm)",
    )
    kpi.add_argument(
        "--confidence", type=float, default=0.95, help="confidence level (default 0.95)"
    )
    kpi.add_argument("--name", default="campaign", help="campaign name (default campaign)")
    with_files(kpi)
    kpi.set_defaults(handler=_kpi)
    return parser


_FLAGS: tuple[tuple[str, str], ...] = (
    ('consent="your_column"', "--consent COLUMN, or --no-consent-check"),
    ("date_format=", "--date-format FORMAT"),
    ("precimark.Columns(", "--customer-col, --date-col, --amount-col"),
)
"""Library spellings in error messages, and the command-line flags that do the same."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    log = logging.getLogger("precimark")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("precimark: %(message)s"))
    level = log.level
    if getattr(args, "verbose", False):
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        _check_output(args.output if args.command not in ("demo", "report") else None)
        return int(args.handler(args))
    except (PrecimarkError, ValueError, OSError) as err:
        message = " ".join(str(err).split())
        for api, flag in _FLAGS:
            if api in message:
                message += f" (on the command line: {flag})"
                break
        print(f"precimark {args.command}: error: {message}", file=sys.stderr)
        return 2
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
