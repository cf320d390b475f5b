"""Mergeable per-group aggregates (count, sum, sum of squares) for KPIs at scale.

Means, proportions and their differences depend on a group's data only through its count,
sum and sum of squares. Each partition of a large log (a Spark or Dask partition, a day's
file) is reduced to a small :class:`MetricAggregates`; adding them (``+``) gives the
aggregates of the whole, and the KPIs computed from them equal the KPIs from the raw rows
(to floating-point rounding; proportions exactly).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from precimark._deprecation import deprecated_alias
from precimark._display import html_block
from precimark._validation import check_columns, check_frame, fail, refuse_overflow
from precimark.kpi._checks import as_sample
from precimark.kpi.estimates import Estimate
from precimark.kpi.intervals import (
    mean_from_moments,
    proportion,
    proportion_difference,
    relative_difference_from_moments,
    welch_from_moments,
)
from precimark.persistence._header import header, read_header, reading

__all__ = ["AGGREGATE_COLUMNS", "MetricAggregates"]

AGGREGATE_COLUMNS: tuple[str, ...] = ("count", "sum", "sum_sq")
"""Columns of :attr:`MetricAggregates.table`."""
_FORMAT_VERSION = 1  # of to_dict documents


@dataclass(frozen=True)
class MetricAggregates:
    """Count, sum and sum of squares of one metric per group; ``+`` merges partitions.

    Parameters
    ----------
    table : DataFrame
        Indexed by group, columns :data:`AGGREGATE_COLUMNS` (``count`` int, ``sum`` and
        ``sum_sq`` float). Build it with :meth:`from_frame`.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.kpi import MetricAggregates
    >>> part1 = pd.DataFrame({"arm": ["t", "c", "t"], "revenue": [10.0, 0.0, 5.0]})
    >>> part2 = pd.DataFrame({"arm": ["c", "t", "c"], "revenue": [4.0, 0.0, 8.0]})
    >>> agg = (MetricAggregates.from_frame(part1, group_column="arm", value_column="revenue")
    ...        + MetricAggregates.from_frame(part2, group_column="arm", value_column="revenue"))
    >>> agg.table
         count   sum  sum_sq
    arm
    c        3  12.0    80.0
    t        3  15.0   125.0
    >>> agg.mean("t").value
    5.0
    """

    table: pd.DataFrame

    @classmethod
    @deprecated_alias(group="group_column", value="value_column")
    def from_frame(
        cls, frame: pd.DataFrame, *, group_column: str, value_column: str
    ) -> MetricAggregates:
        """Aggregate one metric by group (one row per unit, e.g. per customer).

        Parameters
        ----------
        frame : DataFrame
            One row per unit.
        group_column : str
            Column holding each row's group label (e.g. the arm); missing labels are an error.
        value_column : str
            Column holding the metric.

        Other Parameters
        ----------------
        group, value : str
            Deprecated since 0.2.0 (removed in 0.3.0); use ``group_column`` and
            ``value_column``.

        Returns
        -------
        MetricAggregates
            One row per group, indexed by the labels (index name ``group_column``).
        """
        data = check_frame(frame, "frame")
        check_columns(data, [group_column, value_column], "frame")
        values = as_sample(data[value_column], value_column)
        keys = data[group_column]
        if keys.isna().any():
            raise fail(f"column '{group_column}'", "missing group labels", "a group on every row")
        codes, uniques = pd.factorize(keys, sort=True)
        with np.errstate(over="ignore"):
            sums = np.bincount(codes, weights=values, minlength=len(uniques))
            squares = np.bincount(codes, weights=values * values, minlength=len(uniques))
        where = f"column '{value_column}'"
        refuse_overflow(sums, where, uniques, "group sum")
        refuse_overflow(squares, where, uniques, "group sum of squares")
        table = pd.DataFrame(
            {
                "count": np.bincount(codes, minlength=len(uniques)).astype(np.int64),
                "sum": sums,
                "sum_sq": squares,
            },
            index=pd.Index(uniques, name=group_column),
        )
        return cls(table)

    def __add__(self, other: object) -> MetricAggregates:
        if not isinstance(other, MetricAggregates):
            return NotImplemented
        merged = self.table.add(other.table, fill_value=0).sort_index()
        merged["count"] = merged["count"].astype(np.int64)
        return MetricAggregates(merged)

    def _row(self, group: Hashable) -> tuple[int, float, float]:
        position = int(self.table.index.get_indexer(pd.Index([group]))[0])
        if position < 0:
            have = ", ".join(map(repr, self.table.index[:10]))
            raise fail("argument 'group'", f"{group!r} (groups: {have})", "a known group")
        n, total, squares = (self.table[c].to_numpy()[position] for c in AGGREGATE_COLUMNS)
        return int(n), float(total), float(squares)

    def _moments(self, group: Hashable) -> tuple[int, float, float]:
        n, total, squares = self._row(group)
        if n < 2:
            raise fail("argument 'group'", f"{group!r} with {n} unit(s)", "at least 2 units")
        centre = total / n
        return n, centre, max(squares - total * centre, 0.0) / (n - 1)

    def _successes(self, group: Hashable) -> tuple[int, int]:
        n, total, squares = self._row(group)
        if total != squares or total != round(total):
            raise fail(
                "argument 'group'", f"{group!r} with non-0/1 values", "a 0/1 metric for rates"
            )
        return round(total), n

    def mean(self, group: Hashable, *, confidence: float = 0.95) -> Estimate:
        """Mean of the metric in ``group`` (t interval), as :func:`precimark.kpi.mean`."""
        return mean_from_moments(*self._moments(group), confidence=confidence)

    def proportion(self, group: Hashable, *, confidence: float = 0.95) -> Estimate:
        """Rate of a 0/1 metric in ``group`` (Wilson), as :func:`precimark.kpi.proportion`."""
        return proportion(*self._successes(group), confidence=confidence)

    def mean_difference(self, a: Hashable, b: Hashable, *, confidence: float = 0.95) -> Estimate:
        """Welch interval of ``mean_a - mean_b``, as :func:`precimark.kpi.mean_difference`."""
        return welch_from_moments(*self._moments(a), *self._moments(b), confidence=confidence)

    def proportion_difference(
        self, a: Hashable, b: Hashable, *, confidence: float = 0.95
    ) -> Estimate:
        """Newcombe interval of ``p_a - p_b`` for a 0/1 metric."""
        return proportion_difference(
            *self._successes(a), *self._successes(b), confidence=confidence
        )

    def relative_difference(
        self, a: Hashable, b: Hashable, *, confidence: float = 0.95
    ) -> Estimate:
        """Log-scale delta-method interval of ``mean_a / mean_b - 1``, Welch p-value."""
        return relative_difference_from_moments(
            *self._moments(a), *self._moments(b), confidence=confidence
        )

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`table` (count, sum and sum of squares per group)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (group labels must be JSON-safe themselves)."""
        return {
            **header(MetricAggregates, _FORMAT_VERSION),
            "group": self.table.index.name,
            "groups": self.table.index.tolist(),
            **{column: self.table[column].tolist() for column in AGGREGATE_COLUMNS},
        }

    def _repr_html_(self) -> str:
        return html_block("Metric aggregates (count, sum, sum of squares)", self.to_frame())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricAggregates:
        """Rebuild aggregates from :meth:`to_dict` output.

        Raises
        ------
        DataValidationError
            If ``data`` is not an aggregates document or has another format version.
        """
        read_header(data, MetricAggregates, _FORMAT_VERSION)
        with reading(cls):
            table = pd.DataFrame(
                {column: data[column] for column in AGGREGATE_COLUMNS},
                index=pd.Index(data["groups"], name=data["group"]),
            )
            table = table.astype({"count": np.int64, "sum": np.float64, "sum_sq": np.float64})
            if not np.isfinite(table.to_numpy(np.float64)).all() or (table["count"] < 0).any():
                raise ValueError("counts and sums must be finite and counts >= 0")
        return cls(table)
