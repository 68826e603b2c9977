"""GET /analytics/realtime: the last hour's events, active users, live feed and ingestion lag."""

from __future__ import annotations

from fastapi import APIRouter

from analytics.realtime import realtime_snapshot
from api.deps import DatabaseDep, ViewerDep
from api.models import FeedEvent, PerMinute, Realtime, rows

router = APIRouter(tags=["realtime"])


@router.get("/analytics/realtime", response_model=Realtime)
def get_realtime(db: DatabaseDep, viewer: ViewerDep) -> Realtime:
    """Events and active users of the last 5 and 60 minutes, events per minute, the 20 newest events.

    Product-wide for roles that may see other users; a member's own events only. Never cached.
    """
    snapshot = realtime_snapshot(db, viewer)
    return Realtime(
        now=snapshot.now,
        user_id=snapshot.user_id,
        events_5m=snapshot.events_5m,
        events_60m=snapshot.events_60m,
        active_users_5m=snapshot.active_users_5m,
        active_users_60m=snapshot.active_users_60m,
        per_minute=rows(snapshot.per_minute, PerMinute),
        feed=rows(snapshot.feed, FeedEvent),
        newest_ingested_at=snapshot.newest_ingested_at,
        ingestion_lag_s=snapshot.ingestion_lag_s,
        event_delay_p50_s=snapshot.event_delay_p50_s,
    )
