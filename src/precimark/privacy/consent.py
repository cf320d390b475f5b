"""The consent gate: who may be processed for which purpose.

Consent is checked before profiling, targeting or personalised pricing. A customer without the
needed consent is excluded (or, in pricing, gets the non-personalised list price); missing
consent information counts as *no* consent unless the caller says otherwise explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from precimark._validation import (
    check_bool,
    check_choice,
    check_columns,
    check_frame,
    check_unique_index,
    fail,
    fail_rows,
)
from precimark.privacy.usage import DataUse

__all__ = [
    "PURPOSES",
    "ConsentLike",
    "ConsentPolicy",
    "ConsentResult",
    "Purpose",
    "require_consent",
]

Purpose: TypeAlias = Literal["profiling", "marketing", "personalised_pricing"]
"""What the data are processed for; each purpose needs its own consent."""
PURPOSES: tuple[Purpose, ...] = ("profiling", "marketing", "personalised_pricing")

_DEFAULT_COLUMNS: Mapping[str, str] = MappingProxyType(
    {purpose: f"consent_{purpose}" for purpose in PURPOSES}
)


@dataclass(frozen=True)
class ConsentPolicy:
    """Where each purpose's consent is recorded, and what a missing value means.

    Parameters
    ----------
    columns : Mapping[str, str], optional
        Consent column per purpose. Default: ``consent_profiling``, ``consent_marketing``,
        ``consent_personalised_pricing``.
    missing_means_consent : bool, default False
        Treat a missing (NaN/None) consent value as consent. Off by default: no record, no
        processing.

    Examples
    --------
    >>> from precimark.privacy import ConsentPolicy
    >>> ConsentPolicy().column_for("marketing")
    'consent_marketing'
    """

    columns: Mapping[str, str] = field(default_factory=lambda: _DEFAULT_COLUMNS)
    missing_means_consent: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.columns, Mapping):
            raise fail(
                "argument 'columns'",
                f"a {type(self.columns).__name__}",
                "a mapping from purpose to consent column",
            )
        for purpose, column in self.columns.items():
            check_choice(purpose, "columns", PURPOSES)
            if not isinstance(column, str) or not column:
                raise fail(
                    f"argument 'columns' for {purpose!r}", repr(column), "a column name (a string)"
                )
        check_bool(self.missing_means_consent, "missing_means_consent")
        # a private read-only copy: changing the caller's dict later cannot change the policy
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))

    def __reduce__(self) -> tuple[type[ConsentPolicy], tuple[dict[str, str], bool]]:
        # a mappingproxy does not pickle; rebuild from a plain dict (pickle, deepcopy, clone)
        return (type(self), (dict(self.columns), self.missing_means_consent))

    def column_for(self, purpose: Purpose) -> str:
        """Return the consent column for ``purpose``."""
        check_choice(purpose, "purpose", PURPOSES)
        if purpose not in self.columns:
            raise fail(
                "argument 'policy'",
                f"no consent column for purpose {purpose!r}",
                "a column for every purpose the policy is used for",
            )
        return self.columns[purpose]

    def require(self, customers: pd.DataFrame, purpose: Purpose) -> ConsentResult:
        """Return which customers may be processed for ``purpose`` under this policy.

        Shorthand for ``require_consent(customers, purpose, consent=self)``.

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.privacy import ConsentPolicy
        >>> customers = pd.DataFrame({"ok": [True, None]}, index=pd.Index([1, 2], name="customer_id"))
        >>> ConsentPolicy({"profiling": "ok"}, missing_means_consent=True).require(customers, "profiling")
        ConsentResult(purpose='profiling', allowed=2, excluded=0)
        """
        return require_consent(customers, purpose, consent=self)

    @property
    def data_usage_(self) -> tuple[DataUse, ...]:
        """The consent columns the policy reads (purpose ``"consent_check"``)."""
        return tuple(
            DataUse(column, "consent_check", "ConsentPolicy") for column in self.columns.values()
        )


ConsentLike: TypeAlias = str | ConsentPolicy | Literal[False]
"""What ``consent=`` accepts across precimark: a consent column name, a policy, or ``False``.

Every step that reads a customer roster to profile, label, score, target, recommend or price
takes ``consent: ConsentLike | None = None`` with one meaning:

- ``None`` (the default): the step's default :class:`ConsentPolicy`, column
  ``consent_<purpose>``; a roster without that column is an error naming it and both fixes;
- a column name or a :class:`ConsentPolicy`: read consent there;
- ``False``: the one explicit opt-out (the caller vouches for a lawful basis); nobody is
  excluded and the result's data-usage record says that consent was not checked.
