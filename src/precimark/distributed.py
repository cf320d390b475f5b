"""Partition-pure helpers to run precimark on Spark or Dask, which it never imports.

The pipeline on a cluster is the pandas pipeline cut at its sufficient statistics:

1. **Summarise** transactions with :func:`rfm_partition_fn` on partitions that hold whole
   customers: hash buckets, ``groupBy(bucket).applyInPandas(fn, RFM_SCHEMA)`` on Spark, or
   ``map_partitions(fn, meta=rfm_meta())`` on a Dask frame shuffled on the customer id. Never
   one group per customer: that is 25 times slower (50,000 customers, local Spark).
2. **Reduce** to counts: ``groupBy("frequency", "recency", "T").count()`` becomes an
   :class:`~precimark.clv.RFMHistogram` (:meth:`~precimark.clv.RFMHistogram.from_counts`);
   the repeat customers' ``groupBy("frequency", "monetary_value").count()`` feeds
   :func:`fit_spend_model`.
3. **Fit** on the driver; the fitted models are a few floats.
4. **Score** with :func:`score_partition_fn` (``mapInPandas`` / ``map_partitions``), which
   ships only the small fitted models; :func:`propensity_partition_fn` and
   :func:`pricing_partition_fn` do the same for a :class:`~precimark.propensity.PropensityModel`
   and a :class:`~precimark.pricing.PricingPolicy`.

Every function returned here is a module-level callable object: it pickles with pickle and
cloudpickle, takes one pandas frame and returns one (or maps an iterator of frames lazily, as
``mapInPandas`` passes them), ignores extra columns such as a bucket key, and gives the same
rows on any split of the customers as on the whole frame. ``*_schema()`` give the Spark DDL of
each output for any customer id column and type (``*_SCHEMA`` are those of a ``bigint``
``customer_id``), and ``*_meta()`` the empty typed frames Dask wants.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, overload

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from precimark._progress import Progress
from precimark._typing import DateLike, TimeUnit
from precimark._validation import (
    check_bool,
    check_columns,
    check_frame,
    check_time_unit,
    fail,
    fail_rows,
    resolve_time_unit,
    to_day,
    to_duration_units,
    validate_transactions,
)
from precimark.clv.models import (
    GammaGammaModel,
    HorizonLike,
    _PurchaseModel,
)
from precimark.clv.stats import COUNT
from precimark.clv.value import CLV, _periods, customer_lifetime_value
from precimark.pricing.engine import DECISION_COLUMNS, PricingPolicy
from precimark.privacy import ConsentLike, DataUse
from precimark.privacy._gate import planned_usage
from precimark.profiling.rfm import rfm_summary
from precimark.propensity.models import PROPENSITY, PropensityModel
from precimark.schema import (
    EXPECTED_PURCHASES,
    EXPECTED_SPEND,
    FREQUENCY,
    MONETARY_VALUE,
    PROBABILITY_ALIVE,
    RECENCY,
    RFM_COLUMNS,
    Columns,
    T,
)

_log = logging.getLogger(__name__)

__all__ = [
    "DECISIONS_SCHEMA",
    "EXPECTED_PURCHASES",
    "EXPECTED_SPEND",
    "PROBABILITY_ALIVE",
    "PROPENSITY_SCHEMA",
    "RFM_SCHEMA",
    "SCORES_SCHEMA",
    "SCORE_COLUMNS",
    "decisions_meta",
    "decisions_schema",
    "fit_spend_model",
    "pricing_partition_fn",
    "propensity_meta",
    "propensity_schema",
    "propensity_partition_fn",
    "rfm_meta",
    "rfm_partition_fn",
    "rfm_schema",
    "score_partition_fn",
    "scores_meta",
    "scores_schema",
]

SCORE_COLUMNS: tuple[str, ...] = (PROBABILITY_ALIVE, EXPECTED_PURCHASES, EXPECTED_SPEND, CLV)
"""Columns of :func:`score_partition_fn` after the customer id, in order (the last two only
with a spend model)."""

_SPARK_TYPES = {
    "int64": "bigint",
    "float64": "double",
    "bool": "boolean",
    "str": "string",
    "datetime64[ns]": "timestamp_ntz",
}
_TEXTS: tuple[str, ...] = ("product", "policy", "policy_version", "rules_fired", "rules_applied")
_TEXTS += ("guardrails_applied", "reason_codes", "features_used", "what_would_change")
_DECISION_TYPES = {"personalised": "bool", "valid_until": "datetime64[ns]"}
_DECISION_TYPES.update(decided_at="datetime64[ns]", **dict.fromkeys(_TEXTS, "str"))

_OUTPUT_DTYPES: dict[str, dict[str, str]] = {
    "rfm": dict(zip(RFM_COLUMNS, ("int64", "float64", "float64", "float64"), strict=True)),
    "scores": dict.fromkeys(SCORE_COLUMNS, "float64"),
    "propensity": {PROPENSITY: "float64"},
    "decisions": {name: _DECISION_TYPES.get(name, "float64") for name in DECISION_COLUMNS},
}
"""The one table of output columns after the customer id: name -> pandas dtype, per output.

