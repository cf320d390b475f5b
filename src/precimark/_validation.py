"""Every input check precimark makes, with one wording for every message.

A failed check raises :class:`~precimark.exceptions.DataValidationError` whose message reads::

    column 'amount': 3 negative values (first customer: 17); expected amounts >= 0. <fix>

i.e. where (column or argument), what was found (count and first offending customer id), what
was expected, and how to fix it where there is an obvious fix. No check modifies its input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._typing import DateLike, TimeUnit
from precimark.exceptions import DataValidationError
from precimark.schema import FREQUENCY, MONETARY_VALUE, RECENCY, Columns, T

__all__ = [
    "Transactions",
    "check_bool",
    "check_choice",
    "check_columns",
    "check_frame",
    "check_number",
    "check_probability",
    "check_seed",
    "check_time_unit",
    "check_unique_index",
    "fail",
    "fail_rows",
    "finite_moments",
    "refuse_overflow",
    "resolve_time_unit",
    "to_day",
    "to_days",
    "to_duration_units",
    "validate_rfm",
    "validate_transactions",
]

_DAY = np.timedelta64(1, "D")


def fail(where: str, found: str, expected: str, fix: str | None = None) -> DataValidationError:
    """Build the :class:`DataValidationError` for one failed check (the caller raises it)."""
    message = f"{where}: {found}; expected {expected}."
    if fix:
        message += f" {fix}"
    return DataValidationError(message)


def fail_rows(
    where: str,
    mask: npt.NDArray[np.bool_],
    ids: npt.ArrayLike,
    what: str,
    expected: str,
    fix: str | None = None,
    *,
    plural: str | None = None,
    row: str = "customer",
) -> DataValidationError:
    """Build the error for rows flagged by ``mask``, naming their count and first customer.

    ``what`` describes one row ("negative value"); for several rows its noun is pluralised
    (see :func:`_plural`), or ``plural`` is used when given. ``row`` names what ``ids``
    identify (a customer by default; e.g. a post for a posts table without customer ids).
    """
    count = int(np.count_nonzero(mask))
    first = np.asarray(ids)[int(np.argmax(mask))]
    described = what if count == 1 else plural if plural is not None else _plural(what)
    return fail(where, f"{count} {described} (first {row}: {first})", expected, fix)


# Words that end the noun phrase of a row description: "transaction *on or before* the profile
# date 2024-08-28" pluralises "transaction", never the date at the end.
_PHRASE_END = frozenset(
    [
        "on",
        "before",
        "after",
        "with",
        "among",
        "greater",
        "less",
        "than",
        "that",
        "not",
        "for",
        "in",
        "of",
        "at",
        "per",
        "below",
        "above",
        "outside",
        "without",
        "from",
        "to",
        "by",
        "when",
        "where",
        "which",
        "whose",
    ]
)
_IRREGULAR = {"id": "ids", "T": "T values", "NaT": "NaT"}


def _plural_word(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("s") or not word[-1:].isalpha():
        return word
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("ch", "sh", "x", "z")):
        return word + "es"
    return word + "s"


def _plural(what: str) -> str:
    """Pluralise the noun of a row description: the last word before a preposition or "(".

    >>> _plural("transaction on or before the profile date 2024-08-28")
    'transactions on or before the profile date 2024-08-28'
    >>> _plural("unparseable date (first value: '08/03/2024')")
    "unparseable dates (first value: '08/03/2024')"
    >>> _plural("non-zero recency with frequency 0"), _plural("duplicated customer id")
    ('non-zero recencies with frequency 0', 'duplicated customer ids')
    """
    head, paren, tail = what.partition(" (")
    words = head.split(" ")
    end = len(words)
    for i, word in enumerate(words[1:], start=1):
        if word in _PHRASE_END:
            end = i
            break
    words[end - 1] = _plural_word(words[end - 1])
    return " ".join(words) + (paren + tail if paren else "")


_OVERFLOW_FIX = (
    "float64 holds numbers up to about 1.8e308: express the values in a larger unit "
    "(e.g. thousands) or check them for a data-entry error."
)


def refuse_overflow(
    result: npt.ArrayLike, where: str, ids: npt.ArrayLike, what: str = "sum"
) -> None:
    """Raise if a sum of finite values (one per customer or group) overflowed to infinity.

    The one overflow check: every sum of user amounts (day totals, spend, sums of squares) is
    computed under ``np.errstate(over="ignore")`` and passed here, so an overflow is a
    :class:`DataValidationError` naming the column, the count and the first customer instead
    of an ``inf`` in the result. ``ids`` aligns with ``result``.

    Examples
    --------
    >>> import numpy as np
    >>> from precimark._validation import refuse_overflow
    >>> refuse_overflow(np.array([1.0, np.inf]), "column 'amount'", [7, 8])
    Traceback (most recent call last):
    ...
    precimark.exceptions.DataValidationError: column 'amount': 1 sum beyond the float64 range \
