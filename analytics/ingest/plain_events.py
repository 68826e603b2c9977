"""Staging of plain tracked events without the import's SQL reading: the common case, read in Python.

Typing and checking a batch with the import's SQL (analytics.ingest.stage and validate) costs about
8 ms of planning however few rows it holds, a third of a single-event tracking call. Most tracked events
are plain: only known fields, spelled in lower case; an event_id, user_id and activity_type given as
printable text without surrounding spaces (or an integer); an ISO 8601 timestamp with a zone (or
without one when the import zone is UTC) or whole epoch seconds or milliseconds of years 1973-2096;
properties a JSON object. For such records the Python reading below gives exactly the values the SQL
would, so they are staged directly; any other record sends its whole batch through the import's SQL,
whose rules and messages therefore stay the only ones.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from analytics.ingest.fields import EVENTS, TEXT
from analytics.ingest.stage import GIVEN_ID, STAGED, create_staging

PLAIN = "_ingest_plain"
_ISO = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,6})?(Z|[+-]\d\d:\d\d)?")
_EPOCH = datetime(1970, 1, 1)
_SECONDS = range(100_000_000, 4_000_000_000)
"""Whole epoch seconds read exactly by the SQL (its double arithmetic is exact below 2**53 µs)."""
_MILLISECONDS = range(100_000_000_000, 4_000_000_000_000)
_BIGINT = range(-(2**63), 2**63)
_TEXT_FIELDS = tuple(field.name for field in EVENTS.fields if field.kind == TEXT)
_KNOWN = frozenset(field.name for field in EVENTS.fields)
_NEEDED = frozenset(EVENTS.required) | {"event_id"}
"""Fields a plain record gives; without an event_id, the SQL derives one from the content."""
_SCHEMA = pa.schema(
    [(name, pa.string()) for name in _TEXT_FIELDS]
    + [("timestamp", pa.timestamp("us")), ("properties", pa.string()), ("_row", pa.int64())]
)


def plain_columns(
    records: list[Any], encode: json.JSONEncoder, *, naive_is_utc: bool
) -> dict[str, list[Any]] | None:
    """The records as staging values (text, naive UTC datetimes, JSON text), or None if one is not plain.

    `naive_is_utc` says the import zone is UTC, so timestamps without an offset are UTC as well.
    """
    columns: dict[str, list[Any]] = {name: [] for name in _SCHEMA.names}
    for row, record in enumerate(records):
        if type(record) is not dict or not _KNOWN.issuperset(record):
            return None
        for name in _TEXT_FIELDS:
            value = _text(record.get(name))
            if value is False or (value is None and name in _NEEDED):
                return None
            columns[name].append(value)
        timestamp = _timestamp(record.get("timestamp"), naive_is_utc)
        properties = record.get("properties")
        if timestamp is None or (properties is not None and type(properties) is not dict):
            return None
        try:
            columns["properties"].append(None if properties is None else encode.encode(properties))
        except (TypeError, ValueError):
            return None
        columns["timestamp"].append(timestamp)
        columns["_row"].append(row)
    return columns


def stage_plain(cursor: duckdb.DuckDBPyConnection, columns: dict[str, list[Any]]) -> int:
    """Fill the staging table with the plain records of `columns`, as the import's SQL would; rows staged."""
    create_staging(cursor, EVENTS, [])
    cursor.register(PLAIN, pa.table(columns, schema=_SCHEMA))
    try:
        cursor.execute(
            f"INSERT INTO {STAGED} BY NAME SELECT 0 AS _file, * REPLACE (CAST(properties AS JSON) AS properties), "
            f"true AS {GIVEN_ID} FROM {PLAIN}"
        )
    finally:
        cursor.unregister(PLAIN)
    return len(columns["_row"])


def _text(value: object) -> str | None | bool:
    """The text a field gets (None when absent), or False when the SQL rules must decide."""
    if value is None:
        return None
    if type(value) is str:
        plain = value.isprintable() and value.strip(" ") == value and value != ""
        return value if plain else False
    if type(value) is int and value in _BIGINT:
        return str(value)
    return False


def _timestamp(value: object, naive_is_utc: bool) -> datetime | None:
    """The naive UTC time of a plain timestamp, or None when the SQL rules must decide."""
    if type(value) is int:
        if value in _SECONDS:
            return _EPOCH + timedelta(seconds=value)
        if value in _MILLISECONDS:
            return _EPOCH + timedelta(milliseconds=value)
        return None
    if type(value) is not str:
        return None
    match = _ISO.fullmatch(value)
    if match is None or not 1000 <= int(value[:4]) <= 9998 or (match[1] is None and not naive_is_utc):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:  # such as a 13th month or a 30th of February: the SQL names the problem
        return None
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)
