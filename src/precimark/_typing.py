"""Type aliases and Protocols shared across precimark."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["DateLike", "HorizonLike", "PurchaseModel", "SeedLike", "TimeUnit"]

TimeUnit: TypeAlias = Literal["D", "W"]
"""Unit of ``recency`` and ``T``: ``"D"`` for days, ``"W"`` for weeks (days / 7)."""

SeedLike: TypeAlias = int | np.random.Generator | None
"""Anything accepted as ``random_state``/``seed``: an int, a Generator, or None."""

DateLike: TypeAlias = str | dt.date | dt.datetime | pd.Timestamp | np.datetime64
"""Anything :func:`pandas.Timestamp` understands as one point in time."""

HorizonLike: TypeAlias = float | int | str | pd.Timedelta | np.timedelta64 | pd.DateOffset
"""A length of time: a number in the model's time unit, or a fixed duration (``"30D"``,
``pd.Timedelta(weeks=4)``) that is converted to it. Calendar offsets (months) are refused."""


@runtime_checkable
class PurchaseModel(Protocol):
    """A fitted continuous-time purchase model, as :func:`~precimark.customer_lifetime_value` uses it.

    :class:`~precimark.BetaGeoModel`, :class:`~precimark.clv.ModifiedBetaGeoModel` and
    :class:`~precimark.clv.ParetoNBDModel` satisfy it; so can a model of your own.

    Attributes
    ----------
    time_unit_ : {"D", "W"} or None
        Unit of ``recency`` and ``T`` the model was fitted in (None: unknown, e.g. loaded from
        an older document; then every call must pass ``time_unit=``).
    params_ : dict
        Fitted parameters.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.clv import PurchaseModel
    >>> from precimark.datasets import load_cdnow
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> isinstance(pm.BetaGeoModel().fit(rfm), PurchaseModel)  # fitted: it has params_
    True
    """

    time_unit_: TimeUnit | None
    params_: dict[str, float]

    def expected_purchases(
        self, rfm: pd.DataFrame, horizon: HorizonLike, *, time_unit: TimeUnit | None = None
    ) -> pd.Series:
        """Return the expected purchases of each customer of ``rfm`` within ``horizon``.

        Parameters
        ----------
        rfm : DataFrame
            RFM summary (``frequency``, ``recency``, ``T``).
        horizon : float or duration
            A length of time: a number in the model's time unit or a fixed duration
            (``"90D"``).
        time_unit : {"D", "W"}, optional
            Unit of ``rfm`` when the frame does not record it.
        """
        ...

    def probability_alive(
        self, rfm: pd.DataFrame, *, time_unit: TimeUnit | None = None
    ) -> pd.Series:
        """Return the probability that each customer of ``rfm`` is still active."""
        ...

    def expected_purchases_new_customer(
        self, horizon: HorizonLike, *, time_unit: TimeUnit | None = None
    ) -> float:
        """Return the expected repeat purchases of a new customer within ``horizon``.

        Parameters
        ----------
        horizon : float or duration
            A length of time: a number in the model's time unit or a fixed duration
            (``"90D"``).
        time_unit : {"D", "W"}, optional
            The model's unit, for a model loaded from a document that records none.
        """
        ...
