"""POST /analytics/track: one event or a batch, validated exactly like an import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from analytics.ingest import TrackResult, track_events
from api.deps import DatabaseDep, SettingsDep, ViewerDep

router = APIRouter(tags=["tracking"])


class TrackResponse(BaseModel):
    """What was stored: `event_ids[i]` belongs to event i (None when consent was withdrawn)."""

    accepted: int
    duplicates: int
    skipped_consent: list[int]
    event_ids: list[str | None]


EventPayload = Annotated[
    dict[str, Any] | list[dict[str, Any]],
    Body(description="One event object, or a list of up to max_batch_events of them."),
]


@router.post("/analytics/track", response_model=TrackResponse)
def track(db: DatabaseDep, viewer: ViewerDep, settings: SettingsDep, payload: EventPayload) -> TrackResponse:
    """Store events idempotently (by event_id); invalid rows are listed and nothing is stored."""
    return track_response(track_events(db, viewer, payload, settings=settings))


def track_response(result: TrackResult) -> TrackResponse:
    """The answer to a tracking call (api.tracking_lane gives the same for the calls it answers)."""
    return TrackResponse(
        accepted=result.accepted,
        duplicates=result.duplicates,
        skipped_consent=list(result.skipped_consent),
        event_ids=list(result.event_ids),
    )
