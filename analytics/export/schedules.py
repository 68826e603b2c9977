"""Scheduled exports: daily or weekly, to a folder under data/exports/scheduled/ or to a signed webhook.

Analysts create and delete schedules on the Export page; the server's scheduler calls
`run_due_exports` every minute. A schedule runs as the account that created it, with that account's
permissions at run time (a disabled account or a lost EXPORT_ANALYTICS permission stops it). A run
missed while the server was down happens once at the next check, not once per missed period.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from analytics import audit, webhooks
from analytics.auth.accounts import get_account
from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError, PermissionDenied
from analytics.export.datasets import ExportRequest, chosen_columns, get_dataset, request_filters
from analytics.export.run import ExportResult, export_dataset
from analytics.export.writers import MEDIA_TYPES, check_format
from analytics.periods import today_in_zone
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

FREQUENCIES = ("daily", "weekly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_PERIOD_DAYS = 3660
WEBHOOK_FILE_MAX_BYTES = 10_000_000
"""Larger webhook exports are kept on the server and announced with a JSON body naming the file."""
EXPORTS_FOLDER = "exports"
EXPORTS_EVERY_S = 60.0
"""How often the server looks for due schedules."""
log = logging.getLogger("pulse.exports")


@dataclass(frozen=True)
class Schedule:
    """One row of `export_schedules`; `request` has no period (`period_days` gives it at run time)."""

    schedule_id: str
    name: str
    request: ExportRequest
    file_format: str
    anonymise: bool
    frequency: str
    hour: int
    weekday: int
    period_days: int | None
    destination_kind: str
    destination: str
    secret: str | None
    created_by: str
    created_at: datetime
    next_run_at: datetime
    last_run_at: datetime | None
    last_status: str | None


_COLUMNS = tuple(f.name for f in fields(Schedule))
LISTED_COLUMNS = tuple(name for name in _COLUMNS if name not in ("request", "secret"))


def exports_root(db: Database) -> Path:
    """The folder exports are written to: data/exports beside the database file."""
    return db.path.parent / EXPORTS_FOLDER


def scheduled_folder(db: Database, name: str) -> Path:
    """The folder a schedule writes to: `name` (relative, no '..') under data/exports/scheduled/."""
    relative = Path(name.strip())
    if not name.strip() or relative.is_absolute() or ".." in relative.parts:
        raise AnalyticsError(
            "A schedule's folder must be a relative name such as 'weekly/events', created under "
            f"{exports_root(db) / 'scheduled'}; absolute paths and '..' are refused. Got {name!r}."
        )
    return exports_root(db) / "scheduled" / relative


def next_run_after(moment: datetime, *, frequency: str, hour: int, weekday: int, zone: str) -> datetime:
    """The first run time after `moment` (naive UTC): `hour`:00 in `zone`, on `weekday` if weekly."""
    place = ZoneInfo(zone)
    day = moment.replace(tzinfo=UTC).astimezone(place).date()
    while True:
        at = datetime.combine(day, time(hour), tzinfo=place).astimezone(UTC).replace(tzinfo=None)
        if at > moment and (frequency == "daily" or day.weekday() == weekday):
            return at
        day += timedelta(days=1)


def _check_options(frequency: str, hour: int, weekday: int, period_days: int | None) -> None:
    if frequency not in FREQUENCIES:
        raise AnalyticsError(f"The frequency must be one of {', '.join(FREQUENCIES)}. Got {frequency!r}.")
    if not 0 <= hour <= 23:
        raise AnalyticsError(f"The hour must be an int in [0, 23]. Got {hour!r}.")
    if not 0 <= weekday <= 6:
        raise AnalyticsError(f"The weekday must be an int in [0, 6] (0 = Monday). Got {weekday!r}.")
    if period_days is not None and not 1 <= period_days <= MAX_PERIOD_DAYS:
        raise AnalyticsError(
            f"The period must be None (all data) or 1-{MAX_PERIOD_DAYS} days. Got {period_days!r}."
        )


def create_schedule(
    db: Database,
    viewer: Viewer,
    *,
    name: str,
    request: ExportRequest,
    file_format: str = "csv",
    anonymise: bool = False,
    frequency: str = "daily",
    hour: int = 6,
    weekday: int = 0,
    period_days: int | None = None,
    folder: str | None = None,
    webhook_url: str | None = None,
    now: datetime | None = None,
    source: str | None = None,
) -> tuple[Schedule, str | None]:
    """Store a schedule (audited); return it and, for a webhook, its signing secret (shown only now).

    Exactly one of `folder` (see `scheduled_folder`) and `webhook_url` names the destination. Each run
    exports the last `period_days` complete reporting-zone days (None: all data) at `hour`:00.
    """
    viewer.require(Permission.EXPORT_ANALYTICS)
    if not name.strip() or len(name) > 100:
        raise AnalyticsError(f"A schedule needs a name of 1-100 characters. Got {name!r}.")
    _check_options(frequency, hour, weekday, period_days)
    if request.start is not None or request.end is not None:
        raise AnalyticsError(
            "A scheduled export takes its period from period_days; leave start and end empty."
        )
    check_format(file_format)
    chosen_columns(get_dataset(request.dataset), request.columns)
    request_filters(db, viewer, request)
    if (folder is None) == (webhook_url is None):
        raise AnalyticsError("Give a schedule exactly one destination: a folder or a webhook URL.")
    secret = None
    if webhook_url is not None:
        kind, destination, secret = "webhook", webhooks.check_url(webhook_url), secrets.token_urlsafe(32)
    else:
        scheduled_folder(db, folder)
        kind, destination = "folder", folder.strip()
    moment = now or _utc_now()
    schedule = Schedule(
        schedule_id=uuid.uuid4().hex[:12],
        name=name.strip(),
        request=request,
        file_format=file_format,
        anonymise=anonymise,
        frequency=frequency,
        hour=hour,
        weekday=weekday,
        period_days=period_days,
        destination_kind=kind,
        destination=destination,
        secret=secret,
        created_by=viewer.account,
        created_at=moment,
        next_run_at=next_run_after(
            moment, frequency=frequency, hour=hour, weekday=weekday, zone=load_settings().reporting_timezone
        ),
        last_run_at=None,
        last_status=None,
    )
    stored = [json.dumps(request.to_json()) if f == "request" else getattr(schedule, f) for f in _COLUMNS]
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            f"INSERT INTO export_schedules ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            stored,
        )
        detail = {
            "name": schedule.name,
            "dataset": request.dataset,
            "frequency": frequency,
            "destination": kind,
        }
        audit.record(
            cursor,
            viewer.account,
            "export_schedule_created",
            target=schedule.schedule_id,
            detail=detail,
            source=source,
        )
    return schedule, secret


def _schedules(db: Database, where: str = "", params: list[object] | None = None) -> list[Schedule]:
    rows = db.rows(f"SELECT {', '.join(_COLUMNS)} FROM export_schedules {where} ORDER BY created_at", params)
    found = []
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["request"] = ExportRequest.from_json(json.loads(values["request"]))
        found.append(Schedule(**values))
    return found


def list_schedules(db: Database, viewer: Viewer) -> pd.DataFrame:
    """Every schedule, oldest first, without secrets. Columns: LISTED_COLUMNS plus dataset."""
    viewer.require(Permission.EXPORT_ANALYTICS)
    rows = [
        {"dataset": s.request.dataset, **{name: getattr(s, name) for name in LISTED_COLUMNS}}
        for s in _schedules(db)
    ]
    return pd.DataFrame(rows, columns=["schedule_id", "name", "dataset", *LISTED_COLUMNS[2:]])


def delete_schedule(db: Database, viewer: Viewer, schedule_id: str, *, source: str | None = None) -> None:
    """Delete a schedule (audited): its creator or an account manager may."""
    viewer.require(Permission.EXPORT_ANALYTICS)
    found = _schedules(db, "WHERE schedule_id = ?", [schedule_id])
    if not found:
        raise NotFoundError(f"There is no export schedule {schedule_id!r}.")
    if found[0].created_by != viewer.account and not viewer.can(Permission.MANAGE_ACCOUNTS):
        raise PermissionDenied(
            f"Schedule {schedule_id!r} belongs to {found[0].created_by!r}; only they or an admin may delete it."
        )
    with db.transaction(data_changed=False) as cursor:
        cursor.execute("DELETE FROM export_schedules WHERE schedule_id = ?", [schedule_id])
        audit.record(cursor, viewer.account, "export_schedule_deleted", target=schedule_id, source=source)


def schedule_deliveries(db: Database, viewer: Viewer, *, limit_rows: int = 100) -> pd.DataFrame:
    """The newest webhook attempts of scheduled exports (source 'export:<schedule_id>'), newest first."""
    viewer.require(Permission.EXPORT_ANALYTICS)
    return db.query(
        "SELECT * FROM webhook_deliveries WHERE source LIKE 'export:%' ORDER BY attempted_at DESC LIMIT ?",
        [limit_rows],
    )


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _owner(db: Database, schedule: Schedule) -> Viewer:
    """The viewer a schedule runs as: its creator's account as it is now."""
    account = get_account(db, schedule.created_by)
    if account is None or not account.enabled:
        raise PermissionDenied(
            f"Schedule {schedule.schedule_id!r} runs as {schedule.created_by!r}, which no longer exists or is "
            "disabled; delete the schedule or create it again from an active account."
        )
    return Viewer.for_role(account.username, account.role, account.user_id)


