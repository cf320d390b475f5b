"""Every precimark chart, drawn from real results and written as PNG files.

1. CLV fit diagnostics on the CDNOW sample (BG/NBD in weeks, calibration to 1997-09-30,
   holdout to 1998-06-30): period transactions, calibration vs holdout, the frequency/recency
   and P(alive) matrices, a new customer's expected repeat purchases, one customer's P(alive)
   history, and the two mixing distributions;
2. uplift: Qini and uplift curves and uplift by decile of a two-model learner, gains and lift
   of a purchase score;
3. a campaign report's KPIs with their intervals;
4. RFM segments: sizes and 12-month CLV;
5. attribution of simulated journeys: Markov, and three models side by side.

Run: python examples/plots.py [OUTPUT_DIR]   (default: a new temporary folder)
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from sklearn.linear_model import LogisticRegression

import precimark as pm
from precimark import channels, plot
from precimark.clv import evaluate
from precimark.datasets import load_cdnow, make_journeys, make_uplift_data
from precimark.kpi import evaluate_campaign


def save(folder: Path, name: str, draw: Callable[[Axes], Axes]) -> None:
    """Draw one chart on a new figure and write it as ``name.png``."""
    figure, ax = plt.subplots(figsize=(7, 4.5))
    draw(ax)
    figure.tight_layout()
    path = folder / f"{name}.png"
    figure.savefig(path, dpi=80)
    plt.close(figure)
    print(f"{path.name:40s} {path.stat().st_size / 1024:6.1f} kB")


def clv_charts(folder: Path) -> pd.DataFrame:
    tx = load_cdnow(sample=True)
    split = pm.calibration_holdout_split(
        tx, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W"
    )
    rfm = split[["frequency_cal", "recency_cal", "T_cal"]].set_axis(
        ["frequency", "recency", "T"], axis=1
    )
    model = pm.BetaGeoModel().fit(rfm, time_unit="W")
    report = evaluate(model, split)
    print(f"BG/NBD on {len(rfm):,} customers, chi-square {report.chi_square:.1f}")
    rfm.attrs["time_unit"] = "W"
    loyal = tx["customer_id"].value_counts().index[0]  # the most frequent buyer
    save(folder, "clv_period_transactions", lambda ax: plot.plot_period_transactions(report, ax=ax))
    save(
        folder,
        "clv_calibration_vs_holdout",
        lambda ax: plot.plot_calibration_vs_holdout(report, ax=ax),
    )
    save(
        folder,
        "clv_frequency_recency_matrix",
        lambda ax: plot.plot_frequency_recency_matrix(model, rfm, horizon="28D", ax=ax),
    )
    save(
        folder,
        "clv_probability_alive_matrix",
        lambda ax: plot.plot_probability_alive_matrix(model, rfm, ax=ax),
    )
    save(
        folder,
        "clv_expected_repeat_purchases",
        lambda ax: plot.plot_expected_repeat_purchases(model, "78W", ax=ax),
    )
    save(
        folder,
        "clv_history_alive",
        lambda ax: plot.plot_history_alive(model, tx, loyal, observation_end="1997-09-30", ax=ax),
    )
    save(
        folder,
        "clv_transaction_rate",
        lambda ax: plot.plot_transaction_rate_heterogeneity(model, ax=ax),
    )
    save(folder, "clv_dropout", lambda ax: plot.plot_dropout_rate_heterogeneity(model, ax=ax))

    # For the segment chart: each customer's 12-month CLV next to their RFM segment.
    full = pm.rfm_summary(tx, observation_end="1997-09-30", time_unit="W")
    clv = pm.customer_lifetime_value(
        pm.BetaGeoModel().fit(full),
        pm.GammaGammaModel().fit(full),
        full,
        horizon="360D",
        discount_period="30D",
        discount_rate=0.01,
    )
    return pm.rfm_segments(full).join(clv.rename("customer_lifetime_value"))


def uplift_charts(folder: Path) -> None:
    features = [f"x{i}" for i in range(6)]
    train = make_uplift_data(4_000, random_state=0)
    test = make_uplift_data(4_000, random_state=1)
    learner = pm.TwoModelUplift(random_state=0).fit(
        train[features], train["outcome"], treated=train["treatment"]
    )
    uplift = learner.predict(test[features])
    args = (test["outcome"], uplift, test["treatment"])
    save(folder, "uplift_qini", lambda ax: plot.plot_qini_curve(*args, ax=ax))
    save(folder, "uplift_curve", lambda ax: plot.plot_uplift_curve(*args, ax=ax))
    save(folder, "uplift_by_decile", lambda ax: plot.plot_uplift_by_decile(*args, ax=ax))
    score = (
        LogisticRegression()
        .fit(train[features], train["outcome"])
        .predict_proba(test[features])[:, 1]
    )
    save(folder, "propensity_gains", lambda ax: plot.plot_gains(test["outcome"], score, ax=ax))
    save(
        folder,
        "propensity_lift",
        lambda ax: plot.plot_gains(test["outcome"], score, kind="lift", ax=ax),
    )


def campaign_chart(folder: Path) -> None:
    rng = np.random.default_rng(0)
    treated = rng.random(4_000) < 0.5
    converted = rng.random(4_000) < np.where(treated, 0.12, 0.09)
    outcomes = pd.DataFrame(
        {"treated": treated, "revenue": converted * rng.gamma(2.0, 30.0, 4_000)}
    )
    report = evaluate_campaign(
        outcomes,
        treatment="treated",
        revenue_column="revenue",
        cost=2_000.0,
        margin=0.4,
        name="autumn mailing",
    )
    save(folder, "kpi_campaign_lifts", lambda ax: plot.plot_campaign_report(report, ax=ax))
    save(
        folder,
        "kpi_campaign_money",
        lambda ax: plot.plot_campaign_report(
            report, kpis=["revenue_difference", "revenue_treated", "revenue_control"], ax=ax
        ),
    )


def segment_charts(folder: Path, segments: pd.DataFrame) -> None:
    save(folder, "segments_sizes", lambda ax: plot.plot_segments(segments, ax=ax))
    save(
        folder,
        "segments_clv",
        lambda ax: plot.plot_segments(segments, value_column="customer_lifetime_value", ax=ax),
    )


def attribution_chart(folder: Path) -> None:
    sim = make_journeys(3_000, random_state=3)
    paths = channels.journeys(sim.touchpoints, sim.transactions, customers=sim.customers)
    attributable = paths[~(paths["converted"] & (paths["path"].str.len() == 0))]
    credit = channels.attribute(attributable, "markov")
    save(folder, "channels_attribution", lambda ax: plot.plot_attribution(credit, ax=ax))
    models = {m: channels.attribute(attributable, m) for m in ("last", "linear", "markov")}
    save(folder, "channels_attribution_models", lambda ax: plot.plot_attribution(models, ax=ax))


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="charts-"))
    folder.mkdir(parents=True, exist_ok=True)
    segments = clv_charts(folder)
    uplift_charts(folder)
    campaign_chart(folder)
    segment_charts(folder, segments)
    attribution_chart(folder)
    print(f"{len(list(folder.glob('*.png')))} charts in {folder}")


if __name__ == "__main__":
    main()
