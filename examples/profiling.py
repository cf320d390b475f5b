"""Customer profiling with precimark: scores, segments, the consumer archive, clusters, matching.

A simulated shop of 10,000 customers (categories, payment channels, list prices, consent):

1. RFM scores and named segments from the transaction log;
2. the consent-gated consumer archive, built on the first 12 months and brought up to date
   with the next 6 (incrementally: only the new transactions are read);
3. behavioural clusters on archive features, described in plain words;
4. next-category recommendations and their hit rate on a time split against popularity;
5. which input columns the profile reads, and for what.

Run: python examples/profiling.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import precimark as pm
from precimark.datasets import make_transactions
from precimark.privacy import data_usage_report
from precimark.profiling import (
    BehaviouralSegmenter,
    CustomerProfiler,
    category_affinity,
    recommend_categories,
    recommendation_hit_rate,
    rfm_segments,
)

pd.set_option("display.width", 120)
sim = make_transactions(10_000, random_state=42)
tx, customers, end = sim.transactions, sim.customers, sim.observation_end
print(f"{tx['customer_id'].nunique():,} customers, {len(tx):,} transactions up to {end.date()}")

# 1. RFM scores and segments --------------------------------------------------------------
rfm = pm.rfm_summary(tx, observation_end=end)
segments = rfm_segments(rfm)
print("\nRFM segments (share of customers):")
print(segments["segment"].value_counts(normalize=True).round(3).to_string())

# 2. The consumer archive, consent-gated, kept up to date ------------------------------------
cut = pd.Timestamp("2024-12-31")
first_year = tx["date"] < cut + pd.Timedelta(days=1)
profiler = CustomerProfiler(consent="consent_profiling", attribute_columns=["signup_date"])
profiler.fit(tx[first_year], customers, observation_end=cut)
profiler.update(tx[~first_year], customers, observation_end=end)  # reads only the new rows
archive = profiler.archive()  # the archive of everything fit and update read
print(
    f"\nArchive as of {profiler.observation_end_.date()}: {archive.shape[0]:,} customers x "
    f"{archive.shape[1]} columns; {profiler.excluded_.size:,} not profiled (no consent)"
)
columns = [
    "segment",
    "orders",
    "average_order_value",
    "aov_percentile",
    "price_sensitivity",
    "top_category",
    "category_concentration",
    "preferred_channel",
]
print(archive[columns].head().round(2).to_string())

# 3. Behavioural clusters ------------------------------------------------------------------
features = archive[
    ["orders", "average_order_value", "days_since_last_purchase", "price_sensitivity"]
]
segmenter = BehaviouralSegmenter(random_state=0).fit(features)
print(f"\n{segmenter.n_clusters_} behavioural clusters (k chosen by silhouette):")
print(
    segmenter.cluster_summary_[["size", "orders", "average_order_value", "description"]]
    .round(1)
    .to_string()
)

# 4. Next-category recommendations -----------------------------------------------------------
affinity = category_affinity(tx)
print("\nMost similar category pairs (co-purchase cosine):")
upper = affinity.where(np.triu(np.ones(affinity.shape, dtype=bool), k=1))
pairs = upper.melt(ignore_index=False, var_name="with", value_name="cosine").dropna()
print(pairs.sort_values("cosine", ascending=False).head(3).round(3).to_string())
recs = recommend_categories(archive, k=3, similarity=affinity)
print(recs.head(3).round(3).to_string())
hit = recommendation_hit_rate(tx, split_date=cut, k=3)
print(
    f"hit rate@3 on the time split: item-to-item {hit['item_to_item']:.3f}, "
    f"popularity {hit['popularity']:.3f} ({int(hit['customers']):,} customers)"
)

# 5. Transparency ----------------------------------------------------------------------------
print("\nColumns the profile reads:")
print(data_usage_report(profiler).to_string(index=False))