Both the Spark DDL (``*_schema``, through ``_SPARK_TYPES``) and the Dask meta (``*_meta``) are
generated from it, so they cannot disagree."""


def _fields(output: str, n: int | None = None) -> list[tuple[str, str]]:
    """Return the (name, dtype) pairs of ``output`` (its first ``n`` only when given)."""
    return list(_OUTPUT_DTYPES[output].items())[:n]


def _checked_columns(columns: Columns | None) -> Columns:
    cols = columns if columns is not None else Columns()
    if not isinstance(cols, Columns):
        raise fail("argument 'columns'", f"a {type(cols).__name__}", "a precimark.Columns")
    return cols


def _id_column(columns: Columns | None) -> str:
    return _checked_columns(columns).customer_id


_SPARK_ID_TYPE = re.compile(r"[a-z]+(\(\d+(, ?\d+)?\))?", re.IGNORECASE)


def _quoted(name: str) -> str:
    """Quote a column name for Spark DDL: inside backticks, a backtick is doubled."""
    return "`" + name.replace("`", "``") + "`"


def _ddl(id_name: str, id_type: str, fields: Sequence[tuple[str, str]]) -> str:
    if not isinstance(id_type, str) or _SPARK_ID_TYPE.fullmatch(id_type) is None:
        raise fail(
            "argument 'id_type'",
            repr(id_type) if isinstance(id_type, str) else f"a {type(id_type).__name__}",
            "a Spark SQL type name such as 'bigint', 'string' or 'decimal(20, 0)'",
        )
    parts = [f"{_quoted(id_name)} {id_type}"]
    parts += [f"{_quoted(n)} {_SPARK_TYPES[d]}" for n, d in fields]
    return ", ".join(parts)


def _empty(id_name: str, id_dtype: Any, fields: Sequence[tuple[str, str]]) -> pd.DataFrame:
    data: dict[str, pd.Series[Any]] = {id_name: pd.Series([], dtype=id_dtype)}
    data.update({n: pd.Series([], dtype=d) for n, d in fields})
    return pd.DataFrame(data)


class _PartitionFn:
    """Base of the partition functions: one frame in, one frame out; or batches in and out.

    Spark counts a function's parameters to decide how to call it (``applyInPandas`` passes
    ``(key, frame)`` to a two-parameter function), so the signature it sees is the one
    parameter ``frame``. An iterator of frames (``mapInPandas``) gives an iterator of results.
    """

    __signature__: ClassVar[inspect.Signature] = inspect.Signature(
        [inspect.Parameter("frame", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    )

    @overload
    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame: ...
    @overload
    def __call__(self, frame: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]: ...
    def __call__(
        self, frame: pd.DataFrame | Iterator[pd.DataFrame]
    ) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """Apply the function to one frame, or lazily to each frame of an iterator."""
        if isinstance(frame, pd.DataFrame):
            return self._timed(frame)
        if isinstance(frame, Iterator):
            return map(self._timed, frame)
        raise fail(
            "argument 'frame'",
            f"a {type(frame).__name__}",
            "a pandas DataFrame or an iterator of them",
        )

    def _timed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Apply to one partition; its rows and time go to stderr (``verbose``) and the log."""
        label = f"{self._label} partition"
        with Progress(label, total=1, verbose=getattr(self, "verbose", False), logger=_log) as step:
            out = self._apply(frame)
            step.advance(detail=f"{len(frame):,} rows in, {len(out):,} out")
        return out

    _label: ClassVar[str] = "partition_fn"

    def _apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError


def _score_fields(clv: bool) -> list[tuple[str, str]]:
    return _fields("scores", None if check_bool(clv, "clv") else 2)


# --------------------------------------------------------------------------- schemas


def rfm_schema(*, columns: Columns | None = None, id_type: str = "bigint") -> str:
    """Spark DDL schema of :func:`rfm_partition_fn` output.

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_type : str, default "bigint"
        Spark SQL type of the customer id (``"string"`` for text ids).

    Returns
    -------
    str

    Examples
    --------
    >>> from precimark.distributed import rfm_schema
    >>> rfm_schema(id_type="string")
    '`customer_id` string, `frequency` bigint, `recency` double, `T` double, `monetary_value` double'
    """
    return _ddl(_id_column(columns), id_type, _fields("rfm"))


RFM_SCHEMA = rfm_schema()
"""Spark DDL of :func:`rfm_partition_fn` output for ``bigint`` ids named ``customer_id``."""


