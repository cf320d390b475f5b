"""ShiftedBetaGeoModel: Fader & Hardie (2007)'s published fits, simulation, DERL, bad input."""

from __future__ import annotations

import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from precimark import persistence
from precimark.clv import ShiftedBetaGeoModel, cohort_survivors
from precimark.exceptions import ConvergenceWarning, DataValidationError

# Fader & Hardie (2007), Table 1: survivors of 1,000 customers at the start of years 1-13;
# the model is fitted on years 1-8 (periods 0-7) and projects years 9-13.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
KEY = b"0123456789abcdef-test-only"


@pytest.fixture(scope="module")
def regular() -> ShiftedBetaGeoModel:
    return ShiftedBetaGeoModel().fit(REGULAR[:8])


@pytest.fixture(scope="module")
def high_end() -> ShiftedBetaGeoModel:
    return ShiftedBetaGeoModel().fit(HIGH_END[:8])


def _simulate(
    alpha: float, beta: float, sizes: list[int], ages: list[int], rng: np.random.Generator
) -> pd.DataFrame:
    """Cohorts of known truth: theta ~ Beta, lifetimes shifted-geometric, survivors per age."""
    rows = []
    for cohort, (size, age) in enumerate(zip(sizes, ages, strict=True)):
        lifetimes = rng.geometric(rng.beta(alpha, beta, size))  # periods paid for, >= 1
        rows += [(cohort, t, int((lifetimes > t).sum())) for t in range(age + 1)]
    return pd.DataFrame(rows, columns=["cohort", "period", "n_active"])


# ------------------------------------------------------------------ published values


@pytest.mark.parametrize(
    ("counts", "alpha", "beta"),
    [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)],
    ids=["regular", "high_end"],
)
def test_published_parameters(counts: list[int], alpha: float, beta: float) -> None:
    model = ShiftedBetaGeoModel().fit(counts[:8])
    assert round(model.params_["alpha"], 3) == alpha
    assert round(model.params_["beta"], 3) == beta
    assert model.n_customers_ == 1000
    assert model.boundary_ == {}


def _by_hand_ll(counts: list[int], a: float, b: float) -> float:
    """Fader & Hardie's spreadsheet recursion: P(T=1) = a/(a+b),
    P(T=t) = (b+t-2)/(a+b+t-1) P(T=t-1); S(t) = S(t-1) - P(T=t)."""
    p, s, ll = a / (a + b), 1.0, 0.0
    for t in range(1, len(counts)):
        if t > 1:
            p *= (b + t - 2) / (a + b + t - 1)
        s -= p
        ll += (counts[t - 1] - counts[t]) * np.log(p)
    return ll + counts[-1] * np.log(s)


def test_published_fit_is_the_maximum_of_a_by_hand_likelihood(
    regular: ShiftedBetaGeoModel,
) -> None:
    a, b = regular.params_["alpha"], regular.params_["beta"]
    assert regular.log_likelihood_ == pytest.approx(_by_hand_ll(REGULAR[:8], a, b), rel=1e-12)
    for da, db in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        assert _by_hand_ll(REGULAR[:8], a + da, b + db) < regular.log_likelihood_


@pytest.mark.parametrize(("counts", "tolerance"), [(REGULAR, 0.02), (HIGH_END, 0.045)])
def test_projected_retention_curve_tracks_the_holdout_years(
    counts: list[int], tolerance: float
) -> None:
    """Fader & Hardie (2007), Fig. 5: the fitted sBG projects years 9-13 closely."""
    model = ShiftedBetaGeoModel().fit(counts[:8])
    projected = model.survival(range(13)).to_numpy() * 1000
    actual = np.array(counts, dtype=float)
    assert np.all(np.abs(projected[8:] / actual[8:] - 1) < tolerance)
    # The retention rate rises with tenure (r(t) = (b+t-1)/(a+b+t-1)) and matches S(t)/S(t-1).
    rates = model.retention_rate(range(1, 13)).to_numpy()
    assert np.all(np.diff(rates) > 0)
    np.testing.assert_allclose(rates, projected[1:] / projected[:-1], rtol=1e-12)