def _period(schedule: Schedule, now: datetime) -> tuple[date | None, date | None]:
    """The last `period_days` complete reporting-zone days before `now`, or no period (all data)."""
    if schedule.period_days is None:
        return None, None
    end = today_in_zone(load_settings().reporting_timezone, now) - timedelta(days=1)
    return end - timedelta(days=schedule.period_days - 1), end


def _file_name(schedule: Schedule, now: datetime) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", schedule.name.lower()).strip("-") or "export"
    return f"{slug}-{now:%Y%m%dT%H%M%SZ}.{schedule.file_format}"


Deliver = Callable[..., webhooks.DeliveryResult]


def run_schedule(
    db: Database, schedule: Schedule, *, now: datetime, deliver: Deliver = webhooks.deliver
) -> str:
    """Export once for `schedule` and deliver the file; return a one-line status for the listing."""
    viewer = _owner(db, schedule)
    start, end = _period(schedule, now)
    request = replace(schedule.request, start=start, end=end)
    name = _file_name(schedule, now)
    if schedule.destination_kind == "folder":
        path = scheduled_folder(db, schedule.destination) / name
    else:
        path = exports_root(db) / "webhook" / schedule.schedule_id / name
    result = export_dataset(
        db,
        viewer,
        request,
        path,
        file_format=schedule.file_format,
        anonymise=schedule.anonymise,
        source=f"schedule:{schedule.schedule_id}",
    )
    if schedule.destination_kind == "folder":
        return f"wrote {result.rows:,} rows to {path}"
    return _post(db, schedule, result, deliver)


