"""Transparency: which input columns a fitted model or policy reads, and for what.

Any object can declare its data usage by exposing a ``data_usage_`` attribute (or property)
holding :class:`DataUse` records; :func:`data_usage_report` turns one or many such objects into a
table fit to show a customer or a regulator. precimark's estimators and policies set
``data_usage_`` in ``fit`` (it is a fitted attribute: it may name columns only known once fitted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from precimark._validation import fail
from precimark.schema import Columns

__all__ = [
    "CONSENT_CHECK",
    "CONSENT_NOT_CHECKED",
    "DATA_USAGE_ATTR",
    "NO_ROSTER",
    "USAGE_COLUMNS",
    "DataUse",
    "SupportsDataUsage",
    "data_usage_report",
]

USAGE_COLUMNS: tuple[str, ...] = ("column", "purpose", "used_by")
"""Columns of :func:`data_usage_report`, in order."""

CONSENT_CHECK = "consent_check"
"""Purpose of a consent column that was read to decide who may be processed."""
CONSENT_NOT_CHECKED = "consent not checked (consent=False)"
"""Purpose recorded when the caller opted out of the consent check with ``consent=False``;
the record's column is the default consent column that was *not* read."""
NO_ROSTER = "consent not checked (no customer roster)"
"""Purpose recorded when a step got no customer roster, so there was no consent to check;
the record's column is the default consent column that was *not* read."""
DATA_USAGE_ATTR = "data_usage"
"""Key of ``DataFrame.attrs`` / ``Series.attrs`` under which a function returning a frame
records its data usage: a list of ``{"column", "purpose", "used_by"}`` dicts (JSON-safe, so
the frame still writes to Parquet). :func:`data_usage_report` reads it."""

UNSPECIFIED = "unspecified"
"""Purpose reported for the input columns of an estimator that does not declare its usage."""


@dataclass(frozen=True)
class DataUse:
    """One input column read by one component, and what for.

    Parameters
    ----------
    column : str
        Name of the input column read.
    purpose : str
        What it is read for. Use a consent purpose (``"profiling"``, ``"marketing"``,
        ``"personalised_pricing"``) when the use needs that consent, ``"consent_check"`` for
        the consent record itself, otherwise a few plain words.
    used_by : str
        The component that reads it, e.g. ``"CustomerProfiler"``.

    Examples
    --------
    >>> from precimark.privacy import DataUse
    >>> DataUse("amount", "profiling", "rfm_summary")
    DataUse(column='amount', purpose='profiling', used_by='rfm_summary')
    """

    column: str
    purpose: str
    used_by: str

    def __post_init__(self) -> None:
        for name in USAGE_COLUMNS:
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise fail(f"argument '{name}'", repr(value), "a non-empty string")


@runtime_checkable
class SupportsDataUsage(Protocol):
    """An object that declares the input columns it reads (see :class:`DataUse`).

    Implement it with a ``data_usage_`` attribute or property returning a sequence of
    :class:`DataUse`; set it in ``fit`` for an estimator, so an unfitted one does not claim it.

    Examples
    --------
    >>> from precimark.privacy import DataUse, SupportsDataUsage
    >>> class Scorer:
    ...     data_usage_ = (DataUse("recency", "marketing", "Scorer"),)
    >>> isinstance(Scorer(), SupportsDataUsage)
    True
    """

    @property
    def data_usage_(self) -> Sequence[DataUse]:
        """The columns read, with purpose and reader."""
        ...  # pragma: no cover