def test_standard_errors_from_the_information_matrix(regular: ShiftedBetaGeoModel) -> None:
    # Central differences of the by-hand log-likelihood give the observed information.
    def ll(a: float, b: float) -> float:
        return _by_hand_ll(REGULAR[:8], a, b)

    a, b, h = regular.params_["alpha"], regular.params_["beta"], 1e-4
    hess = np.empty((2, 2))
    for i, (ei, fi) in enumerate([(h, 0), (0, h)]):
        for j, (ej, fj) in enumerate([(h, 0), (0, h)]):
            hess[i, j] = (
                ll(a + ei + ej, b + fi + fj)
                - ll(a + ei - ej, b + fi - fj)
                - ll(a - ei + ej, b - fi + fj)
                + ll(a - ei - ej, b - fi - fj)
            ) / (4 * h * h)
    np.testing.assert_allclose(regular.covariance_, np.linalg.inv(-hess), rtol=1e-3)
    assert list(regular.summary_["se"]) == pytest.approx(np.sqrt(np.diag(regular.covariance_)))


# ------------------------------------------------------------------ simulation


def test_recovers_known_parameters_from_cohorts_of_different_ages() -> None:
    rng = np.random.default_rng(7)
    cohorts = _simulate(0.8, 2.5, [6000, 5000, 4000, 3000], [8, 6, 4, 2], rng)
    model = ShiftedBetaGeoModel().fit(cohorts)
    se = model.summary_["se"]
    assert model.n_customers_ == 18000
    # Within 4 standard errors (a false failure has probability < 1e-4 per parameter).
    assert abs(model.params_["alpha"] - 0.8) < 4 * se["alpha"]
    assert abs(model.params_["beta"] - 2.5) < 4 * se["beta"]
    assert se["alpha"] < 0.1 and se["beta"] < 0.4  # and informative


def test_wald_intervals_cover_the_truth() -> None:
    """60 replications of one cohort of 1,000 over 6 periods; 95% intervals.

    The count of intervals covering alpha is Binomial(60, 0.95): below 51 with probability
    0.003, so the test asks for at least 51 (85%).
    """
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(60):
        lifetimes = rng.geometric(rng.beta(0.7, 2.0, 1000))
        model = ShiftedBetaGeoModel().fit([int((lifetimes > t).sum()) for t in range(7)])
        row = model.summary_.loc["alpha"]
        covered += int(row["lower_95"] <= 0.7 <= row["upper_95"])
    assert covered >= 51


def test_survival_and_churn_match_simulated_customers() -> None:
    """Given n renewals, the posterior Beta(a, b + n): check against simulated survivors."""
    rng = np.random.default_rng(11)
    model = ShiftedBetaGeoModel()
    model.params_ = {"alpha": 0.7, "beta": 2.0}
    lifetimes = rng.geometric(rng.beta(0.7, 2.0, 400_000))
    renewed_3 = lifetimes[lifetimes > 3] - 3  # remaining periods of those who renewed 3 times
    n = len(renewed_3)
    for t, expected in model.survival([1, 2, 5], renewals=3).items():
        observed = float((renewed_3 > t).mean())
        assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    for t, expected in model.churn_probability([1, 2], renewals=3).items():
        observed = float((renewed_3 == t).mean())
        assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    assert model.churn_probability(1, renewals=3).iloc[0] == pytest.approx(0.7 / (0.7 + 2.0 + 3))


# ------------------------------------------------------------------ DEL, DERL, value


def _brute_derl(alpha: float, beta: float, n: int, d: float, terms: int = 20_000) -> float:
    k = np.arange(terms)
    survive = np.exp(betaln(alpha, beta + n + k + 1) - betaln(alpha, beta + n))
    return float(np.sum(survive * np.exp(-k * np.log1p(d))))


