"""Data minimisation: drop the columns that directly identify a person.

A column is dropped when its *name* matches one of :data:`PII_PATTERNS` (or a pattern the caller
adds), or when most of its sampled *values* look like email addresses, phone numbers or IP
addresses. Both are heuristics: they catch the usual suspects of a shop export, not every
identifier, so read the report and extend the list for your own columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from precimark._deprecation import deprecated_alias
from precimark._validation import check_columns, fail

__all__ = ["PII_PATTERNS", "PII_REPORT_COLUMNS", "VALUE_PATTERNS", "drop_pii"]

PII_PATTERNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "email": (r"e_?mail[a-z0-9]*",),
        "ip_address": (r"ip", r"ip_?v?[46]", r"ip_?addr(ess)?", r"remote_?addr(ess)?"),
        "name": (
            r"^names?$",
            r"(first|last|full|given|middle|family|maiden)_?names?",
            r"(nick|display|user|customer|client|contact)_?names?",
            r"(account|card)_?holder(_?names?)?",
            r"surname",
            r"forename",
        ),
        "phone": (
            r"(tele|mobile_?|cell_?|home_?|work_?)?phone[a-z0-9]*",
            r"mobile",
            r"tel",
            r"fax",
        ),
        "address": (
            r"[a-z]*address(es)?[0-9]*",
            r"addr[0-9]*",
            r"street[a-z0-9]*",
            r"house_?(number|no|nr)",
            r"zip(_?code)?",
            r"post(al)?_?code",
        ),
        "birth_date": (r"(date_?of_?)?birth[a-z]*", r"dob"),
        "bank_card": (
            r"iban",
            r"(credit|debit)?_?card_?(number|no|nr|num)",
            r"credit_?card",
            r"cc_?(number|no|nr|num)",
            r"(bank_?)?account_?(number|no|nr|num)",
        ),
        "national_id": (
            r"ssn",
            r"social_?security[a-z_]*",
            r"passport[a-z_]*",
            r"(national|tax|personal)_?id",
            r"driver_?s?_?licen[cs]e[a-z_]*",
        ),
    }
)
"""Name patterns per kind of direct identifier.

