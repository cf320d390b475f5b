"""estimate_elasticity: known elasticities recovered, statsmodels agreement, interval coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from precimark import DataValidationError
from precimark.pricing import ELASTICITY_COLUMNS, estimate_elasticity

TRUE = {"books": -0.8, "fashion": -1.5, "electronics": -2.5}


def _market(n_per_segment: int, rng: np.random.Generator) -> pd.DataFrame:
    """Weekly sales where promotions and season move both price and demand (confounding)."""
    frames = []
    for segment, elasticity in TRUE.items():
        n = n_per_segment
        promo = rng.random(n) < 0.3
        season = rng.choice(["winter", "spring", "summer", "autumn"], n)
        high = season == "winter"
        log_p = np.log(30) - 0.25 * promo + 0.1 * high + rng.normal(0, 0.08, n)
        log_q = 4 + elasticity * log_p + 0.6 * promo + 0.4 * high + rng.normal(0, 0.3, n)
        frames.append(
            pd.DataFrame(
                {
                    "segment": segment,
                    "price": np.exp(log_p),
                    "quantity": np.exp(log_q),
                    "promo": promo,
                    "season": season,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_known_elasticities_are_recovered() -> None:
    data = _market(3000, np.random.default_rng(0))
    est = estimate_elasticity(data, control_columns=["promo", "season"], segment_column="segment")
    assert list(est.columns) == list(ELASTICITY_COLUMNS)
    for segment, truth in TRUE.items():
        row = est.loc[segment]
        assert row["elasticity"] == pytest.approx(truth, abs=0.15)
        assert row["ci_low"] < truth < row["ci_high"]
        assert row["n"] == 3000
    # without the controls the promotion confounds the estimate: far off the truth
    naive = estimate_elasticity(data, segment_column="segment")
    assert (naive["elasticity"] - pd.Series(TRUE)).abs().min() > 0.5


def test_agrees_with_statsmodels_ols_with_controls() -> None:
    data = _market(2000, np.random.default_rng(1))
    one = data[data["segment"] == "fashion"]
    est = estimate_elasticity(one, control_columns=["promo", "season"]).loc["all"]
    x = pd.get_dummies(one[["promo", "season"]], drop_first=True, dtype=float)
    x.insert(0, "log_price", np.log(one["price"]))
    fit = sm.OLS(np.log(one["quantity"]), sm.add_constant(x)).fit(cov_type="HC0")
    assert est["elasticity"] == pytest.approx(fit.params["log_price"], abs=0.02)
    assert est["std_error"] == pytest.approx(fit.bse["log_price"], rel=0.1)


def test_interval_coverage_in_repeated_samples() -> None:
    rng = np.random.default_rng(2)
    reps, hits = 100, 0
    for _ in range(reps):
        data = _market(300, rng)
        one = data[data["segment"] == "books"]
        row = estimate_elasticity(one, control_columns=["promo", "season"], n_folds=2).loc["all"]
        hits += row["ci_low"] <= TRUE["books"] <= row["ci_high"]
    assert 0.95 - 3 * 0.022 <= hits / reps <= 1.0


def test_bad_input() -> None:
    data = _market(50, np.random.default_rng(3))
    data.loc[4, "quantity"] = 0.0
    with pytest.raises(DataValidationError, match=r"column 'quantity'.*first customer: 4"):
        estimate_elasticity(data)
    with pytest.raises(DataValidationError, match="'discount'"):
        estimate_elasticity(data, control_columns=["discount"])
    flat = pd.DataFrame({"price": [10.0] * 20, "quantity": np.arange(1.0, 21.0)})
    with pytest.raises(DataValidationError, match="no price variation"):
        estimate_elasticity(flat)


def test_old_argument_names_are_deprecated_aliases() -> None:
    rng = np.random.default_rng(4)
    price = np.exp(np.log(10) + rng.normal(0, 0.2, 300))
    data = pd.DataFrame(
        {"p": price, "q": np.exp(2 - 1.5 * np.log(price) + rng.normal(0, 0.1, 300))}
    )
    new = estimate_elasticity(data, price_column="p", quantity_column="q", confidence=0.9)
    with pytest.warns(FutureWarning, match=r"use (price|quantity)_column="):
        old = estimate_elasticity(data, price="p", quantity="q", confidence=0.9)  # type: ignore[call-arg]
    pd.testing.assert_frame_equal(old, new)
    assert new.loc["all", "confidence"] == 0.9 and new.loc["all", "method"] == "double-ml-hc0"
    assert list(new.columns) == list(ELASTICITY_COLUMNS)