@pytest.mark.parametrize("renewals", [0, 1, 4, 30])
@pytest.mark.parametrize("d", [0.05, 0.1, 0.3])
def test_derl_equals_a_brute_force_sum(
    high_end: ShiftedBetaGeoModel, renewals: int, d: float
) -> None:
    a, b = high_end.params_["alpha"], high_end.params_["beta"]
    assert high_end.expected_residual_lifetime(d, renewals=renewals) == pytest.approx(
        _brute_derl(a, b, renewals, d), rel=1e-9
    )


@pytest.mark.parametrize(("renewals", "d"), [(1000, 0.001), (100_000, 0.01), (0, 0.0005)])
def test_derl_where_scipys_hyp2f1_fails(renewals: int, d: float) -> None:
    """scipy's hyp2f1 returns NaN for b = beta + n ~ 1e3-1e5: the series is summed there."""
    model = ShiftedBetaGeoModel()
    model.params_ = {"alpha": 0.7, "beta": 3.0}
    brute = _brute_derl(0.7, 3.0, renewals, d, terms=200_000)
    assert model.expected_residual_lifetime(d, renewals=renewals) == pytest.approx(brute, rel=1e-9)


def test_derl_refuses_a_rate_too_small_to_sum() -> None:
    model = ShiftedBetaGeoModel()
    model.params_ = {"alpha": 0.7, "beta": 3.0}
    with pytest.raises(DataValidationError, match="too small for the series"):
        model.expected_residual_lifetime(1e-7, renewals=100_000)


def test_derl_at_the_geometric_boundary() -> None:
    with pytest.warns(ConvergenceWarning):
        model = ShiftedBetaGeoModel().fit([round(1000 * 0.8**t) for t in range(10)])
    r = model.retention_rate(1).iloc[0]
    # A homogeneous cohort: renewals every period with probability r, so DERL = r(1+d)/(d+1-r).
    for renewals in (0, 5, 100):
        assert model.expected_residual_lifetime(0.1, renewals=renewals) == pytest.approx(
            r * 1.1 / (0.1 + 1 - r), rel=1e-9
        )


def test_del_counts_the_first_payment(regular: ShiftedBetaGeoModel) -> None:
    d = 0.1
    first = regular.expected_residual_lifetime(d)
    then = regular.expected_residual_lifetime(d, renewals=0)
    assert first == pytest.approx(1 + then / (1 + d), rel=1e-12)
    assert regular.discounted_value(100.0, d) == pytest.approx(100 * first)


def test_undiscounted_lifetime_closed_form_and_refusal() -> None:
    model = ShiftedBetaGeoModel()
    model.params_ = {"alpha": 2.5, "beta": 3.0}
    assert model.expected_residual_lifetime(0.0, renewals=2) == pytest.approx(5.0 / 1.5)
    assert model.expected_residual_lifetime(0.0, renewals=2) == pytest.approx(
        _brute_derl(2.5, 3.0, 2, 0.0, terms=2_000_000), rel=1e-4
    )
    assert model.expected_residual_lifetime(0.0) == pytest.approx((2.5 + 3 - 1) / 1.5)
    model.params_ = {"alpha": 0.7, "beta": 3.0}
    with pytest.raises(DataValidationError, match="infinite"):
        model.expected_residual_lifetime(0.0)


