"""Typed response bodies about one user (the `scope: "user"` answers of the analytics endpoints)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from api.models import Insight, Period, Prediction, Recommendation


class UserProfile(BaseModel):
    """Who the user is and their lifetime figures; times are wall-clock times of the reporting zone."""

    user_id: str
    display_name: str | None
    email: str | None
    signup_at: datetime | None
    plan: str | None
    country: str | None
    platform: str | None
    first_activity_at: datetime | None
    last_activity_at: datetime | None
    lifetime_events: int
    lifetime_sessions: int
    lifetime_active_days: int
    engagement_score: int | None
    engagement_band: str | None
    score_as_of: date | None
    skill_level: int | None
    skill_level_day: date | None


class DailyActivity(BaseModel):
    day: date
    activity_type: str
    events: int


class UserOverview(BaseModel):
    """One user's profile and their events per day and activity type over the period."""

    scope: Literal["user"] = "user"
    user_id: str
    period: Period
    profile: UserProfile
    activity: list[DailyActivity]


class TimelineSession(BaseModel):
    session_id: str
    started_at: datetime
    ended_at: datetime
    duration_s: float
    event_count: int
    shown_events: int


class TimelineEvent(BaseModel):
    session_id: str | None
    event_id: str
    at: datetime
    activity_type: str
    details: str


class UserBehaviour(BaseModel):
    """One page of the user's sessions in the period, newest first, with their events."""

    scope: Literal["user"] = "user"
    user_id: str
    period: Period
    sessions: list[TimelineSession]
    events: list[TimelineEvent]
    total_sessions: int
    page: int
    pages: int


class PeerFigure(BaseModel):
    metric: str
    label: str
    value: float | None
    peer_p25: float | None
    peer_median: float | None
    peer_p75: float | None
    percentile: float | None
    peers: int
    note: str | None


class UserPerformance(BaseModel):
    """The user's performance metrics over the period against their peers'."""

    scope: Literal["user"] = "user"
    user_id: str
    period: Period
    peer_group: str
    metrics: list[PeerFigure]


class PeerPercentile(BaseModel):
    metric: str
    value: float | None
    peer_median: float | None
    peer_p25: float | None
    peer_p75: float | None
    percentile: float | None
    peers: int
    note: str | None


class UserEngagement(BaseModel):
    """The user's engagement score and band, and where their activity stands in their peer group."""

    scope: Literal["user"] = "user"
    user_id: str
    period: Period
    engagement_score: int | None
    engagement_band: str | None
    score_as_of: date | None
    peer_group: str
    percentiles: list[PeerPercentile]


class HistoryComparison(BaseModel):
    metric: str
    value: float | None
    history_mean: float | None
    change: float | None
    change_pct: float | None
    history_periods: int


class UserTrends(BaseModel):
    """The user's metrics over the period against the mean of their previous equal periods."""

    scope: Literal["user"] = "user"
    user_id: str
    period: Period
    history_periods: int
    metrics: list[HistoryComparison]


class UserSummary(BaseModel):
    """The user's profile, latest predictions and best insights."""

    scope: Literal["user"] = "user"
    user_id: str
    period: Period
    profile: UserProfile
    predictions: list[Prediction]
    insights: list[Insight]


class UserDashboard(BaseModel):
    """Everything about one user in one call: profile, activity, peers, predictions, advice, insights."""

    scope: Literal["user"] = "user"
    user_id: str
    period: Period
    profile: UserProfile
    activity: list[DailyActivity]
    peers: list[PeerFigure]
    predictions: list[Prediction]
    recommendations: list[Recommendation]
    insights: list[Insight]
