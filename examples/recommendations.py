"""Product recommendations: fit, recommend with price bands, evaluate on a time split."""

from __future__ import annotations

import pandas as pd

from precimark.datasets import make_baskets
from precimark.profiling import ItemItemRecommender, evaluate_recommendations


def main() -> None:
    sim = make_baskets(5_000, 1_000, random_state=0)
    model = ItemItemRecommender(category_column="category", price_column="price")
    model.fit(sim.transactions, customers=sim.customers)
    # Purchasing power as CustomerProfiler's archive states it: aov_percentile in [0, 100].
    aov = sim.transactions.groupby("customer_id")["price"].mean()
    archive = pd.DataFrame({"aov_percentile": 100 * aov.rank(pct=True)})
    recs = model.recommend(archive.index[:3], n=5, archive=archive, customers=sim.customers)
    print(recs.to_string(index=False))
    print(recs.attrs["data_usage"])
    table = evaluate_recommendations(
        ItemItemRecommender(), sim.transactions, split_date="2024-09-30"
    )
    print(table.round(3))
    assert table.loc["model", "recall"] > table.loc["popularity", "recall"]


if __name__ == "__main__":
    main()