def test_value_per_customer_keeps_the_index(regular: ShiftedBetaGeoModel) -> None:
    renewals = pd.Series([0, 3, 3, 0], index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    value = regular.discounted_value(50.0, 0.1, renewals=renewals)
    assert value.name == "discounted_value"
    assert list(value.index) == ["a", "b", "c", "d"]
    assert value["b"] == pytest.approx(50 * regular.expected_residual_lifetime(0.1, renewals=3))
    assert value["a"] == value["d"] < value["b"]  # survivors are the loyal ones
    with pytest.raises(DataValidationError, match="first customer: b"):
        regular.discounted_value(50.0, 0.1, renewals=pd.Series([1, -1], index=["a", "b"]))


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (
            pd.DataFrame(
                {
                    "cohort": [1, 1, 2, 2, 2],
                    "period": [0, 1, 0, 1, 2],
                    "n_active": [100, 80, 90, 70, 75],
                }
            ),
            r"cohort 2, period 2: 75 after 70",
        ),
        (
            pd.DataFrame({"cohort": ["a", "a"], "period": [0, 1], "n_active": [100, -3]}),
            r"-3.*cohort 'a'",
        ),
        (
            pd.DataFrame({"cohort": ["a", "a"], "period": [0, 1], "n_active": [100, 2.5]}),
            r"not a whole number",
        ),
        (
            pd.DataFrame({"cohort": ["a", "a"], "period": [0, 2], "n_active": [100, 50]}),
            r"cohort 'a' has period 2 where period 1 was due",
        ),
        (
            pd.DataFrame({"cohort": ["a", "a"], "period": [1, 2], "n_active": [100, 50]}),
            r"cohort 'a' has period 1 where period 0 was due",
        ),
        (
            pd.DataFrame({"cohort": ["a", "a"], "period": [0, 1], "n_active": [0, 0]}),
            r"cohort 'a' has 0 customers",
        ),
        (pd.DataFrame({"cohort": ["a"], "period": [0], "n_active": [10]}), r"only period 0"),
        (pd.DataFrame({"cohort": ["a"], "n_active": [10]}), r"period"),
    ],
)
def test_bad_cohorts_are_refused(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(DataValidationError, match=match):
        ShiftedBetaGeoModel().fit(frame)


def test_input_is_not_modified_and_row_order_is_irrelevant() -> None:
    frame = pd.DataFrame(
        {"cohort": [2, 1, 1, 2, 1], "period": [1, 2, 0, 0, 1], "n_active": [60, 50, 100, 90, 70]}
    )
    before = frame.copy()
    shuffled = ShiftedBetaGeoModel().fit(frame)
    pd.testing.assert_frame_equal(frame, before)
    ordered = ShiftedBetaGeoModel().fit(frame.sort_values(["cohort", "period"]))
    assert shuffled.params_ == pytest.approx(ordered.params_, rel=1e-12)


def test_bad_arguments_are_refused(regular: ShiftedBetaGeoModel) -> None:
    with pytest.raises(DataValidationError, match="periods"):
        regular.survival(-1)
    with pytest.raises(DataValidationError, match="periods"):
        regular.retention_rate(0)
    with pytest.raises(DataValidationError, match="a duration"):
        regular.survival("730D")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="renewals"):
        regular.survival(2, renewals=1.5)  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="discount_rate"):
        regular.expected_residual_lifetime(-0.1)
    with pytest.raises(NotFittedError):
        ShiftedBetaGeoModel().survival(1)


def test_homogeneous_cohort_reports_the_geometric_boundary() -> None:
    with pytest.warns(ConvergenceWarning, match="boundary"):
        model = ShiftedBetaGeoModel().fit([round(1000 * 0.8**t) for t in range(10)])
    assert model.boundary_ == {"alpha": "infinity", "beta": "infinity"}
    assert model.retention_rate(1).iloc[0] == pytest.approx(0.8, abs=0.01)
    # Curves stay exact there (betaln differences of parameters ~ 1e12 would be off by 10%).
    r = model.retention_rate(range(1, 6)).to_numpy()
    np.testing.assert_allclose(model.survival(range(1, 6)), np.cumprod(r), rtol=1e-12)
    churn = model.churn_probability(range(1, 6)).to_numpy()
    np.testing.assert_allclose(churn, np.r_[1, np.cumprod(r)[:-1]] * (1 - r), rtol=1e-12)


# ------------------------------------------------------------------ portability


