"""Engagement metrics: retention cohorts, lifecycle, stickiness, engagement score and feature adoption.

Every function takes (db, viewer, filters, *, options) and returns an aggregated DataFrame whose columns
its docstring lists; definitions and formulas are in docs/metrics/engagement.md.
"""

from analytics.engagement.adoption import feature_adoption, time_to_adopt
from analytics.engagement.lifecycle import lifecycle
from analytics.engagement.retention import retention_average, retention_matrix, retention_users
from analytics.engagement.score import band_counts, engagement_distribution, engagement_scores
from analytics.engagement.stickiness import dau_mau, stickiness

__all__ = [
    "band_counts",
    "dau_mau",
    "engagement_distribution",
    "engagement_scores",
    "feature_adoption",
    "lifecycle",
    "retention_average",
    "retention_matrix",
    "retention_users",
    "stickiness",
    "time_to_adopt",
]