"""


@dataclass(frozen=True)
class ConsentResult:
    """Outcome of a consent check.

    Attributes
    ----------
    purpose : str
        The purpose checked.
    allowed : Index
        Ids of the customers who may be processed for the purpose.
    excluded : Index
        Ids of the customers who may not (no consent, opt-out or no record).

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.privacy import require_consent
    >>> customers = pd.DataFrame({"consent_profiling": [1, 0, 1]}, index=[7, 8, 9])
    >>> result = require_consent(customers, "profiling")
    >>> result
    ConsentResult(purpose='profiling', allowed=2, excluded=1)
    >>> list(result.excluded)
    [8]
    """

    purpose: str
    allowed: pd.Index
    excluded: pd.Index

    @property
    def n_excluded(self) -> int:
        """Number of customers excluded."""
        return len(self.excluded)

    @property
    def n_allowed(self) -> int:
        """Number of customers allowed."""
        return len(self.allowed)

    def __repr__(self) -> str:
        # Counts only: a repr lands in logs and notebooks, the id lists stay in the attributes.
        return (
            f"ConsentResult(purpose={self.purpose!r}, allowed={self.n_allowed}, "
            f"excluded={self.n_excluded})"
        )


def _check_consent(consent: object) -> ConsentLike | None:
    """Return ``consent`` if it is a valid ``consent=`` value (:data:`ConsentLike` or None).

    Raises
    ------
    DataValidationError
        For anything else (``True`` included: name the column, or pass ``False`` to opt out).
    """
    if consent is None or consent is False or isinstance(consent, ConsentPolicy):
        return consent
    if isinstance(consent, str) and consent:
        return consent
    raise fail(
        "argument 'consent'",
        repr(consent)
        if isinstance(consent, bool | np.bool_ | str)
        else f"a {type(consent).__name__}",
        "a column name, a ConsentPolicy, False (no check) or None (the default policy)",
    )


def require_consent(
    customers: pd.DataFrame,
    purpose: Purpose,
    *,
    consent: ConsentLike | None = None,
) -> ConsentResult:
    """Return which customers may be processed for ``purpose``.

    Parameters
    ----------
    customers : DataFrame
        One row per customer, indexed by customer id, holding the consent column(s).
    purpose : {"profiling", "marketing", "personalised_pricing"}
        What the data are to be used for.
    consent : str, ConsentPolicy or False, optional
        The consent column to read, or a policy naming one column per purpose. Default:
        ``ConsentPolicy()`` (column ``consent_<purpose>``). ``False`` checks nothing: every
        customer is allowed (the explicit opt-out of :data:`ConsentLike`).

    Returns
    -------
    ConsentResult
        ``allowed`` and ``excluded`` customer ids (in the order of ``customers``).

    Raises
    ------
    DataValidationError
        If the consent column is missing, is neither boolean nor 0/1, or the index repeats a
        customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.privacy import require_consent
    >>> customers = pd.DataFrame(
    ...     {"consent_marketing": [True, False, None]}, index=pd.Index([1, 2, 3], name="customer_id")
    ... )
    >>> result = require_consent(customers, "marketing")
    >>> list(result.allowed), result.n_excluded
    ([1], 2)
    """
    check_choice(purpose, "purpose", PURPOSES)
    _check_consent(consent)
    if consent is False:
        frame = check_frame(customers, "customers")
        check_unique_index(frame, "customers")
        return ConsentResult(purpose=purpose, allowed=frame.index, excluded=frame.index[:0])
    policy = consent if isinstance(consent, ConsentPolicy) else ConsentPolicy()
    column = consent if isinstance(consent, str) else policy.column_for(purpose)
    frame = check_frame(customers, "customers")
    check_columns(frame, [column], "customers")
    check_unique_index(frame, "customers")
    values = frame[column]
    present = values.notna().to_numpy()
    known = values[present]
    as_object = known.astype(object)
    valid = as_object.isin([True, False, 1, 0]).to_numpy()
    if not valid.all():
        bad = np.zeros(len(frame), dtype=bool)
        bad[np.flatnonzero(present)[~valid]] = True
        raise fail_rows(
            f"column '{column}'", bad, frame.index, "non-boolean consent value", "True/False or 1/0"
        )
    granted = np.full(len(frame), policy.missing_means_consent, dtype=bool)
    granted[present] = as_object.astype(bool).to_numpy()
    return ConsentResult(
        purpose=purpose, allowed=frame.index[granted], excluded=frame.index[~granted]
    )
