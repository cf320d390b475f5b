"""Deprecated keyword aliases: the one place an old argument spelling is kept alive.

An argument renamed for the "one spelling per concept" rule keeps its old spelling for one
minor release. :func:`deprecated_alias` wraps the function (or method, or ``__init__``): the
old keyword is accepted, emits a :class:`FutureWarning` naming the new spelling and the release
that removes it, and is passed on under the new name. The signature seen by
:func:`inspect.signature` (and so by scikit-learn's ``get_params``, by documentation tools and
by the API-conventions test) is the wrapped function's, with the new names only.

Every alias is recorded in ``__deprecated_aliases__`` on the wrapper, so the test suite can
call each one and check its warning.

Examples
--------
>>> import warnings
>>> @deprecated_alias(seed="random_state")
... def draw(*, random_state: int = 0) -> int:
...     return random_state
>>> draw(random_state=3)
3
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     draw(seed=4)
4
>>> print(caught[0].category.__name__, caught[0].message)
FutureWarning draw(seed=...) is deprecated since precimark 0.2.0 and will be removed in 0.3.0; use random_state=... instead.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

__all__ = ["DEPRECATED_SINCE", "REMOVED_IN", "deprecated_alias", "deprecated_aliases"]

DEPRECATED_SINCE = "0.2.0"
"""Release in which the current batch of renamed arguments was deprecated."""
REMOVED_IN = "0.3.0"
"""Release that removes them (one minor release later)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")

_ATTRIBUTE = "__deprecated_aliases__"


def deprecated_alias(**aliases: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Accept old keyword spellings ``old="new"`` with a :class:`FutureWarning`.

    Parameters
    ----------
    **aliases : str
        ``old_name="new_name"`` pairs. ``new_name`` must be a parameter of the wrapped
        function; ``old_name`` must not be.

    Returns
    -------
    callable
        A decorator. Passing both spellings in one call is a :class:`TypeError`, as passing
        one argument twice is.

    Raises
    ------
    TypeError
        At decoration time, when ``new_name`` is not a parameter or ``old_name`` still is.
    """

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        import inspect

        parameters = inspect.signature(func).parameters
        for old, new in aliases.items():
            if new not in parameters or old in parameters:
                raise TypeError(
                    f"deprecated_alias({old}={new!r}) on {func.__qualname__}: {new!r} must be "
                    f"a parameter and {old!r} must not be"
                )
        name = func.__qualname__.removesuffix(".__init__")

        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            for old, new in aliases.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{name}() got both {old}= (deprecated) and {new}=; pass only {new}="
                    )
                warnings.warn(
                    f"{name}({old}=...) is deprecated since precimark {DEPRECATED_SINCE} and "
                    f"will be removed in {REMOVED_IN}; use {new}=... instead.",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        recorded = dict(getattr(func, _ATTRIBUTE, {}))
        recorded.update(aliases)
        setattr(wrapper, _ATTRIBUTE, recorded)
        return wrapper

    return decorate


def deprecated_aliases(func: object) -> Mapping[str, str]:
    """Return the ``{old: new}`` aliases :func:`deprecated_alias` recorded on ``func``.

    Parameters
    ----------
    func : object
        A function, method or class (for a class, its ``__init__`` is read).

    Returns
    -------
    Mapping
        Empty when ``func`` has no deprecated aliases.
    """
    target = func.__init__ if isinstance(func, type) else func  # type: ignore[misc]
    found = getattr(target, _ATTRIBUTE, {})
    return dict(found) if isinstance(found, dict) else {}
