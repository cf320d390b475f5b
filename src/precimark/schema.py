"""Input column names and the names of precimark's output columns.

Inputs are read through one frozen :class:`Columns` object, so a shop whose log calls the
customer ``"user"`` passes ``Columns(customer_id="user")`` once instead of renaming frames.
Output names follow lifetimes and pymc-marketing.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CALIBRATION_HOLDOUT_COLUMNS",
    "DURATION_HOLDOUT",
    "FREQUENCY",
    "FREQUENCY_HOLDOUT",
    "MONETARY_VALUE",
    "MONETARY_VALUE_HOLDOUT",
    "RECENCY",
    "RFM_COLUMNS",
    "T",
    "Columns",
]

FREQUENCY = "frequency"
RECENCY = "recency"
T = "T"
MONETARY_VALUE = "monetary_value"
RFM_COLUMNS: tuple[str, ...] = (FREQUENCY, RECENCY, T, MONETARY_VALUE)
"""Columns of :func:`precimark.rfm_summary`, in order."""

FREQUENCY_HOLDOUT = "frequency_holdout"
MONETARY_VALUE_HOLDOUT = "monetary_value_holdout"
DURATION_HOLDOUT = "duration_holdout"
CALIBRATION_HOLDOUT_COLUMNS: tuple[str, ...] = (
    *(f"{name}_cal" for name in RFM_COLUMNS),
    FREQUENCY_HOLDOUT,
    MONETARY_VALUE_HOLDOUT,
    DURATION_HOLDOUT,
)
"""Columns of :func:`precimark.calibration_holdout_split`, in order."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Names of the columns precimark reads from a transaction log.

    Parameters
    ----------
    customer_id : str, default "customer_id"
        Customer identifier (any hashable, sortable values).
    date : str, default "date"
        Transaction timestamp (datetime64, or strings pandas can parse).
    amount : str, default "amount"
        Amount paid for the transaction, in currency units.

    Examples
    --------
    >>> from precimark import Columns
    >>> Columns(customer_id="user_id").customer_id
    'user_id'
    """

    customer_id: str = "customer_id"
    date: str = "date"
    amount: str = "amount"
