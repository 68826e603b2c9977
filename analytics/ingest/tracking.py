"""`track_events`: the core of the tracking API. One event or a batch, checked exactly like an import
(the records become a JSON-typed relation that goes through the same staging and rules; plain records,
the common case, are read in Python to the same values: analytics.ingest.plain_events), then stored
with the same dedupe, consent, session and rollup steps, in one transaction (shared with the calls
waiting meanwhile: analytics.ingest.group_commit). A few plain records skip staging and are decided in
Python (analytics.ingest.small_load).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from analytics.db import Database
from analytics.errors import ValidationError
from analytics.ingest import small_load
from analytics.ingest.fields import EVENTS
from analytics.ingest.group_commit import write_grouped, write_grouped_async
from analytics.ingest.load import CONSENT, DUPLICATE, SKIPPED, RollupsLockNeeded, load_events, load_few
from analytics.ingest.pipeline import prepare, stage_checked
from analytics.ingest.plain_events import plain_columns, stage_plain
from analytics.ingest.problems import Problem, refuse
from analytics.ingest.readers import Source
from analytics.ingest.small_load import plain_rows
from analytics.ingest.stage import STAGED
from analytics.ingest.stored_facts import stored_facts
from analytics.rollups import checked_zone
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import Settings, load_settings

BATCH = "_ingest_batch"
NOTHING_STORED = "Nothing was stored"
_JSON = json.JSONEncoder(allow_nan=False, ensure_ascii=False)
"""One encoder for every value: json.dumps with options builds a new encoder per call, 3x slower."""


@dataclass(frozen=True)
class TrackResult:
    """What a tracking call did.

    `event_ids[i]` is the id of event i (stored now or stored before), None when it was not stored because
    its user withdrew consent; `skipped_consent` lists those indices.
    """

    accepted: int
    duplicates: int
    skipped_consent: list[int]
    event_ids: list[str | None]


def track_events(
    db: Database,
    viewer: Viewer,
    payload: dict[str, Any] | list[dict[str, Any]],
    *,
    settings: Settings | None = None,
    queue_rollups: bool = True,
) -> TrackResult:
    """Store one event (a dict) or a batch (a list of dicts); ValidationError names each bad event and field.

    The touched rollup rows are queued for `drain_rollup_queue`; `queue_rollups=False` refreshes them
    inline instead, at several times the cost of the call.
    """
    settings = settings or load_settings()
    records = _read(viewer, payload, settings)
    return write_grouped(
        db,
        (settings, queue_rollups),
        records,
        lambda calls: _store(db, calls, settings=settings, queue_rollups=queue_rollups),
        max_records=small_load.SMALL_ROWS,
    )


async def track_events_async(
    db: Database, viewer: Viewer, payload: dict[str, Any] | list[dict[str, Any]], *, settings: Settings
) -> TrackResult:
    """`track_events` for an event loop: the payload is read on the loop (keep it small: about 5 us an
    event), the write is shared with the other calls waiting and made by another thread."""
    records = _read(viewer, payload, settings)
    return await write_grouped_async(
        db,
        (settings, True),
        records,
        lambda calls: _store(db, calls, settings=settings, queue_rollups=True),
        max_records=small_load.SMALL_ROWS,
    )


def _read(viewer: Viewer, payload: object, settings: Settings) -> _Read:
    """The payload's records with their plain columns, once the viewer may track.

    Read by the caller, not in the write: the group's write is serialised, and this reading (about 5 ms
    for 1,000 events) can then run while another group is being written.
    """
    viewer.require(Permission.TRACK_ANALYTICS)
    records = _Read(_records(payload, settings.max_batch_events))
    naive_is_utc = checked_zone(settings.import_timezone) == "UTC"
    records.plain = plain_columns(records, _JSON, naive_is_utc=naive_is_utc)
    return records


class _Read(list):
    """A call's records, with `plain`: their columns as plain_events.plain_columns reads them (None when
    one is not plain)."""

    plain: dict[str, list[Any]] | None = None


def _plain_of(calls: list[_Read]) -> dict[str, list[Any]] | None:
    """The plain columns of every call's records, in order and numbered as one batch; None unless all
    are plain."""
    plains = [call.plain for call in calls if call.plain is not None]
    if len(plains) < len(calls):
        return None
    if len(plains) == 1:
        return plains[0]
    merged: dict[str, list[Any]] = {name: [] for name in plains[0]}
    for plain in plains:
        for name, values in plain.items():
            merged[name].extend(values)
    merged["_row"] = list(range(len(merged["_row"])))
    return merged


def _store(db: Database, calls: list[_Read], *, settings: Settings, queue_rollups: bool) -> list[TrackResult]:
    """Store the records of one or more calls in one transaction; one TrackResult per call.

    With queued rollups the transaction leaves the rollups lock to the queue's drain, which then runs
    beside it; the rare write that must rebuild the rollups (the first events, a new reporting zone) is
    rolled back and made again holding that lock.
    """
    if queue_rollups:
        try:
            return _store_once(db, calls, settings=settings, queue_rollups=True, rollups_locked=False)
        except RollupsLockNeeded:
            pass
    return _store_once(db, calls, settings=settings, queue_rollups=queue_rollups, rollups_locked=True)


def _store_once(
    db: Database, calls: list[_Read], *, settings: Settings, queue_rollups: bool, rollups_locked: bool
) -> list[TrackResult]:
    """One attempt of `_store`; RollupsLockNeeded when it must write the rollups without their lock."""
    records = [record for call in calls for record in call]
    zone = checked_zone(settings.import_timezone)
    plain = _plain_of(calls)
    table = None
    if plain is None:
        table, problems = _as_json_columns(records)
        if problems:
            refuse(problems, len(problems), nothing=NOTHING_STORED)
    with db.transaction(live=True, writes_rollups=rollups_locked) as cursor:
        load_args = {
            "zone": settings.reporting_timezone,
            "gap_minutes": settings.session_gap_minutes,
            "consent_default": settings.consent_default,
        }
        counts = None
        if plain is not None and queue_rollups and len(records) <= small_load.SMALL_ROWS:
            # Plain records need no staging: their values are already known, and what the write needs to
            # know of the stored tables is mostly known too (analytics.ingest.stored_facts).
            facts = stored_facts(db).current(db.events_generation)
            counts = load_few(cursor, plain_rows(plain), plain=plain, facts=facts, **load_args)
        if counts is None:
            prepare(cursor, zone)  # load_few needs none of it: plain times are UTC already
            rows = stage_plain(cursor, plain) if table is None else _stage(cursor, table, zone)
            counts = load_events(
                cursor,
                rows=rows,
                progress=lambda message: None,
                queue_rollups=queue_rollups,
                rollups_locked=rollups_locked,
                **load_args,
            )
        outcome = (
            counts.outcome
            or cursor.execute(
                f"SELECT s.event_id, k.reason FROM {STAGED} s LEFT JOIN {SKIPPED} k USING (_file, _row) ORDER BY s._row"
            ).fetchall()
        )
    results, start = [], 0
    for call in calls:
        part, start = outcome[start : start + len(call)], start + len(call)
        results.append(
            TrackResult(
                accepted=sum(reason is None for _, reason in part),
                duplicates=sum(reason == DUPLICATE for _, reason in part),
                skipped_consent=[index for index, (_, reason) in enumerate(part) if reason == CONSENT],
                event_ids=[None if reason == CONSENT else event_id for event_id, reason in part],
            )
        )
    return results


def _stage(cursor: duckdb.DuckDBPyConnection, table: pa.Table, zone: str) -> int:
    """Stage the records of `table` with the import's SQL reading and rules; rows staged, or ValidationError."""
    source = Source(
        name="",
        relation=f"(SELECT CAST(COLUMNS(*) AS JSON) FROM {BATCH})",
        params=(),
        columns=dict.fromkeys(table.column_names, "JSON"),
        first_row=0,
        row_word="event",
        field_word="field",
        is_file=False,
    )
    cursor.register(BATCH, table)
    try:
        return stage_checked(
            cursor,
            EVENTS,
            [source],
            column_map={},
            zone=zone,
            nothing=NOTHING_STORED,
            problem_limit=None,
            progress=lambda message: None,
        )
    finally:
        cursor.unregister(BATCH)