def data_usage_report(obj: object) -> pd.DataFrame:
    """List which input columns a fitted pipeline, model or policy reads, and for what.

    Parameters
    ----------
    obj : object or list of objects
        Any of:

        - an object with a ``data_usage_`` attribute (:class:`SupportsDataUsage`): precimark's
          fitted estimators and policies, and :class:`ConsentPolicy`;
        - a :class:`~precimark.Columns`: the transaction log read by
          :func:`~precimark.rfm_summary` (customer id, date, amount; purpose ``"profiling"``);
        - a :class:`DataUse` record, to add a use precimark cannot see;
        - a DataFrame or Series returned by precimark (e.g. :func:`~precimark.propensity.
          make_snapshots`, :meth:`~precimark.pricing.PricingPolicy.decide`): the record in
          its ``attrs["data_usage"]`` (:data:`DATA_USAGE_ATTR`), including whether consent
          was checked (purposes :data:`CONSENT_CHECK`, :data:`CONSENT_NOT_CHECKED`,
          :data:`NO_ROSTER`);
        - a fitted scikit-learn :class:`~sklearn.pipeline.Pipeline`: what its steps declare; its
          first step, when it declares nothing, is reported as a plain estimator (below);
        - a fitted scikit-learn estimator that declares nothing but was fitted on a DataFrame:
          its ``feature_names_in_``, with purpose ``"unspecified"``;
        - a list or tuple of these.

    Returns
    -------
    DataFrame
        Columns ``column``, ``purpose``, ``used_by`` (strings), one row per distinct use, in
        the order declared.

    Raises
    ------
    NotFittedError
        If an estimator is not fitted yet.
    DataValidationError
        If an object does not declare its data usage and has no ``feature_names_in_``.

    Examples
    --------
    >>> import precimark as pm
    >>> from precimark.privacy import ConsentPolicy, DataUse, data_usage_report
    >>> data_usage_report([pm.Columns(), ConsentPolicy(), DataUse("email", "marketing", "newsletter")])
                             column          purpose      used_by
    0                   customer_id        profiling  rfm_summary
    1                          date        profiling  rfm_summary
    2                        amount        profiling  rfm_summary
    3             consent_profiling    consent_check  ConsentPolicy
    4              consent_marketing   consent_check  ConsentPolicy
    5  consent_personalised_pricing    consent_check  ConsentPolicy
    6                         email        marketing   newsletter
    """
    uses = list(dict.fromkeys(_uses(obj)))
    return pd.DataFrame(
        [[use.column, use.purpose, use.used_by] for use in uses],
        columns=list(USAGE_COLUMNS),
        dtype="str",
    )


def _uses(obj: object) -> list[DataUse]:
    if isinstance(obj, DataUse):
        return [obj]
    if isinstance(obj, Columns):
        return [
            DataUse(column, "profiling", "rfm_summary")
            for column in (obj.customer_id, obj.date, obj.amount)
        ]
    if isinstance(obj, list | tuple):
        return [use for item in obj for use in _uses(item)]
    if isinstance(obj, pd.DataFrame | pd.Series):
        if DATA_USAGE_ATTR not in obj.attrs:
            raise fail(
                "argument 'obj'",
                f"a {type(obj).__name__} without attrs[{DATA_USAGE_ATTR!r}]",
                "a frame returned by a precimark step that records its data usage",
                "Data-usage records are dropped by some pandas operations; report the "
                "frame as the precimark step returned it.",
            )
        return _usage_from_attrs(obj.attrs[DATA_USAGE_ATTR])
    if isinstance(obj, SupportsDataUsage):
        uses = list(obj.data_usage_)
        for use in uses:
            if not isinstance(use, DataUse):
                raise fail(
                    f"attribute '{type(obj).__name__}.data_usage_'",
                    f"an item of type {type(use).__name__}",
                    "DataUse records",
                )
        return uses
    if isinstance(obj, Pipeline):
        check_is_fitted(obj)
        steps = [step for _, step in obj.steps if step is not None and step != "passthrough"]
        first = _uses(steps[0]) if steps else []
        return first + [u for s in steps[1:] if isinstance(s, SupportsDataUsage) for u in _uses(s)]
    if isinstance(obj, BaseEstimator):
        check_is_fitted(obj)
        names = getattr(obj, "feature_names_in_", None)
        if names is not None:
            return [DataUse(str(name), UNSPECIFIED, type(obj).__name__) for name in names]
    raise fail(
        "argument 'obj'",
        f"a {type(obj).__name__} that does not declare its data usage",
        "an object with a data_usage_ attribute, a fitted estimator fitted on a DataFrame, "
        "Columns, DataUse, or a list of these",
    )


def _usage_to_attrs(uses: Sequence[DataUse]) -> list[dict[str, str]]:
    """Return data-usage records as JSON-safe dicts, for ``attrs["data_usage"]``."""
    return [{name: getattr(use, name) for name in USAGE_COLUMNS} for use in dict.fromkeys(uses)]


def _usage_from_attrs(records: object) -> list[DataUse]:
    """Return the :class:`DataUse` records stored by :func:`_usage_to_attrs`."""
    if not isinstance(records, list | tuple) or not all(
        isinstance(r, dict) and set(r) == set(USAGE_COLUMNS) for r in records
    ):
        raise fail(
            f"attrs[{DATA_USAGE_ATTR!r}]",
            f"a {type(records).__name__}",
            f"a list of dicts with keys {', '.join(USAGE_COLUMNS)}",
        )
    return [DataUse(**record) for record in records]
