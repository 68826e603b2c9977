"""What is happening right now: events and active users of the last minutes, the live feed, ingestion lag.

Reads raw `events` restricted by timestamp (and ingested_at), so DuckDB's zone maps skip all older row
groups: the cost depends on the last hour's events, not on the table's size. Windows are (now − length,
now] in UTC; events stamped in the future (client clocks ahead) count once their time has come.
Viewers who may see other users get product-wide figures; members get figures about themselves only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics.db import Database
from analytics.schema import EVENTS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission

RECENT_MINUTES = 5
HOUR_MINUTES = 60
FEED_EVENTS = 20
FEED_COLUMNS = ("timestamp", "event_id", "user_id", "activity_type", "session_id", "ingested_at")


@dataclass(frozen=True)
class RealtimeSnapshot:
    """The last hour at `now` (naive UTC), for the whole product (`user_id` None) or one user.

    per_minute columns: minute (naive UTC, start of the minute), events — 60 rows, oldest first, zeros
    included; the last row is the minute in progress. feed columns: FEED_COLUMNS, newest first.
    ingestion_lag_s = now − newest ingested_at (None without any event); event_delay_p50_s = median of
    ingested_at − timestamp over the last 5 minutes' events (None without any).
    """

    now: datetime
    user_id: str | None
    events_5m: int
    events_60m: int
    active_users_5m: int
    active_users_60m: int
    per_minute: pd.DataFrame
    feed: pd.DataFrame
    newest_ingested_at: datetime | None
    ingestion_lag_s: float | None
    event_delay_p50_s: float | None


def realtime_snapshot(db: Database, viewer: Viewer, *, now: datetime | None = None) -> RealtimeSnapshot:
    """Counts of the last 5 and 60 minutes, events per minute, the newest events and the ingestion lag."""
    viewer.require(Permission.VIEW_USER_ENGAGEMENT)
    user_id = None if viewer.can(Permission.VIEW_OTHER_USER_ANALYTICS) else viewer.user_id
    if user_id is None:
        viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    events = analysable(EVENTS)
    if user_id is not None:
        events = events.filter(events.user_id == user_id)
    hour = _since(events, events.timestamp, now, HOUR_MINUTES)
    recent = hour.timestamp > ibis.literal(now - timedelta(minutes=RECENT_MINUTES))
    counts = db.run(
        hour.aggregate(
            events_60m=hour.count(),
            users_60m=hour.user_id.nunique(),
            events_5m=hour.count(where=recent),
            users_5m=hour.user_id.nunique(where=recent),
            delay_p50_ms=hour.ingested_at.delta(hour.timestamp, unit="millisecond").median(where=recent),
        )
    ).iloc[0]
    minutes = db.run(hour.group_by(minute=hour.timestamp.truncate("m")).aggregate(events=hour.count()))
    feed = db.run(hour.order_by(ibis.desc("timestamp"), ibis.desc("event_id")).limit(FEED_EVENTS))
    newest = _newest_ingested_at(db, events, now)
    delay_ms = counts["delay_p50_ms"]
    return RealtimeSnapshot(
        now=now,
        user_id=user_id,
        events_5m=int(counts["events_5m"]),
        events_60m=int(counts["events_60m"]),
        active_users_5m=int(counts["users_5m"]),
        active_users_60m=int(counts["users_60m"]),
        per_minute=_zero_filled(minutes, now),
        feed=feed[list(FEED_COLUMNS)].reset_index(drop=True),
        newest_ingested_at=newest,
        ingestion_lag_s=None if newest is None else round((now - newest).total_seconds(), 3),
        event_delay_p50_s=None if pd.isna(delay_ms) else round(float(delay_ms) / 1000, 3),
    )


def _since(table: ir.Table, column: ir.TimestampColumn, now: datetime, minutes: int) -> ir.Table:
    """Rows whose `column` lies in (now − minutes, now]."""
    return table.filter(
        (column > ibis.literal(now - timedelta(minutes=minutes))) & (column <= ibis.literal(now))
    )


def _newest_ingested_at(db: Database, events: ir.Table, now: datetime) -> datetime | None:
    """The newest ingested_at: first among the last hour's ingests (cheap), else over all events."""
    for candidates in (
        _since(events, events.ingested_at, now, HOUR_MINUTES),
        events.filter(events.ingested_at <= ibis.literal(now)),
    ):
        newest = db.run(candidates.aggregate(newest=candidates.ingested_at.max())).iloc[0]["newest"]
        if not pd.isna(newest):
            return pd.Timestamp(newest).to_pydatetime()
    return None


def _zero_filled(counted: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Events of each of the 60 minutes ending with the one holding `now`, oldest first."""
    last = now.replace(second=0, microsecond=0)
    every = pd.DataFrame(
        {"minute": [last - timedelta(minutes=HOUR_MINUTES - 1 - offset) for offset in range(HOUR_MINUTES)]}
    )
    every["minute"] = pd.to_datetime(every["minute"]).astype("datetime64[us]")
    counted = counted.assign(minute=pd.to_datetime(counted["minute"]).astype("datetime64[us]"))
    merged = every.merge(counted, on="minute", how="left")
    merged["events"] = merged["events"].fillna(0).astype("int64")
    return merged
