"""Behaviour analytics: when people are active, how steadily, what their sessions look like, and segments."""

from analytics.behaviour.consistency import ConsistencySummary, consistency, consistency_summary
from analytics.behaviour.heatmap import activity_heatmap
from analytics.behaviour.segments import SegmentsResult, behaviour_segments
from analytics.behaviour.sessions import SessionStats, session_stats

__all__ = [
    "ConsistencySummary",
    "SegmentsResult",
    "SessionStats",
    "activity_heatmap",
    "behaviour_segments",
    "consistency",
    "consistency_summary",
    "session_stats",
]
