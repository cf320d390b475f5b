"""Customer profiling: RFM summaries, scores and segments, clusters, the consumer archive."""

from __future__ import annotations

from precimark.profiling.clusters import BehaviouralSegmenter
from precimark.profiling.items import (
    ItemItemRecommender,
    evaluate_recommendations,
    item_similarity,
)
from precimark.profiling.profile import CustomerProfiler
from precimark.profiling.recommend import (
    category_affinity,
    recommend_categories,
    recommendation_hit_rate,
)
from precimark.profiling.rfm import calibration_holdout_split, rfm_summary
from precimark.profiling.scores import RFMEdges, fit_rfm_edges, rfm_scores
from precimark.profiling.segments import DEFAULT_SEGMENT_RULES, SegmentRule, rfm_segments

__all__ = [
    "BehaviouralSegmenter",
    "CustomerProfiler",
    "DEFAULT_SEGMENT_RULES",
    "ItemItemRecommender",
    "RFMEdges",
    "SegmentRule",
    "calibration_holdout_split",
    "category_affinity",
    "evaluate_recommendations",
    "fit_rfm_edges",
    "item_similarity",
    "rfm_scores",
    "rfm_segments",
    "recommend_categories",
    "recommendation_hit_rate",
    "rfm_summary",
]
