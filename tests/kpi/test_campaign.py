"""campaign_effect, CUPED, SRM, bootstrap, sales_growth against scipy/statsmodels and simulation."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

import precimark as pm
from precimark.datasets import SimulatedBase
from precimark.kpi import (
    bootstrap,
    campaign_effect,
    cumulative_incremental_revenue,
    mean_difference,
    relative_difference,
    sales_growth,
    sample_ratio_mismatch,
)

# scipy names the seed of stats.bootstrap `rng` from 1.15 on, `random_state` before.
SCIPY_SEED = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


def _test_frame(seed: int, n: int = 4_000, effect: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    treated = rng.permutation(np.arange(n) < n // 2)
    pre = rng.gamma(1.5, 30.0, n)
    buys = rng.random(n) < 0.2 + effect * treated
    revenue = buys * (0.6 * pre + rng.gamma(2.0, 10.0, n))
    return pd.DataFrame(
        {"treated": treated, "bought": buys.astype(int), "revenue": revenue, "pre": pre},
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )


def test_conversion_effect_matches_statsmodels() -> None:
    frame = _test_frame(0)
    before = frame.copy()
    effect = campaign_effect(frame, treatment="treated", metric_column="bought", confidence=0.9)
    t, c = frame[frame["treated"]], frame[~frame["treated"]]
    kt, kc = int(t["bought"].sum()), int(c["bought"].sum())
    low, high = confint_proportions_2indep(kt, len(t), kc, len(c), method="newcomb", alpha=0.1)
    assert effect.kind == "conversion" and effect.difference.method == "newcombe"
    assert (effect.difference.ci_low, effect.difference.ci_high) == pytest.approx(
        (low, high), abs=1e-10
    )
    assert effect.treated.value == pytest.approx(kt / len(t))
    assert effect.incremental_total.value == pytest.approx(effect.difference.value * len(t))
    assert effect.roi is None and effect.srm_p_value == pytest.approx(1.0)
    pd.testing.assert_frame_equal(frame, before)


def test_revenue_effect_matches_scipy_and_gives_roi() -> None:
    frame = _test_frame(1)
    effect = campaign_effect(
        frame, treatment="treated", metric_column="revenue", cost=2_000.0, margin=0.3
    )
    t = frame.loc[frame["treated"], "revenue"]
    c = frame.loc[~frame["treated"], "revenue"]
    res = stats.ttest_ind(t, c, equal_var=False)
    ci = res.confidence_interval()
    assert effect.kind == "mean"
    assert (effect.difference.ci_low, effect.difference.ci_high) == pytest.approx(
        (ci.low, ci.high), abs=1e-10
    )
    assert effect.difference.p_value == pytest.approx(res.pvalue, abs=1e-12)
    assert effect.relative_lift == relative_difference(t, c)
    assert effect.roi is not None
    expected_roi = (0.3 * effect.difference.value * len(t) - 2_000.0) / 2_000.0
    assert effect.roi.value == pytest.approx(expected_roi)
    frame_out = effect.to_frame()
    assert list(frame_out.index) == [
        "treated",
        "control",
        "difference",
        "relative_lift",
        "incremental_total",
        "roi",
    ]


def test_cuped_reduces_variance_and_keeps_coverage() -> None:
    rng = np.random.default_rng(13)
    reps, n = 400, 600
    treated = rng.permuted(np.tile(np.arange(n) < n // 2, (reps, 1)), axis=1)
    pre = rng.gamma(2.0, 20.0, (reps, n))
    revenue = 0.8 * pre + rng.normal(0.0, 15.0, (reps, n)) + 3.0 * treated  # true effect: 3
    hits, widths, reductions = [], [], []
    for t, x, y in zip(treated, pre, revenue, strict=True):
        frame = pd.DataFrame({"t": t, "pre": x, "revenue": y})
        cuped = campaign_effect(
            frame, treatment="t", metric_column="revenue", pre_metric_column="pre"
        )
        hits.append(cuped.difference.contains(3.0))
        widths.append(cuped.difference.width / mean_difference(y[t], y[~t]).width)
        reductions.append(cuped.variance_reduction)
    assert cuped.difference.method == "cuped-welch"
    assert 0.93 <= np.mean(hits) <= 0.97
    assert np.mean(reductions) > 0.5
    # the interval shrinks by sqrt(1 - rho^2), as CUPED promises
    assert np.mean(widths) == pytest.approx(np.sqrt(1 - np.mean(reductions)), rel=0.05)


def test_cuped_point_estimate_is_the_adjusted_difference() -> None:
    frame = _test_frame(2)
    y, x, t = frame["revenue"].to_numpy(), frame["pre"].to_numpy(), frame["treated"].to_numpy()
    theta = np.cov(y, x)[0, 1] / np.var(x, ddof=1)
    expected = (y[t].mean() - y[~t].mean()) - theta * (x[t].mean() - x[~t].mean())
    effect = campaign_effect(
        frame, treatment="treated", metric_column="revenue", pre_metric_column="pre"
    )
    assert effect.difference.value == pytest.approx(expected, rel=1e-12)
    rho2 = np.corrcoef(y, x)[0, 1] ** 2
    assert effect.variance_reduction == pytest.approx(rho2, rel=1e-9)


def test_sample_ratio_mismatch() -> None:
    n_t, n_c = 5_300, 4_700
    chi2 = (n_t - 5_000) ** 2 / 5_000 + (n_c - 5_000) ** 2 / 5_000
    assert sample_ratio_mismatch(n_t, n_c) == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-12)
    assert sample_ratio_mismatch(2_000, 8_000, expected_share=0.2) == pytest.approx(1.0)
    frame = _test_frame(3)
    skewed = pd.concat(
        [frame, frame[frame["treated"]].iloc[:400].set_axis(range(10**6, 10**6 + 400))]
    )
    with pytest.warns(pm.DataQualityWarning, match="sample ratio mismatch"):
        effect = campaign_effect(skewed, treatment="treated", metric_column="bought")
    assert effect.srm_p_value < 0.001 and effect.difference.warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        campaign_effect(frame, treatment="treated", metric_column="bought")


def test_bootstrap_is_reproducible_and_agrees_with_scipy() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.gamma(2.0, 10.0, 300), rng.gamma(2.0, 9.0, 250)

    def diff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x.mean(axis=-1) - y.mean(axis=-1)

    first = bootstrap(diff, a, b, n_resamples=4_000, random_state=5)
    assert bootstrap(diff, a, b, n_resamples=4_000, random_state=5) == first
    assert bootstrap(diff, a, b, n_resamples=4_000, random_state=6) != first
    ref = stats.bootstrap(
        (a, b),
        lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis),
        n_resamples=4_000,
        method="percentile",
        **{SCIPY_SEED: np.random.default_rng(1)},
    ).confidence_interval
    se = np.sqrt(a.var() / 300 + b.var() / 250)
    assert abs(first.ci_low - ref.low) < 0.1 * se and abs(first.ci_high - ref.high) < 0.1 * se
    effect, again = (
        campaign_effect(
            _test_frame(4), treatment="treated", metric_column="revenue", lift_method="bootstrap",
            n_resamples=500, random_state=3,
        )
        for _ in range(2)
    )  # fmt: skip
    assert effect.relative_lift == again.relative_lift
    assert effect.relative_lift.method == "bootstrap-percentile"


def test_bootstrap_lift_coverage() -> None:
    rng = np.random.default_rng(21)
    reps, n = 400, 400
    a = rng.gamma(2.0, 12.0, (reps, n))  # mean 24
    b = rng.gamma(2.0, 10.0, (reps, n))  # mean 20: true lift 0.2

    def lift(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x.mean(axis=-1) / y.mean(axis=-1) - 1

    hits = [
        bootstrap(lift, x, y, n_resamples=500, random_state=i).contains(0.2)
        for i, (x, y) in enumerate(zip(a, b, strict=True))
    ]
    assert 0.93 <= np.mean(hits) <= 0.97


def test_campaign_effect_errors() -> None:
    frame = _test_frame(5, n=50)
    with pytest.raises(pm.DataValidationError, match="column 'treated'"):
        campaign_effect(frame.assign(treated=2), treatment="treated", metric_column="bought")
    gaps = frame.assign(treated=frame["treated"].astype("boolean"))
    gaps.loc[[3, 9], "treated"] = pd.NA
    with pytest.raises(
        pm.DataValidationError, match=r"2 missing assignments \(first customer: 3\)"
    ):
        campaign_effect(gaps, treatment="treated", metric_column="bought")
    with pytest.raises(pm.DataValidationError, match="missing column 'spend'"):
        campaign_effect(frame, treatment="treated", metric_column="spend")
    with pytest.raises(pm.DataValidationError, match=r"values? not 0/1"):
        campaign_effect(frame, treatment="treated", metric_column="revenue", kind="conversion")
    with pytest.raises(pm.DataValidationError, match="at least 2 customers in each group"):
        campaign_effect(frame.assign(treated=True), treatment="treated", metric_column="revenue")
    with pytest.raises(pm.DataValidationError, match="missing or infinite"):
        campaign_effect(frame.assign(revenue=np.nan), treatment="treated", metric_column="revenue")


def _with_treatment(
    sim: SimulatedBase, bonus: float, seed: int = 0
) -> tuple[pd.DataFrame, pd.Index, pd.Index]:
    """Randomise the simulated base into two arms; each treated customer buys ``bonus`` more."""
    rng = np.random.default_rng(seed)
    ids = sim.customers.index
    treated_mask = rng.random(len(ids)) < 0.5
    treated, control = ids[treated_mask], ids[~treated_mask]
    extra = pd.DataFrame(
        {"customer_id": treated, "date": pd.Timestamp("2024-09-15"), "amount": bonus}
    )
    tx = pd.concat([sim.transactions[["customer_id", "date", "amount"]], extra])
    return tx, treated, control


def test_sales_growth_descriptive_and_diff_in_diff(sim_small: SimulatedBase) -> None:
    tx, treated, control = _with_treatment(sim_small, bonus=10.0)
    pre, post = ("2024-07-01", "2024-08-31"), ("2024-09-01", "2024-10-31")
    naive = sales_growth(tx, pre=pre, post=post)
    day = tx["date"].dt.normalize()
    revenue_pre = tx.loc[(day >= pre[0]) & (day <= pre[1]), "amount"].sum()
    revenue_post = tx.loc[(day >= post[0]) & (day <= post[1]), "amount"].sum()
    scale = 61 / 62  # post has 61 days, pre 62: growth compares per day
    assert naive.value == pytest.approx(revenue_post / (revenue_pre * scale) - 1)
    assert naive.method == "descriptive" and "not a campaign effect" in naive.warnings[0]
    did = sales_growth(tx, pre=pre, post=post, control=control)
    assert did.method == "diff-in-diff (welch)" and did.contains(10.0)
    # the same as Welch on per-customer changes computed with pandas
    per = tx.assign(
        period=np.where(day <= pre[1], "pre", "post"), keep=(day >= pre[0]) & (day <= post[1])
    )
    per = per[per["keep"]].pivot_table(
        index="customer_id", columns="period", values="amount", aggfunc="sum", fill_value=0.0
    )
    change = per["post"] - per["pre"] * scale
    a = change.reindex(per.index.difference(control), fill_value=0.0)
    b = change.reindex(control, fill_value=0.0)
    ref = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
    assert (did.ci_low, did.ci_high) == pytest.approx((ref.low, ref.high), abs=1e-9)
    explicit = sales_growth(tx, pre=pre, post=post, control=control, treated=treated)
    assert explicit.n == len(sim_small.customers)
    # unbiased over re-randomisations (true effect 10; one estimate's se is about 0.8)
    draws = [
        sales_growth(tx_s, pre=pre, post=post, control=c_s).value
        for tx_s, _, c_s in (_with_treatment(sim_small, 10.0, seed) for seed in range(1, 21))
    ]
    assert np.mean(draws) == pytest.approx(10.0, abs=0.5)


def test_sales_growth_errors(sim_small: SimulatedBase) -> None:
    tx = sim_small.transactions
    with pytest.raises(pm.DataValidationError, match="argument 'post'"):
        sales_growth(tx, pre=("2024-07-01", "2024-08-31"), post=("2024-08-01", "2024-10-31"))
    with pytest.raises(pm.DataValidationError, match="also in control"):
        sales_growth(
            tx,
            pre=("2024-07-01", "2024-08-31"),
            post=("2024-09-01", "2024-10-31"),
            control=[1, 2, 3],
            treated=[3, 4, 5],
        )


def test_cumulative_incremental_revenue_matches_groupby(sim_small: SimulatedBase) -> None:
    tx, treated, control = _with_treatment(sim_small, bonus=10.0)
    arms = pd.Series(sim_small.customers.index.isin(treated), index=sim_small.customers.index)
    curve = cumulative_incremental_revenue(tx, treated=arms, start="2024-09-01", end="2024-09-30")
    assert len(curve) == 30 and curve.index.name == "date"
    day = tx["date"].dt.normalize()
    window = tx[(day >= "2024-09-01") & (day <= "2024-09-30")]
    in_t = window["customer_id"].isin(treated)
    t_total = window.loc[in_t, "amount"].sum() / len(treated)
    c_total = window.loc[~in_t, "amount"].sum() / len(control)
    assert curve["treated"].iloc[-1] == pytest.approx(t_total)
    assert curve["incremental"].iloc[-1] == pytest.approx((t_total - c_total) * len(treated))
    assert (np.diff(curve["treated"]) >= 0).all()
