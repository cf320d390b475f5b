"""Privacy by design: consent gate, pseudonymisation, data minimisation and transparency."""

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
from precimark.privacy.usage import USAGE_COLUMNS, DataUse, SupportsDataUsage, data_usage_report

__all__ = [
    "MIN_KEY_BYTES",
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
