"""Customer profiling: RFM summaries, scores and segments, clusters, the consumer archive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from precimark._lazy import attach as _attach

if TYPE_CHECKING:  # imported on first use at run time: see precimark._lazy
    from precimark.profiling import (  # noqa: F401  (submodules, attributes of the package)
        clusters,
        items,
        profile,
        recommend,
        rfm,
        scores,
        segments,
    )
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

_SOURCES = {
    "clusters": "precimark.profiling.clusters",
    "items": "precimark.profiling.items",
    "profile": "precimark.profiling.profile",
    "recommend": "precimark.profiling.recommend",
    "rfm": "precimark.profiling.rfm",
    "scores": "precimark.profiling.scores",
    "segments": "precimark.profiling.segments",
    "BehaviouralSegmenter": "precimark.profiling.clusters",
    "ItemItemRecommender": "precimark.profiling.items",
    "evaluate_recommendations": "precimark.profiling.items",
    "item_similarity": "precimark.profiling.items",
    "CustomerProfiler": "precimark.profiling.profile",
    "category_affinity": "precimark.profiling.recommend",
    "recommend_categories": "precimark.profiling.recommend",
    "recommendation_hit_rate": "precimark.profiling.recommend",
    "calibration_holdout_split": "precimark.profiling.rfm",
    "rfm_summary": "precimark.profiling.rfm",
    "RFMEdges": "precimark.profiling.scores",
    "fit_rfm_edges": "precimark.profiling.scores",
    "rfm_scores": "precimark.profiling.scores",
    "DEFAULT_SEGMENT_RULES": "precimark.profiling.segments",
    "SegmentRule": "precimark.profiling.segments",
    "rfm_segments": "precimark.profiling.segments",
}
if not TYPE_CHECKING:  # a module __getattr__ would make every unknown name Any to mypy
    __getattr__, __dir__ = _attach(__name__, _SOURCES)

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
