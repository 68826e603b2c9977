"""`import_files`: files of events or users into the database in one transaction, all or nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.ingest.fields import KINDS
from analytics.ingest.load import load_events
from analytics.ingest.pipeline import prepare, stage_checked
from analytics.ingest.problems import PROBLEMS_SHOWN, Problem, refuse
from analytics.ingest.readers import open_file
from analytics.ingest.users import upsert_users
from analytics.rollups import checked_zone
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import Settings, load_settings

NOTHING_IMPORTED = "Nothing was imported"


@dataclass(frozen=True)
class ImportSummary:
    """What one import did; `duplicates` counts rows skipped because their event or user repeated."""

    kind: str
    files: int
    rows_read: int
    added: int
    duplicates: int
    skipped_consent: int
    users_created: int
    users_updated: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        added = (
            f"{self.added:,} events added"
            if self.kind == "events"
            else f"{self.users_updated:,} users updated"
        )
        return (
            f"{self.rows_read:,} rows read from {self.files} file{'s' if self.files != 1 else ''}; {added}; "
            f"skipped: {self.duplicates:,} duplicates, {self.skipped_consent:,} consent withdrawn; "
            f"{self.users_created:,} users created; {self.seconds:.1f} s ({self.rows_per_s:,.0f} rows/s)"
        )


def import_files(
    db: Database,
    viewer: Viewer,
    paths: Sequence[str | Path],
    *,
    kind: str = "events",
    file_format: str | None = None,
    column_map: dict[str, str] | None = None,
    timezone: str | None = None,
    settings: Settings | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import CSV, Parquet or JSON Lines files of `kind` ("events" or "users") as one transaction.

    `column_map` renames input columns ({"uid": "user_id"}); naive timestamps are read in `timezone`
    (default: the import_timezone setting). Any problem raises ValidationError and stores nothing.
    """
    viewer.require(Permission.TRACK_ANALYTICS)
    if kind not in KINDS:
        raise AnalyticsError(f"The import kind must be one of {sorted(KINDS)}. Got {kind!r}.")
    if not paths:
        raise AnalyticsError("Name at least one file to import.")
    settings = settings or load_settings()
    zone = checked_zone(timezone or settings.import_timezone)
    report = progress or (lambda message: None)
    started = time.perf_counter()
    reader = db.cursor()
    opened = [open_file(reader, Path(path), file_format) for path in paths]
    unreadable = [found for found in opened if isinstance(found, Problem)]
    if unreadable:
        refuse(unreadable, len(unreadable), nothing=NOTHING_IMPORTED)
    sources = [found for found in opened if not isinstance(found, Problem)]
    with db.transaction() as cursor:
        prepare(cursor, zone)
        rows = stage_checked(
            cursor,
            KINDS[kind],
            sources,
            column_map=column_map or {},
            zone=zone,
            nothing=NOTHING_IMPORTED,
            problem_limit=PROBLEMS_SHOWN,
            progress=report,
        )
        report(f"checked {rows:,} rows: no problems")
        if kind == "events":
            counts = load_events(
                cursor,
                rows=rows,
                zone=settings.reporting_timezone,
                gap_minutes=settings.session_gap_minutes,
                consent_default=settings.consent_default,
                progress=report,
            )
            added, duplicates, consent = counts.added, counts.duplicates, counts.skipped_consent
            created, updated = counts.users_created, 0
        else:
            upserted = upsert_users(cursor, rows=rows, consent_default=settings.consent_default)
            added, duplicates, consent = upserted.created, upserted.duplicates, 0
            created, updated = upserted.created, upserted.updated
    return ImportSummary(
        kind=kind,
        files=len(sources),
        rows_read=rows,
        added=added,
        duplicates=duplicates,
        skipped_consent=consent,
        users_created=created,
        users_updated=updated,
        seconds=time.perf_counter() - started,
    )