(first customer: 8); expected sums that fit in float64. float64 holds ...
    """
    values = np.asarray(result, dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        raise fail_rows(
            where,
            bad,
            ids,
            f"{what} beyond the float64 range",
            "sums that fit in float64",
            _OVERFLOW_FIX,
            plural=f"{what}s beyond the float64 range",
        )


def scale_exponent(largest: float) -> int:
    """Return k such that values up to ``largest`` divided by ``2**k`` are below 1 (0 if small).

    Values beyond 2**500 in magnitude are rescaled by this power of two before any sum of
    squares or products: the division is exact, so a result computed on the scaled values and
    multiplied back by ``2**k`` (or not at all, for a ratio) is the exact-arithmetic answer.

    Examples
    --------
    >>> from precimark._validation import scale_exponent
    >>> scale_exponent(1e308), scale_exponent(10.0)
    (1024, 0)
    """
    return int(np.frexp(largest)[1]) if largest > 2.0**500 else 0


def finite_moments(
    values: npt.NDArray[np.float64], where: str, ids: npt.ArrayLike
) -> tuple[float, float]:
    """Mean and sample variance (ddof=1; 0 for one value) of finite values, without overflow.

    Values beyond 2**500 in magnitude are rescaled by a power of two (exact) before summing,
    so the mean of values near 1e308 is right; a variance too large for float64 (values of
    opposite sign near 1e154 and beyond) is refused naming the largest value's id, never
    returned as ``inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from precimark._validation import finite_moments
    >>> finite_moments(np.array([1e308, 1e308, 1e308]), "argument 'values'", [0, 1, 2])
    (1e+308, 0.0)
    """
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    exponent = scale_exponent(largest)
    scaled = np.ldexp(values, -exponent)
    mean_scaled = float(scaled.mean())
    var_scaled = float(scaled.var(ddof=1)) if values.size > 1 else 0.0
    with np.errstate(over="ignore"):
        mean = float(np.ldexp(mean_scaled, exponent))
        variance = float(np.ldexp(var_scaled, 2 * exponent))
    if not (np.isfinite(mean) and np.isfinite(variance)):
        raise fail_rows(
            where,
            np.abs(values) == largest,
            ids,
            "value too large for its variance to fit in float64",
            "values whose mean and variance fit in float64",
            _OVERFLOW_FIX,
            plural="values too large for their variance to fit in float64",
        )
    return mean, variance


def check_frame(obj: object, name: str) -> pd.DataFrame:
    """Return ``obj`` if it is a non-empty DataFrame, else raise."""
    if not isinstance(obj, pd.DataFrame):
        raise fail(f"argument '{name}'", f"a {type(obj).__name__}", "a pandas DataFrame")
    if len(obj) == 0:
        raise fail(f"argument '{name}'", "an empty frame (0 rows)", "at least one row")
    return obj


def check_columns(frame: pd.DataFrame, required: Iterable[str], name: str) -> None:
    """Raise if any of ``required`` is not a column of ``frame``."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        have = ", ".join(repr(c) for c in list(frame.columns)[:10])
        raise fail(
            f"argument '{name}'",
            f"missing column{'s' if len(missing) > 1 else ''} "
            + ", ".join(repr(c) for c in missing)
            + f" (columns present: {have})",
            "the columns named by `columns=`",
            "Rename the columns or pass precimark.Columns(...) with your names.",
        )


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> None:
    """Raise if ``value`` is not one of ``choices``."""
    options = tuple(choices)
    if value not in options:
        raise fail(f"argument '{name}'", repr(value), "one of " + ", ".join(map(repr, options)))


def check_time_unit(time_unit: object) -> TimeUnit:
    """Validate a time unit (``"D"`` or ``"W"``)."""
    check_choice(time_unit, "time_unit", ("D", "W"))
    return cast("TimeUnit", time_unit)


Inclusive: TypeAlias = Literal["both", "left", "right", "neither"]


def _range_text(low: float | None, high: float | None, inclusive: Inclusive) -> str:
    left = ">=" if inclusive in ("both", "left") else ">"
    right = "<=" if inclusive in ("both", "right") else "<"
    if low is not None and high is not None:
        return f"from {low} to {high} ({left} {low} and {right} {high})"
    if low is not None:
        return f"{left} {low}"
    if high is not None:
        return f"{right} {high}"
    return ""