A column name is normalised first (``camelCase`` split into words, lower-cased, every run of
other characters turned into ``_``: ``"EmailAddress"`` -> ``email_address``), and a pattern
matches when it spans whole ``_``-separated words (``ip`` matches ``ip_address`` and
``client_ip`` but not ``shipping``); ``^``/``$`` anchor at the ends of the name (``^names?$``
matches ``name`` but not ``product_name``). Kinds are tried in order; the first match names
the kind. Customer ids are pseudonymous identifiers, not dropped: pseudonymise them.
"""

_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
_PHONE = (
    r"\+[0-9][0-9 ().\-/]{5,22}[0-9]"  # international, +country code
    r"|00[1-9][0-9 ().\-/]{5,22}[0-9]"  # international, 00 prefix
    r"|\(?0[1-9][0-9 ().\-/]{5,18}[0-9]"  # national, trunk prefix 0
    r"|\(?[2-9][0-9]{2}\)?[ .\-][0-9]{3}[ .\-][0-9]{4}"  # North American 555-123-4567
)
_IPV4 = r"(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}"

VALUE_PATTERNS: Mapping[str, str] = MappingProxyType(
    {"email": _EMAIL, "phone": _PHONE, "ip_address": _IPV4}
)
"""Value patterns (full match) for the text columns whose name did not give them away."""

PII_REPORT_COLUMNS: tuple[str, ...] = ("column", "kind", "reason")
"""Columns of the report returned by :func:`drop_pii`, in order."""

_SAMPLE = 1_000
_SHARE = 0.5
_KIND_WORDS = {"email": "email addresses", "phone": "phone numbers", "ip_address": "IP addresses"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@deprecated_alias(extra="extra_columns", keep="keep_columns")
def drop_pii(
    frame: pd.DataFrame,
    *,
    extra_columns: Iterable[str] = (),
    keep_columns: Iterable[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop the columns that look like direct identifiers, and say which and why.

    Parameters
    ----------
    frame : DataFrame
        Any frame; not modified. The index is not inspected (precimark frames are indexed by
        customer id: pseudonymise it with :func:`pseudonymize`).
    extra_columns : iterable of str
        More columns to drop: exact column names, or regular expressions matched like
        :data:`PII_PATTERNS` (kind ``"extra"``), e.g. ``("loyalty_card",)``.
    keep_columns : iterable of str
        Columns never to drop (a false positive you have checked). Must be columns of ``frame``.

    Other Parameters
    ----------------
    extra, keep : iterable of str
        Deprecated since 0.2.0 (removed in 0.3.0); use ``extra_columns`` and
        ``keep_columns``.

    Returns
    -------
    clean : DataFrame
        ``frame`` without the dropped columns (a copy; same index).
    report : DataFrame
        One row per dropped column with ``column``, ``kind`` (``"email"``, ``"phone"``,
        ``"name"``, ``"address"``, ``"ip_address"``, ``"birth_date"``, ``"bank_card"``,
        ``"national_id"`` or ``"extra"``) and ``reason``. The reason never quotes a value.

    Notes
    -----
    Name matching uses :data:`PII_PATTERNS`. Text columns (object, string or categorical)
    whose name matches nothing are sniffed: up to 1,000 evenly spaced non-missing values are
    matched against :data:`VALUE_PATTERNS`, and the column is dropped when at least half of
    them look like email addresses, phone numbers or IPv4 addresses.

    Dropping direct identifiers is data minimisation, not anonymisation: the remaining
    columns (ZIP-level location, age, a rare basket) can still single a person out.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.privacy import drop_pii
    >>> customers = pd.DataFrame({
    ...     "FirstName": ["Ann", "Bo"],
    ...     "contact": ["ann@example.com", "bo@example.org"],
    ...     "zip_code": ["1011", "2022"],
    ...     "segment": ["gold", "new"],
    ... })
    >>> clean, report = drop_pii(customers)
    >>> list(clean.columns)
    ['segment']
    >>> report
          column     kind                                        reason
    0  FirstName     name  name matches '(first|last|full|given|middle|...
    1    contact    email  2 of 2 sampled values look like email addresses
    2   zip_code  address                      name matches 'zip(_?code)?'
    """
    if not isinstance(frame, pd.DataFrame):
        raise fail("argument 'frame'", f"a {type(frame).__name__}", "a pandas DataFrame")
    extra = _strings(extra_columns, "extra_columns")
    for pattern in extra:
        try:
            re.compile(pattern)
        except re.error as err:
            raise fail(
                "argument 'extra_columns'", f"an invalid pattern ({err})", "regular expressions"
            ) from err
    kept = _strings(keep_columns, "keep_columns")
    check_columns(frame, kept, "frame")
    rows, kept_positions = [], []
    for position, label in enumerate(frame.columns):  # by position: labels may repeat
        found = None
        if label not in kept:
            found = _by_name(str(label), extra) or _by_values(frame.iloc[:, position])
        if found is None:
            kept_positions.append(position)
        else:
            rows.append((label, *found))
    report = pd.DataFrame(rows, columns=list(PII_REPORT_COLUMNS), dtype="str")
    return frame.iloc[:, kept_positions].copy(), report


def _strings(items: Iterable[str], name: str) -> list[str]:
    values = [items] if isinstance(items, str) else list(items)
    bad = [item for item in values if not isinstance(item, str)]
    if bad:
        raise fail(f"argument '{name}'", f"an item of type {type(bad[0]).__name__}", "strings")
    return values


def _normalise(name: str) -> str:
    return _NON_WORD.sub("_", _CAMEL.sub("_", name).lower()).strip("_")


def _by_name(label: str, extra: list[str]) -> tuple[str, str] | None:
    if label in extra:
        return "extra", "listed in extra_columns"
    normal = _normalise(label)
    kinds = [*PII_PATTERNS.items(), ("extra", tuple(extra))]
    for kind, patterns in kinds:
        for pattern in patterns:
            if re.search(rf"(?:^|_)(?:{pattern})(?:_|$)", normal):
                return kind, f"name matches {pattern!r}"
    return None


def _by_values(column: pd.Series[Any]) -> tuple[str, str] | None:
    dtype = column.dtype
    if not (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.StringDtype | pd.CategoricalDtype)
    ):
        return None
    present = column.dropna()
    if len(present) == 0:
        return None
    positions = np.unique(np.linspace(0, len(present) - 1, min(len(present), _SAMPLE)).astype(int))
    sample = [v for v in present.iloc[positions].astype(object) if isinstance(v, str)]
    for kind, pattern in VALUE_PATTERNS.items():
        regex = re.compile(pattern)
        hits = sum(1 for value in sample if regex.fullmatch(value.strip()))
        if sample and hits >= _SHARE * len(positions):
            return (
                kind,
                f"{hits:,} of {len(positions):,} sampled values look like {_KIND_WORDS[kind]}",
            )
    return None