def _records(payload: object, limit: int) -> list[Any]:
    if isinstance(payload, dict):
        return [payload]
    if not isinstance(payload, list):
        raise ValidationError(
            f"The payload must be one event (a JSON object) or a list of events. Got {type(payload).__name__}."
        )
    if not payload:
        raise ValidationError(f"The batch is empty; send between 1 and {limit:,} events.")
    if len(payload) > limit:
        raise ValidationError(
            f"The batch has {len(payload):,} events, but at most {limit:,} are accepted per call "
            "(setting max_batch_events); split it into smaller batches."
        )
    return payload


def _as_json_columns(records: list[Any]) -> tuple[pa.Table, list[Problem]]:
    """The records as an Arrow table of JSON text, one column per key (required fields always present)."""
    names = dict.fromkeys(EVENTS.required)
    problems = []
    for index, record in enumerate(records):
        if isinstance(record, dict):
            names.update(dict.fromkeys(str(key) for key in record))
        else:
            problems.append(_problem(index, None, f"is {_json_kind(record)}, not a JSON object"))
    columns: dict[str, list[str | None]] = {name: [] for name in names}
    for index, record in enumerate(records):
        found = {str(key): value for key, value in record.items()} if isinstance(record, dict) else {}
        for name, values in columns.items():
            value = found.get(name)
            try:
                values.append(None if value is None else _JSON.encode(value))
            except (TypeError, ValueError):
                values.append(None)
                problems.append(_problem(index, name, f"{value!r} cannot be written as JSON"))
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    return table, problems


def _json_kind(value: object) -> str:
    for kinds, name in (
        (bool, "a boolean"),
        ((int, float), "a number"),
        (str, "a string"),
        (list, "an array"),
    ):
        if isinstance(value, kinds):
            return name
    return "null" if value is None else f"a {type(value).__name__}"


def _problem(index: int, field: str | None, reason: str) -> Problem:
    return Problem("", index, field, reason, row_word="event", field_word="field")
