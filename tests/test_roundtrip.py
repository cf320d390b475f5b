"""Every fitted estimator survives pickle, cloudpickle, joblib and JSON (``to_dict``/``from_dict``)
and predicts exactly the same afterwards."""

from __future__ import annotations

import io
import json
import pickle
from typing import Any

import cloudpickle
import joblib
import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.datasets import SimulatedBase, make_uplift_data
from precimark.profiling import BehaviouralSegmenter
from precimark.propensity import ClassTransformationUplift, XLearnerUplift, make_snapshots


def _joblib_round_trip(obj: object) -> object:
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def _json_round_trip(obj: Any) -> object:
    text = json.dumps(obj.to_dict(), allow_nan=False)  # strict JSON: no NaN or Infinity tokens
    return type(obj).from_dict(json.loads(text))


ROUND_TRIPS = {
    "json": _json_round_trip,
    "pickle": lambda o: pickle.loads(pickle.dumps(o)),
    "cloudpickle": lambda o: pickle.loads(cloudpickle.dumps(o)),
    "joblib": _joblib_round_trip,
}


@pytest.fixture(scope="module")
def fitted(sim_small: SimulatedBase) -> dict[str, tuple[object, object]]:
    """name -> (fitted object, a function of it whose output must survive the trip)."""
    tx = sim_small.transactions
    snapshots = make_snapshots(tx, cutoffs=["2024-09-30"], horizon=90)
    X, y = snapshots.drop(columns="label"), snapshots["label"]
    campaign = make_uplift_data(2_000, random_state=3)
    features = campaign.drop(columns=[c for c in campaign.columns if not c.startswith("x")])
    profiler = pm.CustomerProfiler().fit(tx, observation_end=sim_small.observation_end)
    archive = profiler.archive()
    numeric = archive[["frequency", "recency", "monetary_value", "total_spend"]]
    return {
        "propensity": (pm.PropensityModel(random_state=0).fit(X, y), lambda m: m.predict_proba(X)),
        "t_learner": (
            pm.TwoModelUplift().fit(features, campaign["outcome"], treated=campaign["treatment"]),
            lambda m: m.predict(features),
        ),
        "class_transformation": (
            ClassTransformationUplift().fit(
                features, campaign["outcome"], treated=campaign["treatment"]
            ),
            lambda m: m.predict(features),
        ),
        "x_learner": (
            XLearnerUplift().fit(features, campaign["outcome"], treated=campaign["treatment"]),
            lambda m: m.predict(features),
        ),
        "segmenter": (
            BehaviouralSegmenter(n_clusters=3, random_state=0).fit(numeric),
            lambda m: m.predict(numeric),
        ),
        "profiler": (profiler, lambda m: m.transform(tx)),
    }


@pytest.mark.parametrize("trip", sorted(ROUND_TRIPS))
@pytest.mark.parametrize(
    "name",
    ["propensity", "t_learner", "class_transformation", "x_learner", "segmenter", "profiler"],
)
def test_round_trip(fitted: dict[str, tuple[object, object]], name: str, trip: str) -> None:
    obj, output = fitted[name]
    restored = ROUND_TRIPS[trip](obj)
    assert type(restored) is type(obj)
    assert restored.get_params().keys() == obj.get_params().keys()  # type: ignore[attr-defined]
    before, after = output(obj), output(restored)  # type: ignore[operator]
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before)
    else:
        np.testing.assert_array_equal(after, before)
