"""Chart of customer segments: how many customers each holds, and what they are worth."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from precimark._validation import check_columns, check_frame, fail, fail_rows
from precimark.plot._axes import axes
from precimark.schema import SEGMENT

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_segments"]


def plot_segments(
    segments: pd.DataFrame, *, value_column: str | None = None, ax: Axes | None = None
) -> Axes:
    """Horizontal bars per segment: customer counts, or the total of a value column.

    Segments are drawn top to bottom in the order of the ``segment`` categories (the rule
    table's order for :func:`precimark.rfm_segments`; an empty segment is a zero bar), or by
    size for a column that is not categorical.

    Parameters
    ----------
    segments : DataFrame
        One row per customer with a ``segment`` column: :func:`precimark.rfm_segments` or a
        :class:`~precimark.CustomerProfiler` profile, possibly joined with values.
    value_column : str, optional
        A numeric column (e.g. ``customer_lifetime_value``) to total per segment; the bars
        are then the totals, labelled with the number of customers. Default: the bars are the
        numbers of customers.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One bar container: bar widths are the counts (or totals), one bar per segment.

    Raises
    ------
    DataValidationError
        For a missing column, or a value column that is not numeric or has missing values
        (naming the count and the first customer).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precimark.plot import plot_segments
    >>> frame = pd.DataFrame({"segment": ["champions", "at risk", "champions"],
    ...                       "customer_lifetime_value": [120.0, 15.0, 80.0]},
    ...                      index=pd.Index([1, 2, 3], name="customer_id"))
    >>> ax = plot_segments(frame, value_column="customer_lifetime_value")
    >>> [float(bar.get_width()) for bar in ax.containers[0]]
    [200.0, 15.0]
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = check_frame(segments, "segments")
    check_columns(frame, [SEGMENT] + ([] if value_column is None else [value_column]), "segments")
    labels = frame[SEGMENT]
    counts = labels.value_counts(sort=not isinstance(labels.dtype, pd.CategoricalDtype))
    if value_column is None:
        widths = counts
    else:
        values = frame[value_column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise fail(f"column '{value_column}'", f"dtype {values.dtype}", "numeric values")
        missing = values.isna().to_numpy()
        if missing.any():
            raise fail_rows(
                f"column '{value_column}'",
                missing,
                frame.index,
                "missing value",
                "a value for every customer",
            )
        widths = values.groupby(labels, observed=False).sum().reindex(counts.index)
    ax = axes(ax)
    rows = np.arange(len(widths))
    bars = ax.barh(rows, widths.to_numpy(np.float64))
    ax.set_yticks(rows, [str(s) for s in widths.index])
    ax.invert_yaxis()  # the first segment on top
    ax.set_ylabel("segment")
    if value_column is None:
        ax.set_xlabel("customers")
        ax.set_title("Customers by segment")
    else:
        ax.bar_label(bars, labels=[f"n = {n:,}" for n in counts.to_numpy()], padding=3)
        ax.set_xlabel(f"total {value_column}")
        ax.set_title(f"Total {value_column} by segment")
    return ax
