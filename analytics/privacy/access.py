"""The right of access: a zip of everything Pulse holds about one user, readable by people and machines.

For every table with rows about the user there is `<table>.json` (a list of objects) and
`<table>.csv` (UTF-8, header row, formula-looking text prefixed with an apostrophe), plus README.txt.
Timestamps are ISO 8601 in UTC with a "Z"; credential columns (passwords, tokens) are left out.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import duckdb
import pandas as pd

from analytics import audit
from analytics.db import Database, quote_ident
from analytics.errors import NotFoundError
from analytics.privacy.csv_cells import safe_csv_text
from analytics.privacy.tables import USER_COLUMN, UserTable, user_tables
from analytics.viewer import Viewer
from config.permissions import Permission

CREDENTIAL_NAME_PARTS = ("password", "secret", "token", "salt")
TABLE_DESCRIPTIONS = {
    "users": "Your profile: sign-up time, plan, country, platform, consent to analytics and attributes.",
    "events": "Every activity recorded about you, with its time, session, properties, IP address and device.",
    "sessions": "Your sessions, derived from the events: start, end, duration and counts.",
    "user_daily": "Your activity per day, derived from the events.",
    "user_daily_activity": "Your events per day and activity type, derived from the events.",
    "predictions": "Predictions made about you (such as the chance you stop using the product).",
    "recommendations": "Recommendations made for you and whether they were acted on.",
    "ground_truth_users": "Simulation labels of the demo data set (demo databases only).",
    "accounts": "Your login account (credentials are not included).",
}


def export_user_data(db: Database, viewer: Viewer, user_id: str, *, source: str | None = None) -> bytes:
    """A zip of every row about `user_id`; members may download their own, and each download is audited.

    Raises NotFoundError if no table holds a row about the user.
    """
    viewer.require_user(user_id, Permission.VIEW_USER_ANALYTICS)
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    contents: list[tuple[UserTable, list[str]]] = []
    cursor = db.cursor()
    cursor.execute("BEGIN TRANSACTION")  # one snapshot, so every file describes the same moment
    try:
        for table in user_tables(cursor):
            frame, json_columns = _user_rows(cursor, table, user_id)
            if frame.empty:
                continue
            rows[table.label] = len(frame)
            contents.append((table, list(frame.columns)))
            files[f"{table.label}.json"] = _as_json(frame, json_columns)
            files[f"{table.label}.csv"] = _as_csv(frame)
    finally:
        cursor.execute("ROLLBACK")
    if not rows:
        raise NotFoundError(f"User {user_id!r} has no rows in any table, so there is no data to export.")
    generated_at = datetime.now(UTC)
    audit.log(db, viewer.account, "data_access_export", target=user_id, detail={"rows": rows}, source=source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(user_id, generated_at, contents, rows))
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _user_rows(
    cursor: duckdb.DuckDBPyConnection, table: UserTable, user_id: str
) -> tuple[pd.DataFrame, list[str]]:
    """The table's rows about the user, timestamps as ISO text, nested values as JSON text."""
    selected, json_columns = [], []
    for name, kind in zip(table.columns, table.types, strict=True):
        if any(part in name.lower() for part in CREDENTIAL_NAME_PARTS):
            continue
        expression, is_json = _export_expression(quote_ident(name), kind)
        selected.append(f"{expression} AS {quote_ident(name)}")
        if is_json:
            json_columns.append(name)
    sql = f"SELECT {', '.join(selected)} FROM {table.sql_name} WHERE {USER_COLUMN}::VARCHAR = ? ORDER BY ALL"
    return cursor.execute(sql, [user_id]).df(), json_columns


def _export_expression(column: str, kind: str) -> tuple[str, bool]:
    """SQL turning a column into its exported form, and whether that form is JSON text."""
    if kind.startswith("TIMESTAMP"):
        utc = f"({column} AT TIME ZONE 'UTC')" if "TIME ZONE" in kind else f"{column}::TIMESTAMP"
        fraction = f"CASE WHEN microsecond({utc}) % 1000000 = 0 THEN '' ELSE strftime({utc}, '.%f') END"
        return f"strftime({utc}, '%Y-%m-%dT%H:%M:%S') || {fraction} || 'Z'", False
    if kind == "DATE":
        return f"{column}::VARCHAR", False
    if kind == "JSON":
        return column, True
    if kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION")):
        return f"to_json({column})::VARCHAR", True
    return column, False


def _as_json(frame: pd.DataFrame, json_columns: list[str]) -> bytes:
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for record in records:
        for name in json_columns:
            if record[name] is not None:
                record[name] = json.loads(record[name])
    return json.dumps(records, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _as_csv(frame: pd.DataFrame) -> bytes:
    return safe_csv_text(frame).encode("utf-8")


def _readme(
    user_id: str, generated_at: datetime, contents: list[tuple[UserTable, list[str]]], rows: dict[str, int]
) -> str:
    lines = [
        f"Data held about user {user_id}, exported {generated_at:%Y-%m-%dT%H:%M:%SZ}.",
        "",
        "Each table with rows about you comes as two files with the same content:",
        "  <table>.json  a JSON list with one object per row (nested values as JSON);",
        "  <table>.csv   UTF-8 text, one header row, then one line per row (nested values as JSON text).",
        "Times are in UTC, written in ISO 8601 with a 'Z' (for example 2024-03-01T14:05:00Z).",
        "In the CSV files, text starting with = + - @ or a tab has an apostrophe in front so that",
        "spreadsheets show it as text instead of running it as a formula.",
        "Passwords, tokens and other credentials are never included.",
        "",
    ]
    for table, columns in contents:
        description = TABLE_DESCRIPTIONS.get(table.name, f"Rows of the {table.label} table about you.")
        lines += [
            f"{table.label}.json, {table.label}.csv ({rows[table.label]:,} rows)",
            f"  {description}",
            f"  Columns: {', '.join(columns)}",
            "",
        ]
    return "\n".join(lines)
