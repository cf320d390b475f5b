"""Exceptions and warnings raised by precimark.

Every error precimark raises derives from :class:`PrecimarkError`; every warning from
:class:`PrecimarkWarning`. Messages never contain personal data beyond a customer id.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "DataQualityWarning",
    "DataValidationError",
    "NotFittedError",
    "PrecimarkError",
    "PrecimarkWarning",
]


class PrecimarkError(Exception):
    """Root of every exception raised by precimark."""


class DataValidationError(PrecimarkError, ValueError):
    """Input data or an argument is invalid.

    The message names the argument or column, what was found (how many offending rows and the
    first offending customer id) and what was expected, and suggests a fix where there is one.
    It subclasses :class:`ValueError`, so ``except ValueError`` keeps working.

    Examples
    --------
    >>> import pandas as pd
    >>> import precimark as pm
    >>> bad = pd.DataFrame({"customer_id": [1], "date": ["1997-01-01"], "amount": [-5.0]})
    >>> try:
    ...     pm.rfm_summary(bad)
    ... except pm.DataValidationError as err:
    ...     print(str(err).splitlines()[0])
    column 'amount': 1 negative value (first customer: 1); expected amounts >= 0. Refunds ...
    """


class ConvergenceError(PrecimarkError, RuntimeError):
    """A model fit failed to converge after all of its retries."""


class PrecimarkWarning(UserWarning):
    """Root of every warning issued by precimark."""


class DataQualityWarning(PrecimarkWarning):
    """The data are valid but break an assumption of the method (results may mislead)."""


class ConvergenceWarning(PrecimarkWarning):
    """A fit needed retries (other starting points, rescaling, a penalizer) to converge."""
