"""Customer profiling: RFM summaries, scores and segments, clusters, the consumer archive."""

from __future__ import annotations

from precimark.profiling.rfm import calibration_holdout_split, rfm_summary

__all__ = ["calibration_holdout_split", "rfm_summary"]
