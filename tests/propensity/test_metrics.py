"""Propensity and uplift metrics: scikit-uplift / scikit-learn parity, brute force, properties."""

from __future__ import annotations

import contextlib
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve

import precimark as pm
from precimark.datasets import make_uplift_data
from precimark.propensity import metrics as M  # noqa: N812


def _sklift():  # type: ignore[no-untyped-def]
    """scikit-uplift 0.5.1 (test-only oracle; installs and runs on scikit-learn 1.9)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.importorskip("sklift", reason="scikit-uplift (test extra) is the metrics oracle")
        from sklift import metrics
    return metrics


def _data(n: int, seed: int, ties: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = rng.integers(0, 2, n)
    score = rng.integers(0, 8, n).astype(float) if ties else rng.normal(size=n) + 0.3 * y * t
    return y, score, t


# --- parity with scikit-uplift -----------------------------------------------------------------

# scikit-uplift 0.5.1 calls scikit-learn's deprecated stable_cumsum inside its curves.
_SKLIFT_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:Function stable_cumsum is deprecated:FutureWarning"
)


@_SKLIFT_DEPRECATION
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_curves_and_areas_match_scikit_uplift(seed: int, ties: bool) -> None:
    """scikit-uplift's curves already group tied scores, so they must agree with ties too."""
    sk = _sklift()
    y, s, t = _data(300, seed, ties)
    for ours, theirs in [(M.qini_curve, sk.qini_curve), (M.uplift_curve, sk.uplift_curve)]:
        x1, v1 = ours(y, s, t)
        x2, v2 = theirs(y, s, t)
        np.testing.assert_allclose(x1, x2)
        np.testing.assert_allclose(v1, v2, rtol=1e-12, atol=1e-12)
    assert M.qini_auc_score(y, s, t) == pytest.approx(sk.qini_auc_score(y, s, t), rel=1e-10)
    assert M.uplift_auc_score(y, s, t) == pytest.approx(sk.uplift_auc_score(y, s, t), rel=1e-10)


@pytest.mark.parametrize("strategy", ["overall", "by_group"])
@pytest.mark.parametrize("k", [0.1, 0.3, 0.55, 25])
def test_uplift_at_k_matches_scikit_uplift_without_ties(strategy: str, k: float) -> None:
    """Without ties the top k is unambiguous, so both implementations must agree exactly."""
    y, s, t = _data(250, 3, ties=False)
    expected = _sklift().uplift_at_k(y, s, t, strategy=strategy, k=k)
    assert M.uplift_at_k(y, s, t, k=k, strategy=strategy) == pytest.approx(expected, rel=1e-12)


def test_continuous_outcomes_follow_the_same_formulas() -> None:
    """Spend instead of conversions: the curves are the scikit-uplift formulas, by hand."""
    rng = np.random.default_rng(5)
    y = rng.gamma(2.0, 10.0, 40)
    t = rng.integers(0, 2, 40)
    s = rng.normal(size=40)
    order = np.argsort(-s)
    ys, ts = y[order], t[order]
    x, q = M.qini_curve(y, s, t)
    _, u = M.uplift_curve(y, s, t)
    for n in (5, 17, 40):
        yt, yc = ys[:n][ts[:n] == 1].sum(), ys[:n][ts[:n] == 0].sum()
        nt, nc = (ts[:n] == 1).sum(), (ts[:n] == 0).sum()
        assert x[n] == n
        assert q[n] == pytest.approx(yt - yc * nt / nc)
        assert u[n] == pytest.approx((yt / nt - yc / nc) * n)


# --- tie handling against brute force ----------------------------------------------------------


def _mean_over_tie_breaks(metric, y: np.ndarray, s: np.ndarray, *args: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """Average a metric over every order of the rows (each tie broken every possible way)."""
    values = []
    for perm in itertools.permutations(range(len(y))):
        rank = np.empty(len(y))
        # scores made distinct by the permutation, order between distinct scores kept
        rank[list(perm)] = np.arange(len(y)) * 1e-6
        values.append(metric(y, s + rank, *args))
    return float(np.mean(values))


def test_precision_at_k_is_the_expectation_over_tie_breaks() -> None:
    y = np.array([1, 0, 1, 0, 1, 1])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.2, 0.9])
    for k in (1, 2, 3, 4, 5):
        expected = _mean_over_tie_breaks(lambda a, b, k=k: M.precision_at_k(a, b, k=k), y, s)
        assert M.precision_at_k(y, s, k=k) == pytest.approx(expected)


