"""Fixtures of the propensity tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _single_threaded() -> Iterator[None]:
    """Run scikit-learn's OpenMP code (histogram gradient boosting) on one thread.

    On a shared, loaded machine OpenMP threads spin-wait for each other: one thread fits
    these small models about 10x faster than all cores. Results do not depend on it.
    """
    with threadpool_limits(1):
        yield
