r"""Progress of the long steps (``verbose=True``) and their timings in the ``precimark`` logger.

One helper for every long step (the profiler, propensity fits, bootstrap intervals)::

    with Progress("bootstrap", total=n_resamples, verbose=verbose) as progress:
        for batch in batches:
            ...
            progress.advance(len(batch))

With ``verbose=True`` the progress goes to ``sys.stderr`` as plain text: in a terminal one
line rewritten in place (``\r``); elsewhere (a notebook, a log file) one line per update, at
most about twenty per step. No third-party progress bar is needed. Whatever ``verbose``, the
step's duration is logged at INFO level to the logger of the module that runs it (a child of
the ``precimark`` logger, silent unless the application configures logging).
"""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType
from typing import Self

from precimark._validation import check_bool

__all__ = ["Progress"]

_UPDATES = 20
"""Lines written per step at most when stderr is not a terminal."""


class Progress:
    """Report the progress of one long step on stderr and its duration to a logger.

    Parameters
    ----------
    label : str
        The step, e.g. ``"CustomerProfiler.fit"``; starts every line.
    total : int
        Units of work (resamples, stages, ...); at least 1.
    verbose : bool
        Write progress to stderr (validated: a bool).
    logger : logging.Logger, optional
        Where the duration is logged (INFO). Default: the ``precimark`` logger.

    Examples
    --------
    >>> import sys
    >>> from precimark._progress import Progress
    >>> stderr, sys.stderr = sys.stderr, sys.stdout  # show here what goes to stderr
    >>> with Progress("demo", total=2, verbose=True) as progress:
    ...     progress.advance(detail="first half")
    ...     progress.advance(detail="second half")
    demo: 1/2 first half (... s)
    demo: 2/2 second half (... s)
    >>> sys.stderr = stderr
    """

    def __init__(
        self, label: str, total: int, *, verbose: bool, logger: logging.Logger | None = None
    ) -> None:
        self.label = label
        self.total = max(int(total), 1)
        self.verbose = check_bool(verbose, "verbose")
        self.logger = logger if logger is not None else logging.getLogger("precimark")
        self.done = 0
        self._started = time.perf_counter()
        self._shown = 0
        self._rewrite = False

    @property
    def elapsed(self) -> float:
        """Seconds since the step started."""
        return time.perf_counter() - self._started

    def __enter__(self) -> Self:
        return self

    def advance(self, n: int = 1, *, detail: str = "") -> None:
        """Record ``n`` more units done and, when verbose, show the progress."""
        self.done = min(self.done + n, self.total)
        if not self.verbose:
            return
        stream = sys.stderr
        line = f"{self.label}: {self.done}/{self.total}"
        line += f" {detail}" if detail else ""
        line += f" ({self.elapsed:.1f} s)"
        isatty = getattr(stream, "isatty", None)
        if isatty is not None and isatty():
            stream.write(f"\r{line}\x1b[K")
            self._rewrite = True
        elif self.done == self.total or self.done * _UPDATES >= (self._shown + 1) * self.total:
            stream.write(line + "\n")
            self._shown = self.done * _UPDATES // self.total
        stream.flush()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._rewrite:
            sys.stderr.write("\n")
            sys.stderr.flush()
        outcome = "failed after" if kind is not None else "done in"
        self.logger.info(
            "%s: %s %.3f s (%d/%d)", self.label, outcome, self.elapsed, self.done, self.total
        )
