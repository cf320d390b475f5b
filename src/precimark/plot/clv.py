"""Fit diagnostics of the BTYD purchase models, in the model's time unit.

The ten figures of the BTYD literature (and of lifetimes' ``plotting`` module), drawn from
numbers the library computes: the calibration fit and holdout comparison of
:func:`precimark.clv.evaluate`, the model's own predictions on a grid of (frequency, recency)
rows, one customer's summary at each date (:func:`precimark.rfm_summary`), a tracking frame,
and the fitted mixing distributions.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from precimark._typing import DateLike, HorizonLike, PurchaseModel, TimeUnit
from precimark._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_number,
    fail,
    to_day,
    to_duration_units,
    validate_rfm,
    validate_transactions,
)
from precimark.clv.evaluation import HoldoutEvaluation, evaluate
from precimark.clv.models import BetaGeoBetaBinomModel, BetaGeoModel, ParetoNBDModel
from precimark.plot._axes import axes, plural_unit, singular_unit
from precimark.profiling.rfm import rfm_summary
from precimark.schema import DURATION_HOLDOUT, FREQUENCY, FREQUENCY_HOLDOUT, RECENCY, Columns, T

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_calibration_vs_holdout",
    "plot_dropout_rate_heterogeneity",
    "plot_expected_repeat_purchases",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_tracking",
    "plot_transaction_rate_heterogeneity",
]

_MODELS = "a fitted purchase model (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel)"
_MIXTURES = (BetaGeoModel, ParetoNBDModel, BetaGeoBetaBinomModel)  # MBG/NBD is a BetaGeoModel
_RFM = (FREQUENCY, RECENCY, T)
_TRACKING = ("period_end", "actual_{kind}", "expected_{kind}")
_DENSITY_RANGE = (0.005, 0.995)  # the central 99% of customers


def _refuse_unfitted(model: object) -> None:
    if isinstance(model, _MIXTURES) and not hasattr(model, "params_"):
        raise fail(
            "argument 'model'",
            f"an unfitted {type(model).__name__}",
            "a fitted model",
            "Call model.fit(rfm) first.",
        )


def _fitted(model: object) -> PurchaseModel:
    """Return a fitted continuous-time purchase model, else raise naming ``model``."""
    _refuse_unfitted(model)
    if not isinstance(model, PurchaseModel) or isinstance(model, BetaGeoBetaBinomModel):
        raise fail("argument 'model'", f"a {type(model).__name__}", _MODELS)
    return model


def _fitted_mixture(model: object) -> BetaGeoModel | ParetoNBDModel | BetaGeoBetaBinomModel:
    """Return a fitted model whose mixing distributions are known, else raise."""
    _refuse_unfitted(model)
    if not isinstance(model, _MIXTURES):
        raise fail(
            "argument 'model'",
            f"a {type(model).__name__}",
            "a fitted BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel or BetaGeoBetaBinomModel",
        )
    return model


def _unit(model: PurchaseModel) -> TimeUnit:
    """Return the model's time unit (refused when unknown: the axes could not be labelled)."""
    unit = model.time_unit_
    if unit is None:
        raise fail(
            "argument 'model'",
            f"a {type(model).__name__} that records no time unit (saved by an older version)",
            "a model that knows its time unit, so the axes can be labelled",
            "Refit the model.",
        )
    return unit


def _evaluation(evaluation: object, also: str = "") -> HoldoutEvaluation:
    if not isinstance(evaluation, HoldoutEvaluation):
        raise fail(
            "argument 'evaluation'",
            f"a {type(evaluation).__name__}",
            "a HoldoutEvaluation (from precimark.clv.evaluate)" + also,
        )
    return evaluation


def _calibration_fit(evaluation: object, rfm: pd.DataFrame | None) -> pd.DataFrame:
    """Return ``evaluation.calibration_fit``, or the same table of a model on its ``rfm``.

    For a model, :func:`~precimark.clv.evaluate` runs on ``rfm`` as the calibration columns of
    a split with an empty one-unit holdout: its calibration fit depends on the calibration
    columns only (the holdout measures are not used).
    """
    if isinstance(evaluation, HoldoutEvaluation):
        return evaluation.calibration_fit
    if not isinstance(evaluation, BetaGeoModel | ParetoNBDModel):
        _evaluation(evaluation, " or a fitted purchase model")  # raises
    model = _fitted(evaluation)
    if rfm is None:
        raise fail(
            "argument 'rfm'",
            "none given with a model",
            "the rfm summary the model was fitted on (or a HoldoutEvaluation)",
        )
    summary = validate_rfm(rfm)
    split = summary[[FREQUENCY, RECENCY, T]].set_axis([f"{c}_cal" for c in _RFM], axis=1)
    split = split.assign(**{FREQUENCY_HOLDOUT: 0, DURATION_HOLDOUT: 1.0})
    split.attrs = dict(summary.attrs)
    with warnings.catch_warnings():
        # The empty holdout's rank correlation is undefined; it is not used.
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        return evaluate(model, split).calibration_fit  # type: ignore[arg-type]


