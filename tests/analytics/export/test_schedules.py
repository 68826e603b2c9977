"""Scheduled exports: when they are due (injected clock), what they write or post, who may change them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from analytics import webhooks
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.export import ExportRequest, schedules
from analytics.export.schedules import (
    create_schedule,
    delete_schedule,
    list_schedules,
    next_run_after,
    run_due_exports,
)
from analytics.viewer import Viewer

CREATED = datetime(2024, 5, 3, 12, 0)
FIRST_RUN = datetime(2024, 5, 4, 6, 0)


def add_account(db, username: str, role: str, *, enabled: bool = True) -> Viewer:
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            "INSERT INTO accounts (username, display_name, role, password_hash, enabled, password_changed_at) "
            "VALUES (?, ?, ?, 'not-a-hash', ?, TIMESTAMP '2024-01-01')",
            [username, username, role, enabled],
        )
    return Viewer.for_role(username, role)


@pytest.fixture
def ana(filled) -> Viewer:
    return add_account(filled, "ana", "analyst")


def folder_schedule(db, viewer, **options):
    values = {"name": "Events daily", "request": ExportRequest("events"), "folder": "daily", "now": CREATED}
    schedule, secret = create_schedule(db, viewer, **{**values, **options})
    return schedule


@pytest.mark.parametrize(
    ("moment", "options", "expected"),
    [
        (
            datetime(2024, 5, 1, 5, 0),
            {"frequency": "daily", "hour": 6, "zone": "UTC"},
            datetime(2024, 5, 1, 6, 0),
        ),
        (
            datetime(2024, 5, 1, 6, 0),
            {"frequency": "daily", "hour": 6, "zone": "UTC"},
            datetime(2024, 5, 2, 6, 0),
        ),
        # Wednesday 1 May; weekly on Mondays.
        (
            datetime(2024, 5, 1, 5, 0),
            {"frequency": "weekly", "hour": 6, "zone": "UTC"},
            datetime(2024, 5, 6, 6, 0),
        ),
        (
            datetime(2024, 5, 6, 6, 0),
            {"frequency": "weekly", "hour": 6, "zone": "UTC"},
            datetime(2024, 5, 13, 6, 0),
        ),
        # 06:00 in Berlin is 05:00 UTC in winter, 04:00 UTC from 31 March 2024 (summer time).
        (
            datetime(2024, 3, 30, 6, 0),
            {"frequency": "daily", "hour": 6, "zone": "Europe/Berlin"},
            datetime(2024, 3, 31, 4, 0),
        ),
        (
            datetime(2024, 3, 29, 23, 0),
            {"frequency": "daily", "hour": 6, "zone": "Europe/Berlin"},
            datetime(2024, 3, 30, 5, 0),
        ),
        # 23:00 in Tokyo is 14:00 UTC the same day.
        (
            datetime(2024, 5, 1, 15, 0),
            {"frequency": "daily", "hour": 23, "zone": "Asia/Tokyo"},
            datetime(2024, 5, 2, 14, 0),
        ),
    ],
)
def test_next_run_after(moment, options, expected):
    assert next_run_after(moment, weekday=0, **options) == expected


def test_a_schedule_runs_when_due_and_then_waits_a_day(filled, ana):
    schedule = folder_schedule(filled, ana, period_days=2)
    assert schedule.next_run_at == FIRST_RUN
    assert run_due_exports(filled, now=datetime(2024, 5, 4, 5, 59)) == []
    assert run_due_exports(filled, now=FIRST_RUN) == [schedule.schedule_id]
    written = schedules.scheduled_folder(filled, "daily") / "events-daily-20240504T060000Z.csv"
    # The last two complete days before 4 May: 2 and 3 May hold e3, e5, e6, e7, e8.
    assert len(written.read_text().splitlines()) == 1 + 5
    listed = list_schedules(filled, ana).iloc[0]
    assert listed["last_status"] == f"wrote 5 rows to {written}"
    assert listed["next_run_at"] == datetime(2024, 5, 5, 6, 0)
    assert run_due_exports(filled, now=datetime(2024, 5, 4, 6, 1)) == []
    audited = filled.rows("SELECT actor, source FROM audit_log WHERE action = 'export'")
    assert audited == [("ana", f"schedule:{schedule.schedule_id}")]


def test_a_missed_run_happens_once(filled, ana):
    folder_schedule(filled, ana)
    assert len(run_due_exports(filled, now=datetime(2024, 5, 9, 7, 0))) == 1
    assert run_due_exports(filled, now=datetime(2024, 5, 9, 7, 1)) == []


def test_webhook_schedules_post_the_signed_file(filled, ana):
    posted = []

    def deliver(url, body, *, secret, headers, log):
        posted.append((url, body, secret, headers))
        return webhooks.DeliveryResult(
            "d1", delivered=True, attempts=1, status_code=200, detail="HTTP 200 ok"
        )

    schedule, secret = create_schedule(
        filled,
        ana,
        name="To BI",
        request=ExportRequest("users"),
        webhook_url="https://bi.example/hook",
        now=CREATED,
    )
    assert len(secret) >= 32
    run_due_exports(filled, now=FIRST_RUN, deliver=deliver)
    url, body, used_secret, headers = posted[0]
    assert (url, used_secret) == ("https://bi.example/hook", secret)
    assert body.decode().splitlines()[0].startswith('"user_id","display_name"')
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["X-Pulse-Rows"] == "3"
    assert (
        list_schedules(filled, ana).iloc[0]["last_status"]
        == "delivered 3 rows (HTTP 200 ok) after 1 attempt(s)"
    )
    assert list((schedules.exports_root(filled) / "webhook").rglob("*.csv")) == []


def test_a_failed_delivery_keeps_the_file_and_large_files_are_announced(filled, ana, monkeypatch):
    posted = []

    def deliver(url, body, *, secret, headers, log):
        posted.append((body, headers))
        return webhooks.DeliveryResult("d1", delivered=False, attempts=5, status_code=503, detail="HTTP 503")

    monkeypatch.setattr(schedules, "WEBHOOK_FILE_MAX_BYTES", 10)
    create_schedule(
        filled, ana, name="Big", request=ExportRequest("events"), webhook_url="http://h/x", now=CREATED
    )
    run_due_exports(filled, now=FIRST_RUN, deliver=deliver)
    body, headers = posted[0]
    notice = json.loads(body)
    assert headers["Content-Type"] == "application/json"
    assert (notice["dataset"], notice["rows"], notice["format"]) == ("events", 8, "csv")
    status = list_schedules(filled, ana).iloc[0]["last_status"]
    assert status.startswith("delivery failed after 5 attempts (HTTP 503); file kept at ")
    assert Path(notice["file"]).read_text().count("\n") == 9


def test_a_schedule_of_a_disabled_account_fails_and_moves_on(filled):
    owner = add_account(filled, "old", "analyst", enabled=False)
    folder_schedule(filled, owner)
    run_due_exports(filled, now=FIRST_RUN)
    listed = list_schedules(filled, owner).iloc[0]
    assert listed["last_status"].startswith("failed: Schedule") and "disabled" in listed["last_status"]
    assert listed["next_run_at"] == datetime(2024, 5, 5, 6, 0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"frequency": "hourly"}, "frequency must be one of daily, weekly"),
        ({"hour": 24}, r"hour must be an int in \[0, 23\]"),
        ({"period_days": 0}, "period must be None"),
        ({"folder": "../etc"}, "absolute paths and '..' are refused"),
        ({"folder": "/tmp/x"}, "absolute paths and '..' are refused"),
        ({"webhook_url": "http://h/x"}, "exactly one destination"),
        ({"request": ExportRequest("events", start=CREATED.date())}, "leave start and end empty"),
        ({"request": ExportRequest("nope")}, "Unknown dataset 'nope'"),
        ({"request": ExportRequest("users", columns=("pin",))}, "no column 'pin'"),
        ({"file_format": "xml"}, "Formats: csv, parquet, jsonl, xlsx"),
        ({"name": " "}, "needs a name"),
    ],
)
def test_bad_schedules_are_refused(filled, ana, options, message):
    with pytest.raises(AnalyticsError, match=message):
        folder_schedule(filled, ana, **options)


def test_listing_hides_secrets_and_only_owners_or_admins_delete(filled, ana):
    schedule, _ = create_schedule(
        filled, ana, name="Hook", request=ExportRequest("users"), webhook_url="http://h/x", now=CREATED
    )
    listed = list_schedules(filled, ana)
    assert "secret" not in listed.columns and listed.iloc[0]["dataset"] == "users"
    other = add_account(filled, "bob", "analyst")
    with pytest.raises(PermissionDenied, match="only they or an admin may delete it"):
        delete_schedule(filled, other, schedule.schedule_id)
    delete_schedule(filled, Viewer.for_role("root", "admin"), schedule.schedule_id)
    assert list_schedules(filled, ana).empty
    actions = [row[0] for row in filled.rows("SELECT action FROM audit_log ORDER BY audit_id")]
    assert actions == ["export_schedule_created", "export_schedule_deleted"]


def test_schedules_need_the_export_permission(filled):
    manager = Viewer.for_role("pm", "product_manager")
    with pytest.raises(PermissionDenied, match="EXPORT_ANALYTICS"):
        folder_schedule(filled, manager)
    with pytest.raises(PermissionDenied, match="EXPORT_ANALYTICS"):
        list_schedules(filled, manager)
