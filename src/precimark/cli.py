"""The ``precimark`` command line: ``precimark demo`` runs the loop on the bundled CDNOW data."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from precimark.datasets import CDNOW_CALIBRATION_END, load_cdnow
from precimark.profiling.rfm import rfm_summary

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    transactions = load_cdnow(sample=not args.full)
    rfm = rfm_summary(transactions, observation_end=CDNOW_CALIBRATION_END, time_unit="W")
    print(
        f"CDNOW {'full cohort' if args.full else '1/10 sample'}: {len(transactions):,} transactions"
    )
    print(f"RFM summary at {CDNOW_CALIBRATION_END.date()} (weeks), {len(rfm):,} customers:")
    with pd.option_context("display.width", 100, "display.precision", 2):
        print(rfm.describe().T[["mean", "std", "min", "50%", "max"]])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="precimark", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the loop on the bundled CDNOW data")
    demo.add_argument("--full", action="store_true", help="use the full 23,570-customer cohort")
    demo.set_defaults(handler=_demo)
    args = parser.parse_args(argv)
    handler = args.handler
    return int(handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
