"""Chart of channel attribution: the conversions or revenue credited to each channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from precimark._validation import check_columns, check_frame, fail
from precimark.plot._axes import axes
from precimark.schema import CONVERSIONS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_attribution"]


def plot_attribution(
    attribution: pd.DataFrame, *, value_column: str = CONVERSIONS, ax: Axes | None = None
) -> Axes:
    """Horizontal bars of the credit each channel receives under an attribution model.

    Parameters
    ----------
    attribution : DataFrame
        From :func:`precimark.channels.attribute`: indexed by channel, with ``conversions``
        and ``revenue`` (``attrs["model"]`` names the model in the title).
    value_column : str, default "conversions"
        The column to draw: ``"conversions"``, ``"revenue"``, or another numeric column of
        the frame (``removal_effect``, ``shapley_value``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One bar container, one bar per channel in the frame's order (first on top).

    Raises
    ------
    DataValidationError
        For a missing column, or values that are not finite numbers.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precimark import channels
    >>> from precimark.plot import plot_attribution
    >>> paths = pd.DataFrame({"path": [("social", "search"), ("search",), ("social",)],
    ...                       "converted": [True, True, False], "revenue": [50.0, 30.0, 0.0]})
    >>> ax = plot_attribution(channels.attribute(paths, model="linear"))
    >>> [float(bar.get_width()) for bar in ax.containers[0]], ax.get_title()
    ([1.5, 0.5], 'Conversions credited by channel: linear')
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = check_frame(attribution, "attribution")
    check_columns(frame, [value_column], "attribution")
    values = pd.to_numeric(frame[value_column], errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        raise fail(
            f"column '{value_column}'",
            f"{int(bad.sum())} channels without a finite number (first: {frame.index[bad][0]})",
            "a number per channel",
        )
    ax = axes(ax)
    rows = np.arange(len(frame))
    ax.barh(rows, values)
    ax.set_yticks(rows, [str(c) for c in frame.index])
    ax.invert_yaxis()
    ax.set_ylabel("channel")
    ax.set_xlabel(f"{value_column.replace('_', ' ')} credited")
    model = frame.attrs.get("model")
    title = f"{value_column.replace('_', ' ').capitalize()} credited by channel"
    ax.set_title(title + (f": {model}" if model else ""))
    return ax