def check_number(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    inclusive: Inclusive = "both",
    integer: bool = False,
) -> float:
    """Return a scalar argument as a float after checking it is a finite number in range.

    Refuses booleans (``True`` is not 1 here), strings, ``None``, NaN and infinities, with one
    wording: ``argument 'name': <found>; expected a number <range>.``

    Parameters
    ----------
    value : object
        The argument as given.
    name : str
        The argument's name, for the message.
    low, high : float, optional
        Bounds of the allowed range.
    inclusive : {"both", "left", "right", "neither"}, default "both"
        Which bounds are allowed values.
    integer : bool, default False
        Require a whole number (an int, or a float such as ``3.0``).

    Returns
    -------
    float

    Examples
    --------
    >>> from precimark._validation import check_number
    >>> check_number(0.25, "discount_rate", low=0)
    0.25
    >>> check_number(True, "n_draws", low=20, integer=True)
    Traceback (most recent call last):
    ...
    precimark.exceptions.DataValidationError: argument 'n_draws': True (a bool); expected a whole number >= 20.
    """
    kind = "a whole number" if integer else "a number"
    expected = f"{kind} {_range_text(low, high, inclusive)}".strip()
    if low is None and high is None:
        expected = "a finite whole number" if integer else "a finite number"
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise fail(f"argument '{name}'", f"{value!r} (a {type(value).__name__})", expected)
    number = float(value)
    if not np.isfinite(number) or (integer and number != round(number)):
        raise fail(f"argument '{name}'", repr(value), expected)
    below = low is not None and (
        number < low or (number == low and inclusive in ("right", "neither"))
    )
    above = high is not None and (
        number > high or (number == high and inclusive in ("left", "neither"))
    )
    if below or above:
        raise fail(f"argument '{name}'", repr(value), expected)
    return number


