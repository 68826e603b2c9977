"""export_dataset end to end: round trips through the importer, safe CSV, anonymisation, streaming, audit."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from analytics.db import Database
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.export import ExportRequest, export_dataset, writers
from analytics.ingest import import_files
from analytics.privacy.csv_cells import FORMULA_PREFIXES
from analytics.viewer import SYSTEM, Viewer
from config.settings import Settings
from tests.analytics.export.conftest import EMAILS, IPS, NAMES, USER_IDS, insert_users_and_events

EVENT_COLUMNS = "event_id, user_id, activity_type, timestamp, session_id, properties, ip_address, user_agent, country, city"


def stored_events(db: Database) -> list[tuple]:
    found = db.rows(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY event_id")
    return [(*row[:5], json.loads(row[5]), *row[6:]) for row in found]


@pytest.mark.parametrize("file_format", ["csv", "parquet", "jsonl"])
def test_exported_events_import_back_as_the_same_rows(filled, analyst, tmp_path, file_format):
    path = tmp_path / f"events.{file_format}"
    result = export_dataset(filled, analyst, ExportRequest("events"), path)
    assert (result.rows, result.file_format) == (8, file_format)
    fresh = Database(tmp_path / "fresh.duckdb")
    try:
        summary = import_files(fresh, SYSTEM, [path], kind="events", settings=Settings())
        assert summary.added == 8
        expected = [row for row in stored_events(filled) if row[1] != "di-004"]
        assert stored_events(fresh) == expected
    finally:
        fresh.close()


def test_csv_is_utf8_with_a_header_and_iso_utc_timestamps(filled, analyst, tmp_path):
    path = tmp_path / "events.csv"
    export_dataset(filled, analyst, ExportRequest("events", columns=("event_id", "timestamp")), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '"event_id","timestamp"'
    assert lines[1] == '"e1","2024-05-01T10:00:00Z"'
    assert '"e3","2024-05-02T09:00:00.250000Z"' in lines


def test_formula_like_cells_are_neutralised(db, analyst, tmp_path):
    users = [
        ('=HYPERLINK("http://x")', "+Name", "@mail", "2024-05-01 00:00:00", "-1+2", "\tDE", "\rweb", True)
    ]
    events = [("-e1", '=HYPERLINK("http://x")', "@SUM(A1)", "2024-05-01 10:00:00", "+s1", {"v": "=1"}, None)]
    insert_users_and_events(db, users, events)
    for dataset in ("events", "users"):
        path = tmp_path / f"{dataset}.csv"
        export_dataset(db, analyst, ExportRequest(dataset), path)
        with path.open(newline="", encoding="utf-8") as handle:
            header, row = list(csv.reader(handle))
        cells = dict(zip(header, row, strict=True))
        assert cells["user_id"] == '\'=HYPERLINK("http://x")'
        risky = [cell for cell in row if cell.startswith(FORMULA_PREFIXES)]
        assert risky == [], dataset
    assert cells["plan"] == "'-1+2" and cells["country"] == "'\tDE" and cells["platform"] == "'\rweb"


def test_anonymised_files_hold_no_identifiers(filled, analyst, tmp_path):
    for dataset in ("events", "users", "sessions", "predictions", "recommendations"):
        path = tmp_path / f"{dataset}.csv"
        result = export_dataset(filled, analyst, ExportRequest(dataset), path, anonymise=True)
        assert result.anonymised
        text = path.read_text()
        leaked = [value for value in (*USER_IDS, *EMAILS, *NAMES, *IPS) if value in text]
        assert leaked == [], dataset
        assert "anon_" in text
    events = (tmp_path / "events.csv").read_text()
    assert "203.0.113.0" in events and "[email]" in events


def test_a_tiny_chunk_size_writes_the_same_file(filled, analyst, tmp_path):
    for file_format in ("csv", "jsonl", "parquet"):
        whole, chunked = tmp_path / f"whole.{file_format}", tmp_path / f"chunked.{file_format}"
        export_dataset(filled, analyst, ExportRequest("events"), whole)
        export_dataset(filled, analyst, ExportRequest("events"), chunked, chunk_rows=1)
        if file_format == "parquet":
            assert pq.read_table(whole).equals(pq.read_table(chunked))
        else:
            assert whole.read_bytes() == chunked.read_bytes()


def test_progress_reports_rows_after_each_chunk(filled, analyst, tmp_path):
    seen: list[int] = []
    export_dataset(
        filled, analyst, ExportRequest("events"), tmp_path / "e.csv", chunk_rows=3, progress=seen.append
    )
    assert seen == [3, 6, 8]


def test_every_export_is_audited(filled, analyst, tmp_path):
    request = ExportRequest(
        "events", start=date(2024, 5, 2), end=date(2024, 5, 2), segment=(("plan", "pro"),)
    )
    export_dataset(filled, analyst, request, tmp_path / "e.parquet", anonymise=True, source="203.0.113.1")
    actor, action, target, detail, source = filled.rows(
        "SELECT actor, action, target, detail, source FROM audit_log WHERE action = 'export'"
    )[0]
    assert (actor, action, target, source) == ("ana", "export", "events", "203.0.113.1")
    detail = json.loads(detail)
    assert detail["rows"] == 1 and detail["format"] == "parquet" and detail["anonymised"] is True
    assert (detail["start"], detail["end"], detail["segment"]) == (
        "2024-05-02",
        "2024-05-02",
        [["plan", "pro"]],
    )


def test_exporting_needs_the_export_permission(filled, tmp_path):
    manager = Viewer.for_role("pm", "product_manager")
    with pytest.raises(PermissionDenied, match="needs the EXPORT_ANALYTICS permission"):
        export_dataset(filled, manager, ExportRequest("events"), tmp_path / "e.csv")
    assert not (tmp_path / "e.csv").exists()
    assert filled.scalar("SELECT count(*) FROM audit_log WHERE action = 'export'") == 0


def test_a_failed_export_leaves_no_file(filled, analyst, tmp_path, monkeypatch):
    def broken(reader, path, file_format, **options):
        Path(path).write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(writers, "write_batches", broken)
    with pytest.raises(OSError, match="disk full"):
        export_dataset(filled, analyst, ExportRequest("events"), tmp_path / "e.csv")
    assert list(tmp_path.glob("*e.csv*")) == []


def test_unknown_formats_are_named(filled, analyst, tmp_path):
    with pytest.raises(AnalyticsError, match=r"Formats: csv, parquet, jsonl, xlsx"):
        export_dataset(filled, analyst, ExportRequest("events"), tmp_path / "e.txt")


def test_xlsx_holds_the_rows_with_neutralised_cells(filled, analyst, tmp_path):
    path = tmp_path / "users.xlsx"
    export_dataset(filled, analyst, ExportRequest("users", columns=("user_id", "signup_at")), path)
    values = list(openpyxl.load_workbook(path).active.values)
    assert values[0] == ("user_id", "signup_at")
    assert values[1] == ("ann-001", "2024-04-30T09:00:00Z")
    assert len(values) == 4
