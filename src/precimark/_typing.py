"""Type aliases shared across precimark."""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

__all__ = ["DateLike", "SeedLike", "TimeUnit"]

TimeUnit: TypeAlias = Literal["D", "W"]
"""Unit of ``recency`` and ``T``: ``"D"`` for days, ``"W"`` for weeks (days / 7)."""

SeedLike: TypeAlias = int | np.random.Generator | None
"""Anything accepted as ``random_state``/``seed``: an int, a Generator, or None."""

DateLike: TypeAlias = str | dt.date | dt.datetime | pd.Timestamp | np.datetime64
"""Anything :func:`pandas.Timestamp` understands as one point in time."""
