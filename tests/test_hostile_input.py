"""Hostile input (issue 22): each class of failure a user hit, pinned by a test.

Signed pickles are in ``test_persistence.py``; Spark identifier quoting in
``distributed/test_partitions.py`` and ``distributed/test_spark.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LinearRegression, LogisticRegression

import precimark as pm
from precimark._validation import to_day
from precimark.cli import main
from precimark.distributed import score_partition_fn
from precimark.privacy import Pseudonymizer
from precimark.privacy._gate import resolve_consent

KEY = b"k" * 32


@pytest.mark.parametrize("value", [1748736000, 1748736000.0, np.int64(1748736000)])
def test_a_number_is_not_read_as_a_timestamp(value: object) -> None:
    with pytest.raises(pm.DataValidationError, match=r"argument 'at': the number .*unit='s'"):
        to_day(value, "at")  # type: ignore[arg-type]
    assert to_day(pd.Timestamp(1748736000, unit="s"), "at") == np.datetime64("2025-06-01")


@pytest.mark.parametrize("value", ["52", " 90 ", "2.5"])
def test_a_duration_text_without_a_unit_is_not_read_as_nanoseconds(value: object) -> None:
    # Before: pd.Timedelta("52") is 52 ns, so score_partition_fn(horizon="52") valued
    # customers over 8.6e-14 weeks, silently.
    rfm = pm.rfm_summary(pm.datasets.make_transactions(20, random_state=1).transactions)
    model = pm.BetaGeoModel().fit(rfm)
    with pytest.raises(
        pm.DataValidationError, match=r"argument 'horizon'.*a number without a unit"
    ):
        score_partition_fn(model, horizon=value, time_unit="D")  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match=r"argument 'gap'.*without a unit"):
        pm.propensity.evaluate_out_of_time(
            pm.propensity.make_snapshots(
                pm.datasets.make_transactions(20, random_state=1).transactions,
                cutoffs=["2024-06-01"],
                horizon=30,
            ),
            horizon=30,
            gap=value,  # type: ignore[arg-type]
        )


def test_a_number_as_observation_end_is_refused() -> None:
    tx = pd.DataFrame(
        {"customer_id": [1, 1], "date": ["2024-01-01", "2024-02-01"], "amount": [5.0, 6.0]}
    )
    with pytest.raises(pm.DataValidationError, match="argument 'observation_end': the number"):
        pm.rfm_summary(tx, observation_end=20240301)  # type: ignore[arg-type]


def test_an_email_column_mapped_as_the_date_is_not_quoted() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "email": ["ann@example.com", "bob@example.com"],
            "amount": [5.0, 6.0],
        }
    )
    with pytest.raises(pm.DataValidationError, match="2 unparseable dates") as err:
        pm.rfm_summary(tx, columns=pm.Columns(date="email"))
    message = str(err.value)
    assert "example.com" not in message and "ann" not in message
    assert "not shown: 15 characters" in message and "first customer: 1" in message


def test_a_date_like_cell_is_still_quoted_to_help() -> None:
    tx = pd.DataFrame({"customer_id": [1], "date": ["2024-13-45"], "amount": [5.0]})
    with pytest.raises(pm.DataValidationError, match="first value: '2024-13-45'"):
        pm.rfm_summary(tx)


def test_a_float_id_in_an_object_column_is_refused_by_the_pseudonymizer() -> None:
    frame = pd.DataFrame({"customer_id": pd.Series([42, 42.0, "a"], dtype=object)})
    with pytest.raises(pm.DataValidationError, match="ids of type float among") as err:
        Pseudonymizer(KEY).pseudonymize(frame, "customer_id")
    assert "42" not in str(err.value)
    text_and_ints = pd.DataFrame({"customer_id": pd.Series([42, "a"], dtype=object)})
    out = Pseudonymizer(KEY).pseudonymize(text_and_ints, "customer_id")
    ints = Pseudonymizer(KEY).pseudonymize(pd.DataFrame({"customer_id": [42]}), "customer_id")
    assert out["customer_id"].iloc[0] == ints["customer_id"].iloc[0]  # joins the int table


def _roster(index: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"consent_marketing": [True] * len(index)}, index=pd.Index(index))


@pytest.mark.parametrize(
    ("roster_ids", "data_ids", "message"),
    [
        (["1", "2"], [1, 2], "numbers in the data but text in the roster"),
        ([1, 2], ["1", "2"], "text in the data but numbers in the roster"),
    ],
)
def test_ids_of_another_type_in_the_roster_are_refused_not_all_excluded(
    roster_ids: list[object], data_ids: list[object], message: str
) -> None:
    gate = resolve_consent(_roster(roster_ids), "marketing", None, used_by="test")
    with pytest.raises(pm.DataValidationError, match=message):
        gate.mask(pd.Index(data_ids))


def test_ids_of_the_same_kind_and_other_widths_match() -> None:
    gate = resolve_consent(
        _roster([1, 2]).set_axis(pd.Index([1, 2], dtype="int32")), "marketing", None, used_by="t"
    )
    assert gate.mask(pd.Index([2, 3], dtype="int64")).tolist() == [True, False]


def test_select_targets_with_text_roster_ids_and_int_scores_refuses() -> None:
    uplift = pd.Series([0.3, 0.1], index=pd.Index([1, 2], name="customer_id"))
    with pytest.raises(pm.DataValidationError, match="one id type in both"):
        pm.propensity.select_targets(
            uplift,
            cost_per_contact=0.01,
            value_per_conversion=10.0,
            customers=_roster(["1", "2"]),
            budget=1,
        )


def _csv(tmp_path: Path) -> str:
    path = tmp_path / "tx.csv"
    pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "when": ["2024-01-01", "2024-02-01", "2024-01-05"],
            "amount": [5, 7, 3],
        }
    ).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("command", ["score", "clv", "profile", "price"])
def test_cli_a_missing_column_exits_2_with_one_line_naming_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    extra = ["--list-price", "10"] if command == "price" else []
    assert main([command, _csv(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing column 'date'" in err[0] and "--date-col" in err[0]


def test_cli_a_number_as_observation_end_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["score", _csv(tmp_path), "--date-col", "when", "--observation-end", "1748736000"]
    assert main(args) == 2
    assert "argument 'observation_end': '1748736000'; expected a date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("seed", "found"),
    [("abc", "'abc' (a str)"), (1.5, "1.5 (a float)"), (True, "a value (a bool)"), (-1, "-1")],
)
def test_a_seed_that_is_not_a_seed_is_refused(seed: object, found: str) -> None:
    from precimark._validation import to_rng

    with pytest.raises(
        pm.DataValidationError, match=re.escape(f"argument 'random_state': {found}")
    ):
        to_rng(seed)
    generator = np.random.default_rng(3)
    assert to_rng(generator) is generator


def test_a_log_mixing_int_and_text_ids_is_refused_naming_the_first() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series([1, np.int64(2), "3"], dtype=object),
            "date": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "amount": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(pm.DataValidationError, match=r"1 id of another type .*first customer: 3"):
        pm.rfm_summary(tx)


@pytest.mark.parametrize(
    "call",
    [
        lambda seed: pm.datasets.make_transactions(10, random_state=seed),
        lambda seed: pm.datasets.make_uplift_data(10, random_state=seed),
        lambda seed: pm.kpi.bootstrap(
            lambda a: np.mean(a, axis=-1), np.arange(10.0), random_state=seed
        ),
    ],
    ids=["make_transactions", "make_uplift_data", "kpi.bootstrap"],
)
def test_public_functions_refuse_a_string_seed_naming_it(call: Callable[[object], object]) -> None:
    with pytest.raises(pm.DataValidationError, match=r"argument 'random_state': 'abc' \(a str\)"):
        call("abc")


def test_bootstrap_refuses_a_statistic_that_does_not_reduce_per_row() -> None:
    with pytest.raises(pm.DataValidationError, match=r"returned shape \(\) .*axis=-1"):
        pm.kpi.bootstrap(np.mean, np.arange(10.0), random_state=0)


# Overflow-safe sums and variances: one helper (`_validation.refuse_overflow` /
# `finite_moments`), a refusal naming the column and the first customer, never an inf.


def test_two_orders_of_1e308_on_one_day_are_refused_naming_the_customer() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [7, 7, 7, 8],
            "date": ["2024-01-01", "2024-02-01", "2024-02-01", "2024-01-01"],
            "spend": [1.0, 1e308, 1e308, 2.0],
        }
    )
    columns = pm.Columns(amount="spend")
    with pytest.raises(
        pm.DataValidationError,
        match=r"column 'spend': 1 day total beyond the float64 range \(first customer: 7\)",
    ):
        pm.rfm_summary(tx, columns=columns)
    with pytest.raises(pm.DataValidationError, match="column 'spend': 1 day total"):
        pm.calibration_holdout_split(
            tx, calibration_end="2024-01-15", observation_end="2024-03-01", columns=columns
        )


_REVENUE = pm.Columns(amount="revenue_eur")
_TWO_1E308 = pd.DataFrame(  # customer 5: two days of 1e308 each, a total beyond float64
    {
        "customer_id": [5, 5, 6],
        "date": ["2024-01-01", "2024-02-01", "2024-01-15"],
        "revenue_eur": [1e308, 1e308, 2.0],
    }
)


@pytest.mark.parametrize(
    "call",
    [
        lambda: pm.rfm_summary(_TWO_1E308, columns=_REVENUE),
        lambda: pm.profiling.CustomerProfiler(columns=_REVENUE, consent=False).fit(_TWO_1E308),
        lambda: pm.propensity.make_snapshots(
            _TWO_1E308, cutoffs=["2024-03-01"], horizon=30, labels=False, columns=_REVENUE
        ),
        lambda: pm.kpi.customer_activity(_TWO_1E308, columns=_REVENUE),
        lambda: pm.kpi.sales_growth(
            _TWO_1E308,
            pre=("2024-01-01", "2024-01-10"),
            post=("2024-01-11", "2024-02-28"),
            columns=_REVENUE,
        ),
    ],
    ids=["rfm_summary", "CustomerProfiler", "make_snapshots", "customer_activity", "sales_growth"],
)
def test_an_overflow_names_the_users_amount_column(call: Callable[[], object]) -> None:
    # Before: "the amount column" (profiler, snapshots, kpi logs), not the user's name.
    with pytest.raises(
        pm.DataValidationError, match=r"column 'revenue_eur': 1 .* beyond the float64 range"
    ) as err:
        call()
    assert "first customer: 5" in str(err.value) or "first customer: 6" not in str(err.value)


def test_sales_growth_of_revenue_near_1e308_equals_the_growth_of_rescaled_revenue() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 1, 2, 3],
            "amount": [10.0, 20, 30, 15, 20, 40],
            "date": ["2024-01-05"] * 3 + ["2024-02-05"] * 3,
        }
    )
    periods = {"pre": ("2024-01-01", "2024-01-31"), "post": ("2024-02-01", "2024-03-02")}
    plain = pm.kpi.sales_growth(tx, **periods)  # type: ignore[arg-type]
    big = pm.kpi.sales_growth(tx.assign(amount=np.ldexp(tx["amount"], 1015)), **periods)  # type: ignore[arg-type]
    assert _parts(big) == _parts(plain) and np.isfinite(big.ci_high)


def test_repeat_spend_beyond_float64_is_refused() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "date": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "amount": [1.0, 1.5e308, 1.5e308],
        }
    )
    with pytest.raises(pm.DataValidationError, match=r"1 repeat spend beyond .*first customer: 1"):
        pm.rfm_summary(tx)


def test_large_but_representable_amounts_still_summarise_exactly() -> None:
    tx = pd.DataFrame(
        {"customer_id": [1, 1], "date": ["2024-01-01", "2024-02-01"], "amount": [1.0, 1e307]}
    )
    assert pm.rfm_summary(tx)["monetary_value"].iloc[0] == 1e307


def test_kpi_mean_of_1e300s_is_the_value_not_infinity() -> None:
    estimate = pm.kpi.mean([1e300] * 5)
    assert (estimate.value, estimate.ci_low, estimate.ci_high) == (1e300, 1e300, 1e300)
    near_max = pm.kpi.mean([1e308, 1e308])
    assert near_max.value == 1e308 and np.isfinite(near_max.ci_high)


def test_rescaled_moments_equal_the_plain_ones() -> None:
    from precimark._validation import finite_moments

    x = np.random.default_rng(0).normal(size=50)
    for scale in (1.0, 2.0**510):  # beyond 2**500 the values are rescaled (exactly)
        mean, variance = finite_moments(x * scale, "argument 'x'", np.arange(50))
        assert mean == pytest.approx(x.mean() * scale, rel=1e-14)
        assert variance == pytest.approx(x.var(ddof=1) * scale * scale, rel=1e-14)


@pytest.mark.parametrize(
    "call",
    [
        lambda v: pm.kpi.mean(pd.Series(v, index=[10, 11, 12])),
        lambda v: pm.kpi.ratio(pd.Series(v, index=[10, 11, 12]), [1.0, 1.0, 1.0]),
    ],
    ids=["mean", "ratio"],
)
def test_a_variance_beyond_float64_is_refused_naming_the_largest_value(
    call: Callable[[list[float]], object],
) -> None:
    with pytest.raises(
        pm.DataValidationError, match=r"too large for its variance .*first customer: 12"
    ):
        call([1e300, 2e300, -3e300])


def test_metric_aggregates_refuse_a_sum_of_squares_beyond_float64() -> None:
    frame = pd.DataFrame({"arm": ["a", "a", "b"], "spend": [1e200, 1e200, 1.0]})
    with pytest.raises(
        pm.DataValidationError,
        match=r"column 'spend': 1 group sum of squares beyond .*first customer: a",
    ):
        pm.kpi.MetricAggregates.from_frame(frame, group_column="arm", value_column="spend")


# Welch and CUPED near 1e308: computed on values divided by a power of two (exact), so the
# answer equals the one on rescaled data; a result beyond float64 is refused by name.

_BIG_A = np.random.default_rng(5).random(20) * 1e308
_BIG_B = np.random.default_rng(6).random(20) * 1e307
_SHIFT = 1000  # 2**-1000 brings 1e308 to about 1e7


def _scaled_back(estimate: pm.kpi.Estimate) -> tuple[float, float, float, float | None]:
    bounds = (estimate.value, estimate.ci_low, estimate.ci_high)
    return (*(float(np.ldexp(x, _SHIFT)) for x in bounds), estimate.p_value)


def _parts(estimate: pm.kpi.Estimate) -> tuple[float, float, float, float | None]:
    return (estimate.value, estimate.ci_low, estimate.ci_high, estimate.p_value)


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["same sign", "opposite signs"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_welch_near_1e308_equals_the_interval_on_rescaled_data(
    sign: float, alternative: pm.kpi.intervals.Alternative
) -> None:
    a, b = _BIG_A, sign * _BIG_B
    big = pm.kpi.mean_difference(a, b, alternative=alternative)
    small = pm.kpi.mean_difference(
        np.ldexp(a, -_SHIFT), np.ldexp(b, -_SHIFT), alternative=alternative
    )
    assert np.isfinite([big.value, big.ci_low]).all()
    assert _parts(big) == _scaled_back(small)
    lift = pm.kpi.relative_difference(a, np.abs(b))
    rescaled = pm.kpi.relative_difference(np.ldexp(a, -_SHIFT), np.ldexp(np.abs(b), -_SHIFT))
    assert _parts(lift) == _parts(rescaled)


def test_welch_from_moments_near_1e308_is_finite_and_exact() -> None:
    welch = pm.kpi.intervals.welch_from_moments
    big = welch(5, 1e308, 2.0**1000, 7, -5e307, 2.0**1000, confidence=0.9)
    tiny = 2.0 ** (1000 - 2 * _SHIFT)  # the variances divided by (2**_SHIFT)**2
    small = welch(
        5, np.ldexp(1e308, -_SHIFT), tiny, 7, np.ldexp(-5e307, -_SHIFT), tiny, confidence=0.9
    )
    assert np.isfinite([big.value, big.ci_low, big.ci_high]).all()
    assert _parts(big) == _scaled_back(small)
    with pytest.raises(pm.DataValidationError, match=r"arguments 'mean_a' and 'mean_b'.*float64"):
        welch(4, 1e308, 1e300, 4, -1e308, 1e300, confidence=0.95)


def test_a_difference_of_means_beyond_float64_is_refused_naming_the_customer() -> None:
    a = pd.Series([1.7e308, 1.6e308, 1.5e308], index=[10, 11, 12])
    with pytest.raises(
        pm.DataValidationError,
        match=r"argument 'a': 1 value too large for the difference .*first customer: 10",
    ):
        pm.kpi.mean_difference(a, -a.to_numpy())


def _cuped_frame(pre_shift: int = 0, revenue_shift: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"treatment": np.arange(40) % 2, "pre": rng.random(40)})
    frame["revenue"] = 3.0 * frame["pre"] + rng.random(40) + frame["treatment"]
    frame["pre"] = np.ldexp(frame["pre"], pre_shift)
    frame["revenue"] = np.ldexp(frame["revenue"], revenue_shift)
    return frame.set_index(pd.Index(range(100, 140), name="customer_id"))


def test_cuped_with_a_pre_metric_near_1e308_equals_the_plain_adjustment() -> None:
    kwargs = {"treatment": "treatment", "metric_column": "revenue", "pre_metric_column": "pre"}
    plain = pm.kpi.campaign_effect(_cuped_frame(), **kwargs)  # type: ignore[arg-type]
    big = pm.kpi.campaign_effect(_cuped_frame(pre_shift=1022), **kwargs)  # type: ignore[arg-type]
    assert _parts(big.difference) == _parts(plain.difference)
    assert big.variance_reduction == plain.variance_reduction > 0.5


def test_cuped_with_outcomes_near_1e308_is_refused_naming_the_column_and_customer() -> None:
    frame = _cuped_frame(pre_shift=1020, revenue_shift=1020)  # revenue up to about 5e307
    with pytest.raises(
        pm.DataValidationError, match=r"column 'revenue': 1 value too large .*first customer: 1\d\d"
    ):
        pm.kpi.campaign_effect(
            frame, treatment="treatment", metric_column="revenue", pre_metric_column="pre"
        )


# clv.evaluate refuses holdout columns it cannot evaluate.


@pytest.fixture(scope="module")
def holdout_split() -> tuple[object, pd.DataFrame]:
    tx = pm.datasets.make_transactions(60, random_state=2).transactions
    split = pm.calibration_holdout_split(
        tx, calibration_end="2024-06-30", observation_end="2024-12-31", time_unit="W"
    )
    cal = split[["frequency_cal", "recency_cal", "T_cal"]].set_axis(
        ["frequency", "recency", "T"], axis=1
    )
    return pm.BetaGeoModel().fit(cal, time_unit="W"), split


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("frequency_holdout", np.nan, "1 missing or infinite value"),
        ("frequency_holdout", -1.0, "1 negative value"),
        ("frequency_holdout", 1.5, "1 non-integer value"),
        ("frequency_cal", 2.5, "1 non-integer value"),
        ("T_cal", np.inf, "1 missing or infinite value"),
        ("duration_holdout", np.nan, "1 missing or infinite value"),
        ("duration_holdout", -3.0, "1 non-positive value"),
    ],
)
def test_evaluate_refuses_unusable_holdout_columns(
    holdout_split: tuple[object, pd.DataFrame], column: str, value: float, message: str
) -> None:
    from precimark.clv import evaluate

    model, split = holdout_split
    bad = split.copy()
    bad[column] = bad[column].astype(np.float64)
    bad.iloc[3, bad.columns.get_loc(column)] = value
    first = bad.index[3]
    with pytest.raises(
        pm.DataValidationError, match=rf"column '{column}': {message} \(first customer: {first}\)"
    ):
        evaluate(model, bad)  # type: ignore[arg-type]
    report = evaluate(model, split)  # type: ignore[arg-type]
    assert np.isfinite(report.rmse)


def test_evaluate_refuses_an_empty_split_and_a_model_given_as_text(
    holdout_split: tuple[object, pd.DataFrame],
) -> None:
    from precimark.clv import evaluate

    model, split = holdout_split
    with pytest.raises(pm.DataValidationError, match="an empty frame"):
        evaluate(model, split.iloc[:0])  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match="argument 'model': a str"):
        evaluate("BetaGeoModel", split)  # type: ignore[arg-type]


# Estimators that wrap scikit-learn pre-check their data (`propensity._inputs`).

_RNG = np.random.default_rng(0)
_X = pd.DataFrame(_RNG.normal(size=(120, 3)), columns=["a", "b", "c"], index=range(500, 620))
_Y = pd.Series((_RNG.random(120) < 0.4).astype(int), index=_X.index)
_T = _RNG.integers(0, 2, 120)
_LEARNERS = ["TwoModelUplift", "XLearnerUplift", "DRLearnerUplift", "ClassTransformationUplift"]


def _fit(name: str, X: object = _X, y: object = _Y, **kwargs: object) -> object:
    if name == "PropensityModel":
        return pm.PropensityModel(calibration=None, random_state=0).fit(X, y, **kwargs)
    if name == "logistic":
        model = pm.PropensityModel(estimator=LogisticRegression(), calibration=None)
        return model.fit(X, y, **kwargs)
    learner = getattr(pm.propensity, name)(random_state=0)
    return learner.fit(X, y, **{"treated": _T, **kwargs})


def _with_cell(value: object) -> pd.DataFrame:
    X = _X.copy()
    X.loc[510, "b"] = value
    return X


@pytest.mark.parametrize("name", ["PropensityModel", *_LEARNERS])
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X": _with_cell(np.nan)}, r"column 'b' of X: 1 row with a missing \(NaN\) or infinite"),
        ({"X": _with_cell(np.inf)}, r"column 'b' of X: 1 row with a missing \(NaN\) or infinite"),
        ({"X": _X.assign(b="x")}, r"column 'b' of X: values of dtype"),
        ({"y": _Y.astype(float).mask(_Y.index == 530)}, r"argument 'y': 1 missing \(NaN\)"),
        ({"sample_weight": -np.ones(120)}, r"argument 'sample_weight': 120 negative weights"),
        ({"sample_weight": np.full(120, np.nan)}, r"'sample_weight': 120 missing or infinite"),
        ({"sample_weight": np.zeros(120)}, "every weight is zero"),
    ],
    ids=["nan", "inf", "text", "nan-label", "negative-weight", "nan-weight", "zero-weights"],
)
def test_estimators_refuse_bad_data_naming_it(
    name: str, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(pm.DataValidationError, match=message) as err:
        _fit(name, **kwargs)
    if "X" in kwargs and "dtype" not in message:
        assert "first customer: 510" in str(err.value)


@pytest.mark.parametrize("name", ["PropensityModel", *_LEARNERS])
def test_a_single_class_label_is_refused_not_fitted(name: str) -> None:
    with pytest.raises(pm.DataValidationError, match=r"argument 'y': only one class \(1\)"):
        _fit(name, y=np.ones(120, dtype=int))


@pytest.mark.parametrize("name", _LEARNERS)
def test_a_constant_outcome_in_one_arm_is_refused_naming_the_arm(name: str) -> None:
    y = np.where(_T == 1, 1, _Y.to_numpy())
    with pytest.raises(
        pm.DataValidationError, match=r"only one class \(1\) among the treated rows"
    ):
        _fit(name, y=y)


def test_zero_weights_still_drop_rows_as_in_scikit_learn() -> None:
    weights = np.ones(120)
    weights[:10] = 0.0
    weighted = _fit("logistic", sample_weight=weights)
    dropped = _fit("logistic", X=_X.iloc[10:], y=_Y.iloc[10:])
    np.testing.assert_allclose(
        weighted.predict_proba(_X)[:, 1],  # type: ignore[attr-defined]
        dropped.predict_proba(_X)[:, 1],  # type: ignore[attr-defined]
        rtol=1e-5,
    )


@pytest.mark.parametrize("name", _LEARNERS)
def test_yes_no_treatment_needs_the_control_label_named(name: str) -> None:
    labels = np.where(_T == 1, "yes", "no")
    with pytest.raises(pm.DataValidationError, match="no row with the control label 0"):
        getattr(pm.propensity, name)().fit(_X, _Y, treated=labels)
    model = getattr(pm.propensity, name)(control="no", estimator=LogisticRegression())
    if "effect_estimator" in model.get_params():
        model.set_params(effect_estimator=LinearRegression())
    assert model.fit(_X, _Y, treated=labels).predict(_X).shape == (120,)


# Probabilities are validated, never clipped.

_PRICING_CUSTOMERS = pd.DataFrame(
    {
        "price_sensitivity": [0.9, 0.1, 0.8],
        "propensity": [0.1, 0.5, 0.2],
        "uplift": [0.2, 0.0, 0.1],
        "consent_personalised_pricing": True,
    },
    index=[1, 2, 3],
)


@pytest.mark.parametrize(
    ("column", "value", "where"),
    [
        ("propensity", 1.5, "column 'propensity': 1 value outside"),
        ("propensity", -0.1, "column 'propensity': 1 value outside"),
        ("uplift", 1.2, r"column 'uplift': 1 value outside \[-1, 1\]"),
        ("uplift", 0.9, r"columns 'propensity' \+ 'uplift': 1 purchase probability with the offer"),
    ],
)
def test_simulate_policy_and_budgeted_decide_refuse_probabilities_outside_0_1(
    column: str, value: float, where: str
) -> None:
    from precimark.pricing import (
        Guardrails,
        PricingPolicy,
        SensitivityDiscount,
        UpliftResponse,
        simulate_policy,
    )

    customers = _PRICING_CUSTOMERS.copy()
    customers.loc[3, column] = value
    rule = SensitivityDiscount(threshold=0.5)
    match = rf"{where} .*\(first customer: 3\).*refused, not clipped"
    with pytest.raises(pm.DataValidationError, match=match):
        simulate_policy(
            PricingPolicy([rule]), customers, UpliftResponse(), prices=100.0, at="2025-01-01"
        )
    budgeted = PricingPolicy([rule], guardrails=Guardrails(budget=1.0))
    with pytest.raises(pm.DataValidationError, match=match):
        budgeted.decide(customers, 100.0, at="2025-01-01")


def test_a_response_model_returning_probabilities_above_1_is_refused() -> None:
    from precimark.pricing import PricingPolicy, SensitivityDiscount, simulate_policy

    policy = PricingPolicy([SensitivityDiscount(threshold=0.5)])
    with pytest.raises(
        pm.DataValidationError,
        match=r"argument 'response_model': 3 probabilities outside \[0, 1\] \(first customer: 1",
    ):
        simulate_policy(
            policy,
            _PRICING_CUSTOMERS,
            lambda d, f: np.full(len(d), 1.2),
            prices=100.0,
            at="2025-01-01",
        )


# JSON documents validate every parameter's domain on load.


@pytest.fixture(scope="module")
def model_documents() -> dict[str, dict[str, object]]:
    rfm = pm.rfm_summary(pm.datasets.make_transactions(60, random_state=1).transactions)
    repeat = rfm[rfm["frequency"] > 0]
    with pytest.warns(pm.exceptions.PrecimarkWarning):  # GG on a tiny base: boundary fit
        spend = pm.GammaGammaModel().fit(repeat)
    return {
        "BetaGeoModel": pm.BetaGeoModel().fit(rfm).to_dict(),
        "ParetoNBDModel": pm.clv.ParetoNBDModel().fit(rfm).to_dict(),
        "ModifiedBetaGeoModel": pm.clv.ModifiedBetaGeoModel().fit(rfm).to_dict(),
        "GammaGammaModel": spend.to_dict(),
        "BetaGeoBetaBinomModel": pm.clv.BetaGeoBetaBinomModel().fit(_BGBB_RFM).to_dict(),
        "ShiftedBetaGeoModel": pm.clv.ShiftedBetaGeoModel().fit(_SURVIVORS).to_dict(),
    }


_BGBB_RFM = pd.DataFrame({"frequency": [0, 1, 3, 6, 2], "recency": [0, 1, 5, 6, 4], "T": [6] * 5})
_SURVIVORS = pd.Series([1000, 631, 468, 382, 326, 289, 262, 241])
_MODELS = [
    "BetaGeoModel",
    "ParetoNBDModel",
    "ModifiedBetaGeoModel",
    "GammaGammaModel",
    "BetaGeoBetaBinomModel",
    "ShiftedBetaGeoModel",
]


@pytest.mark.parametrize("name", _MODELS)
@pytest.mark.parametrize(
    "value", [-0.5, 0.0, float("nan"), float("inf"), -float("inf"), "1.0", None, [1.0], True]
)
def test_a_model_document_with_a_parameter_out_of_domain_is_refused(
    model_documents: dict[str, dict[str, object]], name: str, value: object
) -> None:
    import copy

    model = getattr(pm.clv, name)
    for parameter in model_documents[name]["params"]:  # type: ignore[attr-defined]
        document = copy.deepcopy(model_documents[name])
        document["params"][parameter] = value  # type: ignore[index]
        with pytest.raises(pm.DataValidationError, match=rf"argument 'params\['{parameter}'\]'"):
            model.from_dict(document)
    assert model.from_dict(model_documents[name]).params_ == model_documents[name]["params"]


@pytest.mark.parametrize("name", _MODELS)
def test_a_model_document_missing_a_parameter_or_of_another_version_is_refused(
    model_documents: dict[str, dict[str, object]], name: str
) -> None:
    import copy
    import json

    model = getattr(pm.clv, name)
    for parameter in model_documents[name]["params"]:  # type: ignore[attr-defined]
        document = copy.deepcopy(model_documents[name])
        del document["params"][parameter]  # type: ignore[attr-defined]
        with pytest.raises(pm.DataValidationError, match=rf"'{parameter}'"):
            model.from_dict(document)
    for key, value in [("format_version", 99), ("format_version", "1"), ("type", "BetaGeo")]:
        document = {**model_documents[name], key: value}
        with pytest.raises(pm.DataValidationError, match=r"argument 'data'"):
            model.from_dict(document)
    for key in ("params", "hyper_parameters", "n_customers", "covariance"):
        document = {k: v for k, v in model_documents[name].items() if k != key}
        with pytest.raises(pm.DataValidationError, match=rf"'{key}'"):
            model.from_dict(document)
    text = json.dumps(model_documents[name], allow_nan=False)  # the service path: JSON text
    assert model.from_dict(json.loads(text)).params_ == model_documents[name]["params"]


@pytest.mark.parametrize(
    ("path", "value", "argument"),
    [
        (["rules", 0, "discount"], 1.5, "discount"),
        (["rules", 1, "tiers", 0, "discount"], -0.1, "discount"),
        (["rules", 2, "discounts", "wallet"], 3.0, r"discounts\['wallet'\]"),
        (["guardrails", "max_discount"], 2.0, "max_discount"),
        (["guardrails", "budget"], -5.0, "budget"),
        (["guardrails", "new_customer_parity"], "yes", "new_customer_parity"),
        (["exploration"], 2.0, "exploration"),
        (["exploration_arms"], [0.0, 1.5], "exploration_arms"),
        (["format_version"], 99, "data"),
        (["rules", 0, "type"], "os.system", "data"),
    ],
)
def test_a_policy_document_out_of_domain_is_refused(
    path: list[object], value: object, argument: str
) -> None:
    import copy

    document = copy.deepcopy(pm.pricing.differentiated_pricing_policy().to_dict())
    node: object = document
    for key in path[:-1]:
        node = node[key]  # type: ignore[index]
    node[path[-1]] = value  # type: ignore[index]
    with pytest.raises(pm.DataValidationError, match=rf"argument '{argument}'"):
        pm.pricing.PricingPolicy.from_dict(document)


_CLI_TX = pd.DataFrame(
    {
        "customer_id": [1, 1, 2],
        "date": ["2024-01-01", "2024-02-01", "2024-01-05"],
        "amount": [5, 7, 3],
    }
)
_CLI_TOUCHES = pd.DataFrame(
    {
        "customer_id": [1, 2],
        "timestamp": ["2024-01-01", "2024-01-02"],
        "channel": ["email", "seo"],
    }
)


def _cli_file(tmp_path: Path, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("column", ["customer_id", "date", "amount"])
@pytest.mark.parametrize("command", ["score", "clv", "profile", "price"])
def test_cli_every_subcommand_names_any_missing_column_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, column: str
) -> None:
    extra = ["--list-price", "10"] if command == "price" else []
    path = _cli_file(tmp_path, "tx.csv", _CLI_TX.drop(columns=column))
    assert main([command, path, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"missing column '{column}'" in err[0]


@pytest.mark.parametrize("column", ["customer_id", "timestamp", "channel"])
def test_cli_attribute_names_a_missing_touchpoint_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str
) -> None:
    touches = _cli_file(tmp_path, "touches.csv", _CLI_TOUCHES.drop(columns=column))
    conversions = _cli_file(tmp_path, "tx.csv", _CLI_TX)
    assert main(["attribute", touches, "--conversions", conversions]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"missing column '{column}'" in err[0]


@pytest.mark.parametrize(
    ("command", "roster", "message"),
    [
        ("price", {"id": [1, 2]}, "no customer id column 'customer_id'"),
        ("score", {"id": [1, 2]}, "no customer id column 'customer_id'"),
        ("price", {"customer_id": [1, 2]}, "no consent column 'consent_personalised_pricing'"),
    ],
)
def test_cli_a_roster_without_its_columns_exits_2_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    roster: dict[str, list[int]],
    message: str,
) -> None:
    extra = ["--list-price", "10"] if command == "price" else []
    customers = _cli_file(tmp_path, "roster.csv", pd.DataFrame(roster))
    args = [command, _cli_file(tmp_path, "tx.csv", _CLI_TX), *extra, "--customers", customers]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


@pytest.mark.parametrize(
    "call",
    [
        lambda tx: pm.CustomerProfiler().fit_transform(tx),
        lambda tx: pm.propensity.make_snapshots(
            tx, cutoffs=["2024-03-15"], horizon=10, labels=False
        ),
        lambda tx: pm.kpi.average_order_value(tx),
    ],
    ids=["CustomerProfiler", "make_snapshots", "average_order_value"],
)
def test_a_total_spend_beyond_float64_is_refused_in_profiles_snapshots_and_kpis(
    call: Callable[[pd.DataFrame], object],
) -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01"],
            "amount": [1.0, 1.5e308, 1.5e308, 2.0],
        }
    )
    with pytest.raises(pm.DataValidationError, match=r"beyond the float64 range .*customer: 1"):
        call(tx)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: pm.PropensityModel(estimator="hgb").fit(_X, _Y), "estimator"),
        (
            lambda: pm.propensity.TwoModelUplift(estimator="hgb").fit(_X, _Y, treated=_T),
            "estimator",
        ),
        (
            lambda: pm.propensity.XLearnerUplift(effect_estimator="ols").fit(_X, _Y, treated=_T),
            "effect_estimator",
        ),
        (
            lambda: pm.pricing.simulate_policy(
                "policy",  # type: ignore[arg-type]
                _PRICING_CUSTOMERS,
                lambda d, f: np.zeros(len(d)),
                prices=100.0,
            ),
            "policy",
        ),
        (
            lambda: pm.pricing.evaluate_offline("policy", _PRICING_CUSTOMERS, prices=100.0),  # type: ignore[arg-type]
            "policy",
        ),
    ],
    ids=[
        "PropensityModel",
        "TwoModelUplift",
        "XLearnerUplift",
        "simulate_policy",
        "evaluate_offline",
    ],
)
def test_a_model_passed_as_a_string_is_refused_at_the_call(
    call: Callable[[], object], argument: str
) -> None:
    with pytest.raises(pm.DataValidationError, match=rf"argument '{argument}': a str"):
        call()


def test_compare_models_refuses_a_model_name(holdout_split: tuple[object, pd.DataFrame]) -> None:
    with pytest.raises(pm.DataValidationError, match="argument 'models': a str"):
        pm.clv.compare_models(holdout_split[1], ["bgnbd"])  # type: ignore[list-item]


# Sweep of recent entry points (issue 22, item 5): each case misbehaved before (a pandas or
# scikit-learn error, or a silent answer) and is now refused naming the argument.

_NBA_ROSTER = pd.DataFrame(
    {"customer_lifetime_value": [100.0, 40.0, 80.0], "consent_marketing": True},
    index=pd.Index([1, 2, 3], name="customer_id"),
)
_NBA_UPLIFT = pd.DataFrame({"email": [0.02, 0.05, 0.04]}, index=_NBA_ROSTER.index)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"uplift": _NBA_UPLIFT * 100}, r"argument 'uplift': 3 values outside \[-1, 1\]"),
        ({"uplift": pd.concat([_NBA_UPLIFT, _NBA_UPLIFT])}, r"argument 'uplift' index: 3 dup"),
        (
            {"margins": pd.DataFrame({"email": [0.5, np.nan, 0.5]}, index=_NBA_ROSTER.index)},
            r"argument 'margins': 1 missing value \(first customer: 2\)",
        ),
        (
            {"eligibility": pd.DataFrame({"email": "yes"}, index=_NBA_ROSTER.index)},
            r"argument 'eligibility' column 'email': values of dtype",
        ),
    ],
    ids=["uplift in percent", "duplicate uplift ids", "NaN margin", "text eligibility"],
)
def test_next_best_action_refuses_hostile_tables(kwargs: dict[str, object], match: str) -> None:
    # Before: a silent plan (uplift 2.0-5.0, a NaN margin replaced by the default), a pandas
    # TypeError or InvalidIndexError.
    from precimark.actions import Action, NextBestAction

    arguments: dict[str, object] = {"uplift": _NBA_UPLIFT, **kwargs}
    nba = NextBestAction([Action("email", cost=0.1, channel="email")])
    with pytest.raises(pm.DataValidationError, match=match):
        nba.decide(_NBA_ROSTER, **arguments)  # type: ignore[arg-type]


def test_clv_tracking_and_segment_value_refuse_a_model_given_as_text() -> None:
    # Before: scikit-learn's TypeError "... is not an estimator instance" and an AttributeError.
    tx = pm.datasets.make_transactions(30, random_state=1).transactions
    rfm = pm.rfm_summary(tx, time_unit="W")
    model = pm.BetaGeoModel().fit(rfm)
    with pytest.raises(pm.DataValidationError, match=r"argument 'model': a str"):
        pm.clv.tracking("bgnbd", tx, "2024-10-01", "2025-05-01")  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match=r"argument 'purchase_model': a str"):
        pm.clv.segment_value("bgnbd", model, rfm, horizon=52, discount_rate=0.01, discount_period=4)  # type: ignore[arg-type]
    with pytest.raises(pm.DataValidationError, match=r"argument 'spend_model': a str"):
        pm.clv.segment_value(model, "gg", rfm, horizon=52, discount_rate=0.01, discount_period=4)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        (pd.DataFrame({0: ["a"], 1: ["b"]}), r"argument 'matrix': 2 non-numeric columns"),
        (pd.DataFrame({0: [1.0, 1.0], 1: [0.5, 5.0]}), r"1 values outside \[0, 1\] .*cohort: 1"),
        (pd.DataFrame({0: [1.0], 1: [np.inf]}), r"1 values outside \[0, 1\]"),
    ],
    ids=["text", "a share above 1", "infinity"],
)
def test_plot_cohort_retention_refuses_what_is_not_a_share(
    matrix: pd.DataFrame, match: str
) -> None:
    # Before: numpy's "could not convert string to float" and a silent chart of 5.0 / inf.
    pytest.importorskip("matplotlib")
    from precimark.plot import plot_cohort_retention  # not imported by `import precimark`

    with pytest.raises(pm.DataValidationError, match=match):
        plot_cohort_retention(matrix)


def test_segment_value_refuses_duplicate_or_text_groups_and_margins() -> None:
    # Before: pandas' "cannot reindex on an axis with duplicate labels" and numpy's "could not
    # convert string to float".
    tx = pm.datasets.make_transactions(30, random_state=1).transactions
    rfm = pm.rfm_summary(tx, time_unit="W")
    model = pm.BetaGeoModel().fit(rfm)
    spend = pm.GammaGammaModel().fit(rfm[rfm["frequency"] > 0])
    groups = pd.Series("a", index=rfm.index)
    kwargs: dict[str, object] = {"horizon": 52, "discount_rate": 0.01, "discount_period": 4}
    with pytest.raises(pm.DataValidationError, match=r"argument 'groups' index: .*duplicated"):
        pm.clv.segment_value(model, spend, rfm, groups=pd.concat([groups, groups]), **kwargs)  # type: ignore[arg-type]
    twice = pd.concat([pd.Series(0.5, index=rfm.index)] * 2)
    with pytest.raises(pm.DataValidationError, match=r"argument 'margin' index: .*duplicated"):
        pm.clv.segment_value(model, spend, rfm, margin=twice, **kwargs)  # type: ignore[arg-type]
    text = pd.Series("high", index=rfm.index)
    with pytest.raises(pm.DataValidationError, match=r"argument 'margin': .* missing margin"):
        pm.clv.segment_value(model, spend, rfm, margin=text, **kwargs)  # type: ignore[arg-type]


def test_report_build_refuses_a_title_that_is_not_text() -> None:
    tx = pm.datasets.make_transactions(20, random_state=1).transactions
    with pytest.raises(pm.DataValidationError, match=r"argument 'title': a int"):
        pm.report.build(tx, title=5)  # type: ignore[arg-type]


def test_report_build_refuses_a_propensity_estimator_given_as_text() -> None:
    tx = pm.datasets.make_transactions(20, random_state=1).transactions
    with pytest.raises(pm.DataValidationError, match=r"argument 'estimator': a str"):
        pm.report.build(tx, propensity_estimator="xgboost")


@pytest.mark.parametrize(
    ("bad", "found"),
    [
        (np.nan, "1 missing count (NaN) (first post: row 3)"),
        (-1.0, "1 negative value (first post: row 3); expected counts >= 0."),
        (np.inf, "1 infinite count (first post: row 3)"),
    ],
)
def test_engagement_counts_are_refused_in_the_words_of_posts(bad: float, found: str) -> None:
    posts = pm.datasets.make_posts(random_state=0).posts
    posts["likes"] = posts["likes"].astype(float)
    posts.loc[posts.index[3], "likes"] = bad
    with pytest.raises(pm.DataValidationError) as err:
        pm.channels.daily_counts(posts, metric="engagements")
    message = str(err.value)
    assert message.startswith("column 'likes': ") and found in message
    assert "amount" not in message and "customer" not in message and "Refund" not in message


def test_welch_keeps_each_samples_spread_beside_huge_means() -> None:
    from precimark.kpi.intervals import welch_from_moments

    # means of 1e200 with a standard deviation of 1e30: the half-width is t * 1e30 * sqrt(2/100)
    est = welch_from_moments(100, 1e200, 1e60, 100, 1e200, 1e60, confidence=0.95)
    half = stats.t.ppf(0.975, 198) * 1e30 * np.sqrt(2 / 100)
    assert est.value == 0.0 and est.ci_high == pytest.approx(half, rel=1e-12)
    assert est.warnings == ()
    # a sample of small values beside one of 1e300s keeps its own variance
    small = np.array([1.0, 2.0, 3.0, 4.0])
    big = pm.kpi.mean_difference(np.full(4, 1e300), small)
    # the interval is below the resolution of 1e300, but the spread is not lost: no false
    # "both groups have zero variance"
    assert big.value == 1e300 and big.warnings == () and big.p_value < 1e-10


def test_relative_lift_keeps_each_samples_spread_beside_a_huge_one() -> None:
    # The lift's interval depends only on the ratio of the means and each standard error
    # relative to its mean: samples of 1e198s and 1e-100s give the interval of the same
    # samples near 1, scaled. (Dividing both by one power of two left the small sample's
    # variance below float64's range: a narrower interval, 0.961 for 0.945, silently.)
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.1, 0.3, 200), rng.normal(1.0, 0.3, 200)
    plain = pm.kpi.relative_difference(a, b)
    apart = pm.kpi.relative_difference(np.ldexp(a, 660), np.ldexp(b, -330))
    ratio = np.ldexp(plain.value + 1.0, 990)
    assert apart.value + 1.0 == pytest.approx(ratio, rel=1e-12)
    for bound in ("ci_low", "ci_high"):
        assert getattr(apart, bound) / ratio == pytest.approx(
            (getattr(plain, bound) + 1.0) / (plain.value + 1.0), rel=1e-12
        )
    with pytest.raises(pm.DataValidationError, match="means whose ratio is beyond float64"):
        pm.kpi.relative_difference(np.ldexp(a, 600), np.ldexp(b, -600))


def test_an_object_without_scikit_learn_tags_is_refused_by_name() -> None:
    class Duck:
        def fit(self, X: object, y: object) -> Duck:
            return self

        def predict_proba(self, X: object) -> object:
            return None

    from precimark.propensity._inputs import cloned_classifier

    with pytest.raises(pm.DataValidationError, match=r"argument 'estimator': a Duck"):
        cloned_classifier(Duck())
