"""Shared fixtures: the CDNOW data and small simulated bases (cached per session)."""

from __future__ import annotations

import pandas as pd
import pytest

from precimark.datasets import SimulatedBase, load_cdnow, make_transactions


@pytest.fixture(scope="session")
def cdnow_sample() -> pd.DataFrame:
    return load_cdnow(sample=True)


@pytest.fixture(scope="session")
def sim_small() -> SimulatedBase:
    """5,000 simulated customers with every optional column (seed 7)."""
    return make_transactions(5_000, random_state=7)