def test_uplift_at_k_is_the_expectation_of_arm_sums_over_tie_breaks() -> None:
    """The tie-weighted arm means are ratios of the expected arm sums and counts."""
    y = np.array([1, 0, 1, 0, 1, 1, 0])
    t = np.array([1, 1, 0, 0, 1, 0, 1])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.5, 0.1, 0.9])
    w_sum_t, w_n_t, w_sum_c, w_n_c = 0.0, 0.0, 0.0, 0.0
    perms = list(itertools.permutations(range(7)))
    for perm in perms:
        order = np.lexsort((np.asarray(perm), -s))[:4]
        w_sum_t += y[order][t[order] == 1].sum()
        w_n_t += (t[order] == 1).sum()
        w_sum_c += y[order][t[order] == 0].sum()
        w_n_c += (t[order] == 0).sum()
    expected = w_sum_t / w_n_t - w_sum_c / w_n_c
    assert M.uplift_at_k(y, s, t, k=4) == pytest.approx(expected)


# --- properties ---------------------------------------------------------------------------------

_designs = st.integers(min_value=8, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.randoms(use_true_random=False),
    )
)


def _valid(y: np.ndarray, t: np.ndarray) -> bool:
    perfect = y * (2 * t - 1)
    return bool(0 < t.sum() < len(t) and len(np.unique(perfect)) > 1 and y[t == 1].sum() > 0)


