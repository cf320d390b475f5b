"""The ``precimark`` command line.

``precimark demo`` runs the whole loop on the bundled CDNOW data. ``precimark profile``,
``clv``, ``score`` and ``price`` read a transactions CSV or Parquet file and write per-customer
results. Errors print one line and exit with status 2; no tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from precimark.exceptions import PrecimarkError
from precimark.schema import Columns

__all__ = ["main"]


def _read(path: str, columns: Columns) -> pd.DataFrame:
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
        frame = pd.read_csv(file)
    else:
        raise PrecimarkError(f"{path}: expected a .csv or .parquet file")
    if columns.date in frame.columns and not pd.api.types.is_datetime64_any_dtype(
        frame[columns.date]
    ):
        frame[columns.date] = pd.to_datetime(frame[columns.date], errors="coerce", format="mixed")
    return frame


def _write(frame: pd.DataFrame, path: str | None, what: str) -> None:
    if path is None:
        print(frame.to_csv(), end="")
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix.lower() == ".parquet":
        frame.to_parquet(target)
    else:
        frame.to_csv(target)
    print(f"wrote {len(frame):,} {what} rows to {target}", file=sys.stderr)


def _columns(args: argparse.Namespace) -> Columns:
    return Columns(customer_id=args.customer_col, date=args.date_col, amount=args.amount_col)


def _demo(args: argparse.Namespace) -> int:
    from precimark._demo import run_demo

    result = run_demo(sys.stdout, full=args.full)
    if args.output:
        _save_demo(result.tables, Path(args.output))
    return 0


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
    transactions = _read(args.transactions, columns)
    profiler = CustomerProfiler(columns=columns).fit(
        transactions, observation_end=args.observation_end
    )
    _write(profiler.transform(), args.output, "profile")
    return 0


def _clv(args: argparse.Namespace) -> int:
    from precimark.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value
    from precimark.profiling.rfm import rfm_summary

    columns = _columns(args)
    transactions = _read(args.transactions, columns)
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
                horizon=args.periods,
                freq=f"{args.step_days}D",
                discount_rate=args.discount_rate,
                margin=args.margin,
            ),
        }
    )
    _write(result, args.output, "CLV")
    return 0


def _score(args: argparse.Namespace) -> int:
    from precimark.propensity import evaluate_out_of_time, make_snapshots

    columns = _columns(args)
    transactions = _read(args.transactions, columns)
    dates = pd.to_datetime(transactions[columns.date])
    end = pd.Timestamp(args.observation_end) if args.observation_end else dates.max().normalize()
    horizon = pd.Timedelta(days=args.horizon_days)
    cutoffs = [end - horizon * k for k in range(args.training_cutoffs + 1, 0, -1)]
    snapshots = make_snapshots(
        transactions, cutoffs=cutoffs, horizon=args.horizon_days, columns=columns
    )
    evaluation = evaluate_out_of_time(snapshots, horizon=args.horizon_days)
    scoring = make_snapshots(
        transactions, cutoffs=[end], horizon=args.horizon_days, columns=columns, labels=False
    ).droplevel("cutoff")
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
    _write(scores.to_frame(), args.output, "score")
    return 0


def _price(args: argparse.Namespace) -> int:
    from precimark.pricing import differentiated_pricing_policy
    from precimark.profiling import CustomerProfiler

    columns = _columns(args)
    transactions = _read(args.transactions, columns)
    profile = (
        CustomerProfiler(columns=columns)
        .fit(transactions, observation_end=args.observation_end)
        .transform()
    )
    end = (
        profile["last_purchase"].max()
        if args.observation_end is None
        else pd.Timestamp(args.observation_end)
    )
    dates = pd.to_datetime(transactions[columns.date])
    recent = transactions[dates > end - pd.Timedelta(days=365)]
    customers = pd.DataFrame(
        {
            "orders_365d": recent.groupby(columns.customer_id)[columns.date]
            .nunique()
            .reindex(profile.index, fill_value=0)
        }
    )
    for optional in ("price_sensitivity", "channel"):
        if optional in profile.columns:
            customers[optional] = profile[optional]
    if args.customers:
        attributes = _read(args.customers, columns).set_index(columns.customer_id)
        customers = customers.join(attributes, how="left", rsuffix="_attribute")
    if "consent_personalised_pricing" not in customers.columns:
        print(
            "no consent_personalised_pricing column given (--customers): every customer gets "
            "the list price",
            file=sys.stderr,
        )
        customers["consent_personalised_pricing"] = False
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
    decisions = policy.decide(customers, args.list_price, consent="consent_personalised_pricing")
    _write(decisions, args.output, "decision")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="precimark",
        description="Precision marketing for e-commerce: profiles, CLV, scores, prices, KPIs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the whole loop on the bundled CDNOW data")
    demo.add_argument("--full", action="store_true", help="use the full 23,570-customer cohort")
    demo.add_argument(
        "--output", metavar="DIR", help="write per-customer results (CSV) and charts (PNG)"
    )
    demo.set_defaults(handler=_demo)

    def with_input(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("transactions", help="transactions file (.csv or .parquet)")
        sub.add_argument("--customer-col", default="customer_id")
        sub.add_argument("--date-col", default="date")
        sub.add_argument("--amount-col", default="amount")
        sub.add_argument(
            "--observation-end", default=None, help="last day observed (default: last date)"
        )
        sub.add_argument("--output", default=None, help="output .csv or .parquet (default: stdout)")
        return sub

    with_input("profile", "per-customer consumer archive").set_defaults(handler=_profile)
    clv = with_input("clv", "BG/NBD + Gamma-Gamma CLV per customer")
    clv.add_argument("--periods", type=int, default=12, help="number of periods (default 12)")
    clv.add_argument("--step-days", type=int, default=30, help="days per period (default 30)")
    clv.add_argument("--discount-rate", type=float, default=0.01, help="discount rate per period")
    clv.add_argument("--margin", type=float, default=1.0, help="profit margin on spend")
    clv.set_defaults(handler=_clv)
    score = with_input("score", "purchase propensity per customer")
    score.add_argument("--horizon-days", type=int, default=90)
    score.add_argument("--training-cutoffs", type=int, default=3)
    score.set_defaults(handler=_score)
    price = with_input("price", "differentiated price decisions per customer")
    price.add_argument("--list-price", type=float, required=True)
    price.add_argument(
        "--customers",
        default=None,
        help="customer attributes file (consent_personalised_pricing, price_sensitivity, channel, ...)",
    )
    price.set_defaults(handler=_price)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (PrecimarkError, ValueError, OSError) as err:
        message = " ".join(str(err).split())
        print(f"precimark {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
