from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

import precimark as pm
from precimark import persistence
from precimark.persistence import _envelope


def test_round_trip_of_a_fitted_model(tmp_path: Path, cdnow_sample: pd.DataFrame) -> None:
    rfm = pm.rfm_summary(cdnow_sample, observation_end="1997-09-30", time_unit="W")
    model = pm.BetaGeoModel().fit(rfm)
    path = tmp_path / "model.pkl"
    persistence.save(model, path)
    loaded = persistence.load(path)
    pd.testing.assert_series_equal(loaded.probability_alive(rfm), model.probability_alive(rfm))


def test_an_incompatible_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = persistence.dump_bytes({"x": 1})
    monkeypatch.setattr(_envelope, "_version", lambda: "9.3.0")
    with pytest.raises(
        pm.DataValidationError,
        match=r"a builtins.dict written by precimark .* expected an object written by precimark 9\.3\.x.*Install precimark==",
    ):
        persistence.load_bytes(data)


def test_foreign_or_broken_bytes_are_refused() -> None:
    with pytest.raises(pm.DataValidationError, match="not a precimark envelope"):
        persistence.load_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(pm.DataValidationError, match="do not unpickle"):
        persistence.load_bytes(b"not a pickle")
