"""scikit-learn's check_estimator on the CLV models, with the expected failures explained.

CLV models take an RFM summary *frame* whose columns have meaning (frequency is a count,
recency <= T, all in a time unit), not a generic numeric matrix. Every check that feeds random
arrays therefore fails validation, by design; the API-convention checks must pass.
"""

from __future__ import annotations

import warnings

import pytest
from sklearn.utils.estimator_checks import check_estimator

import precimark as pm

_ARRAY_INPUT = "feeds a random numeric array; the model requires an RFM summary DataFrame"
_ERROR_WORDING = "expects sklearn's wording for bad shapes; precimark names the column instead"
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
            "check_positive_only_tag_during_fit",
            "check_estimators_nan_inf",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_estimator_sparse_tag",
            # sample_weight checks (fit takes sample_weight since 0.2): also fed arrays; the
            # property itself (weighted fit == fit on repeated rows) is tested on RFM frames in
            # test_models.py.
            "check_all_zero_sample_weights_error",
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",  # scikit-learn 1.6 only
            "check_sample_weights_list",
            "check_sample_weights_not_an_array",
            "check_sample_weights_not_overwritten",
            "check_sample_weights_pandas_series",
            "check_sample_weights_shape",
        ],
        _ARRAY_INPUT,
    ),
    **dict.fromkeys(
        [
            "check_complex_data",
            "check_estimators_empty_data_messages",
            "check_fit2d_1feature",
            "check_fit2d_1sample",
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
}


@pytest.mark.parametrize(
    "estimator", [pm.BetaGeoModel(), pm.GammaGammaModel(), pm.ParetoNBDModel()]
)
def test_check_estimator_with_explained_failures(estimator: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's SkipTestWarning for array-API checks
        results = check_estimator(estimator, on_fail=None)
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    failed = {r["check_name"] for r in results if r["status"] != "passed"}
    assert passed >= MUST_PASS
    unexplained = failed - set(EXPECTED_FAILURES)
    assert not unexplained, f"unexpected check failures: {sorted(unexplained)}"
