"""Chart of channel attribution: the conversions or revenue credited to each channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from precimark._validation import check_columns, check_frame, fail
from precimark.plot._axes import axes
from precimark.schema import CONVERSIONS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_attribution"]


def _credits(frame: object, value_column: str, name: str) -> pd.Series:
    table = check_frame(frame, name)
    check_columns(table, [value_column], name)
    values = pd.to_numeric(table[value_column], errors="coerce")
    bad = ~np.isfinite(values.to_numpy(np.float64))
    if bad.any():
        raise fail(
            f"column '{value_column}' of '{name}'",
            f"{int(bad.sum())} channels without a finite number (first: {table.index[bad][0]})",
            "a number per channel",
        )
    return values


def plot_attribution(
    attribution: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    value_column: str = CONVERSIONS,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of the credit each channel receives under one or several models.

    Parameters
    ----------
    attribution : DataFrame or mapping of str to DataFrame
        From :func:`precimark.channels.attribute`: indexed by channel, with ``conversions``
        and ``revenue`` (``attrs["model"]`` names the model in the title). A mapping of model
        names to such frames (of the same channels) draws grouped bars, one colour per model.
    value_column : str, default "conversions"
        The column to draw: ``"conversions"``, ``"revenue"``, or another numeric column of
        the frame (``removal_effect``, ``shapley_value``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One bar container per model, one bar per channel in the (first) frame's order, the
        first channel on top.

    Raises
    ------
    DataValidationError
        For a missing column, values that are not finite numbers, or frames of different
        channels.

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
    >>> models = {m: channels.attribute(paths, model=m) for m in ("first", "last")}
    >>> len(plot_attribution(models).containers)
    2
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    what = value_column.replace("_", " ")
    if isinstance(attribution, Mapping):
        if not attribution:
            raise fail("argument 'attribution'", "an empty mapping", "frames by model name")
        frames = {
            str(name): _credits(frame, value_column, f"attribution[{name!r}]")
            for name, frame in attribution.items()
        }
        title = f"{what.capitalize()} credited by channel and model"
    else:
        frames = {"": _credits(attribution, value_column, "attribution")}
        model = attribution.attrs.get("model")
        title = f"{what.capitalize()} credited by channel" + (f": {model}" if model else "")
    channels = next(iter(frames.values())).index
    for name, values in frames.items():
        if set(values.index) != set(channels):
            raise fail(
                f"argument 'attribution[{name!r}]'",
                "channels " + ", ".join(map(str, sorted(values.index, key=str))),
                "the channels of the first frame: " + ", ".join(map(str, channels)),
            )
    ax = axes(ax)
    rows = np.arange(len(channels))
    height = 0.8 / len(frames)
    for i, (name, values) in enumerate(frames.items()):
        offset = (i - (len(frames) - 1) / 2) * height
        widths = values.reindex(channels).to_numpy(np.float64)
        ax.barh(rows + offset, widths, height=height, label=name or None)
    ax.set_yticks(rows, [str(c) for c in channels])
    ax.invert_yaxis()
    ax.set_ylabel("channel")
    ax.set_xlabel(f"{what} credited")
    ax.set_title(title)
    if len(frames) > 1:
        ax.legend(title="model")
    return ax
