"""CustomerProfiler keeps the scikit-learn contract: check_estimator with its expected failures
explained, clone and set_params, fit_transform == fit().transform(), fitted references applied
(not re-learned) by transform, models passed in never mutated, the consent contract."""

from __future__ import annotations

import json
import pickle
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

import precimark as pm
from precimark.datasets import SimulatedBase, make_transactions
from precimark.privacy import CONSENT_NOT_CHECKED, NO_ROSTER, ConsentPolicy, DataUse
from precimark.profiling import CustomerProfiler, fit_rfm_edges, rfm_scores

_LOG_INPUT = (
    "feeds a numeric array; the profiler reads a transaction log DataFrame (customer id, date, "
    "amount columns) and refuses anything else with a DataValidationError naming the argument. "
    "The property the check is about is tested on a log below."
)
_ERROR_WORDING = (
    "expects scikit-learn's wording for bad values or shapes (NaN, complex, sparse, negative, "
    "empty, 1 sample or feature); the profiler refuses a non-DataFrame first, naming the argument"
)
EXPECTED_FAILURES = {
    **dict.fromkeys(
        [
            "check_dict_unchanged",
            "check_dont_overwrite_parameters",
            "check_dtype_object",
            "check_estimators_dtypes",
            "check_estimators_fit_returns_self",
            "check_estimators_overwrite_params",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_fit2d_predict1d",
            "check_fit_check_is_fitted",
            "check_fit_idempotent",
            "check_fit_score_takes_y",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_n_features_in",
            "check_n_features_in_after_fitting",
            "check_pipeline_consistency",
            "check_readonly_memmap_input",
            "check_transformer_data_not_an_array",
            "check_transformer_general",
            "check_transformer_preserve_dtypes",
        ],
        _LOG_INPUT,
    ),
    **dict.fromkeys(
        [
            "check_complex_data",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_estimator_sparse_tag",
            "check_estimators_empty_data_messages",
            "check_estimators_nan_inf",
            "check_fit2d_1feature",
            "check_fit2d_1sample",
            "check_positive_only_tag_during_fit",
        ],
        _ERROR_WORDING,
    ),
    "check_array_api_input": "skipped by sklearn unless SCIPY_ARRAY_API is set",
}
MUST_PASS = {
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_get_params_invariance",
    "check_set_params",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimators_unfitted",
    "check_transformers_unfitted",
    "check_mixin_order",
}


def test_check_estimator_with_explained_failures() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's SkipTestWarning for array-API checks
        results = check_estimator(CustomerProfiler(), on_fail=None)
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    failed = {r["check_name"] for r in results if r["status"] != "passed"}
    assert passed >= MUST_PASS
    unexplained = failed - set(EXPECTED_FAILURES)
    assert not unexplained, f"unexpected check failures: {sorted(unexplained)}"


@pytest.fixture(scope="module")
def sim() -> SimulatedBase:
    return make_transactions(1_500, random_state=5)


def _profiler(**extra: Any) -> CustomerProfiler:
    return CustomerProfiler(
        consent="consent_profiling",
        attribute_columns=["signup_date"],
        purchase_model=pm.BetaGeoModel(),
        spend_model=pm.GammaGammaModel(),
        margin=0.4,
        **extra,
    )


