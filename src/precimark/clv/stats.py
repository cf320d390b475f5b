"""Sufficient statistics of the BTYD likelihoods: a mergeable histogram of RFM rows.

The BG/NBD, Pareto/NBD and MBG/NBD likelihoods depend on a customer only through
(frequency, recency, T), so a customer base is summarised without loss by the count of
customers at each distinct row. Histograms built on different partitions (or machines) merge
with ``+``, and fitting the merged histogram equals fitting every customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from precimark._typing import TimeUnit
from precimark._validation import (
    check_columns,
    check_frame,
    check_time_unit,
    fail,
    fail_rows,
    validate_rfm,
)
from precimark._validation import resolve_time_unit as _resolve_time_unit
from precimark.persistence._header import header, read_header, reading
from precimark.schema import COUNT, FREQUENCY, RECENCY, T

__all__ = ["COUNT", "RFMHistogram"]

_KEYS = [FREQUENCY, RECENCY, T]
_FORMAT_VERSION = 1  # of to_dict documents


@dataclass(frozen=True, eq=False)
class RFMHistogram:
    """Counts of customers per distinct (frequency, recency, T) row.

    Build it with :meth:`from_rfm` (from an :func:`~precimark.rfm_summary` frame) or
    :meth:`from_counts` (from counts computed elsewhere, e.g. a Spark
    ``groupBy("frequency", "recency", "T").count()``); merge two with ``+``. Every model's
    ``fit`` accepts it in place of the summary frame.

    Attributes
    ----------
    counts : DataFrame
        Columns ``frequency``, ``recency``, ``T`` and ``count``, one row per distinct
        (frequency, recency, T), sorted.
    time_unit : {"D", "W"}
        Unit of ``recency`` and ``T``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.clv import RFMHistogram
    >>> rfm = pd.DataFrame({"frequency": [0, 0, 2], "recency": [0.0, 0.0, 5.0], "T": [9.0, 9.0, 9.0]})
    >>> hist = RFMHistogram.from_rfm(rfm, time_unit="D")
    >>> (hist + hist).counts
       frequency  recency    T  count
    0          0      0.0  9.0      4
    1          2      5.0  9.0      2
    >>> hist.n_customers
    3
    """

    counts: pd.DataFrame
    time_unit: TimeUnit

    @classmethod
    def from_rfm(cls, rfm: pd.DataFrame, *, time_unit: TimeUnit | None = None) -> RFMHistogram:
        """Count the customers of an RFM summary per distinct (frequency, recency, T).

        Parameters
        ----------
        rfm : DataFrame
            Output of :func:`~precimark.rfm_summary` (one row per customer).
        time_unit : {"D", "W"}, optional
            Unit of ``recency`` and ``T``; read from ``rfm.attrs`` when not given.

        Returns
        -------
        RFMHistogram
        """
        frame = validate_rfm(rfm)
        unit = resolve_time_unit(frame, time_unit)
        counts = frame.groupby(_KEYS, sort=True).size().rename(COUNT).reset_index()
        return cls._make(counts, unit)

    @classmethod
    def from_counts(cls, counts: pd.DataFrame, *, time_unit: TimeUnit) -> RFMHistogram:
        """Wrap counts computed elsewhere (rows may repeat: they are summed).

        Parameters
        ----------
        counts : DataFrame
            Columns ``frequency``, ``recency``, ``T`` and ``count`` (positive whole numbers).
        time_unit : {"D", "W"}
            Unit of ``recency`` and ``T``.

        Returns
        -------
        RFMHistogram
        """
        frame = check_frame(counts, "counts")
        check_columns(frame, [*_KEYS, COUNT], "counts")
        validate_rfm(frame[_KEYS].reset_index(drop=True), name="counts")
        weight = pd.to_numeric(frame[COUNT], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        bad = ~(weight >= 1) | (weight != np.round(weight))
        if bad.any():
            raise fail_rows(
                f"column '{COUNT}'",
                bad,
                frame.index,
                "count that is not a whole number >= 1",
                "positive whole-number counts",
                plural="counts that are not whole numbers >= 1",
            )
        summed = (
            frame[_KEYS]
            .assign(**{COUNT: weight.astype(np.int64)})
            .groupby(_KEYS, sort=True)[COUNT]
            .sum()
            .reset_index()
        )
        return cls._make(summed, check_time_unit(time_unit))

    @classmethod
    def _make(cls, counts: pd.DataFrame, time_unit: TimeUnit) -> RFMHistogram:
        counts = counts.astype(
            {FREQUENCY: np.int64, RECENCY: np.float64, T: np.float64, COUNT: np.int64}
        )
        return cls(counts=counts.reset_index(drop=True), time_unit=time_unit)

    @property
    def n_customers(self) -> int:
        """Number of customers counted."""
        return int(self.counts[COUNT].sum())

    def __add__(self, other: object) -> RFMHistogram:
        """Merge two histograms of the same time unit."""
        if not isinstance(other, RFMHistogram):
            return NotImplemented
        if other.time_unit != self.time_unit:
            raise fail(
                "RFMHistogram +",
                f"time units {self.time_unit!r} and {other.time_unit!r}",
                "histograms in the same time unit",
            )
        both = pd.concat([self.counts, other.counts], ignore_index=True)
        return self._make(both.groupby(_KEYS, sort=True)[COUNT].sum().reset_index(), self.time_unit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RFMHistogram):
            return NotImplemented
        return self.time_unit == other.time_unit and self.counts.equals(other.counts)

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """Return the histogram as a JSON-safe document (see :meth:`from_dict`).

        Returns
        -------
        dict
            The header keys (``type``, ``format_version``, ``precimark_version``), the time
            unit and one list per column of :attr:`counts`.

        Examples
        --------
        >>> import json
        >>> import pandas as pd
        >>> from precimark.clv import RFMHistogram
        >>> rfm = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 5.0], "T": [9.0, 9.0]})
        >>> hist = RFMHistogram.from_rfm(rfm, time_unit="D")
        >>> RFMHistogram.from_dict(json.loads(json.dumps(hist.to_dict()))) == hist
        True
        """
        columns = {column: self.counts[column].tolist() for column in [*_KEYS, COUNT]}
        return {**header(RFMHistogram, _FORMAT_VERSION), "time_unit": self.time_unit, **columns}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RFMHistogram:
        """Rebuild a histogram from :meth:`to_dict` output, checking it as :meth:`from_counts` does.

        Raises
        ------
        DataValidationError
            If ``data`` is not a histogram document, has another format version, or holds
            invalid rows or counts.
        """
        read_header(data, RFMHistogram, _FORMAT_VERSION)
        with reading(cls):
            counts = pd.DataFrame({column: data[column] for column in [*_KEYS, COUNT]})
            return cls.from_counts(counts, time_unit=data["time_unit"])


def resolve_time_unit(frame: pd.DataFrame, time_unit: TimeUnit | None) -> TimeUnit:
    """Time unit of an RFM frame: the explicit argument, else ``frame.attrs['time_unit']``.

    Raises if neither is known, or if both are and they disagree: a horizon read in the wrong
    unit is the most common silent error with BTYD models. (Kept for this import path; it is
    :func:`precimark._validation.resolve_time_unit`.)
    """
    return _resolve_time_unit(frame, time_unit)
