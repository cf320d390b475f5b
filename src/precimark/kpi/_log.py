"""Windows of a validated transaction log and per-customer activity within them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from precimark._typing import DateLike
from precimark._validation import Transactions, fail, refuse_overflow, to_day
from precimark.schema import Columns

__all__ = ["Window", "activity_by_customer", "day_window"]


class Window(NamedTuple):
    """A window of calendar days (days since 1970-01-01), both ends inclusive."""

    first: int
    last: int

    @property
    def days(self) -> int:
        """Number of days in the window."""
        return self.last - self.first + 1


def day_window(
    tx: Transactions,
    start: DateLike | None,
    end: DateLike | None,
    names: tuple[str, str] = ("start", "end"),
) -> Window:
    """Return the window ``[start, end]``; a missing bound defaults to the log's first/last day."""
    first = int(tx.days.min()) if start is None else int(to_day(start, names[0]).astype(np.int64))
    last = int(tx.days.max()) if end is None else int(to_day(end, names[1]).astype(np.int64))
    if last < first:
        raise fail(
            f"argument '{names[1]}'",
            f"{np.datetime64(last, 'D')}, before {names[0]} {np.datetime64(first, 'D')}",
            f"{names[1]} >= {names[0]}",
        )
    return Window(first, last)


def activity_by_customer(tx: Transactions, window: Window, columns: Columns) -> pd.DataFrame:
    """Orders and revenue per customer with an order in ``window`` (sorted by customer id).

    ``columns`` gives the names of the index and of the amount column in an overflow message.
    """
    keep = (tx.days >= window.first) & (tx.days <= window.last)
    codes, uniques = pd.factorize(tx.ids[keep], sort=True)
    orders = np.bincount(codes, minlength=len(uniques))
    with np.errstate(over="ignore"):
        revenue = np.bincount(codes, weights=tx.amounts[keep], minlength=len(uniques))
    refuse_overflow(revenue, f"column '{columns.amount}'", uniques, "revenue")
    index = pd.Index(uniques, name=columns.customer_id)
    return pd.DataFrame({"orders": orders.astype(np.int64), "revenue": revenue}, index=index)