def _same_params(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Equal parameters; estimators are compared by their own parameters (clone copies them)."""
    if left.keys() != right.keys():
        return False
    return all(
        _same_params(a.get_params(), b.get_params()) if hasattr(a, "get_params") else a == b
        for a, b in ((left[k], right[k]) for k in left)
    )


def test_clone_and_set_params_round_trip(sim: SimulatedBase) -> None:
    profiler = _profiler(
        rfm_edges=None, top_band_quantile=0.7, clv_horizon="84D", clv_discount_period="7D"
    )
    profiler.fit(sim.transactions, sim.customers)
    fresh = clone(profiler)
    assert _same_params(fresh.get_params(deep=False), profiler.get_params(deep=False))
    assert not [name for name in vars(fresh) if name.endswith("_")]  # no fitted state
    fresh.set_params(purchase_model__penalizer=0.5)  # nested, as in a grid search
    assert fresh.get_params()["purchase_model__penalizer"] == 0.5
    assert profiler.purchase_model.penalizer == 0.0  # a clone has its own copy
    other = CustomerProfiler(consent=False, margin=0.9, clv_horizon="90D", columns=pm.Columns())
    fresh.set_params(**other.get_params(deep=False))
    assert _same_params(fresh.get_params(deep=False), other.get_params(deep=False))


def test_passed_models_are_not_mutated(sim: SimulatedBase) -> None:
    profiler = _profiler()
    purchase, spend = profiler.purchase_model, profiler.spend_model
    profiler.fit(sim.transactions, sim.customers)
    for passed, fitted in ((purchase, profiler.purchase_model_), (spend, profiler.spend_model_)):
        assert not [name for name in vars(passed) if name.endswith("_")]  # never fitted
        assert fitted is not passed and hasattr(fitted, "params_")
    assert profiler.get_params()["purchase_model"] is purchase


def test_fit_transform_equals_fit_then_transform(sim: SimulatedBase) -> None:
    tx, customers, end = sim.transactions, sim.customers, pd.Timestamp("2025-03-31")
    before = (tx.copy(), customers.copy())
    at_once = _profiler().fit_transform(tx, customers, observation_end=end)
    fitted = _profiler().fit(tx, customers, observation_end=end)
    pd.testing.assert_frame_equal(
        fitted.transform(tx, customers, observation_end=end), at_once, check_exact=True
    )
    pd.testing.assert_frame_equal(fitted.transform(tx, observation_end=end), at_once)
    pd.testing.assert_frame_equal(fitted.archive(), at_once, check_exact=True)
    pd.testing.assert_frame_equal(tx, before[0])  # inputs not modified
    pd.testing.assert_frame_equal(customers, before[1])


def test_fit_is_idempotent_and_transform_changes_nothing(sim: SimulatedBase) -> None:
    tx = sim.transactions
    profiler = _profiler()
    assert profiler.fit(tx, sim.customers) is profiler
    first = profiler.archive()
    params = profiler.purchase_model_.params_
    state = dict(vars(profiler))
    profiler.transform(tx[tx["date"] >= "2025-01-01"])
    assert vars(profiler).keys() == state.keys()
    assert all(vars(profiler)[k] is v for k, v in state.items())
    assert profiler.purchase_model_.params_ == params  # the fitted models are not refitted
    pd.testing.assert_frame_equal(profiler.fit(tx, sim.customers).archive(), first)
    restored = pickle.loads(pickle.dumps(profiler))
    pd.testing.assert_frame_equal(restored.transform(tx), profiler.transform(tx))


def test_transform_applies_the_references_learned_at_fit(sim: SimulatedBase) -> None:
    tx = sim.transactions
    profiler = CustomerProfiler().fit(tx)
    # The same customers, every price doubled: a re-learned reference would hide the change.
    doubled = tx.assign(amount=2 * tx["amount"], list_price=2 * tx["list_price"])
    archive = profiler.transform(doubled)
    relearned = CustomerProfiler().fit_transform(doubled)
    rfm = pm.rfm_summary(doubled)
    assert profiler.rfm_edges_ == fit_rfm_edges(pm.rfm_summary(tx))
    scores = rfm_scores(rfm, edges=profiler.rfm_edges_)
    pd.testing.assert_frame_equal(archive[list(scores.columns)], scores)
    assert archive["m_score"].mean() > relearned["m_score"].mean()
    in_band = doubled["list_price"] >= profiler.top_band_threshold_
    band = in_band.groupby(doubled["customer_id"]).mean()
    np.testing.assert_allclose(archive["top_band_share"], band.loc[archive.index])
    assert archive["top_band_share"].mean() > relearned["top_band_share"].mean()
    reference = np.round(profiler.fit_transform(tx)["total_spend"].to_numpy(), 6)
    at_most = reference[None, :] <= np.round(archive["total_spend"].to_numpy(), 6)[:, None]
    np.testing.assert_allclose(archive["spend_percentile"], 100 * at_most.mean(axis=1))
    # A subset of customers is profiled as in the whole log: nothing depends on who else is in it.
    some = archive.index[::3]
    part = doubled[doubled["customer_id"].isin(some)]
    subset = profiler.transform(part, observation_end=doubled["date"].max())
    pd.testing.assert_frame_equal(subset, archive.loc[some])


def test_update_keeps_the_fitted_references(sim: SimulatedBase) -> None:
    tx, cut = sim.transactions, pd.Timestamp("2024-12-31")
    old, new = tx[tx["date"] <= cut], tx[tx["date"] > cut]
    profiler = CustomerProfiler().fit(old)
    edges, reference = profiler.rfm_edges_, profiler.spend_reference_
    profiler.update(new)
    assert profiler.rfm_edges_ == edges and profiler.spend_reference_ is reference
    pd.testing.assert_frame_equal(
        profiler.archive(), CustomerProfiler().fit(old).transform(tx), rtol=1e-12
    )


def test_transform_without_transactions_is_deprecated(sim: SimulatedBase) -> None:
    profiler = CustomerProfiler().fit(sim.transactions)
    with pytest.warns(FutureWarning, match=r"pass the transactions, transform\(transactions\)"):
        old_style = profiler.transform()
    pd.testing.assert_frame_equal(old_style, profiler.archive())
    with pytest.raises(pm.DataValidationError, match="argument 'transactions'"):
        profiler.transform(customers=sim.customers)
    with pytest.raises(pm.DataValidationError, match="'channel'"):
        profiler.transform(sim.transactions.drop(columns="channel"))


# ----------------------------------------------------------------------------------- consent


def _buyers(sim: SimulatedBase) -> pd.Index:
    return pd.Index(sim.transactions["customer_id"].unique()).sort_values()


def test_a_roster_applies_the_default_consent_policy(sim: SimulatedBase) -> None:
    default = CustomerProfiler()
    archive = default.fit_transform(sim.transactions, sim.customers)
    named = CustomerProfiler(consent="consent_profiling")
    pd.testing.assert_frame_equal(archive, named.fit_transform(sim.transactions, sim.customers))
    allowed = sim.customers.index[sim.customers["consent_profiling"].astype(bool)]
    assert archive.index.equals(_buyers(sim).intersection(allowed))
    assert len(default.excluded_) > 50
    assert DataUse("consent_profiling", "consent_check", "CustomerProfiler") in default.data_usage_
    # transform without a roster checks consent with the roster read at fit
    later = sim.transactions[sim.transactions["date"] > "2025-01-01"]
    assert not default.transform(later).index.isin(default.excluded_).any()
    # A policy is read for its profiling column only.
    policy = ConsentPolicy({"profiling": "consent_profiling", "marketing": "consent_marketing"})
    by_policy = CustomerProfiler(consent=policy).fit(sim.transactions, sim.customers)
    consent_uses = [u.column for u in by_policy.data_usage_ if u.purpose == "consent_check"]
    assert consent_uses == ["consent_profiling"]


def test_a_roster_without_the_consent_column_names_both_fixes(sim: SimulatedBase) -> None:
    roster = sim.customers.drop(columns="consent_profiling")
    with pytest.raises(pm.DataValidationError) as info:
        CustomerProfiler().fit(sim.transactions, roster)
    message = str(info.value)
    for part in ("argument 'customers'", "'consent_profiling'", 'consent="', "consent=False"):
        assert part in message, part
    # The same check guards update.
    fitted = CustomerProfiler().fit(sim.transactions[sim.transactions["date"] <= "2024-12-31"])
    with pytest.raises(pm.DataValidationError, match="consent=False"):
        fitted.update(sim.transactions[sim.transactions["date"] > "2024-12-31"], roster)


def test_consent_false_is_the_recorded_opt_out(sim: SimulatedBase) -> None:
    roster = sim.customers.drop(columns="consent_profiling")
    profiler = CustomerProfiler(consent=False, attribute_columns=["signup_date"])
    archive = profiler.fit_transform(sim.transactions, roster)
    assert archive.index.equals(_buyers(sim)) and profiler.excluded_.empty
    assert "signup_date" in archive.columns
    consent = [u for u in profiler.data_usage_ if u.column == "consent_profiling"]
    assert consent == [DataUse("consent_profiling", CONSENT_NOT_CHECKED, "CustomerProfiler")]


def test_without_a_roster_there_is_nothing_to_check(sim: SimulatedBase) -> None:
    profiler = CustomerProfiler()
    archive = profiler.fit_transform(sim.transactions)
    assert archive.index.equals(_buyers(sim))
    consent = [u for u in profiler.data_usage_ if u.column == "consent_profiling"]
    assert consent == [DataUse("consent_profiling", NO_ROSTER, "CustomerProfiler")]
    with pytest.raises(pm.DataValidationError, match="argument 'customers'"):
        CustomerProfiler(consent="consent_profiling").fit(sim.transactions)


# --- renamed hyper-parameters (issue 14, item 5) -------------------------------------------------


def test_old_parameter_names_are_deprecated_aliases(sim: SimulatedBase) -> None:
    history = sim.customers.assign(valid_from=pd.Timestamp("2020-01-01"))
    new = CustomerProfiler(
        consent="consent_profiling", attribute_columns=["signup_date"], as_of_column="valid_from"
    )
    with pytest.warns(
        FutureWarning, match=r"CustomerProfiler\((attributes|attributes_as_of)="
    ) as w:
        old = CustomerProfiler(  # type: ignore[call-arg]
            consent="consent_profiling", attributes=["signup_date"], attributes_as_of="valid_from"
        )
    assert sorted(str(m.message).split("use ")[1] for m in w) == [
        "as_of_column=... instead.",
        "attribute_columns=... instead.",
    ]
    assert old.get_params() == new.get_params()
    pd.testing.assert_frame_equal(
        old.fit_transform(sim.transactions, history), new.fit_transform(sim.transactions, history)
    )
    with pytest.raises(TypeError, match="both attributes="):
        CustomerProfiler(attributes=["a"], attribute_columns=["a"])  # type: ignore[call-arg]


def test_parameters_use_the_new_names_only() -> None:
    profiler = CustomerProfiler(attribute_columns=["signup_date"], as_of_column="valid_from")
    params = profiler.get_params()
    assert params["attribute_columns"] == ["signup_date"]
    assert params["as_of_column"] == "valid_from"
    assert not {"attributes", "attributes_as_of"} & set(params)
    copy = clone(profiler)
    assert copy.get_params()["attribute_columns"] == ["signup_date"]
    assert copy.set_params(as_of_column="since").as_of_column == "since"
    assert not {"attributes", "attributes_as_of"} & set(vars(copy))
    with pytest.warns(FutureWarning, match=r"CustomerProfiler\.attributes is deprecated"):
        assert profiler.attributes == ["signup_date"]
    with pytest.warns(FutureWarning, match=r"use CustomerProfiler\.as_of_column"):
        assert profiler.attributes_as_of == "valid_from"


def test_a_profiler_saved_with_the_old_names_loads(sim: SimulatedBase) -> None:
    profiler = _profiler().fit(sim.transactions, sim.customers)
    document = json.loads(json.dumps(profiler.to_dict(), allow_nan=False))
    state = document["state"]
    state["attributes"] = state.pop("attribute_columns")  # as precimark 0.1 wrote them
    state["attributes_as_of"] = state.pop("as_of_column")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loading an old document does not warn
        restored = CustomerProfiler.from_dict(document)
    assert restored.get_params()["attribute_columns"] == ["signup_date"]
    assert not {"attributes", "attributes_as_of"} & set(vars(restored))
    pd.testing.assert_frame_equal(restored.archive(), profiler.archive())
    # An 0.1 pickle holds the old names in its __dict__ too.
    pickled = CustomerProfiler.__new__(CustomerProfiler)
    old_state = dict(vars(profiler))
    old_state["attributes"] = old_state.pop("attribute_columns")
    old_state["attributes_as_of"] = old_state.pop("as_of_column")
    pickled.__setstate__(old_state)
    assert pickled.as_of_column is None
    pd.testing.assert_frame_equal(pickled.archive(), profiler.archive())
