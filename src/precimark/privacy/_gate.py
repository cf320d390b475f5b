"""The one consent gate every roster-reading step calls: :func:`resolve_consent`.

``consent=None`` applies the step's default :class:`~precimark.privacy.ConsentPolicy`,
``consent=False`` is the one explicit opt-out, and without a roster there is nothing to check.
Each outcome comes with the :class:`~precimark.privacy.DataUse` records that say which it was,
so every result can carry them (``data_usage_`` on estimators, policies and result objects;
``attrs["data_usage"]`` on frames, see :func:`record_usage`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._validation import check_frame, fail
from precimark.privacy.consent import (
    ConsentLike,
    ConsentPolicy,
    Purpose,
    _check_consent,
    require_consent,
)
from precimark.privacy.usage import (
    CONSENT_CHECK,
    CONSENT_NOT_CHECKED,
    DATA_USAGE_ATTR,
    NO_ROSTER,
    DataUse,
    _usage_to_attrs,
)

__all__ = ["ConsentGate", "planned_usage", "record_usage", "resolve_consent"]

_logger = logging.getLogger(__name__)

Status = Literal["checked", "opted_out", "no_roster"]
_Result = TypeVar("_Result", pd.DataFrame, "pd.Series[Any]")


@dataclass(frozen=True)
class ConsentGate:
    """Outcome of :func:`resolve_consent`.

    Attributes
    ----------
    purpose : str
        The purpose checked.
    status : {"checked", "opted_out", "no_roster"}
        Whether consent was read, skipped with ``consent=False``, or there was no roster.
    column : str
        The consent column read (``"checked"``), else the default one that was not read.
    allowed : Index or None
        Ids of the customers who may be processed; None when nobody is excluded (not
        checked).
    excluded : Index
        Ids of the roster's customers who may not (empty unless checked).
    data_usage : tuple of DataUse
        One record saying which of the three it was, for the result's data-usage record.
    """

    purpose: Purpose
    status: Status
    column: str
    allowed: pd.Index | None
    excluded: pd.Index
    data_usage: tuple[DataUse, ...]

    @property
    def checked(self) -> bool:
        """True when a consent column was read."""
        return self.status == "checked"

    def mask(self, ids: pd.Index | npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Return which of ``ids`` may be processed (all of them when not checked).

        Raises
        ------
        DataValidationError
            If ``ids`` are numbers and the roster's ids text, or the other way round: no id
            would match, and every customer would be excluded without a word.
        """
        index = ids if isinstance(ids, pd.Index) else pd.Index(np.asarray(ids))
        if self.allowed is None:
            return np.ones(len(index), dtype=bool)
        roster, data = _id_kind(self.allowed.append(self.excluded)), _id_kind(index)
        if roster is not None and data is not None and roster != data:
            raise fail(
                "customer ids",
                f"{data} in the data but {roster} in the roster's index (customers)",
                "one id type in both, so that the consent column can be matched",
                "Convert one side, e.g. customers.index = customers.index.astype(str) or "
                "transactions['customer_id'].astype('int64').",
            )
        return np.asarray(index.isin(self.allowed), dtype=bool)


def _id_kind(ids: pd.Index) -> str | None:
    """``"numbers"`` or ``"text"`` for ids of one kind; None when empty or of another kind."""
    if len(ids) == 0:
        return None
    inferred = pd.api.types.infer_dtype(ids, skipna=True)
    if inferred == "integer":
        return "numbers"
    if inferred == "string":
        return "text"
    return None


def resolve_consent(
    customers: pd.DataFrame | None,
    purpose: Purpose,
    consent: object,
    *,
    used_by: str,
) -> ConsentGate:
    """Apply the one meaning of ``consent=`` for a step reading ``customers`` for ``purpose``.

    Parameters
    ----------
    customers : DataFrame or None
        The roster, indexed by customer id (one row per customer), or None when the step got
        none.
    purpose : {"profiling", "marketing", "personalised_pricing"}
        What the step processes the customers for.
    consent : str, ConsentPolicy, False or None
        As everywhere (:data:`~precimark.privacy.ConsentLike`): None is the default policy
        (column ``consent_<purpose>``), False the explicit opt-out.
    used_by : str
        The step, for the data-usage record (e.g. ``"make_snapshots"``).

    Returns
    -------
    ConsentGate

    Raises
    ------
    DataValidationError
        For an invalid ``consent``; a roster without the consent column (the message names
        it and both fixes); ``consent`` given as a column or policy without a roster; or an
        invalid consent column (see :func:`~precimark.privacy.require_consent`).
    """
    checked = _check_consent(consent)
    default = ConsentPolicy().column_for(purpose)
    if checked is False:
        return _unchecked(purpose, "opted_out", default, CONSENT_NOT_CHECKED, used_by)
    if customers is None:
        if checked is not None:
            raise fail(
                "argument 'customers'",
                "None",
                f"a customer roster when consent={_show(checked)} is given",
                "Pass customers=..., or leave consent at None (no roster: nothing to check).",
            )
        return _unchecked(purpose, "no_roster", default, NO_ROSTER, used_by)
    column = _column(purpose, checked)
    frame = check_frame(customers, "customers")
    if column not in frame.columns:
        raise fail(
            "argument 'customers'",
            f"no consent column '{column}' for purpose '{purpose}'",
            f"a column recording each customer's {purpose} consent",
            'Name yours with consent="your_column" (or a ConsentPolicy), or pass '
            "consent=False to skip the check (recorded as not checked in the data-usage "
            "record).",
        )
    result = require_consent(frame, purpose, consent=checked)
    _logger.info(
        "%s: %d of %d customers in the roster without %s consent (column '%s') are excluded",
        used_by,
        len(result.excluded),
        len(frame),
        purpose,
        column,
    )
    return ConsentGate(
        purpose=purpose,
        status="checked",
        column=column,
        allowed=result.allowed,
        excluded=result.excluded,
        data_usage=(DataUse(column, CONSENT_CHECK, used_by),),
    )


def _column(purpose: Purpose, consent: str | ConsentPolicy | None) -> str:
    policy = consent if isinstance(consent, ConsentPolicy) else ConsentPolicy()
    return consent if isinstance(consent, str) else policy.column_for(purpose)


def planned_usage(purpose: Purpose, consent: object, *, used_by: str) -> tuple[DataUse, ...]:
    """Return the record :func:`resolve_consent` will give every roster a step is called on.

    For objects built before they see a roster (the distributed partition functions): the
    consent column that will be read, or the opt-out. Raises like :func:`resolve_consent` for
    an invalid ``consent``.
    """
    checked = _check_consent(consent)
    if checked is False:
        default = ConsentPolicy().column_for(purpose)
        return (DataUse(default, CONSENT_NOT_CHECKED, used_by),)
    return (DataUse(_column(purpose, checked), CONSENT_CHECK, used_by),)


def _unchecked(
    purpose: Purpose, status: Status, column: str, what: str, used_by: str
) -> ConsentGate:
    return ConsentGate(
        purpose=purpose,
        status=status,
        column=column,
        allowed=None,
        excluded=pd.Index([]),
        data_usage=(DataUse(column, what, used_by),),
    )


def _show(consent: ConsentLike) -> str:
    return repr(consent) if isinstance(consent, str) else "ConsentPolicy(...)"


def record_usage(result: _Result, uses: Sequence[DataUse]) -> _Result:
    """Store ``uses`` in ``result.attrs["data_usage"]`` and return ``result``.

    Only for frames a step has just built (never a caller's input).
    """
    result.attrs[DATA_USAGE_ATTR] = _usage_to_attrs(uses)
    return result