def _post(db: Database, schedule: Schedule, result: ExportResult, deliver: Deliver) -> str:
    """POST the file (or, when large, a JSON notice naming it) to the schedule's webhook."""
    headers = {
        "X-Pulse-Event": "export",
        "X-Pulse-Schedule": schedule.schedule_id,
        "X-Pulse-Dataset": result.dataset,
        "X-Pulse-Rows": str(result.rows),
    }
    inline = result.size_bytes <= WEBHOOK_FILE_MAX_BYTES
    if inline:
        body = result.path.read_bytes()
        headers["Content-Type"] = MEDIA_TYPES[result.file_format]
        headers["Content-Disposition"] = f'attachment; filename="{result.path.name}"'
    else:
        notice = {
            "event": "export",
            "schedule_id": schedule.schedule_id,
            "name": schedule.name,
            "dataset": result.dataset,
            "format": result.file_format,
            "rows": result.rows,
            "bytes": result.size_bytes,
            "file": str(result.path),
        }
        body = json.dumps(notice).encode()
        headers["Content-Type"] = "application/json"
    sent = deliver(
        schedule.destination,
        body,
        secret=schedule.secret,
        headers=headers,
        log=webhooks.attempt_logger(db, f"export:{schedule.schedule_id}"),
    )
    if not sent.delivered:
        return f"delivery failed after {sent.attempts} attempts ({sent.detail}); file kept at {result.path}"
    if inline:
        result.path.unlink()
    return f"delivered {result.rows:,} rows ({sent.detail}) after {sent.attempts} attempt(s)"


def run_due_exports(
    db: Database, *, now: datetime | None = None, deliver: Deliver = webhooks.deliver
) -> list[str]:
    """Run every schedule whose time has come (the scheduler's job); return their ids.

    Each run is claimed first (next_run_at moves on), so a failure is reported in last_status and
    retried at the next period, not every minute.
    """
    moment = now or _utc_now()
    zone = load_settings().reporting_timezone
    ran = []
    for schedule in _schedules(db, "WHERE next_run_at <= ?", [moment]):
        following = next_run_after(
            moment, frequency=schedule.frequency, hour=schedule.hour, weekday=schedule.weekday, zone=zone
        )
        _set_status(db, schedule.schedule_id, "running", moment, following)
        try:
            status = run_schedule(db, schedule, now=moment, deliver=deliver)
        except (AnalyticsError, OSError) as exc:
            log.warning("scheduled export %s failed: %s", schedule.schedule_id, exc)
            status = f"failed: {exc}"
        _set_status(db, schedule.schedule_id, status, moment, following)
        ran.append(schedule.schedule_id)
    return ran


def _set_status(db: Database, schedule_id: str, status: str, ran_at: datetime, next_run_at: datetime) -> None:
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            "UPDATE export_schedules SET last_status = ?, last_run_at = ?, next_run_at = ? WHERE schedule_id = ?",
            [status, ran_at, next_run_at, schedule_id],
        )