def test_json_round_trip_and_domain_check(regular: ShiftedBetaGeoModel) -> None:
    document = json.loads(json.dumps(regular.to_dict(), allow_nan=False))
    loaded = ShiftedBetaGeoModel.from_dict(document)
    assert loaded.params_ == regular.params_
    pd.testing.assert_frame_equal(loaded.summary_, regular.summary_)
    assert loaded.discounted_value(100.0, 0.1) == regular.discounted_value(100.0, 0.1)
    document["params"]["beta"] = -1.0
    with pytest.raises(DataValidationError, match="beta"):
        ShiftedBetaGeoModel.from_dict(document)
    with pytest.raises(DataValidationError, match="ShiftedBetaGeoModel"):
        ShiftedBetaGeoModel.from_dict({**regular.to_dict(), "type": "BetaGeoModel"})


def test_pickle_clone_and_params(regular: ShiftedBetaGeoModel) -> None:
    loaded = pickle.loads(pickle.dumps(regular))
    assert loaded.survival(5).iloc[0] == regular.survival(5).iloc[0]
    assert clone(regular).get_params() == {"initial_params": None, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        started = ShiftedBetaGeoModel(initial_params={"alpha": 1.0, "beta": 1.0}).fit(REGULAR[:8])
    assert started.params_ == pytest.approx(regular.params_, rel=1e-6)
    with pytest.raises(NotImplementedError, match="lifetimes"):
        regular.to_lifetimes()
    signed = persistence.load_bytes(persistence.dump_bytes(regular, key=KEY), key=KEY)
    assert signed.params_ == regular.params_


# ------------------------------------------------------------------ from a subscription log


def _subscription_log(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Monthly (28-day) subscriptions started over two years, churn theta ~ Beta(0.8, 2.5)."""
    start = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    paid = np.minimum(rng.geometric(rng.beta(0.8, 2.5, n)), 1000)  # 1,000 periods: 77 years
    end = start + pd.to_timedelta(paid * 28 - rng.integers(0, 5, n), unit="D")
    return pd.DataFrame(
        {"start": start, "end": end}, index=pd.Index(np.arange(n), name="customer_id")
    )


def test_cohort_survivors_from_a_subscription_log_recover_the_truth() -> None:
    log = _subscription_log(np.random.default_rng(5), 20_000)
    before = log.copy()
    table = cohort_survivors(log, period="28D", observation_end="2024-06-30")
    pd.testing.assert_frame_equal(log, before)
    assert list(table.columns) == ["cohort", "period", "n_active"]
    assert table.groupby("cohort")["n_active"].first().sum() == 20_000
    model = ShiftedBetaGeoModel().fit(table)
    se = model.summary_["se"]
    assert abs(model.params_["alpha"] - 0.8) < 4 * se["alpha"]
    assert abs(model.params_["beta"] - 2.5) < 4 * se["beta"]


def test_cohort_survivors_censors_what_is_not_known_yet() -> None:
    log = pd.DataFrame(
        {"start": pd.to_datetime(["2024-01-01", "2024-01-01"]), "end": [None, "2024-12-01"]},
        index=["a", "b"],
    )
    # b's end lies after the observation end: active then (the end is not known yet).
    table = cohort_survivors(log, period="30D", observation_end="2024-03-31")
    assert table["n_active"].tolist() == [2, 2, 2, 2]


def test_cohort_survivors_bad_input() -> None:
    log = pd.DataFrame(
        {
            "start": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "end": ["2024-03-01", "2024-01-15"],
        },
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    with pytest.raises(DataValidationError, match=r"ending before it started.*first customer: b"):
        cohort_survivors(log, period="30D", observation_end="2024-06-30")
    log = log.iloc[:1]
    with pytest.raises(DataValidationError, match="fixed length"):
        cohort_survivors(log, period="1M", observation_end="2024-06-30")
    with pytest.raises(DataValidationError, match="before every start"):
        cohort_survivors(log, period="30D", observation_end="2023-06-30")
    missing = pd.DataFrame({"start": [pd.NaT, pd.Timestamp("2024-01-01")], "end": None}, ["a", "b"])
    with pytest.raises(DataValidationError, match=r"missing date.*first customer: a"):
        cohort_survivors(missing, period="30D", observation_end="2024-06-30")
    with pytest.raises(DataValidationError, match="started"):
        cohort_survivors(log, period="30D", observation_end="2024-06-30", start_column="started")
