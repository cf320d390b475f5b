"""In-place block helpers: equal to the plain numpy expressions, across block boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from precimark import _inplace


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_inplace, "BLOCK", 7)  # many blocks, with a ragged last one


@pytest.mark.parametrize("n", [0, 1, 6, 7, 8, 50])
def test_blocks_cover_every_row_once_in_order(n: int) -> None:
    rows = np.concatenate([np.arange(n)[s] for s in _inplace.blocks(n)] or [np.zeros(0)])
    np.testing.assert_array_equal(rows, np.arange(n))


@pytest.mark.parametrize("seed", range(20))
def test_compact_equals_boolean_indexing_and_stays_in_the_buffer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=int(rng.integers(0, 60)))
    keep = rng.random(len(values)) < rng.random()
    expected = values[keep]
    out = _inplace.compact(values, keep)
    np.testing.assert_array_equal(out, expected)
    assert out.base is values or len(out) == 0 or np.shares_memory(out, values)


@pytest.mark.parametrize("seed", range(20))
def test_remap_equals_fancy_indexing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lookup = rng.permutation(25)
    codes = rng.integers(0, 25, size=int(rng.integers(0, 60)))
    expected = lookup[codes]
    _inplace.remap(codes, lookup)
    np.testing.assert_array_equal(codes, expected)
