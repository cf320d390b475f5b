"""The one place precimark's charts get matplotlib (lazily) and an Axes, and name time units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from precimark._validation import fail

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_UNITS = {"D": "days", "W": "weeks"}
_UNIT = {"D": "day", "W": "week"}


def axes(ax: Axes | None) -> Axes:
    """Return ``ax``, or the Axes of a new figure when None (matplotlib is imported here)."""
    try:
        import matplotlib.pyplot as plt
        from matplotlib.axes import Axes
    except ImportError as err:
        raise ImportError(
            "precimark's charts need matplotlib: pip install 'precimark[plot]'"
        ) from err
    if ax is None:
        return plt.figure().add_subplot()
    if not isinstance(ax, Axes):
        raise fail("argument 'ax'", f"a {type(ax).__name__}", "a matplotlib Axes or None")
    return ax


def plural_unit(time_unit: str) -> str:
    """Plural name of a model's time unit: ``"days"`` or ``"weeks"``."""
    return _UNITS[time_unit]


def singular_unit(time_unit: str) -> str:
    """Singular name of a model's time unit: ``"day"`` or ``"week"``."""
    return _UNIT[time_unit]
