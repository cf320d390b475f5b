"""JSON documents (``to_dict``/``from_dict``) of estimators that wrap scikit-learn models.

The encoder is checked value by value (hypothesis and hand-picked pandas frames), then on real
estimators with non-default scikit-learn models (Cython trees, pipelines), and on what a
service must be protected from: other versions, other classes, documents that name code.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    StackingClassifier,
    VotingClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    PolynomialFeatures,
    QuantileTransformer,
    StandardScaler,
)
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import precimark as pm
from precimark.clv import RFMHistogram
from precimark.datasets import SimulatedBase, make_uplift_data
from precimark.kpi import MetricAggregates
from precimark.persistence import _state
from precimark.persistence._state import decode, encode
from precimark.pricing import differentiated_pricing_policy
from precimark.privacy import Pseudonymizer
from precimark.profiling import BehaviouralSegmenter, RFMEdges, fit_rfm_edges, rfm_scores


def _through_json(value: Any) -> Any:
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))


def _assert_same(after: Any, before: Any) -> None:
    """Deep equality that also compares types and dtypes and treats NaN as equal to NaN."""
    assert type(after) is type(before)
    if isinstance(before, (np.ndarray, np.generic)):  # bit for bit: NaN payloads, -0.0, NaT
        assert (after.dtype, after.shape) == (before.dtype, before.shape)
        assert after.tobytes() == before.tobytes()
    elif isinstance(before, float) and math.isnan(before):
        assert math.isnan(after)
    elif isinstance(before, (list, tuple)):
        assert len(after) == len(before)
        for a, b in zip(after, before, strict=True):
            _assert_same(a, b)
    elif isinstance(before, dict):
        assert list(after) == list(before)
        for key in before:
            _assert_same(after[key], before[key])
    else:
        assert after == before


# --------------------------------------------------------------------------- the encoder

_ARRAY_DTYPES = st.sampled_from(
    ["<f8", "<f4", "<i8", "<i4", "|u1", "|b1", "<M8[D]", "<M8[ns]", "<m8[s]", ">f8", "<U4"]
)
_arrays = _ARRAY_DTYPES.flatmap(
    lambda dtype: hnp.arrays(np.dtype(dtype), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # unbounded: beyond 2**53 they are written as strings
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.binary(max_size=8),
    _arrays,
    _arrays.map(lambda a: a.ravel()[0] if a.size else np.float32(1.5)),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=4),
        st.dictionaries(st.integers(-5, 5), inner, max_size=4),
        st.dictionaries(st.sampled_from(["$", "a"]), inner, max_size=2),  # the tag key itself
    ),
    max_leaves=12,
)


@given(_values)
def test_any_value_survives_strict_json(value: Any) -> None:
    _assert_same(_through_json(value), value)


def test_big_integers_and_non_finite_floats_are_tagged() -> None:
    tree = encode([2**53, 2**53 - 1, math.inf, -math.inf])
    assert tree == [
        {"$": "int", "value": str(2**53)},
        2**53 - 1,
        {"$": "float", "value": "inf"},
        {"$": "float", "value": "-inf"},
    ]


def test_structured_arrays_survive() -> None:
    dtype = np.dtype([("value", "<f8"), ("left", "<u4"), ("pair", "<i2", (2,))])
    array = np.array([(1.5, 3, (1, -2)), (np.nan, 0, (0, 7))], dtype=dtype)
    _assert_same(_through_json(array), array)
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))  # BLAS paths depend on order
    after = _through_json(fortran)
    _assert_same(after, fortran)
    assert after.flags.f_contiguous and not after.flags.c_contiguous


def test_pandas_frames_keep_dtypes_indexes_and_attrs() -> None:
    frame = pd.DataFrame(
        {
            "int": np.arange(3, dtype=np.int32),
            "float": [1.0, np.nan, -0.0],
            "text": pd.array(["a", None, "ccc"], dtype="str"),
            "category": pd.Categorical(["x", "y", "x"], categories=["y", "x"], ordered=True),
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "naive": pd.to_datetime(["2024-01-01", "2024-02-29", None]),
            "aware": pd.to_datetime(["2024-03-31 01:30", "2024-10-27 02:30", None]).tz_localize(
                "Europe/Berlin", ambiguous=True
            ),
            "span": pd.to_timedelta([1, 2, 3], unit="D"),
            "flag": [True, False, True],
            "object": np.array(["x", None, 3], dtype=object),  # stays object; None stays None
            "python_str": pd.array(["a", None, "b"], dtype=pd.StringDtype("python")),
        },
        index=pd.Index(["c1", "c2", "c3"], name="customer_id", dtype=object),
    )
    frame.attrs["time_unit"] = "W"
    after = _through_json(frame)
    pd.testing.assert_frame_equal(after, frame, check_exact=True)
    assert after.attrs == {"time_unit": "W"}
    assert after["object"].tolist() == ["x", None, 3]

    wide = pd.DataFrame(
        np.arange(6.0).reshape(2, 3),
        columns=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["x", "y"]),
    )
    after = _through_json(wide)
    pd.testing.assert_frame_equal(after, wide, check_exact=True)
    assert isinstance(after.index, pd.RangeIndex)

    series = pd.Series([0.5, 1.5], index=pd.Index([10, 20], name="id"), name="p")
    series.attrs["source"] = "test"
    pd.testing.assert_series_equal(_through_json(series), series, check_exact=True)
    assert _through_json(series).attrs == {"source": "test"}
    daily = pd.Series(1.0, index=pd.date_range("2024-01-01", periods=3, freq="D"))
    pd.testing.assert_series_equal(_through_json(daily), daily, check_freq=True)
    labels = pd.Series(pd.Categorical(["a", "b"], categories=pd.Index(["b", "a"], dtype=object)))
    pd.testing.assert_series_equal(_through_json(labels), labels, check_exact=True)
    stamp = pd.Timestamp("2024-10-27 03:30", tz="Europe/Berlin").as_unit("ns")
    assert _through_json(stamp) == stamp and str(_through_json(stamp).tz) == "Europe/Berlin"
    assert _through_json(pd.NaT) is pd.NaT


def test_random_states_continue_the_same_stream() -> None:
    generator, legacy = np.random.default_rng(5), np.random.RandomState(5)
    generator.random(3)
    legacy.random_sample(3)
    new_generator, new_legacy = _through_json(generator), _through_json(legacy)
    np.testing.assert_array_equal(new_generator.random(4), generator.random(4))
    np.testing.assert_array_equal(new_legacy.random_sample(4), legacy.random_sample(4))


def test_a_restored_generator_spawns_the_same_children() -> None:
    generator = np.random.default_rng(11)
    restored = _through_json(generator)
    assert restored.spawn(1)[0].random() == generator.spawn(1)[0].random()


def test_masked_arrays_keep_their_mask_and_hide_masked_memory() -> None:
    masked = np.ma.MaskedArray([0.1, 1.0, 7.0], mask=[False, False, True], fill_value=-1.0)
    tree = encode(masked)
    assert decode(tree["data"]).tolist() == [0.1, 1.0, -1.0]  # not the 7.0 under the mask
    after = _through_json(masked)
    assert type(after) is np.ma.MaskedArray
    assert after.mask.tolist() == [False, False, True] and after.fill_value == -1.0
    assert after.compressed().tolist() == [0.1, 1.0]


def test_big_timestamps_slices_and_odd_values() -> None:
    stamp = pd.Timestamp("2024-05-01 12:00:00.000000123")
    assert encode(stamp)["value"] == {"$": "int", "value": str(stamp.value)}
    assert _through_json(stamp) == stamp
    assert _through_json(slice(0, 3, None)) == slice(0, 3, None)
    for value in (pd.Period("2024-01", "M"), pd.Interval(0, 1)):
        with pytest.raises(pm.DataValidationError, match="no JSON form"):
            encode({"x": value})
    with pytest.raises(pm.DataValidationError, match="structured array with object fields"):
        encode(np.zeros(2, dtype=[("i", "<i8"), ("o", "O")]))
    with pytest.raises(pm.DataValidationError, match="RandomState over PCG64"):
        encode(np.random.RandomState(np.random.PCG64(1)))


def test_functions_and_classes_are_written_by_name() -> None:
    tree = encode([np.log1p, np.float64, StandardScaler, float])
    assert tree[0] == {"$": "name", "module": "numpy", "qualname": "log1p"}
    assert decode(tree) == [np.log1p, np.float64, StandardScaler, float]


# --------------------------------------------------------------------------- estimators


@pytest.fixture(scope="module")
def campaign() -> tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]]:
    data = make_uplift_data(1_500, random_state=11)
    features = data[[c for c in data.columns if c.startswith("x")]]
    return features, data["outcome"], data["treatment"]


def _json_trip(obj: Any) -> Any:
    return type(obj).from_dict(json.loads(json.dumps(obj.to_dict(), allow_nan=False)))


def test_user_supplied_scikit_learn_models_survive(
    campaign: tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]],
) -> None:
    X, y, treatment = campaign
    forest = pm.TwoModelUplift(estimator=RandomForestClassifier(n_estimators=5, random_state=0))
    forest.fit(X, y, treated=treatment)  # Cython trees, rebuilt by their constructor
    np.testing.assert_array_equal(_json_trip(forest).predict(X), forest.predict(X))

    pipeline = make_pipeline(StandardScaler(), LogisticRegression())
    model = pm.PropensityModel(estimator=pipeline, random_state=0).fit(X, y)
    restored = _json_trip(model)
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert restored.get_params()["estimator"].steps[0][0] == "standardscaler"


def test_column_transformers_ensembles_and_searches_survive(
    campaign: tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]],
) -> None:
    X, y, treatment = campaign
    columns = ColumnTransformer([("scaled", StandardScaler(), [0, 1])], remainder="passthrough")
    model = pm.PropensityModel(
        estimator=make_pipeline(columns, LogisticRegression()), random_state=0
    )
    model.fit(X, y)  # output_indices_ holds slices
    np.testing.assert_array_equal(_json_trip(model).predict_proba(X), model.predict_proba(X))

    voting = VotingClassifier([("lr", LogisticRegression()), ("nb", GaussianNB())], voting="soft")
    uplift = pm.TwoModelUplift(estimator=voting).fit(X, y, treated=treatment)  # Bunch
    np.testing.assert_array_equal(_json_trip(uplift).predict(X), uplift.predict(X))

    search = GridSearchCV(
        LogisticRegression(), [{"C": [0.1, 1.0]}, {"fit_intercept": [False]}], cv=2
    )
    uplift = pm.TwoModelUplift(estimator=search).fit(X, y, treated=treatment)
    restored = _json_trip(uplift)
    np.testing.assert_array_equal(restored.predict(X), uplift.predict(X))
    before = uplift.estimator_treated_.cv_results_["param_C"]
    after = restored.estimator_treated_.cv_results_["param_C"]
    assert after.mask.tolist() == before.mask.tolist() == [False, False, True]


def test_the_profiler_keeps_attributes_and_clv_models(sim_small: SimulatedBase) -> None:
    tx, end = sim_small.transactions, sim_small.observation_end
    customers = sim_small.customers.assign(
        tier=pd.Categorical(np.where(sim_small.customers.index % 3 == 0, "gold", "basic")),
        city=pd.array(np.where(sim_small.customers.index % 2 == 0, "Köln", None), dtype="str"),
        note=pd.Series(np.where(sim_small.customers.index % 5 == 0, "vip", None), dtype=object),
    )
    rfm = pm.rfm_summary(tx, observation_end=end, time_unit="D")
    purchase = pm.BetaGeoModel().fit(rfm)
    spend = pm.GammaGammaModel().fit(rfm[rfm["frequency"] > 0])
    profiler = pm.CustomerProfiler(
        consent="consent_profiling",
        attribute_columns=["signup_date", "tier", "city", "note"],
        purchase_model=purchase,
        spend_model=spend,
    ).fit(tx, customers, observation_end=end)
    restored = _json_trip(profiler)
    pd.testing.assert_frame_equal(restored.archive(), profiler.archive(), check_exact=True)
    pd.testing.assert_index_equal(restored.excluded_, profiler.excluded_)
    assert restored.get_params()["purchase_model"].params_ == purchase.params_


def test_the_document_records_versions_and_has_no_pickle(sim_small: SimulatedBase) -> None:
    model = BehaviouralSegmenter(n_clusters=3, random_state=0)
    archive = pm.CustomerProfiler().fit_transform(sim_small.transactions)
    document = model.fit(archive[["frequency", "recency", "total_spend"]]).to_dict()
    assert document["type"] == "BehaviouralSegmenter"
    assert document["precimark_version"] == pm.__version__
    assert document["sklearn_version"] == sklearn.__version__
    assert "pickle" not in json.dumps(document)


# --------------------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def document(campaign: tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]]) -> dict[str, Any]:
    X, y, treatment = campaign
    model = pm.TwoModelUplift(estimator=LogisticRegression()).fit(X, y, treated=treatment)
    return model.to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"precimark_version": "9.4.0"},
            r"written with precimark 9\.4\.0 .*expected one written with precimark \d+\.\d+\.x",
        ),
        (
            {"sklearn_version": "0.24.2"},
            r"written with sklearn 0\.24\.2 .*expected one written with sklearn",
        ),
        ({"format_version": 7}, r"format_version 7 .*expected one written with format_version 1"),
        (
            {"type": "PropensityModel"},
            r"document of type 'PropensityModel'; expected a TwoModelUplift document",
        ),
    ],
)
def test_incompatible_documents_are_refused(
    document: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(pm.DataValidationError, match=message):
        pm.TwoModelUplift.from_dict({**document, **change})


def test_a_patch_release_of_scikit_learn_is_accepted(document: dict[str, Any]) -> None:
    major, minor, *_ = sklearn.__version__.split(".")
    later_patch = {**document, "sklearn_version": f"{major}.{minor}.99"}
    assert type(pm.TwoModelUplift.from_dict(later_patch)) is pm.TwoModelUplift


# Each of these was a working attack on an earlier allowlist of whole packages: exec through
# scipy's rv_generic.__setstate__, rmtree through numpy's DataSource.__del__, re-exports and
# attribute walks to os.system/eval/Popen, CLI entry points run on import, and functions an
# estimator would call at predict time with arguments the document also controls.
ATTACKS = [
    ("os", "system"),
    ("builtins", "eval"),
    ("numpy._core._methods", "os.system"),
    ("numpy._core.numeric", "builtins.eval"),
    ("numpy", "load.__globals__"),
    ("pandas._config.localization", "subprocess.Popen"),
    ("scipy.stats._continuous_distns", "norm_gen"),
    ("numpy.lib._datasource", "DataSource"),
    ("numpy", "memmap"),
    ("precimark.__main__", "main"),
    ("numpy.f2py.__main__", "main"),
    ("sklearn.utils._testing", "TempMemmap"),
    ("sklearn.externals.array_api_compat", "numpy"),
    ("sklearn.datasets", "dump_svmlight_file"),
    ("precimark.persistence", "load"),
    ("sklearn.base", "clone.__globals__"),
    ("sklearn", "../os"),
    # A second review: a network connection in __setstate__, a private helper that calls any
    # method (file reads at predict), methods, a module that prints on import, Cython helpers
    # that crash on a bad state, test doubles, and a vectorizer that opens files.
    ("sklearn.callback._scoring_monitor", "ScoringMonitor"),
    ("sklearn.metrics._scorer", "_cached_call"),
    ("sklearn.metrics._plot.confusion_matrix", "ConfusionMatrixDisplay.plot"),
    ("sklearn._build_utils.version", "main"),
    ("sklearn.cluster._hierarchical_fast", "WeightedEdge"),
    ("sklearn.metrics._dist_metrics", "DistanceMetric64"),
    ("sklearn.utils._mocking", "CheckingClassifier"),
    ("sklearn.feature_extraction.text", "CountVectorizer"),
]


@pytest.mark.parametrize("reference", ATTACKS, ids=lambda r: f"{r[0]}:{r[1]}")
@pytest.mark.parametrize("as_object", [True, False], ids=["object", "name"])
def test_documents_that_name_code_outside_the_allowlist_are_refused(
    document: dict[str, Any],
    reference: tuple[str, str],
    as_object: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.setattr(sys, "argv", ["precimark", "demo"])  # what a __main__ import would run
    module, qualname = reference
    evil: dict[str, Any] = {"$": "name", "module": module, "qualname": qualname}
    if as_object:
        evil = {
            "$": "object",
            "class": {"module": module, "qualname": qualname},
            "construct": "new",
            "args": {"$": "tuple", "items": []},
            "state": {"_destpath": "/", "_istmpdest": True},
        }
    tampered = {**document, "state": {**document["state"], "estimator": evil}}
    with pytest.raises(pm.DataValidationError, match=r"JSON document: a reference to "):
        pm.TwoModelUplift.from_dict(tampered)
    assert calls == []
    assert "precimark.__main__" not in sys.modules and "numpy.f2py.__main__" not in sys.modules


def test_documents_cannot_make_numpy_open_a_file(document: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    memmap = {
        "$": "object",
        "class": {"module": "numpy", "qualname": "memmap"},
        "construct": "call",
        "args": {"$": "tuple", "items": [str(target), "|u1", "w+", 0, [4]]},
        "state": None,
    }
    tampered = {**document, "state": {**document["state"], "estimator": memmap}}
    with pytest.raises(pm.DataValidationError, match=r"a reference to numpy\.memmap"):
        pm.TwoModelUplift.from_dict(tampered)
    assert target.read_text() == "keep me"


def test_only_compiled_scikit_learn_types_are_built_from_arguments(
    document: dict[str, Any],
) -> None:
    called = {
        "$": "object",
        "class": {"module": "sklearn.linear_model._logistic", "qualname": "LogisticRegression"},
        "construct": "call",
        "args": {"$": "tuple", "items": []},
        "state": None,
    }
    assert type(decode(called)).__name__ == "LogisticRegression"  # sklearn: allowed
    precimark_call = {
        **called,
        "class": {"module": "precimark.kpi.estimates", "qualname": "Estimate"},
    }
    with pytest.raises(pm.DataValidationError, match="built from arguments"):
        decode(precimark_call)


def test_a_time_zone_cannot_name_a_file() -> None:
    stamp = {"$": "timestamp", "value": 0, "unit": "s", "tz": "dateutil//etc/passwd"}
    with pytest.raises(pm.DataValidationError, match="an IANA time zone name"):
        decode(stamp)
    column = {"$": "extension_array", "dtype": "datetime64[ns, dateutil//etc/passwd]", "items": []}
    with pytest.raises(pm.DataValidationError, match="an IANA time zone name"):
        decode(column)


def test_oversized_or_dunder_state_is_refused(document: dict[str, Any]) -> None:
    generator = encode(np.random.default_rng(1))
    generator["seed_seq"]["pool_size"] = 2**40  # would allocate 4 TiB
    with pytest.raises(pm.DataValidationError, match="seed pool"):
        decode(generator)
    fitted_flag = {**document["state"], "__sklearn_is_fitted__": True}
    with pytest.raises(pm.DataValidationError, match="malformed"):
        pm.TwoModelUplift.from_dict({**document, "state": fitted_flag})


def test_a_malformed_document_gets_one_clear_error(document: dict[str, Any]) -> None:
    state = dict(document["state"])
    state["feature_names_in_"] = {"$": "ndarray", "dtype": "<f8", "shape": [3]}  # no data
    with pytest.raises(
        pm.DataValidationError, match=r"a malformed TwoModelUplift document \(KeyError"
    ):
        pm.TwoModelUplift.from_dict({**document, "state": state})
    state["feature_names_in_"] = {"$": "ndarray", "dtype": "<f8", "shape": [3], "data": "AAAA"}
    with pytest.raises(
        pm.DataValidationError, match=r"malformed TwoModelUplift document \(ValueError"
    ):
        pm.TwoModelUplift.from_dict({**document, "state": state})
    with pytest.raises(pm.DataValidationError, match=r"a malformed .* \(KeyError: 'state'\)"):
        pm.TwoModelUplift.from_dict({k: v for k, v in document.items() if k != "state"})


@pytest.mark.parametrize(
    "state",
    [
        [1, 2],
        "x",
        None,
        {},
        {"estimator": None},
        {"$": "timestamp", "value": 10**30, "unit": "ns", "tz": None},
        {"$": "tuple", "items": 5},
    ],
    ids=["list", "text", "null", "empty", "params-only", "overflow", "bad-node"],
)
def test_malformed_states_are_refused_at_load(document: dict[str, Any], state: Any) -> None:
    with pytest.raises(pm.DataValidationError, match=r"argument 'data': (a malformed|.*unfitted)"):
        pm.TwoModelUplift.from_dict({**document, "state": state})


def test_deeply_nested_documents_are_refused(document: dict[str, Any]) -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(pm.DataValidationError, match=r"malformed .*RecursionError"):
        pm.TwoModelUplift.from_dict({**document, "state": {**document["state"], "x": deep}})


def test_a_document_that_would_not_read_back_is_refused_when_written(
    campaign: tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y, treatment = campaign
    model = pm.TwoModelUplift(estimator=LogisticRegression()).fit(X, y, treated=treatment)
    model.extra_ = slice(1, 2)

    def unreadable(node: Any) -> Any:
        raise TypeError("data type not understood")

    monkeypatch.setitem(_state._READERS, "slice", unreadable)  # write it, fail to read it
    with pytest.raises(
        pm.DataValidationError, match=r"attribute 'state': a value that reads back as"
    ):
        model.to_dict()


def test_state_without_a_json_form_is_named(
    campaign: tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]],
) -> None:
    X, y, _ = campaign
    doubled = make_pipeline(FunctionTransformer(_double), LogisticRegression())
    model = pm.PropensityModel(estimator=doubled, random_state=0).fit(X, y)
    with pytest.raises(
        pm.DataValidationError,
        match=r"attribute 'state\.estimator\.steps\[0\]\[1\]\.func': .*_double, which has no JSON form.*persistence\.save",
    ):
        model.to_dict()


def test_numpy_functions_other_than_ufuncs_are_refused(
    campaign: tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]],
) -> None:
    X, y, _ = campaign
    logged = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression())
    model = pm.PropensityModel(estimator=logged, random_state=0).fit(X.abs(), y)
    np.testing.assert_array_equal(
        _json_trip(model).predict_proba(X.abs()), model.predict_proba(X.abs())
    )
    summed = make_pipeline(FunctionTransformer(np.sort), LogisticRegression())
    model = pm.PropensityModel(estimator=summed, random_state=0).fit(X, y)
    with pytest.raises(pm.DataValidationError, match=r"steps\[0\]\[1\]\.func': numpy.sort"):
        model.to_dict()


def test_a_pseudonymizer_never_reaches_a_document() -> None:
    key = "k" * 32
    with pytest.raises(pm.DataValidationError, match="no JSON form") as raised:
        encode({"pseudonymizer": Pseudonymizer(key)})
    assert key not in str(raised.value)


def test_an_unfitted_estimator_has_no_document() -> None:
    with pytest.raises(pm.NotFittedError):
        pm.PropensityModel().to_dict()


def _double(x: Any) -> Any:
    return x * 2


# --------------------------------------------------------------------------- parameter documents


@pytest.fixture(scope="module")
def parameter_objects(cdnow_sample: pd.DataFrame) -> dict[str, Any]:
    """One object per parameter-document type, fitted once for the module."""
    rfm = pm.rfm_summary(cdnow_sample, observation_end="1997-09-30", time_unit="W")
    outcomes = pd.DataFrame({"group": ["a", "b"] * 50, "spend": np.arange(100.0)})
    return {
        "BetaGeoModel": pm.BetaGeoModel().fit(rfm),
        "PricingPolicy": differentiated_pricing_policy(channel_discounts={"wallet": 0.03}),
        "MetricAggregates": MetricAggregates.from_frame(
            outcomes, group_column="group", value_column="spend"
        ),
        "RFMEdges": fit_rfm_edges(rfm),
        "RFMHistogram": RFMHistogram.from_rfm(rfm),
    }


@pytest.mark.parametrize(
    "name", ["BetaGeoModel", "PricingPolicy", "MetricAggregates", "RFMEdges", "RFMHistogram"]
)
def test_parameter_documents_share_one_header(parameter_objects: dict[str, Any], name: str) -> None:
    obj = parameter_objects[name]
    cls = type(obj)
    document = json.loads(json.dumps(obj.to_dict(), allow_nan=False))
    assert {k: document[k] for k in ("type", "format_version")} == {
        "type": name,
        "format_version": 1,
    }
    assert document["precimark_version"] == pm.__version__
    restored = cls.from_dict(document)
    assert restored.to_dict() == obj.to_dict()
    with pytest.raises(
        pm.DataValidationError,
        match=r"format_version 2 .*expected one written with format_version 1",
    ):
        cls.from_dict({**document, "format_version": 2})
    with pytest.raises(pm.DataValidationError, match=rf"type 'Other'; expected a {name} document"):
        cls.from_dict({**document, "type": "Other"})


def test_restored_edges_and_histograms_give_the_same_results(
    parameter_objects: dict[str, Any], cdnow_sample: pd.DataFrame
) -> None:
    rfm = pm.rfm_summary(cdnow_sample, observation_end="1997-09-30", time_unit="W")
    edges = RFMEdges.from_dict(json.loads(json.dumps(parameter_objects["RFMEdges"].to_dict())))
    pd.testing.assert_frame_equal(
        rfm_scores(rfm, edges=edges), rfm_scores(rfm, edges=parameter_objects["RFMEdges"])
    )
    histogram = RFMHistogram.from_dict(
        json.loads(json.dumps(parameter_objects["RFMHistogram"].to_dict()))
    )
    assert histogram == parameter_objects["RFMHistogram"]
    refit = pm.BetaGeoModel().fit(histogram).params_  # same optimum; summation order differs
    assert refit == pytest.approx(parameter_objects["BetaGeoModel"].params_, rel=1e-9)


def test_bad_edges_or_counts_in_a_document_are_refused(parameter_objects: dict[str, Any]) -> None:
    edges = parameter_objects["RFMEdges"].to_dict()
    with pytest.raises(pm.DataValidationError, match=r"edges 'frequency': .*4 finite, ascending"):
        RFMEdges.from_dict({**edges, "frequency": [3.0, 1.0, 2.0, 4.0]})
    with pytest.raises(pm.DataValidationError, match=r"edges 'inactivity': \['x'"):
        RFMEdges.from_dict({**edges, "inactivity": ["x", 1, 2, 3]})
    histogram = parameter_objects["RFMHistogram"].to_dict()
    with pytest.raises(pm.DataValidationError, match=r"column 'count'"):
        RFMHistogram.from_dict({**histogram, "count": [0] * len(histogram["count"])})


@pytest.mark.parametrize(
    "name", ["BetaGeoModel", "PricingPolicy", "MetricAggregates", "RFMEdges", "RFMHistogram"]
)
def test_parameter_documents_missing_a_key_get_one_clear_error(
    parameter_objects: dict[str, Any], name: str
) -> None:
    obj = parameter_objects[name]
    document = obj.to_dict()
    for key in set(document) - {
        "type",
        "format_version",
        "precimark_version",
        "exploration",
        "exploration_arms",
        "time_unit",
        "boundary",  # CLV documents before 0.2 have none: an interior fit
    }:
        broken = {k: v for k, v in document.items() if k != key}
        with pytest.raises(
            pm.DataValidationError, match=rf"a malformed {name} document \(KeyError"
        ):
            type(obj).from_dict(broken)


def test_clv_documents_of_precimark_0_1_0_still_load(parameter_objects: dict[str, Any]) -> None:
    document = parameter_objects["BetaGeoModel"].to_dict()
    legacy = {"model": document.pop("type"), **document}
    assert pm.BetaGeoModel.from_dict(legacy).params_ == document["params"]


# Internal types a fitted scikit-learn model may hold must be in the allowlist's registry; a new
# scikit-learn release that adds one fails here (at to_dict, naming the attribute).
BATTERY = {
    "sgd": lambda: SGDClassifier(loss="log_loss", random_state=0),
    "mlp": lambda: MLPClassifier(hidden_layer_sizes=(4,), max_iter=30, random_state=0),
    "svc_calibrated": lambda: CalibratedClassifierCV(SVC(), ensemble=False),
    "tree": lambda: DecisionTreeClassifier(max_depth=3, random_state=0),
    "extra_trees": lambda: ExtraTreesClassifier(n_estimators=3, random_state=0),
    "gradient_boosting": lambda: GradientBoostingClassifier(n_estimators=3, random_state=0),
    "hist_gb_early_stop": lambda: HistGradientBoostingClassifier(
        max_iter=20, early_stopping=True, validation_fraction=0.2, random_state=0
    ),
    "bagging": lambda: BaggingClassifier(n_estimators=3, random_state=0),
    "adaboost": lambda: AdaBoostClassifier(n_estimators=3, random_state=0),
    "stacking": lambda: StackingClassifier(
        [("lr", LogisticRegression()), ("nb", GaussianNB())], final_estimator=LogisticRegression()
    ),
    "random_search_multi_scorer": lambda: RandomizedSearchCV(
        LogisticRegression(),
        {"C": [0.1, 1.0]},
        n_iter=2,
        cv=2,
        scoring=["roc_auc", "neg_log_loss", "average_precision"],
        refit="roc_auc",
        random_state=0,
    ),
    "sigmoid_calibrated": lambda: CalibratedClassifierCV(LogisticRegression(), method="sigmoid"),
    "preprocessing": lambda: make_pipeline(
        SimpleImputer(),
        QuantileTransformer(n_quantiles=50),
        PolynomialFeatures(),
        PCA(2),
        LogisticRegression(),
    ),
}


@pytest.mark.parametrize("name", sorted(BATTERY))
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tiny MLP, SGD
def test_a_battery_of_scikit_learn_models_round_trips(
    campaign: tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]], name: str
) -> None:
    X, y, _ = campaign
    model = pm.PropensityModel(estimator=BATTERY[name](), calibration=None, random_state=0)
    model.fit(X.to_numpy(), y)
    restored = _json_trip(model)
    np.testing.assert_array_equal(
        restored.predict_proba(X.to_numpy()), model.predict_proba(X.to_numpy())
    )