def rfm_meta(*, columns: Columns | None = None, id_dtype: Any = "int64") -> pd.DataFrame:
    """Empty frame with the columns and dtypes of :func:`rfm_partition_fn` output (Dask meta).

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_dtype : dtype, default "int64"
        dtype of the customer id.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> from precimark.distributed import rfm_meta
    >>> rfm_meta().dtypes.astype(str).to_dict()
    {'customer_id': 'int64', 'frequency': 'int64', 'recency': 'float64', 'T': 'float64',
     'monetary_value': 'float64'}
    """
    return _empty(_id_column(columns), id_dtype, _fields("rfm"))


def scores_schema(
    *, columns: Columns | None = None, id_type: str = "bigint", clv: bool = True
) -> str:
    """Spark DDL schema of :func:`score_partition_fn` output.

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_type : str, default "bigint"
        Spark SQL type of the customer id.
    clv : bool, default True
        Include ``expected_spend`` and ``customer_lifetime_value`` (scoring with a spend
        model).

    Returns
    -------
    str

    Examples
    --------
    >>> from precimark.distributed import scores_schema
    >>> scores_schema(clv=False)
    '`customer_id` bigint, `probability_alive` double, `expected_purchases` double'
    """
    return _ddl(_id_column(columns), id_type, _score_fields(clv))


SCORES_SCHEMA = scores_schema()
"""Spark DDL of :func:`score_partition_fn` output (with a spend model) for ``bigint`` ids."""


def scores_meta(
    *, columns: Columns | None = None, id_dtype: Any = "int64", clv: bool = True
) -> pd.DataFrame:
    """Empty frame with the columns and dtypes of :func:`score_partition_fn` output.

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_dtype : dtype, default "int64"
        dtype of the customer id.
    clv : bool, default True
        Include ``expected_spend`` and ``customer_lifetime_value``.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> from precimark.distributed import scores_meta
    >>> list(scores_meta().columns)
    ['customer_id', 'probability_alive', 'expected_purchases', 'expected_spend',
     'customer_lifetime_value']
    """
    return _empty(_id_column(columns), id_dtype, _score_fields(clv))


def propensity_schema(*, columns: Columns | None = None, id_type: str = "bigint") -> str:
    """Spark DDL schema of :func:`propensity_partition_fn` output.

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_type : str, default "bigint"
        Spark SQL type of the customer id (``"string"`` for text ids).

    Returns
    -------
    str

    Examples
    --------
    >>> from precimark.distributed import propensity_schema
    >>> propensity_schema(id_type="string")
    '`customer_id` string, `propensity` double'
    """
    return _ddl(_id_column(columns), id_type, _fields("propensity"))


PROPENSITY_SCHEMA = propensity_schema()
"""Spark DDL of :func:`propensity_partition_fn` output for ``bigint`` ids."""


def propensity_meta(*, columns: Columns | None = None, id_dtype: Any = "int64") -> pd.DataFrame:
    """Empty frame with the columns and dtypes of :func:`propensity_partition_fn` output.

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_dtype : dtype, default "int64"
        dtype of the customer id.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> from precimark.distributed import PROPENSITY_SCHEMA, propensity_meta
    >>> list(propensity_meta().columns), PROPENSITY_SCHEMA
    (['customer_id', 'propensity'], '`customer_id` bigint, `propensity` double')
    """
    return _empty(_id_column(columns), id_dtype, _fields("propensity"))


def decisions_schema(*, columns: Columns | None = None, id_type: str = "bigint") -> str:
    """Spark DDL schema of :func:`pricing_partition_fn` output.

    Texts are strings and times ``timestamp_ntz``.

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_type : str, default "bigint"
        Spark SQL type of the customer id (``"string"`` for text ids).

    Returns
    -------
    str

    Examples
    --------
    >>> from precimark.distributed import decisions_schema
    >>> decisions_schema(id_type="string").split(", ")[:3]
    ['`customer_id` string', '`product` string', '`policy` string']
    """
    return _ddl(_id_column(columns), id_type, _fields("decisions"))


DECISIONS_SCHEMA = decisions_schema()
"""Spark DDL of :func:`pricing_partition_fn` output for ``bigint`` ids (texts as strings,
times as ``timestamp_ntz``)."""


def decisions_meta(*, columns: Columns | None = None, id_dtype: Any = "int64") -> pd.DataFrame:
    """Empty frame with the columns and dtypes of :func:`pricing_partition_fn` output.

    Parameters
    ----------
    columns : Columns, optional
        Names the customer id column (default ``customer_id``).
    id_dtype : dtype, default "int64"
        dtype of the customer id.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> from precimark.distributed import decisions_meta
    >>> decisions_meta().dtypes[["final_price", "decided_at"]].astype(str).tolist()
    ['float64', 'datetime64[ns]']
    >>> pd.api.types.is_string_dtype(decisions_meta()["reason_codes"])
    True
    """
    return _empty(_id_column(columns), id_dtype, _fields("decisions"))


# --------------------------------------------------------------------------- RFM