@settings(max_examples=60, deadline=None)
@given(_designs)
def test_uplift_scores_are_invariant_to_row_order_and_monotone_transforms(design) -> None:  # type: ignore[no-untyped-def]
    y, s, t, rnd = (
        np.asarray(design[0]),
        np.asarray(design[1], float),
        np.asarray(design[2]),
        design[3],
    )
    if not _valid(y, t):
        return
    perm = np.asarray(rnd.sample(range(len(y)), len(y)))
    transformed = np.exp(3 * s) - 7  # strictly increasing
    for metric in (M.qini_auc_score, M.uplift_auc_score):
        try:
            base = metric(y, s, t)
        except pm.DataValidationError:
            continue  # degenerate design (no room above random): refused, never NaN
        assert np.isfinite(base)
        assert metric(y[perm], s[perm], t[perm]) == pytest.approx(base, abs=1e-12)
        assert metric(y, transformed, t) == pytest.approx(base, abs=1e-12)
    k = max(2, len(y) // 2)
    try:
        at_k = M.uplift_at_k(y, s, t, k=k)
    except pm.DataValidationError:
        return
    assert M.uplift_at_k(y[perm], s[perm], t[perm], k=k) == pytest.approx(at_k, abs=1e-12)
    assert M.uplift_at_k(y, transformed, t, k=k) == pytest.approx(at_k, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(_designs, st.floats(-5, 5))
def test_constant_scores_give_zero_and_perfect_ranking_gives_one(design, value: float) -> None:  # type: ignore[no-untyped-def]
    y, t = np.asarray(design[0]), np.asarray(design[2])
    if not _valid(y, t):
        return
    constant = np.full(len(y), value)
    assert M.qini_auc_score(y, constant, t) == pytest.approx(0.0, abs=1e-12)
    assert M.qini_auc_score(y, y * (2 * t - 1), t) == pytest.approx(1.0)
    with contextlib.suppress(pm.DataValidationError):  # degenerate: refused, never NaN
        assert M.uplift_auc_score(y, constant, t) == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(_designs)
def test_propensity_metrics_are_invariant_to_row_order_and_monotone_transforms(design) -> None:  # type: ignore[no-untyped-def]
    y, s, rnd = np.asarray(design[0]), np.asarray(design[1], float), design[3]
    if y.sum() == 0:
        return
    perm = np.asarray(rnd.sample(range(len(y)), len(y)))
    transformed = 2 * s**3 + 1
    for k in (0.1, 0.5, 3):
        p = M.precision_at_k(y, s, k=k)
        assert M.precision_at_k(y[perm], s[perm], k=k) == pytest.approx(p)
        assert M.lift_at_k(y, transformed, k=k) == pytest.approx(p / y.mean())
    table = M.gain_table(y, s, n_bins=4)
    shuffled = M.gain_table(y[perm], s[perm], n_bins=4)
    np.testing.assert_allclose(table.to_numpy(), shuffled.to_numpy())
    assert table["n"].sum() == len(y)
    assert table["cumulative_capture"].iloc[-1] == pytest.approx(1.0)
    assert np.average(table["lift"], weights=table["n"]) == pytest.approx(1.0)


def test_perfect_ranking_beats_the_oracle_which_beats_random() -> None:
    """On simulated campaigns: perfect (1) > true-uplift ranking > random (about 0)."""
    d = make_uplift_data(20_000, random_state=11)
    y, t = d["outcome"], d["treatment"]
    perfect = M.qini_auc_score(y, y * (2 * t - 1), t)
    oracle = M.qini_auc_score(y, d["true_uplift"], t)
    noise = M.qini_auc_score(y, np.random.default_rng(0).normal(size=len(y)), t)
    assert perfect == pytest.approx(1.0)
    assert 0.1 < oracle < perfect
    assert abs(noise) < 0.05 < oracle


# --- propensity metrics against scikit-learn / by hand ----------------------------------------


@pytest.mark.parametrize("n_bins", [5, 10, 15])
def test_ece_matches_scikit_learn_calibration_curve(n_bins: int) -> None:
    rng = np.random.default_rng(n_bins)
    p = rng.beta(2, 5, 3_000)
    y = (rng.random(3_000) < np.clip(p * 1.3, 0, 1)).astype(int)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    counts = np.histogram(p, bins=np.linspace(0, 1, n_bins + 1))[0]
    expected = np.sum(counts[counts > 0] * np.abs(prob_true - prob_pred)) / len(y)
    assert M.expected_calibration_error(y, p, n_bins=n_bins) == pytest.approx(expected, rel=1e-10)


def test_ece_is_near_zero_for_calibrated_probabilities_and_not_otherwise() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(100_000)
    y = (rng.random(100_000) < p).astype(int)
    assert M.expected_calibration_error(y, p) < 0.01
    assert M.expected_calibration_error(y, p**2) > 0.1


def test_gain_table_without_ties_matches_pandas_deciles() -> None:
    rng = np.random.default_rng(1)
    s = rng.normal(size=1_000)
    y = (rng.random(1_000) < 1 / (1 + np.exp(-2 * s))).astype(int)
    table = M.gain_table(y, s)
    order = np.argsort(-s)
    for b in range(10):
        rows = order[b * 100 : (b + 1) * 100]
        assert table.loc[b + 1, "n"] == 100
        assert table.loc[b + 1, "actual_rate"] == pytest.approx(y[rows].mean())
        assert table.loc[b + 1, "mean_predicted"] == pytest.approx(s[rows].mean())
    assert table["lift"].iloc[0] == pytest.approx(y[order[:100]].mean() / y.mean())
    assert table["lift"].is_monotonic_decreasing


def test_lift_and_precision_at_k_by_hand() -> None:
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
    s = np.arange(10.0)[::-1]  # row 0 best
    assert M.precision_at_k(y, s, k=0.2) == 0.5
    assert M.lift_at_k(y, s, k=0.2) == pytest.approx(0.5 / 0.3)
    assert M.precision_at_k(y, s, k=1.0) == pytest.approx(0.3)


# --- intervals, scorer, errors -------------------------------------------------------------------


def test_bootstrap_interval_is_reproducible_and_covers_the_truth() -> None:
    """The interval for the uplift in the top 30% contains the true value in most replicates."""
    hits = 0
    for rep in range(20):
        d = make_uplift_data(2_000, random_state=100 + rep)
        score = d["true_uplift"].to_numpy()
        cut = np.quantile(score, 0.7)
        truth = d["true_uplift"][score > cut].mean()
        ci = M.bootstrap_interval(
            M.uplift_at_k,
            d["outcome"],
            score,
            d["treatment"],
            k=0.3,
            random_state=rep,
            n_resamples=200,
        )
        hits += ci.ci_low <= truth <= ci.ci_high
    assert hits >= 16  # nominal 95%: P(hits < 16 | p = 0.95) < 0.02
    d = make_uplift_data(500, random_state=1)
    first = M.bootstrap_interval(
        M.qini_auc_score, d["outcome"], d["x1"], d["treatment"], random_state=3, n_resamples=50
    )
    again = M.bootstrap_interval(
        M.qini_auc_score, d["outcome"], d["x1"], d["treatment"], random_state=3, n_resamples=50
    )
    assert first == again
    assert first.ci_low <= first.value <= first.ci_high
    assert first.confidence == 0.95 and first.n == 500


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: M.qini_auc_score([1, 0, 1], [0.1, np.nan, 0.3], [1, 0, 1]), "'uplift'.*missing"),
        (lambda: M.qini_auc_score([1, 0, 1], [0.1, 0.2, 0.3], [1, 1, 1]), "only treated"),
        (lambda: M.qini_auc_score([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4], [1, 0, 1, 0]), "no room"),
        (
            lambda: M.uplift_auc_score([2.5, 0, 1, 0], [0.1, 0.2, 0.3, 0.4], [1, 0, 1, 0]),
            "other than 0 and 1",
        ),
        (lambda: M.uplift_at_k([1, 0, 1, 0], [4, 3, 2, 1], [1, 1, 0, 0], k=0.5), "no control row"),
        (lambda: M.lift_at_k([0, 0, 0], [0.1, 0.2, 0.3]), "no positive"),
        (lambda: M.precision_at_k([1, 0], [0.1, 0.2], k=1.5), "float is a share"),
        (lambda: M.precision_at_k([1, 0], [0.1], k=1), "2 values"),
        (lambda: M.expected_calibration_error([1, 0], [0.1, 1.2]), "outside"),
        (lambda: M.gain_table([0, 0], [0.1, 0.2]), "zero total"),
        (lambda: M.make_uplift_scorer(), "routing"),
    ],
)
def test_bad_input_is_refused_never_nan(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(pm.DataValidationError, match=match):
        call()


def test_make_uplift_scorer_requests_treatment() -> None:
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = M.make_uplift_scorer("uplift_at_k", k=0.2)
        routing = scorer.get_metadata_routing()
    assert routing.consumes("score", ["treatment"]) == {"treatment"}


def test_bootstrap_interval_old_spellings_are_deprecated() -> None:
    d = make_uplift_data(300, random_state=2)
    args = (M.qini_auc_score, d["outcome"], d["x1"], d["treatment"])
    new = M.bootstrap_interval(*args, random_state=1, n_resamples=30, confidence=0.8)
    with pytest.warns(FutureWarning, match="use confidence="):
        old = M.bootstrap_interval(*args, random_state=1, n_resamples=30, confidence_level=0.8)  # type: ignore[call-arg]
    assert old == new and new.confidence == 0.8
    assert (
        new.ci_high - new.ci_low
        < M.bootstrap_interval(*args, random_state=1, n_resamples=30, confidence=0.99).width + 1e-12
    )
    with pytest.warns(FutureWarning, match="Interval is deprecated"):
        legacy = M.Interval
    assert legacy._fields[:3] == ("estimate", "low", "high")


# --- tables, equal-mass calibration, Brier (issue 23) ---------------------------------------------


# scikit-uplift 0.5.1's uplift_by_percentile calls set_index(inplace=...), deprecated in pandas 3.1.
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.set_index:Warning")
@pytest.mark.parametrize("strategy", ["overall", "by_group"])
def test_uplift_by_decile_equals_scikit_uplift(strategy: str) -> None:
    """Distinct scores, rows (and each arm, for by_group) a multiple of the bins; 0/1
    outcomes (scikit-uplift's tables take no other)."""
    from precimark.datasets import make_uplift_data
    from precimark.propensity.metrics import response_rate_by_percentile, uplift_by_decile

    sk = _sklift()
    d = make_uplift_data(2_000, random_state=4)
    if strategy == "by_group":  # 950 rows per arm
        d = pd.concat([d[d["treatment"] == 1].iloc[:950], d[d["treatment"] == 0].iloc[:950]])
    y, t = d["outcome"].to_numpy(), d["treatment"].to_numpy()
    score = d["true_uplift"].to_numpy() + np.random.default_rng(0).normal(0, 1e-6, len(d))
    ours = uplift_by_decile(y, score, t, strategy=strategy)  # type: ignore[arg-type]
    theirs = sk.uplift_by_percentile(y, score, t, strategy=strategy, std=True)
    np.testing.assert_array_equal(ours["n_treated"], theirs["n_treatment"])
    np.testing.assert_array_equal(ours["n_control"], theirs["n_control"])
    for mine, other in [
        ("response_rate_treated", "response_rate_treatment"),
        ("response_rate_control", "response_rate_control"),
        ("uplift", "uplift"),
        ("std_uplift", "std_uplift"),
    ]:
        np.testing.assert_allclose(ours[mine], theirs[other], rtol=1e-10, atol=1e-12)
    rate, variance, n = sk.response_rate_by_percentile(
        y, score, t, group="control", strategy=strategy, bins=10
    )
    table = response_rate_by_percentile(y, score, t, group="control", strategy=strategy)  # type: ignore[arg-type]
    np.testing.assert_allclose(table["response_rate"], rate, rtol=1e-12)
    np.testing.assert_allclose(table["variance"], variance, rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(table["n"], n)


def test_uplift_by_decile_cumulative_gain_is_the_uplift_curve_at_the_bin_ends() -> None:
    from precimark.datasets import make_uplift_data
    from precimark.propensity.metrics import uplift_by_decile

    d = make_uplift_data(3_000, random_state=5)
    y, t, score = d["outcome"], d["treatment"], d["true_uplift"]
    table = uplift_by_decile(y, score, t, n_bins=5, confidence=0.9)
    x, curve = M.uplift_curve(y, score, t)
    ends = np.cumsum(table["n_treated"] + table["n_control"]).to_numpy()
    np.testing.assert_allclose(table["cumulative_gain"], curve[np.searchsorted(x, ends)])
    z = 1.6448536269514722
    np.testing.assert_allclose(table["ci_high"] - table["uplift"], z * table["std_uplift"])
    assert (table["confidence"] == 0.9).all()


def test_uplift_by_decile_interval_covers_the_true_bin_uplift() -> None:
    """Coverage of the 90% Wald interval of the top bin's uplift over 40 campaigns (score =
    true uplift, so the bin's truth is the mean true uplift of its rows). 40 x 0.9 = 36 with
    binomial SD 1.9: at least 31 must cover."""
    from precimark.datasets import make_uplift_data
    from precimark.propensity.metrics import uplift_by_decile

    covered = 0
    for seed in range(40):
        d = make_uplift_data(2_000, random_state=seed)
        table = uplift_by_decile(
            d["outcome"], d["true_uplift"], d["treatment"], n_bins=4, confidence=0.9
        )
        top = d["true_uplift"].rank(ascending=False, method="first") <= 500
        truth = d.loc[top, "true_uplift"].mean()
        covered += int(table.loc[1, "ci_low"] <= truth <= table.loc[1, "ci_high"])
    assert covered >= 31


def test_uplift_by_decile_refuses_a_bin_without_an_arm() -> None:
    from precimark.propensity.metrics import uplift_by_decile

    with pytest.raises(pm.DataValidationError, match=r"n_bins.*hold no (treated|control) row"):
        uplift_by_decile([1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1], [1, 1, 0, 0], n_bins=2)


def test_equal_mass_calibration_error_and_brier_at_a_rare_base_rate() -> None:
    """Base rate 0.5%: equal-width bins put every row into [0, 0.1), where a model that
    ranks nothing right looks calibrated; equal-mass bins see the miscalibration."""
    from precimark.propensity.metrics import brier_score

    rng = np.random.default_rng(0)
    truth = rng.uniform(0.0, 0.01, 40_000)
    y = (rng.random(40_000) < truth).astype(int)
    wrong = 0.01 - truth  # the right mean, the reversed order
    uniform = M.expected_calibration_error(y, wrong)
    quantile = M.expected_calibration_error(y, wrong, strategy="quantile")
    assert uniform < 0.001  # one bin: |mean y - mean p|
    assert quantile > 2 * M.expected_calibration_error(y, truth, strategy="quantile")
    assert brier_score(y, truth) < brier_score(y, wrong)
    assert brier_score(y, truth) == pytest.approx(np.mean((y - truth) ** 2))


# --- row weights (the T-learner's out-of-fold choice weights its Qini by them) ------------------


@pytest.mark.parametrize("propensity", [False, True])
def test_an_integer_sample_weight_equals_repeating_the_row(propensity: bool) -> None:
    """Curves (both axes) and normalised areas with integer weights equal those of the data
    with each row repeated that many times; zero drops the row; with propensities the
    weights multiply the inverse-propensity weights."""
    rng = np.random.default_rng(5)
    n = 400
    d = make_uplift_data(n, random_state=5)
    y, t = d["outcome"].to_numpy(), d["treatment"].to_numpy()
    score = np.round(d["x1"].to_numpy(), 1)  # ties
    weights = rng.integers(0, 4, n)
    e = np.clip(0.5 + 0.3 * np.tanh(d["x2"].to_numpy()), 0.05, 0.95) if propensity else None
    repeated = np.repeat(np.arange(n), weights)
    by_weight = {"propensity": e, "sample_weight": weights}
    by_rows = {"propensity": None if e is None else e[repeated]}
    for curve in (M.qini_curve, M.uplift_curve):
        x, values = curve(y, score, t, **by_weight)
        x_rows, values_rows = curve(y[repeated], score[repeated], t[repeated], **by_rows)
        np.testing.assert_allclose(x, x_rows, rtol=1e-12)
        np.testing.assert_allclose(values, values_rows, rtol=1e-10, atol=1e-10)
    for area in (M.qini_auc_score, M.uplift_auc_score):
        weighted = area(y, score, t, **by_weight)
        assert weighted == pytest.approx(
            area(y[repeated], score[repeated], t[repeated], **by_rows), rel=1e-10
        )
        assert weighted != pytest.approx(area(y, score, t, propensity=e), rel=1e-6)
        ones = area(y, score, t, propensity=e, sample_weight=np.ones(n))
        assert ones == pytest.approx(area(y, score, t, propensity=e), rel=1e-12)


def test_sample_weight_is_checked_and_resampled_by_the_bootstrap() -> None:
    d = make_uplift_data(300, random_state=2)
    y, score, t = d["outcome"], d["x1"], d["treatment"]
    negative = np.ones(300)
    negative[7] = -1.0
    with pytest.raises(pm.DataValidationError, match=r"'sample_weight'.*1 negative.*position 7"):
        M.qini_auc_score(y, score, t, sample_weight=negative)
    no_control = np.where(t == 1, 1.0, 0.0)
    with pytest.raises(pm.DataValidationError, match="no positive weight among the control"):
        M.uplift_curve(y, score, t, sample_weight=no_control)
    with pytest.raises(pm.DataValidationError, match=r"'sample_weight'.*299 values"):
        M.qini_curve(y, score, t, sample_weight=np.ones(299))
    weights = np.where(d["x0"] > 0, 3.0, 1.0)
    ci = M.bootstrap_interval(
        M.qini_auc_score, y, score, t, random_state=0, n_resamples=50, sample_weight=weights
    )
    assert ci.value == pytest.approx(M.qini_auc_score(y, score, t, sample_weight=weights))
    assert ci.ci_low < ci.value < ci.ci_high


def test_rows_of_weight_zero_are_not_there_and_the_scale_of_weights_does_not_matter() -> None:
    """A row of weight 0 is neither checked nor warned about (its propensity may be 0), the
    areas do not depend on the weights' scale (no underflow at 1e-200, no overflow at 1e300),
    a sum that overflows is refused, and the perfect ranking of ``uplift_auc_score`` follows
    the weighted counts."""
    d = make_uplift_data(400, random_state=6)
    y, score, t = d["outcome"].to_numpy(), d["x1"].to_numpy(), d["treatment"].to_numpy()
    e = np.full(400, 0.5)
    e[3] = 0.0
    w = np.ones(400)
    w[3] = 0.0
    keep = w > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overlap warning for the dropped row
        dropped = M.qini_auc_score(y, score, t, propensity=e, sample_weight=w)
    assert dropped == pytest.approx(
        M.qini_auc_score(y[keep], score[keep], t[keep], propensity=e[keep]), rel=1e-12
    )
    with pytest.raises(pm.DataValidationError, match=r"'propensity'.*position 3"):
        M.qini_auc_score(y, score, t, propensity=e)
    for area in (M.qini_auc_score, M.uplift_auc_score):
        plain = area(y, score, t)
        for scale in (1e-200, 1e300):
            assert area(y, score, t, sample_weight=np.full(400, scale)) == pytest.approx(plain)
    with pytest.raises(pm.DataValidationError, match="sum overflows"):
        M.qini_curve(y, score, t, sample_weight=np.full(400, 1e308))
    # 30 control responders of weight 1 against 20 treated non-responders of weight 3: the
    # weighted counts, not the row counts, choose the perfect ranking
    rng = np.random.default_rng(0)
    yy = np.r_[np.ones(30), np.zeros(20), rng.integers(0, 2, 100)]
    tt = np.r_[np.zeros(30), np.ones(20), rng.integers(0, 2, 100)]
    ww = np.r_[np.ones(30), np.full(20, 3), np.ones(100)].astype(int)
    ss = rng.normal(size=150)
    repeated = np.repeat(np.arange(150), ww)
    assert M.uplift_auc_score(yy, ss, tt, sample_weight=ww) == pytest.approx(
        M.uplift_auc_score(yy[repeated], ss[repeated], tt[repeated]), rel=1e-12
    )


def test_bootstrap_resamples_the_weights_with_the_rows() -> None:
    """0/1 weights give exactly the interval of the rows of weight 1 (the others are not
    there, so even three treated rows of positive weight never leave a resample without
    one); a ``propensity=None`` is not passed on to a metric that has no such argument;
    the uplift scorer weights the two areas."""
    d = make_uplift_data(300, random_state=4)
    y, score, t = d["outcome"].to_numpy(), d["x1"].to_numpy(), d["treatment"].to_numpy()
    w = np.where(np.arange(300) % 3 == 0, 1.0, 0.0)
    treated_kept = np.flatnonzero((t == 1) & (w == 1))
    w[treated_kept[3:]] = 0.0  # three treated rows of positive weight
    kept = w > 0
    weighted = M.bootstrap_interval(
        M.qini_auc_score, y, score, t, random_state=0, n_resamples=100, sample_weight=w
    )
    subset = M.bootstrap_interval(
        M.qini_auc_score, y[kept], score[kept], t[kept], random_state=0, n_resamples=100
    )
    assert weighted == subset
    plain = M.bootstrap_interval(M.precision_at_k, y, score, random_state=0, n_resamples=20)
    assert (
        M.bootstrap_interval(
            M.precision_at_k, y, score, random_state=0, n_resamples=20, propensity=None
        )
        == plain
    )
    with sklearn.config_context(enable_metadata_routing=True):
        for metric, weighted_score in (("qini_auc_score", True), ("uplift_at_k", False)):
            routing = M.make_uplift_scorer(metric).get_metadata_routing()
            consumed = routing.consumes("score", ["sample_weight", "treated"])
            assert consumed == ({"sample_weight", "treated"} if weighted_score else {"treated"})