def check_probability(value: object, name: str, *, inclusive: Inclusive = "both") -> float:
    """Return a probability (a number from 0 to 1) as a float; see :func:`check_number`.

    Examples
    --------
    >>> from precimark._validation import check_probability
    >>> check_probability(0.9, "confidence", inclusive="neither")
    0.9
    """
    return check_number(value, name, low=0.0, high=1.0, inclusive=inclusive)


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is a bool (``numpy.bool_`` too); refuse 0/1, strings and None.

    Examples
    --------
    >>> from precimark._validation import check_bool
    >>> check_bool(False, "refit")
    False
    """
    if not isinstance(value, bool | np.bool_):
        raise fail(f"argument '{name}'", f"{value!r} (a {type(value).__name__})", "True or False")
    return bool(value)


def check_seed(random_state: object, name: str = "random_state", *, generator: bool = True) -> None:
    """Refuse what is not a seed, naming the argument and the accepted types.

    Accepted are None, an int >= 0 and (``generator=True``) a :class:`numpy.random.Generator`;
    scikit-learn-style seeds (``generator=False``) are None or an int. For estimators, call it
    in ``fit`` (hyper-parameters are stored unchanged).

    Examples
    --------
    >>> from precimark._validation import check_seed
    >>> check_seed("abc", generator=False)
    Traceback (most recent call last):
    ...
    precimark.exceptions.DataValidationError: argument 'random_state': 'abc' (a str); expected None or an int >= 0.
    """
    expected = (
        "None, an int >= 0 or a numpy.random.Generator" if generator else "None or an int >= 0"
    )
    if random_state is None or (generator and isinstance(random_state, np.random.Generator)):
        return
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        if random_state < 0:
            raise fail(f"argument '{name}'", f"{random_state}", "a seed >= 0")
        return
    shown = repr(random_state) if isinstance(random_state, str | float) else "a value"
    raise fail(f"argument '{name}'", f"{shown} (a {type(random_state).__name__})", expected)


def to_rng(random_state: object, name: str = "random_state") -> np.random.Generator:
    """Return a numpy Generator for a seed argument, refusing what is not a seed.

    None (fresh entropy), a non-negative int or a :class:`numpy.random.Generator` (used as
    is, so a caller can share one stream). Strings, floats, bools and legacy ``RandomState``
    objects are refused with the argument named.

    Examples
    --------
    >>> from precimark._validation import to_rng
    >>> float(to_rng(7).random()) == float(to_rng(7).random())
    True
    """
    check_seed(random_state, name)
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    return np.random.default_rng(int(random_state))  # type: ignore[call-overload]


_DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0}
_UNIT_NAMES = {"D": "days", "W": "weeks"}
_DURATION_EXPECTED = (
    "a number in the time unit or a fixed duration such as '90D', '13W' or pd.Timedelta(days=90)"
)


def _to_timedelta(value: object, name: str) -> pd.Timedelta:
    """Parse a fixed duration; refuse calendar units and bare unit letters."""
    if isinstance(value, str) and re.fullmatch(r"\s*([DWHMYdwhmy]|min)\s*", value):
        raise fail(
            f"argument '{name}'",
            f"{value!r}, a unit without a number",
            _DURATION_EXPECTED,
            f"Say how many: '1{value.strip()}' or '30D'. (In lifetimes, freq='{value.strip()}' "
            "is the unit of T; in precimark the unit comes from the RFM summary and the model.)",
        )
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)\s*", value):
        raise fail(
            f"argument '{name}'",
            f"{value!r}, a number without a unit (pandas would read it as nanoseconds)",
            _DURATION_EXPECTED,
            f"Pass the number itself ({value.strip()}) for a length in the time unit, or add "
            f"the unit: '{value.strip()}D'.",
        )
    try:
        delta = pd.Timedelta(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise fail(
            f"argument '{name}'",
            f"{value!r}, which has no fixed length",
            _DURATION_EXPECTED,
            "Calendar months and years vary in length: say pd.Timedelta(days=30) explicitly.",
        ) from err
    if pd.isna(delta):
        raise fail(f"argument '{name}'", repr(value), _DURATION_EXPECTED)
    return delta


def to_duration_units(
    value: object, time_unit: TimeUnit, name: str, *, positive: bool = True
) -> float:
    """Return a length of time as a number in ``time_unit`` (days or weeks).

    The one duration parser of precimark. A number is already in ``time_unit``; a fixed
    duration (``"90D"``, ``"13W"``, ``"36h"``, :class:`pandas.Timedelta`,
    :class:`numpy.timedelta64`) is converted to it. Refused: booleans, NaN, infinities, bare unit
    letters (``"D"``, ``"W"``: lifetimes' ``freq``), and calendar units (months, years,
    :class:`pandas.DateOffset`), whose length varies.

    Parameters
    ----------
    value : float, int, str, Timedelta or timedelta64
        The length of time.
    time_unit : {"D", "W"}
        Unit of the result (and of a plain number).
    name : str
        The argument's name, for the message.
    positive : bool, default True
        Require a length > 0 (else >= 0).

    Returns
    -------
    float

    Examples
    --------
    >>> from precimark._validation import to_duration_units
    >>> to_duration_units("91D", "W", "horizon"), to_duration_units(13, "W", "horizon")
    (13.0, 13.0)
    """
    unit = check_time_unit(time_unit)
    if isinstance(value, bool | np.bool_):
        raise fail(f"argument '{name}'", f"{value!r} (a bool)", _DURATION_EXPECTED)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        number = _to_timedelta(value, name) / pd.Timedelta(days=_DAYS_PER_UNIT[unit])
    if not np.isfinite(number) or number < 0 or (positive and number == 0):
        raise fail(
            f"argument '{name}'",
            repr(value),
            f"a {'positive' if positive else 'non-negative'}, finite length of time "
            f"(in {_UNIT_NAMES[unit]} or a duration such as '90D')",
        )
    return number


def to_days(value: object, name: str, *, minimum: int = 0) -> int:
    """Return a length of time as a whole number of days (an int is a number of days).

    Same parsing as :func:`to_duration_units`; a fraction of a day is refused.

    Parameters
    ----------
    value : int, str, Timedelta or timedelta64
        ``90``, ``"90D"``, ``"13W"`` or ``pd.Timedelta(days=90)``.
    name : str
        The argument's name, for the message.
    minimum : int, default 0
        Smallest number of days allowed.

    Returns
    -------
    int

    Examples
    --------
    >>> from precimark._validation import to_days
    >>> to_days("13W", "horizon", minimum=1), to_days(30, "gap")
    (91, 30)
    """
    days = to_duration_units(value, "D", name, positive=False)
    if days != round(days):
        raise fail(f"argument '{name}'", f"{value!r} ({days:g} days)", "a whole number of days")
    if days < minimum:
        raise fail(f"argument '{name}'", f"{int(days)} days", f"at least {minimum} days")
    return int(days)


_FIX_TIME_UNIT = (
    "Pass time_unit='D' or 'W' (the unit recency and T are measured in), or build the frame "
    "with precimark.rfm_summary(..., time_unit=...), which records it in rfm.attrs['time_unit'] "
    "(a merge, a CSV or a parquet file from elsewhere loses it)."
)


def resolve_time_unit(
    frame: pd.DataFrame,
    time_unit: object,
    *,
    expected: TimeUnit | None = None,
    owner: str | None = None,
    name: str = "rfm",
) -> TimeUnit:
    """Establish the time unit of an RFM frame, never assume it.

    The unit is the explicit ``time_unit`` argument, else ``frame.attrs['time_unit']`` (set by
    :func:`~precimark.rfm_summary`). Refused, with a message naming ``time_unit`` and both
    fixes: neither known; both known and different; or a unit different from ``expected`` (the
    unit of the fitted model or edges named ``owner``). When ``owner`` is given but
    ``expected`` is None (an old saved document without a unit) the call must pass
    ``time_unit=``: the recorded unit of the frame alone does not establish the owner's.
    """
    recorded = frame.attrs.get("time_unit")
    if time_unit is not None:
        time_unit = check_time_unit(time_unit)
    if recorded is not None and recorded not in _DAYS_PER_UNIT:
        raise fail(f"argument '{name}'", f"attrs['time_unit'] = {recorded!r}", "'D' or 'W'")
    if time_unit is not None and recorded is not None and time_unit != recorded:
        raise fail(
            "argument 'time_unit'",
            f"{time_unit!r}, but the frame records {recorded!r}",
            "the unit the frame was built in",
            f"Drop time_unit= or pass time_unit={recorded!r}.",
        )
    if owner is not None and expected is None and time_unit is None:
        raise fail(
            "argument 'time_unit'",
            f"no time unit given, and {owner} records none (saved by an older version)",
            "time_unit= on this call",
            "Pass time_unit='D' or 'W' (the unit it was fitted in and rfm is in), or refit.",
        )
    unit = time_unit if time_unit is not None else recorded
    if unit is None:
        raise fail(
            "argument 'time_unit'",
            f"no time unit given and none recorded on '{name}'",
            "'D' or 'W'",
            _FIX_TIME_UNIT,
        )
    unit = check_time_unit(unit)
    if expected is not None and unit != expected:
        raise fail(
            f"argument '{name}'",
            f"a frame in time unit {unit!r} ({_UNIT_NAMES[unit]})",
            f"the unit of {owner or 'the model'}: {expected!r} ({_UNIT_NAMES[expected]})",
            f"Rebuild the summary with rfm_summary(..., time_unit={expected!r}), or refit on "
            f"this frame. (time_unit= states the unit of rfm; it does not convert it.)",
        )
    return unit


def check_unique_index(frame: pd.DataFrame, name: str) -> None:
    """Raise if a frame that must hold one row per customer repeats a customer id."""
    duplicated = frame.index.duplicated()
    if duplicated.any():
        raise fail_rows(
            f"argument '{name}' index",
            duplicated,
            frame.index,
            "duplicated customer id",
            "one row per customer",
            "Aggregate to one row per customer first.",
        )


# A day and a month, in either order, then a year: "08/03/2024", "8.3.24", "08-03-2024 10:00".
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?!\d)")
_FORMATS = "date_format='%d/%m/%Y' (day first) or date_format='%m/%d/%Y' (month first)"


class _Order(NamedTuple):
    """What the day/month strings of a column say about their order."""

    ambiguous: npt.NDArray[np.bool_]
    """Rows that read as two different dates (both fields <= 12 and different, or a 2-digit
    year that could come first)."""
    day_first: npt.NDArray[np.bool_]
    """Rows that only read day first (first field > 12)."""
    month_first: npt.NDArray[np.bool_]
    """Rows that only read month first (second field > 12)."""


def _day_month_order(values: pd.Series[Any]) -> _Order:
    # Dates repeat: classify each distinct value once, then map back to the rows.
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    if len(uniques) == 0:
        empty = np.zeros(len(values), dtype=bool)
        return _Order(empty, empty, empty)
    strings = pd.Series(uniques, dtype=object).astype("string")
    parts = strings.str.extract(_DAY_MONTH)
    matched = parts[0].notna().to_numpy()
    first = pd.to_numeric(parts[0]).to_numpy(np.float64, na_value=0)
    second = pd.to_numeric(parts[1]).to_numpy(np.float64, na_value=0)
    short_year = (parts[2].str.len() == 2).to_numpy(dtype=bool, na_value=False)
    ambiguous = matched & (((first <= 12) & (second <= 12) & (first != second)) | short_year)
    day_first = matched & ~ambiguous & (first > 12)
    month_first = matched & ~ambiguous & (second > 12)
    present = codes >= 0
    safe = np.where(present, codes, 0)
    return _Order(
        ambiguous=ambiguous[safe] & present,
        day_first=day_first[safe] & present,
        month_first=month_first[safe] & present,
    )


def to_day(value: DateLike, name: str, *, date_format: str | None = None) -> np.datetime64:
    """Convert a date argument to a calendar day (``datetime64[D]``), dropping any timezone.

    A string whose day and month could be read either way (``"08/03/2024"``) is refused unless
    it matches ``date_format``; ISO strings (``"2024-03-08"``) and date objects are read as is.
    """
    if date_format is not None and not isinstance(date_format, str):
        raise fail(
            "argument 'date_format'", repr(date_format), "a strftime format such as '%d/%m/%Y'"
        )
    raw: object = value  # DateLike excludes numbers, but callers pass them
    if isinstance(raw, int | float | np.number):
        raise fail(
            f"argument '{name}'",
            f"the number {raw!r}",
            "a date or timestamp",
            "A number has no unit (pandas would read 1748736000 as nanoseconds, in 1970): pass "
            "pd.Timestamp(value, unit='s') for Unix seconds, or a date string.",
        )
    stamp: Any = None
    if isinstance(value, str) and date_format is not None:
        # A string in date_format, or else one with a single reading (an ISO date).
        stamp = pd.to_datetime(value, format=date_format, errors="coerce")
        stamp = None if pd.isna(stamp) else stamp
    try:
        if stamp is None:
            if isinstance(value, str):
                order = _day_month_order(pd.Series([value]))
                if order.ambiguous[0]:
                    raise fail(
                        f"argument '{name}'",
                        f"{value!r}, which reads as two different dates (day or month first?)",
                        "an ISO date such as '2024-03-08', or date_format=",
                        f"Pass {_FORMATS}, or a pd.Timestamp.",
                    )
                if order.day_first[0]:
                    stamp = pd.to_datetime(value, dayfirst=True)
                else:
                    stamp = pd.Timestamp(value)
            else:
                stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        if isinstance(err, DataValidationError):
            raise
        raise fail(f"argument '{name}'", repr(value), "a date or timestamp") from err
    if pd.isna(stamp):
        raise fail(f"argument '{name}'", "a missing date (NaT)", "a date or timestamp")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return np.datetime64(stamp.date(), "D")


class Transactions(NamedTuple):
    """A validated transaction log as plain arrays (no copy of the caller's frame)."""

    ids: npt.NDArray[Any]
    """Customer id of each row."""
    days: npt.NDArray[np.int64]
    """Calendar day of each row, as days since 1970-01-01 (local wall-clock date)."""
    amounts: npt.NDArray[np.float64]
    """Amount of each row."""


def validate_transactions(
    transactions: object,
    columns: Columns | None,
    *,
    name: str = "transactions",
    date_format: str | None = None,
) -> Transactions:
    """Check a transaction log and return its columns as arrays.

    Checks: a non-empty DataFrame; the three columns present; no missing customer id; dates
    parseable, not missing, not a mix of timezone-aware and naive values; amounts numeric,
    finite and not negative (zero is a valid, free order).

    Date strings are parsed with ``date_format`` when given (every string must match it).
    Without it, datetime columns and ISO strings are read as they are, and strings of the form
    day/month/year or month/day/year (separators ``/``, ``.`` or ``-``) are read only when
    every one of them has a single reading: a row such as ``"08/03/2024"`` (both fields <= 12
    and different) or with a 2-digit year is refused, as is a column whose rows need different
    orders (``"25/03/2024"`` and ``"03/25/2024"``); the message asks for ``date_format=``.
    A column whose unambiguous rows all read day first (``"25/03/2024"``) is read day first.
    """
    cols = columns if columns is not None else Columns()
    if not isinstance(cols, Columns):
        raise fail("argument 'columns'", f"a {type(cols).__name__}", "a precimark.Columns")
    frame = check_frame(transactions, name)
    check_columns(frame, (cols.customer_id, cols.date, cols.amount), name)
    id_series = frame[cols.customer_id]
    ids = id_series.to_numpy()
    missing = id_series.isna().to_numpy()
    if missing.any():
        count = int(missing.sum())
        raise fail(
            f"column '{cols.customer_id}'",
            f"{count} missing customer id{'s' if count > 1 else ''} (first at row "
            f"{int(np.argmax(missing))})",
            "an id on every transaction",
            "Drop or attribute anonymous orders first.",
        )
    if id_series.dtype == object and pd.api.types.infer_dtype(id_series, skipna=True) != "string":
        _refuse_mixed_ids(id_series, cols.customer_id)
    if date_format is not None and not isinstance(date_format, str):
        raise fail(
            "argument 'date_format'", repr(date_format), "a strftime format such as '%d/%m/%Y'"
        )
    days = _day_numbers(frame[cols.date], cols.date, ids, date_format)
    amounts = _amounts(frame[cols.amount], cols.amount, ids)
    return Transactions(ids=ids, days=days, amounts=amounts)


def _refuse_mixed_ids(ids: pd.Series[Any], column: str) -> None:
    """Refuse an object id column mixing kinds (``42`` and ``"42"`` are different customers)."""
    values = ids.to_numpy()
    kinds = np.array(
        ["number" if isinstance(v, int | np.integer) else type(v).__name__ for v in values]
    )
    odd = kinds != kinds[0]
    if odd.any():
        raise fail_rows(
            f"column '{column}'",
            odd,
            values,
            f"id of another type than the first row's ({kinds[0]})",
            "customer ids of one type",
            "Convert the column with .astype(str) or .astype('int64') first.",
        )


def _datetimes(
    series: pd.Series[Any],
    column: str,
    ids: npt.NDArray[Any],
    date_format: str | None = None,
    *,
    what: str = "date",
    on: str = "transaction",
) -> npt.NDArray[np.datetime64]:
    """Parse a date/time column to datetime64 values (wall clock; a timezone is dropped).

    Numbers are refused (their unit is unknown), strings are parsed with ``date_format`` or
    refused when ambiguous, and a missing value is refused naming the first customer.
    """
    where = f"column '{column}'"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(series.dtype):
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            raise fail(
                where,
                f"numbers of dtype {series.dtype}",
                "datetime64 values or date strings",
                "Convert with pd.to_datetime(..., format=...) first.",
            )
        if date_format is not None and not isinstance(date_format, str):
            raise fail(
                "argument 'date_format'", repr(date_format), "a strftime format such as '%d/%m/%Y'"
            )
        series = _parse_dates(series, where, ids, date_format)
    values = series.to_numpy()  # datetime64 in the column's own unit: no copy
    missing = np.isnat(values)
    if missing.any():
        raise fail_rows(where, missing, ids, f"missing {what} (NaT)", f"a {what} on every {on}")
    return values


def _nanoseconds(
    series: pd.Series[Any],
    column: str,
    ids: npt.NDArray[Any],
    date_format: str | None = None,
    *,
    what: str = "date",
    on: str = "transaction",
) -> npt.NDArray[np.int64]:
    """Parse a date/time column (see :func:`_datetimes`) to nanoseconds since 1970."""
    values = _datetimes(series, column, ids, date_format, what=what, on=on)
    unit, count = np.datetime_data(values.dtype)
    factor = _PER_DAY["ns"] // (_PER_DAY[unit] // count)  # nanoseconds per step of the column
    ticks = values.view(np.int64)  # no NaT left: refused above
    wrapped = np.abs(ticks) > np.iinfo(np.int64).max // factor  # numpy would wrap or raise
    if wrapped.any():
        raise fail_rows(
            f"column '{column}'",
            wrapped,
            ids,
            f"{what} outside the nanosecond range",
            f"{what}s between 1677-09-22 and 2262-04-11",
        )
    nanoseconds: npt.NDArray[np.int64] = ticks * factor
    return nanoseconds


_PER_DAY = {  # datetime64 units in a day
    "D": 1,
    "h": 24,
    "m": 1_440,
    "s": 86_400,
    "ms": 86_400 * 10**3,
    "us": 86_400 * 10**6,
    "ns": 86_400 * 10**9,
}


def _day_numbers(
    series: pd.Series[Any], column: str, ids: npt.NDArray[Any], date_format: str | None = None
) -> npt.NDArray[np.int64]:
    """Parse a date column (see :func:`_datetimes`) to whole days since 1970-01-01.

    Divided in the column's own unit (seconds, say): one array of the column's length, where
    a detour through nanoseconds would make three.
    """
    values = _datetimes(series, column, ids, date_format)
    unit, count = np.datetime_data(values.dtype)
    per_day = _PER_DAY[unit] // count
    days: npt.NDArray[np.int64] = values.view(np.int64) // per_day
    return days


def _to_datetime_distinct(series: pd.Series[Any], **options: Any) -> pd.Series[Any]:
    """``pd.to_datetime(errors="coerce")`` evaluated once per distinct value (dates repeat)."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), errors="coerce", **options)
    values = parsed.to_numpy()  # in the unit pandas parsed to: a date past 2262 stays whole
    if values.dtype.kind != "M":  # nothing parsed (all missing)
        values = values.astype("datetime64[ns]")
    out = np.full(len(series), np.array("NaT", dtype=values.dtype))
    present = codes >= 0
    out[present] = values[codes[present]]
    return pd.Series(out, index=series.index)


def _parse_dates(
    series: pd.Series[Any], where: str, ids: npt.NDArray[Any], date_format: str | None = None
) -> pd.Series[Any]:
    present = series.notna().to_numpy()
    aware = np.array([getattr(v, "tzinfo", None) is not None for v in series.to_numpy()])
    if aware.any() and not aware[present].all():
        raise fail_rows(
            where,
            ~aware & present,
            ids,
            "timezone-naive date among timezone-aware ones",
            "all dates naive or all timezone-aware",
            "Localise the naive dates (Series.dt.tz_localize) first.",
        )
    if aware.any():
        series = series.map(lambda v: pd.Timestamp(v).tz_localize(None), na_action="ignore")
    if date_format is not None:
        parsed = _to_datetime_distinct(series, format=date_format)
        expected = f"dates in date_format={date_format!r}"
    else:
        order = _day_month_order(series.where(series.notna(), None))
        if order.ambiguous.any():
            first = series.to_numpy()[int(np.argmax(order.ambiguous))]
            raise fail_rows(
                where,
                order.ambiguous,
                ids,
                f"ambiguous day/month date (first value: {_shown(first)})",
                "dates with one reading, or date_format=",
                f"Say how to read them: pass {_FORMATS}.",
            )
        if order.day_first.any() and order.month_first.any():
            day = series.to_numpy()[int(np.argmax(order.day_first))]
            month = series.to_numpy()[int(np.argmax(order.month_first))]
            raise fail_rows(
                where,
                order.month_first,
                ids,
                f"month-first date (first value: {_shown(month)}) among day-first ones "
                f"({_shown(day)})",
                "one order of day and month in the column",
                f"Fix the source, or pass {_FORMATS}.",
            )
        parsed = _to_datetime_distinct(series, format="mixed", dayfirst=bool(order.day_first.any()))
        expected = "datetime64 values or date strings"
    bad = parsed.isna().to_numpy() & present
    if bad.any():
        first = series.to_numpy()[int(np.argmax(bad))]
        raise fail_rows(
            where,
            bad,
            ids,
            f"unparseable date (first value: {_shown(first)})",
            expected,
            "Convert with pd.to_datetime(..., format=...) first, or pass date_format=.",
        )
    return parsed


_DATE_LIKE = re.compile(r"[0-9 :./TZ+-]{1,40}")


def _shown(value: object) -> str:
    """Quote a cell of a date column only when it looks like a date.

    A column mapped as the date by mistake may hold e-mail addresses or names; messages
    quote no cell value other than a customer id.
    """
    text = str(value)
    if _DATE_LIKE.fullmatch(text):
        return repr(value)
    return f"not shown: {len(text)} characters that are not digits and date separators"


_REFUND_FIX = (
    "Refunds are not purchases: net each refund against its original order (or drop "
    "fully refunded orders) before summarising."
)


def _amounts(
    series: pd.Series[Any],
    column: str,
    ids: npt.NDArray[Any],
    *,
    noun: str = "amount",
    row: str = "customer",
) -> npt.NDArray[np.float64]:
    """Return the column as finite floats >= 0, else refuse it by name.

    ``noun`` names one value (an amount; a count of likes), ``row`` what ``ids`` identify.
    """
    where = f"column '{column}'"
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise fail(
            where,
            f"values of dtype {series.dtype}",
            f"numeric {noun}s",
            "Convert with pd.to_numeric(...)"
            + (" (strip currency symbols and thousands separators)." if noun == "amount" else "."),
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    for bad, what, expected in (
        (np.isnan(values), f"missing {noun} (NaN)", f"a {noun} on every row"),
        (np.isinf(values), f"infinite {noun}", f"finite {noun}s"),
        (values < 0, "negative value", f"{noun}s >= 0"),
    ):
        if bad.any():
            fix = _REFUND_FIX if noun == "amount" and what == "negative value" else None
            raise fail_rows(where, bad, ids, what, expected, fix, row=row)
    return values


def validate_rfm(
    rfm: object,
    *,
    name: str = "rfm",
    require_monetary: bool = False,
) -> pd.DataFrame:
    """Check an RFM summary frame (as made by :func:`precimark.rfm_summary`).

    ``frequency`` must be a whole number >= 0, ``0 <= recency <= T``, ``T > 0`` (or >= 0),
    ``recency == 0`` when ``frequency == 0``, all finite; ``monetary_value`` >= 0 when required.
    """
    frame = check_frame(rfm, name)
    required = [FREQUENCY, RECENCY, T] + ([MONETARY_VALUE] if require_monetary else [])
    check_columns(frame, required, name)
    ids = frame.index
    values: dict[str, npt.NDArray[np.float64]] = {}
    for column in required:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(
            series.dtype
        ):
            raise fail(f"column '{column}'", f"values of dtype {series.dtype}", "numbers")
        arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(arr)
        if bad.any():
            raise fail_rows(
                f"column '{column}'", bad, ids, "missing or infinite value", "finite numbers"
            )
        negative = arr < 0
        if negative.any():
            raise fail_rows(f"column '{column}'", negative, ids, "negative value", "values >= 0")
        values[column] = arr
    freq, rec, t = values[FREQUENCY], values[RECENCY], values[T]
    checks: list[tuple[str, npt.NDArray[np.bool_], str, str]] = [
        (
            FREQUENCY,
            freq != np.round(freq),
            "non-integer frequency",
            "whole numbers of repeat purchases",
        ),
        (RECENCY, rec > t * (1 + 1e-12), f"recency greater than {T}", f"recency <= {T}"),
        (
            RECENCY,
            (freq == 0) & (rec != 0),
            "non-zero recency with frequency 0",
            "recency 0 when frequency is 0",
        ),
    ]
    for column, mask, what, expected in checks:
        if mask.any():
            raise fail_rows(f"column '{column}'", mask, ids, what, expected)
    check_unique_index(frame, name)
    return frame