@dataclass(frozen=True)
class _RFMPartition(_PartitionFn):
    """Transactions of whole customers -> their RFM rows, the customer id as a column."""

    observation_end: np.datetime64
    time_unit: TimeUnit
    columns: Columns
    verbose: bool = False
    _label: ClassVar[str] = "rfm_partition_fn"

    def _apply(self, transactions: pd.DataFrame) -> pd.DataFrame:
        cols = self.columns
        id_name = cols.customer_id
        if isinstance(transactions, pd.DataFrame):
            check_columns(transactions, (id_name, cols.date, cols.amount), "transactions")
            if len(transactions) == 0:
                return rfm_meta(columns=cols, id_dtype=transactions[id_name].dtype)
        tx = validate_transactions(transactions, cols)
        if int(tx.days.min()) > int(self.observation_end.astype(np.int64)):
            # Every customer here starts after the end: none belongs to the summary.
            return rfm_meta(columns=cols, id_dtype=transactions[id_name].dtype)
        summary = rfm_summary(
            transactions,
            observation_end=self.observation_end,
            time_unit=self.time_unit,
            columns=cols,
        ).reset_index()
        summary.attrs.clear()
        summary[id_name] = summary[id_name].astype(transactions[id_name].dtype)
        return summary


def rfm_partition_fn(
    *,
    observation_end: DateLike,
    time_unit: TimeUnit = "D",
    columns: Columns | None = None,
    verbose: bool = False,
) -> _RFMPartition:
    """Return a picklable function: transactions of whole customers -> their RFM rows.

    The function is :func:`~precimark.rfm_summary` with a fixed ``observation_end`` (never
    inferred per partition) and the customer id moved from the index into a column, so it
    fits ``groupBy(bucket).applyInPandas(fn, RFM_SCHEMA)`` on Spark and
    ``map_partitions(fn, meta=rfm_meta())`` on Dask. Each partition must hold *all* the
    transactions of its customers (bucket by a hash of the customer id); a customer split
    across partitions would be summarised twice, wrongly. Empty partitions and partitions
    whose customers all start after ``observation_end`` give empty frames.

    Parameters
    ----------
    observation_end : date-like
        Last day of the observation period (inclusive), the same for every partition.
    time_unit : {"D", "W"}, default "D"
        Unit of ``recency`` and ``T``. Spark and Dask drop ``DataFrame.attrs``, so pass the
        unit again when building the :class:`~precimark.clv.RFMHistogram`.
    columns : Columns, optional
        Names of the customer id, date and amount columns.

    verbose : bool, default False
        Write one line per partition (rows in and out, seconds) to the stderr of the process
        that runs it: the notebook's in Spark local mode and Dask's threads scheduler, the
        executor's log on a cluster. Each partition's time is logged at INFO either way.

    Returns
    -------
    callable
        ``fn(transactions: DataFrame) -> DataFrame`` with columns ``customer_id``,
        ``frequency``, ``recency``, ``T``, ``monetary_value`` (:data:`RFM_SCHEMA`); the id
        keeps its input dtype.

    Raises
    ------
    DataValidationError
        Here for a bad ``observation_end``, ``time_unit`` or ``columns``; when called, for
        invalid transactions (as :func:`~precimark.rfm_summary`).

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.distributed import rfm_partition_fn
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-05"]),
    ...     "amount": [10.0, 20.0, 7.0],
    ... })
    >>> fn = rfm_partition_fn(observation_end="2024-01-15")
    >>> fn(tx)
       customer_id  frequency  recency     T  monetary_value
    0            1          1      7.0  14.0            20.0
    1            2          0      0.0  10.0             0.0
    """
    return _RFMPartition(
        observation_end=to_day(observation_end, "observation_end"),
        time_unit=check_time_unit(time_unit),
        columns=_checked_columns(columns),
        verbose=check_bool(verbose, "verbose"),
    )


# --------------------------------------------------------------------------- fitting


