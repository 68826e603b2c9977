"""Getting data in: file imports (`import_files`) and the tracking core of the API (`track_events`)."""

from analytics.ingest.importer import ImportSummary, import_files
from analytics.ingest.queue import drain_rollup_queue
from analytics.ingest.timestamps import parse_timestamp, parse_timestamps
from analytics.ingest.tracking import TrackResult, track_events, track_events_async

__all__ = [
    "ImportSummary",
    "TrackResult",
    "drain_rollup_queue",
    "import_files",
    "parse_timestamp",
    "parse_timestamps",
    "track_events",
    "track_events_async",
]
