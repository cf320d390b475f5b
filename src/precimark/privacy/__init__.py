"""Privacy by design: consent gate, pseudonymisation, data minimisation and transparency.

- :mod:`~precimark.privacy.consent`: :func:`require_consent` and :class:`ConsentPolicy`, the
  gate every profiling, labelling, scoring, targeting, recommending and pricing step passes
  (``consent=``, one meaning everywhere: see :data:`ConsentLike`). Each step records whether
  consent was checked (:data:`CONSENT_CHECK`), skipped with ``consent=False``
  (:data:`CONSENT_NOT_CHECKED`) or had no roster (:data:`NO_ROSTER`) in its data-usage record.
- :mod:`~precimark.privacy.pseudonym`: :func:`pseudonymize` and :class:`Pseudonymizer`, a keyed
  hash (HMAC-SHA256) of customer ids.
- :mod:`~precimark.privacy.pii`: :func:`drop_pii` removes direct identifiers (names, emails,
  phones, addresses, ...) and reports which.
- :mod:`~precimark.privacy.usage`: :class:`DataUse`, the :class:`SupportsDataUsage` protocol and
  :func:`data_usage_report`: which columns a fitted pipeline or policy reads, and for what.

Errors, warnings and reprs of this package name at most a customer id, never other personal
data or a key. See the user guide page "Privacy by design" (``docs/privacy.md``).
"""

from __future__ import annotations

from precimark.privacy.consent import (
    PURPOSES,
    ConsentLike,
    ConsentPolicy,
    ConsentResult,
    Purpose,
    require_consent,
)
from precimark.privacy.pii import PII_PATTERNS, PII_REPORT_COLUMNS, VALUE_PATTERNS, drop_pii
from precimark.privacy.pseudonym import MIN_KEY_BYTES, Pseudonymizer, pseudonymize
from precimark.privacy.usage import (
    CONSENT_CHECK,
    CONSENT_NOT_CHECKED,
    DATA_USAGE_ATTR,
    NO_ROSTER,
    USAGE_COLUMNS,
    DataUse,
    SupportsDataUsage,
    data_usage_report,
)

__all__ = [
    "CONSENT_CHECK",
    "CONSENT_NOT_CHECKED",
    "DATA_USAGE_ATTR",
    "MIN_KEY_BYTES",
    "NO_ROSTER",
    "PII_PATTERNS",
    "PII_REPORT_COLUMNS",
    "PURPOSES",
    "USAGE_COLUMNS",
    "VALUE_PATTERNS",
    "DataUse",
    "Pseudonymizer",
    "SupportsDataUsage",
    "data_usage_report",
    "drop_pii",
    "pseudonymize",
    "ConsentLike",
    "ConsentPolicy",
    "ConsentResult",
    "Purpose",
    "require_consent",
]