def fit_spend_model(counts: pd.DataFrame, model: GammaGammaModel | None = None) -> GammaGammaModel:
    """Fit a Gamma-Gamma spend model on counts of (frequency, monetary_value) rows.

    The reduce step for spend: ``rfm.where("frequency > 0").groupBy("frequency",
    "monetary_value").count()`` on Spark (or ``groupby(...).size()`` on Dask), collected to
    the driver. The rows are put in a canonical order and fitted with the counts as weights,
    so the result does not depend on how the cluster partitioned them, and the parameters
    equal those of ``GammaGammaModel().fit(rfm)`` on the full summary up to the optimiser's
    tolerance. Unlike the purchase models' histogram, mean spend rarely repeats, so expect
    about one row per repeat customer (16 bytes each on the driver).

    Parameters
    ----------
    counts : DataFrame
        Columns ``frequency``, ``monetary_value`` and ``count`` (> 0; fractional counts are
        weights, e.g. inverse sampling rates). Rows may repeat (partial counts from several
        partitions). Rows with ``frequency == 0`` carry no spend information and are ignored.
    model : GammaGammaModel, optional
        An unfitted model with the hyper-parameters to use (default ``GammaGammaModel()``);
        it is fitted in place and returned.

    Returns
    -------
    GammaGammaModel
        The fitted model.

    Raises
    ------
    DataValidationError
        For missing columns, missing or non-positive counts, or invalid rows.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.distributed import fit_spend_model
    >>> rfm = pm.rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    >>> repeat = rfm[rfm["frequency"] > 0]
    >>> counts = repeat.groupby(["frequency", "monetary_value"]).size().rename("count").reset_index()
    >>> {k: round(v, 2) for k, v in fit_spend_model(counts).params_.items()}
    {'p': 6.25, 'q': 3.74, 'v': 15.44}
    """
    frame = check_frame(counts, "counts")
    check_columns(frame, (FREQUENCY, MONETARY_VALUE, COUNT), "counts")
    weight = pd.to_numeric(frame[COUNT], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    if not (weight > 0).all():
        where, index = f"column '{COUNT}'", frame.index
        raise fail_rows(where, ~(weight > 0), index, "missing or non-positive count", "counts > 0")
    # A canonical row order, so the fit does not depend on how the cluster partitioned them.
    keys = [FREQUENCY, MONETARY_VALUE]
    ordered = frame[keys].assign(**{COUNT: weight}).sort_values(keys, kind="stable")
    repeat = ordered[ordered[FREQUENCY] > 0].reset_index(drop=True)
    # Gamma-Gamma reads only frequency and monetary_value; recency and T fill the frame shape.
    rows = repeat.assign(**{RECENCY: 0.0, T: 0.0})[[FREQUENCY, RECENCY, T, MONETARY_VALUE]]
    spend_model = GammaGammaModel() if model is None else model
    if not isinstance(spend_model, GammaGammaModel):
        raise fail("argument 'model'", f"a {type(spend_model).__name__}", "a GammaGammaModel")
    return spend_model.fit(rows, sample_weight=repeat[COUNT].to_numpy())


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class _ScorePartition(_PartitionFn):
    """RFM rows -> P(alive), expected purchases and (with a spend model) CLV per customer."""

    purchase_model: _PurchaseModel
    spend_model: GammaGammaModel | None
    horizon: float
    """Length of the horizon in the model's time unit."""
    discount_period: float
    """Length of one discount period in the model's time unit."""
    discount_rate: float
    margin: float
    columns: Columns
    time_unit: TimeUnit
    """Unit of the partitions, stated when the function was made (partitions carry none)."""
    verbose: bool = False
    _label: ClassVar[str] = "score_partition_fn"

    def _apply(self, rfm: pd.DataFrame) -> pd.DataFrame:
        id_name = self.columns.customer_id
        needed = [id_name, FREQUENCY, RECENCY, T]
        if self.spend_model is not None:
            needed.append(MONETARY_VALUE)
        if not isinstance(rfm, pd.DataFrame):
            raise fail("argument 'rfm'", f"a {type(rfm).__name__}", "a pandas DataFrame")
        check_columns(rfm, needed, "rfm")
        clv = self.spend_model is not None
        if len(rfm) == 0:
            return scores_meta(columns=self.columns, id_dtype=rfm[id_name].dtype, clv=clv)
        frame = rfm.set_index(id_name)[needed[1:]]
        model = self.purchase_model
        unit = self.time_unit
        out = pd.DataFrame(
            {
                PROBABILITY_ALIVE: model.probability_alive(frame, time_unit=unit),
                EXPECTED_PURCHASES: model.expected_purchases(frame, self.horizon, time_unit=unit),
            }
        )
        if self.spend_model is not None:
            out[EXPECTED_SPEND] = self.spend_model.expected_spend(frame)
            out[CLV] = customer_lifetime_value(
                model,
                self.spend_model,
                frame,
                horizon=self.horizon,
                discount_period=self.discount_period,
                discount_rate=self.discount_rate,
                margin=self.margin,
                time_unit=unit,
            )
        return out.reset_index()


def score_partition_fn(
    purchase_model: _PurchaseModel,
    spend_model: GammaGammaModel | None = None,
    *,
    horizon: HorizonLike,
    discount_period: HorizonLike | None = None,
    discount_rate: float | None = None,
    margin: float = 1.0,
    columns: Columns | None = None,
    verbose: bool = False,
    time_unit: TimeUnit | None = None,
    freq: HorizonLike | None = None,
) -> _ScorePartition:
    """Return a picklable function: RFM rows -> P(alive), expected purchases and CLV.

    For ``mapInPandas(fn, SCORES_SCHEMA)`` on Spark or ``map_partitions(fn,
    meta=scores_meta())`` on Dask, on the output of :func:`rfm_partition_fn` (any
    partitioning: each row is scored on its own). The function carries only the two fitted
    models (a few hundred bytes of parameters) and returns exactly what the pandas methods
    return on the whole frame.

    Parameters
    ----------
    purchase_model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        Fitted purchase model.
    spend_model : GammaGammaModel, optional
        Fitted spend model; without it only ``probability_alive`` and ``expected_purchases``
        are produced (``scores_schema(clv=False)``).
    horizon : float or duration
        A length of time (``"360D"``, or a number in the model's time unit):
        ``expected_purchases`` counts the purchases in it, and the CLV sums it in discount
        periods (a whole number of them), as :func:`~precimark.clv.customer_lifetime_value`.
    discount_period : float or duration, optional
        The period of ``discount_rate`` (``"30D"``); required with a spend model.
    discount_rate : float, optional
        Discount rate per period; required with a spend model.
    margin : float, default 1.0
        Profit margin on spend.
    columns : Columns, optional
        Names the customer id column.
    time_unit : {"D", "W"}
        Unit of the partitions' ``recency`` and ``T`` (the ``time_unit`` given to
        :func:`rfm_partition_fn`). Required: a partition carries no record of its unit, so
        the function cannot know it; it must equal the purchase model's unit.
    freq : duration, optional
        Deprecated alias (since 0.2.0, removed in 0.3.0) of the old spelling where
        ``horizon`` was a count of periods of length ``freq``; gives the old result with a
        :class:`FutureWarning`.

    verbose : bool, default False
        Write one line per partition (rows in and out, seconds) to the stderr of the process
        that runs it: the notebook's in Spark local mode and Dask's threads scheduler, the
        executor's log on a cluster. Each partition's time is logged at INFO either way.

    Returns
    -------
    callable
        ``fn(rfm: DataFrame) -> DataFrame`` with the customer id column and
        :data:`SCORE_COLUMNS` (:data:`SCORES_SCHEMA`).

    Raises
    ------
    DataValidationError
        On the driver, for an unfitted model or a bad horizon, period, rate or margin.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.datasets import load_cdnow
    >>> from precimark.distributed import rfm_partition_fn, score_partition_fn
    >>> tx = load_cdnow(sample=True)
    >>> rfm = rfm_partition_fn(observation_end="1997-09-30", time_unit="W")(tx)
    >>> bgnbd = pm.BetaGeoModel().fit(rfm.set_index("customer_id"), time_unit="W")
    >>> gg = pm.GammaGammaModel().fit(rfm.set_index("customer_id"))
    >>> score = score_partition_fn(
    ...     bgnbd, gg, horizon="360D", discount_period="30D", discount_rate=0.01, time_unit="W"
    ... )
    >>> scores = score(rfm.head(2))
    >>> scores[["customer_id", "probability_alive", "customer_lifetime_value"]].round(2)
       customer_id  probability_alive  customer_lifetime_value
    0            1               0.73                    35.87
    1            2               0.21                     4.59
    """
    check_is_fitted(purchase_model, "params_")
    if not isinstance(purchase_model, _PurchaseModel):
        raise fail(
            "argument 'purchase_model'",
            f"a {type(purchase_model).__name__}",
            "a fitted BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel",
        )
    if spend_model is not None:
        check_is_fitted(spend_model, "params_")
        if not isinstance(spend_model, GammaGammaModel):
            raise fail(
                "argument 'spend_model'", f"a {type(spend_model).__name__}", "a GammaGammaModel"
            )
        if discount_rate is None:
            raise fail("argument 'discount_rate'", "None", "a rate per period >= 0 for the CLV")
    if time_unit is None:
        raise fail(
            "argument 'time_unit'",
            "none given",
            "the unit of the partitions' recency and T: 'D' or 'W'",
            "Pass the time_unit given to rfm_partition_fn: a partition carries no record of its "
            "unit, so scoring cannot establish it.",
        )
    unit = resolve_time_unit(
        pd.DataFrame(),
        time_unit,
        expected=purchase_model.time_unit_,
        owner=f"the fitted {type(purchase_model).__name__}",
        name="partitions",
    )
    if discount_period is None and freq is None:
        if spend_model is not None:
            raise fail(
                "argument 'discount_period'",
                "none given",
                "the period of discount_rate for the CLV, e.g. discount_period='30D'",
            )
        step, n_periods = to_duration_units(horizon, unit, "horizon"), 1
    else:
        step, n_periods = _periods(horizon, discount_period, freq, unit)
    cols = _checked_columns(columns)
    fn = _ScorePartition(
        purchase_model=purchase_model,
        spend_model=spend_model,
        horizon=step * n_periods,
        discount_period=step,
        discount_rate=0.0 if discount_rate is None else discount_rate,
        margin=margin,
        columns=cols,
        time_unit=unit,
    )
    # Score one customer on the driver, so a bad argument fails here, not on every executor.
    fn(
        pd.DataFrame(
            {cols.customer_id: [0], FREQUENCY: [1], RECENCY: [1.0], T: [2.0], MONETARY_VALUE: [1.0]}
        )
    )
    return dataclasses.replace(fn, verbose=check_bool(verbose, "verbose"))


@dataclass(frozen=True)
class _PropensityPartition(_PartitionFn):
    """Customers' features and consent -> the consenting customers' purchase probability."""

    model: PropensityModel
    consent: ConsentLike | None
    columns: Columns
    verbose: bool = False
    _label: ClassVar[str] = "propensity_partition_fn"

    @property
    def data_usage_(self) -> tuple[DataUse, ...]:
        """The features the model reads and the consent check every partition applies."""
        check = planned_usage("marketing", self.consent, used_by="propensity_partition_fn")
        return (*self.model.data_usage_, *check)

    def _apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        id_name = self.columns.customer_id
        features = [str(c) for c in self.model.feature_names_in_]
        if not isinstance(frame, pd.DataFrame):
            raise fail("argument 'frame'", f"a {type(frame).__name__}", "a pandas DataFrame")
        check_columns(frame, [id_name, *features], "frame")
        if len(frame) == 0:
            return propensity_meta(columns=self.columns, id_dtype=frame[id_name].dtype)
        customers = frame.set_index(id_name)
        scores = self.model.score_customers(
            customers[features], customers=customers, consent=self.consent
        )
        return scores.reset_index()


def propensity_partition_fn(
    model: PropensityModel,
    *,
    consent: ConsentLike | None = None,
    columns: Columns | None = None,
    verbose: bool = False,
) -> _PropensityPartition:
    """Return a picklable function: customers' features -> their purchase propensity.

    For ``mapInPandas(fn, PROPENSITY_SCHEMA)`` / ``map_partitions(fn, meta=propensity_meta())``
    on one row per customer (any partitioning). Each partition carries the customer id, the
    features the model was fitted on (by name) and the marketing consent column: customers
    without consent are left out, never scored
    (:meth:`~precimark.propensity.PropensityModel.score_customers`).

    Parameters
    ----------
    model : PropensityModel
        Fitted on a DataFrame, so the features are known by name.
    consent : str, ConsentPolicy or False, optional
        Where marketing consent is recorded. Default (None): the default policy, column
        ``consent_marketing`` (a partition without it is an error). ``False`` scores every
        customer without a check.
    columns : Columns, optional
        Names the customer id column.

    verbose : bool, default False
        Write one line per partition (rows in and out, seconds) to the stderr of the process
        that runs it: the notebook's in Spark local mode and Dask's threads scheduler, the
        executor's log on a cluster. Each partition's time is logged at INFO either way.

    Returns
    -------
    callable
        ``fn(frame: DataFrame) -> DataFrame`` with the customer id and ``propensity``. Its
        ``data_usage_`` records the features read and the consent check (or the opt-out).

    Raises
    ------
    DataValidationError
        On the driver for a model fitted without feature names or a bad ``consent``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precimark.distributed import propensity_partition_fn
    >>> from precimark.propensity import PropensityModel
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"frequency": rng.poisson(2.0, 400)})
    >>> model = PropensityModel(calibration="sigmoid", random_state=0).fit(X, X["frequency"] > 2)
    >>> part = pd.DataFrame({"customer_id": [7, 8], "frequency": [0, 6],
    ...                      "consent_marketing": [True, False]})
    >>> propensity_partition_fn(model)(part)["customer_id"].tolist()  # 8 did not consent
    [7]
    """
    check_is_fitted(model)
    if not isinstance(model, PropensityModel):
        raise fail("argument 'model'", f"a {type(model).__name__}", "a fitted PropensityModel")
    if getattr(model, "feature_names_in_", None) is None:
        raise fail(
            "argument 'model'",
            "a model fitted on an array (no feature names)",
            "a model fitted on a DataFrame",
            "Fit it on a DataFrame, so partitions can be matched to its features by name.",
        )
    planned_usage("marketing", consent, used_by="propensity_partition_fn")  # checks consent
    return _PropensityPartition(
        model=model,
        consent=consent,
        columns=_checked_columns(columns),
        verbose=check_bool(verbose, "verbose"),
    )


@dataclass(frozen=True)
class _PricingPartition(_PartitionFn):
    """Customers -> explained price decisions, texts as plain strings, the id as a column."""

    policy: PricingPolicy
    prices: float | pd.Series[float] | pd.DataFrame
    at: pd.Timestamp
    consent: ConsentLike | None
    price_history: pd.DataFrame | None
    columns: Columns
    verbose: bool = False
    _label: ClassVar[str] = "pricing_partition_fn"

    @property
    def data_usage_(self) -> tuple[DataUse, ...]:
        """The columns the policy reads and the consent check every partition applies."""
        check = planned_usage("personalised_pricing", self.consent, used_by="pricing_partition_fn")
        return (*self.policy.data_usage_, *check)

    def _apply(self, customers: pd.DataFrame) -> pd.DataFrame:
        id_name = self.columns.customer_id
        if not isinstance(customers, pd.DataFrame):
            raise fail(
                "argument 'customers'", f"a {type(customers).__name__}", "a pandas DataFrame"
            )
        check_columns(customers, [id_name], "customers")
        if len(customers) == 0:
            return decisions_meta(columns=self.columns, id_dtype=customers[id_name].dtype)
        decisions = self.policy.decide(
            customers.set_index(id_name),
            self.prices,
            consent=self.consent,
            at=self.at,
            price_history=self.price_history,
        )
        out = decisions.astype({n: d for n, d in _fields("decisions") if d == "str"})
        out.index.name = id_name
        return out.reset_index()


def pricing_partition_fn(
    policy: PricingPolicy,
    prices: float | pd.Series[float] | pd.DataFrame,
    *,
    at: DateLike,
    consent: ConsentLike | None = None,
    price_history: pd.DataFrame | None = None,
    columns: Columns | None = None,
    verbose: bool = False,
) -> _PricingPartition:
    """Return a picklable function: customers -> explained price decisions.

    For ``mapInPandas(fn, DECISIONS_SCHEMA)`` / ``map_partitions(fn, meta=decisions_meta())``
    on one row per customer (any partitioning), holding the customer id, the columns the
    policy reads and the personalised-pricing consent column. It is
    :meth:`~precimark.pricing.PricingPolicy.decide` with the customer id as a column and the
    text columns as plain strings; customers without consent get the list price with reason
    ``"no consent"``. The decision time ``at`` is fixed on the driver, so every partition
    prices at the same moment.

    Only row-wise policies are partition-pure: a campaign budget ranks offers across all
    customers, and exploration draws depend on the row order, so both are refused here
    (decide those on one machine, or split the budget per partition yourself).

    Parameters
    ----------
    policy : PricingPolicy
        Without a budget guardrail and with ``exploration=0``.
    prices : float, Series or DataFrame
        List prices, as for :meth:`~precimark.pricing.PricingPolicy.decide` (small: shipped
        to every partition).
    at : date-like
        When the decisions are made.
    consent : str, ConsentPolicy or False, optional
        Where personalised-pricing consent is recorded. Default (None): the default policy,
        column ``consent_personalised_pricing`` (a partition without it is an error).
        ``False`` personalises every customer without a check.
    price_history : DataFrame, optional
        Past prices for reference prices (shipped to every partition: keep it to the
        products priced).
    columns : Columns, optional
        Names the customer id column.

    verbose : bool, default False
        Write one line per partition (rows in and out, seconds) to the stderr of the process
        that runs it: the notebook's in Spark local mode and Dask's threads scheduler, the
        executor's log on a cluster. Each partition's time is logged at INFO either way.

    Returns
    -------
    callable
        ``fn(customers: DataFrame) -> DataFrame`` with the customer id and
        :data:`~precimark.pricing.DECISION_COLUMNS` (:data:`DECISIONS_SCHEMA`). Its
        ``data_usage_`` records the columns read and the consent check (or the opt-out).

    Raises
    ------
    DataValidationError
        On the driver, for a policy with a budget or exploration, a bad ``at`` or a bad
        ``consent``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.distributed import pricing_partition_fn
    >>> from precimark.pricing import ListPrice, PricingPolicy, SensitivityDiscount
    >>> policy = PricingPolicy([SensitivityDiscount(threshold=0.5), ListPrice()])
    >>> part = pd.DataFrame({"customer_id": [1, 2], "price_sensitivity": [0.9, 0.1],
    ...                      "consent_personalised_pricing": [True, False]})
    >>> decide = pricing_partition_fn(policy, 100.0, at="2025-01-01")
    >>> decide(part)[["customer_id", "final_price"]]
       customer_id  final_price
    0            1         90.0
    1            2        100.0
    >>> decide(part)["reason_codes"].tolist()
    ['10% off; price sensitivity above 0.5 (offer valid 7 days)', 'no consent']
    """
    if not isinstance(policy, PricingPolicy):
        raise fail("argument 'policy'", f"a {type(policy).__name__}", "a PricingPolicy")
    guardrails = policy.guardrails
    if guardrails is not None and guardrails.budget is not None:
        raise fail(
            "argument 'policy'",
            f"a campaign budget of {guardrails.budget}",
            "a policy without Guardrails(budget=...) (a budget ranks offers across all "
            "customers, so no partition can apply it alone)",
            "Decide budgeted campaigns on one machine, or give each partition its share.",
        )
    if policy.exploration > 0:
        raise fail(
            "argument 'policy'",
            f"exploration={policy.exploration}",
            "exploration=0 (random draws would depend on how the rows are partitioned)",
        )
    to_day(at, "at")  # a date or timestamp, not missing (the time of day is kept)
    planned_usage("personalised_pricing", consent, used_by="pricing_partition_fn")
    when = pd.Timestamp(at)
    return _PricingPartition(
        policy=policy,
        prices=prices,
        at=when,
        consent=consent,
        price_history=price_history,
        columns=_checked_columns(columns),
        verbose=check_bool(verbose, "verbose"),
    )