def plot_period_transactions(
    evaluation: HoldoutEvaluation | PurchaseModel,
    rfm: pd.DataFrame | None = None,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Chart customers by calibration repeat purchases (0..6, 7+): actual and model-expected.

    Fader, Hardie & Lee (2005), Figure 2 (lifetimes' ``plot_period_transactions``): the
    bars are :attr:`HoldoutEvaluation.calibration_fit`, whose expected counts sum each
    customer's model probability of 0, 1, ..., 6 and 7+ repeat purchases over their own
    calibration age ``T``. Without a holdout, pass the fitted model and the summary it was
    fitted on: the same table is computed for that summary.

    Parameters
    ----------
    evaluation : HoldoutEvaluation or fitted purchase model
        From :func:`precimark.clv.evaluate`; or a fitted BG/NBD, MBG/NBD or Pareto/NBD model,
        with ``rfm``.
    rfm : DataFrame, optional
        With a model: the :func:`~precimark.rfm_summary` it was fitted on (in its unit).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        Two bar containers: ``actual`` then ``expected`` customers per count.

    Raises
    ------
    DataValidationError
        For another object, an unfitted model, a model without ``rfm`` or an invalid
        ``rfm`` (see :func:`precimark.clv.evaluate`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.clv import evaluate
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_period_transactions
    >>> split = pm.calibration_holdout_split(load_cdnow(sample=True),
    ...     calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    >>> cal = split[["frequency_cal", "recency_cal", "T_cal"]].set_axis(
    ...     ["frequency", "recency", "T"], axis=1)
    >>> ax = plot_period_transactions(evaluate(pm.BetaGeoModel().fit(cal), split))
    >>> [round(bar.get_height()) for bar in ax.containers[0]][:3]
    [1411, 439, 214]
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    table = _calibration_fit(evaluation, rfm)
    ax = axes(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"].to_numpy(np.float64), width=0.4, label="actual")
    ax.bar(x + 0.2, table["expected"].to_numpy(np.float64), width=0.4, label="model")
    ax.set_xticks(x, [str(label) for label in table.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title("Frequency of repeat purchases")
    ax.legend()
    return ax


def plot_calibration_vs_holdout(evaluation: HoldoutEvaluation, *, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases by calibration purchases: actual and predicted.

    Fader, Hardie & Lee (2005), Figure 4 (lifetimes'
    ``plot_calibration_purchases_vs_holdout_purchases``), from
    :attr:`HoldoutEvaluation.per_frequency`. A bucket without customers is a gap.

    Parameters
    ----------
    evaluation : HoldoutEvaluation
        From :func:`precimark.clv.evaluate`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        Two lines, ``actual`` then ``predicted``, over the buckets 0..6, 7+.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.clv import evaluate
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_calibration_vs_holdout
    >>> split = pm.calibration_holdout_split(load_cdnow(sample=True),
    ...     calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    >>> cal = split[["frequency_cal", "recency_cal", "T_cal"]].set_axis(
    ...     ["frequency", "recency", "T"], axis=1)
    >>> ax = plot_calibration_vs_holdout(evaluate(pm.BetaGeoModel().fit(cal), split))
    >>> [line.get_label() for line in ax.get_lines()]
    ['actual', 'model']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    table = _evaluation(evaluation).per_frequency
    ax = axes(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"].to_numpy(np.float64), marker="o", label="actual")
    ax.plot(x, table["predicted"].to_numpy(np.float64), marker="o", ls="--", label="model")
    ax.set_xticks(x, [str(label) for label in table.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Calibration vs holdout purchases")
    ax.legend()
    return ax


def _grid_maximum(value: object, rfm: pd.DataFrame | None, column: str, name: str) -> float:
    """Return a matrix axis maximum: given, or the maximum of ``rfm[column]``."""
    if value is not None:
        return check_number(value, name, low=0)
    if rfm is None:
        raise fail(
            f"argument '{name}'",
            "none, and no rfm to take it from",
            f"{name}= or the rfm frame the model was fitted on",
        )
    return float(validate_rfm(rfm)[column].max())


def _matrix(
    model: PurchaseModel,
    rfm: pd.DataFrame | None,
    max_frequency: object,
    max_recency: object,
    predict: str,
    horizon: float = 0.0,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float]:
    """Predictions for T = max_recency on the (frequency, recency) grid; impossible cells NaN.

    Rows are frequencies 0..max_frequency, columns recencies 0, 1, ... (whole units) up to
    max_recency. A cell is possible when frequency and recency are both 0, or when there are
    at least as many days of recency as repeat purchases (one purchase a day at most).
    """
    unit = _unit(model)
    frequencies = np.arange(int(_grid_maximum(max_frequency, rfm, FREQUENCY, "max_frequency")) + 1)
    age = _grid_maximum(max_recency, rfm, T, "max_recency")
    recencies = np.arange(np.floor(age) + 1.0)
    f, r = np.meshgrid(frequencies, recencies, indexing="ij")
    days = r / to_duration_units(pd.Timedelta(days=1), unit, "time_unit")
    possible = ((f == 0) & (r == 0)) | ((f > 0) & (f <= days))
    grid = pd.DataFrame({FREQUENCY: f[possible], RECENCY: r[possible], T: age})
    grid.attrs["time_unit"] = unit
    if predict == "expected_purchases":
        values = model.expected_purchases(grid, horizon).to_numpy()
    else:
        values = model.probability_alive(grid).to_numpy()
    matrix = np.full(f.shape, np.nan)
    matrix[possible] = values
    return matrix, recencies, age


def _draw_matrix(
    ax: Axes, matrix: npt.NDArray[np.float64], label: str, unit: TimeUnit, age: float, title: str
) -> Axes:
    image = ax.imshow(np.ma.masked_invalid(matrix), origin="lower", aspect="auto", cmap="viridis")
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel(f"recency: time from first to last purchase ({plural_unit(unit)})")
    ax.set_ylabel("frequency: repeat purchases")
    ax.set_title(
        f"{title}\nby frequency and recency, for a customer of age T = {age:g} {plural_unit(unit)}"
    )
    return ax


def plot_frequency_recency_matrix(
    model: PurchaseModel,
    rfm: pd.DataFrame | None = None,
    *,
    horizon: HorizonLike = 1.0,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heat map of expected purchases in the next ``horizon`` by frequency and recency.

    For a customer observed for ``T = max_recency`` (lifetimes'
    ``plot_frequency_recency_matrix``). The values are ``model.expected_purchases`` of each
    (frequency, recency) row; combinations no customer can have (repeat purchases without
    recency, more repeat purchase days than days of recency) are left blank.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        A fitted model.
    rfm : DataFrame, optional
        The summary the model was fitted on: the maxima default to its largest ``frequency``
        and ``T``.
    horizon : float or duration, default 1.0
        The length of time to predict over: a number in the model's time unit (one day or
        one week by default), or a fixed duration such as ``"90D"``.
    max_frequency : int, optional
        Largest frequency on the grid (needed without ``rfm``).
    max_recency : float, optional
        Largest recency, and the age ``T`` of the customer, in the model's unit (needed
        without ``rfm``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One image: rows are frequencies 0..max, columns recencies 0, 1, ... (whole units).

    Raises
    ------
    DataValidationError
        For an unfitted model or another object, or no maxima and no ``rfm``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_frequency_recency_matrix
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> model = pm.BetaGeoModel().fit(rfm)
    >>> ax = plot_frequency_recency_matrix(model, rfm, horizon="28D")
    >>> ax.images[0].get_array().shape
    (30, 39)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    fitted = _fitted(model)
    unit = _unit(fitted)
    t = to_duration_units(horizon, unit, "horizon")
    matrix, _, age = _matrix(fitted, rfm, max_frequency, max_recency, "expected_purchases", t)
    label = f"expected purchases in the next {t:g} {plural_unit(unit)}"
    return _draw_matrix(axes(ax), matrix, label, unit, age, "Expected purchases")


def plot_probability_alive_matrix(
    model: PurchaseModel,
    rfm: pd.DataFrame | None = None,
    *,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heat map of the probability of being alive by frequency and recency.

    For a customer observed for ``T = max_recency`` (lifetimes'
    ``plot_probability_alive_matrix``): ``model.probability_alive`` of each (frequency,
    recency) row; impossible combinations are left blank.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        A fitted model.
    rfm : DataFrame, optional
        The summary the model was fitted on: the maxima default to its largest ``frequency``
        and ``T``.
    max_frequency : int, optional
        Largest frequency on the grid (needed without ``rfm``).
    max_recency : float, optional
        Largest recency, and the age ``T`` of the customer, in the model's unit (needed
        without ``rfm``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One image, as :func:`plot_frequency_recency_matrix`, with values in [0, 1].

    Raises
    ------
    DataValidationError
        For an unfitted model or another object, or no maxima and no ``rfm``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_probability_alive_matrix
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> ax = plot_probability_alive_matrix(pm.BetaGeoModel().fit(rfm), max_frequency=10,
    ...                                    max_recency=39)
    >>> ax.images[0].get_array().shape
    (11, 40)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    fitted = _fitted(model)
    unit = _unit(fitted)
    matrix, _, age = _matrix(fitted, rfm, max_frequency, max_recency, "probability_alive")
    ax = _draw_matrix(axes(ax), matrix, "probability alive", unit, age, "Probability alive")
    ax.images[0].set_clim(0.0, 1.0)
    return ax


def plot_expected_repeat_purchases(
    model: PurchaseModel, horizon: HorizonLike, *, ax: Axes | None = None
) -> Axes:
    """Chart the expected cumulative repeat purchases of a newly acquired customer.

    ``model.expected_purchases_new_customer(t)`` for ``t`` from 0 to ``horizon`` (lifetimes'
    ``plot_expected_repeat_purchases``).

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        A fitted model.
    horizon : float or duration
        The length of time shown: a number in the model's time unit or a fixed duration
        such as ``"365D"``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One line: x the time since the first purchase in the model's unit (101 points).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_expected_repeat_purchases
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> ax = plot_expected_repeat_purchases(pm.BetaGeoModel().fit(rfm), "364D")
    >>> x, y = ax.get_lines()[0].get_data()
    >>> float(x[-1]), round(float(y[-1]), 3), ax.get_xlabel()
    (52.0, 1.444, 'time since the first purchase (weeks)')
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    fitted = _fitted(model)
    unit = _unit(fitted)
    end = to_duration_units(horizon, unit, "horizon")
    times = np.linspace(0.0, end, 101)
    # No repeat purchase at the first purchase (t = 0); the model's method needs t > 0.
    expected = [0.0] + [fitted.expected_purchases_new_customer(float(t)) for t in times[1:]]
    ax = axes(ax)
    ax.plot(times, expected, label=type(fitted).__name__)
    ax.set_xlabel(f"time since the first purchase ({plural_unit(unit)})")
    ax.set_ylabel("expected repeat purchases")
    ax.set_title("Expected repeat purchases of a new customer")
    return ax


def plot_history_alive(
    model: PurchaseModel,
    transactions: pd.DataFrame,
    customer_id: object,
    *,
    observation_end: DateLike | None = None,
    columns: Columns | None = None,
    date_format: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One customer's probability of being alive on every day of their history.

    On each day from the first purchase to ``observation_end`` the value is
    ``model.probability_alive`` of the customer's :func:`~precimark.rfm_summary` with that
    day as the observation end (lifetimes' ``plot_history_alive``). Purchase days are marked
    with vertical lines.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        A fitted model; the summaries are built in its time unit.
    transactions : DataFrame
        The transaction log (not modified); only the customer's rows are used.
    customer_id : object
        The customer to draw.
    observation_end : date-like, optional
        Last day drawn. Default: the last transaction date in ``transactions``.
    columns : Columns, optional
        Names of the customer id, date and amount columns.
    date_format : str, optional
        strftime format of date strings that could be read day first or month first.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One line: x the dates (days), y the probability alive; one vertical line per purchase
        day.

    Raises
    ------
    DataValidationError
        For an unfitted model, an invalid log, a customer without transactions up to
        ``observation_end``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_history_alive
    >>> tx = load_cdnow(sample=True)
    >>> model = pm.BetaGeoModel().fit(pm.rfm_summary(tx, time_unit="W"))
    >>> ax = plot_history_alive(model, tx, tx["customer_id"].iloc[0])
    >>> x, y = ax.get_lines()[0].get_data()
    >>> float(y[0])
    1.0
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    fitted = _fitted(model)
    unit = _unit(fitted)
    cols = columns if columns is not None else Columns()
    log = validate_transactions(transactions, cols, date_format=date_format)
    end = (
        int(log.days.max())
        if observation_end is None
        else int(to_day(observation_end, "observation_end", date_format=date_format).astype(int))
    )
    mine = (log.ids == customer_id) & (log.days <= end)
    if not mine.any():
        raise fail(
            "argument 'customer_id'",
            f"{customer_id!r}: no transactions on or before {np.datetime64(end, 'D')}",
            "a customer id of the log with a purchase in the period",
        )
    customer = transactions.loc[mine]
    purchase_days = np.unique(log.days[mine])
    days = np.arange(purchase_days[0], end + 1)
    # The summary changes only on purchase days: one rfm_summary per purchase day, then T
    # grows with the days since.
    at_purchase = pd.concat(
        [
            rfm_summary(
                customer,
                observation_end=np.datetime64(int(day), "D"),
                time_unit=unit,
                columns=cols,
                date_format=date_format,
            )
            for day in purchase_days
        ],
        ignore_index=True,
    )
    last = np.searchsorted(purchase_days, days, side="right") - 1
    day_in_unit = to_duration_units(pd.Timedelta(days=1), unit, "time_unit")
    history = pd.DataFrame(
        {
            FREQUENCY: at_purchase[FREQUENCY].to_numpy()[last],
            RECENCY: at_purchase[RECENCY].to_numpy()[last],
            T: at_purchase[T].to_numpy()[last] + (days - purchase_days[last]) * day_in_unit,
        }
    )
    history.attrs["time_unit"] = unit
    alive = fitted.probability_alive(history).to_numpy()
    ax = axes(ax)
    dates = days.astype("datetime64[D]")
    ax.plot(dates, alive, label="probability alive")
    ax.vlines(purchase_days.astype("datetime64[D]"), 0.0, 1.0, colors="grey", ls=":", lw=1)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("date (purchases dotted)")
    ax.set_ylabel("probability alive")
    ax.set_title(f"History of customer {customer_id}")
    ax.tick_params(axis="x", labelrotation=30)  # on this Axes only, not the whole figure
    return ax


def plot_tracking(
    frame: pd.DataFrame,
    *,
    kind: Literal["cumulative", "incremental"] = "cumulative",
    ax: Axes | None = None,
) -> Axes:
    """Actual against expected purchases per period, cumulative or incremental.

    Draws a tracking frame (:func:`precimark.clv.tracking`): lifetimes'
    ``plot_cumulative_transactions`` and ``plot_incremental_transactions``, dated by period
    end so that no time unit can be misread. A frame with a ``cohort`` column gets one pair
    of lines per cohort, in one colour each.

    Parameters
    ----------
    frame : DataFrame
        One row per period (and cohort): ``period_end``, ``actual_cumulative``,
        ``expected_cumulative``, ``actual_incremental``, ``expected_incremental`` (the two of
        ``kind`` are needed), optionally ``cohort``.
    kind : {"cumulative", "incremental"}, default "cumulative"
        Which pair of columns to draw.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        Per cohort (or once) two lines, ``actual`` (solid) then ``expected`` (dashed), x the
        period ends.

    Raises
    ------
    DataValidationError
        For a missing column, a missing value, or an unknown ``kind``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precimark.plot import plot_tracking
    >>> frame = pd.DataFrame({"period": [1, 2], "period_end": pd.to_datetime(["2024-01-07",
    ...     "2024-01-14"]), "actual_incremental": [3.0, 5.0], "expected_incremental": [4.0, 4.5],
    ...     "actual_cumulative": [3.0, 8.0], "expected_cumulative": [4.0, 8.5]})
    >>> ax = plot_tracking(frame, kind="incremental")
    >>> ax.get_lines()[0].get_ydata().tolist()
    [3.0, 5.0]
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    check_choice(kind, "kind", ("cumulative", "incremental"))
    table = check_frame(frame, "frame")
    needed = [c.format(kind=kind) for c in _TRACKING]
    check_columns(table, needed, "frame")
    missing = table[needed].isna().to_numpy().any(axis=1)
    if missing.any():
        raise fail(
            "argument 'frame'",
            f"{int(missing.sum())} rows with a missing value in " + ", ".join(needed),
            "a complete tracking frame",
        )
    groups = table.groupby("cohort", sort=True) if "cohort" in table.columns else [(None, table)]
    ax = axes(ax)
    for cohort, rows in groups:
        rows = rows.sort_values("period_end")
        suffix = "" if cohort is None else f" (cohort {cohort!s})"
        (line,) = ax.plot(rows["period_end"], rows[f"actual_{kind}"], label="actual" + suffix)
        ax.plot(
            rows["period_end"],
            rows[f"expected_{kind}"],
            ls="--",
            color=line.get_color(),
            label="expected" + suffix,
        )
    ax.set_xlabel("end of period")
    ax.set_ylabel("cumulative purchases" if kind == "cumulative" else "purchases in the period")
    ax.set_title(f"Tracking: actual vs expected purchases ({kind})")
    ax.legend()
    ax.tick_params(axis="x", labelrotation=30)  # on this Axes only, not the whole figure
    return ax


def _density(ax: Axes, law: Any, mean: float, xlabel: str, title: str) -> Axes:
    """Draw ``law``'s density over its central 99%, and its mean."""
    low, high = law.ppf(_DENSITY_RANGE)
    x = np.linspace(float(low), float(high), 200)
    ax.plot(x, law.pdf(x), label="density")
    ax.axvline(mean, color="grey", ls="--", lw=1, label=f"mean {mean:.3g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density across customers")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_transaction_rate_heterogeneity(model: object, *, ax: Axes | None = None) -> Axes:
    """Density of the purchase rate across customers under the fitted mixing distribution.

    BG/NBD, MBG/NBD and Pareto/NBD: ``lambda ~ Gamma(r, alpha)``, purchases per unit of the
    model's time while active; BG/BB: ``p ~ Beta(alpha, beta)``, the probability of a
    transaction at each opportunity (lifetimes' ``plot_transaction_rate_heterogeneity``).
    Drawn over the central 99% of customers, with the mean.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel or BetaGeoBetaBinomModel
        A fitted model.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One line (the density) and the mean as a vertical line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_transaction_rate_heterogeneity
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> ax = plot_transaction_rate_heterogeneity(pm.BetaGeoModel().fit(rfm))
    >>> ax.get_xlabel()
    'purchase rate while active (purchases per week)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    fitted = _fitted_mixture(model)
    p = fitted.params_
    ax = axes(ax)
    if isinstance(fitted, BetaGeoBetaBinomModel):
        law = stats.beta(p["alpha"], p["beta"])
        xlabel = "probability of a transaction per opportunity"
        return _density(ax, law, float(law.mean()), xlabel, "Transaction probability")
    unit = singular_unit(_unit(fitted))
    law = stats.gamma(p["r"], scale=1.0 / p["alpha"])
    xlabel = f"purchase rate while active (purchases per {unit})"
    return _density(ax, law, float(law.mean()), xlabel, "Purchase rate heterogeneity")


def plot_dropout_rate_heterogeneity(model: object, *, ax: Axes | None = None) -> Axes:
    """Density of the dropout propensity across customers under the fitted mixing distribution.

    BG/NBD and MBG/NBD: ``p ~ Beta(a, b)``, the probability of becoming inactive after a
    purchase; Pareto/NBD: ``mu ~ Gamma(s, beta)``, dropouts per unit of the model's time;
    BG/BB: ``theta ~ Beta(gamma, delta)``, the probability of dropping out at each
    opportunity (lifetimes' ``plot_dropout_rate_heterogeneity``). Drawn over the central 99%
    of customers, with the mean.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel or BetaGeoBetaBinomModel
        A fitted model.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        One line (the density) and the mean as a vertical line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.plot import plot_dropout_rate_heterogeneity
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> ax = plot_dropout_rate_heterogeneity(pm.ParetoNBDModel().fit(rfm))
    >>> ax.get_xlabel()
    'dropout rate (dropouts per week)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    fitted = _fitted_mixture(model)
    p = fitted.params_
    ax = axes(ax)
    if isinstance(fitted, BetaGeoBetaBinomModel):
        law = stats.beta(p["gamma"], p["delta"])
        xlabel = "probability of dropping out per opportunity"
    elif isinstance(fitted, ParetoNBDModel):
        law = stats.gamma(p["s"], scale=1.0 / p["beta"])
        xlabel = f"dropout rate (dropouts per {singular_unit(_unit(fitted))})"
    else:
        law = stats.beta(p["a"], p["b"])
        xlabel = "probability of dropping out after a purchase"
    return _density(ax, law, float(law.mean()), xlabel, "Dropout heterogeneity")
